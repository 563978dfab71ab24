"""The dense index: FAISS inner product over L2-normalised vectors (cosine), several vectors per chunk.

A chunk is embedded sentence by sentence (:func:`passage_units`): a question names one thing, and a
sentence about it matches better than a 500-character passage whose other sentences dilute its vector.
A chunk scores the best of its sentences (max pooling): each FAISS row maps to its chunk. On disk the vectors are
stored per report (:mod:`lawsearch.index.records`), the manifest saying how many each chunk has, and in a large index
also in one saved base (:mod:`lawsearch.index.vector_base`); adding a report writes that report's vectors only.

>>> passage_units("全年新增就业2万人。完成培训。开展根治欠薪冬季行动，追回工资300万元。")
['全年新增就业2万人。完成培训。', '开展根治欠薪冬季行动，追回工资300万元。']
"""

from __future__ import annotations

import re
import threading
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
# Restricted to a few chunks, a search scores their rows directly up to this many rows (else FAISS with a selector).
DIRECT_ROWS = 20_000
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


def chunk_ordinals(units: Sequence[int], first: int = 0) -> np.ndarray:
    """The chunk ordinal of each vector row, for chunks ``first``, ``first + 1`` … holding ``units`` rows each.

    >>> chunk_ordinals([2, 1, 3], first=5).tolist()
    [5, 5, 6, 7, 7, 7]
    """
    import numpy as np

    return np.repeat(np.arange(first, first + len(units), dtype=np.int64), np.asarray(units, dtype=np.int64))


