"""From a file to what lawsearch indexes: read → clean → metadata → chunks.

>>> parsed = parse_report("seeds/002_e3a39e3814c16024.txt")
>>> parsed.meta.region, parsed.meta.year, len(parsed.chunks) > 10
('上虞区', 2020, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .chunks import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, chunk_text
from .chrome import clean_text, page_fields
from ..errors import EmptyReportError
from .files import DEFAULT_MAX_FILE_BYTES, read_report
from .meta import extract_meta
from ..models import Chunk, Report, ReportMeta


@dataclass(frozen=True)
class ParsedReport:
    report: Report
    cleaned_text: str
    meta: ReportMeta
    chunks: tuple[Chunk, ...]

    def to_dict(self) -> dict:
        """The shape ``lawsearch chunks --json`` prints."""
        return {
            "report": {**self.meta.to_dict(), "source": self.report.source, "sha256": self.report.sha256, "encoding": self.report.encoding},
            "chunks": [chunk.to_dict() for chunk in self.chunks],
        }


def parse_report(path: str | Path, max_chars: int = DEFAULT_MAX_CHARS, min_chars: int = DEFAULT_MIN_CHARS,
                 max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ParsedReport:
    """Read one report file and split it; raises a ReportFileError naming the file on bad input."""
    report = read_report(path, max_bytes=max_bytes)
    cleaned = clean_text(report.text)
    if not cleaned.strip():
        raise EmptyReportError(path, "nothing but page chrome (no report text)")
    meta = extract_meta(report.id, cleaned, page_fields(report.text))
    chunks = tuple(chunk_text(report.id, cleaned, max_chars=max_chars, min_chars=min_chars))
    return ParsedReport(report=report, cleaned_text=cleaned, meta=meta, chunks=chunks)
