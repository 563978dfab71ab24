"""Splitting a cleaned report into chunks that keep their heading path.

Each non-empty line is a paragraph. Headings (see :mod:`lawsearch.read.headings`) open and close
sections on a stack; every paragraph is filed under the headings open above it. Paragraphs longer
than ``max_chars`` split at sentence ends; paragraphs shorter than ``min_chars`` merge with a
neighbour under the same heading. A chunk's text is an exact slice of the cleaned text, and the
chunks together with the standalone heading lines cover all of it.

>>> chunks = chunk_text("r1", "一、总体情况\\n(一)学法\\n全年学法7次。")
>>> chunks[0].heading_path, chunks[0].text
(('一、总体情况', '(一)学法'), '全年学法7次。')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..models import Chunk
from .headings import TITLE_RANK, Heading, is_appendix_marker, is_unnumbered_heading, lead_sentence, parse_heading, signature_size

DEFAULT_MAX_CHARS = 500
# An appendix (附件1) closes every numbered section; lead sentences sit below every numbered heading.
APPENDIX_RANK = 0.5
LEAD_RANK = 9.75  # not a whole number: numbered ranks are
DEFAULT_MIN_CHARS = 80
# A long report splits into a few hundred chunks; tens of thousands (a log or a database dump that passed screening)
# would take hours to embed, so a report of more is refused with its figure.
DEFAULT_MAX_CHUNKS = 20_000

_SENTENCE = re.compile(r"[^。！？!?；;]*(?:[。！？!?；;]+[”’\"」』）)]*|$)")
_CLAUSE = re.compile(r"[^，,、：:]*(?:[，,、：:]+|$)")


@dataclass
class _Section:
    heading: Heading
    start: int
    end: int
    has_content: bool = False


@dataclass(frozen=True)
class _Span:
    path: tuple[str, ...]
    start: int
    end: int


def chunk_id(report_id: str, ordinal: int) -> str:
    """Stable id of a report's n-th chunk, e.g. ``000_e216814a7c54799f#007``."""
    return f"{report_id}#{ordinal:03d}"


def _lines_with_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line, surrounding spaces excluded."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((match.start() + lead, match.start() + len(line.rstrip())))
    return spans


def _paragraphs(text: str, styled_headings: dict[str, int] | None = None) -> list[_Span]:
    """Body paragraphs with their heading paths; a heading with nothing under it becomes its own paragraph.
    ``styled_headings`` are lines the document styles as headings (text → level, 1 outermost)."""
    styled_headings = styled_headings or {}
    lines = _lines_with_offsets(text)
    body_end = len(lines) - signature_size([text[s:e] for s, e in lines])
    stack: list[_Section] = []
    spans: list[_Span] = []
    seen_numbered = False

    def close(section: _Section) -> None:
        if not section.has_content:
            path = tuple(s.heading.text for s in stack) + (section.heading.text,)
            spans.append(_Span(path, section.start, section.end))

    def path() -> tuple[str, ...]:
        for section in stack:
            section.has_content = True
        return tuple(s.heading.text for s in stack)

    texts = [text[s:e] for s, e in lines]
    parsed = [parse_heading(line) for line in texts]
    candidate = [heading is None and is_unnumbered_heading(line) for heading, line in zip(parsed, texts, strict=True)]
    leads = _lead_headings(texts, parsed)
    consumed: set[int] = set()
    for index, (start, end) in enumerate(lines):
        line = texts[index]
        if index in consumed:
            continue
        if index >= body_end:  # the signature belongs to the whole report, not to the last section
            while stack:
                close(stack.pop())
            spans.append(_Span((), start, end))
            continue
        heading = parsed[index] or leads.get(index)
        if heading is None and line in styled_headings:
            heading = Heading(rank=styled_headings[line], text=line, inline=False)
        if heading is None and is_appendix_marker(line):
            heading = Heading(rank=APPENDIX_RANK, text=line, inline=False)
            if index + 1 < body_end and candidate[index + 1]:  # 附件1 / 名词解释: the appendix's own title joins it
                heading = Heading(rank=APPENDIX_RANK, text=f"{line} {texts[index + 1]}", inline=False)
                end = lines[index + 1][1]
                consumed.add(index + 1)
        if heading is None and candidate[index] and _stands_alone(candidate, index, body_end, seen_numbered):
            numbered = [s.heading.rank for s in stack if s.heading.rank == int(s.heading.rank) and s.heading.rank != TITLE_RANK]
            rank = numbered[-1] + 0.5 if seen_numbered and numbered else TITLE_RANK
            heading = Heading(rank=rank, text=line, inline=False)
        if heading is None:
            spans.append(_Span(path(), start, end))
            continue
        seen_numbered = seen_numbered or heading.rank != TITLE_RANK
        numbered_heading = parsed[index] is not None
        while stack and (stack[-1].heading.rank >= heading.rank or (numbered_heading and _is_subheading(stack[-1].heading))):
            close(stack.pop())
        stack.append(_Section(heading, start, end))
        if heading.inline:
            spans.append(_Span(path(), start, end))
    while stack:
        close(stack.pop())
    spans.sort(key=lambda span: span.start)
    return spans


