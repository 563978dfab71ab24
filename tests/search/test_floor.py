"""The question's floor on the real seeds index: a question nothing answers gets no hit in dense and hybrid mode,
one that is answered keeps its answer, and --no-floor, quoted phrases and lexical mode show passages anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.search.ranking import STANDOUT_MIN_CANDIDATES, RankingParams

# Key terms (摇号, 限购, 粮票) that no seed report holds, yet a topic of public policy, as a user would ask.
NOTHING_ANSWERS = ("买车摇号和限购政策", "粮票是哪一年取消的")


@pytest.mark.parametrize("query", NOTHING_ANSWERS)
@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_a_question_nothing_answers_gets_no_hit(engine: LawSearch, query: str, mode: str) -> None:
    assert engine.search(query, mode=mode).hits == []
    assert engine.search(query, mode=mode, apply_floor=False).hits  # the nearest passages exist; the floor hid them


def test_an_answered_question_keeps_its_answer(engine: LawSearch) -> None:
    results = engine.search("根治欠薪冬季行动")
    hits = results.hits
    assert hits and "冬季" in hits[0].text
    assert hits[0].focal_terms and hits[0].focal == pytest.approx(1.0)
    assert hits[0].focal_terms == results.focal_terms  # every focal term of the question, as the hit writes them


def test_lexical_mode_and_quoted_phrases_are_not_floored(engine: LawSearch) -> None:
    assert engine.search("买车限购和就业政策", mode="lexical").hits  # shares 就业 and 政策 with passages: keyword search
    quoted = engine.search('"劳动仲裁" 买车摇号')
    assert quoted.hits and all("劳动仲裁" in hit.text for hit in quoted.hits)


def test_the_floor_needs_enough_candidates_to_tell_a_standout() -> None:
    params = RankingParams()
    few = [0.86] * (STANDOUT_MIN_CANDIDATES - 1)
    assert params.stands_out(few)
    assert not params.stands_out([0.86] * STANDOUT_MIN_CANDIDATES)
    assert RankingParams(standout=None).stands_out([0.5] * 50)
    assert params.for_embedder("sentence-transformers").standout is None  # an uncalibrated scale: no such floor


def test_cli_says_nothing_matches_and_no_floor_shows_the_nearest(index_dir: Path) -> None:
    runner = CliRunner()
    floored = runner.invoke(main, ["search", NOTHING_ANSWERS[0], "--index", str(index_dir)])
    assert floored.exit_code == 0 and "no passage matches well" in floored.output and "--no-floor" in floored.output
    shown = runner.invoke(main, ["search", NOTHING_ANSWERS[0], "--index", str(index_dir), "--no-floor", "-k", "2", "--explain"])
    assert shown.exit_code == 0, shown.output
    assert " 1. " in shown.output and "focal terms in its best sentence" in shown.output
