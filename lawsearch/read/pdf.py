"""Text of a PDF report with pypdfium2: lines rebuilt from pdfium's characters, page chrome dropped, wrapped lines
joined back into paragraphs by their geometry.

Paragraph rule (see :func:`_ends_paragraph`): a line ends its paragraph when it stops short of the text column's
right edge, when the next line starts a numbered heading (一、 （一） 1. （1） 第一章 …), or when a clearly larger gap
follows it; a line with a column-wide gap inside (a table row, a tabbed line) stands alone. Otherwise a full line is
continued, unless the layout says a paragraph starts: in a document whose paragraphs open with an indent, an indented
next line starts one (punctuation is not consulted: a sentence may end exactly at the margin inside a paragraph); in
a document with space between paragraphs, only a gap does; in a document with neither, a full line ends its
paragraph when it ends in 。！？；：… . Joined lines meet without a space, except between two ASCII letters/digits.
The column edges, character size and line step are measured over the whole document.

Tables come as lines: the text layer holds characters and their places, no table structure, so a printed table is
its rows as they are laid out, each row a line of its own (its cells apart by a space where a column gap separates
them), and never read with its column headers as the Markdown, HTML and Word readers read a table
(:mod:`lawsearch.read.tables`): a header guessed from gaps would pair values with the wrong labels where cells wrap
or span columns.

Page numbers (— 3 —, - 3 -, 第3页, 第 3 页 共 10 页, 3/10, a bare 3) and running headers/footers (a short line that recurs,
digits aside, at the top or bottom of most pages) are removed; only the outermost lines of a page are considered.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EmptyReportError, ReportFileError
from .wrap import join_wrapped

_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page may be page chrome
_MAX_CHROME_CHARS = 40  # a running header/footer is short
_MAX_PAGE_CHARS = 100_000  # a dense A4 page in a small font holds about 10,000
_MAX_DOCUMENT_CHARS = 5_000_000  # a long report holds a few hundred thousand; each character read costs memory
_MIN_TEXT_CHARS = 20  # fewer visible characters than this in the whole PDF: no text layer
_FULL_LINE_SLACK_EMS = 2.0  # a line ending within this many character widths of the right edge is full
_INDENT_MIN_EMS = 0.5  # a line starting this far right of the left edge is indented
_INDENT_MAX_EMS = 4.0  # … and a first-line indent is at most this deep
_HABIT_SHARE = 0.05  # share of lines with a first-line indent (or of line steps with a gap) that marks a habit
_EDGE_SUPPORT_SHARE = 0.03  # share of lines that must agree on a column edge
_PARAGRAPH_GAP_EMS = 0.3  # a line step this many character heights …
_PARAGRAPH_GAP_SHARE = 0.15  # … or this share longer than the usual one (whichever is more) ends a paragraph
_COLUMN_GAP_EMS = 1.5  # an empty stretch this many characters wide inside a line separates table columns

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~～_·•\s]*\d{1,4}[-—–－~～_·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?)$"
)
_HAN_NUMERAL = "一二三四五六七八九十百零〇两"
_NUMBERED_HEADING = re.compile(
    rf"^(?:[{_HAN_NUMERAL}]+[、．.]"
    rf"|[（(][{_HAN_NUMERAL}]+[)）]"
    r"|\d{1,3}[.．、](?!\d)"
    r"|[（(]\d{1,3}[)）]"
    rf"|第[{_HAN_NUMERAL}\d]+[章节条部篇])"
)
_TERMINAL_PUNCTUATION = "。！？；：…!?;:"
_SPACES = " \t\u3000\u00a0"
_GAP = "\x00"  # stands for a space pdfium generated, until _resolve_gaps decides on it


Box = tuple[float, float, float, float]  # left, bottom, right, top


@dataclass(frozen=True)
class _Line:
    """One line of text as pdfium laid it out; coordinates in points, origin bottom-left."""

    text: str
    left: float
    right: float
    top: float
    bottom: float
    page: int
    lead: float = 0.0  # width of the leading ASCII run (a number, a word) that wrapping moved here whole
    tabular: bool = False  # has a gap as wide as a table column or tab stop: a row, not a line of prose

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class _Layout:
    """What the body lines of a document share: character size, column edges, paragraph gap, habits."""

    em: float
    left: float
    right: float
    gap: float  # a line step longer than this separates paragraphs
    indented: bool  # paragraphs open with a first-line indent
    spaced: bool  # paragraphs are separated by extra vertical space


def pdf_text(data: bytes, path: str | Path = "<pdf>") -> str:
    """The text of a PDF, one paragraph per line. Raises a ReportFileError naming ``path`` for an encrypted,
    damaged or image-only PDF."""
    import pypdfium2 as pdfium  # imported here: only PDF reports need pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReportFileError(path, _load_failure(exc)) from None
    try:
        budget = [_MAX_DOCUMENT_CHARS]
        pages = [_page_lines(document, index, path, budget) for index in range(len(document))]
    finally:
        document.close()
    body = _without_chrome(pages)
    if _visible_chars(body) < _MIN_TEXT_CHARS:
        raise EmptyReportError(path, "PDF has no text layer (a scan?); lawsearch does not do OCR")
    return "\n".join(_paragraphs(body, _layout(body)))


def _load_failure(exc: Any) -> str:
    """Why pdfium could not open a document, from its error code."""
    from pypdfium2 import raw

    code = getattr(exc, "err_code", None)
    if code == raw.FPDF_ERR_PASSWORD:
        return "PDF is encrypted (password protected); save an unprotected copy to index it"
    if code == raw.FPDF_ERR_SECURITY:
        return "PDF is encrypted with an unsupported security scheme; save an unprotected copy to index it"
    if code == raw.FPDF_ERR_FORMAT:
        return "not a readable PDF (damaged, truncated or not a PDF at all)"
    if code == raw.FPDF_ERR_PAGE:
        return "not a readable PDF (a page is missing or damaged)"
    return f"not a readable PDF ({exc})"


def _page_lines(document: Any, index: int, path: str | Path, budget: list[int]) -> list[_Line]:
    """The lines of page ``index`` in content order. A page of more than _MAX_PAGE_CHARS characters, or one past the
    document's ``budget`` of characters left, is refused before its characters are read (each costs memory)."""
    import pypdfium2 as pdfium

    page = textpage = None
    try:
        page = document[index]
        textpage = page.get_textpage()
        count = textpage.count_chars()
        if count > _MAX_PAGE_CHARS:
            raise ReportFileError(
                path,
                f"page {index + 1} has {count:,} characters, over the {_MAX_PAGE_CHARS:,} a page can "
                "hold: not a report (a damaged or hostile PDF?)",
            )
        budget[0] -= count
        if budget[0] < 0:
            raise ReportFileError(
                path,
                f"has over {_MAX_DOCUMENT_CHARS:,} characters by page {index + 1}, more than any "
                "report: not a report (a damaged or hostile PDF?)",
            )
        return _lines_of(textpage, index)
    except pdfium.PdfiumError as exc:
        raise ReportFileError(path, f"not a readable PDF (page {index + 1}: {exc})") from None
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()


