"""The lexical backends an index can be built with, and how to open one: Whoosh (pure Python, the default) or tantivy
(Rust, about three times faster to build at thousands of reports). Both index the same jieba and bigram analysis and
score nearly alike (see :mod:`lawsearch.search.tantivy_index`); an index records its backend in its manifest.

>>> lexical_class("whoosh").__name__
'LexicalIndex'
>>> lexical_class("solr")
Traceback (most recent call last):
...
ValueError: unknown lexical backend 'solr' (known: whoosh, tantivy)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ArgumentError
from .lexical import LEXICAL_DIR, LexicalIndex

if TYPE_CHECKING:
    from .tantivy_index import TantivyIndex

    AnyLexicalIndex = LexicalIndex | TantivyIndex

LEXICAL_BACKENDS = ("whoosh", "tantivy")
LEXICAL_ENV = "LAWSEARCH_LEXICAL"  # the backend of new indexes when none is given (the test suite runs on both)


def default_lexical() -> str:
    """The backend of a new index when none is given: ``$LAWSEARCH_LEXICAL``, else Whoosh."""
    backend = os.environ.get(LEXICAL_ENV) or "whoosh"
    if backend not in LEXICAL_BACKENDS:
        raise ArgumentError(f"{LEXICAL_ENV}={backend!r} is no lexical backend (known: {', '.join(LEXICAL_BACKENDS)})")
    return backend


def lexical_class(backend: str) -> type[LexicalIndex] | type[TantivyIndex]:
    """The index class of ``backend`` (tantivy imported only when asked for)."""
    if backend == "whoosh":
        return LexicalIndex
    if backend == "tantivy":
        from .tantivy_index import TantivyIndex

        return TantivyIndex
    raise ValueError(f"unknown lexical backend {backend!r} (known: {', '.join(LEXICAL_BACKENDS)})")


def lexical_backend_of(generation: Path) -> str:
    """The backend whose files ``generation``'s lexical folder holds, for a generation whose manifest is lost: tantivy
    keeps a ``meta.json``, Whoosh a table of contents (``_MAIN_*.toc``); the default when neither is left."""
    folder = generation / LEXICAL_DIR
    if (folder / "meta.json").is_file():
        return "tantivy"
    return "whoosh" if any(folder.glob("_MAIN_*.toc")) else default_lexical()


def open_lexical(generation: Path, backend: str, create: bool = False) -> AnyLexicalIndex:
    """The lexical index of ``generation`` (its ``lexical/`` folder), made empty first with ``create``."""
    cls = lexical_class(backend)
    folder = generation / LEXICAL_DIR
    return cls.create(folder) if create else cls.open(folder)
