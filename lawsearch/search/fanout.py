"""Asking every shard of a shard set at once, with a deadline: in this process (:class:`LocalShards`, threads) or on a
Ray cluster (:class:`lawsearch.cluster.ray_shards.RayShards`, one actor a shard).

A call sends each shard its own arguments and waits until all have answered or the deadline has passed; it returns
the answers and, for each shard that did not answer, why (it failed, its worker died, it was too slow). A shard too
slow is left to finish on its own: nothing waits for it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from .shard_service import ShardService

# How long each of a search's rounds waits for the shards, in seconds.
DEFAULT_SHARD_TIMEOUT = 30.0
# Calls one shard in this process answers at once (a server's searches run side by side).
THREADS_PER_SHARD = 4


class ShardCalls(ABC):
    """The shards of a set, each behind a :class:`~lawsearch.search.shard_service.ShardService`."""

    names: tuple[str, ...]

    @abstractmethod
    def call(self, method: str, args: Mapping[int, tuple[Any, ...]], timeout: float) -> tuple[dict[int, Any], dict[int, str]]:
        """``(answers, failures)``: ``method`` of each shard numbered in ``args``, with its arguments, by shard number;
        a shard that raised, died or did not answer within ``timeout`` seconds is in ``failures`` with the reason."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the shards."""


def too_slow(timeout: float) -> str:
    return f"did not answer within {timeout:g} s"


def failed(error: BaseException) -> str:
    """Why a shard failed, as a note says it: ``failed (NotFoundError: no report 'x')``."""
    first = str(error).splitlines()[0] if str(error) else ""
    return f"failed ({type(error).__name__}: {first})"


class LocalShards(ShardCalls):
    """Every shard opened in this process, each asked on threads of its own: a shard stuck in a call holds up no other."""

    def __init__(self, paths: list[Path], names: tuple[str, ...], service: type[ShardService] = ShardService) -> None:
        self.names = names
        self._pools = [ThreadPoolExecutor(max_workers=THREADS_PER_SHARD, thread_name_prefix=f"lawsearch-{name}") for name in names]
        opened = [pool.submit(service, path, name) for pool, path, name in zip(self._pools, paths, names, strict=True)]
        self._services: list[ShardService] = []
        try:
            for future in opened:
                self._services.append(future.result())
        except BaseException:
            for future in opened:
                if future.done() and future.exception() is None:
                    future.result().close()
            self._shutdown()
            raise

    def call(self, method: str, args: Mapping[int, tuple[Any, ...]], timeout: float) -> tuple[dict[int, Any], dict[int, str]]:
        futures = {
            number: self._pools[number].submit(getattr(self._services[number], method), *arguments) for number, arguments in args.items()
        }
        wait(futures.values(), timeout=max(timeout, 0.0))
        answers: dict[int, Any] = {}
        failures: dict[int, str] = {}
        for number, future in futures.items():
            if not future.done():
                future.cancel()
                failures[number] = too_slow(timeout)
            elif (error := future.exception()) is not None:
                failures[number] = failed(error)
            else:
                answers[number] = future.result()
        return answers, failures

    def close(self) -> None:
        for service in self._services:
            service.close()
        self._shutdown()

    def _shutdown(self) -> None:
        for pool in self._pools:
            pool.shutdown(wait=False, cancel_futures=True)