def _lines_of(textpage: Any, page: int) -> list[_Line]:
    """Split a text page into lines at pdfium's line breaks, each with the box of its visible characters."""
    from pypdfium2 import raw

    lines: list[_Line] = []
    chars: list[tuple[str, Box | None]] = []
    for i in range(textpage.count_chars()):
        code = raw.FPDFText_GetUnicode(textpage.raw, i)
        char = chr(code) if code < 0x110000 else "\ufffd"
        if char in "\r\n":
            _flush(lines, chars, page)
        elif code < 0x20 or code in (0xFFFE, 0xFFFF):
            continue  # pdfium's markers (soft hyphen 0x02 …) and unmapped glyphs
        elif raw.FPDFText_IsGenerated(textpage.raw, i):
            chars.append((_GAP, None))  # a gap pdfium saw, not a space in the document (see _resolve_gaps)
        else:
            chars.append((char, None if char.isspace() else textpage.get_charbox(i, loose=True)))
    _flush(lines, chars, page)
    return lines


def _flush(lines: list[_Line], chars: list[tuple[str, Box | None]], page: int) -> None:
    """Close the line being built (if it has visible text) and start a new one."""
    boxes = [box for _, box in chars if box is not None]
    text, widest_gap = _resolve_gaps(chars)
    text = _clean_line(text)
    if text and boxes:
        left, top, bottom = min(box[0] for box in boxes), max(box[3] for box in boxes), min(box[1] for box in boxes)
        lines.append(
            _Line(
                text,
                left,
                max(box[2] for box in boxes),
                top,
                bottom,
                page,
                _lead_width(chars, left),
                tabular=widest_gap >= _COLUMN_GAP_EMS * (top - bottom),
            )
        )
    chars.clear()


