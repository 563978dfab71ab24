"""Search results: ranked hits, answers grouped by region, JSON, a DataFrame and an HTML table for notebooks."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..optional import pandas as import_pandas
from ..terminal import dumps_json
from .hits import Hit
from .query import truncation_note
from .ranking import SUPPORT_WEIGHT
from .snippet import parts_html

if TYPE_CHECKING:
    import pandas as pd

    from .answers import AnswerSet

EVIDENCE_PER_REGION = 3
UNKNOWN_REGION = "(unknown region)"
DATAFRAME_COLUMNS = ["rank", "score", "region", "year", "heading", "snippet", "report_id", "chunk_id", "lexical_rank", "dense_rank"]


@dataclass(frozen=True)
class RegionGroup:
    """One region's answer to a 哪些地区 question: its score and best evidence hits."""

    region: str
    score: float
    hits: tuple[Hit, ...]
    region_parent: str | None = None

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        return {
            "region": self.region,
            "region_parent": self.region_parent,
            "score": self.score,
            "hits": [hit.to_dict(explain) for hit in self.hits],
        }


def group_by_region(hits: list[Hit], evidence: int = EVIDENCE_PER_REGION) -> list[RegionGroup]:
    """Regions ranked by their best hit plus SUPPORT_WEIGHT × the rest of their top evidence (on the hits' 0–1 scale;
    see :mod:`lawsearch.search.ranking`).

    Places of one name in different cities (鼓楼区 of 南京市 and of 福州市) stay apart; hits of
    reports whose region is unknown come last, as they answer no 哪些地区 question.
    """
    by_region: dict[tuple[str | None, str | None], list[Hit]] = {}
    for hit in hits:
        by_region.setdefault((hit.region, hit.region_parent), []).append(hit)
    groups = []
    for (region, parent), region_hits in by_region.items():
        best = sorted(region_hits, key=lambda h: -h.score)[:evidence]
        top = min(1.0, best[0].score)
        score = top + (1 - top) * SUPPORT_WEIGHT * sum(min(1.0, h.score) for h in best[1:])
        groups.append(RegionGroup(region or UNKNOWN_REGION, score, tuple(best), parent))
    return sorted(groups, key=lambda g: (g.region == UNKNOWN_REGION, -g.score))


