"""The index folder: generations of index files, a manifest, an atomic switch and a writer lock.

Layout of ``indexes/<name>/``::

    CURRENT              name of the committed generation, replaced atomically (os.replace)
    LOCK                 held by the one writer
    READERS/gen-000007   held shared by each open reader of that generation (a lease: never deleted under it)
    embeddings.sqlite    passage vectors by (model, text hash), shared by all generations
    gen-000007/          manifest.json, lexical/ (Whoosh + query vocabulary),
                         reports/<report id>.json (chunks) and reports/<report id>.npy (their vectors),
                         boilerplate.json (the lines each report contributes to the corpus's boilerplate statistics)

The report files and the format version are :mod:`lawsearch.index.records`'s; this module keeps the folder: the
manifest, the generations, CURRENT, the locks and leases, and the checksums.

A writer makes the next generation from the committed one out of hard links (cost: one link per
file, no data copied), changes only what the update touches — new Whoosh segments, the files of
added or replaced reports — and then switches CURRENT. Files are never changed in place, so the
committed generation stays intact: a reader sees the old index or the new one, never a mix, and a
crash at any point leaves the last committed index; the next writer clears the unfinished one.

A generation is complete once its manifest exists: the manifest is written last, atomically, and
records the sha256 of every other file of the generation (``check`` verifies them all). A generation
without a manifest is unfinished and may be cleared; one with a manifest is never deleted unless
CURRENT, readable and naming an older generation, proves it was not committed, or a newer committed
one has replaced it. When CURRENT is lost or garbled, readers and writers stop and say how to repair.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from .._version import __version__
from ..errors import DamagedIndexError, IndexFolderError
from .cache import CACHE_FILE
from .records import FORMAT_VERSION, held_report_ids, report_paths

_Opened = TypeVar("_Opened")

MANIFEST = "manifest.json"
BOILERPLATE = "boilerplate.json"  # the corpus's line statistics (lawsearch.read.boilerplate), absent in older indexes
_LOCK_SUFFIX = "WRITELOCK"  # Whoosh's lock file: neither shared with a new generation nor checksummed
CURRENT = "CURRENT"
LOCK = "LOCK"
READERS = "READERS"
# inode → [size, mtime_ns, sha256] of generation files hashed and found right (or written) by a writer: a writer trusts
# a file whose inode, size and modification time are unchanged instead of hashing it again (`check` hashes every file).
VERIFIED = "verified.json"
_GEN_PREFIX = "gen-"
# A replaced generation stays this long, so that a reader who read CURRENT just before a commit still finds it.
STALE_GRACE_SECONDS = 60.0


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


MANIFEST_CHECKSUM = "checksum"


def _json_sha256(data: dict[str, Any]) -> str:
    return _sha256_text(_canonical_json(data))


def _canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# How a manifest written by to_text ends: its checksum after the fields, which are the text the checksum is of.
_CHECKSUM_TAIL = re.compile(rf', "{MANIFEST_CHECKSUM}": "([0-9a-f]{{64}})"\}}\s*$')


def _checked_manifest_json(text: str) -> dict[str, Any]:
    """The manifest's JSON object without its checksum; a ValueError when its content does not match the checksum.
    A manifest written by :meth:`Manifest.to_text` is checked on its bytes; another (written before) is serialised again."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    recorded = data.pop(MANIFEST_CHECKSUM, None)
    if recorded is None:
        return data
    tail = _CHECKSUM_TAIL.search(text, max(0, len(text) - 200))
    if tail is not None and tail.group(1) == recorded and _sha256_text(text[: tail.start()] + "}") == recorded:
        return data
    if recorded != _json_sha256(data):
        raise _ChecksumMismatch("its content does not match its checksum")
    return data


class _ChecksumMismatch(ValueError):
    pass


@dataclass
class ReportEntry:
    """What the manifest keeps of one indexed report. ``fingerprint`` identifies its text (see
    :mod:`lawsearch.read.screen`; "" in indexes built before it was kept); ``also_sources`` lists the other files
    of the same report (``{"source": path, "sha256": hash}``), which are not indexed again. ``vectors`` says whether its
    sentence vectors are stored: False for a report indexed with its vectors left for later (``lawsearch embed``),
    whose vector file then holds no row. ``units`` lists how many vectors each chunk has (in the order of
    ``chunk_ids``), so that the dense index is assembled without reading the chunk files; None in entries written
    before it was kept (the chunk files tell)."""

    sha256: str
    source: str
    chunk_ids: list[str]
    meta: dict[str, Any]
    fingerprint: str = ""
    also_sources: list[dict[str, str]] = field(default_factory=list)
    vectors: bool = True
    units: list[int] | None = None


