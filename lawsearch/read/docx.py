"""Text and styled headings of a Word (.docx) report with python-docx.

The body is read in document order: each non-empty paragraph is one line (manual line breaks inside it are joined
like wrapped lines: no space between Chinese characters), and content controls (``w:sdt``) are read through. A table
with a column header is read as :mod:`lawsearch.read.tables` reads one: a row a line, each value after its column's
label (a cell's paragraphs joined; a cell merged across columns fills the first, the others blank; a cell merged
down the rows is blank below its first). In any other table (label/value pairs, one column, a table inside a cell)
each cell's paragraphs are lines of their own. Headers, footers, footnotes and comments are not report text.

A paragraph is a styled heading when its outline level (``w:outlineLvl``, set on the paragraph or inherited through
its style's ``basedOn`` chain) is 0–8, or when its style (or a style it is based on) is named ``Heading n``/``标题 n``
or ``Title``/``标题``. Levels count from 1 outermost: ``Heading 1`` and outline level 0 are 1; ``Title`` is 1 as well
(the report title sits at the outermost level, like an HTML ``<h1>``).

>>> docx_text(b"plain text, not a zip", "r.docx")
Traceback (most recent call last):
...
lawsearch.errors.ReportFileError: r.docx: not a readable Word document (not a zip archive, or a truncated one: File is not a zip file)
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ReportFileError
from .tables import MAX_CELL_CHARS, MAX_SPAN, MAX_TABLE_CELLS, table_lines
from .wrap import join_wrapped

# A report .docx unpacks to a few megabytes; more than this is a zip bomb, not a report. The sizes checked are those
# the archive declares; zipfile never inflates a member past its declared size, so they bound what is unpacked.
MAX_UNPACKED_BYTES = 200_000_000
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
_BODY_TEXT_LEVEL = 9  # w:outlineLvl 9 means "body text"
_HEADING_NAME = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_TITLE_NAMES = ("title", "标题")


def docx_text(data: bytes, path: str | Path = "<docx>") -> tuple[str, tuple[tuple[str, int], ...]]:
    """``(text, styled_headings)`` of a Word document: body paragraphs and table cells one per line, and the
    headings as ``(text, level)``. Raises a ReportFileError naming ``path`` when the bytes are not a Word document."""
    _check_archive(data, path)
    from docx.opc.exceptions import PackageNotFoundError  # imported here: only Word reports need python-docx
    from lxml import etree

    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        headings: list[tuple[str, int]] = []
        for text, level in _blocks(document.element.body, document, _StyleLevels(document)):
            lines.append(text)
            if level is not None:
                headings.append((text, level))
    except (
        PackageNotFoundError,
        KeyError,
        zipfile.BadZipFile,
        ValueError,
        etree.LxmlError,
        zlib.error,
        NotImplementedError,
        EOFError,
    ) as exc:
        raise ReportFileError(path, f"not a readable Word document ({type(exc).__name__}: {exc})") from None
    return "\n".join(lines), tuple(headings)


def _check_archive(data: bytes, path: str | Path) -> None:
    """Refuse bytes that are not an Office zip package, or that would unpack past MAX_UNPACKED_BYTES."""
    if data.startswith(_OLE2_MAGIC):
        raise ReportFileError(
            path, "not a readable Word document (an old binary .doc, or a password-protected file; save it as an unprotected .docx)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ReportFileError(path, f"not a readable Word document (not a zip archive, or a truncated one: {exc})") from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ReportFileError(
            path,
            f"not a readable Word document (unpacks to {unpacked / 1_000_000:.0f} MB, over "
            f"the {MAX_UNPACKED_BYTES / 1_000_000:.0f} MB limit: a zip bomb?)",
        )
    if "[Content_Types].xml" not in {member.filename for member in members}:
        raise ReportFileError(path, "not a readable Word document (a zip archive, but not an Office file: no [Content_Types].xml)")


def _blocks(container: Any, document: Any, styles: _StyleLevels) -> Iterator[tuple[str, int | None]]:
    """``(line, heading level or None)`` for the paragraphs and table cells under ``container``, in order."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            text = _paragraph_text(paragraph)
            if text:
                yield text, _heading_level(child, styles)
        elif child.tag == qn("w:tbl"):
            rows = _table_rows(child, document, styles)
            lines = table_lines(rows) if rows is not None else None
            if lines is not None:
                yield from ((line, None) for line in lines if line)
                continue
            for cell in child.iter(qn("w:tc")):
                if _owning_table(cell) is child:  # nested tables are read inside their own cell
                    yield from ((text, None) for text, _ in _blocks(cell, document, styles))
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _blocks(content, document, styles)


