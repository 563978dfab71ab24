"""Reading report files: decoding bytes (never silently guessed) and extracting text from HTML/Markdown.

>>> report = read_report("seeds/000_e216814a7c54799f.txt")
>>> report.id, report.encoding
('000_e216814a7c54799f', 'utf-8')
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from pathlib import Path

from .errors import BinaryFileError, EmptyReportError, EncodingError, ReportFileError, UnsupportedFormatError
from .models import Report

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".htm", ".html")
MARKDOWN_SUFFIXES = (".md",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + MARKDOWN_SUFFIXES

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP/Office document"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x7fELF", "executable"),
)
# Real simplified-Chinese text keeps nearly all of its Han characters inside GB2312;
# bytes of another encoding (Big5, Shift-JIS…) read as GBK scatter over rare characters.
_MIN_GB2312_SHARE = 0.9
_MAX_CONTROL_SHARE = 0.01
_MAX_FOREIGN_SHARE = 0.05


def report_id_for(path: str | Path) -> str:
    """The stable id of a report: its file name without the extension."""
    return Path(path).stem


def decode_report_bytes(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode report bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK.

    Returns ``(text, encoding)``. Raises a ReportFileError subclass naming ``path`` when the
    bytes are empty, binary, or in none of those encodings.
    """
    if not data.strip():
        raise EmptyReportError(path, "file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise EncodingError(path, f"starts with a {encoding} byte-order mark but is not valid {encoding} ({exc.reason} at byte {exc.start})") from None
            return _checked_text(text, path, encoding), encoding
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BinaryFileError(path, f"binary file ({kind}), not a text report")
    if b"\x00" in data:
        raise BinaryFileError(path, "binary file (contains NUL bytes; UTF-16 text needs a byte-order mark)")
    try:
        return _checked_text(data.decode("utf-8"), path, "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = f"invalid UTF-8 at byte {exc.start}"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise EncodingError(path, f"not UTF-8, UTF-16 (with BOM) or GB18030/GBK text ({utf8_error}; invalid GB18030 at byte {exc.start})") from None
    doubt = _doubt_about_chinese(text)
    if doubt:
        raise EncodingError(path, f"not UTF-8, UTF-16 (with BOM) or GB18030/GBK text ({utf8_error}; read as GBK it {doubt})")
    return _checked_text(text, path, "gb18030"), "gb18030"


def _checked_text(text: str, path: str | Path, encoding: str) -> str:
    if not text.strip():
        raise EmptyReportError(path, "file has no text")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise BinaryFileError(path, f"binary data: {controls} control characters when read as {encoding}")
    return text


def _doubt_about_chinese(text: str) -> str | None:
    """Why GBK-decoded text is not Chinese, or None. Other East Asian encodings decode as GBK without error:
    Big5 scatters over rare characters, EUC-JP gives kana, EUC-KR gives words split by spaces."""
    han = [ch for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"]
    if not han:
        return None
    if sum(1 for ch in han if _in_gb2312(ch)) < _MIN_GB2312_SHARE * len(han):
        return "gives unlikely characters: another encoding such as Big5?"
    kana = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff")
    if kana > _MAX_FOREIGN_SHARE * (len(han) + kana):
        return "gives Japanese kana: EUC-JP?"
    spaced = len(re.findall(r"[\u3400-\u9fff] [\u3400-\u9fff]", text))
    if spaced > _MAX_FOREIGN_SHARE * len(han):
        return "gives characters split by spaces like words: EUC-KR?"
    return None


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def html_to_text(html: str) -> str:
    """The visible text of a page body, one block element per line."""
    from inscriptis import get_text  # imported here: only HTML reports need it
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    # The strict profile adds no spaces around inline elements, which Chinese text must not get.
    config = ParserConfig(css=CSS_PROFILES["strict"], display_links=False, display_images=False)
    # List items become plain blocks: inscriptis would prefix "* " or "1. ", hiding the report's own numbering.
    html = _LIST_ITEM.sub(r"<\1div", html)
    text = get_text(html, config)
    return "\n".join(line.strip() for line in text.splitlines())


_LIST_ITEM = re.compile(r"<(/?)li\b", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def markdown_to_text(markdown: str) -> str:
    """Markdown with heading markers and bold/underline emphasis removed; everything else kept."""
    lines = []
    for line in markdown.splitlines():
        line = _MD_HEADING.sub("", line)
        lines.append(_MD_EMPHASIS.sub(r"\2", line))
    return "\n".join(lines)


def read_report(path: str | Path) -> Report:
    """Read one report file into a Report (decoded text, stable id, sha256 of the bytes)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(path, f"unsupported file type {suffix or '(none)'!r}; lawsearch reads {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ReportFileError(path, "is a directory, not a report file") from None
    except OSError as exc:
        raise ReportFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    text, encoding = decode_report_bytes(data, path)
    if suffix in HTML_SUFFIXES:
        text = html_to_text(text)
        if not text.strip():
            raise EmptyReportError(path, "page has no visible text")
    elif suffix in MARKDOWN_SUFFIXES:
        text = markdown_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Report(
        id=report_id_for(path),
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=text,
    )


def find_report_files(folder: str | Path) -> list[Path]:
    """The report files of a folder (recursively), sorted, skipping hidden files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportFileError(folder, "is not a folder")
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
