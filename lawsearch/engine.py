"""LawSearch: build, open and search an index — the one facade the CLI and notebooks use.

>>> ls = LawSearch.open("indexes/default")                         # doctest: +SKIP
>>> ls.search("哪些地区建立了调解员联盟").by_region()[0].region      # doctest: +SKIP
'滨江区'
"""

from __future__ import annotations

import inspect
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import checks
from .embed import Embedder, EmbedderSpec, are_unit_vectors, load_recorded
from .errors import (
    ArgumentError,
    ClosedError,
    DamagedIndexError,
    EmbedderError,
    IndexFolderError,
    LawsearchError,
    NotFoundError,
    QueryError,
)
from .index.folder import IndexFolder, Manifest
from .index.locate import DEFAULT_INDEX, find_index, index_target  # noqa: F401 - DEFAULT_INDEX: part of the facade
from .index.records import ChunkRecord, read_report_records
from .index.writer import IndexWriter, UpdateSummary
from .models import LEVELS
from .search.analysis import ANALYZER_ID, normalise
from .search.answers import answer_set, level_asked, place_at
from .search.charscore import CharStats
from .search.dense import DenseIndex
from .search.fusion import FUSION_METHODS, convex, rrf
from .search.hits import Hit
from .search.lexical import LEXICAL_DIR, LexicalIndex, ParsedQuery, phrase_text, region_keys
from .search.query import MAX_QUERY_CHARS, prepare_query
from .search.ranking import RankingParams, word_scores
from .search.results import Results
from .search.scope import Scope, check_kind_and_level  # noqa: F401 - check_kind_and_level: part of the facade

MODES = ("lexical", "dense", "hybrid")
DEFAULT_MODE = "hybrid"
DEFAULT_FUSION = "score"  # the absolute 0–1 score of lawsearch.search.ranking; convex and rrf fuse the raw lists instead
CANDIDATES = 50
MAX_TOP_K = 100  # as the web's k; a bigger top_k would only make every list longer than anyone reads
# Added to a hit's score for each of the region, year and kind the question names that its report has.
NAMED_BOOST = 0.1
_OPEN_ATTEMPTS = 3
_EMBED_LOCK = threading.Lock()


_NOT_GIVEN: Any = object()


def check_options(mode: Any = _NOT_GIVEN, fusion: Any = None) -> str:
    """The fusion method to use (``fusion``, None: the default); a QueryError (ArgumentError) for a mode or fusion
    method lawsearch does not have. A mode left out is not checked; a mode of None is an error, as in ``search``.

    >>> check_options("lexical"), check_options(fusion="rrf")
    ('score', 'rrf')
    """
    if mode is not _NOT_GIVEN:
        checks.choice("mode", mode, MODES)
    return DEFAULT_FUSION if fusion is None else checks.choice("fusion", fusion, FUSION_METHODS)


def _check_embedder(embedder: Any) -> Embedder | None:
    """``embedder``, which must be None or an Embedder (an object with an EmbedderSpec ``spec`` and ``embed_queries``)."""
    if embedder is not None and not (
        isinstance(getattr(embedder, "spec", None), EmbedderSpec) and callable(getattr(embedder, "embed_queries", None))
    ):
        raise ArgumentError(f"embedder must be an Embedder (with .spec and .embed_queries) or None, not {checks.shown(embedder)}")
    return embedder


# How IndexWriter's options are checked before a writer starts (each check raises an ArgumentError that names the option).
_WRITER_OPTION_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "model": checks.optional_text,
    "embedder": lambda name, value: _check_embedder(value),
    "device": checks.optional_text,
    "batch_size": lambda name, value: checks.whole_number(name, value, 1),
    "query_prefix": checks.optional_text,
    "passage_prefix": checks.optional_text,
    "allow_download": checks.flag,
    "max_chars": lambda name, value: checks.whole_number(name, value, 1),
    "min_chars": lambda name, value: checks.whole_number(name, value, 0),
    "max_file_bytes": lambda name, value: checks.whole_number(name, value, 1),
    "include_all": checks.flag,
    "max_chunks": lambda name, value: checks.whole_number(name, value, 1),
    "read_limits": lambda name, value: _check_read_limits(value),
    "progress": checks.flag,
    "wait": lambda name, value: checks.real_number(name, value, 0.0, float("inf")),
}


