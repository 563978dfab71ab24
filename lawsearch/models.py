"""Frozen records that flow through the pipeline: Report → ReportMeta + Chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
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


@dataclass(frozen=True)
class Hit:
    """One ranked chunk with the evidence of why it ranks there (ranks from 1; None when a retriever did not return it)."""

    chunk_id: str
    report_id: str
    region: str | None
    region_parent: str | None
    year: int | None
    agency: str | None
    title: str
    heading_path: tuple[str, ...]
    text: str
    score: float
    level: str | None = None
    kind: str | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None
    match_terms: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def snippet_parts(self) -> list[tuple[str, bool]]:
        """The part of the text where the query terms cluster, as (segment, marked) parts, for renderers that mark
        terms their own way (made when first read)."""
        from .snippet import snippet_parts

        return snippet_parts(self.text, self.match_terms)

    @property
    def snippet(self) -> str:
        """The snippet as plain text: no markup, report text as it is (``marks`` says where the terms are)."""
        from .snippet import parts_marks

        return parts_marks(self.snippet_parts)[0]

    @property
    def marks(self) -> list[tuple[int, int]]:
        """``(start, end)`` character offsets of the matched terms in ``snippet``: ``snippet[start:end]`` is one."""
        from .snippet import parts_marks

        return parts_marks(self.snippet_parts)[1]

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        """The hit for JSON: ``snippet`` is plain text and ``marks`` the ``[start, end]`` character offsets of the
        matched terms in it (no markup: report text stays data); ``score`` on lawsearch's 0–1 scale; ``explain`` adds
        the raw retriever ranks and scores."""
        return {
            "chunk_id": self.chunk_id,
            "report_id": self.report_id,
            "region": self.region,
            "region_parent": self.region_parent,
            "year": self.year,
            "level": self.level,
            "kind": self.kind,
            "agency": self.agency,
            "title": self.title,
            "heading_path": list(self.heading_path),
            "text": self.text,
            "snippet": self.snippet,
            "marks": [list(span) for span in self.marks],
            "score": self.score,
            **({"lexical": {"rank": self.lexical_rank, "score": self.lexical_score},
                "dense": {"rank": self.dense_rank, "score": self.dense_score}} if explain else {}),
        }
