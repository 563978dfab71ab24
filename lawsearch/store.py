"""The index folder: generations of index files, a manifest, an atomic switch and a writer lock.

Layout of ``indexes/<name>/``::

    CURRENT              name of the committed generation, replaced atomically (os.replace)
    LOCK                 held by the one writer
    embeddings.sqlite    passage vectors by (model, text hash), shared by all generations
    gen-000007/          manifest.json, lexical/ (Whoosh + query vocabulary),
                         reports/<report id>.json (chunks) and reports/<report id>.npy (their vectors)

A writer makes the next generation from the committed one out of hard links (cost: one link per
file, no data copied), changes only what the update touches — new Whoosh segments, the files of
added or replaced reports — and then switches CURRENT. Files are never changed in place, so the
committed generation stays intact: a reader sees the old index or the new one, never a mix, and a
crash at any point leaves the last committed index; the next writer clears the unfinished one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__
from .cache import CACHE_FILE
from .errors import IndexFolderError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
REPORTS_DIR = "reports"
_NOT_SHARED = {MANIFEST, "lexical/MAIN_WRITELOCK"}  # paths inside a generation that a new one does not take over
CURRENT = "CURRENT"
LOCK = "LOCK"
_GEN_PREFIX = "gen-"
# A replaced generation stays this long, so that a reader who read CURRENT just before a commit still finds it.
STALE_GRACE_SECONDS = 60.0


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ReportEntry:
    """What the manifest keeps of one indexed report."""

    sha256: str
    source: str
    chunk_ids: list[str]
    meta: dict[str, Any]


@dataclass
class Manifest:
    embedder: dict[str, Any]
    analyzer: str
    reports: dict[str, ReportEntry] = field(default_factory=dict)
    chunking: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    lawsearch_version: str = __version__
    created: str = field(default_factory=utc_now)
    updated: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Manifest":
        reports = {rid: ReportEntry(**entry) for rid, entry in data.get("reports", {}).items()}
        return cls(**{**data, "reports": reports})

    @property
    def chunk_count(self) -> int:
        return sum(len(entry.chunk_ids) for entry in self.reports.values())


def report_paths(generation: Path, report_id: str) -> tuple[Path, Path]:
    """The chunk file and the vector file of one report in a generation."""
    folder = generation / REPORTS_DIR
    return folder / f"{report_id}.json", folder / f"{report_id}.npy"


def write_report_files(generation: Path, report_id: str, chunks: list[dict[str, Any]], vectors: Any) -> None:
    """Write (or replace, as new files) one report's chunks and vectors."""
    import numpy as np

    chunk_path, vector_path = report_paths(generation, report_id)
    chunk_path.parent.mkdir(parents=True, exist_ok=True)
    for path in (chunk_path, vector_path):
        path.unlink(missing_ok=True)  # break the hard link to the previous generation's file
    write_json(chunk_path, chunks)
    with vector_path.open("wb") as handle:
        np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32))
        handle.flush()
        os.fsync(handle.fileno())


def read_report_files(generation: Path, report_id: str) -> tuple[list[dict[str, Any]], Any]:
    import numpy as np

    chunk_path, vector_path = report_paths(generation, report_id)
    return json.loads(chunk_path.read_text(encoding="utf-8")), np.load(vector_path)


def remove_report_files(generation: Path, report_id: str) -> None:
    for path in report_paths(generation, report_id):
        path.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON and flush it to disk."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


