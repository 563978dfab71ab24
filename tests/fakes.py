"""A tiny deterministic encoder for storage and fusion tests — never evidence that search works."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from lawsearch.embed import EmbedderSpec
from lawsearch.search.shard_service import ShardService


class HashEmbedder:
    """Bag of character bigrams hashed into 64 dimensions, L2-normalised."""

    dim = 64
    spec = EmbedderSpec(
        kind="test", name="hash-bigrams-64", path=None, revision="v1", dim=64, normalized=True, query_prefix="", passage_prefix=""
    )
    id = spec.id

    def __init__(self) -> None:
        self.passages_embedded = 0

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for i in range(len(text) - 1):
                out[row, int(hashlib.md5(text[i : i + 2].encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_embedded += len(texts)
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


class DyingEmbedder(HashEmbedder):
    """HashEmbedder whose process dies (``os._exit``) on embedding while ``deaths`` (a folder) holds fewer than ``times``
    files: a worker of a cluster killed in the middle of a build. Each death leaves a file there."""

    def __init__(self, deaths: str, times: int) -> None:
        super().__init__()
        self.deaths = deaths
        self.times = times

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        import os
        from pathlib import Path

        dead = sorted(Path(self.deaths).iterdir())
        if len(dead) < self.times:
            (Path(self.deaths) / f"death-{len(dead)}-{os.getpid()}").touch()
            os._exit(1)
        return super().embed_passages(texts)


class DyingShard(ShardService):
    """A shard whose process dies (``os._exit``) while retrieving, as long as its folder holds ``die.txt``: a worker of
    a cluster killed in the middle of a search."""

    def retrieve(self, *args: Any) -> Any:
        import os

        if (self.path / "die.txt").exists():
            os._exit(1)
        return super().retrieve(*args)
