"""The character statistics a generation keeps (charstats.npz) are, after any sequence of updates, exactly those
counted over its chunks; a search reads them instead of every chunk file, and falls back to counting where they are
missing, damaged or do not fit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lawsearch.engine import LawSearch
from lawsearch.index.folder import IndexFolder
from lawsearch.index.writer import IndexWriter
from lawsearch.search import corpus as corpus_module
from lawsearch.search.corpus_stats import CHAR_STATS, CorpusStats

from ..conftest import SEED_FILES
from ..fakes import HashEmbedder


def _counted(index: Path) -> CorpusStats:
    """The statistics counted over every chunk of the committed generation, as a search without saved ones counts."""
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        corpus = engine._corpus
        return CorpusStats.of_texts([corpus.scored_text(cid) for cid in corpus.chunks])


def _saved(index: Path) -> CorpusStats:
    stats = CorpusStats.load(IndexFolder(index).current())
    assert stats is not None
    return stats


def _same(one: CorpusStats, two: CorpusStats) -> bool:
    return (
        np.array_equal(one.chars.keys, two.chars.keys)
        and np.array_equal(one.chars.counts, two.chars.counts)
        and (one.n_docs, one.chars.han_length, one.text_chars) == (two.n_docs, two.chars.han_length, two.text_chars)
    )


def test_saved_statistics_follow_every_update(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    writer = IndexWriter(index, embedder=HashEmbedder())
    writer.sync_folder(corpus)
    assert _same(_saved(index), _counted(index))
    shutil.copy(SEED_FILES[3], corpus / SEED_FILES[3].name)  # one more
    (corpus / SEED_FILES[0].name).unlink()  # one gone
    changed = corpus / SEED_FILES[1].name  # one changed
    changed.write_text(changed.read_text(encoding="utf-8").replace("调解", "调处"), encoding="utf-8")
    summary = writer.sync_folder(corpus)
    assert summary.added and summary.removed and summary.updated
    assert _same(_saved(index), _counted(index))
    writer.add_files([SEED_FILES[4]])
    writer.remove([next(iter(IndexFolder(index).read_manifest().reports))])
    assert _same(_saved(index), _counted(index))
    writer.sync_folder(corpus, rebuild=True)
    assert _same(_saved(index), _counted(index))


def test_a_search_reads_them_instead_of_every_chunk(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "idx"
    LawSearch.build(corpus, index, embedder=HashEmbedder()).close()
    counted: list[int] = []
    real = CorpusStats.of_texts

    def counting(texts: list[str]) -> CorpusStats:
        counted.append(len(texts))
        return real(texts)

    monkeypatch.setattr(corpus_module.CorpusStats, "of_texts", staticmethod(counting))
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        hits = engine.search("劳动争议调解", top_k=3)
        assert hits and counted == []
        stats = engine._corpus.char_stats()
        assert stats.n_docs == engine.info()["chunks"] and stats.df("调解") > 0
    # missing, damaged, or for another set of chunks: counted, with the same results
    generation = IndexFolder(index).current()
    saved = generation / CHAR_STATS
    for damage in (lambda: saved.unlink(), lambda: saved.write_bytes(b"PK\x03\x04 not a zip"), lambda: _other_counts(saved)):
        damage()
        with LawSearch.open(index, embedder=HashEmbedder()) as engine:
            assert [hit.chunk_id for hit in engine.search("劳动争议调解", top_k=3)] == [hit.chunk_id for hit in hits]
        assert counted and counted[-1] == len(engine._corpus.chunks)


def _other_counts(path: Path) -> None:
    CorpusStats.of_texts(["只有一段"]).save(path.parent)
