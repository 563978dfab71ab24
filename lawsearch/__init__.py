"""lawsearch: search Chinese government rule-of-law reports by heading, lexically and by embedding.

>>> from lawsearch import LawSearch      # imported on first use, so ``import lawsearch`` stays light
"""

from typing import Any

from ._version import __version__

__all__ = ["LawSearch", "Results", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "LawSearch":
        from .engine import LawSearch

        return LawSearch
    if name == "Results":
        from .search.results import Results

        return Results
    raise AttributeError(f"module 'lawsearch' has no attribute {name!r}")