def _table_rows(table: Any, document: Any, styles: _StyleLevels) -> list[list[str]] | None:
    """The rows of a ``w:tbl`` as cell texts (a cell's lines joined as wrapped lines are), a cell spanning columns
    followed by blanks; None for a table with a table inside it, a cell of prose, a cell outside a plain row (in a
    content control), or more than MAX_TABLE_CELLS cells."""
    from docx.oxml.ns import qn

    if any(element is not table for element in table.iter(qn("w:tbl"))):
        return None
    rows: list[list[str]] = []
    cells = read = 0
    for row in table.iterchildren(qn("w:tr")):
        texts: list[str] = []
        for cell in row.iterchildren(qn("w:tc")):
            span = _grid_span(cell)
            cells += span
            read += 1
            text = join_wrapped(line for line, _ in _blocks(cell, document, styles))
            if cells > MAX_TABLE_CELLS or len(text) > MAX_CELL_CHARS:
                return None
            texts.append(text)
            texts.extend([""] * (span - 1))
        rows.append(texts)
    return rows if read == sum(1 for _ in table.iter(qn("w:tc"))) else None


def _grid_span(cell: Any) -> int:
    """How many grid columns a ``w:tc`` spans (``w:tcPr/w:gridSpan``)."""
    values = cell.xpath("./w:tcPr/w:gridSpan/@w:val")
    try:
        return min(max(int(values[0]), 1), MAX_SPAN) if values else 1
    except ValueError:
        return 1


def _owning_table(cell: Any) -> Any:
    """The ``w:tbl`` a ``w:tc`` belongs to."""
    from docx.oxml.ns import qn

    element = cell.getparent()
    while element is not None and element.tag != qn("w:tbl"):
        element = element.getparent()
    return element


def _paragraph_text(paragraph: Any) -> str:
    """A paragraph's text on one line: manual line breaks joined (a space only between ASCII words), tabs and
    runs of spaces as one space."""
    return join_wrapped(re.sub(r"[ \t\u00a0]+", " ", piece).strip(" \u3000") for piece in paragraph.text.split("\n"))


class _StyleLevels:
    """Heading levels of a document's paragraph styles, resolved once per style through its ``basedOn`` chain
    (python-docx's ``paragraph.style`` scans every style on each call: quadratic on a document of many styles)."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self._styles: dict[str, Any] = {}
        self._default: str | None = None
        for style in document.styles.element.iterchildren(qn("w:style")):
            if style.get(qn("w:type")) != "paragraph":
                continue
            style_id = style.get(qn("w:styleId"))
            self._styles.setdefault(style_id, style)
            if style.get(qn("w:default")) in ("1", "true", "on") and self._default is None:
                self._default = style_id
        self._levels: dict[str | None, int | None] = {}

    def level(self, style_id: str | None) -> int | None:
        """The level a paragraph of style ``style_id`` (None: the default style) is at: 1 outermost, None for body."""
        if style_id not in self._levels:
            self._levels[style_id] = self._resolve(style_id if style_id in self._styles else self._default)
        return self._levels[style_id]

    def _resolve(self, style_id: str | None) -> int | None:

        seen: set[str] = set()
        while style_id is not None and style_id in self._styles and style_id not in seen:
            seen.add(style_id)
            style = self._styles[style_id]
            names = style.xpath("./w:name/@w:val")
            level = _style_name_level(names[0] if names else "")
            if level is None:
                level = _outline_level(style)
            if level is not None:
                return level or None
            based_on = style.xpath("./w:basedOn/@w:val")
            style_id = based_on[0] if based_on else None
            if style_id in self._levels:
                return self._levels[style_id]
        return None


def _heading_level(element: Any, styles: _StyleLevels) -> int | None:
    """The heading level of a paragraph (its ``w:p`` is ``element``): 1 outermost, None for body text."""
    level = _outline_level(element)
    if level is not None:
        return level or None
    return styles.level(element.style)


def _outline_level(element: Any) -> int | None:
    """The level given by ``w:pPr/w:outlineLvl`` of a paragraph or style: 0 for body text, None when absent."""
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if not values:
        return None
    try:
        value = int(values[0])
    except ValueError:
        return None
    return value + 1 if 0 <= value < _BODY_TEXT_LEVEL else 0


def _style_name_level(name: str) -> int | None:
    """The level a heading style's name gives: ``Heading 2``/``标题 2`` → 2, ``Title``/``标题`` → 1."""
    name = name.strip()
    match = _HEADING_NAME.fullmatch(name)
    if match:
        return int(match.group(1))
    return 1 if name.lower() in _TITLE_NAMES else None
