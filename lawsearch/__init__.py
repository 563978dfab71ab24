"""lawsearch: search Chinese government rule-of-law reports by heading, lexically and by embedding.

>>> from lawsearch import LawSearch      # imported on first use, so ``import lawsearch`` stays light
>>> from lawsearch import open_index     # one index or a shard set (ShardedSearch), whichever the folder holds
"""

from typing import Any

from ._version import __version__

__all__ = ["LawSearch", "Results", "ShardedSearch", "__version__", "open_index"]


def __getattr__(name: str) -> Any:
    if name == "LawSearch":
        from .engine import LawSearch

        return LawSearch
    if name in ("ShardedSearch", "open_index"):
        from .search import sharded

        return getattr(sharded, name)
    if name == "Results":
        from .search.results import Results

        return Results
    raise AttributeError(f"module 'lawsearch' has no attribute {name!r}")
