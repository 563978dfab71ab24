"""Query strings of the page and the API, checked: a value lawsearch cannot use is a BadRequest naming it.

The raw query string is decoded as strict UTF-8 (a browser percent-encodes UTF-8): bytes that are not UTF-8
are refused rather than searched as U+FFFD. Filters may repeat (``region=滨江&region=罗湖``): several values
of one are alternatives, as on the command line.

>>> request = search_request(b"q=%E8%B0%83%E8%A7%A3&k=5&region=%E6%BB%A8%E6%B1%9F&region=&region=a%E3%80%81b")
>>> request.query, request.top_k, request.region
('调解', 5, ('滨江', 'a', 'b'))
>>> search_request(b"q=%B5%F7").query
Traceback (most recent call last):
...
lawsearch.web.params.BadRequest: q is not UTF-8 text (percent-encode the query's UTF-8 bytes)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..engine import DEFAULT_MODE, MODES

MAX_K = 100
DEFAULT_K = 10
DEFAULT_PAGE_K = 20
MAX_QUERY_STRING_BYTES = 64 * 1024
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


class BadRequest(ValueError):
    """A request that cannot be served as asked; the message says which parameter and why."""


def parse_query_string(raw: bytes) -> dict[str, list[str]]:
    """Parameter → its values, in order; a BadRequest when the string is too long or a value is not UTF-8."""
    if len(raw) > MAX_QUERY_STRING_BYTES:
        raise BadRequest(f"the query string is {len(raw):,} bytes; at most {MAX_QUERY_STRING_BYTES:,} are read")
    values: dict[str, list[str]] = {}
    for part in raw.split(b"&"):
        name_bytes, _, value_bytes = part.partition(b"=")
        try:
            pairs = parse_qsl(part.decode("ascii", "strict"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            name = name_bytes.decode("ascii", "replace")
            raise BadRequest(f"{name} is not UTF-8 text (percent-encode the query's UTF-8 bytes)") from None
        for name, value in pairs:
            values.setdefault(name, []).append(value)
    return values


@dataclass(frozen=True)
class SearchRequest:
    """What one search asks for (the keyword arguments of ``LawSearch.search``, and how to show it)."""

    query: str
    mode: str = DEFAULT_MODE
    top_k: int = DEFAULT_K
    region: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    by_region: bool = False
    explain: bool = False

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``LawSearch.search``."""
        return {
            "mode": self.mode,
            "top_k": self.top_k,
            "region": self.region or None,
            "year": self.year or None,
            "kind": self.kind or None,
            "level": self.level or None,
            "by_region": self.by_region,
        }


def _one(values: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    given = values.get(name)
    return given[-1] if given else default


def _flag(values: dict[str, list[str]], name: str) -> bool:
    value = (_one(values, name, "") or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise BadRequest(f"{name} must be true or false, got {value!r}")


def _many(values: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """Every value of a repeatable parameter; one field may also list several (滨江、罗湖 or 滨江, 罗湖)."""
    return tuple(dict.fromkeys(part for value in values.get(name, []) for part in _LIST_SEPARATORS.split(value) if part))


def search_request(raw: bytes, default_k: int = DEFAULT_K, require_query: bool = True) -> SearchRequest:
    """The search a query string asks for; a BadRequest for an unknown mode, a ``k`` that is not 1–MAX_K, a ``q``
    that is missing or not UTF-8. An over-long ``q`` is not refused: the engine cuts it and the answer says so."""
    values = parse_query_string(raw)
    query = _one(values, "q", "") or ""
    if require_query and not query.strip():
        raise BadRequest("q is missing: give the question to search, e.g. ?q=调解员联盟")
    mode = _one(values, "mode", DEFAULT_MODE) or DEFAULT_MODE
    if mode not in MODES:
        raise BadRequest(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    k_text = _one(values, "k", str(default_k)) or str(default_k)
    try:
        top_k = int(k_text)
    except ValueError:
        raise BadRequest(f"k must be a whole number, got {k_text!r}") from None
    if not 1 <= top_k <= MAX_K:
        raise BadRequest(f"k must be between 1 and {MAX_K}, got {top_k}")
    return SearchRequest(
        query=query,
        mode=mode,
        top_k=top_k,
        region=_many(values, "region"),
        year=_many(values, "year"),
        kind=_many(values, "kind"),
        level=_many(values, "level"),
        by_region=_flag(values, "by_region"),
        explain=_flag(values, "explain"),
    )
