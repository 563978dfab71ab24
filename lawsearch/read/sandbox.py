"""Reading report files in worker processes, each file under a memory cap and a time limit.

PDF, Word and HTML files are parsed by large libraries (pdfium, python-docx with lxml, lexbor). A damaged or hostile
file can make them allocate without bound (pdfium aborts the process when an allocation fails) or run for hours. So
those files are read in a pool of worker processes (pebble): each worker's address space is capped (RLIMIT_AS),
each file gets a time limit that grows with its size, and a worker that runs past either is replaced. Such a file is
one :class:`~lawsearch.errors.ReportFileError` naming the limit; the other files are read as usual. Workers are
started once per pool and reused, so ordinary files pay no start-up cost each.

Plain text and Markdown are decoded in this process: reading them is linear in the file's size, which is capped.

>>> limits = ReadLimits(memory_mb=1024, seconds=10, seconds_per_mb=5)
>>> limits.seconds_for(2_000_000)
20.0
>>> with ReaderPool(limits) as pool:
...     [type(result).__name__ for _, result in pool.read(["seeds/000_e216814a7c54799f.txt", "nowhere.txt"])]
['Report', 'ReportFileError']
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LawsearchError, ReportFileError
from ..models import Report
from .files import DEFAULT_MAX_FILE_BYTES, DOCX_SUFFIXES, HTML_SUFFIXES, PDF_SUFFIXES, read_report

# Parsed by libraries that can blow up on hostile input: read in a worker process.
SANDBOXED_SUFFIXES = PDF_SUFFIXES + DOCX_SUFFIXES + HTML_SUFFIXES
DEFAULT_MEMORY_MB = 2048  # address space of one reading process; a 20 MB report PDF needs a few hundred MB
DEFAULT_SECONDS = 30.0  # any file may take this long …
DEFAULT_SECONDS_PER_MB = 10.0  # … plus this much per megabyte (a 1,000-page report PDF reads in about 10 s)
_POLL_SECONDS = 2.0  # how often a wait for a file checks that the pool is alive
_GRACE_SECONDS = 60.0  # past a file's time limit, how long to wait before taking the pool for hung
_FORMAT_NAMES = {**dict.fromkeys(PDF_SUFFIXES, "PDF"), **dict.fromkeys(DOCX_SUFFIXES, "Word"), **dict.fromkeys(HTML_SUFFIXES, "HTML")}


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost: ``memory_mb`` of address space, ``seconds`` plus ``seconds_per_mb`` per MB."""

    memory_mb: int = DEFAULT_MEMORY_MB
    seconds: float = DEFAULT_SECONDS
    seconds_per_mb: float = DEFAULT_SECONDS_PER_MB
    workers: int = 0  # reading processes; 0: one per core, at most 4

    def seconds_for(self, size: int) -> float:
        """The time limit for a file of ``size`` bytes."""
        return self.seconds + self.seconds_per_mb * size / 1_000_000

    def worker_count(self) -> int:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return self.workers if self.workers > 0 else max(1, min(4, cores))


def _start_worker(memory_bytes: int) -> None:
    """In each new worker: cap its address space (pebble's workers leave Ctrl-C to the parent, which stops them)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _read_in_worker(path: str, max_bytes: int, memory_mb: int) -> Report | ReportFileError:
    """Read one file in a worker; every failure comes back as a ReportFileError naming the file."""
    try:
        return read_report(path, max_bytes=max_bytes)
    except ReportFileError as exc:
        return exc
    except MemoryError:
        return ReportFileError(path, _over_memory(memory_mb))
    except RecursionError:
        return ReportFileError(path, f"not a readable {_format_of(path)} file (nested too deeply)")
    except Exception as exc:  # a library's own failure on a damaged file: one line for this file, not the run's end
        return ReportFileError(path, f"not a readable {_format_of(path)} file ({type(exc).__name__}: {exc})")


def _format_of(path: str | Path) -> str:
    return _FORMAT_NAMES.get(Path(path).suffix.lower(), "report")


def _over_memory(memory_mb: int) -> str:
    return f"reading it needed more than {memory_mb} MB of memory, the limit for one file (--read-memory-mb); a damaged or hostile file?"


def _crash_reason(exitcode: int | None, memory_mb: int) -> str:
    """Why a worker died while reading a file, from its exit code (minus a signal number)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode in (signal.SIGABRT, signal.SIGKILL):
            return f"the reader was killed by {name}, most likely on running past the {memory_mb} MB memory limit for one file (--read-memory-mb)"
        return f"the reader crashed ({name}): a damaged or hostile file?"
    return (
        f"the reader exited (code {exitcode}) before it finished: a damaged or hostile file, or past the {memory_mb} MB "
        "memory limit for one file (--read-memory-mb)?"
    )


class _PoolBroken(Exception):
    """The worker pool itself failed (not one file): start a new one and hand it the files still to read."""