def _check_read_limits(value: Any) -> None:
    """An ArgumentError unless ``value`` is None or a ReadLimits with sound figures."""
    from .read.sandbox import ReadLimits

    if value is None:
        return
    if not isinstance(value, ReadLimits):
        raise ArgumentError(f"read_limits must be a lawsearch.read.sandbox.ReadLimits or None, not {checks.shown(value)}")
    checks.whole_number("read_limits.memory_mb", value.memory_mb, 64)
    checks.real_number("read_limits.seconds", value.seconds, 0.001, float("inf"))
    checks.real_number("read_limits.seconds_per_mb", value.seconds_per_mb, 0.0, float("inf"))
    checks.whole_number("read_limits.workers", value.workers, 0)


def _check_writer_options(options: dict[str, Any], call: str, own: tuple[str, ...] = ()) -> None:
    """An ArgumentError for an option IndexWriter does not take (or one ``call`` sets itself), or of the wrong type."""
    known = [
        name
        for name, parameter in inspect.signature(IndexWriter).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in own
    ]
    for name, value in options.items():
        if name not in known:
            raise ArgumentError(f"{call}() takes no option {name!r}; its options are {', '.join(known)}")
        if name in _WRITER_OPTION_CHECKS:
            _WRITER_OPTION_CHECKS[name](name, value)


