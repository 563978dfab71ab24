"""LawSearch: build, open and search an index — the one facade the CLI and notebooks use.

>>> ls = LawSearch.open("indexes/default")                         # doctest: +SKIP
>>> ls.search("哪些地区建立了调解员联盟").by_region()[0].region      # doctest: +SKIP
'滨江区'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .analysis import ANALYZER_ID, normalise
from .chunk import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS
from .dense import DenseIndex
from .cache import CACHE_FILE, EmbeddingCache, EmbedStats, embed_passages_cached
from .embed import DEFAULT_BATCH_SIZE, DEFAULT_EMBEDDER, Embedder, EmbedderSpec, load_recorded, make_embedder
from .errors import EmbedderError, IndexFolderError, LawsearchError, QueryError, ReportFileError
from .fusion import FUSION_METHODS, convex, rrf
from .lexical import LexicalDoc, LexicalIndex, ParsedQuery, phrase_text, region_keys
from .load import find_report_files
from .models import Chunk, Hit
from .pipeline import ParsedReport, parse_report
from .results import Results
from .store import IndexFolder, Manifest, ReportEntry, write_json

DEFAULT_INDEX = Path("indexes/default")
MODES = ("lexical", "dense", "hybrid")
DEFAULT_MODE = "hybrid"
DEFAULT_FUSION = "convex"
# Measured on ../shared/eval/dev.jsonl (scripts/evaluate.py): MRR@10 is flat at 0.967 for weights 0.1–0.5 and
# falls above 0.5; nDCG@10 peaks at 0.3–0.5. 0.4 sits in the middle of that plateau.
DEFAULT_DENSE_WEIGHT = 0.4
CANDIDATES = 50
CHUNKS_FILE = "chunks.json"
LEXICAL_DIR = "lexical"


@dataclass
class BuildSummary:
    """What a build did: the reports indexed and the files that failed, with their reasons."""

    indexed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedding: EmbedStats = field(default_factory=EmbedStats)


def _progress(iterable: Iterable[Any], show: bool, **kwargs: Any) -> Iterable[Any]:
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, **kwargs)


def _parse_all(files: list[Path], max_chars: int, min_chars: int, show: bool, summary: BuildSummary) -> list[ParsedReport]:
    parsed: dict[str, ParsedReport] = {}
    for path in _progress(files, show, desc="reading", unit="report"):
        try:
            report = parse_report(path, max_chars=max_chars, min_chars=min_chars)
        except ReportFileError as exc:
            summary.failed.append((exc.path, exc.reason))
            continue
        if report.report.id in parsed:
            summary.failed.append((str(path), f"report id {report.report.id!r} is already taken by {parsed[report.report.id].report.source}"))
            continue
        parsed[report.report.id] = report
    return list(parsed.values())


class LawSearch:
    """An opened index: search it, inspect it."""

    def __init__(self, folder: IndexFolder, generation: Path, manifest: Manifest, embedder: Embedder | None = None,
                 device: str | None = None) -> None:
        self.folder = folder
        self.generation = generation
        self.manifest = manifest
        self._embedder = embedder
        self._device = device
        if manifest.analyzer != ANALYZER_ID:
            raise IndexFolderError(f"index {folder.root} was built with analyzer {manifest.analyzer!r}; this lawsearch uses {ANALYZER_ID!r} (rebuild the index)")
        try:
            self.lexical = LexicalIndex.open(generation / LEXICAL_DIR)
            self.lexical.load()
            self.dense = DenseIndex.load(generation)
            self._chunks: dict[str, dict[str, Any]] = json.loads((generation / CHUNKS_FILE).read_text(encoding="utf-8"))
        except LawsearchError:
            raise
        except Exception as exc:  # a damaged index shows up as any of whoosh's, faiss's or json's errors
            raise IndexFolderError(f"cannot open index {folder.root}: {type(exc).__name__}: {exc}") from None
        self._check_consistency()
        self._region_keys = {
            rid: set(region_keys(entry.meta.get("region"), entry.meta.get("region_parent")).split()) for rid, entry in manifest.reports.items()
        }

    def _check_consistency(self) -> None:
        """The manifest, the chunk store and both indexes must hold the same chunks."""
        listed = {cid for entry in self.manifest.reports.values() for cid in entry.chunk_ids}
        stored = set(self._chunks) if isinstance(self._chunks, dict) else set()
        problems = []
        if listed != stored:
            problems.append(f"manifest lists {len(listed)} chunks, chunk store holds {len(stored)}")
        if self.dense.chunk_ids() != listed:
            problems.append(f"dense index holds {len(self.dense)} vectors for {len(listed)} chunks")
        if self.lexical.doc_count() != len(listed):
            problems.append(f"lexical index holds {self.lexical.doc_count()} documents for {len(listed)} chunks")
        if self.dense.dim != self.manifest.embedder.get("dim"):
            problems.append(f"dense index has dimension {self.dense.dim}, manifest says {self.manifest.embedder.get('dim')}")
        if problems:
            raise IndexFolderError(f"index {self.folder.root} is damaged: {'; '.join(problems)} (rebuild it)")

    # -- building and opening ------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        src: str | Path,
        index_dir: str | Path = DEFAULT_INDEX,
        *,
        model: str = DEFAULT_EMBEDDER,
        embedder: Embedder | None = None,
        device: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        allow_download: bool = False,
        max_chars: int = DEFAULT_MAX_CHARS,
        min_chars: int = DEFAULT_MIN_CHARS,
        progress: bool = False,
        summary: BuildSummary | None = None,
    ) -> "LawSearch":
        """Index a folder (or one file) of reports into ``index_dir``, replacing what was there in one atomic switch.

        ``model`` is the bundled ``e5-small-q4`` or a sentence-transformers model by local path or hub
        name (or pass a ready ``embedder``). Passages already embedded by the same model are taken
        from the index's embedding cache. Files that cannot be read are skipped and listed in
        ``summary.failed``; if none can be read, nothing changes and a LawsearchError says why.
        """
        src = Path(src)
        summary = summary if summary is not None else BuildSummary()
        folder = IndexFolder(index_dir)
        with folder.writer_lock():
            files = find_report_files(src) if src.is_dir() else [src]
            if not files:
                raise LawsearchError(f"{src}: no report files (.txt, .md, .htm, .html) found")
            reports = _parse_all(files, max_chars, min_chars, progress, summary)
            if not reports:
                raise LawsearchError(f"{src}: none of {len(files)} file(s) could be read; the index was not changed")
            embedder = embedder or make_embedder(model, device=device, batch_size=batch_size, query_prefix=query_prefix,
                                                 passage_prefix=passage_prefix, allow_download=allow_download)
            chunks = [chunk for report in reports for chunk in report.chunks]
            cache = EmbeddingCache(folder.root / CACHE_FILE)
            try:
                # A chunk's text alone is embedded: with its heading path prepended, dense MRR@10 on the dev
                # set fell from 0.704 to 0.589 (report headings are generic and crowd out the content).
                vectors = embed_passages_cached(embedder, [c.text for c in chunks], cache,
                                                batch_size=batch_size, progress=progress, stats=summary.embedding)
            finally:
                cache.close()
            generation = folder.new_generation()
            cls._write_generation(generation, reports, chunks, vectors, embedder)
            manifest = Manifest(
                embedder=embedder.spec.to_dict(),
                analyzer=ANALYZER_ID,
                reports={
                    r.report.id: ReportEntry(sha256=r.report.sha256, source=r.report.source, chunk_ids=[c.id for c in r.chunks], meta=r.meta.to_dict())
                    for r in reports
                },
            )
            folder.commit(generation, manifest)
        summary.indexed = [r.report.id for r in reports]
        summary.chunks = len(chunks)
        return cls(folder, generation, manifest, embedder)

    @staticmethod
    def _write_generation(generation: Path, reports: list[ParsedReport], chunks: list[Chunk], vectors: Any, embedder: Embedder) -> None:
        meta = {r.report.id: r.meta for r in reports}
        LexicalIndex.create(generation / LEXICAL_DIR).add(
            LexicalDoc(
                chunk_id=c.id,
                report_id=c.report_id,
                region=meta[c.report_id].region,
                region_parent=meta[c.report_id].region_parent,
                year=meta[c.report_id].year,
                text=c.text,
                heading=" ".join(c.heading_path),  # as phrase_text() sees it in _allowed
                title=meta[c.report_id].title,
            )
            for c in chunks
        )
        dense = DenseIndex.create(embedder.spec.dim)
        dense.add([c.id for c in chunks], vectors)
        dense.save(generation)
        write_json(generation / CHUNKS_FILE, {c.id: {"report_id": c.report_id, "heading_path": list(c.heading_path), "text": c.text} for c in chunks})

    @classmethod
    def open(cls, index_dir: str | Path = DEFAULT_INDEX, *, model: str | None = None, embedder: Embedder | None = None,
             device: str | None = None) -> "LawSearch":
        """Open the committed index in ``index_dir``.

        Queries are always embedded by the index's own model, loaded when first needed; naming
        another ``model`` (or passing another ``embedder``) is an error that names both.
        """
        folder = IndexFolder(index_dir)
        generation = folder.current()
        manifest = folder.read_manifest(generation)
        recorded = EmbedderSpec.from_dict(manifest.embedder)
        if model is not None and model not in recorded.names() and str(Path(model).expanduser().resolve()) not in recorded.names():
            raise EmbedderError(f"index {folder.root} was built with {recorded.id}, not {model!r}; search uses the index's own model")
        if embedder is not None and embedder.spec.id != recorded.id:
            raise EmbedderError(f"index {folder.root} was built with {recorded.id}, not {embedder.spec.id}")
        return cls(folder, generation, manifest, embedder, device)

    @property
    def embedder(self) -> Embedder:
        """The index's embedder, loaded on first use (lexical search never loads it)."""
        if self._embedder is None:
            self._embedder = load_recorded(EmbedderSpec.from_dict(self.manifest.embedder), device=self._device)
        return self._embedder

    def close(self) -> None:
        self.lexical.close()

    def __enter__(self) -> "LawSearch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LawSearch({str(self.folder.root)!r}, reports={len(self.manifest.reports)}, chunks={len(self._chunks)})"

    # -- searching -----------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        mode: str = DEFAULT_MODE,
        top_k: int = 10,
        region: str | None = None,
        year: int | None = None,
        fusion: str = DEFAULT_FUSION,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
    ) -> Results:
        """Rank chunks for ``query``; quoted phrases must occur exactly, ``region``/``year`` filter."""
        if not query or not query.strip():
            raise QueryError("empty query")
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if fusion not in FUSION_METHODS:
            raise QueryError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSION_METHODS)}")
        if top_k < 1:
            raise QueryError(f"top_k must be at least 1, got {top_k}")
        if not 0.0 <= dense_weight <= 1.0:
            raise QueryError(f"dense weight must be within [0, 1], got {dense_weight}")
        if year is not None:
            try:
                year = int(year)
            except (TypeError, ValueError):
                raise QueryError(f"year must be a number, got {year!r}") from None
        parsed = self.lexical.parse_query(query)
        if not parsed.words and not parsed.phrases:  # only stop words or punctuation: nothing to look for
            return Results(query, mode, [])
        limit = max(CANDIDATES, top_k)
        allowed = self._allowed(parsed, region, year)
        lexical: dict[str, float] = {}
        dense: dict[str, float] = {}
        if mode in ("lexical", "hybrid"):
            lexical = self.lexical.search(parsed, limit, region=region, year=year)
            if parsed.phrases and allowed is not None:  # the exact test, beyond what bigrams can say
                lexical = {cid: score for cid, score in lexical.items() if cid in allowed}
        if mode in ("dense", "hybrid") and (allowed is None or allowed):
            vector = self.embedder.embed_queries([query.strip()])[0]
            dense = self.dense.search(vector, limit, allowed)
        if mode == "lexical":
            fused = lexical
        elif mode == "dense":
            fused = dense
        elif fusion == "rrf":
            fused = rrf(lexical, dense, dense_weight=dense_weight)
        else:
            fused = convex(lexical, dense, dense_weight=dense_weight)
        candidates = self._hits(list(fused.items())[:limit], parsed, lexical, dense)
        return Results(query, mode, candidates[:top_k], candidates)

    def _allowed(self, parsed: ParsedQuery, region: str | None, year: int | None) -> set[str] | None:
        """Chunk ids that pass the filters and contain every quoted phrase; None when nothing restricts."""
        if not (parsed.phrases or region or year is not None):
            return None
        phrases = [normalise(p).lower() for p in parsed.phrases]
        reports = self.manifest.reports
        allowed = set()
        for chunk_id, record in self._chunks.items():
            report_id = record["report_id"]
            if region and region.strip() not in self._region_keys[report_id]:
                continue
            if year is not None and reports[report_id].meta.get("year") != year:
                continue
            if phrases:
                meta = reports[report_id].meta
                text = normalise(phrase_text(" ".join(record["heading_path"]), record["text"], meta.get("title") or "")).lower()
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
            meta = self.manifest.reports[record["report_id"]].meta
            hits.append(Hit(
                chunk_id=chunk_id,
                report_id=record["report_id"],
                region=meta.get("region"),
                region_parent=meta.get("region_parent"),
                year=meta.get("year"),
                agency=meta.get("agency"),
                title=meta.get("title") or "",
                heading_path=tuple(record["heading_path"]),
                text=record["text"],
                match_terms=parsed.terms,
                score=score,
                lexical_rank=lexical_rank.get(chunk_id),
                lexical_score=lexical.get(chunk_id),
                dense_rank=dense_rank.get(chunk_id),
                dense_score=dense.get(chunk_id),
            ))
        return hits

    # -- describing ----------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Format, embedder, analyzer, counts and reports of the opened index."""
        return self.folder.describe(self.generation)
