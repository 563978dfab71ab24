"""Which index folder a command or ``LawSearch.open()`` means when none is named.

Given none, an index is looked for in ``$LAWSEARCH_INDEX``, then in ``./indexes/default``; the error names every
path tried. A build with no folder named writes to ``$LAWSEARCH_INDEX`` when set, else ``./indexes/default``.
A folder is named by a str or os.PathLike; bytes are decoded as the OS does (``os.fsdecode``); anything else is an
ArgumentError.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..checks import optional_path
from ..errors import IndexFolderError

INDEX_ENV = "LAWSEARCH_INDEX"
DEFAULT_INDEX = Path("indexes/default")


def index_target(index_dir: str | os.PathLike[str] | bytes | None = None) -> Path:
    """Where a build writes: ``index_dir``, else ``$LAWSEARCH_INDEX``, else ``./indexes/default``."""
    given = optional_path("index_dir", index_dir)
    if given is not None:
        return given
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def find_index(index_dir: str | os.PathLike[str] | bytes | None = None) -> Path:
    """The index to read: ``index_dir`` as given (its own errors say what is wrong with it), else the first of
    ``$LAWSEARCH_INDEX`` and ``./indexes/default`` that holds an index; an IndexFolderError naming both otherwise."""
    from .folder import IndexFolder

    given = optional_path("index_dir", index_dir)
    if given is not None:
        return given
    env = os.environ.get(INDEX_ENV)
    candidates = ([(Path(env), f"${INDEX_ENV}")] if env else []) + [(DEFAULT_INDEX, "the default")]
    for path, _ in candidates:
        if IndexFolder(path).exists():
            return path
    tried = [f"{path.absolute()} ({label})" for path, label in candidates]
    unset = "" if env else f"; ${INDEX_ENV} is not set"
    raise IndexFolderError(
        f"no index found: tried {' and '.join(tried)}{unset}. Build one with `lawsearch index DIR`, "
        f"or name it with --index DIR (LawSearch.open(DIR)) or ${INDEX_ENV}"
    )