class LawSearch:
    """An opened index: search it, inspect it."""

    def __init__(
        self, folder: IndexFolder, generation: Path, manifest: Manifest, embedder: Embedder | None = None, device: str | None = None
    ) -> None:
        self._closed = False
        self.folder = folder
        self.generation = generation
        self.manifest = manifest
        self._embedder = embedder
        self._device = device
        self.ranking = RankingParams().for_embedder(str(manifest.embedder.get("kind", "")))
        self._chars: CharStats | None = None
        self._regions_indexed: dict[str, int] = {}
        self._avg_chars = 0.0
        self._lock = threading.Lock()  # loading the embedder and the character statistics: one thread at a time
        if manifest.analyzer != ANALYZER_ID:
            raise IndexFolderError(
                f"index {folder.root} was built with analyzer {manifest.analyzer!r}; this lawsearch uses {ANALYZER_ID!r}: "
                f"run `lawsearch index --upgrade --index {folder.root}`"
            )
        self._lease = folder.lease(generation)  # a writer does not delete the generation while this reader holds it
        try:
            self.lexical = LexicalIndex.open(generation / LEXICAL_DIR)
            self.lexical.load()
            self._chunks, self.dense = self._load_reports()
        except LawsearchError:
            self._lease.release()
            raise
        except Exception as exc:  # a damaged index shows up as any of whoosh's, numpy's or json's errors
            self._lease.release()
            raise DamagedIndexError(folder.root, f"{generation.name} cannot be opened ({type(exc).__name__}: {exc})") from None
        try:
            self._check_consistency()
        except LawsearchError:
            self.close()
            raise
        self._region_keys = {
            rid: set(region_keys(entry.meta.get("region"), entry.meta.get("region_parent")).split())
            for rid, entry in manifest.reports.items()
        }

    def _load_reports(self) -> tuple[dict[str, ChunkRecord], DenseIndex]:
        """The chunk store and the dense index, assembled from the per-report files of the generation."""
        import numpy as np

        chunks: dict[str, ChunkRecord] = {}
        ids: list[str] = []
        matrices = []
        dim = int(self.manifest.embedder.get("dim") or 0)
        for report_id in self.manifest.reports:
            records, vectors = read_report_records(self.generation, report_id)
            rows = sum(record.units for record in records)
            if vectors.shape != (rows, dim) or vectors.dtype != np.float32:
                raise DamagedIndexError(
                    self.folder.root,
                    f"report {report_id} has vectors of shape {vectors.shape} ({vectors.dtype}) "
                    f"for {len(records)} chunks of {rows} sentences of dimension {dim}",
                )
            if not are_unit_vectors(vectors):
                raise DamagedIndexError(
                    self.folder.root, f"report {report_id} has vectors that are not unit length (bytes changed on disk?)"
                )
            for record in records:
                chunks[record.id] = record
                ids += [record.id] * record.units
            matrices.append(vectors)
        matrix = np.concatenate(matrices) if matrices else np.zeros((0, dim), dtype=np.float32)
        return chunks, DenseIndex.from_vectors(ids, matrix, dim)

    def _check_consistency(self) -> None:
        """The manifest, the chunk store and both indexes must hold the same chunks."""
        listed = {cid for entry in self.manifest.reports.values() for cid in entry.chunk_ids}
        stored = set(self._chunks)
        problems = []
        if listed != stored:
            problems.append(f"manifest lists {len(listed)} chunks, chunk store holds {len(stored)}")
        if self.dense.chunk_ids() != listed:
            problems.append(f"dense index holds {len(self.dense)} vectors for {len(listed)} chunks")
        if self.lexical.doc_count() != len(listed):
            problems.append(f"lexical index holds {self.lexical.doc_count()} documents for {len(listed)} chunks")
        if problems:
            raise DamagedIndexError(self.folder.root, "; ".join(problems))

    # -- building and opening ------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        src: str | Path,
        index_dir: str | Path | None = None,
        *,
        rebuild: bool = False,
        summary: UpdateSummary | None = None,
        **options: Any,
    ) -> LawSearch:
        """Build or refresh ``index_dir`` (None: ``$LAWSEARCH_INDEX``, else ``./indexes/default``) from a folder (or
        one file) of reports and open it.

        Only new, changed and removed reports are processed; ``rebuild`` re-reads everything.
        ``options`` go to IndexWriter: ``model`` (the bundled ``e5-small-q4``, or a sentence-transformers
        model by local path or hub name), ``embedder``, ``device``, ``batch_size``, ``query_prefix``,
        ``passage_prefix``, ``allow_download``, ``max_chars``, ``min_chars``, ``include_all``, ``progress``, ``wait``.
        Files that cannot be read are listed in ``summary.failed``; files that are not reports are skipped
        (``summary.skipped``) unless ``include_all=True``; copies of a report are recorded as its other sources
        (``summary.copies``).

        Paths are str or os.PathLike; bytes are decoded as the OS does (``os.fsdecode``). An argument or option of the
        wrong type is an ArgumentError that names it.
        """
        src = checks.path("src", src)
        target = index_target(index_dir)
        checks.flag("rebuild", rebuild)
        _check_summary(summary)
        _check_writer_options(options, "build")
        writer = IndexWriter(target, **options)
        writer.sync_folder(src, rebuild=rebuild, summary=summary)
        return cls.open(target, embedder=writer.embedder_if_loaded)

    def add(self, *paths: str | os.PathLike[str] | bytes, **options: Any) -> UpdateSummary:
        """Add report files (or replace those already indexed under the same id), then reload. ``options`` go to
        IndexWriter, e.g. ``include_all=True`` to index files that do not look like reports. Paths are str or
        os.PathLike; bytes are decoded as the OS does (``os.fsdecode``)."""
        self._ensure_open()
        files = checks.paths("paths", paths, "add")
        _check_writer_options(options, "add", own=("embedder",))
        summary = IndexWriter(self.folder.root, embedder=self._embedder, **options).add_files(files)
        self._reload()
        return summary

    def remove(self, *report_ids: str, **options: Any) -> UpdateSummary:
        """Remove reports by id, then reload."""
        self._ensure_open()
        ids = checks.identifiers("report ids", report_ids, "remove")
        _check_writer_options(options, "remove", own=("embedder",))
        summary = IndexWriter(self.folder.root, embedder=self._embedder, **options).remove(ids)
        self._reload()
        return summary

    def _reload(self) -> None:
        fresh = type(self).open(self.folder.root, embedder=self._embedder, device=self._device)
        self.close()
        self.__dict__.update(fresh.__dict__)

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, *, model: str | None = None, embedder: Embedder | None = None, device: str | None = None
    ) -> LawSearch:
        """Open the committed index in ``index_dir``; with none, the first of ``$LAWSEARCH_INDEX`` and
        ``./indexes/default`` that holds one (the error names both paths).

        Queries are always embedded by the index's own model, loaded when first needed; naming
        another ``model`` (or passing another ``embedder``) is an error that names both. ``index_dir`` is a str or
        os.PathLike; bytes are decoded as the OS does (``os.fsdecode``).
        """
        model = checks.optional_text("model", model)
        embedder = _check_embedder(embedder)
        device = checks.optional_text("device", device)
        folder = IndexFolder(find_index(index_dir))
        attempts = 0
        while True:
            generation = folder.current()
            try:
                return cls._open_generation(folder, generation, model, embedder, device)
            except IndexFolderError:
                attempts += 1
                if attempts >= _OPEN_ATTEMPTS or folder.current() == generation:
                    raise  # damaged, not merely replaced by a writer while we opened it

    @classmethod
    def _open_generation(
        cls, folder: IndexFolder, generation: Path, model: str | None, embedder: Embedder | None, device: str | None
    ) -> LawSearch:
        manifest = folder.read_manifest(generation)
        recorded = EmbedderSpec.from_dict(manifest.embedder)
        if model is not None and not recorded.answers_to(model):
            raise EmbedderError(f"index {folder.root} was built with {recorded.id}, not {model!r}; search uses the index's own model")
        if embedder is not None and embedder.spec.id != recorded.id:
            raise EmbedderError(f"index {folder.root} was built with {recorded.id}, not {embedder.spec.id}")
        return cls(folder, generation, manifest, embedder, device)

    @property
    def embedder(self) -> Embedder:
        """The index's embedder, loaded on first use (lexical search never loads it)."""
        self._ensure_open()
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = load_recorded(EmbedderSpec.from_dict(self.manifest.embedder), device=self._device)
        return self._embedder

    def embed_query(self, query: str) -> Any:
        """The unit vector of one query; one thread of the process embeds at a time (not every model is thread-safe,
        and engines of two generations share one model while a server swaps them)."""
        self._ensure_open()
        checks.text("query", query)
        embedder = self.embedder
        with _EMBED_LOCK:
            return embedder.embed_queries([query])[0]

    def warm(self) -> LawSearch:
        """Load now what the first search would load (the embedder, the character statistics): for servers."""
        self._ensure_open()
        self.embed_query("预热")
        self._char_stats()
        return self

    def close(self) -> None:
        """Close the lexical index's searchers and release this reader's hold on its generation (a writer may then
        delete it). Every method but ``close`` then raises a ClosedError; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        self.lexical.close()
        self._lease.release()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._closed

    def _ensure_open(self) -> None:
        """A ClosedError once ``close()`` has been called: the generation may be gone, and the searchers are."""
        if self._closed:
            raise ClosedError(self.folder.root)

    def __enter__(self) -> LawSearch:
        self._ensure_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        closed = ", closed" if self._closed else ""
        return f"LawSearch({str(self.folder.root)!r}, reports={len(self.manifest.reports)}, chunks={len(self._chunks)}{closed})"

    # -- searching -----------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        mode: str = DEFAULT_MODE,
        top_k: int = 10,
        region: str | Iterable[str] | None = None,
        year: int | str | Iterable[int | str] | None = None,
        fusion: str | None = DEFAULT_FUSION,
        dense_weight: float | None = None,
        kind: str | Iterable[str] | None = None,
        level: str | Iterable[str] | None = None,
        apply_floor: bool = True,
        by_region: bool = False,
    ) -> Results:
        """Rank chunks for ``query``; quoted phrases must occur exactly, ``region``/``year``/``kind``/``level`` filter.

        Each filter takes one value or several: several values of one filter are alternatives (OR), different
        filters must all hold (AND). A region or year the index holds no report of is a QueryError that names the
        closest ones it holds (``no report of region 滨江县; did you mean 滨江区?``).

        Every query is cleaned first (lone surrogates → U+FFFD, control characters → spaces) and cut to
        ``MAX_QUERY_CHARS`` characters; ``Results.query`` is the text searched, ``Results.query_truncated``
        tells of a cut.

        Arguments: ``query`` text; ``mode`` one of MODES; ``top_k`` a whole number from 1 to MAX_TOP_K;
        ``region``/``kind``/``level`` text or a list of texts; ``year`` a whole number (or text of one, "2022") or
        a list of them; ``fusion`` one of FUSION_METHODS (None: the default); ``dense_weight`` a number from 0 to 1
        or None; ``apply_floor`` and ``by_region`` True or False. Anything else is an ArgumentError (a QueryError)
        that names the argument, the type and value given and what it takes; bools are not numbers here.
        """
        self._ensure_open()
        checks.text("query", query)
        fusion = check_options(mode, fusion)
        top_k = checks.whole_number("top_k", top_k, 1, MAX_TOP_K)
        if dense_weight is not None:
            dense_weight = checks.real_number("dense_weight", dense_weight, 0.0, 1.0)
        checks.flag("apply_floor", apply_floor)
        checks.flag("by_region", by_region)
        scope = Scope.of(region=region, year=year, kind=kind, level=level)
        prepared = prepare_query(query, MAX_QUERY_CHARS)
        query, truncated = prepared.text, prepared.truncated
        if not query:
            raise QueryError("empty query")
        check_kind_and_level(scope.kinds, scope.levels)
        reports = scope.reports(self.manifest.reports, self._region_keys)
        parsed = self.lexical.parse_query(query)
        if not parsed.words and not parsed.phrases:  # only stop words or punctuation: nothing to look for
            return Results(query, mode, [], query_truncated=truncated)
        limit = max(CANDIDATES, top_k)
        # Whoosh filters by report itself; the chunk scan is needed for dense search and exact phrases.
        allowed = self._allowed(parsed, reports) if mode != "lexical" or parsed.phrases else None
        lexical: dict[str, float] = {}
        dense: dict[str, float] = {}
        vector = None
        if mode in ("lexical", "hybrid"):
            lexical = self.lexical.search(parsed, limit, reports=reports)
            if parsed.phrases and allowed is not None:  # the exact test, beyond what bigrams can say
                lexical = {cid: score for cid, score in lexical.items() if cid in allowed}
        if mode in ("dense", "hybrid") and (allowed is None or allowed):
            vector = self.embed_query(query.strip())
            dense = self.dense.search(vector, limit, allowed)
        if mode == "hybrid" and fusion == "rrf":
            fused = rrf(lexical, dense, dense_weight=dense_weight)
        elif mode == "hybrid" and fusion == "convex":
            fused = convex(lexical, dense, dense_weight=dense_weight)
        else:
            params = self.ranking if dense_weight is None else replace(self.ranking, dense_weight=dense_weight)
            signals = self.signals(query, parsed, lexical, dense, vector, needed=params.signals_needed(mode))
            kept = {cid: values for cid, values in signals.items() if not apply_floor or params.passes(mode, *values)}
            boosted = self._named_in(query)
            scored = {cid: min(1.0, params.combine(mode, *values) + NAMED_BOOST * boosted(cid)) for cid, values in kept.items()}
            fused = dict(sorted(scored.items(), key=lambda item: (-item[1], item[0])))
        candidates = self._hits(list(fused.items())[:limit], parsed, lexical, dense)
        asked = level_asked(query) or ("any" if by_region else None)
        answers, notes = None, []
        if asked:
            scoped, notes = self._in_scope(query, candidates)
            answers = answer_set(scoped, asked, self.regions_indexed(asked))
        return Results(query, mode, candidates[:top_k], candidates, query_truncated=truncated, answers=answers, notes=notes)

    def _in_scope(self, query: str, hits: list[Hit]) -> tuple[list[Hit], list[str]]:
        """The hits inside the region and year a 哪些… question names (浙江哪些区县…, 2022年哪些地区…), and a note for each
        one the index holds no report of (the answer is then empty, not silently nationwide)."""
        places, years, _ = self.named(query)
        notes = [
            f"the index holds no report of {place}"
            for place in sorted(places)
            if not any(place in keys for keys in self._region_keys.values())
        ]
        held_years = {entry.meta.get("year") for entry in self.manifest.reports.values()}
        notes += [f"the index holds no report on {year}" for year in sorted(years) if year not in held_years]
        scoped = [hit for hit in hits if (not places or places & self._region_keys[hit.report_id]) and (not years or hit.year in years)]
        return scoped, notes

    def regions_indexed(self, level: str) -> int:
        """How many regions at ``level`` (``any``: the reports' own) the index holds reports of (counted once per
        opened index: the manifest does not change under it)."""
        self._ensure_open()
        checks.choice("level", level, ("any", *LEVELS))
        if level not in self._regions_indexed:
            self._regions_indexed[level] = self._count_regions(level)
        return self._regions_indexed[level]

    def _count_regions(self, level: str) -> int:
        from .read.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        places = set()
        for entry in self.manifest.reports.values():
            region, parent = entry.meta.get("region"), entry.meta.get("region_parent")
            if level == "any":
                places.add((region, parent)) if region else None
            elif (place := place_at(gazetteer, region, parent, level)) is not None:
                places.add(place.code)
        return len(places)

    def signals(
        self,
        query: str,
        parsed: ParsedQuery,
        lexical: dict[str, float],
        dense: dict[str, float],
        vector: Any,
        needed: tuple[bool, bool] = (True, True),
    ) -> dict[str, tuple[float, float, float | None]]:
        """``(words, chars, cosine)`` of every candidate of either list (see :mod:`lawsearch.search.ranking`): words and chars
        in [0, 1] (0 where ``needed`` says the mode does not use them), the raw cosine of the best sentence, computed
        for a candidate the dense list did not return (None without a query ``vector``)."""
        self._ensure_open()
        checks.text("query", query)
        candidates = list(dict.fromkeys([*lexical, *dense]))
        if vector is not None:
            missing = {cid for cid in candidates if cid not in dense}
            dense = {**dense, **(self.dense.search(vector, len(missing), missing) if missing else {})}
        texts = {cid: self._scored_text(cid) for cid in candidates}
        stats = self._char_stats()
        need_words, need_chars = needed
        words = (
            word_scores(
                (*parsed.phrases, *parsed.words),
                texts,
                self.lexical.doc_frequency,
                len(self._chunks),
                self._avg_chars,
                k1=self.ranking.k1,
                b=self.ranking.b,
            )
            if need_words
            else {}
        )
        chars = stats.scores(query, texts) if need_chars else {}
        return {cid: (words.get(cid, 0.0), chars.get(cid, 0.0), dense.get(cid)) for cid in candidates}

    @staticmethod
    def named(query: str) -> tuple[set[str], set[int], set[str]]:
        """The places (full names, or short names of provinces and cities), years and kinds a question names."""
        checks.text("query", query)
        from .read.gazetteer import default_gazetteer
        from .read.kinds import KINDS

        places = {
            text
            for start, end, found in default_gazetteer().find(query, short_names=True)
            for text in (query[start:end],)
            if any(p.name == text or p.level != "county" for p in found)
        }
        years = {int(year) for year in re.findall(r"((?:19|20)\d{2})\s*年", query)}
        return places, years, {kind for kind in KINDS if kind in query}

    def _named_in(self, query: str) -> Callable[[str], int]:
        """How many of the region, year and kind a question names (2022年, 滨江区, 政府工作报告) a chunk's report has:
        the question says where to look, so those reports come first without hiding the others."""
        places, years, kinds = self.named(query)
        if not (places or years or kinds):
            return lambda chunk_id: 0

        def count(chunk_id: str) -> int:
            report_id = self._chunks[chunk_id].report_id
            meta = self.manifest.reports[report_id].meta
            return bool(places & self._region_keys[report_id]) + (meta.get("year") in years) + (meta.get("kind") in kinds)

        return count

    def _scored_text(self, chunk_id: str) -> str:
        """What a candidate is scored on: its report's title, its heading path and its text."""
        record = self._chunks[chunk_id]
        title = self.manifest.reports[record.report_id].meta.get("title") or ""
        return "\n".join((title, " ".join(record.heading_path), record.text))

    def _char_stats(self) -> CharStats:
        """Character statistics of the corpus, computed at the first search that needs them."""
        if self._chars is None:
            with self._lock:
                if self._chars is None:
                    texts = [self._scored_text(cid) for cid in self._chunks]
                    self._avg_chars = sum(map(len, texts)) / max(1, len(texts))
                    self._chars = CharStats.from_texts(texts, k1=self.ranking.k1, b=self.ranking.b)
        return self._chars

    def _allowed(self, parsed: ParsedQuery, only: set[str] | None = None) -> set[str] | None:
        """Chunk ids of the reports ``only`` (None: all) that contain every quoted phrase; None when nothing restricts."""
        if not parsed.phrases and only is None:
            return None
        phrases = [normalise(p).lower() for p in parsed.phrases]
        reports = self.manifest.reports
        allowed = set()
        for chunk_id, record in self._chunks.items():
            report_id = record.report_id
            if only is not None and report_id not in only:
                continue
            if phrases:
                meta = reports[report_id].meta
                text = normalise(phrase_text(" ".join(record.heading_path), record.text, meta.get("title") or "")).lower()
                if not all(p in text for p in phrases):
                    continue
            allowed.add(chunk_id)
        return allowed

    def _hits(self, ranked: list[tuple[str, float]], parsed: ParsedQuery, lexical: dict[str, float], dense: dict[str, float]) -> list[Hit]:
        lexical_rank = {cid: rank for rank, cid in enumerate(lexical, start=1)}
        dense_rank = {cid: rank for rank, cid in enumerate(dense, start=1)}
        hits = []
        for chunk_id, score in ranked:
            record = self._chunks[chunk_id]
            meta = self.manifest.reports[record.report_id].meta
            hits.append(
                Hit(
                    chunk_id=chunk_id,
                    report_id=record.report_id,
                    region=meta.get("region"),
                    region_parent=meta.get("region_parent"),
                    year=meta.get("year"),
                    level=meta.get("level"),
                    kind=meta.get("kind"),
                    agency=meta.get("agency"),
                    title=meta.get("title") or "",
                    heading_path=tuple(record.heading_path),
                    text=record.text,
                    match_terms=parsed.terms,
                    score=score,
                    lexical_rank=lexical_rank.get(chunk_id),
                    lexical_score=lexical.get(chunk_id),
                    dense_rank=dense_rank.get(chunk_id),
                    dense_score=dense.get(chunk_id),
                )
            )
        return hits

    # -- reading reports back ------------------------------------------------------------------------

    def report(self, report_id: str) -> dict[str, Any]:
        """A report rebuilt from its chunks, in order: ``{"report": its metadata and sources, "chunks": [...]}``,
        each chunk with ``id``, ``anchor`` (``chunk-011``), ``heading_path`` and ``text``. A NotFoundError for an id
        the index does not hold."""
        self._ensure_open()
        checks.text("report_id", report_id)
        entry = self.manifest.reports.get(report_id)
        if entry is None:
            raise NotFoundError(f"no report {report_id!r} in {self.folder.root}")
        return {"report": self._report_meta(report_id), "chunks": [self._chunk_dict(cid) for cid in entry.chunk_ids]}

    def chunk(self, chunk_id: str, context: int = 0) -> dict[str, Any]:
        """One chunk with its report's metadata and up to ``context`` neighbouring chunks on each side:
        ``{"chunk", "report", "before", "after"}`` (what ``lawsearch show`` prints). ``context`` is a whole number."""
        self._ensure_open()
        checks.text("chunk_id", chunk_id)
        context = checks.whole_number("context", context, 0)
        record = self._chunks.get(chunk_id)
        if record is None:
            raise NotFoundError(f"no chunk {chunk_id!r} in {self.folder.root}")
        order = self.manifest.reports[record.report_id].chunk_ids
        at = order.index(chunk_id)
        return {
            "chunk": self._chunk_dict(chunk_id),
            "report": self._report_meta(record.report_id),
            "before": [self._chunk_dict(cid) for cid in order[max(0, at - context) : at]],
            "after": [self._chunk_dict(cid) for cid in order[at + 1 : at + 1 + context]],
        }

    def _chunk_dict(self, chunk_id: str) -> dict[str, Any]:
        record = self._chunks[chunk_id]
        return {
            "id": chunk_id,
            "report_id": record.report_id,
            "anchor": chunk_anchor(chunk_id),
            "heading_path": list(record.heading_path),
            "text": record.text,
        }

    def _report_meta(self, report_id: str) -> dict[str, Any]:
        entry = self.manifest.reports[report_id]
        return {
            "id": report_id,
            **{k: v for k, v in entry.meta.items() if k != "id"},
            "chunks": len(entry.chunk_ids),
            "source": entry.source,
            "also_sources": [item.get("source") for item in entry.also_sources],
        }

    # -- describing ----------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Problems found by a full comparison of manifest, chunk files, Whoosh and the vectors (empty when sound)."""
        self._ensure_open()
        problems = []
        listed = {cid: rid for rid, entry in self.manifest.reports.items() for cid in entry.chunk_ids}
        lexical_ids = self.lexical.chunk_ids()
        for name, held in (("lexical index", lexical_ids), ("dense index", self.dense.chunk_ids()), ("chunk files", set(self._chunks))):
            missing, extra = set(listed) - held, held - set(listed)
            if missing:
                problems.append(f"{name} lacks {len(missing)} chunk(s) of the manifest, e.g. {sorted(missing)[0]}")
            if extra:
                problems.append(f"{name} holds {len(extra)} chunk(s) the manifest does not list, e.g. {sorted(extra)[0]}")
        for chunk_id, record in self._chunks.items():
            if chunk_id in listed and listed[chunk_id] != record.report_id:
                problems.append(f"chunk {chunk_id} is filed under {record.report_id}, the manifest says {listed[chunk_id]}")
        for report_id, entry in self.manifest.reports.items():
            if len(entry.sha256) != 64:
                problems.append(f"report {report_id} has no content hash")
        return problems

    def info(self) -> dict[str, Any]:
        """Format, embedder, analyzer, counts and reports of the opened index, and the size of its dense index
        (``vectors``: one a sentence; ``dense_bytes``: what they take in memory)."""
        self._ensure_open()
        return {**self.folder.describe(self.generation), "vectors": len(self.dense), "dense_bytes": self.dense.memory_bytes}


