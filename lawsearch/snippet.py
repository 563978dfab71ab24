"""Snippets: the window of a chunk where the query terms cluster, with the terms marked ``<mark>…</mark>``.

>>> make_snippet("全省首创建立企业HR调解员联盟,招聘兼职调解员。", ["调解员联盟"], width=20)
'…建立企业HR<mark>调解员联盟</mark>,招聘兼职调解员。'
"""

from __future__ import annotations

import re
from typing import Sequence

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
DEFAULT_WIDTH = 120


def _matches(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the terms, longest terms first."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for term in sorted({t.lower() for t in terms if t.strip()}, key=len, reverse=True):
        for m in re.finditer(re.escape(term), lowered):
            if all(m.end() <= s or m.start() >= e for s, e in spans):
                spans.append((m.start(), m.end()))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # adjacent words (调解员|联盟) read as one mark
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, terms: Sequence[str], width: int = DEFAULT_WIDTH) -> str:
    """About ``width`` characters of ``text`` around the densest cluster of ``terms``, marked."""
    text = " ".join(text.split())
    spans = _matches(text, terms)
    if len(text) <= width:
        start, end = 0, len(text)
    elif not spans:
        start, end = 0, width
    else:
        lowered = text.lower()

        def richness(i: int) -> tuple[int, int]:
            inside = [(s, e) for s, e in spans[i:] if e <= spans[i][0] + width]
            return len({lowered[s:e] for s, e in inside}), sum(e - s for s, e in inside)

        best = max(range(len(spans)), key=richness)
        start = max(0, min(spans[best][0] - width // 4, len(text) - width))
        end = start + width
    out, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(text[cursor:s] + MARK_OPEN + text[s:e] + MARK_CLOSE)
        cursor = e
    out.append(text[cursor:end])
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
