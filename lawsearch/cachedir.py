"""The per-user cache folder of lawsearch: jieba's dictionary cache and the fingerprints of model folders."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/lawsearch``, or ``~/.cache/lawsearch`` without it (never /tmp, which other users share)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lawsearch"
