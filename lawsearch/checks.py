"""Argument checks for the public API, in one place.

Each check returns the value in the form the engine uses, or raises an ArgumentError (a LawsearchError, so the
CLI and the web show one line) that names the argument, the type and value given, and what is expected. bools are
not numbers here (``top_k=True`` is refused, not taken as 1).

>>> whole_number("top_k", 5, 1, 100)
5
>>> whole_number("top_k", 2.5, 1, 100)
Traceback (most recent call last):
...
lawsearch.errors.ArgumentError: top_k must be a whole number from 1 to 100, not float 2.5
>>> texts("region", ["滨江", "罗湖区"])
('滨江', '罗湖区')
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ArgumentError

_SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A value as a message shows it: its type and a short repr (``float 2.5``, ``bytes b'dir'``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - an int too long to print, a repr that fails: the type still says enough
        return f"{type(value).__name__} (too long to show)"
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return f"{type(value).__name__} {text}"


def is_whole_number(value: Any) -> bool:
    """An int (or numpy integer), but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def whole_number(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int within ``low``–``high`` (no upper bound when None)."""
    expected = f"a whole number from {low} to {high}" if high is not None else f"a whole number {low} or more"
    if not is_whole_number(value) or value < low or (high is not None and value > high):
        raise ArgumentError(f"{name} must be {expected}, not {shown(value)}")
    return int(value)


def real_number(name: str, value: Any, low: float, high: float) -> float:
    """``value`` (an int or float, not a bool nor NaN) as a float within ``low``–``high``."""
    # typeshed's numbers.Real declares __lt__ and __le__ but not __ge__, so ``low <= value`` looks unsupported to mypy
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) or not low <= value <= high:  # type: ignore[operator]
        raise ArgumentError(f"{name} must be a number from {low:g} to {high:g}, not {shown(value)}")
    return float(value)


def flag(name: str, value: Any) -> bool:
    """``value``, which must be True or False."""
    if not isinstance(value, bool):
        raise ArgumentError(f"{name} must be True or False, not {shown(value)}")
    return value


def text(name: str, value: Any, what: str = "text (str)") -> str:
    """``value``, which must be a str."""
    if not isinstance(value, str):
        raise ArgumentError(f"{name} must be {what}, not {shown(value)}")
    return value


def optional_text(name: str, value: Any) -> str | None:
    """``value``, which must be a str or None."""
    return None if value is None else text(name, value, "text (str) or None")


def choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """``value``, which must be one of ``choices`` (``unknown mode 'fuzzy'; choose one of …`` otherwise)."""
    names = ", ".join(choices)
    if not isinstance(value, str):
        raise ArgumentError(f"{name} must be one of {names}, not {shown(value)}")
    if value not in choices:
        raise ArgumentError(f"unknown {name} {value!r}; choose one of {names}")
    return value


def values(name: str, value: Any, what: str) -> tuple[Any, ...]:
    """One value or an iterable of them as a tuple (None: none); ``what`` names one value in the message."""
    if value is None:
        return ()
    if isinstance(value, (str, numbers.Number)):
        return (value,)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise ArgumentError(f"{name} must be {what} or a list of them, not {shown(value)}")
    try:
        return tuple(value)
    except TypeError:
        raise ArgumentError(f"{name} must be {what} or a list of them, not {shown(value)}") from None


def texts(name: str, value: Any) -> tuple[str, ...]:
    """A str or an iterable of str as a tuple (None: empty)."""
    found = values(name, value, "text (str)")
    for item in found:
        if not isinstance(item, str):
            holding = "" if item is value else f" holding {shown(item)}"
            raise ArgumentError(f"{name} must be text (str) or a list of them, not {shown(value)}{holding}")
    return found


def path(name: str, value: Any) -> Path:
    """A path given as str or os.PathLike; bytes (and a PathLike of bytes) are decoded as the OS does (os.fsdecode)."""
    if isinstance(value, (str, bytes, os.PathLike)):
        try:
            decoded = os.fsdecode(value)
        except TypeError:  # a PathLike whose __fspath__ returns neither str nor bytes
            decoded = None
        if decoded is not None:
            if "\x00" in decoded:
                raise ArgumentError(f"{name} must not contain a NUL character, not {shown(value)}")
            return Path(decoded)
    raise ArgumentError(f"{name} must be a path (str or os.PathLike), not {shown(value)}")


def optional_path(name: str, value: Any) -> Path | None:
    """A path as ``path`` reads it, or None."""
    return None if value is None else path(name, value)


def paths(name: str, given: tuple[Any, ...], call: str) -> list[Path]:
    """The paths of a ``*paths`` argument; a list passed as one argument is refused with how to pass several."""
    found = []
    for value in given:
        if not isinstance(value, (str, bytes, bytearray, memoryview, os.PathLike)) and isinstance(value, Iterable):
            raise ArgumentError(
                f"{name} must each be a path (str or os.PathLike), not {shown(value)}; pass several as {call}(a, b) or {call}(*paths)"
            )
        found.append(path(name, value))
    return found


def identifiers(name: str, given: tuple[Any, ...], call: str) -> list[str]:
    """The ids of a ``*ids`` argument, each a str; a list passed as one argument is refused with how to pass several."""
    for value in given:
        if not isinstance(value, str):
            several = isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray, memoryview))
            hint = f"; pass several as {call}(a, b) or {call}(*ids)" if several else ""
            raise ArgumentError(f"{name} must each be text (str), not {shown(value)}{hint}")
    return list(given)
