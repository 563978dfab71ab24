"""The dense index: FAISS inner product over L2-normalised vectors (cosine), keyed by chunk ids.

FAISS holds int64 ids, mapped here to chunk ids so that vectors can be deleted and replaced by chunk
id. On disk the vectors are stored per report (see store.py) and the index is assembled when opened:
adding a report writes that report's vectors only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import numpy as np



class DenseIndex:
    """Exact cosine search (IndexFlatIP in an IndexIDMap2)."""

    def __init__(self, index: object, chunk_ids: dict[int, str]) -> None:
        self._index = index
        self._chunk_ids = chunk_ids
        self._int_ids = {chunk_id: key for key, chunk_id in chunk_ids.items()}

    @classmethod
    def create(cls, dim: int) -> "DenseIndex":
        import faiss

        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), {})

    @classmethod
    def from_vectors(cls, chunk_ids: Sequence[str], vectors: "np.ndarray", dim: int) -> "DenseIndex":
        """An index over ``vectors`` (one row per chunk id), built in memory; exact search needs no training."""
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

    def add(self, chunk_ids: Sequence[str], vectors: "np.ndarray") -> None:
        """Add (or replace) the vectors of these chunks."""
        import numpy as np

        if len(chunk_ids) != len(vectors):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(vectors)} vectors")
        self.remove(cid for cid in chunk_ids if cid in self._int_ids)
        start = max(self._chunk_ids, default=-1) + 1
        keys = np.arange(start, start + len(chunk_ids), dtype=np.int64)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), keys)
        for key, chunk_id in zip(keys.tolist(), chunk_ids, strict=True):
            self._chunk_ids[key] = chunk_id
            self._int_ids[chunk_id] = key

    def remove(self, chunk_ids: Iterable[str]) -> int:
        import numpy as np

        keys = [self._int_ids.pop(cid) for cid in list(chunk_ids) if cid in self._int_ids]
        for key in keys:
            del self._chunk_ids[key]
        return int(self._index.remove_ids(np.array(keys, dtype=np.int64))) if keys else 0

    def search(self, query: "np.ndarray", limit: int, allowed: set[str] | None = None) -> dict[str, float]:
        """Chunk id → cosine similarity, best first; ``allowed`` restricts the search to those chunks."""
        import faiss
        import numpy as np

        if len(self) == 0 or limit <= 0:
            return {}
        params = None
        if allowed is not None:
            keys = np.array([self._int_ids[c] for c in allowed if c in self._int_ids], dtype=np.int64)
            if len(keys) == 0:
                return {}
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(keys))
            limit = min(limit, len(keys))
        limit = min(limit, len(self))
        scores, keys = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), limit, params=params)
        return {self._chunk_ids[int(k)]: float(s) for s, k in zip(scores[0], keys[0], strict=True) if k >= 0}
