"""Joining the lines a layout wrapped (PDF lines, manual line breaks in Word, lines of a table cell) back into one.

>>> join_wrapped(["全面推进", "依法行政", "GDP", "2025"])
'全面推进依法行政GDP 2025'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def join_wrapped(pieces: Iterable[str]) -> str:
    """``pieces`` joined without a space (Chinese wraps anywhere), but with one between two ASCII letters or digits,
    where wrapping split words; empty pieces are skipped."""
    parts: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if parts and _ASCII_WORD.match(parts[-1][-1]) and _ASCII_WORD.match(piece[0]):
            parts.append(" ")
        parts.append(piece)
    return "".join(parts)
