"""LawSearch: build, open and search an index — the one facade the CLI and notebooks use.

>>> ls = LawSearch.open("indexes/default")                         # doctest: +SKIP
>>> ls.search("哪些地区建立了调解员联盟").by_region()[0].region      # doctest: +SKIP
'滨江区'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
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
)
from .index.folder import IndexFolder, Manifest
from .index.locate import DEFAULT_INDEX, find_index, index_target  # noqa: F401 - DEFAULT_INDEX: part of the facade
from .index.records import ChunkRecord, read_report_records
from .index.writer import IndexWriter, UpdateSummary, WriterOptions, check_summary
from .models import LEVELS
from .search import pipeline
from .search.analysis import ANALYZER_ID
from .search.dense import DenseIndex
from .search.lexical import LEXICAL_DIR, LexicalIndex, ParsedQuery
from .search.question import Question, named
from .search.ranking import CANDIDATES, DEFAULT_FUSION, DEFAULT_MODE, FUSION_METHODS, MODES, RankingParams  # noqa: F401 - CANDIDATES: for scripts
from .search.results import Results
from .search.scope import Scope, check_kind_and_level  # noqa: F401 - check_kind_and_level: part of the facade

MAX_TOP_K = 100  # as the web's k; a bigger top_k would only make every list longer than anyone reads
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
        self._lock = threading.Lock()  # loading the embedder: one thread at a time
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
        self._corpus = pipeline.Corpus(manifest.reports, self._chunks, self.lexical, self.dense, self.ranking)  # what a search reads

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
        options: WriterOptions | None = None,
        **changes: Any,
    ) -> LawSearch:
        """Build or refresh ``index_dir`` (None: ``$LAWSEARCH_INDEX``, else ``./indexes/default``) from a folder (or
        one file) of reports and open it.

        Only new, changed and removed reports are processed; ``rebuild`` re-reads everything.
        The writer's ``options`` (a WriterOptions), or any of them by keyword (``embedder=…, progress=False``),
        go to IndexWriter: ``model`` (the bundled ``e5-small-q4``, or a sentence-transformers
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
        check_summary(summary)
        writer = IndexWriter(target, WriterOptions.checked("build", options, **changes))
        writer.sync_folder(src, rebuild=rebuild, summary=summary)
        return cls.open(target, embedder=writer.embedder_if_loaded)

    def add(self, *paths: str | os.PathLike[str] | bytes, options: WriterOptions | None = None, **changes: Any) -> UpdateSummary:
        """Add report files (or replace those already indexed under the same id), then reload. The writer's
        ``options`` (or any of them by keyword) go to IndexWriter, e.g. ``include_all=True`` to index files that do not
        look like reports; the embedder is the index's. Paths are str or os.PathLike; bytes are decoded as the OS does
        (``os.fsdecode``)."""
        self._ensure_open()
        files = checks.paths("paths", paths, "add")
        checked = WriterOptions.checked("add", options, own=("embedder",), **changes)
        summary = IndexWriter(self.folder.root, replace(checked, embedder=self._embedder)).add_files(files)
        self._reload()
        return summary

    def remove(self, *report_ids: str, options: WriterOptions | None = None, **changes: Any) -> UpdateSummary:
        """Remove reports by id, then reload (the writer's ``options``, or any of them by keyword, as for ``add``)."""
        self._ensure_open()
        ids = checks.identifiers("report ids", report_ids, "remove")
        checked = WriterOptions.checked("remove", options, own=("embedder",), **changes)
        summary = IndexWriter(self.folder.root, replace(checked, embedder=self._embedder)).remove(ids)
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
        self._corpus.char_stats()
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
        return pipeline.search(self._corpus, self.embed_query, query, mode, top_k, scope, fusion, dense_weight, apply_floor, by_region)

    def regions_indexed(self, level: str) -> int:
        """How many regions at ``level`` (``any``: the reports' own) the index holds reports of (counted once per
        opened index: the manifest does not change under it)."""
        self._ensure_open()
        checks.choice("level", level, ("any", *LEVELS))
        return self._corpus.regions_indexed(level)

    def signals(
        self,
        query: str,
        parsed: ParsedQuery,
        lexical: dict[str, float],
        dense: dict[str, float],
        vector: Any,
        needed: tuple[bool, bool] = (True, True),
    ) -> dict[str, tuple[float, float, float | None]]:
        """``(words, chars, cosine)`` of every candidate of either list (see :func:`lawsearch.search.pipeline.signals`)
        for ``query`` as ``parsed`` by the lexical index."""
        self._ensure_open()
        checks.text("query", query)
        return pipeline.signals(self._corpus, Question.of(query, parsed.words, parsed.phrases), lexical, dense, vector, needed)

    @staticmethod
    def named(query: str) -> tuple[set[str], set[int], set[str]]:
        """The places (full names, or short names of provinces and cities), years and kinds a question names."""
        checks.text("query", query)
        return named(query)

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