def _is_subheading(heading: Heading) -> bool:
    """An unnumbered heading inside a numbered section (rank 1.5, 2.5 …): a topic of its own, never the parent of
    the numbered headings that follow it."""
    return heading.rank > 1 and heading.rank % 1 == 0.5


def _lead_headings(texts: list[str], parsed: list[Heading | None]) -> dict[int, Heading]:
    """Lead sentences that act as run-in headings: a paragraph's short first sentence, where the paragraph before or
    after it is led the same way (one such paragraph alone is just a short sentence)."""
    leads = {i: lead for i, line in enumerate(texts) if parsed[i] is None and (lead := lead_sentence(line))}
    return {i: Heading(rank=LEAD_RANK, text=lead, inline=True) for i, lead in leads.items() if i - 1 in leads or i + 1 in leads}


def _stands_alone(candidate: list[bool], index: int, body_end: int, in_body: bool) -> bool:
    """An unnumbered short line is a heading when it stands alone: in the body, neither neighbour is another
    such line (a run of short lines is a list or a table, not headings) and body text follows it."""
    if not in_body:
        return True
    before = index > 0 and candidate[index - 1]
    after = index + 1 < body_end and candidate[index + 1]
    return not before and not after and index + 1 < body_end


def _merge_short(spans: list[_Span], min_chars: int, max_chars: int) -> list[_Span]:
    merged: list[_Span] = []
    for span in spans:
        if merged:
            last = merged[-1]
            short = (last.end - last.start) < min_chars or (span.end - span.start) < min_chars
            if last.path == span.path and short and span.end - last.start <= max_chars:
                merged[-1] = _Span(last.path, last.start, span.end)
                continue
        merged.append(span)
    return merged


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in pattern.finditer(text, 0, end - start) if m.end() > m.start()]


def _split_long(text: str, span: _Span, max_chars: int) -> list[_Span]:
    """Split a span longer than ``max_chars`` at sentence ends (then clause ends, then hard) into near-equal parts."""
    length = span.end - span.start
    if length <= max_chars:
        return [span]
    local = text[span.start : span.end]
    units: list[tuple[int, int]] = []
    for s, e in _pieces(local, span.start, span.end, _SENTENCE):
        if e - s <= max_chars:
            units.append((s, e))
            continue
        for cs, ce in _pieces(text[s:e], s, e, _CLAUSE):
            units.extend((i, min(i + max_chars, ce)) for i in range(cs, ce, max_chars))
    target = length / math.ceil(length / max_chars)
    parts: list[_Span] = []
    part_start = units[0][0]
    part_end = part_start
    for s, e in units:
        if part_end > part_start and (e - part_start > max_chars or part_end - part_start >= target):
            parts.append(_Span(span.path, part_start, part_end))
            part_start = s
        part_end = e
    parts.append(_Span(span.path, part_start, part_end))
    return [_strip(text, p) for p in parts if text[p.start : p.end].strip()]


def _strip(text: str, span: _Span) -> _Span:
    piece = text[span.start : span.end]
    lead = len(piece) - len(piece.lstrip())
    return _Span(span.path, span.start + lead, span.start + len(piece.rstrip()))


def chunk_text(
    report_id: str,
    text: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_chars: int = DEFAULT_MIN_CHARS,
    styled_headings: dict[str, int] | None = None,
) -> list[Chunk]:
    """Chunks of one cleaned report text, in reading order (``styled_headings``: see :func:`_paragraphs`)."""
    if max_chars < 20:
        raise ValueError(f"max_chars must be at least 20, got {max_chars}")
    spans = _merge_short(_paragraphs(text, styled_headings), min_chars, max_chars)
    spans = [part for span in spans for part in _split_long(text, span, max_chars)]
    return [
        Chunk(
            id=chunk_id(report_id, ordinal),
            report_id=report_id,
            ordinal=ordinal,
            heading_path=span.path,
            text=text[span.start : span.end],
            start=span.start,
            end=span.end,
        )
        for ordinal, span in enumerate(spans)
    ]
