"""An embedding cache keyed by (embedder, text hash), so that no passage is embedded twice.

It lives beside the generations of an index (``indexes/<name>/embeddings.sqlite``) and survives
rebuilds, re-chunking and added reports. Only passage vectors are cached.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import numpy as np

    from .embed import Embedder

CACHE_FILE = "embeddings.sqlite"


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


class EmbeddingCache:
    """SQLite table (embedder key, text hash) → float32 vector bytes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (embedder TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (embedder, text_hash))"
        )
        self._db.commit()

    def get_many(self, embedder: str, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i:i + 500]
            rows = self._db.execute(
                f"SELECT text_hash, vector FROM vectors WHERE embedder = ? AND text_hash IN ({','.join('?' * len(part))})",
                [embedder, *part],
            )
            found.update(rows.fetchall())
        return found

    def put_many(self, embedder: str, items: dict[str, bytes]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(embedder, h, v) for h, v in items.items()])
        self._db.commit()

    def count(self, embedder: str | None = None) -> int:
        if embedder is None:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        return int(self._db.execute("SELECT COUNT(*) FROM vectors WHERE embedder = ?", (embedder,)).fetchone()[0])

    def close(self) -> None:
        self._db.close()


def embed_passages_cached(embedder: "Embedder", texts: Sequence[str], cache: EmbeddingCache | None, *,
                          batch_size: int, progress: bool = False, stats: EmbedStats | None = None) -> "np.ndarray":
    """Vectors of ``texts`` in order: from the cache where there, embedded (once per distinct text) otherwise."""
    import numpy as np

    stats = stats if stats is not None else EmbedStats()
    key = embedder.spec.cache_key
    dim = embedder.spec.dim
    hashes = [text_hash(t) for t in texts]
    known = cache.get_many(key, hashes) if cache is not None else {}
    missing = {h: t for h, t in zip(hashes, texts) if h not in known}
    stats.texts += len(texts)
    stats.cached += sum(1 for h in hashes if h in known)
    stats.embedded += len(missing)
    bar: Any = None
    if progress and missing:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="embedding", unit="passage")
    items = list(missing.items())
    started = time.perf_counter()
    for i in range(0, len(items), batch_size):
        batch = items[i:i + batch_size]
        vectors = np.ascontiguousarray(embedder.embed_passages([t for _, t in batch]), dtype=np.float32)
        fresh = {h: vectors[j].tobytes() for j, (h, _) in enumerate(batch)}
        known.update(fresh)
        if cache is not None:
            cache.put_many(key, fresh)
        if bar is not None:
            bar.update(len(batch))
    stats.seconds += time.perf_counter() - started
    if bar is not None:
        bar.close()
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([np.frombuffer(known[h], dtype=np.float32) for h in hashes])
