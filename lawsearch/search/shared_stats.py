"""Word-index statistics shared by the shards of a shard set, so that a chunk's BM25F score does not depend on which
shard holds it.

A shard's own BM25F weighs a word by how many of *its* chunks hold it. Searching a shard set, the coordinator first
asks every shard for its counts of the question's terms (:func:`lawsearch.search.sharded.stat_terms`), sums them (:meth:`LexicalStats.total`)
and hands the sum to each shard's search: every shard then scores with the idf and mean field lengths of the whole set,
as one index holding all its reports would (Whoosh: exactly, see :class:`SharedBM25F`; tantivy: the idf is shared, the
mean field length is the shard's own, which tantivy-py does not let a caller set).

>>> one = LexicalStats(10, {"text": 100}, {("text", "调解"): 2})
>>> two = LexicalStats(30, {"text": 500}, {("text", "调解"): 1, ("text", "联盟"): 4})
>>> both = LexicalStats.total([one, two])
>>> both.documents, both.avg_length("text"), both.frequency("text", "调解"), both.frequency("text", "联盟")
(40, 15.0, 3, 4)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

GRAMS = "grams"  # the field of character bigrams that quoted phrases are matched on
WORD_FIELD = "text"  # the field whose document frequencies weigh a question's words in the 0–1 score


@dataclass(frozen=True)
class LexicalStats:
    """``documents`` (deleted ones included, as BM25's N counts them), the total length of each field in tokens, and
    the document frequency of each ``(field, term)`` asked for."""

    documents: int
    field_lengths: Mapping[str, int] = field(default_factory=dict)
    frequencies: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def total(cls, parts: Iterable[LexicalStats]) -> LexicalStats:
        """The statistics of the union of disjoint indexes: every count summed."""
        documents, lengths, frequencies = 0, Counter[str](), Counter[tuple[str, str]]()
        for part in parts:
            documents += part.documents
            lengths.update(part.field_lengths)
            frequencies.update(part.frequencies)
        return cls(documents, dict(lengths), dict(frequencies))

    def frequency(self, field_name: str, term: str) -> int:
        return int(self.frequencies.get((field_name, term), 0))

    def knows(self, field_name: str, term: str) -> bool:
        return (field_name, term) in self.frequencies

    def whoosh_idf(self, field_name: str, term: str) -> float:
        """Whoosh's idf of a term over all the shards: ``ln(N / (df + 1)) + 1``."""
        return math.log(max(self.documents, 1) / (self.frequency(field_name, term) + 1)) + 1

    def avg_length(self, field_name: str) -> float:
        """The mean length of a field over all the shards' documents (0 when unknown)."""
        return self.field_lengths.get(field_name, 0) / (self.documents or 1)


def shared_bm25f(stats: LexicalStats) -> Any:
    """A Whoosh weighting model: BM25F with ``stats``' idf and mean field lengths for the terms they count (the
    searcher's own for any other, e.g. the terms a one-character phrase expands to, which score a constant anyway)."""
    return _shared_bm25f_class()(stats)


@lru_cache(maxsize=1)
def _shared_bm25f_class() -> Any:
    """The weighting class of :func:`shared_bm25f`, made once (whoosh is imported when first needed)."""
    from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

    class SharedScorer(BM25FScorer):
        def __init__(self, searcher: Any, field_name: str, text: Any, B: float, K1: float, qf: int, stats: LexicalStats) -> None:
            super().__init__(searcher, field_name, text, B, K1, qf=qf)
            term = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            if stats.knows(field_name, term):
                self.idf = stats.whoosh_idf(field_name, term)
            if stats.field_lengths.get(field_name):
                self.avgfl = stats.avg_length(field_name)
            self.setup(searcher, field_name, text)  # the block-quality bound, from the idf now in place

    class SharedBM25F(BM25F):
        def __init__(self, stats: LexicalStats) -> None:
            super().__init__()
            self.stats = stats

        def scorer(self, searcher: Any, field_name: str, text: Any, qf: int = 1) -> Any:
            if not searcher.schema[field_name].scorable:
                return WeightScorer.for_(searcher, field_name, text)
            return SharedScorer(searcher, field_name, text, self.B, self.K1, qf, self.stats)

    return SharedBM25F
