"""The vector base (lawsearch.index.vector_base): past a size, a generation keeps every vector in one saved FAISS index
that an open maps instead of reading every report's vector file. Searches give what an index without a base gives,
through additions (the delta), removals and changes (dead rows), rebuilds and words-first embedding; its files are
checked and repaired like every other. The threshold is lowered here so that the seeds make a base."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import DamagedIndexError
from lawsearch.index import vector_base
from lawsearch.index.folder import IndexFolder
from lawsearch.index.vector_base import BASE_RECORD, VECTOR_DIR, VectorBase
from lawsearch.index.writer import IndexWriter

from ..conftest import SEED_FILES
from ..fakes import HashEmbedder

QUESTIONS = ["劳动争议调解", "根治欠薪", "行政复议案件", "法治政府建设", "调解员联盟"]


@pytest.fixture
def small_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector_base, "MIN_BASE_VECTORS", 100)


def _ranked(hits: dict[str, float]) -> list[tuple[str, float]]:
    """Hits by score, then id; those scoring 0 left out (which of many ties at 0 make the top k is arbitrary)."""
    return sorted(((cid, round(score, 5)) for cid, score in hits.items() if score > 1e-6), key=lambda hit: (-hit[1], hit[0]))


def _dense(index: Path) -> dict[str, list[tuple[str, float]]]:
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        vector = engine.embedder.embed_queries
        out = {question: _ranked(engine.dense.search(vector([question])[0], 10)) for question in QUESTIONS}
        some = set(sorted(engine.dense.chunk_ids())[::5])
        out["allowed"] = _ranked(engine.dense.search(vector(["调解"])[0], 5, some))
        return out


def _base(index: Path) -> VectorBase | None:
    return VectorBase.read(IndexFolder(index).current())


def _reference(corpus: Path, tmp_path: Path, name: str) -> Path:
    """The same reports in an index without a base (the threshold out of reach)."""
    index = tmp_path / name
    saved = vector_base.MIN_BASE_VECTORS
    vector_base.MIN_BASE_VECTORS = 10**9
    try:
        IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    finally:
        vector_base.MIN_BASE_VECTORS = saved
    assert _base(index) is None
    return index


def test_a_base_searches_as_the_vector_files_do_through_every_update(small_base: None, corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    writer = IndexWriter(index, embedder=HashEmbedder())
    writer.sync_folder(corpus)
    base = _base(index)
    assert base is not None and base.kind == "flat" and len(base.reports) == 3
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert len(engine.dense.parts) == 1 and engine.dense.parts[0].rows == base.rows  # mapped: no vector file read
        assert engine.check() == []
    assert _dense(index) == _dense(_reference(corpus, tmp_path, "ref0"))
    # one more report (delta), one gone and one changed (dead rows): the base stays, the results follow
    shutil.copy(SEED_FILES[3], corpus / SEED_FILES[3].name)
    (corpus / SEED_FILES[0].name).unlink()
    changed = corpus / SEED_FILES[1].name
    changed.write_text(changed.read_text(encoding="utf-8").replace("调解", "调处"), encoding="utf-8")
    vector_base.REBUILD_SHARE, saved = 10.0, vector_base.REBUILD_SHARE  # never rebuilt by share
    try:
        writer.sync_folder(corpus)
    finally:
        vector_base.REBUILD_SHARE = saved
    assert _base(index) == base
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        parts = engine.dense.parts
        assert len(parts) == 2 and parts[0].live_rows < parts[0].rows  # dead rows in the base, and a delta
        assert engine.check() == []
    described = json.loads(CliRunner().invoke(main, ["info", "--index", str(index), "--json"]).output)["vector_base"]
    assert described == {
        "kind": "flat",
        "vectors": base.rows,
        "dead": parts[0].rows - parts[0].live_rows,
        "from_report_files": parts[1].rows,
    }
    assert "mapped at open" in CliRunner().invoke(main, ["info", "--index", str(index)]).output
    assert _dense(index) == _dense(_reference(corpus, tmp_path, "ref1"))


def test_a_rebuilt_base_is_a_new_file_and_older_generations_keep_theirs(
    small_base: None, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_base, "MIN_BASE_VECTORS", 10)
    monkeypatch.setattr(vector_base, "REBUILD_SHARE", 0.0)  # any change rebuilds
    index = tmp_path / "idx"
    writer = IndexWriter(index, embedder=HashEmbedder())
    writer.sync_folder(corpus)
    first_generation, first = IndexFolder(index).current(), _base(index)
    assert first is not None
    first_bytes = first.path(first_generation).read_bytes()
    writer.add_files([SEED_FILES[3]])
    second = _base(index)
    assert second is not None and second.index_file != first.index_file and len(second.reports) == 4
    generation = IndexFolder(index).current()
    assert not first.path(generation).exists()  # the old file is not carried on
    assert first.path(first_generation).read_bytes() == first_bytes  # nor changed where it was
    assert os.stat(second.path(generation)).st_nlink == 1
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert len(engine.dense.parts) == 1 and engine.check() == []
    shutil.copy(SEED_FILES[3], corpus / SEED_FILES[3].name)
    assert _dense(index) == _dense(_reference(corpus, tmp_path, "ref"))
    writer.remove([rid for rid in IndexFolder(index).read_manifest().reports])  # every report gone: no base left
    assert _base(index) is None and not (IndexFolder(index).current() / VECTOR_DIR / second.index_file).exists()


def test_words_first_then_vectors_builds_the_base(small_base: None, corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder(), vectors="later").sync_folder(corpus)
    assert _base(index) is None
    IndexWriter(index, embedder=HashEmbedder()).embed_pending()
    assert _base(index) is not None
    assert _dense(index) == _dense(_reference(corpus, tmp_path, "ref"))


@pytest.mark.parametrize("target", ["record", "index"])
def test_a_damaged_base_is_named_and_repaired(small_base: None, corpus: Path, tmp_path: Path, target: str) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    generation = IndexFolder(index).current()
    base = _base(index)
    assert base is not None
    path = generation / VECTOR_DIR / BASE_RECORD if target == "record" else base.path(generation)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    result = CliRunner().invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 1 and path.name in result.output and "Traceback" not in result.output
    with pytest.raises(DamagedIndexError):
        LawSearch.open(index, embedder=HashEmbedder())
    result = CliRunner().invoke(main, ["check", "--repair", "--index", str(index)])
    assert result.exit_code == 0, result.output
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.check() == [] and engine.dense.parts
    assert _dense(index) == _dense(_reference(corpus, tmp_path, "ref"))


def test_past_the_exact_limit_the_base_is_approximate_and_its_recall_measured(
    small_base: None, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_base, "EXACT_MAX_VECTORS", 50)
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    base = _base(index)
    assert base is not None and base.kind == "ivf-flat"
    assert base.search["lists"] == 16 and base.search["nprobe"] in vector_base.PROBES and base.search["recall_at_10"] >= 0.9
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.check() == []
    described = json.loads(CliRunner().invoke(main, ["info", "--index", str(index), "--json"]).output)["vector_base"]
    assert described["kind"] == "ivf-flat" and described["recall_at_10"] == base.search["recall_at_10"]
    approximate, exact = _dense(index), _dense(_reference(corpus, tmp_path, "ref"))
    for question, hits in exact.items():  # nearly the same hits, with the same scores
        found = dict(approximate[question])
        assert len(found.keys() & dict(hits).keys()) >= 0.8 * len(hits), question
        assert all(abs(found[cid] - score) < 1e-4 for cid, score in hits if cid in found), question