class ReaderPool:
    """Reads report files; those of :data:`SANDBOXED_SUFFIXES` in worker processes under ``limits``.

    Use as a context manager; workers start on the first such file and stop on leaving (at once on an error)."""

    def __init__(self, limits: ReadLimits | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.limits = limits or ReadLimits()
        self.max_bytes = max_bytes
        self._pool: Any = None

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(at_once=exc_type is not None)

    def close(self, at_once: bool = False) -> None:
        """Stop the workers (``at_once``: without waiting for files being read)."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if at_once or not pool.active:
            pool.stop()
        else:
            pool.close()
        pool.join()

    def read(self, paths: Iterable[str | Path]) -> Iterator[tuple[Path, Report | ReportFileError]]:
        """``(path, report or the reason it cannot be read)`` for each path, in order. Sandboxed files are all
        handed to the workers first, so that they are read in parallel while this process decodes the others. Should
        the pool itself fail, a new one reads the files still pending; a file that fails two pools is given up."""
        files = [Path(p) for p in paths]
        pending = {index: self._submit(path) for index, path in enumerate(files) if path.suffix.lower() in SANDBOXED_SUFFIXES}
        retried: set[int] = set()
        for index, path in enumerate(files):
            if index not in pending:
                yield path, _read_here(path, self.max_bytes)
                continue
            while True:
                try:
                    result = self._outcome(path, *pending.pop(index))
                    break
                except _PoolBroken as exc:
                    self.close(at_once=True)
                    again = sorted(pending) if index in retried else sorted([index, *pending])
                    pending = {later: self._submit(files[later]) for later in again}  # in order, as before
                    if index in retried:
                        result = ReportFileError(path, f"the reading worker processes failed on it twice ({exc})")
                        break
                    retried.add(index)
            yield path, result

    def read_one(self, path: str | Path) -> Report:
        """One report; raises its ReportFileError."""
        [(_, result)] = self.read([path])
        if isinstance(result, ReportFileError):
            raise result
        return result

    def _submit(self, path: Path) -> tuple[Future, int]:
        """Hand ``path`` to a worker; the future of its result and the size its time limit was set by."""
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the worker says why it cannot be read
        seconds = self.limits.seconds_for(size)
        args = (str(path), self.max_bytes, self.limits.memory_mb)
        try:
            future = self._workers().schedule(_read_in_worker, args=args, timeout=seconds)
        except RuntimeError:  # the pool failed since it was started: a new one takes the file
            self.close(at_once=True)
            future = self._workers().schedule(_read_in_worker, args=args, timeout=seconds)
        return future, size

    def _outcome(self, path: Path, future: Future, size: int) -> Report | ReportFileError:
        """The file's result; raises _PoolBroken when the pool, not the file, failed."""
        from pebble import ProcessExpired

        seconds = self.limits.seconds_for(size)
        # Every file handed over before this one is done, so this one is being read or is read: pebble's own time
        # limit ends it; the deadline here only guards against a pool that stopped answering.
        deadline = time.monotonic() + seconds + _GRACE_SECONDS
        while True:
            try:
                return future.result(timeout=_POLL_SECONDS)
            except FutureTimeout:
                if future.done():  # pebble's time limit: it stopped the worker
                    return ReportFileError(
                        path,
                        f"reading it took longer than {seconds:g} s, the limit for a "
                        f"{size / 1_000_000:.1f} MB file ({self.limits.seconds:g} s + "
                        f"{self.limits.seconds_per_mb:g} s per MB; --read-timeout); a damaged or hostile file?",
                    )
                if not self._pool.active:
                    raise _PoolBroken("the pool stopped") from None
                if time.monotonic() > deadline:
                    raise _PoolBroken("no answer from the pool") from None
            except ProcessExpired as exc:
                return ReportFileError(path, _crash_reason(exc.exitcode, self.limits.memory_mb))
            except Exception as exc:  # BrokenProcessPool, or a result that could not be passed back
                if self._pool is None or not self._pool.active:
                    raise _PoolBroken(f"{type(exc).__name__}: {exc}") from None
                return ReportFileError(path, f"not a readable {_format_of(path)} file ({type(exc).__name__}: {exc})")

    def _workers(self) -> Any:
        if self._pool is None:
            try:
                from pebble import ProcessPool
            except ImportError as exc:  # pragma: no cover - a dependency of lawsearch
                raise LawsearchError(f"reading PDF, Word and HTML files needs the package pebble ({exc})") from None
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            self._pool = ProcessPool(
                max_workers=self.limits.worker_count(),
                initializer=_start_worker,
                initargs=(self.limits.memory_mb * 1024 * 1024,),
                context=context,
            )
        return self._pool


def _read_here(path: Path, max_bytes: int) -> Report | ReportFileError:
    try:
        return read_report(path, max_bytes=max_bytes)
    except ReportFileError as exc:
        return exc


def read_report_limited(path: str | Path, limits: ReadLimits | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Report:
    """One report file read as :class:`ReaderPool` reads it (a worker process for PDF, Word and HTML)."""
    with ReaderPool(limits, max_bytes) as pool:
        return pool.read_one(path)
