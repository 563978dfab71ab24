"""Words first, vectors after: an index committed without vectors is searchable at once, `embed` makes the vectors a
batch per commit, an interruption keeps every committed batch, and the finished index is the one a one-pass build
makes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import ArgumentError, LawsearchError
from lawsearch.index import pending
from lawsearch.index.cache import CACHE_FILE
from lawsearch.index.folder import IndexFolder, Manifest
from lawsearch.index.records import report_paths
from lawsearch.index.writer import IndexWriter

from ..conftest import SEEDS, edit_manifest
from ..fakes import HashEmbedder

QUESTION = "哪些地区建立了调解员联盟"


class _StopAfter(HashEmbedder):
    """A fake embedder that is Ctrl-C'd at its ``calls``-th batch."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.calls -= 1
        if self.calls == 0:
            raise KeyboardInterrupt
        return super().embed_passages(texts)


def _build_later(src: Path, index: Path) -> None:
    LawSearch.build(src, index, embedder=HashEmbedder(), vectors="later").close()


def _top(engine: LawSearch, mode: str = "hybrid") -> list[tuple[str, float]]:
    return [(hit.chunk_id, round(hit.score, 6)) for hit in engine.search(QUESTION, mode=mode, top_k=10)]


def test_words_first_then_vectors_gives_the_index_a_one_pass_build_gives(tmp_path: Path, seeds_index: Path) -> None:
    """The real embedder: seeds indexed with vectors later, searched, embedded; then the same hits and scores as the
    session's one-pass build (and the embedding cache of that build makes `embed` embed nothing)."""
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(seeds_index / CACHE_FILE, later / CACHE_FILE)
    with LawSearch.build(SEEDS, later, vectors="later") as engine:
        assert engine.dense_coverage == (0, 5)
        results = engine.search(QUESTION)
        assert results.hits and results.hits[0].region == "滨江区"  # found by its words alone
        assert any("vectors for 0 of 5 reports" in note for note in results.notes)
        assert engine.search(QUESTION, mode="dense").hits == []
        done = engine.embed()
        assert done.pending == 0 and done.embedding.embedded == 0 and done.embedding.cached > 0
        assert engine.dense_coverage == (5, 5)
        assert not engine.check()
        with LawSearch.open(seeds_index) as one_pass:
            for mode in ("hybrid", "dense", "lexical"):
                assert _top(engine, mode) == _top(one_pass, mode), mode
        assert not any("vectors for" in note for note in engine.search(QUESTION).notes)


def test_a_partly_embedded_index_ranks_the_rest_by_words_and_says_so(tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build_later(SEEDS, index)
    writer = IndexWriter(index, embedder=_StopAfter(calls=2), batch_size=100_000)  # a call a report
    sizes = IndexFolder(index).read_manifest(IndexFolder(index).current()).pending
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pending, "BATCH_PASSAGES", 1)  # a report a batch
        patch.setattr(pending, "COMMIT_SECONDS", 0.0)  # a commit a batch
        with pytest.raises(KeyboardInterrupt):
            writer.embed_pending()
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        embedded, total = engine.dense_coverage
        assert (embedded, total) == (1, len(sizes))  # the first batch was committed, the second interrupted
        assert not engine.check()
        results = engine.search(QUESTION)
        regions = {hit.region for hit in results}
        assert "滨江区" in regions  # whether or not its report has vectors
        assert any(f"vectors for 1 of {total} reports" in note for note in results.notes)
        assert results.to_dict()["dense_coverage"] == {"reports": 1, "of": total}
        dense = engine.search(QUESTION, mode="dense", apply_floor=False)
        embedded_ids = {rid for rid, entry in engine.manifest.reports.items() if entry.vectors}
        assert dense.hits and {hit.report_id for hit in dense} <= embedded_ids
        assert any("dense search sees only those" in note for note in dense.notes)
    # Interrupted inside a batch: nothing of it is committed, but what it embedded is cached for the next run.
    with pytest.raises(KeyboardInterrupt):
        IndexWriter(index, embedder=_StopAfter(calls=2), batch_size=8).embed_pending()
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.dense_coverage == (1, total)
    summary = IndexWriter(index, embedder=HashEmbedder()).embed_pending()
    assert summary.pending == 0 and summary.embedding.cached >= 8
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.dense_coverage == (total, total) and not engine.check()