def _resolve_gaps(chars: list[tuple[str, Box | None]]) -> tuple[str, float]:
    """The line's text, each gap pdfium saw made a space or nothing, and the width of the widest gap. A gap is a
    space where at least a character's width is empty (table columns, tab stops) or between two ASCII characters;
    it is nothing inside Chinese text, where spacing out characters or justifying a line opens small gaps."""
    text: list[str] = []
    widest = 0.0
    for i, (char, _) in enumerate(chars):
        if char != _GAP:
            text.append(char)
            continue
        before = _nearest_boxed(chars, range(i - 1, -1, -1))
        after = _nearest_boxed(chars, range(i + 1, len(chars)))
        if before is None or after is None:
            continue
        (char_before, box_before), (char_after, box_after) = before, after
        width = box_after[0] - box_before[2]
        widest = max(widest, width)
        if width >= max(box_before[3] - box_before[1], box_after[3] - box_after[1]) or (char_before.isascii() and char_after.isascii()):
            text.append(" ")
    return "".join(text), widest


def _nearest_boxed(chars: list[tuple[str, Box | None]], indices: range) -> tuple[str, Box] | None:
    """The first character at ``indices`` that has a box, with its box; None when none has."""
    for j in indices:
        char, box = chars[j]
        if box is not None:
            return char, box
    return None


def _lead_width(chars: list[tuple[str, Box | None]], left: float) -> float:
    """Width of the line's leading run of ASCII characters: a unit that line breaking keeps whole."""
    right = left
    for char, box in chars:
        if box is None:
            if right > left:
                break
            continue
        if not "!" <= char <= "~":
            break
        right = box[2]
    return right - left


def _clean_line(text: str) -> str:
    """Surrogate pairs rejoined, runs of spaces squeezed, outer spaces stripped."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return re.sub(r"[ \t\u00a0]+", " ", text).strip(_SPACES)


def _without_chrome(pages: list[list[_Line]]) -> list[_Line]:
    """All body lines in order: page numbers and running headers/footers removed from each page's edges. When what
    looks like running headers would take most of the text, it is the text (a list, one entry a page) and stays."""
    recurring = _recurring_edge_keys(pages)
    kept: list[tuple[_Line, bool]] = []  # (line, whether it is a running header or footer)
    for lines in pages:
        edges = _edge_lines(lines)
        for line in lines:
            if id(line) in edges and _PAGE_NUMBER.match(line.text):
                continue
            kept.append((line, id(line) in edges and _chrome_key(line) in recurring))
    framing = _visible_chars(line for line, is_framing in kept if is_framing)
    keep_framing = framing > _visible_chars(line for line, is_framing in kept if not is_framing)
    return [line for line, is_framing in kept if keep_framing or not is_framing]


def _visible_chars(lines: Iterable[_Line]) -> int:
    return sum(len(line.text.replace(" ", "")) for line in lines)


def _edge_lines(lines: list[_Line]) -> set[int]:
    """Ids of the topmost and bottommost lines of a page (by position, not content order)."""
    by_height = sorted(lines, key=lambda line: line.top, reverse=True)
    return {id(line) for line in by_height[:_EDGE_LINES] + by_height[-_EDGE_LINES:]}


def _chrome_key(line: _Line) -> str | None:
    """What a running header/footer line has in common across pages: its text with digits unified; None if long."""
    if len(line.text) > _MAX_CHROME_CHARS:
        return None
    return re.sub(r"\d+", "0", line.text.replace(" ", ""))


def _recurring_edge_keys(pages: list[list[_Line]]) -> set[str]:
    """Keys of short lines found at the top or bottom of most pages (at least two). A running header or footer
    frames other text: the only line of a page is that page's text, and is not counted."""
    counts: Counter[str] = Counter()
    for lines in pages:
        if len(lines) < 2:
            continue
        edge_ids = _edge_lines(lines)
        counts.update({key for line in lines if id(line) in edge_ids and (key := _chrome_key(line))})
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, count in counts.items() if count >= needed}


