"""The lexical backend is chosen when an index is made (``--lexical``, ``$LAWSEARCH_LEXICAL``), recorded in its manifest
and kept by every later update, repair and rebuild unless a rebuild is told otherwise; both backends find the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import ArgumentError, IndexFolderError, LawsearchError
from lawsearch.index.folder import IndexFolder
from lawsearch.index.writer import UpdateSummary
from lawsearch.search.backends import LEXICAL_ENV, default_lexical, lexical_backend_of
from lawsearch.search.lexical import LEXICAL_DIR

from ..conftest import SEED_FILES, edit_manifest
from ..fakes import HashEmbedder

QUESTIONS = ["哪些地区建立了调解员联盟", "劳动争议仲裁", '"行政复议"', "农民工工资"]


def _backend(index: Path) -> str:
    return IndexFolder(index).read_manifest().lexical


def _lexical_files(index: Path) -> set[str]:
    return {path.name for path in (IndexFolder(index).current() / LEXICAL_DIR).iterdir()}


def _top(engine: LawSearch, question: str) -> list[str]:
    return [hit.chunk_id for hit in engine.search(question, mode="lexical", top_k=5)]


@pytest.fixture
def tantivy_index(corpus: Path, tmp_path: Path) -> Path:
    index = tmp_path / "tantivy"
    LawSearch.build(corpus, index, embedder=HashEmbedder(), lexical="tantivy").close()
    return index


def test_a_tantivy_index_records_its_backend_and_finds_what_whoosh_finds(tantivy_index: Path, corpus: Path, tmp_path: Path) -> None:
    whoosh = tmp_path / "whoosh"
    LawSearch.build(corpus, whoosh, embedder=HashEmbedder(), lexical="whoosh").close()
    assert (_backend(tantivy_index), _backend(whoosh)) == ("tantivy", "whoosh")
    assert "meta.json" in _lexical_files(tantivy_index) and not any(name.endswith(".toc") for name in _lexical_files(tantivy_index))
    with LawSearch.open(tantivy_index, embedder=HashEmbedder()) as fast, LawSearch.open(whoosh, embedder=HashEmbedder()) as slow:
        for question in QUESTIONS:
            assert _top(fast, question), question
            assert set(_top(fast, question)) == set(_top(slow, question)), question
        assert [hit.chunk_id for hit in fast.search(QUESTIONS[0], top_k=3)] == [hit.chunk_id for hit in slow.search(QUESTIONS[0], top_k=3)]
        assert fast.check() == []


def test_updates_and_repairs_keep_the_backend(tantivy_index: Path, corpus: Path) -> None:
    shutil.copy(SEED_FILES[3], corpus / SEED_FILES[3].name)
    (corpus / SEED_FILES[0].name).unlink()
    summary = UpdateSummary()
    with LawSearch.build(corpus, tantivy_index, embedder=HashEmbedder(), summary=summary) as engine:
        assert len(summary.added) == 1 and len(summary.removed) == 1
        assert len({hit.report_id for hit in engine.search("劳动争议仲裁", mode="lexical", top_k=50)}) == engine.info()["reports"] == 3
    assert _backend(tantivy_index) == "tantivy"
    # a damaged lexical file: repair rebuilds the word index, on tantivy again
    generation = IndexFolder(tantivy_index).current()
    segment = next(path for path in (generation / LEXICAL_DIR).iterdir() if path.suffix == ".idx")
    segment.write_bytes(b"\0" * 64)
    result = CliRunner().invoke(main, ["check", "--repair", "--index", str(tantivy_index)])
    assert result.exit_code == 0, result.output
    assert _backend(tantivy_index) == "tantivy"
    with LawSearch.open(tantivy_index, embedder=HashEmbedder()) as engine:
        assert engine.check() == []
        assert _top(engine, "劳动争议仲裁")


def test_another_backend_takes_a_rebuild(tantivy_index: Path, corpus: Path) -> None:
    before = IndexFolder(tantivy_index).current()
    with pytest.raises(LawsearchError, match=r"has a tantivy lexical index, not whoosh: .*--rebuild --lexical whoosh"):
        LawSearch.build(corpus, tantivy_index, embedder=HashEmbedder(), lexical="whoosh").close()
    assert IndexFolder(tantivy_index).current() == before  # nothing changed
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tantivy_index), "--lexical", "whoosh", "-q"])
    assert result.exit_code == 1 and "not whoosh" in result.output and "Traceback" not in result.output
    # the same backend named again is no change; a rebuild switches
    LawSearch.build(corpus, tantivy_index, embedder=HashEmbedder(), lexical="tantivy").close()
    assert IndexFolder(tantivy_index).current() == before
    LawSearch.build(corpus, tantivy_index, embedder=HashEmbedder(), rebuild=True, lexical="whoosh").close()
    assert _backend(tantivy_index) == "whoosh"
    with LawSearch.open(tantivy_index, embedder=HashEmbedder()) as engine:
        assert _top(engine, "劳动争议仲裁") and engine.check() == []


def test_the_cli_shows_the_backend(tantivy_index: Path) -> None:
    result = CliRunner().invoke(main, ["info", "--index", str(tantivy_index)])
    assert result.exit_code == 0 and "lexical    tantivy" in result.output
    data = json.loads(CliRunner().invoke(main, ["info", "--index", str(tantivy_index), "--json"]).output)
    assert data["lexical"] == "tantivy"


def test_an_unknown_backend_is_a_clear_error(tantivy_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LEXICAL_ENV, "lucene")
    with pytest.raises(ArgumentError, match="LAWSEARCH_LEXICAL='lucene' is no lexical backend"):
        default_lexical()
    monkeypatch.setenv(LEXICAL_ENV, "tantivy")
    assert default_lexical() == "tantivy"
    assert lexical_backend_of(IndexFolder(tantivy_index).current()) == "tantivy"

    def later(manifest):  # type: ignore[no-untyped-def]
        manifest.lexical = "lucene"

    edit_manifest(tantivy_index, later)
    with pytest.raises(IndexFolderError, match="lexical backend 'lucene'"):
        LawSearch.open(tantivy_index, embedder=HashEmbedder())