def test_a_pending_report_keeps_its_place_through_add_remove_and_rebuild(tmp_path: Path, corpus: Path) -> None:
    index = tmp_path / "idx"
    _build_later(corpus, index)
    extra = tmp_path / "extra.txt"
    shutil.copy(sorted(SEEDS.glob("*.txt"))[-1], extra)
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        engine.add(extra)  # vectors now: the new report has them, the others still wait
        reports = engine.manifest.reports
        assert reports["extra"].vectors and not any(entry.vectors for rid, entry in reports.items() if rid != "extra")
        gone = sorted(rid for rid in reports if rid != "extra")[0]
        engine.remove(gone)
        assert engine.dense_coverage == (1, 3) and not engine.check()
        engine.embed()
        assert engine.dense_coverage == (3, 3) and not engine.check()
    LawSearch.build(corpus, index, embedder=HashEmbedder(), rebuild=True).close()
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.dense_coverage == (4, 4)


def test_a_large_update_commits_its_words_before_its_vectors(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lawsearch.index import writer as writer_module

    monkeypatch.setattr(writer_module, "LEXICAL_FIRST_PASSAGES", 10)
    monkeypatch.setattr(pending, "BATCH_PASSAGES", 1)
    monkeypatch.setattr(pending, "COMMIT_SECONDS", 0.0)
    index = tmp_path / "idx"
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    assert summary.pending == 0 and len(summary.added) == 3
    assert IndexFolder(index).current().name == "gen-000004"  # the words, then a commit a report
    assert any("vectors made for 3 report(s) in 3 commit(s)" in note for note in summary.notes)
    # Interrupted after the words: the same command again goes on with the vectors.
    later = tmp_path / "later"
    IndexWriter(later, embedder=HashEmbedder(), vectors="later").sync_folder(corpus)
    again = IndexWriter(later, embedder=HashEmbedder()).sync_folder(corpus)
    assert again.unchanged and again.pending == 0 and IndexFolder(later).current().name == "gen-000004"
    small = tmp_path / "small"
    monkeypatch.setattr(writer_module, "LEXICAL_FIRST_PASSAGES", 10**9)
    IndexWriter(small, embedder=HashEmbedder()).sync_folder(corpus)
    assert IndexFolder(small).current().name == "gen-000001"  # one commit, as always


def test_vectors_the_manifest_and_the_files_disagree_on_are_damage(tmp_path: Path, corpus: Path) -> None:
    """A report the manifest says has vectors must have them (seen at open); a vector file changed behind the
    manifest's back is seen by `check` (its checksum), as every file is."""
    index = tmp_path / "idx"
    _build_later(corpus, index)
    folder = IndexFolder(index)
    report_id = folder.read_manifest(folder.current()).pending[0]

    def claim_vectors(manifest: Manifest) -> None:
        manifest.reports[report_id].vectors = True

    edit_manifest(index, claim_vectors)
    with pytest.raises(LawsearchError, match=f"report {report_id} has vectors of shape \\(0, 64\\)"):
        LawSearch.open(index, embedder=HashEmbedder())
    other = tmp_path / "other"
    _build_later(corpus, other)
    _, vector_path = report_paths(IndexFolder(other).current(), report_id)
    vector_path.unlink()
    np.save(vector_path, np.ones((3, 64), dtype=np.float32) / 8.0)
    checked = CliRunner().invoke(main, ["check", "--index", str(other)])
    assert checked.exit_code == 1 and report_id in checked.output and "--repair" in checked.output


def test_vectors_option_is_checked() -> None:
    with pytest.raises(ArgumentError, match="unknown vectors 'soon'"):
        LawSearch.build(SEEDS, "unused", vectors="soon")


def test_cli_index_later_then_embed(tmp_path: Path, seeds_index: Path) -> None:
    index = tmp_path / "idx"
    index.mkdir()
    shutil.copy(seeds_index / CACHE_FILE, index / CACHE_FILE)  # vectors from the session's build: no model run
    runner = CliRunner()
    built = runner.invoke(main, ["index", str(SEEDS), "--index", str(index), "--vectors", "later", "--json", "-q"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["pending_vectors"] == 5
    info = runner.invoke(main, ["info", "--index", str(index)])
    assert "for 0 of 5 reports" in info.output and "run `lawsearch embed`" in info.output
    found = runner.invoke(main, ["search", QUESTION, "--index", str(index), "--json"])
    assert json.loads(found.stdout)["dense_coverage"] == {"reports": 0, "of": 5}
    embedded = runner.invoke(main, ["embed", "--index", str(index), "-q"])
    assert embedded.exit_code == 0, embedded.output
    assert "every report has its vectors" in embedded.output
    info = json.loads(runner.invoke(main, ["info", "--index", str(index), "--json"]).stdout)
    assert info["dense_coverage"]["reports"] == info["dense_coverage"]["of"] == 5
    again = runner.invoke(main, ["embed", "--index", str(index), "--json"])
    assert json.loads(again.stdout)["pending_vectors"] == 0 and json.loads(again.stdout)["generation"] is None


def test_cli_embed_without_an_index_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["embed", "--index", str(tmp_path / "none")])
    assert result.exit_code != 0
    assert "error:" in result.output and "Traceback" not in result.output
