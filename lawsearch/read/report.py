"""From a file to what lawsearch indexes: read → page → metadata → chunks.

>>> parsed = parse_report("seeds/002_e3a39e3814c16024.txt")
>>> parsed.meta.region, parsed.meta.year, len(parsed.chunks) > 10
('上虞区', 2020, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EmptyReportError, ReportFileError
from ..models import Chunk, Report, ReportMeta
from .boilerplate import Boilerplate
from .chunks import DEFAULT_MAX_CHARS, DEFAULT_MAX_CHUNKS, DEFAULT_MIN_CHARS, chunk_text
from .files import DEFAULT_MAX_FILE_BYTES, read_report
from .meta import extract_meta
from .page import DroppedLine, read_page

if TYPE_CHECKING:
    from .sandbox import ReadLimits


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


def parse_report(
    path: str | Path,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_chars: int = DEFAULT_MIN_CHARS,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    boilerplate: Boilerplate | None = None,
    limits: ReadLimits | None = None,
) -> ParsedReport:
    """Read one report file and split it; raises a ReportFileError naming the file on bad input. With ``limits``,
    PDF, Word and HTML files are read in a worker process under them (:mod:`lawsearch.read.sandbox`); without, here."""
    if limits is not None:
        from .sandbox import read_report_limited

        report = read_report_limited(path, limits, max_bytes)
    else:
        report = read_report(path, max_bytes=max_bytes)
    return parse(report, boilerplate, max_chars=max_chars, min_chars=min_chars)


def parse(
    report: Report,
    boilerplate: Boilerplate | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chunks: int = DEFAULT_MAX_CHUNKS,
) -> ParsedReport:
    """Split a report already read; ``boilerplate`` holds the corpus's recurring lines (dropped as chrome). A report
    of more than ``max_chunks`` chunks is a ReportFileError with the figure."""
    page = read_page(report.text, boilerplate, front_fields=report.front_fields)
    if not page.text.strip():
        raise EmptyReportError(report.source, "nothing but page chrome (no report text)")
    meta = extract_meta(report.id, page.text, page.front)
    chunks = tuple(chunk_text(report.id, page.text, max_chars=max_chars, min_chars=min_chars, styled_headings=dict(report.styled_headings)))
    if len(chunks) > max_chunks:
        raise ReportFileError(
            report.source,
            f"splits into {len(chunks):,} chunks, over the {max_chunks:,} limit for one report "
            "(--max-chunks); a log or a dump rather than a report? It would take hours to embed",
        )
    return ParsedReport(report=report, cleaned_text=page.text, meta=meta, chunks=chunks, dropped=tuple(page.dropped))
