"""What one shard of a shard set answers: its share of a search, asked by the coordinator
(:class:`lawsearch.search.sharded.ShardedSearch`) in three rounds, in this process or in a Ray actor.

1. :meth:`ShardService.statistics`: its counts of the question's terms (summed into the set's
   :class:`~lawsearch.search.shared_stats.LexicalStats`);
2. :meth:`ShardService.retrieve`: its best ``limit`` chunks by words (scored with the set's statistics) and by meaning;
3. :meth:`ShardService.candidates`: the records and cosines of the candidates it holds, which the coordinator scores.

Everything it returns is plain data (records, dicts, numbers), as cheap to send to another machine as to keep here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import LawSearch
    from ..index.folder import Manifest
    from ..index.records import ChunkRecord
    from .corpus_stats import CorpusStats
    from .question import Question
    from .shared_stats import LexicalStats


@dataclass(frozen=True)
class ShardProfile:
    """What the coordinator keeps of a shard, asked once when the set is opened: its committed ``generation``, its
    ``manifest``, its saved query ``vocabulary`` and its character statistics (``corpus``)."""

    name: str
    generation: str
    manifest: Manifest
    vocabulary: dict[str, Any]
    corpus: CorpusStats


@dataclass(frozen=True)
class ShardHits:
    """A shard's candidates for one question: its best chunks by words (chunk id → BM25F, before the exact phrase
    test), those of them that fail that test (``rejected``), its best chunks by meaning (chunk id → cosine), and
    whether any of its chunks holds every quoted phrase (``phrase_held``; True without phrases)."""

    lexical: dict[str, float]
    rejected: frozenset[str]
    dense: dict[str, float]
    phrase_held: bool


class ShardService:
    """One opened shard (a normal index) and its answers to a coordinator."""

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        from ..engine import LawSearch

        self.path = Path(path)
        self.name = name or self.path.name
        self.engine: LawSearch = LawSearch.open(self.path)

    def profile(self) -> ShardProfile:
        corpus = self.engine._corpus
        return ShardProfile(
            self.name, self.engine.generation.name, self.engine.manifest, corpus.lexical.saved_vocabulary(), corpus.corpus_stats()
        )

    def statistics(self, terms: set[tuple[str, str]]) -> LexicalStats:
        return self.engine._corpus.lexical.statistics(terms)

    def retrieve(self, question: Question, mode: str, limit: int, reports: set[str] | None, vector: Any, stats: LexicalStats) -> ShardHits:
        """Its best ``limit`` chunks of ``reports`` (None: all) by words, scored with the set's ``stats``, and by the
        cosine of the query ``vector`` (the coordinator's: made whenever ``mode`` is not lexical), as ``mode`` asks: what
        :func:`lawsearch.search.pipeline.retrieve` finds in one index, the exact phrase test left to the coordinator."""
        from .pipeline import retrieve_unchecked

        lexical, allowed, dense, _ = retrieve_unchecked(self.engine._corpus, lambda _: vector, question, mode, limit, reports, stats)
        rejected = frozenset(cid for cid in lexical if cid not in allowed) if question.phrases and allowed is not None else frozenset()
        return ShardHits(lexical, rejected, dense, allowed is None or bool(allowed))

    def candidates(self, chunk_ids: list[str], vector: Any) -> tuple[dict[str, ChunkRecord], dict[str, float]]:
        """The records of the chunks of ``chunk_ids`` it holds, and the cosine of each one's best sentence to the query
        ``vector`` (those with vectors; none without a vector)."""
        corpus = self.engine._corpus
        records = {cid: record for cid in chunk_ids if (record := corpus.chunks.get(cid)) is not None}
        cosines = corpus.dense.search(vector, len(records), set(records)) if vector is not None and records else {}
        return records, cosines

    def report(self, report_id: str) -> dict[str, Any]:
        return self.engine.report(report_id)

    def chunk(self, chunk_id: str, context: int) -> dict[str, Any]:
        return self.engine.chunk(chunk_id, context)

    def check(self) -> list[str]:
        return self.engine.check()

    def info(self) -> dict[str, Any]:
        return self.engine.info()

    def reopen(self) -> str:
        """Open the shard again at its committed generation (after a writer's commit); its name."""
        from ..engine import LawSearch

        fresh = LawSearch.open(self.path)
        self.engine.close()
        self.engine = fresh
        return fresh.generation.name

    def close(self) -> None:
        self.engine.close()
