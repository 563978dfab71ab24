"""The shards of a shard set as Ray actors: ``lawsearch search/serve --index SET --ray [ADDRESS]``,
``ShardedSearch.open(SET, ray=ADDRESS)``.

Each shard is opened by one actor (:class:`~lawsearch.search.shard_service.ShardService`), spread over the cluster's
nodes; the coordinator (:class:`~lawsearch.search.sharded.ShardedSearch`, where the command runs) asks them all at
once and waits until the deadline. An actor reads its shard from disk: the set's folder must be at the same path on
the node it runs on (a shared file system, or a cluster of this machine).

An actor whose process dies fails the call in progress at once (the search names its shard and answers from the
others) and is restarted by Ray, which opens its shard again: the next search has it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any, ClassVar

from ..index.shardset import ShardSet
from ..search.fanout import ShardCalls, failed, too_slow
from ..search.shard_service import ShardService
from .ray_build import LOCAL, RaySession

# What an actor reserves of a node's CPUs: shards wait for questions most of the time, and several share a core.
SHARD_CPUS = 0.25
# How often Ray restarts a shard's actor whose process died (each time opening its shard again).
RESTARTS = 3


class RayShards(ShardCalls):
    """One actor per shard on the Ray cluster at ``address`` (``local``: one started on this machine's cores).

    A server opens the set again when a shard commits, and closes the old one once its last request is done: the
    connection (and a local cluster) stays as long as any set of this process is open (``_open``)."""

    _open: ClassVar[int] = 0

    def __init__(self, shards: ShardSet, address: str = LOCAL, service: type[ShardService] = ShardService) -> None:
        self.names = shards.names
        self._session = RaySession(address)
        ray = self._session.ray
        actor = ray.remote(num_cpus=SHARD_CPUS, max_restarts=RESTARTS, max_task_retries=0, scheduling_strategy="SPREAD")(service)
        self._actors = [actor.remote(str(path), name) for path, name in zip(shards.paths, shards.names, strict=True)]
        RayShards._open += 1

    def call(self, method: str, args: Mapping[int, tuple[Any, ...]], timeout: float) -> tuple[dict[int, Any], dict[int, str]]:
        ray = self._session.ray
        refs = {number: getattr(self._actors[number], method).remote(*arguments) for number, arguments in args.items()}
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=max(timeout, 0.0)) if refs else ([], [])
        done = set(ready)
        answers: dict[int, Any] = {}
        failures: dict[int, str] = {}
        for number, ref in refs.items():
            if ref not in done:
                failures[number] = too_slow(timeout)
                continue
            try:
                answers[number] = ray.get(ref)
            except ray.exceptions.RayActorError:
                failures[number] = "lost its worker (the process died; Ray starts it again)"
            except ray.exceptions.RayTaskError as exc:
                failures[number] = failed(getattr(exc, "cause", None) or exc)
            except ray.exceptions.RayError as exc:
                failures[number] = f"failed on the cluster ({type(exc).__name__})"
        return answers, failures

    def close(self) -> None:
        if not self._actors:
            return
        ray = self._session.ray
        for actor in self._actors:
            with suppress(Exception):  # an actor already gone
                ray.kill(actor)
        self._actors = []
        RayShards._open -= 1
        if not RayShards._open:
            self._session.close()
