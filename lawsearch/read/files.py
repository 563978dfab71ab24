"""Reading report files: decoding bytes (never silently guessed) and extracting text from HTML/Markdown/PDF/DOCX;
the front matter of a text report (a YAML block or a header of fields) is taken out of its text into fields.

>>> report = read_report("seeds/000_e216814a7c54799f.txt")
>>> report.id, report.encoding
('000_e216814a7c54799f', 'utf-8')
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BinaryFileError, EmptyReportError, EncodingError, ReportFileError, UnsupportedFormatError
from ..models import Report
from .frontmatter import FrontFields, split_front_matter

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".htm", ".html")
MARKDOWN_SUFFIXES = (".md",)
PDF_SUFFIXES = (".pdf",)
DOCX_SUFFIXES = (".docx",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + MARKDOWN_SUFFIXES + PDF_SUFFIXES + DOCX_SUFFIXES
# Reports are tens to hundreds of kilobytes; a file this large is a mistake (a log, a dump) that would take hours to embed.
DEFAULT_MAX_FILE_BYTES = 20_000_000

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
                raise EncodingError(
                    path, f"starts with a {encoding} byte-order mark but is not valid {encoding} ({exc.reason} at byte {exc.start})"
                ) from None
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
        raise EncodingError(
            path, f"not UTF-8, UTF-16 (with BOM) or GB18030/GBK text ({utf8_error}; invalid GB18030 at byte {exc.start})"
        ) from None
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


def html_to_text(html: str, path: str | Path = "<html>") -> str:
    """The visible text of a page body, one block element per line (see :mod:`lawsearch.read.html`).

    Raises a ReportFileError naming ``path`` when the HTML parser cannot read the page.
    """
    from .html import UnreadableHTML, page_text  # imported here: only HTML reports need the parser

    try:
        return page_text(html)
    except UnreadableHTML as exc:
        raise ReportFileError(path, f"cannot be read as HTML ({exc})") from None


def markdown_to_text(markdown: str) -> str:
    """The text of a Markdown document, one paragraph a line (see :mod:`lawsearch.read.markdown`)."""
    from .markdown import markdown_text

    return markdown_text(markdown)[0]


def read_report(path: str | Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Report:
    """Read one report file into a Report (decoded text, stable id, sha256 of the bytes)."""
    path = Path(path)
    return report_from_bytes(path, report_file_bytes(path, max_bytes))


def report_file_bytes(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of the report file ``path``: a ReportFileError for a type lawsearch does not read, a name it cannot
    keep, or a file that cannot be read as a regular file of at most ``max_bytes``."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(path, f"unsupported file type {suffix or '(none)'!r}; lawsearch reads {', '.join(SUPPORTED_SUFFIXES)}")
    check_file_name(path)
    return read_file_bytes(path, max_bytes)


def report_from_bytes(path: Path, data: bytes) -> Report:
    """The report held in ``data``, the bytes of the file ``path`` (not read: its name gives the format and the id)."""
    suffix = path.suffix.lower()
    styled_headings: tuple[tuple[str, int], ...] = ()
    front_fields: FrontFields = ()
    if suffix in PDF_SUFFIXES + DOCX_SUFFIXES:  # binary formats: their own parsers, never decode_report_bytes
        text, encoding, styled_headings = _binary_document_text(data, path, suffix)
    else:
        text, encoding = decode_report_bytes(data, path)
    if suffix in HTML_SUFFIXES:
        text = html_to_text(text, path)
        if not text.strip():
            raise EmptyReportError(path, "page has no visible text")
    elif suffix in TEXT_SUFFIXES + MARKDOWN_SUFFIXES:
        text, styled_headings, front_fields = _plain_text(text, markdown=suffix in MARKDOWN_SUFFIXES)
        if not text.strip():
            raise EmptyReportError(path, "file has no text (its front matter and markup aside)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Report(
        id=report_id_for(path),
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=text,
        styled_headings=styled_headings,
        front_fields=front_fields,
    )


def _plain_text(text: str, markdown: bool) -> tuple[str, tuple[tuple[str, int], ...], FrontFields]:
    """``(text, styled_headings, front_fields)`` of a .txt or .md report: the front matter at its top taken out
    (:mod:`.frontmatter`), then the rest read as Markdown when it is a .md file or a .txt written in Markdown
    (:func:`.markdown.looks_like_markdown`)."""
    from .markdown import looks_like_markdown, markdown_text

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front_fields, text = split_front_matter(text)
    if markdown or looks_like_markdown(text):
        text, styled_headings = markdown_text(text)
        return text, styled_headings, front_fields
    return text, (), front_fields


def _binary_document_text(data: bytes, path: Path, suffix: str) -> tuple[str, str, tuple[tuple[str, int], ...]]:
    """``(text, encoding, styled_headings)`` of a PDF or Word report; ``encoding`` names the format."""
    from .docx import docx_text  # imported here: pypdfium2 and python-docx load only for these formats
    from .pdf import pdf_text

    if not data.strip():
        raise EmptyReportError(path, "file is empty")
    headings: tuple[tuple[str, int], ...]
    if suffix in PDF_SUFFIXES:
        text, encoding, headings = pdf_text(data, path), "pdf", ()
    else:
        (text, headings), encoding = docx_text(data, path), "docx"
    if not text.strip():
        raise EmptyReportError(path, f"{encoding.upper()} document has no text")
    return text, encoding, headings


def check_file_name(path: Path) -> None:
    """Refuse a file name that is not valid UTF-8 (its id could not be stored or searched)."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        raise ReportFileError(path, "file name is not valid UTF-8; rename the file") from None


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, for messages; None for a regular file."""
    for test, kind in (
        (stat.S_ISREG, None),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _refuse_unless_report_sized(path: str | Path, info: os.stat_result, max_bytes: int) -> None:
    """A ReportFileError unless ``info`` is that of a regular file of at most ``max_bytes``."""
    kind = _kind_of(info.st_mode)
    if kind is not None:
        raise ReportFileError(path, f"is {kind}, not a report file")
    if info.st_size > max_bytes:
        raise ReportFileError(path, _too_large(max_bytes, info.st_size))


def _too_large(max_bytes: int, size: int | None = None) -> str:
    return f"{_megabytes(size) + ' ' if size is not None else ''}is over the {_megabytes(max_bytes)} limit for one report (--max-file-mb)"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file (or a link whose target is gone)"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"cannot be read ({exc.strerror or exc})"


def read_file_bytes(path: str | Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``. FIFOs, devices and sockets are refused without being
    read (opened non-blocking, checked with fstat), so no special file can hang or flood the reader."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ReportFileError(path, _os_reason(exc)) from None
    try:
        _refuse_unless_report_sized(path, os.fstat(fd), max_bytes)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ReportFileError(path, _os_reason(exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew while being read
        raise ReportFileError(path, _too_large(max_bytes))
    return data


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size} bytes"


@dataclass
class FolderScan:
    """The report files found in a folder, and the entries skipped with their reasons (path, reason)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)  # files of other types: not reports, not errors