def _layout(lines: list[_Line]) -> _Layout:
    """Measure the body: character size, column edges, usual line step, first-line indent and spacing habits."""
    em = statistics.median(line.height for line in lines) or 1.0
    support = math.ceil(_EDGE_SUPPORT_SHARE * len(lines))
    left = _edge([line.left for line in lines], em / 4, support, outer=min)
    right = _edge([line.right for line in lines], em, support, outer=max)
    steps = [a.bottom - b.bottom for a, b in zip(lines, lines[1:]) if a.page == b.page and a.bottom > b.bottom]
    step = statistics.median(steps) if steps else 1.2 * em
    gap = step + max(_PARAGRAPH_GAP_EMS * em, _PARAGRAPH_GAP_SHARE * step)
    indents = sum(1 for line in lines if _INDENT_MIN_EMS * em < line.left - left <= _INDENT_MAX_EMS * em)
    spaced = sum(1 for value in steps if value > gap)
    return _Layout(em, left, right, gap, _habit(indents, len(lines)), _habit(spaced, len(steps)))


def _habit(count: int, total: int) -> bool:
    """Whether ``count`` of ``total`` lines is enough to call a layout feature the document's habit."""
    return count >= max(2, _HABIT_SHARE * total)


def _edge(values: list[float], window: float, support: int, outer: Any) -> float:
    """The outermost value that at least ``support`` values lie within ``window`` of (a column edge, not a stray
    wide line); the outermost value when none has that support."""
    ordered = sorted(values)
    for value in reversed(ordered) if outer is max else ordered:
        if bisect.bisect_right(ordered, value + window) - bisect.bisect_left(ordered, value - window) >= support:
            return value
    return outer(values)


def _paragraphs(lines: list[_Line], layout: _Layout) -> list[str]:
    """Join wrapped lines into paragraphs."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line, following in zip(lines, lines[1:] + [None]):
        current.append(line.text)
        if following is None or _ends_paragraph(line, following, layout):
            paragraphs.append(join_wrapped(current))
            current = []
    return paragraphs


def _ends_paragraph(line: _Line, following: _Line, layout: _Layout) -> bool:
    """Whether ``line`` is the last line of its paragraph, judged from its width and the line after it."""
    if line.tabular or following.tabular:
        return True  # table rows and tabbed lines stand alone
    if not _is_full(line, following, layout) or _NUMBERED_HEADING.match(following.text):
        return True
    same_page = following.page == line.page
    if same_page and line.bottom - following.bottom > layout.gap:
        return True
    if layout.indented:
        return following.left - layout.left > _INDENT_MIN_EMS * layout.em
    if layout.spaced and same_page:
        return False  # no gap, so the paragraph goes on
    return line.text.endswith(tuple(_TERMINAL_PUNCTUATION))


def _is_full(line: _Line, following: _Line, layout: _Layout) -> bool:
    """Whether ``line`` reaches the right edge of the column: it ended because what starts the next line (a
    character, or an ASCII run such as a number that is wrapped whole) did not fit."""
    slack = _FULL_LINE_SLACK_EMS * layout.em + following.lead
    return layout.right - line.right <= slack
