"""Frozen records that flow through the pipeline: Report → ReportMeta + Chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Report:
    """A report file as read from disk: its decoded text before cleaning."""

    id: str
    source: str
    sha256: str
    encoding: str
    text: str
    # Lines the document itself marks as headings (DOCX heading styles, HTML <h1>…<h6>, Markdown ``#``): text → rank,
    # smaller outermost (a DOCX level as it is; Markdown ranks: lawsearch.read.markdown.heading_ranks).
    styled_headings: tuple[tuple[str, int], ...] = ()
    # The front matter of a text report (YAML block or header of fields), never part of ``text``: (key as written,
    # value) in order; the page stage files them into FrontMatter (lawsearch.read.frontmatter).
    front_fields: tuple[tuple[str, str], ...] = ()


# The levels of government a report's body can belong to, outermost first (直辖市 are provinces).
LEVELS = ("national", "province", "city", "county")


@dataclass(frozen=True)
class ReportMeta:
    """What a report says about itself. Unknown fields are None, never guessed."""

    report_id: str
    title: str
    region: str | None = None
    region_parent: str | None = None
    level: str | None = None  # national, province (直辖市 included), city or county
    agency: str | None = None
    kind: str | None = None  # one of lawsearch.read.kinds.KINDS
    year: int | None = None
    published: date | None = None
    # Front and back matter: subtitle, venue, delivered, speaker, speaker_office, signed_by, signed, doc_number, index_number.
    front: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def region_label(self) -> str | None:
        """Region with its parent for display, e.g. ``滨江区 (杭州市)``."""
        if self.region and self.region_parent:
            return f"{self.region} ({self.region_parent})"
        return self.region

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.report_id,
            "title": self.title,
            "region": self.region,
            "region_parent": self.region_parent,
            "level": self.level,
            "agency": self.agency,
            "kind": self.kind,
            "year": self.year,
            "published": self.published.isoformat() if self.published else None,
            **{name: value for name, value in self.front.items() if value is not None},
        }


@dataclass(frozen=True)
class Chunk:
    """A passage of a report under one heading path.

    ``text`` is exactly ``cleaned_text[start:end]`` of its report, so chunks can be traced back.
    """

    id: str
    report_id: str
    ordinal: int
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "report_id": self.report_id,
            "ordinal": self.ordinal,
            "heading_path": list(self.heading_path),
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }
