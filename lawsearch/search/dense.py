"""The dense index: FAISS inner product over L2-normalised vectors (cosine), several vectors per chunk.

A chunk is embedded sentence by sentence (:func:`passage_units`): a question names one thing, and a
sentence about it matches better than a 500-character passage whose other sentences dilute its vector.
A chunk scores the best of its sentences (max pooling). FAISS holds int64 ids, mapped here to chunk ids
so that a chunk's vectors can be deleted and replaced by chunk id. On disk the vectors are stored per
report (see store.py), the chunk records saying how many each chunk has, and the index is assembled
when opened: adding a report writes that report's vectors only.

>>> passage_units("全年新增就业2万人。完成培训。开展根治欠薪冬季行动，追回工资300万元。")
['全年新增就业2万人。完成培训。', '开展根治欠薪冬季行动，追回工资300万元。']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import faiss
    import numpy as np

# A sentence shorter than this joins the next (a lone 完成培训。 says little); one longer is cut at clause ends.
MIN_UNIT_CHARS = 12
MAX_UNIT_CHARS = 150
# How many sentence hits are fetched per chunk wanted, before pooling them to chunks.
UNITS_PER_CHUNK_FETCHED = 8
# What ends a sentence: a sentence gets a vector here, and a question's focal terms are looked for sentence by sentence
# (lawsearch.search.focal).
SENTENCE_ENDS = "。！？!?；;"
_SENTENCE = re.compile(rf"[^{SENTENCE_ENDS}\n]*(?:[{SENTENCE_ENDS}]+[”’\"」』）)]*|\n|$)")
_CLAUSE = re.compile(r"[^，,、：:]*(?:[，,、：:]+|$)")


def passage_units(text: str) -> list[str]:
    """The pieces of a chunk that get a vector each: its sentences, short ones joined to the next, long ones cut
    at clause ends into pieces of at most ``MAX_UNIT_CHARS`` characters. Never empty for a non-blank text."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    units: list[str] = []
    pending = ""
    for sentence in sentences:
        pending += sentence
        if len(pending) >= MIN_UNIT_CHARS:
            units.extend(_cut(pending))
            pending = ""
    if pending:
        if units and len(units[-1]) + len(pending) <= MAX_UNIT_CHARS:
            units[-1] += pending
        else:
            units.extend(_cut(pending))
    return units or [text.strip() or text]


def _cut(sentence: str) -> list[str]:
    """A sentence in pieces of at most ``MAX_UNIT_CHARS``: at clause ends, else hard."""
    if len(sentence) <= MAX_UNIT_CHARS:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in (m.group(0) for m in _CLAUSE.finditer(sentence) if m.group(0)):
        while len(clause) > MAX_UNIT_CHARS:
            pieces.append(current + clause[: MAX_UNIT_CHARS - len(current)])
            clause, current = clause[MAX_UNIT_CHARS - len(current) :], ""
        if len(current) + len(clause) > MAX_UNIT_CHARS:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece]


class DenseIndex:
    """Exact cosine search (IndexFlatIP in an IndexIDMap2) over sentence vectors, pooled to chunks."""

    def __init__(self, index: faiss.IndexIDMap2, chunk_ids: dict[int, str]) -> None:
        self._index = index
        self._chunk_ids = chunk_ids  # vector key → chunk id
        self._int_ids: dict[str, list[int]] = {}  # chunk id → its vector keys
        for key, chunk_id in chunk_ids.items():
            self._int_ids.setdefault(chunk_id, []).append(key)

    @classmethod
    def create(cls, dim: int) -> DenseIndex:
        import faiss

        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), {})

    @classmethod
    def from_vectors(cls, chunk_ids: Sequence[str], vectors: np.ndarray, dim: int) -> DenseIndex:
        """An index over ``vectors`` (row i belongs to chunk ``chunk_ids[i]``; a chunk may have several rows), built in
        memory; exact search needs no training."""
        import faiss

        # One thread: exact search over thousands of vectors takes well under a millisecond, while idle
        # OpenMP workers spinning after each search slow the query embedder beside them by half.
        faiss.omp_set_num_threads(1)
        index = cls.create(dim)
        if len(chunk_ids):
            index.add(chunk_ids, vectors)
        return index

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def chunk_ids(self) -> set[str]:
        return set(self._int_ids)

    @property
    def memory_bytes(self) -> int:
        """What the vectors take in memory (FAISS flat index: 4 bytes a dimension a vector)."""
        return len(self) * self.dim * 4

    def add(self, chunk_ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add (or replace) the vectors of these chunks (one chunk id per row; a chunk's rows all come together)."""
        import numpy as np

        if len(chunk_ids) != len(vectors):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(vectors)} vectors")
        self.remove({cid for cid in chunk_ids if cid in self._int_ids})
        start = max(self._chunk_ids, default=-1) + 1
        keys = np.arange(start, start + len(chunk_ids), dtype=np.int64)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), keys)
        for key, chunk_id in zip(keys.tolist(), chunk_ids, strict=True):
            self._chunk_ids[key] = chunk_id
            self._int_ids.setdefault(chunk_id, []).append(key)

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Remove every vector of these chunks; returns how many vectors went."""
        import numpy as np

        keys = [key for cid in list(chunk_ids) if cid in self._int_ids for key in self._int_ids.pop(cid)]
        for key in keys:
            del self._chunk_ids[key]
        import faiss

        return int(self._index.remove_ids(faiss.IDSelectorBatch(np.array(keys, dtype=np.int64)))) if keys else 0

    def search(self, query: np.ndarray, limit: int, allowed: set[str] | None = None) -> dict[str, float]:
        """Chunk id → cosine similarity of its best sentence, best first; ``allowed`` restricts the search to those chunks."""
        import faiss
        import numpy as np

        if len(self) == 0 or limit <= 0:
            return {}
        params = None
        available = len(self)
        if allowed is not None:
            keys = np.array([key for c in allowed if c in self._int_ids for key in self._int_ids[c]], dtype=np.int64)
            if len(keys) == 0:
                return {}
            params = faiss.SearchParameters()
            params.sel = faiss.IDSelectorBatch(keys)  # kept alive by params (faiss's wrapper holds a reference)
            available = len(keys)
        fetch = min(available, limit * UNITS_PER_CHUNK_FETCHED)
        scores, keys = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), fetch, params=params)
        pooled: dict[str, float] = {}
        for score, key in zip(scores[0], keys[0], strict=True):  # best first: a chunk's first row is its best sentence
            if key >= 0:
                pooled.setdefault(self._chunk_ids[int(key)], float(score))
                if len(pooled) == limit:
                    break
        return pooled