def _check_summary(summary: Any) -> UpdateSummary | None:
    """``summary``, which must be None or an UpdateSummary to fill."""
    if summary is not None and not isinstance(summary, UpdateSummary):
        raise ArgumentError(f"summary must be an UpdateSummary or None, not {checks.shown(summary)}")
    return summary


def chunk_anchor(chunk_id: str) -> str:
    """The HTML anchor of a chunk in its report's page: ``chunk-011`` for ``…#011``.

    >>> chunk_anchor("000_e216814a7c54799f#011")
    'chunk-011'
    """
    return "chunk-" + chunk_id.rpartition("#")[2]


def verify_index(index_dir: str | Path | None = None) -> tuple[list[str], int]:
    """Everything ``lawsearch check`` verifies — the pointer, the manifest, the checksum of every file, then the
    agreement of manifest, chunk files and both indexes — as ``(problems, chunk count)``; no problem is raised."""
    from .index.cache import CACHE_FILE, cache_problem

    folder = IndexFolder(find_index(index_dir))
    cache = [problem for problem in (cache_problem(folder.root / CACHE_FILE),) if problem]
    try:
        generation = folder.current()
        manifest = folder.read_manifest(generation)
    except IndexFolderError as exc:
        return [str(exc), *cache], 0
    problems = folder.verify(generation, manifest)
    if problems:
        return problems + cache, manifest.chunk_count
    try:
        engine = LawSearch(folder, generation, manifest)
    except LawsearchError as exc:
        return [str(exc), *cache], manifest.chunk_count
    with engine:
        return engine.check() + cache, manifest.chunk_count
