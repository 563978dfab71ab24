"""Small hostile PDF and DOCX files that make their parsers run out of memory or time, written byte by byte.

Each is a few kilobytes to a megabyte on disk:

- :func:`self_drawing_pdf`: a form XObject that draws itself twice (pdfium recurses and allocates without bound);
- :func:`inflating_pdf`: one flate-compressed content stream that inflates to ``inflated`` bytes of spaces;
- :func:`char_flood_pdf`: a content stream of millions of one-letter text operators;
- :func:`style_flood_docx`: thousands of paragraphs over thousands of styles (a style lookup per paragraph scans them all);
- :func:`one_line_pages_pdf`: many pages of one line each, lines alike but for their numbers.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1; object 1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _one_page(content_object: bytes, resources: bytes, extra: list[bytes] | None = None) -> bytes:
    """Catalog (1), pages (2), one page (3) whose content is object 4, then ``extra`` objects from 5."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources + b" /Contents 4 0 R >>",
            content_object,
            *(extra or []),
        ]
    )


def self_drawing_pdf(path: Path) -> Path:
    """A one-page PDF whose form XObject draws itself twice: rendering or extracting text recurses without end."""
    form = _stream(b"/X Do /X Do", b" /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X 5 0 R >> >>")
    path.write_bytes(_one_page(_stream(b"/X Do"), b"<< /XObject << /X 5 0 R >> >>", [form]))
    return path


def inflating_pdf(path: Path, inflated: int = 1 << 30) -> Path:
    """A one-page PDF whose content stream is ``inflated`` bytes of spaces, flate-compressed (1 GiB: about 1 MB)."""
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(packer.compress(block) for _ in range(inflated // len(block))) + packer.flush()
    path.write_bytes(_one_page(_stream(data, compress=True), b"<< >>"))
    return path


def char_flood_pdf(path: Path, chars: int = 3_000_000) -> Path:
    """A one-page PDF that shows ``chars`` one-letter strings, each its own text operator (3 M: about 30 KB)."""
    content = b"BT /F1 1 Tf 10 10 Td " + b"(a)Tj " * chars + b"ET"
    path.write_bytes(_one_page(_stream(zlib.compress(content, 9), compress=True), b"<< /Font << /F1 5 0 R >> >>", [_FONT]))
    return path


def one_line_pages_pdf(path: Path, pages: int = 12_000) -> Path:
    """A PDF of ``pages`` pages, each with one line: "Line N of the list." (N the page): alike but for their numbers, as running headers are."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT]  # 2 is filled in below, 3 is the font
    kids = []
    for page in range(1, pages + 1):
        text = b"Line %d of the list." % page
        content = _stream(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET")
        objects.append(content)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % len(objects)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    path.write_bytes(_pdf(objects))
    return path


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def style_flood_docx(path: Path, paragraphs: int = 2_000, styles: int = 5_000) -> Path:
    """A Word document of ``paragraphs`` short paragraphs, each of the last of ``styles`` paragraph styles (each
    style based on the one before), written as raw OOXML."""
    style_xml = "".join(
        f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="Style {i}"/>'
        + (f'<w:basedOn w:val="S{i - 1}"/>' if i else "")
        + "</w:style>"
        for i in range(styles)
    )
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="S{styles - 1}"/></w:pPr><w:r><w:t>第{i}段。</w:t></w:r></w:p>' for i in range(paragraphs))
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>",
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>",
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:styles {_W}>{style_xml}</w:styles>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>{body}</w:body></w:document>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path
