"""One query's way (lawsearch.search.pipeline): the question is parsed once, and the engine only checks arguments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

import lawsearch.search.charscore as charscore
import lawsearch.search.question as question_module
from lawsearch.engine import LawSearch
from lawsearch.search import pipeline
from lawsearch.search.corpus import Corpus
from lawsearch.search.lexical import LexicalIndex
from lawsearch.search.question import Question
from lawsearch.search.request import SearchRequest
from lawsearch.search.scope import Scope


def _counting(calls: Counter[str], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return counted


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_a_question_is_parsed_once_per_search(engine: LawSearch, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    calls: Counter[str] = Counter()
    monkeypatch.setattr(Question, "parse", classmethod(_counting(calls, "parse", Question.parse.__func__)))
    for name in ("named", "level_asked", "query_characters", "topic_words", "split_phrases"):
        monkeypatch.setattr(question_module, name, _counting(calls, name, getattr(question_module, name)))
    monkeypatch.setattr(charscore, "query_text", _counting(calls, "query_text", charscore.query_text))
    monkeypatch.setattr(LexicalIndex, "parse_query", _counting(calls, "parse_query", LexicalIndex.parse_query))
    results = engine.search("2022年哪些地区建立了调解员联盟", mode=mode)
    assert results.answers is not None and len(results) > 0
    assert calls == {
        name: 1 for name in ("parse", "named", "level_asked", "query_characters", "topic_words", "split_phrases", "query_text")
    }


def test_the_pipeline_is_the_search(engine: LawSearch) -> None:
    corpus = engine._corpus
    for query, mode in (("哪些地区建立了调解员联盟", "hybrid"), ('"调解员联盟"', "lexical"), ("执法", "dense")):
        direct = pipeline.search(corpus, engine.embed_query, SearchRequest(query, mode, 10, Scope()))
        assert direct.to_dict(explain=True) == engine.search(query, mode=mode).to_dict(explain=True)


def test_signals_of_the_engine_are_the_pipeline_s(engine: LawSearch) -> None:
    query = "哪些地区开展了根治欠薪冬季行动"
    parsed = engine.lexical.parse_query(query)
    lexical = engine.lexical.search(parsed, 20)
    vector = engine.embed_query(query)
    dense = engine.dense.search(vector, 20)
    signals = engine.signals(query, parsed, lexical, dense, vector)
    assert set(signals) == set(lexical) | set(dense)
    question = Question.parse(query, engine.lexical.segmenter)
    assert signals == pipeline.signals(engine._corpus, question, lexical, dense, vector)
    assert all(
        0.0 <= words <= 1.0 and 0.0 <= chars <= 1.0 and cosine is not None and 0.0 <= focal <= 1.0
        for words, chars, cosine, focal in signals.values()
    )
    # The passages of the seeds that name 根治欠薪冬季行动 in one sentence hold every focal term.
    assert max(focal for *_, focal in signals.values()) == pytest.approx(1.0)


def test_regions_indexed_is_counted_once(engine: LawSearch, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Corpus(engine.manifest.reports, engine._chunks, engine.lexical, engine.dense, engine.ranking)
    calls: Counter[str] = Counter()
    monkeypatch.setattr(corpus, "_count_regions", _counting(calls, "count", corpus._count_regions))
    assert corpus.regions_indexed("any") == corpus.regions_indexed("any") == engine.regions_indexed("any") == 5
    assert calls["count"] == 1