_ENTRY_FIELDS = tuple(ReportEntry.__dataclass_fields__)


@dataclass
class Manifest:
    embedder: dict[str, Any]
    analyzer: str
    reports: dict[str, ReportEntry] = field(default_factory=dict)
    chunking: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # path inside the generation → sha256
    # The folders indexed (absolute, resolved; none in indexes built before they were kept): a report file under one
    # has its path below it as id (see lawsearch.index.ids), also when it is added alone.
    roots: list[str] = field(default_factory=list)
    lexical: str = "whoosh"  # the lexical backend (lawsearch.search.backends); indexes made before it was kept are Whoosh
    format_version: int = FORMAT_VERSION
    lawsearch_version: str = __version__
    created: str = field(default_factory=utc_now)
    updated: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON data (sharing the entries' lists: a shallow copy, a hundred times faster than asdict's
        deep one on a manifest of thousands of reports)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["reports"] = {rid: {name: getattr(entry, name) for name in _ENTRY_FIELDS} for rid, entry in self.reports.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        fields = ReportEntry.__dataclass_fields__  # fields a later version adds are left out, not an error
        reports = {rid: ReportEntry(**{k: v for k, v in entry.items() if k in fields}) for rid, entry in data.get("reports", {}).items()}
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        return cls(**{**known, "reports": reports})

    def to_text(self) -> str:
        """What is written to disk: the fields as canonical JSON (keys sorted), then their checksum, which is the
        sha256 of that text, so that a reader checks the bytes it read instead of serialising them again."""
        body = _canonical_json(self.to_dict())
        return f'{body[:-1]}, "{MANIFEST_CHECKSUM}": "{_sha256_text(body)}"}}'

    @property
    def chunk_count(self) -> int:
        return sum(len(entry.chunk_ids) for entry in self.reports.values())

    @property
    def pending(self) -> list[str]:
        """The reports whose vectors are still to be made (``lawsearch embed``), sorted."""
        return sorted(rid for rid, entry in self.reports.items() if not entry.vectors)

    def coverage(self) -> dict[str, int]:
        """How far the dense side has got: ``{"reports": with vectors, "of": all, "chunks": …, "chunks_of": …}``."""
        embedded = [entry for entry in self.reports.values() if entry.vectors]
        return {
            "reports": len(embedded),
            "of": len(self.reports),
            "chunks": sum(len(entry.chunk_ids) for entry in embedded),
            "chunks_of": self.chunk_count,
        }


@dataclass
class Salvage:
    """What a generation whose manifest cannot be read still tells of itself, for a rebuild from the recorded report files.

    ``how`` says where ``sources`` (report id → recorded source) came from: the manifest's JSON, which may still parse
    with a wrong checksum, else the source paths found in its text. Either way only a source whose report id has a chunk
    file in the generation is taken, so a damaged path is left out rather than read as another report. ``held`` lists
    the report ids the generation's chunk files name (the chunk files and the Whoosh fields name report ids, never
    sources). ``embedder`` and ``chunking`` are what the damaged manifest says, unchecked; None where unreadable."""

    how: str
    sources: dict[str, str] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)
    embedder: dict[str, Any] | None = None
    chunking: dict[str, Any] | None = None
    relocated: dict[str, str] = field(default_factory=dict)  # report id → the damaged recorded path its file was found by
    roots: list[str] = field(default_factory=list)  # the indexed folders, when the damaged manifest still tells them

    @property
    def unsourced(self) -> list[str]:
        """Report ids the generation held whose source could not be recovered."""
        return sorted(set(self.held) - set(self.sources))


_SOURCE_IN_TEXT = re.compile(r'"source"\s*:\s*("(?:[^"\\]|\\.)*")')
_SHA_THEN_SOURCE = re.compile(r'"sha256"\s*:\s*"([0-9a-f]{64})"\s*,\s*"source"\s*:\s*("(?:[^"\\]|\\.)*")')  # a report's own entry


def _relocate(held: list[str], recorded: dict[str, str], sources: dict[str, str], hashes: dict[str, str]) -> dict[str, str]:
    """Report id → its file found again, for held reports whose recorded path is damaged (gone, or naming another
    report): the file named after the report id, with the recorded path's extension, in the folder of another recorded
    source, whose sha256 is the recorded one (so a damaged path is mended, never guessed)."""
    folders = sorted({str(Path(source).parent) for source in sources.values() if Path(source).is_file()})
    found = {}
    for report_id in held:
        expected, source = hashes.get(report_id), recorded.get(report_id)
        if expected is None or source is None or (report_id in sources and Path(source).exists()):
            continue
        for folder in folders:
            candidate = Path(folder) / f"{report_id}{Path(source).suffix}"
            try:
                if candidate.is_file() and file_sha256(candidate) == expected:
                    found[report_id] = str(candidate)
                    break
            except OSError:
                continue
    return found