def scan_report_folder(folder: str | Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> FolderScan:
    """Walk ``folder`` for report files (by extension; hidden entries skipped). Links are followed to regular files
    and to folders not yet visited; loops, special files, oversized files and undecodable names are skipped with a
    reason; a link whose target is gone is not a report (it is neither listed nor an error)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportFileError(folder, "is not a folder")
    scan = FolderScan()
    seen_dirs: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            folder_info = directory.stat()
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            scan.skipped.append((str(directory), _os_reason(exc)))
            continue
        if (folder_info.st_dev, folder_info.st_ino) in seen_dirs:
            continue
        seen_dirs.add((folder_info.st_dev, folder_info.st_ino))
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                info = os.stat(path)  # follows links
            except FileNotFoundError:
                continue  # a dangling link: the report is gone
            except OSError as exc:
                if path.suffix.lower() in SUPPORTED_SUFFIXES or entry.is_symlink():
                    scan.skipped.append((str(path), _os_reason(exc)))
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(path)
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                scan.ignored.append(path)
                continue
            try:
                check_file_name(path)
                _refuse_unless_report_sized(path, info, max_bytes)
            except ReportFileError as exc:
                scan.skipped.append((exc.path, exc.reason))
                continue
            scan.files.append(path)
    scan.files.sort()
    return scan
