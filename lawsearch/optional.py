"""Libraries only some features need, imported when used, with an error that says how to install them."""

from __future__ import annotations

from typing import Any

from .errors import LawsearchError


def pandas() -> Any:
    """The pandas module, for ``to_dataframe``; a LawsearchError naming the extra to install when it is missing."""
    try:
        import pandas
    except ImportError:
        raise LawsearchError("to_dataframe needs pandas, which is not installed: pip install 'lawsearch[pandas]'") from None
    return pandas


def ray() -> Any:
    """The ray module, for ``--ray``; a LawsearchError naming the extra to install when it is missing."""
    try:
        import ray
    except ImportError:
        raise LawsearchError("--ray needs Ray, which is not installed: pip install 'lawsearch[ray]'") from None
    return ray
