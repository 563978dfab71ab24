"""Searching a shard set as one index: a question goes to every shard, the hits come back merged, and every score is
the one a single index holding all the reports would give.

The coordinator (:class:`ShardedSearch`) keeps what the whole set shares: the reports' metadata, the query vocabulary
(the union of the shards'), the character statistics (summed) and the query embedder. A search then runs in three
rounds over the shards (:mod:`lawsearch.search.shard_service`), each within a deadline:

1. **statistics**: each shard's counts of the question's terms, summed, so that BM25F weighs a word by how many
   chunks of the *set* hold it (:mod:`lawsearch.search.shared_stats`);
2. **retrieve**: each shard's best ``limit`` chunks by words (scored with those statistics) and by meaning; the best
   ``limit`` of all, as one index would have found them;
3. **candidates**: the records and cosines of those candidates, which the coordinator scores and ranks with the
   pipeline a single index uses (:func:`lawsearch.search.pipeline.rank`): the same 0–1 scores, answer sets and notes.

A shard that fails or does not answer a round within the deadline (``timeout`` seconds a round) is left out of the
rounds that follow, named in the
results (``results.shards``: ``{"answered": 2, "of": 3, "missing": ["shard-1"]}``) and in a note: the answer comes from
the others, never a hang.

>>> ls = ShardedSearch.open("indexes/sharded")                       # doctest: +SKIP
>>> ls.search("哪些地区建立了调解员联盟").shards                       # doctest: +SKIP
{'answered': 3, 'of': 3, 'missing': []}
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..embed import Embedder, EmbedderSpec, QueryEncoder
from ..engine import LawSearch
from ..errors import IndexFolderError, LawsearchError, NotFoundError
from ..index.folder import IndexFolder
from ..index.locate import find_index
from ..index.records import ChunkRecord
from ..index.sharded_writer import ShardedWriter
from ..index.shardset import ShardSet, is_shard_set, merged_description, merged_manifest
from ..index.writer import UpdateSummary, WriterOptions
from . import pipeline
from .analysis import bigram_analyzer, query_segmenter
from .corpus import Corpus
from .corpus_stats import CorpusStats
from .fanout import DEFAULT_SHARD_TIMEOUT, LocalShards, ShardCalls
from .lexical import FIELD_BOOSTS, QueryVocabulary
from .question import Question
from .ranking import RankingParams
from .request import SearchRequest
from .results import Results
from .shard_service import ShardHits, ShardProfile, ShardService
from .shared_stats import GRAMS, WORD_FIELD, LexicalStats


def stat_terms(question: Question) -> set[tuple[str, str]]:
    """The ``(field, term)`` pairs whose counts a search of ``question`` reads: its words in every word field, its
    terms (words and phrases) in the text (the 0–1 score's idf) and the bigrams of its quoted phrases."""
    terms = {(name, word) for word in question.words for name in FIELD_BOOSTS}
    terms |= {(WORD_FIELD, term) for term in question.terms}
    terms |= {(GRAMS, token.text) for phrase in question.phrases for token in bigram_analyzer()(phrase)}
    return terms


class SetVocabulary(QueryVocabulary):
    """The union of the shards' query vocabularies (jieba's counts are the same in each), and, during one search, the
    set's statistics of the question's terms."""

    def __init__(self, vocabularies: list[dict[str, Any]]) -> None:
        words: dict[str, int] = {}
        for vocabulary in vocabularies:
            words.update(vocabulary["words"])
        total = max((vocabulary["total"] for vocabulary in vocabularies), default=1)
        union: dict[str, Any] = {"total": total, "words": words}
        if all("prefixes" in vocabulary for vocabulary in vocabularies):  # a word's beginnings: its shard saved them
            union["prefixes"] = sorted(set().union(*(vocabulary["prefixes"] for vocabulary in vocabularies)).difference(words))
        self._segmenter = query_segmenter(union)
        self.stats: LexicalStats | None = None

    def with_stats(self, stats: LexicalStats) -> SetVocabulary:
        found = copy.copy(self)
        found.stats = stats
        return found

    def doc_frequency(self, word: str) -> int:
        """How many chunks of the set hold ``word`` in their text (of the terms asked for this search)."""
        return self.stats.frequency(WORD_FIELD, word) if self.stats is not None else 0


class Cosines:
    """The cosines the shards gave for one search's candidates, answering the dense index's ``search``."""

    def __init__(self, cosines: Mapping[str, float]) -> None:
        self.cosines = cosines

    def search(self, vector: Any, limit: int, allowed: set[str] | None = None) -> dict[str, float]:
        found = [(cid, cos) for cid, cos in self.cosines.items() if allowed is None or cid in allowed]
        return dict(sorted(found, key=lambda item: (-item[1], item[0]))[:limit])


class SetCorpus(Corpus):
    """The set as one corpus for :func:`lawsearch.search.pipeline.rank`: every report, the set's statistics, and for
    each search (:meth:`for_search`) its candidates' records and cosines."""

    def __init__(self, reports: Mapping[str, Any], vocabulary: SetVocabulary, ranking: RankingParams, stats: CorpusStats) -> None:
        super().__init__(reports, {}, vocabulary, Cosines({}), ranking)  # type: ignore[arg-type]
        self._vocabulary = vocabulary
        self._chars = stats.chars.with_params(k1=ranking.k1, b=ranking.b)
        self._avg_chars = stats.avg_chars
        self._total = sum(len(entry.chunk_ids) for entry in reports.values())

    @property
    def chunk_count(self) -> int:
        return self._total

    def for_search(self, records: dict[str, ChunkRecord], cosines: dict[str, float], stats: LexicalStats) -> SetCorpus:
        view = copy.copy(self)
        view.chunks = records
        view.dense = Cosines(cosines)  # type: ignore[assignment]
        view.lexical = self._vocabulary.with_stats(stats)  # type: ignore[assignment]
        return view


@dataclass
class _Round:
    """One search's rounds over the shards: the shards still in, how long each round waits, and why each one left."""

    calls: ShardCalls
    timeout: float
    live: list[int]
    missing: dict[int, str]

    def ask(self, method: str, args: Callable[[int], tuple[Any, ...]]) -> dict[int, Any]:
        answers, failures = self.calls.call(method, {number: args(number) for number in self.live}, self.timeout)
        self.missing.update(failures)
        self.live = [number for number in self.live if number in answers]
        return answers


class ShardedSearch(LawSearch):
    """A shard set opened for search, in this process or on a Ray cluster (``ray=``): the methods of
    :class:`~lawsearch.engine.LawSearch`, answered by every shard at once."""

    def __init__(
        self, shards: ShardSet, calls: ShardCalls, timeout: float = DEFAULT_SHARD_TIMEOUT, queries: QueryEncoder | None = None
    ) -> None:
        self._closed = False
        self.shard_set, self._calls, self.timeout = shards, calls, timeout
        try:
            answers = self._every("profile", "opened")
            self._profiles: list[ShardProfile] = [answers[number] for number in range(shards.count)]
            self.manifest = merged_manifest(shards.root, [(profile.name, profile.manifest) for profile in self._profiles])
        except BaseException:
            calls.close()
            raise
        self.folder = IndexFolder(shards.root)  # what paths are shown relative to (the web page)
        self.generation = shards.root / " ".join(f"{p.name}={p.generation}" for p in self._profiles)
        self._queries = queries or QueryEncoder(EmbedderSpec.from_dict(self.manifest.embedder))
        self.ranking = RankingParams().for_embedder(str(self.manifest.embedder.get("kind", "")))
        self._owner = {rid: number for number, p in enumerate(self._profiles) for rid in p.manifest.reports}
        stats = self._profiles[0].corpus
        for profile in self._profiles[1:]:
            stats = stats.plus(profile.corpus)
        vocabulary = SetVocabulary([p.vocabulary for p in self._profiles])
        self._set = SetCorpus(self.manifest.reports, vocabulary, self.ranking, stats)
        self._corpus = self._set
        self.lexical = vocabulary  # type: ignore[assignment]

    def _all(self, method: str, timeout: float) -> tuple[dict[int, Any], dict[int, str]]:
        """``method`` of every shard, at once: ``(answers, failures)`` by shard number."""
        return self._calls.call(method, {number: () for number in range(self.shard_set.count)}, timeout)

    def _every(self, method: str, doing: str) -> dict[int, Any]:
        """``method`` of every shard, each given at least a minute (a shard opens its index); an IndexFolderError naming
        each that failed."""
        answers, failures = self._all(method, max(self.timeout, 60.0))
        if failures:
            raise IndexFolderError(
                f"shard set {self.shard_set.root} cannot be {doing}: "
                + "; ".join(f"{self.shard_set.names[number]} {why}" for number, why in sorted(failures.items()))
            )
        return answers

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        *,
        model: str | None = None,
        embedder: Embedder | None = None,
        device: str | None = None,
        ray: str | None = None,
        timeout: float = DEFAULT_SHARD_TIMEOUT,
        service: type[ShardService] = ShardService,
    ) -> ShardedSearch:
        """Open the shard set at ``index_dir``: each shard in this process, or with ``ray`` (an address, or ``local``)
        in an actor on that Ray cluster; each round of a search waits ``timeout`` seconds for the shards. ``service``: what answers
        for a shard (a subclass of ShardService, e.g. in tests)."""
        shards = ShardSet.read(find_index(index_dir))
        if ray is not None:
            from ..cluster.ray_shards import RayShards

            calls: ShardCalls = RayShards(shards, ray, service)
        else:
            calls = LocalShards(shards.paths, shards.names, service)
        engine = cls(shards, calls, timeout)
        if embedder is not None or model is not None or device is not None:
            recorded = EmbedderSpec.from_dict(engine.manifest.embedder)
            engine._queries = QueryEncoder.checked(recorded, shards.root, model, embedder, device)
        return engine

    @classmethod
    def build(  # type: ignore[override]
        cls,
        src: str | Path,
        index_dir: str | Path,
        *,
        shards: int | None = None,
        rebuild: bool = False,
        summary: UpdateSummary | None = None,
        **options: Any,
    ) -> ShardedSearch:
        """Build or refresh the shard set at ``index_dir`` (``shards``: how many, for a new one) from a folder of reports
        and open it; options as for :meth:`LawSearch.build`."""
        writer = ShardedWriter.at(index_dir, shards, WriterOptions.checked("build", **options))
        writer.sync_folder(src, rebuild=rebuild, summary=summary)
        return cls.open(index_dir, embedder=writer.embedder_if_loaded)

    # -- searching -----------------------------------------------------------------------------------

    def _search(self, request: SearchRequest) -> Results:
        question, reports, empty = pipeline.prepare(self._corpus, request)
        count = self.shard_set.count
        if empty is not None:
            empty.shards = {"answered": count, "of": count, "missing": []}
            return empty
        limit = pipeline.candidate_limit(request)
        vector = self.embed_query(question.text.strip()) if request.mode != "lexical" else None
        rounds = _Round(self._calls, self.timeout, list(range(count)), {})
        stats = LexicalStats.total(rounds.ask("statistics", lambda number: (stat_terms(question),)).values())
        mine = self._reports_by_shard(reports)
        found: dict[int, ShardHits] = rounds.ask("retrieve", lambda number: (question, request.mode, limit, mine(number), vector, stats))
        lexical = _best(((cid, score) for hits in found.values() for cid, score in hits.lexical.items()), limit)
        rejected = {cid for hits in found.values() for cid in hits.rejected}
        lexical = {cid: score for cid, score in lexical.items() if cid not in rejected}
        dense = _best(((cid, cos) for hits in found.values() for cid, cos in hits.dense.items()), limit)
        if not any(hits.phrase_held for hits in found.values()):
            vector = None  # as one index: no chunk holds the phrases, so the query is not compared with any
        wanted = list(dict.fromkeys([*lexical, *dense]))
        by_shard: dict[int, list[str]] = {}
        for cid in wanted:
            by_shard.setdefault(self._owner[cid.rpartition("#")[0]], []).append(cid)
        gathered = rounds.ask("candidates", lambda number: (by_shard.get(number, []), vector)) if wanted else {}
        records = {cid: record for shard_records, _ in gathered.values() for cid, record in shard_records.items()}
        cosines = {cid: cos for _, shard_cosines in gathered.values() for cid, cos in shard_cosines.items()}
        lexical = {cid: score for cid, score in lexical.items() if cid in records}  # a shard lost in the last round
        dense = {cid: cos for cid, cos in dense.items() if cid in records}
        results = pipeline.rank(self._set.for_search(records, cosines, stats), question, request, lexical, dense, vector)
        missing = [self.shard_set.names[number] for number in sorted(rounds.missing)]
        results.shards = {"answered": count - len(missing), "of": count, "missing": missing}
        results._notes += [
            f"{self.shard_set.names[number]} {why}: the {self._held(number):,} reports it holds are not in these results"
            for number, why in sorted(rounds.missing.items())
        ]
        return results

    def _reports_by_shard(self, reports: set[str] | None) -> Callable[[int], set[str] | None]:
        if reports is None:
            return lambda number: None
        split: dict[int, set[str]] = {}
        for rid in reports:
            split.setdefault(self._owner[rid], set()).add(rid)
        return lambda number: split.get(number, set())

    def _held(self, number: int) -> int:
        return len(self._profiles[number].manifest.reports)

    # -- reading reports back, checking, updating --------------------------------------------------

    def _owner_of(self, report_id: str, what: str) -> int:
        number = self._owner.get(report_id)
        if number is None:
            raise NotFoundError(f"no {what} in {self.shard_set.root}")
        return number

    def _one(self, number: int, method: str, *args: Any) -> Any:
        answers, failures = self._calls.call(method, {number: args}, self.timeout)
        if number in failures:
            why = failures[number]
            if why.startswith("failed (NotFoundError: "):
                raise NotFoundError(why.removeprefix("failed (NotFoundError: ")[:-1])
            raise LawsearchError(f"{self.shard_set.names[number]} of {self.shard_set.root} {why}")
        return answers[number]

    def report(self, report_id: str) -> dict[str, Any]:
        self._ensure_open()
        return dict(self._one(self._owner_of(report_id, f"report {report_id!r}"), "report", report_id))

    def chunk(self, chunk_id: str, context: int = 0) -> dict[str, Any]:
        self._ensure_open()
        number = self._owner_of(str(chunk_id).rpartition("#")[0], f"chunk {chunk_id!r}")
        return dict(self._one(number, "chunk", chunk_id, context))

    def check(self) -> list[str]:
        self._ensure_open()
        answers, failures = self._all("check", max(self.timeout, 600.0))
        problems = [f"{self.shard_set.names[n]}: {p}" for n in sorted(answers) for p in answers[n]]
        return problems + [f"{self.shard_set.names[n]} {why}" for n, why in sorted(failures.items())]

    def info(self) -> dict[str, Any]:
        """What ``lawsearch info`` shows of each shard, summed: reports, chunks, vectors; and the shards."""
        self._ensure_open()
        answers, _ = self._all("info", self.timeout)
        return merged_description(
            self.shard_set.root, self.generation.name, [(self.shard_set.names[n], answers[n]) for n in sorted(answers)]
        )

    def signals(self, *args: Any, **kwargs: Any) -> Any:
        raise LawsearchError("signals() reads one index's candidates: call it on a shard (LawSearch.open(SET/shard-0))")

    @property
    def dense_coverage(self) -> tuple[int, int]:
        self._ensure_open()
        return self._corpus.coverage

    def warm(self) -> ShardedSearch:
        self._ensure_open()
        self.embed_query("预热")
        return self

    def _update(self, run: Callable[[Any], UpdateSummary], call: str, options: Any, changes: dict[str, Any]) -> UpdateSummary:
        checked = WriterOptions.checked(call, options, own=("embedder",), **changes)
        summary = run(ShardedWriter.at(self.shard_set.root, None, replace(checked, embedder=self._embedder)))
        self._reload()
        return summary

    def _reload(self) -> None:
        """Every shard opened again at its committed generation (the same actors or threads), and the set's view anew."""
        self._every("reopen", "opened again")
        fresh = type(self)(self.shard_set, self._calls, self.timeout, self._queries)
        self.__dict__.update(fresh.__dict__)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._calls.close()

    def __repr__(self) -> str:
        closed = ", closed" if self._closed else ""
        return f"ShardedSearch({str(self.shard_set.root)!r}, shards={self.shard_set.count}, reports={len(self.manifest.reports)}{closed})"


def _best(items: Any, limit: int) -> dict[str, float]:
    """The ``limit`` best (chunk id, score) pairs, best first, ties by chunk id: as one index ranks them."""
    return dict(sorted(items, key=lambda item: (-item[1], item[0]))[:limit])


def open_index(
    index_dir: str | Path | None = None,
    *,
    model: str | None = None,
    embedder: Embedder | None = None,
    device: str | None = None,
    ray: str | None = None,
    timeout: float = DEFAULT_SHARD_TIMEOUT,
) -> LawSearch:
    """The index at ``index_dir`` opened for search: a :class:`ShardedSearch` for a shard set (its shards on the Ray
    cluster at ``ray``, if given), else a :class:`~lawsearch.engine.LawSearch` (``ray`` is then an error)."""
    path = find_index(index_dir)
    if is_shard_set(path):
        return ShardedSearch.open(path, model=model, embedder=embedder, device=device, ray=ray, timeout=timeout)
    if ray is not None:
        raise IndexFolderError(f"{path} is one index, not a shard set: it is searched here (leave out --ray)")
    return LawSearch.open(path, model=model, embedder=embedder, device=device)