class Results:
    """Hits of one query, best first. Iterate it, group it by region, or turn it into JSON or a DataFrame.

    ``query`` is the text that was searched: cleaned, and cut when it was longer than the engine's cap;
    then ``query_truncated`` is ``(original length, kept length)`` and ``notes`` says so.
    """

    def __init__(
        self,
        query: str,
        mode: str,
        hits: list[Hit],
        candidates: list[Hit] | None = None,
        query_truncated: tuple[int, int] | None = None,
        answers: AnswerSet | None = None,
        notes: list[str] | None = None,
        focal_terms: tuple[str, ...] = (),
        dense_coverage: tuple[int, int] | None = None,
    ) -> None:
        self.query = query
        self.mode = mode
        self.hits = hits
        self._candidates = candidates if candidates is not None else hits
        self.query_truncated = query_truncated
        self.answers = answers  # the 哪些… answer set, for questions that ask for places (or --by-region)
        self.focal_terms = focal_terms  # the question's focal terms, written as each hit's focal_terms writes them
        self._notes = notes or []
        # (reports with vectors, reports) of the index searched; None: not known (results made by hand)
        self.dense_coverage = dense_coverage
        # A shard set's answer: {"answered": shards that answered, "of": shards, "missing": [names]}; None: one index
        self.shards: dict[str, Any] | None = None

    @property
    def notes(self) -> list[str]:
        """What the user should know about how the query was run, one line each (e.g. that it was cut)."""
        note = truncation_note(self.query_truncated)
        return ([note] if note else []) + self._notes

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: int) -> Hit:
        return self.hits[index]

    def __repr__(self) -> str:
        return f"Results(query={self.query!r}, mode={self.mode!r}, hits={len(self.hits)})"

    def by_region(self) -> list[RegionGroup]:
        """Regions that answer the query, best first, each with its best evidence (from all fused candidates)."""
        return group_by_region(self._candidates)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        """``{"query", "mode", "hits", "regions"}``, plus ``"query_truncated": {"from": N, "to": CAP}`` when the query was
        cut, ``"notes"`` when there is something to say (the cut, a place the question names that the index does not
        hold), and for a question that asks for places (or ``by_region``) ``"answer"`` (the regions that answer, each with
        its evidence), ``"coverage"`` and ``"answers": true/false`` on every region group; ``"dense_coverage":
        {"reports": with vectors, "of": reports}`` of the index searched; from a shard set ``"shards": {"answered": 2,
        "of": 3, "missing": ["shard-1"]}``; ``explain`` adds each hit's raw retriever
        ranks and scores (BM25F, cosine)."""
        data: dict[str, Any] = {
            "query": self.query,
            "mode": self.mode,
            "hits": [hit.to_dict(explain) for hit in self.hits],
            "regions": [group.to_dict(explain) for group in self.by_region()],
        }
        if self.answers is not None:
            answering = {hit.chunk_id for answer in self.answers.answer for hit in answer.evidence}
            for group in data["regions"]:
                group["answers"] = any(hit["chunk_id"] in answering for hit in group["hits"])
            data["answer"] = [answer.to_dict(explain) for answer in self.answers.answer]
            data["coverage"] = self.answers.coverage_dict()
        if self.query_truncated is not None:
            data["query_truncated"] = {"from": self.query_truncated[0], "to": self.query_truncated[1]}
        if self.notes:
            data["notes"] = self.notes
        if self.dense_coverage is not None:
            data["dense_coverage"] = {"reports": self.dense_coverage[0], "of": self.dense_coverage[1]}
        if self.shards is not None:
            data["shards"] = self.shards
        return data

    def to_json(self, indent: int | None = None, explain: bool = False) -> str:
        """The dict as JSON; always valid UTF-8 (lone surrogates are written as visible escapes, see terminal.dumps_json)."""
        return dumps_json(self.to_dict(explain), indent=indent)

    def to_csv(self, by_region: bool = False) -> str:
        """CSV for spreadsheets: one row per hit with its report's metadata; with ``by_region`` one row per region
        (whether it answers, its best evidence, report and year)."""
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out)
        if by_region:
            writer.writerow(["rank", "region", "region_parent", "answers", "score", "report_id", "year", "heading", "evidence"])
            answering = {hit.chunk_id for answer in (self.answers.answer if self.answers else ()) for hit in answer.evidence}
            for rank, group in enumerate(self.by_region(), start=1):
                best = group.hits[0]
                writer.writerow(
                    [
                        rank,
                        group.region,
                        group.region_parent or "",
                        any(h.chunk_id in answering for h in group.hits),
                        f"{group.score:.4f}",
                        best.report_id,
                        best.year or "",
                        " › ".join(best.heading_path),
                        best.text,
                    ]
                )
        else:
            writer.writerow(
                [
                    "rank",
                    "score",
                    "region",
                    "region_parent",
                    "level",
                    "agency",
                    "kind",
                    "year",
                    "title",
                    "report_id",
                    "chunk_id",
                    "heading",
                    "text",
                ]
            )
            for rank, hit in enumerate(self.hits, start=1):
                writer.writerow(
                    [
                        rank,
                        f"{hit.score:.4f}",
                        hit.region or "",
                        hit.region_parent or "",
                        hit.level or "",
                        hit.agency or "",
                        hit.kind or "",
                        hit.year or "",
                        hit.title,
                        hit.report_id,
                        hit.chunk_id,
                        " › ".join(hit.heading_path),
                        hit.text,
                    ]
                )
        return out.getvalue()

    def to_dataframe(self) -> pd.DataFrame:
        pd = import_pandas()

        rows = [
            {
                "rank": rank,
                "score": hit.score,
                "region": hit.region,
                "year": hit.year,
                "heading": " › ".join(hit.heading_path),
                "snippet": hit.snippet,
                "report_id": hit.report_id,
                "chunk_id": hit.chunk_id,
                "lexical_rank": hit.lexical_rank,
                "dense_rank": hit.dense_rank,
            }
            for rank, hit in enumerate(self.hits, start=1)
        ]
        return pd.DataFrame(rows, columns=DATAFRAME_COLUMNS).astype({"year": "Int64", "lexical_rank": "Int64", "dense_rank": "Int64"})

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("#", "score", "region", "year", "heading", "passage"))
        rows = []
        for rank, hit in enumerate(self.hits, start=1):
            snippet = parts_html(hit.snippet_parts)  # escaped: report text is never markup
            rows.append(
                f"<tr><td>{rank}</td><td>{hit.score:.3f}</td><td>{html.escape(hit.region or '')}</td>"
                f"<td>{hit.year or ''}</td><td>{html.escape(' › '.join(hit.heading_path))}</td>"
                f"<td style='text-align:left'>{snippet}</td></tr>"
            )
        notes = "".join(f"; {html.escape(note)}" for note in self.notes)
        caption = f"<caption>{html.escape(self.query)} — {self.mode}, {len(self.hits)} hits{notes}</caption>"
        answer = self.answers._repr_html_() if self.answers is not None else ""  # a 哪些… question: its answer first
        return f"{answer}<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
