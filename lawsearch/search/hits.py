"""A ranked chunk with its report's metadata and the evidence of why it ranks where it does."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


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
    # The share of the question's focal terms the best sentence holds, and those terms (lawsearch.search.focal).
    focal: float = 0.0
    focal_terms: tuple[str, ...] = ()

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
        the raw retriever ranks and scores and the focal terms its best sentence holds."""
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
            **(
                {
                    "lexical": {"rank": self.lexical_rank, "score": self.lexical_score},
                    "dense": {"rank": self.dense_rank, "score": self.dense_score},
                    "focal": {"share": self.focal, "terms": list(self.focal_terms)},
                }
                if explain
                else {}
            ),
        }
