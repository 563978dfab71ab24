"""Real PDF and DOCX files for tests, built with reportlab and python-docx.

PDF text is set in reportlab's built-in CID font STSong-Light (Adobe-GB1, no font file needed): pdfium maps its
character codes back to the same Unicode Chinese, so what a test writes is what the reader should give back.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

CJK_FONT = "STSong-Light"
FONT_SIZE = 12
LEADING = 18
MARGIN = 72  # points: one inch on each side
A4_WIDTH = 595.2756
FRAME_PADDING = 6  # reportlab's frames pad their content by 6 points on each side
# Chinese characters in one full body line of make_pdf (two fewer on a paragraph's indented first line).
LINE_CHARS = int((A4_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING) // FONT_SIZE)

# A block of a Word document: ("heading", text, level), ("paragraph", text) or ("table", rows of cell texts).
DocxBlock = tuple[str, str, int] | tuple[str, str] | tuple[str, list[list[str]]]


def _register_cjk_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def make_pdf(
    path: Path,
    paragraphs: list[str],
    *,
    pages_header: str | None = None,
    page_numbers: bool = True,
    title: str | None = None,
    indent: bool = True,
    justify: bool = False,
    space_after: float = 0,
    number_format: str = "— {page} —",
) -> Path:
    """An A4 PDF: an optional centred title, then ``paragraphs`` wrapped CJK-style (with a two-character first-line
    indent unless ``indent`` is false; flush on both sides if ``justify``; ``space_after`` points between
    paragraphs). Every page carries ``pages_header`` at the top and, if ``page_numbers``, ``number_format`` at the
    bottom; both may name ``{page}`` and ``{pages}`` (the page count)."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    _register_cjk_font()
    body = ParagraphStyle(
        "body",
        fontName=CJK_FONT,
        fontSize=FONT_SIZE,
        leading=LEADING,
        firstLineIndent=2 * FONT_SIZE if indent else 0,
        wordWrap="CJK",
        alignment=TA_JUSTIFY if justify else TA_LEFT,
        spaceAfter=space_after,
    )
    heading = ParagraphStyle("title", parent=body, fontSize=18, leading=28, firstLineIndent=0, alignment=TA_CENTER, spaceAfter=12)

    def story() -> list:
        flowables = [Paragraph(escape(title), heading)] if title else []
        return flowables + [Paragraph(escape(text), body) for text in paragraphs]

    pages = 0
    if "{pages}" in f"{pages_header}{number_format}":
        pages = _build_pdf(io.BytesIO(), story(), lambda canvas, doc: None)
    footer = number_format if page_numbers else None
    _build_pdf(str(path), story(), lambda canvas, doc: _decorate(canvas, doc.page, pages, pages_header, footer))
    return path


def _build_pdf(target: str | io.BytesIO, story: list, decorate: Callable) -> int:
    """Lay ``story`` out on A4 pages with one-inch margins, calling ``decorate`` on each page; the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return doc.page


def _decorate(canvas: Any, page: int, pages: int, header: str | None, footer: str | None) -> None:
    """Draw the running header and the page number of one page, centred in the margins."""
    from reportlab.lib.pagesizes import A4

    width, height = A4
    canvas.saveState()
    canvas.setFont(CJK_FONT, 9)
    if header:
        canvas.drawCentredString(width / 2, height - MARGIN / 2, header.format(page=page, pages=pages))
    if footer:
        canvas.drawCentredString(width / 2, MARGIN / 2, footer.format(page=page, pages=pages))
    canvas.restoreState()


def pdf_page_count(path: Path) -> int:
    """How many pages pdfium finds in a PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def make_encrypted_pdf(path: Path, password: str = "secret") -> Path:
    """A one-page PDF with Chinese text that opens only with ``password``."""
    from reportlab.pdfgen import canvas

    _register_cjk_font()
    pdf = canvas.Canvas(str(path), encrypt=password)
    pdf.setFont(CJK_FONT, FONT_SIZE)
    pdf.drawString(MARGIN, 700, "某区2022年法治政府建设年度报告")
    pdf.save()
    return path


def make_image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF like a scan: every page holds only drawn shapes, no text layer."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for _ in range(pages):
        pdf.setFillGray(0.3)
        pdf.rect(MARGIN, 200, 400, 500, fill=1, stroke=0)
        for y in range(220, 700, 20):
            pdf.line(MARGIN + 10, y, MARGIN + 390, y)
        pdf.showPage()
    pdf.save()
    return path


def make_spaced_pdf(path: Path, title: str, rows: list[list[str]], *, char_space: float = 4, column_width: float = 150) -> Path:
    """A one-page PDF drawn on the canvas: ``title`` with its characters spaced out by ``char_space`` points, then
    ``rows`` as a borderless table whose cells start every ``column_width`` points."""
    from reportlab.pdfgen import canvas

    _register_cjk_font()
    pdf = canvas.Canvas(str(path))
    heading = pdf.beginText(MARGIN, 760)
    heading.setFont(CJK_FONT, 16)
    heading.setCharSpace(char_space)
    heading.textOut(title)
    pdf.drawText(heading)
    pdf.setFont(CJK_FONT, FONT_SIZE)
    for number, cells in enumerate(rows):
        for column, cell in enumerate(cells):
            pdf.drawString(MARGIN + column * column_width, 720 - number * LEADING, cell)
    pdf.save()
    return path


def make_docx(path: Path, blocks: Iterable[DocxBlock]) -> Path:
    """A Word document of headings (built-in ``Heading n`` styles), body paragraphs and tables, in order."""
    from docx import Document

    document = Document()
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            document.add_heading(block[1], level=block[2])
        elif kind == "paragraph":
            document.add_paragraph(block[1])
        elif kind == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for row, texts in zip(table.rows, rows):
                for cell, text in zip(row.cells, texts):
                    cell.text = text
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    document.save(str(path))
    return path