_FLAT_VALUE: dict[type, str] = {dict: r"\{[^{}]*\}", list: r"\[[^\[\]{}]*\]"}  # a JSON object or list with nothing nested


def _flat_in_text(text: str, name: str, kind: type) -> Any:
    """A flat JSON object or list (``kind``) ``"name": …`` found in damaged JSON text, None when it is not there whole."""
    match = re.search(rf'"{re.escape(name)}"\s*:\s*({_FLAT_VALUE[kind]})', text)
    try:
        value = json.loads(match.group(1)) if match else None
    except ValueError:
        return None
    return value if isinstance(value, kind) else None


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def generation_files(generation: Path) -> list[str]:
    """The files of a generation that its manifest checksums: every file but the manifest and lock files."""
    found = []
    for folder, _, names in os.walk(generation):
        inside = os.path.relpath(folder, generation).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        found += [
            prefix + name
            for name in names
            if name != MANIFEST and not name.endswith((_LOCK_SUFFIX, ".tmp")) and os.path.isfile(os.path.join(folder, name))
        ]
    return sorted(found)


def write_generation_json(generation: Path, relative: str, data: Any) -> None:
    """Write (or replace, as a new file) a JSON file of a generation."""
    path = generation / relative
    path.unlink(missing_ok=True)  # break the hard link to the previous generation's file
    write_json(path, data)


def write_json(path: Path, data: Any) -> None:
    """Write JSON and flush it to disk."""
    write_text(path, json.dumps(data, ensure_ascii=False))  # in one piece: json.dump's chunked writes take five times as long


def write_text(path: Path, text: str) -> None:
    """Write ``text`` and flush it to disk."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON beside ``path`` and rename it into place: ``path`` is whole or absent, never half written."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` and rename it into place: ``path`` is whole or absent, never half written."""
    tmp = path.with_name(path.name + ".tmp")
    write_text(tmp, text)
    os.replace(tmp, path)


def _same_file(handle: Any, path: Path) -> bool:
    """Whether the open ``handle`` is still the file at ``path`` (not one removed, or replaced, since it was opened)."""
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except OSError:
        return False


class Lease:
    """A reader's shared hold on one generation: a shared flock on ``READERS/<generation>`` until ``release``.

    Writers delete a replaced generation only when they can lock its lease file exclusively, so an open
    reader (a server, a notebook) keeps reading the generation it opened however many commits follow.
    Where the lease file cannot be made (a read-only index) the reader holds none and relies on the grace period.
    """

    def __init__(self, path: Path, patience: float = 1.0) -> None:
        self._handle: Any = None
        self._path = path
        deadline = time.monotonic() + patience
        while self._handle is None and time.monotonic() < deadline:
            try:
                path.parent.mkdir(exist_ok=True)
                handle = path.open("a+")
            except OSError:
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:  # a writer deleting the generation, or the last reader removing the file: try again
                handle.close()
                time.sleep(0.01)
                continue
            if _same_file(handle, path):
                self._handle = handle
            else:  # locked a file that was removed meanwhile: it protects nothing
                handle.close()

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        """Release the hold; the last reader of a generation also removes its lease file."""
        if self._handle is not None:
            try:
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # no other reader holds it
                self._path.unlink(missing_ok=True)
            except OSError:
                pass
            self._handle.close()  # closing the file releases the lock
            self._handle = None


