"""Snippets: the window of a chunk where the query terms cluster, with the terms marked.

A snippet is a list of ``(segment, marked)`` parts. For data (JSON) it is plain text plus the character offsets
of its marked spans — never markup, so a report's ``<script>`` stays text; for people it is escaped HTML
(the web page, notebooks) or colour (terminal).

>>> parts_marks(snippet_parts("全省首创建立企业HR调解员联盟,招聘兼职调解员。", ["调解员联盟"], width=20))
('…建立企业HR调解员联盟,招聘兼职调解员。', [(7, 12)])
>>> parts_html(snippet_parts("a<b>调解员</b>", ["调解员"]))
'a&lt;b&gt;<mark>调解员</mark>&lt;/b&gt;'
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Sequence

DEFAULT_WIDTH = 120


def _matches(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the terms, longest terms first."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    taken = bytearray(len(lowered))  # characters inside a span already kept: checking them is linear in the text
    # One-character words (件, 局) would be marked inside every longer word that holds them.
    for term in sorted({t.lower() for t in terms if len(t.strip()) > 1}, key=len, reverse=True):
        for m in re.finditer(re.escape(term), lowered):
            if not any(taken[m.start() : m.end()]):
                spans.append((m.start(), m.end()))
                taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # adjacent words (调解员|联盟) read as one mark
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


Part = tuple[str, bool]


def snippet_parts(text: str, terms: Sequence[str], width: int = DEFAULT_WIDTH) -> list[Part]:
    """About ``width`` characters of ``text`` around the densest cluster of ``terms``, as (segment, marked) parts."""
    text = " ".join(text.split())
    spans = _matches(text, terms)
    if len(text) <= width:
        start, end = 0, len(text)
    elif not spans:
        start, end = 0, width
    else:
        lowered = text.lower()
        ends = [e for _, e in spans]

        def richness(i: int) -> tuple[int, int]:
            inside = spans[i : bisect_right(ends, spans[i][0] + width)]  # spans are sorted and do not overlap
            return len({lowered[s:e] for s, e in inside}), sum(e - s for s, e in inside)

        best = max(range(len(spans)), key=richness)
        start = max(0, min(spans[best][0] - width // 4, len(text) - width))
        end = start + width
    parts: list[Part] = [("…", False)] if start > 0 else []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        parts += [(text[cursor:s], False), (text[s:e], True)]
        cursor = e
    parts.append((text[cursor:end], False))
    if end < len(text):
        parts.append(("…", False))
    return [(segment, marked) for segment, marked in parts if segment]


def parts_marks(parts: Sequence[Part]) -> tuple[str, list[tuple[int, int]]]:
    """Parts as plain text and the ``(start, end)`` offsets of their marked segments in it (``text[start:end]`` is
    a marked segment; offsets count characters, i.e. Unicode code points, as Python indexes a str).

    >>> parts_marks([("a<b>", False), ("调解", True), ("。", False)])
    ('a<b>调解。', [(4, 6)])
    """
    text, marks, at = [], [], 0
    for segment, marked in parts:
        if marked:
            marks.append((at, at + len(segment)))
        text.append(segment)
        at += len(segment)
    return "".join(text), marks


def parts_html(parts: Sequence[Part]) -> str:
    """Parts as HTML: every segment escaped, marked ones in ``<mark>``."""
    return "".join(f"<mark>{html.escape(seg)}</mark>" if marked else html.escape(seg) for seg, marked in parts)
