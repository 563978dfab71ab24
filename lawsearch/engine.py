"""LawSearch: build, open and search an index — the one facade the CLI and notebooks use.

>>> ls = LawSearch.open("indexes/default")                         # doctest: +SKIP
>>> ls.search("哪些地区建立了调解员联盟").by_region()[0].region      # doctest: +SKIP
'滨江区'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import checks
from .embed import Embedder, EmbedderSpec, QueryEncoder
from .errors import ClosedError, IndexFolderError, LawsearchError
from .index.folder import IndexFolder, Manifest
from .index.locate import find_index, index_target
from .index.shardset import is_shard_set
from .index.writer import IndexWriter, UpdateSummary, WriterOptions, check_embedder, check_summary
from .models import LEVELS
from .search import pipeline
from .search.corpus import Corpus
from .search.lexical import ParsedQuery
from .search.question import Question, named
from .search.ranking import DEFAULT_FUSION, DEFAULT_MODE, MODES, RankingParams  # noqa: F401 - MODES: part of the facade
from .search.request import MAX_TOP_K, SearchRequest, check_options  # noqa: F401 - MAX_TOP_K, check_options: part of the facade
from .search.results import Results


class LawSearch:
    """An opened index: search it, inspect it."""

    def __init__(self, folder: IndexFolder, generation: Path, manifest: Manifest, queries: QueryEncoder | None = None) -> None:
        self._closed = False
        self.folder, self.generation, self.manifest = folder, generation, manifest
        self._queries = queries or QueryEncoder(EmbedderSpec.from_dict(manifest.embedder))
        self.ranking = RankingParams().for_embedder(str(manifest.embedder.get("kind", "")))
        self._lease = folder.lease(generation)  # a writer does not delete the generation while this reader holds it
        try:
            self._corpus = Corpus.load(folder.root, generation, manifest, self.ranking)  # what a search reads
        except LawsearchError:
            self._lease.release()
            raise
        self.lexical, self.dense, self._chunks = self._corpus.lexical, self._corpus.dense, self._corpus.chunks

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

        Only new, changed and removed reports are processed; ``rebuild`` re-reads everything. The writer's ``options``
        (a :class:`~lawsearch.index.writer.WriterOptions`), or any of them by keyword (``embedder=…, progress=False``),
        go to IndexWriter. Files that cannot be read are listed in ``summary.failed``; files that are not reports are
        skipped (``summary.skipped``) unless ``include_all=True``; copies of a report are recorded as its other sources
        (``summary.copies``).

        Paths are str or os.PathLike; bytes are decoded as the OS does (``os.fsdecode``). An argument or option of the
        wrong type is an ArgumentError that names it.
        """
        src = checks.path("src", src)
        target = index_target(index_dir)
        checks.flag("rebuild", rebuild)
        check_summary(summary)
        if is_shard_set(target):
            raise IndexFolderError(f"{target} is a shard set: build it with lawsearch.ShardedSearch.build")
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
        return self._update(lambda writer: writer.add_files(files), "add", options, changes)

    def remove(self, *report_ids: str, options: WriterOptions | None = None, **changes: Any) -> UpdateSummary:
        """Remove reports by id, then reload (the writer's ``options``, or any of them by keyword, as for ``add``)."""
        self._ensure_open()
        ids = checks.identifiers("report ids", report_ids, "remove")
        return self._update(lambda writer: writer.remove(ids), "remove", options, changes)

    def embed(self, options: WriterOptions | None = None, **changes: Any) -> UpdateSummary:
        """Make the vectors of the reports indexed without them (``vectors="later"``, or a large update that committed
        its words first), a batch per commit, then reload; ``summary.pending`` is 0 when all are done. An interruption
        keeps every committed batch; the next call goes on from there. The writer's ``options`` (or any of them by
        keyword, e.g. ``progress=True``) go to IndexWriter."""
        self._ensure_open()
        return self._update(lambda writer: writer.embed_pending(), "embed", options, changes)

    @property
    def dense_coverage(self) -> tuple[int, int]:
        """``(reports with vectors, reports)``: equal once every report is embedded."""
        self._ensure_open()
        return self._corpus.coverage

    def _update(self, run: Callable[[IndexWriter], UpdateSummary], call: str, options: Any, changes: dict[str, Any]) -> UpdateSummary:
        """``run`` one update with a writer of this index (its options checked for ``call``, the embedder the index's
        own), then reload."""
        checked = WriterOptions.checked(call, options, own=("embedder",), **changes)
        summary = run(IndexWriter(self.folder.root, replace(checked, embedder=self._embedder)))
        self._reload()
        return summary

    def _reload(self) -> None:
        fresh = type(self).open(self.folder.root, embedder=self._embedder, device=self._queries.device)
        self.close()
        self.__dict__.update(fresh.__dict__)

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, *, model: str | None = None, embedder: Embedder | None = None, device: str | None = None
    ) -> LawSearch:
        """Open the committed index in ``index_dir``; with none, the first of ``$LAWSEARCH_INDEX`` and
        ``./indexes/default`` that holds one (the error names both paths). Queries are always embedded by the index's
        own model, loaded when first needed; naming another ``model`` (or passing another ``embedder``) is an error that
        names both. ``index_dir`` is a str or os.PathLike; bytes are decoded as the OS does (``os.fsdecode``)."""
        model, embedder = checks.optional_text("model", model), check_embedder(embedder)
        device = checks.optional_text("device", device)
        folder = IndexFolder(find_index(index_dir))
        if is_shard_set(folder.root):
            raise IndexFolderError(
                f"{folder.root} is a shard set: open it with lawsearch.ShardedSearch.open (or lawsearch.open_index, which "
                "opens either kind)"
            )

        def open_generation(generation: Path, manifest: Manifest) -> LawSearch:
            recorded = EmbedderSpec.from_dict(manifest.embedder)
            return cls(folder, generation, manifest, QueryEncoder.checked(recorded, folder.root, model, embedder, device))

        return folder.open_current(open_generation)

    @property
    def embedder(self) -> Embedder:
        """The index's embedder, loaded on first use (lexical search never loads it)."""
        self._ensure_open()
        return self._queries.embedder()

    @property
    def _embedder(self) -> Embedder | None:
        """The index's embedder if it is loaded (a writer or a fresh generation then shares it), else None."""
        return self._queries.loaded

    def embed_query(self, query: str) -> Any:
        """The unit vector of one query (see :class:`lawsearch.embed.QueryEncoder`)."""
        self._ensure_open()
        return self._queries(checks.text("query", query))

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
        """Rank chunks for ``query``; quoted phrases must occur exactly, ``region``/``year``/``kind``/``level`` filter
        (one value or several: several of one filter are alternatives, different filters must all hold). Each argument
        is checked as :class:`lawsearch.search.request.SearchRequest` says; the way a query goes is
        :func:`lawsearch.search.pipeline.search`."""
        self._ensure_open()
        request = SearchRequest.checked(query, mode, top_k, region, year, fusion, dense_weight, kind, level, apply_floor, by_region)
        return self._search(request)

    def _search(self, request: SearchRequest) -> Results:
        return pipeline.search(self._corpus, self.embed_query, request)

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
    ) -> dict[str, tuple[float, float, float | None, float]]:
        """``(words, chars, cosine, focal)`` of every candidate of either list (see :func:`lawsearch.search.pipeline.signals`)
        for ``query`` as ``parsed`` by the lexical index."""
        self._ensure_open()
        checks.text("query", query)
        return pipeline.signals(self._corpus, Question.of(query, parsed.words, parsed.phrases), lexical, dense, vector, needed)

    named = staticmethod(named)  # the places, years and kinds of report a question names

    def report(self, report_id: str) -> dict[str, Any]:
        """A report rebuilt from its chunks, in order: ``{"report": its metadata and sources, "chunks": [...]}``,
        each chunk with ``id``, ``anchor`` (``chunk-011``), ``heading_path`` and ``text``. A NotFoundError for an id
        the index does not hold."""
        self._ensure_open()
        return self._corpus.report_view(checks.text("report_id", report_id), self.folder.root)

    def chunk(self, chunk_id: str, context: int = 0) -> dict[str, Any]:
        """One chunk with its report's metadata and up to ``context`` neighbouring chunks on each side:
        ``{"chunk", "report", "before", "after"}`` (what ``lawsearch show`` prints). ``context`` is a whole number."""
        self._ensure_open()
        chunk_id, context = checks.text("chunk_id", chunk_id), checks.whole_number("context", context, 0)
        return self._corpus.chunk_in_context(chunk_id, context, self.folder.root)

    def check(self) -> list[str]:
        """Problems found by a full comparison of manifest, chunk files, Whoosh and the vectors (empty when sound)."""
        self._ensure_open()
        return self._corpus.problems()

    def info(self) -> dict[str, Any]:
        """Format, embedder, analyzer, counts and reports of the opened index, and the size of its dense index
        (``vectors``: one a sentence; ``dense_bytes``: what they take in memory)."""
        self._ensure_open()
        return {**self.folder.describe(self.generation), "vectors": len(self.dense), "dense_bytes": self.dense.memory_bytes}
