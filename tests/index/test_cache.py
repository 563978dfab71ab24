"""embed_passages_cached: batches of one length, vectors back in the caller's order, each distinct text embedded once,
each batch in the cache as soon as it is made."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from lawsearch.embed import EmbedderSpec
from lawsearch.index.cache import EmbeddingCache, EmbedStats, embed_passages_cached, length_batches

DIM = 8


class SpellingEmbedder:
    """A vector that spells its text (code points of its first DIM - 1 characters, then the length), L2-normalised,
    and a log of every batch it was given."""

    spec = EmbedderSpec(
        kind="test", name="spelling-8", path=None, revision="v1", dim=DIM, normalized=True, query_prefix="", passage_prefix=""
    )

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    @staticmethod
    def vector(text: str) -> np.ndarray:
        raw = np.array([ord(c) for c in text[: DIM - 1]] + [0] * (DIM - 1 - min(len(text), DIM - 1)) + [len(text) + 1], dtype=np.float32)
        return raw / np.linalg.norm(raw)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.stack([self.vector(t) for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)


TEXTS = [
    "推进高质量发展。",
    "稳",
    "加快建设现代化产业体系，推动战略性新兴产业融合集群发展。",
    "就业优先。",
    "推进高质量发展。",  # a duplicate of the first
    "深化改革开放，持续优化营商环境，激发各类经营主体活力。",
    "稳",  # a duplicate of the second
    "保障和改善民生。",
]


def test_vectors_come_back_in_the_callers_order_and_duplicates_are_embedded_once() -> None:
    embedder = SpellingEmbedder()
    stats = EmbedStats()
    vectors = embed_passages_cached(embedder.spec, lambda: embedder, TEXTS, None, batch_size=2, stats=stats)

    assert vectors.shape == (len(TEXTS), DIM)
    for row, text in zip(vectors, TEXTS):
        np.testing.assert_array_equal(row, embedder.vector(text))
    embedded = [t for batch in embedder.batches for t in batch]
    assert sorted(embedded) == sorted(set(TEXTS))  # every distinct text once, no duplicate
    assert (stats.texts, stats.cached, stats.embedded) == (len(TEXTS), 0, len(set(TEXTS)))


def test_batches_hold_texts_of_one_length_longest_first() -> None:
    embedder = SpellingEmbedder()
    embed_passages_cached(embedder.spec, lambda: embedder, TEXTS, None, batch_size=2)

    lengths = [len(t) for batch in embedder.batches for t in batch]
    assert lengths == sorted(lengths, reverse=True)
    assert [len(b) for b in embedder.batches] == [2, 2, 2]


def test_length_batches_is_stable_and_covers_every_position() -> None:
    texts = ["bb", "a", "cc", "ddd", "e", "ff"]
    batches = length_batches(texts, 4)
    assert batches == [[3, 0, 2, 5], [1, 4]]
    assert length_batches([], 4) == []


def test_each_batch_is_cached_as_made_and_a_second_run_embeds_nothing(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    embedder = SpellingEmbedder()

    class Interrupt(Exception):
        pass

    class FailsOnThirdBatch(SpellingEmbedder):
        def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
            if len(self.batches) == 2:
                raise Interrupt
            return super().embed_passages(texts)

    failing = FailsOnThirdBatch()
    with pytest.raises(Interrupt):
        embed_passages_cached(failing.spec, lambda: failing, TEXTS, cache, batch_size=2)
    cache.close()  # as the writer does when an update is interrupted
    cache.close()  # closing again does nothing
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")  # a new connection sees what is durable
    assert cache.count(failing.spec.cache_key) == 4  # the two batches made before the interruption

    stats = EmbedStats()
    vectors = embed_passages_cached(embedder.spec, lambda: embedder, TEXTS, cache, batch_size=2, stats=stats)
    assert (stats.cached, stats.embedded) == (5, 2)  # 4 distinct texts (5 positions) from the cache, 2 embedded
    assert [t for batch in embedder.batches for t in batch] == ["就业优先。", "稳"]  # the shortest two, left over
    for row, text in zip(vectors, TEXTS):
        np.testing.assert_allclose(row, embedder.vector(text))

    again = SpellingEmbedder()
    stats = EmbedStats()
    embed_passages_cached(again.spec, lambda: pytest.fail("a fully cached run loads no model"), TEXTS, cache, batch_size=2, stats=stats)
    assert (stats.cached, stats.embedded) == (len(TEXTS), 0)
    cache.close()


def test_stored_vectors_are_committed_within_seconds_and_on_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from lawsearch.index import cache as cache_module

    monkeypatch.setattr(cache_module, "COMMIT_SECONDS", 3600.0)
    path = tmp_path / "embeddings.sqlite"
    cache = EmbeddingCache(path)
    other = sqlite3.connect(str(path))
    durable = lambda: other.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]  # noqa: E731
    cache.put_many("k", {"a": b"1"})
    assert durable() == 0  # not yet: commits are at most every COMMIT_SECONDS
    monkeypatch.setattr(cache_module, "COMMIT_SECONDS", 0.0)
    cache.put_many("k", {"b": b"2"})
    assert durable() == 2
    monkeypatch.setattr(cache_module, "COMMIT_SECONDS", 3600.0)
    cache.put_many("k", {"c": b"3"})
    cache.close()
    assert durable() == 3
    other.close()