class IndexFolder:
    """One index folder on disk."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def current(self) -> Path:
        """The committed generation folder; a clear error when there is no index here."""
        pointer = self.root / CURRENT
        if not self.root.exists():
            raise IndexFolderError(f"no index at {self.root} (build one with: lawsearch index DIR --index {self.root})")
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexFolderError(f"{self.root} is not a lawsearch index (no {CURRENT} file)") from None
        except OSError as exc:
            raise IndexFolderError(f"cannot read index {self.root}: {exc.strerror or exc}") from None
        generation = self.root / name
        if not (generation / MANIFEST).is_file():
            raise IndexFolderError(f"index {self.root} is damaged: generation {name} has no {MANIFEST}")
        return generation

    def exists(self) -> bool:
        return (self.root / CURRENT).is_file()

    def read_manifest(self, generation: Path | None = None) -> Manifest:
        generation = generation or self.current()
        try:
            data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            manifest = Manifest.from_dict(data)
            if not isinstance(manifest.embedder, dict) or not isinstance(manifest.reports, dict):
                raise ValueError("embedder and reports must be objects")
        except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise IndexFolderError(f"cannot read {generation / MANIFEST}: {type(exc).__name__}: {exc}") from None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexFolderError(f"index {self.root} has format {manifest.format_version}; this lawsearch reads format {FORMAT_VERSION} (rebuild it)")
        return manifest

    def describe(self, generation: Path | None = None) -> dict[str, Any]:
        """What ``lawsearch info`` shows: format, embedder, analyzer, counts and the reports."""
        generation = generation or self.current()
        m = self.read_manifest(generation)
        return {
            "index": str(self.root),
            "generation": generation.name,
            "format_version": m.format_version,
            "lawsearch_version": m.lawsearch_version,
            "embedder": m.embedder,
            "analyzer": m.analyzer,
            "reports": len(m.reports),
            "chunks": m.chunk_count,
            "created": m.created,
            "updated": m.updated,
            "report_list": [
                {"id": rid, "region": e.meta.get("region"), "year": e.meta.get("year"), "title": e.meta.get("title"),
                 "chunks": len(e.chunk_ids), "sha256": e.sha256, "source": e.source}
                for rid, e in sorted(m.reports.items())
            ],
        }

    def _generations(self) -> dict[int, Path]:
        """Generation folders by number; anything else in the folder is not ours and is left alone."""
        found = {}
        for path in self.root.glob(f"{_GEN_PREFIX}*"):
            number = path.name[len(_GEN_PREFIX):]
            if path.is_dir() and len(number) == 6 and number.isdigit():
                found[int(number)] = path
        return found

    def check_writable(self) -> None:
        """Refuse to write an index into a folder that holds other things and no index."""
        if self.root.exists() and not self.root.is_dir():
            raise IndexFolderError(f"{self.root} is a file, not an index folder")
        if self.root.is_dir() and not self.exists():
            ours = (LOCK, f"{CURRENT}.tmp", CACHE_FILE, f"{CACHE_FILE}-journal")  # a first build that died leaves these
            foreign = [p.name for p in self.root.iterdir() if p.name not in ours and not p.name.startswith(_GEN_PREFIX)]
            if foreign:
                raise IndexFolderError(f"{self.root} is not empty and holds no lawsearch index ({', '.join(sorted(foreign)[:3])} …); choose another --index")

    def new_generation(self, base: Path | None = None) -> Path:
        """The next generation folder: empty, or a copy of ``base`` made of hard links (the manifest excepted)."""
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self.root / f"{_GEN_PREFIX}{max(self._generations(), default=0) + 1:06d}"
        generation.mkdir()
        if base is not None:
            for source in base.rglob("*"):
                target = generation / source.relative_to(base)
                if source.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                elif source.relative_to(base).as_posix() not in _NOT_SHARED:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(source, target)
                    except OSError:  # a file system without hard links: copy
                        shutil.copy2(source, target)
        return generation

    def clear_unfinished(self) -> None:
        """Remove generations a crashed writer left beyond the committed one (call with the writer lock held)."""
        current = self._current_number()
        for number, path in self._generations().items():
            if number > current:
                shutil.rmtree(path, ignore_errors=True)

    def _current_number(self) -> int:
        try:
            return int((self.root / CURRENT).read_text(encoding="utf-8").strip()[len(_GEN_PREFIX):])
        except (OSError, ValueError):
            return 0

    def commit(self, generation: Path, manifest: Manifest, before_switch: Callable[[], None] | None = None) -> None:
        """Write the manifest into ``generation`` and make it the committed one in one atomic rename."""
        manifest.updated = utc_now()
        write_json(generation / MANIFEST, manifest.to_dict())
        if before_switch is not None:
            before_switch()
        pointer_tmp = self.root / f"{CURRENT}.tmp"
        pointer_tmp.write_text(generation.name, encoding="utf-8")
        with pointer_tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.root / CURRENT)
        self._fsync_dir()
        self.remove_stale_generations()

    def _fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove_stale_generations(self, grace: float = STALE_GRACE_SECONDS) -> None:
        """Delete replaced generations, except the one just before the committed one and any replaced less than
        ``grace`` seconds ago (a reader may be opening it); and unfinished ones (call with the writer lock held)."""
        current = self._current_number()
        generations = self._generations()
        committed = sorted(n for n in generations if n <= current and (generations[n] / MANIFEST).exists())
        now = time.time()
        for number, successor in zip(committed[:-2], committed[1:-1], strict=True):
            try:
                replaced_at = (generations[successor] / MANIFEST).stat().st_mtime
            except OSError:
                continue
            if now - replaced_at > grace:
                shutil.rmtree(generations[number], ignore_errors=True)
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
                        raise IndexFolderError(f"another lawsearch process is writing {self.root}; try again when it is done") from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
