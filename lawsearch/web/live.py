"""The index a server searches: opened once and kept warm, swapped when a writer commits a new generation.

Each request takes the current engine with ``use()``. At most every ``check_every`` seconds a request looks at
CURRENT; when it names a newer generation, that one is opened and warmed (the embedder is shared, not loaded
again) and becomes current; the engine it replaces is closed when the last request using it is done. Every
open engine holds a lease on its generation (:class:`lawsearch.index.folder.Lease`), so a writer never deletes a
generation a request is still reading. When the new generation cannot be opened (damaged, another model that
cannot be loaded) the server keeps answering from the one it has, says so once in its log, and waits for the
next commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..engine import LawSearch
from ..errors import EmbedderError
from ..index.folder import IndexFolder
from ..index.shardset import ShardSet, is_shard_set
from ..search.fanout import DEFAULT_SHARD_TIMEOUT
from ..search.sharded import open_index

log = logging.getLogger("lawsearch.serve")


class LiveIndex:
    """A warm, current engine for concurrent requests (see the module docstring)."""

    def __init__(
        self,
        index_dir: str | Path,
        check_every: float = 1.0,
        warm: bool = True,
        ray: str | None = None,
        shard_timeout: float = DEFAULT_SHARD_TIMEOUT,
    ) -> None:
        self.folder = IndexFolder(index_dir)
        # What names the committed state: CURRENT, or for a shard set every shard's (lawsearch.search.sharded)
        self._pointer = ShardSet.read(index_dir).pointer if is_shard_set(index_dir) else self.folder.pointer
        self._ray, self._shard_timeout = ray, shard_timeout
        self.check_every = check_every
        self._warm = warm
        self._lock = threading.Lock()  # guards the engine and the users count
        self._reloading = threading.Lock()  # one reopen at a time; other requests keep the current engine
        self._engine = self._prepare(open_index(index_dir, ray=ray, timeout=shard_timeout))
        self._users: dict[int, int] = {id(self._engine): 0}
        self._retired: dict[int, LawSearch] = {}
        self._checked = time.monotonic()
        self._failed_generation: str | None = None

    @property
    def engine(self) -> LawSearch:
        """The current engine (for what does not search: counts, metadata)."""
        return self._engine

    @contextmanager
    def use(self) -> Iterator[LawSearch]:
        """The current engine, held for the length of one request."""
        self._refresh()
        with self._lock:
            engine = self._engine
            self._users[id(engine)] = self._users.get(id(engine), 0) + 1
        try:
            yield engine
        finally:
            with self._lock:
                self._users[id(engine)] -= 1
                if id(engine) in self._retired and self._users[id(engine)] == 0:
                    self._close(engine)

    def close(self) -> None:
        """Close every engine (at server shutdown)."""
        with self._lock:
            for engine in [self._engine, *self._retired.values()]:
                engine.close()
            self._retired.clear()

    def _prepare(self, engine: LawSearch) -> LawSearch:
        return engine.warm() if self._warm else engine

    def _close(self, engine: LawSearch) -> None:
        del self._retired[id(engine)], self._users[id(engine)]
        engine.close()

    def _refresh(self) -> None:
        """Swap in a newer committed generation, if there is one and it is time to look."""
        now = time.monotonic()
        if now - self._checked < self.check_every or not self._reloading.acquire(blocking=False):
            return
        try:
            self._checked = now
            name, problem = self._pointer()
            if problem is not None or name is None or name in (self._engine.generation.name, self._failed_generation):
                return  # nothing new, or a generation that failed to open (a generation's files never change)
            fresh = self._open_with_shared_embedder(name)
            if fresh is None:
                return
            with self._lock:
                old, self._engine = self._engine, fresh
                self._users[id(fresh)] = 0
                self._retired[id(old)] = old
                if self._users[id(old)] == 0:
                    self._close(old)
            log.info("now searching %s (%d reports)", fresh.generation.name, len(fresh.manifest.reports))
        finally:
            self._reloading.release()

    def _open_with_shared_embedder(self, name: str) -> LawSearch | None:
        """The committed generation (``name``, as CURRENT said), opened and warmed; None, logged, when it cannot be."""
        current = self._engine
        fresh = None
        try:
            try:
                fresh = open_index(self.folder.root, embedder=current._embedder, ray=self._ray, timeout=self._shard_timeout)
            except EmbedderError:  # rebuilt with another model: load that one
                fresh = open_index(self.folder.root, ray=self._ray, timeout=self._shard_timeout)
            return self._prepare(fresh)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the server keeps answering from the current one
            if fresh is not None:
                fresh.close()
            log.warning("keeping %s: %s cannot be opened: %s: %s", current.generation.name, name, type(exc).__name__, exc)
            self._failed_generation = name
            return None