class IndexFolder:
    """One index folder on disk."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._stamps: dict[str, list[Any]] = {}  # of the generation this writer last verified or committed (VERIFIED)

    # -- the pointer ---------------------------------------------------------------------------------

    def pointer(self) -> tuple[str | None, str | None]:
        """``(generation name, None)`` when CURRENT names a generation with a manifest, else ``(None, problem)``;
        ``(None, None)`` when there is no CURRENT and no complete generation (no index, or a first build that died)."""
        name, problem, _ = self._pointer()
        return name, problem

    def _pointer(self) -> tuple[str | None, str | None, str]:
        """:meth:`pointer`, plus the kind of damage (a :class:`DamagedIndexError` kind): the manifest's when CURRENT
        names a generation folder that has no manifest file, else CURRENT's."""
        path = self.root / CURRENT
        kind = DamagedIndexError.CURRENT
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            complete = self.complete_generations()
            if not complete:
                return None, None, kind
            return None, f"{CURRENT} is missing but {len(complete)} complete generation(s) are there (newest {complete[-1].name})", kind
        except OSError as exc:
            return None, f"{CURRENT} cannot be read ({exc.strerror or exc})", kind
        try:
            name = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            return None, f"{CURRENT} is garbled (not text)", kind
        if not name:
            return None, f"{CURRENT} is empty", kind
        if self._number(name) is None:
            return None, f"{CURRENT} is garbled ({name[:40]!r} is not a generation name)", kind
        manifest = self.root / name / MANIFEST
        if not manifest.is_file():
            if self.named_generation() is not None:  # the folder is there: the manifest is what is damaged
                kind = DamagedIndexError.MANIFEST_UNPARSEABLE if manifest.exists() else DamagedIndexError.MANIFEST_MISSING
            return None, f"{CURRENT} names {name}, which has no {MANIFEST}", kind
        return name, None, kind

    def current(self) -> Path:
        """The committed generation folder; a clear error when there is no index here or CURRENT is damaged."""
        if not self.root.exists():
            raise IndexFolderError(f"no index at {self.root} (build one with: lawsearch index DIR --index {self.root})")
        name, problem, kind = self._pointer()
        if problem is not None:
            raise DamagedIndexError(self.root, problem, kind)
        if name is None:
            raise IndexFolderError(f"{self.root} is not a lawsearch index (no {CURRENT} file)")
        return self.root / name

    def named_generation(self) -> Path | None:
        """The generation folder CURRENT names, whether or not its manifest is there or readable; None when CURRENT is
        missing, unreadable, garbled or names no folder."""
        try:
            name = (self.root / CURRENT).read_bytes().decode("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        path = self.root / name
        return path if self._number(name) is not None and path.is_dir() and not path.is_symlink() else None

    def exists(self) -> bool:
        """Whether the folder holds an index (committed, or with a pointer that needs repair)."""
        return (self.root / CURRENT).exists() or bool(self.complete_generations())

    def point_to(self, generation: Path) -> None:
        """Make ``generation`` the committed one in one atomic rename."""
        pointer_tmp = self.root / f"{CURRENT}.tmp"
        pointer_tmp.write_text(generation.name, encoding="utf-8")
        with pointer_tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.root / CURRENT)
        self._fsync_dir()

    # -- manifests and checksums ----------------------------------------------------------------------

    def read_manifest(self, generation: Path | None = None, any_format: bool = False) -> Manifest:
        """The manifest of ``generation`` (default: the committed one). An older format is an error that says how
        to upgrade, unless ``any_format``. Damage (missing, not the manifest's JSON, not matching its checksum) is a
        DamagedIndexError of that kind; a manifest that cannot be read for now (permissions, an I/O error) is an
        IndexFolderError, which says nothing about damage."""
        generation = generation or self.current()
        path = generation / MANIFEST
        kind = DamagedIndexError.MANIFEST_UNPARSEABLE
        try:
            try:
                data = _checked_manifest_json(path.read_text(encoding="utf-8"))
            except _ChecksumMismatch:
                kind = DamagedIndexError.MANIFEST_CHECKSUM
                raise
            manifest = Manifest.from_dict(data)
            if not isinstance(manifest.embedder, dict) or not isinstance(manifest.reports, dict) or not isinstance(manifest.files, dict):
                raise ValueError("embedder, reports and files must be objects")
            if not isinstance(manifest.roots, list) or not all(isinstance(root, str) for root in manifest.roots):
                raise ValueError("roots must be a list of folders")
            if not isinstance(manifest.lexical, str):
                raise ValueError("lexical must name a backend")
        except FileNotFoundError:
            raise DamagedIndexError(self.root, f"{generation.name}/{MANIFEST} is missing", DamagedIndexError.MANIFEST_MISSING) from None
        except (IsADirectoryError, NotADirectoryError) as exc:  # something else in its place: damage, not a passing failure
            raise DamagedIndexError(self.root, f"{generation.name}/{MANIFEST} cannot be read ({exc.strerror or exc})", kind) from None
        except OSError as exc:  # EACCES, EIO …: nothing says the manifest is damaged, so nothing may be set aside for it
            raise IndexFolderError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise DamagedIndexError(self.root, f"{generation.name}/{MANIFEST} cannot be read ({type(exc).__name__}: {exc})", kind) from None
        if not any_format and manifest.format_version != FORMAT_VERSION:
            newer = isinstance(manifest.format_version, int) and manifest.format_version > FORMAT_VERSION
            if newer:
                raise IndexFolderError(
                    f"index {self.root} has format {manifest.format_version}, newer than this lawsearch reads "
                    f"({FORMAT_VERSION}): upgrade lawsearch"
                )
            raise IndexFolderError(
                f"index {self.root} has format {manifest.format_version}; this lawsearch reads format "
                f"{FORMAT_VERSION}: run `lawsearch index --upgrade --index {self.root}` (it re-reads the "
                "recorded report files and reuses the embedding cache)"
            )
        return manifest

    @staticmethod
    def damaged_files(generation: Path, manifest: Manifest, known: dict[str, list[Any]] | None = None) -> dict[str, str]:
        """Every file of ``generation`` against the checksums of its manifest: path inside the generation → what is
        wrong with it (empty when sound). With ``known`` (see ``VERIFIED``), a file whose inode, size and modification
        time it records with the expected checksum is not read; each file hashed and found right is added to it."""
        damage = {}
        for relative, expected in sorted(manifest.files.items()):
            try:
                if known is not None:
                    stat = os.stat(os.path.join(generation, relative))
                    stamp = [stat.st_size, stat.st_mtime_ns, expected]
                    if known.get(str(stat.st_ino)) == stamp:
                        continue
                actual = file_sha256(generation / relative)
                if known is not None and actual == expected:
                    known[str(stat.st_ino)] = stamp
            except FileNotFoundError:
                damage[relative] = "is missing"
                continue
            except OSError as exc:
                damage[relative] = f"cannot be read ({exc.strerror or exc})"
                continue
            if actual != expected:
                damage[relative] = "does not match its checksum"
        for relative in generation_files(generation):
            if relative not in manifest.files:
                damage[relative] = "is not listed in the manifest"
        return damage

    @staticmethod
    def report_file_owners(generation: Path, manifest: Manifest) -> dict[str, tuple[str, str]]:
        """Path inside the generation → (report id, "chunks" or "vectors") for every report file."""
        return {
            path.relative_to(generation).as_posix(): (report_id, kind)
            for report_id in manifest.reports
            for path, kind in zip(report_paths(generation, report_id), ("chunks", "vectors"), strict=True)
        }

    def read_generation_json(self, generation: Path, manifest: Manifest, relative: str) -> Any:
        """A JSON file of ``generation`` checked against its manifest's checksum; None when the generation has no
        such file (an index built before the file existed). Damage is a DamagedIndexError naming the file."""
        path = generation / relative
        expected = manifest.files.get(relative)
        try:
            data = path.read_bytes()
            if expected is None:
                problem = "is not listed in the manifest"
            elif hashlib.sha256(data).hexdigest() != expected:
                problem = "does not match its checksum"
            else:
                return json.loads(data.decode("utf-8"))
        except FileNotFoundError:
            if expected is None:
                return None
            problem = "is missing"
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            problem = f"cannot be read ({type(exc).__name__}: {exc})"
        raise DamagedIndexError(self.root, f"{generation.name}/{relative} {problem}")

    def report_files_problem(self, generation: Path, manifest: Manifest, report_id: str) -> str | None:
        """What is wrong with one report's chunk and vector files against the manifest's checksums; None when sound."""
        for path in report_paths(generation, report_id):
            relative = path.relative_to(generation).as_posix()
            expected = manifest.files.get(relative)
            try:
                if expected is None or file_sha256(path) != expected:
                    return f"{generation.name}/{relative} does not match the manifest"
            except OSError as exc:
                return f"{generation.name}/{relative} cannot be read ({exc.strerror or exc})"
        return None

    def salvage(self, generation: Path) -> Salvage:
        """What ``generation``'s unreadable manifest still tells (see Salvage); never raises for damage."""
        from .ids import id_endings

        held = held_report_ids(generation)
        try:
            text = (generation / MANIFEST).read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            return Salvage(how=f"nothing: its {MANIFEST} cannot be read ({exc.strerror or exc})", held=held)
        try:
            data = json.loads(text)
            reports = data["reports"] if isinstance(data, dict) else None
            if not isinstance(reports, dict):
                raise ValueError("no reports")
            sources: dict[str, str] = {}
            hashes: dict[str, str] = {}
            entries = [(rid, entry) for rid, entry in reports.items() if isinstance(entry, dict) and isinstance(entry.get("source"), str)]
            for keys in ((lambda rid, entry: [rid]), (lambda rid, entry: id_endings(entry["source"]))):
                for rid, entry in entries:  # each id its own source first; then the ids its path could give (the id damaged)
                    for key in keys(rid, entry):
                        sources.setdefault(key, entry["source"])
                        if isinstance(entry.get("sha256"), str):
                            hashes.setdefault(key, entry["sha256"])
            embedder, chunking, roots = data.get("embedder"), data.get("chunking"), data.get("roots")
            how = "its JSON, which still parses although its checksum does not match"
        except (ValueError, KeyError, TypeError, AttributeError):
            sources, hashes = {}, {}
            for match in _SHA_THEN_SOURCE.finditer(text):
                try:
                    for key in id_endings(json.loads(match.group(2))):
                        hashes.setdefault(key, match.group(1))
                except ValueError:
                    continue
            for match in _SOURCE_IN_TEXT.finditer(text):
                try:
                    source = json.loads(match.group(1))
                except ValueError:
                    continue
                for key in id_endings(source):  # a report's own source comes before its other sources
                    sources.setdefault(key, source)
            embedder, chunking = _flat_in_text(text, "embedder", dict), _flat_in_text(text, "chunking", dict)
            roots = _flat_in_text(text, "roots", list)
            how = "the source paths found in its text (its JSON does not parse)"
        held_set = set(held)
        recorded = sources
        sources = {rid: source for rid, source in recorded.items() if rid in held_set and rid in id_endings(source)}
        found = _relocate(held, recorded, sources, hashes)
        relocated = {rid: recorded[rid] for rid in found}
        return Salvage(
            how=how,
            sources={**sources, **found},
            held=held,
            embedder=embedder if isinstance(embedder, dict) else None,
            chunking=chunking if isinstance(chunking, dict) else None,
            relocated=relocated,
            roots=roots if isinstance(roots, list) and all(isinstance(root, str) for root in roots) else [],
        )

    def describe_damage(self, generation: Path, manifest: Manifest, damage: dict[str, str]) -> list[str]:
        """One line a damaged file, naming the report a report file belongs to."""
        owners = self.report_file_owners(generation, manifest)
        return [
            f"{generation.name}/{relative}"
            + (f" ({owners[relative][1]} of report {owners[relative][0]})" if relative in owners else "")
            + f" {what}"
            for relative, what in damage.items()
        ]

    def _known_files(self) -> dict[str, list[Any]]:
        """The stamps of files hashed right before (``VERIFIED``); empty when there are none or they cannot be read."""
        try:
            known = json.loads((self.root / VERIFIED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return known if isinstance(known, dict) else {}

    def _save_known(self, generation: Path, manifest: Manifest, known: dict[str, list[Any]]) -> None:
        """Keep the stamps of ``generation``'s files (only those: the file stays as small as one generation); they are
        also this writer's for the next commit it builds on ``generation``."""
        keep = {}
        for relative, expected in manifest.files.items():
            try:
                inode = str(os.stat(os.path.join(generation, relative)).st_ino)
            except OSError:
                continue
            if inode in known and known[inode][2] == expected:
                keep[inode] = known[inode]
        self._stamps = keep
        with suppress(OSError):  # only a cache: the next writer hashes what it cannot trust
            write_json_atomic(self.root / VERIFIED, keep)

    def verify(self, generation: Path, manifest: Manifest, known: dict[str, list[Any]] | None = None) -> list[str]:
        """Every file of ``generation`` against the checksums of its manifest: one problem a damaged file (empty when
        sound); ``known``: the stamps of files not to hash again (see :meth:`damaged_files`)."""
        return self.describe_damage(generation, manifest, self.damaged_files(generation, manifest, known))

    def verified_manifest(self, generation: Path, manifest: Manifest | None = None) -> Manifest:
        """The manifest of a generation whose files all match it; a damage error naming them otherwise.
        Writers call this before they build on a generation: a file hashed right before and unchanged since (inode, size,
        modification time; see ``VERIFIED``) is not hashed again, so an update of a large index reads only what changed.
        ``manifest``: the generation's, when the caller has just read it (with the writer lock held)."""
        manifest = manifest if manifest is not None else self.read_manifest(generation)
        known = self._known_files()
        problems = self.verify(generation, manifest, known)
        if not problems:
            self._stamps = known  # saved by the commit that builds on it: a writer that commits nothing writes nothing
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise DamagedIndexError(self.root, "; ".join(problems[:3]) + more)
        return manifest

    def describe(self, generation: Path | None = None) -> dict[str, Any]:
        """What ``lawsearch info`` shows: format, embedder, analyzer, counts, the years and kinds of the reports (with
        counts) and the reports."""
        from .holdings import holdings

        generation = generation or self.current()
        m = self.read_manifest(generation)
        held = holdings(m.reports.values())
        return {
            "index": str(self.root),
            "generation": generation.name,
            "format_version": m.format_version,
            "lawsearch_version": m.lawsearch_version,
            "embedder": m.embedder,
            "analyzer": m.analyzer,
            "lexical": m.lexical,
            "reports": len(m.reports),
            "chunks": m.chunk_count,
            "dense_coverage": m.coverage(),
            "vector_base": _vector_base_summary(generation, m),
            "created": m.created,
            "updated": m.updated,
            "years": held["years"],
            "kinds": held["kinds"],
            "report_list": [
                {
                    "id": rid,
                    "region": e.meta.get("region"),
                    "year": e.meta.get("year"),
                    "title": e.meta.get("title"),
                    "chunks": len(e.chunk_ids),
                    "sha256": e.sha256,
                    "source": e.source,
                    "also_sources": [item.get("source") for item in e.also_sources],
                }
                for rid, e in sorted(m.reports.items())
            ],
        }

    # -- generations ---------------------------------------------------------------------------------

    def open_current(self, open_generation: Callable[[Path, Manifest], _Opened], attempts: int = 3) -> _Opened:
        """``open_generation(generation, manifest)`` of the committed generation, tried again (up to ``attempts``
        times) when an IndexFolderError came while a writer replaced that generation: only an error of the generation
        still current is raised."""
        tried = 0
        while True:
            generation = self.current()
            try:
                return open_generation(generation, self.read_manifest(generation))
            except IndexFolderError:
                tried += 1
                if tried >= attempts or self.current() == generation:
                    raise  # damaged, not merely replaced by a writer while it was opened

    def lease(self, generation: Path) -> Lease:
        """Hold ``generation`` for reading until the lease is released (see Lease)."""
        return Lease(self.root / READERS / generation.name)

    def _delete_unread(self, generation: Path) -> bool:
        """Delete a generation unless a reader holds a lease on it; True when deleted."""
        lease = self.root / READERS / generation.name
        lease.parent.mkdir(exist_ok=True)
        with lease.open("a+") as handle:  # made if missing: a reader arriving now finds it locked, or finds it gone
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False
            shutil.rmtree(generation, ignore_errors=True)
            lease.unlink(missing_ok=True)
        return True

    @staticmethod
    def _number(name: str) -> int | None:
        number = name[len(_GEN_PREFIX) :]
        if name.startswith(_GEN_PREFIX) and len(number) == 6 and number.isdigit():
            return int(number)
        return None

    def _generations(self) -> dict[int, Path]:
        """Generation folders by number; anything else in the folder is not ours and is left alone."""
        found: dict[int, Path] = {}
        if not self.root.is_dir():
            return found
        for path in self.root.iterdir():
            number = self._number(path.name)
            if number is not None and path.is_dir() and not path.is_symlink():
                found[number] = path
        return found

    def generations_after(self, generation: Path) -> list[Path]:
        """Generation folders numbered above ``generation``."""
        number = self._number(generation.name) or 0
        return [path for n, path in sorted(self._generations().items()) if n > number]

    def complete_generations(self) -> list[Path]:
        """Generations that have a manifest, oldest first."""
        return [path for _, path in sorted(self._generations().items()) if (path / MANIFEST).is_file()]

    def check_writable(self) -> None:
        """Refuse to write an index into a folder that holds other things and no index."""
        if self.root.exists() and not self.root.is_dir():
            raise IndexFolderError(f"{self.root} is a file, not an index folder")
        if self.root.is_dir() and not self.exists():
            ours = (LOCK, READERS, VERIFIED, f"{CURRENT}.tmp", CACHE_FILE, f"{CACHE_FILE}-journal")  # a first build that died leaves these
            foreign = [p.name for p in self.root.iterdir() if p.name not in ours and not p.name.startswith(_GEN_PREFIX)]
            if foreign:
                raise IndexFolderError(
                    f"{self.root} is not empty and holds no lawsearch index ({', '.join(sorted(foreign)[:3])} …); choose another --index"
                )

    def new_generation(self, base: Path | None = None) -> Path:
        """The next generation folder: empty, or a copy of ``base`` made of hard links (manifest and locks excepted)."""
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self.root / f"{_GEN_PREFIX}{max(self._generations(), default=0) + 1:06d}"
        generation.mkdir()
        if base is not None:
            for relative in generation_files(base):
                source, target = base / relative, generation / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source, target)
                except OSError:  # a file system without hard links: copy
                    shutil.copy2(source, target)
        return generation

    def set_aside(self, generation: Path) -> Path:
        """Rename a damaged generation out of the way (kept, never deleted; no longer a generation to any writer)."""
        target = self.root / f"damaged-{generation.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        generation.rename(target)
        return target

    def discard(self, generation: Path) -> None:
        """Remove a generation this writer made and did not commit."""
        shutil.rmtree(generation, ignore_errors=True)

    def clear_unfinished(self) -> None:
        """Remove what crashed writers left (call with the writer lock held): generations without a manifest, and
        generations above the one a sound CURRENT names (never committed). With CURRENT damaged beside complete
        generations nothing is deleted: the damage error says how to repair."""
        name, problem, kind = self._pointer()
        if problem is not None:
            raise DamagedIndexError(self.root, problem, kind)
        current = (self._number(name) or 0) if name else 0  # a sound CURRENT names a generation by number
        for number, path in self._generations().items():
            if not (path / MANIFEST).is_file() or (name is not None and number > current):
                shutil.rmtree(path, ignore_errors=True)
        (self.root / f"{CURRENT}.tmp").unlink(missing_ok=True)

    def commit(
        self,
        generation: Path,
        manifest: Manifest,
        before_switch: Callable[[], None] | None = None,
        prune: bool = True,
        verified_base: tuple[Path, Manifest] | None = None,
    ) -> None:
        """Checksum the generation's files into its manifest, write the manifest (last, atomically) and make the
        generation the committed one in one atomic rename; then, with ``prune``, delete replaced generations.
        A file still hard-linked to a ``verified_base`` file keeps that file's checksum instead of being read again."""
        manifest.updated = utc_now()
        manifest.files = {relative: self._checksum(generation, relative, verified_base) for relative in generation_files(generation)}
        write_text_atomic(generation / MANIFEST, manifest.to_text())
        known = dict(self._stamps) if verified_base is not None else {}
        for relative, checksum in manifest.files.items():  # what this commit hashed, or took from its verified base
            with suppress(OSError):
                stat = os.stat(os.path.join(generation, relative))
                known[str(stat.st_ino)] = [stat.st_size, stat.st_mtime_ns, checksum]
        self._save_known(generation, manifest, known)
        if before_switch is not None:
            before_switch()
        self.point_to(generation)
        if prune:
            self.remove_stale_generations()

    @staticmethod
    def _checksum(generation: Path, relative: str, verified_base: tuple[Path, Manifest] | None) -> str:
        if verified_base is not None and relative in verified_base[1].files:
            try:
                if os.path.samefile(generation / relative, verified_base[0] / relative):
                    return verified_base[1].files[relative]
            except OSError:
                pass
        return file_sha256(generation / relative)

    def _fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove_stale_generations(self, grace: float = STALE_GRACE_SECONDS) -> None:
        """Delete replaced generations, except the one just before the committed one and any replaced less than
        ``grace`` seconds ago (a reader may be opening it); and unfinished ones (call with the writer lock held)."""
        name, problem = self.pointer()
        if name is None:
            return
        current = self._number(name) or 0
        generations = self._generations()
        committed = sorted(n for n in generations if n <= current and (generations[n] / MANIFEST).exists())
        now = time.time()
        for number, successor in zip(committed[:-2], committed[1:-1], strict=True):
            try:
                replaced_at = (generations[successor] / MANIFEST).stat().st_mtime
            except OSError:
                continue
            if now - replaced_at > grace:
                self._delete_unread(generations[number])
        for number in generations:
            if number > current or (number < current and number not in committed):
                shutil.rmtree(generations[number], ignore_errors=True)

    @contextmanager
    def writer_lock(self, timeout: float = 0.0) -> Iterator[None]:
        """Hold the one writer lock; wait up to ``timeout`` seconds, then fail with a clear message."""
        self.check_writable()
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK).open("a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexFolderError(
                            f"another lawsearch process is writing {self.root}; wait for it with --wait SECONDS "
                            "(e.g. --wait 600), or try again when it is done"
                        ) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _vector_base_summary(generation: Path, manifest: Manifest) -> dict[str, Any] | None:
    """What ``info`` says of the generation's vector base (:mod:`lawsearch.index.vector_base`): its kind, its vectors,
    those of reports since removed or changed (dead), and those read from report files at open; None without one."""
    from .vector_base import VectorBase

    try:
        base = VectorBase.read(generation)
    except ValueError as exc:
        return {"error": str(exc)}
    if base is None:
        return None
    alive = [report for report, live in zip(base.reports, base.live(manifest.reports), strict=True) if live]
    live = sum(report.rows for report in alive)
    covered = {report.report_id for report in alive}
    outside = sum(sum(entry.units or []) for rid, entry in manifest.reports.items() if entry.vectors and rid not in covered)
    return {"kind": base.kind, **base.search, "vectors": base.rows, "dead": base.rows - live, "from_report_files": outside}
