"""From a file to what lawsearch indexes: read → page → metadata → chunks.

>>> parsed = parse_report("seeds/002_e3a39e3814c16024.txt")
>>> parsed.meta.region, parsed.meta.year, len(parsed.chunks) > 10
('上虞区', 2020, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .chunks import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, chunk_text
from ..errors import EmptyReportError
from .files import DEFAULT_MAX_FILE_BYTES, read_report
from .boilerplate import Boilerplate
from .meta import extract_meta
from .page import DroppedLine, read_page
from ..models import Chunk, Report, ReportMeta


@dataclass(frozen=True)
class ParsedReport:
    report: Report
    cleaned_text: str
    meta: ReportMeta
    chunks: tuple[Chunk, ...]
    dropped: tuple[DroppedLine, ...] = ()

    def to_dict(self, dropped: bool = False) -> dict:
        """The shape ``lawsearch chunks --json`` prints (with ``dropped``: the removed lines and their rules)."""
        data = {
            "report": {**self.meta.to_dict(), "source": self.report.source, "sha256": self.report.sha256, "encoding": self.report.encoding},
            "chunks": [chunk.to_dict() for chunk in self.chunks],
        }
        if dropped:
            data["dropped"] = [line.to_dict() for line in self.dropped]
        return data


def parse_report(path: str | Path, max_chars: int = DEFAULT_MAX_CHARS, min_chars: int = DEFAULT_MIN_CHARS,
                 max_bytes: int = DEFAULT_MAX_FILE_BYTES, boilerplate: Boilerplate | None = None) -> ParsedReport:
    """Read one report file and split it; raises a ReportFileError naming the file on bad input."""
    return parse(read_report(path, max_bytes=max_bytes), boilerplate, max_chars=max_chars, min_chars=min_chars)


def parse(report: Report, boilerplate: Boilerplate | None = None, max_chars: int = DEFAULT_MAX_CHARS,
          min_chars: int = DEFAULT_MIN_CHARS) -> ParsedReport:
    """Split a report already read; ``boilerplate`` holds the corpus's recurring lines (dropped as chrome)."""
    page = read_page(report.text, boilerplate)
    if not page.text.strip():
        raise EmptyReportError(report.source, "nothing but page chrome (no report text)")
    meta = extract_meta(report.id, page.text, page.front)
    chunks = tuple(chunk_text(report.id, page.text, max_chars=max_chars, min_chars=min_chars,
                              styled_headings=dict(report.styled_headings)))
    return ParsedReport(report=report, cleaned_text=page.text, meta=meta, chunks=chunks, dropped=tuple(page.dropped))