class VectorPart:
    """One FAISS index of sentence vectors and the chunk of each row: ``row_chunk[row]`` is an ordinal into
    ``chunk_ids``, or -1 for a row no chunk owns any more (a dead row of a saved base). A chunk's rows are contiguous."""

    def __init__(self, index: faiss.Index, row_chunk: np.ndarray, chunk_ids: list[str]) -> None:
        if int(index.ntotal) != len(row_chunk):
            raise ValueError(f"{int(index.ntotal)} vectors for {len(row_chunk)} rows")
        self.index = index
        self.row_chunk = row_chunk
        self.chunk_ids = chunk_ids
        self.live_rows = int((row_chunk >= 0).sum())
        self._spans: tuple[dict[str, int], np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()  # the maps made at first use
        self._direct = False  # whether an inverted file's row → list map is made (it reconstructs rows through it)

    @property
    def rows(self) -> int:
        return len(self.row_chunk)

    def rows_of(self, chunk_ids: Iterable[str]) -> np.ndarray:
        """The rows of these chunks (those the part holds), found through a map made at the first call."""
        import numpy as np

        with self._lock:
            if self._spans is None:
                self._spans = self._chunk_spans()
        ordinal_of, first, count = self._spans
        ordinals = np.fromiter((ordinal_of[cid] for cid in chunk_ids if cid in ordinal_of), dtype=np.int64)
        ordinals = ordinals[count[ordinals] > 0]
        if not len(ordinals):
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(
            [np.arange(start, start + rows, dtype=np.int64) for start, rows in zip(first[ordinals], count[ordinals], strict=True)]
        )

    def _chunk_spans(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Chunk id → ordinal, and by ordinal the first row and the count of rows of each live chunk (0 rows: dead)."""
        import numpy as np

        live = np.flatnonzero(self.row_chunk >= 0)
        ordinals = self.row_chunk[live]
        starts = np.flatnonzero(np.diff(ordinals, prepend=-1)) if len(live) else np.zeros(0, dtype=np.int64)
        ends = np.append(starts[1:], len(live))
        first = np.zeros(len(self.chunk_ids), dtype=np.int64)
        count = np.zeros(len(self.chunk_ids), dtype=np.int64)
        first[ordinals[starts]] = live[starts]
        count[ordinals[starts]] = ends - starts
        return {cid: ordinal for ordinal, cid in enumerate(self.chunk_ids)}, first, count

    def hits(self, query: np.ndarray, fetch: int, allowed: set[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, chunk ordinals) of the best ``fetch`` live rows (of ``allowed`` chunks only, when given), best first."""
        import faiss
        import numpy as np

        if allowed is None:
            # dead rows come back too: fetch more by their share, so that about ``fetch`` live rows are left
            wanted = min(self.rows, -(-fetch * self.rows // max(1, self.live_rows)))
            scores, rows = self.index.search(query, wanted)
            scores, rows = scores[0], rows[0]
        else:
            rows = self.rows_of(allowed)
            if len(rows) == 0:
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            inverted = isinstance(self.index, faiss.IndexIVF)
            if len(rows) <= DIRECT_ROWS or inverted:  # a few chunks' rows (or any, of an inverted file): scored directly
                if inverted and not self._direct:
                    with self._lock:
                        if not self._direct:
                            faiss.extract_index_ivf(self.index).make_direct_map()
                            self._direct = True
                scores = self.index.reconstruct_batch(rows) @ query[0]
                order = np.argsort(-scores, kind="stable")[:fetch]
                scores, rows = scores[order], rows[order]
            else:
                params = faiss.SearchParameters()
                params.sel = faiss.IDSelectorBatch(rows)  # kept alive by params (faiss's wrapper holds a reference)
                scores, rows = self.index.search(query, min(fetch, len(rows)), params=params)
                scores, rows = scores[0], rows[0]
        found = rows >= 0
        scores, rows = scores[found], rows[found]
        chunks = self.row_chunk[rows]
        alive = chunks >= 0
        return scores[alive], chunks[alive]


class DenseIndex:
    """Cosine search over sentence vectors, pooled to chunks: the best of a chunk's sentences is its score.

    The vectors are in one or two :class:`VectorPart`\\ s: an exact index (IndexFlatIP) assembled in memory from report
    vector files, and, in a large index, a saved base mapped from disk (:mod:`lawsearch.index.vector_base`: exact, or
    past its size limit an inverted file)."""

    def __init__(self, parts: list[VectorPart], dim: int) -> None:
        self._parts = [part for part in parts if part.rows]
        self._dim = dim

    @classmethod
    def from_vectors(cls, chunk_ids: Sequence[str], units: Sequence[int], vectors: np.ndarray, dim: int) -> DenseIndex:
        """An index over ``vectors``, whose rows are those of ``chunk_ids`` in order, ``units`` rows each; built in
        memory; exact search needs no training."""
        import faiss
        import numpy as np

        # One thread: exact search over thousands of vectors takes well under a millisecond, while idle
        # OpenMP workers spinning after each search slow the query embedder beside them by half.
        faiss.omp_set_num_threads(1)
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls([VectorPart(index, chunk_ordinals(units), list(chunk_ids))], dim)

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        """The live vectors."""
        return sum(part.live_rows for part in self._parts)

    @property
    def parts(self) -> list[VectorPart]:
        return list(self._parts)

    def chunk_ids(self) -> set[str]:
        """The chunks with a live vector (a part lists exactly those it holds rows of)."""
        return {chunk_id for part in self._parts for chunk_id in part.chunk_ids}

    @property
    def memory_bytes(self) -> int:
        """What the vectors take (FAISS flat index: 4 bytes a dimension a vector), mapped from disk or in memory."""
        return sum(part.rows for part in self._parts) * self.dim * 4

    def search(self, query: np.ndarray, limit: int, allowed: set[str] | None = None) -> dict[str, float]:
        """Chunk id → cosine similarity of its best sentence, best first; ``allowed`` restricts the search to those chunks."""
        import numpy as np

        if not self._parts or limit <= 0 or allowed is not None and not allowed:
            return {}
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        fetch = limit * UNITS_PER_CHUNK_FETCHED
        found = [(part, *part.hits(vector, fetch, allowed)) for part in self._parts]
        scores = np.concatenate([hit_scores for _, hit_scores, _ in found])
        owners = [(part, int(ordinal)) for part, _, ordinals in found for ordinal in ordinals.tolist()]
        pooled: dict[str, float] = {}
        for at in np.argsort(-scores, kind="stable").tolist():  # best first: a chunk's first row is its best sentence
            part, ordinal = owners[at]
            pooled.setdefault(part.chunk_ids[ordinal], float(scores[at]))
            if len(pooled) == limit:
                break
        return pooled
