"""The answer to a 哪些… question: the regions that did it, each with its evidence, at the level asked.

A question asks for places when it asks which region, place or unit did something, one or several (哪些地区 /
哪个城市 / 哪座城市 / 哪个省 / 什么地方 / 哪里 …; 哪些措施, 哪些方面 and 哪个部门 do not). The level asked is the
level of its noun: 省份/省/自治区 → province (直辖市 included), 城市/市/自治州/州/盟/地级市 → city (a 直辖市 answers
too), 区县/区/县/县级市/旗 → county, 地区/地方/单位/哪里 → the level of each report's own body; the level also
lifts the hits of reports at that level (``level_boost`` in :mod:`lawsearch.search.ranking`). Hits are grouped by their report's region lifted to that level through the gazetteer (a county
report counts for its city and province when the question asks at that level).

A region answers when its best evidence is strong on lawsearch's 0–1 scale and close to the best region's, and
says what was asked: ``best ≥ MIN_SCORE``, ``best ≥ MIN_SHARE × the leading region's best`` and one sentence of its
evidence holds at least ``MIN_FOCAL`` of the question's focal terms (:mod:`lawsearch.search.focal`); or one sentence
of its evidence holds every focal term, whatever the score (a report that names the exact thing asked for did it, or
at least says it). The cuts were chosen on the development questions by F1 of the answer set
(``scripts/tune_answers.py``) and are kept with the other weights in :mod:`lawsearch.search.ranking`. A national
report answers a 哪些地区 question as the country (全国), never one asked at a level. No region clearing them: an empty answer,
said with how many regions of that level the index holds, so that it is not read as nationwide.

>>> level_asked("哪些省份提出了发展低空经济"), level_asked("哪些地区建立了调解员联盟"), level_asked("有哪些措施")
('province', 'any', None)
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..optional import pandas as import_pandas
from .analysis import CITY_NOUNS, COUNTY_NOUNS, PLACE_KIND, PROVINCE_NOUN, WHICH
from .ranking import MIN_FOCAL, MIN_SCORE, MIN_SHARE

if TYPE_CHECKING:
    import pandas as pd

    from ..read.gazetteer import Gazetteer, Place
    from .hits import Hit

EVIDENCE = 3
# A focal share this close to 1 is every focal term in one sentence.
FULL_FOCAL = 0.999
LEVEL_NAMES = {"province": "provinces", "city": "cities", "county": "counties", "any": "regions"}
# The question word and the place noun it asks with (:data:`lawsearch.search.analysis.WHICH`, an optional
# :data:`~lawsearch.search.analysis.PLACE_KIND`), each noun cut short of the words it begins (市场, 省钱, 区别, 县长 …).
# Bodies (部门, 机关) and things (方面, 措施) are not places; 哪里 / 什么地方: any.
_WHICH, _KIND = WHICH, PLACE_KIND
_ASKED = (
    ("province", re.compile(rf"{_WHICH}{_KIND}(?:省份|省区|省市|自治区|直辖市|{PROVINCE_NOUN})")),
    (
        "county",
        re.compile(rf"{_WHICH}{_KIND}(?:区县|县区|县市|州县|县级市|自治县|旗县|{COUNTY_NOUNS})"),
    ),
    ("city", re.compile(rf"{_WHICH}{_KIND}(?:省会|地级市|地市|市州|州市|盟市|自治州|{CITY_NOUNS})")),
    (
        "any",
        re.compile(
            rf"{_WHICH}(?:地区|地方(?!性)|区域)|哪(?:一|几)?(?:个|些)(?:单位|地市县)|哪里|哪儿"
            r"|哪些(?!方面|措施|举措|政策|办法|做法|内容|工作|问题|部门|机关|人)(?=[\u4e00-\u9fff]{0,2}(?:建立|开展|推行|实施|出台|设立))"
        ),
    ),
)


def level_asked(query: str) -> str | None:
    """The level a question asks its answer at (``province``, ``city``, ``county``, ``any``), or None when it does not
    ask for places."""
    for level, pattern in _ASKED:
        if pattern.search(query):
            return level
    return None


@dataclass(frozen=True)
class Answer:
    """One region of the answer, or a related one that does not answer: its best evidence and their strength."""

    region: str
    region_parent: str | None
    level: str
    score: float
    evidence: tuple[Hit, ...]
    answers: bool

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        return {
            "region": self.region,
            "region_parent": self.region_parent,
            "level": self.level,
            "score": self.score,
            "answers": self.answers,
            "evidence": [hit.to_dict(explain) for hit in self.evidence],
        }


@dataclass(frozen=True)
class AnswerSet:
    """The regions that answer (``answer``), the related ones that do not, and how many regions the index holds at
    the level asked (``coverage``)."""

    level: str
    answer: tuple[Answer, ...]
    related: tuple[Answer, ...]
    indexed: int

    @property
    def coverage(self) -> str:
        """``2 of 8 provinces indexed``: the answer measured against what the index holds."""
        return f"{len(self.answer)} of {self.indexed} {LEVEL_NAMES[self.level]} indexed"

    def to_dataframe(self) -> pd.DataFrame:
        """One row per region, answering first: region, parent, level, answers, score, best evidence and its report."""
        pd = import_pandas()

        rows = [
            {
                "region": a.region,
                "region_parent": a.region_parent,
                "level": a.level,
                "answers": a.answers,
                "score": a.score,
                "report_id": a.evidence[0].report_id,
                "year": a.evidence[0].year,
                "heading": " › ".join(a.evidence[0].heading_path),
                "evidence": a.evidence[0].text,
            }
            for a in (*self.answer, *self.related)
        ]
        return pd.DataFrame(
            rows, columns=["region", "region_parent", "level", "answers", "score", "report_id", "year", "heading", "evidence"]
        )

    def _repr_html_(self) -> str:
        from .snippet import parts_html

        rows = "".join(
            f"<tr><td>{'✓' if a.answers else ''}</td><td>{html.escape(a.region)}</td><td>{html.escape(a.region_parent or '')}</td>"
            f"<td>{a.score:.3f}</td><td style='text-align:left'>{parts_html(a.evidence[0].snippet_parts)}</td></tr>"
            for a in (*self.answer, *self.related)
        )
        return (
            f"<table><caption>{html.escape(self.coverage)}</caption><thead><tr><th>answers</th><th>region</th><th>parent</th>"
            f"<th>score</th><th>best evidence</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def coverage_dict(self) -> dict[str, Any]:
        """``{"answering", "indexed", "level", "text"}``: the coverage for JSON."""
        return {"answering": len(self.answer), "indexed": self.indexed, "level": self.level, "text": self.coverage}

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        return {
            "level": self.level,
            "answer": [a.to_dict(explain) for a in self.answer],
            "related": [a.to_dict(explain) for a in self.related],
            "coverage": self.coverage_dict(),
        }


def place_at(gazetteer: Gazetteer, region: str | None, parent: str | None, level: str) -> Place | None:
    """The place at ``level`` a report of ``region`` counts for: itself, an ancestor, or (a 直辖市 asked for as a
    city) itself; None when it lies above the level asked or is not in the gazetteer."""
    if not region:
        return None
    places = [p for p in gazetteer.lookup(region) if p.name == region]
    if parent:
        places = [p for p in places if any(a.name == parent for a in gazetteer.ancestors(p))] or places
    if len(places) != 1:
        return None
    place = places[0]
    if level == "any" or place.level == level:
        return place
    if level == "city" and place.level == "province" and place.name.endswith("市"):  # 直辖市
        return place
    return next((a for a in gazetteer.ancestors(place) if a.level == level), None)


def answer_set(
    hits: Iterable[Hit],
    level: str,
    indexed: int,
    gazetteer: Gazetteer | None = None,
    min_score: float = MIN_SCORE,
    min_share: float = MIN_SHARE,
    min_focal: float = MIN_FOCAL,
) -> AnswerSet:
    """Group ``hits`` (best first) by region at ``level`` and cut the answer (see the module docstring)."""
    from ..read.gazetteer import default_gazetteer

    gazetteer = gazetteer or default_gazetteer()
    groups: dict[tuple[str, str | None], list[Hit]] = {}
    for hit in hits:
        if level == "any":
            key = (hit.region, hit.region_parent) if hit.region else None
        else:
            place = place_at(gazetteer, hit.region, hit.region_parent, level)
            above = gazetteer.parent_of(place) if place else None
            key = (place.name, above.name if above and place.level != "province" else None) if place else None
        if key is not None:
            groups.setdefault(key, []).append(hit)
    ranked = sorted(groups.items(), key=lambda item: -max(h.score for h in item[1]))
    lead = max((h.score for _, hits_ in ranked for h in hits_), default=0.0)
    answers: list[Answer] = []
    related: list[Answer] = []
    for (region, parent), region_hits in ranked:
        best = sorted(region_hits, key=lambda h: -h.score)[:EVIDENCE]
        strength = best[0].score
        focal = max(h.focal for h in best)
        answering = (strength >= min_score and strength >= min_share * lead and focal >= min_focal) or focal >= FULL_FOCAL
        entry = Answer(region, parent, level if level != "any" else (best[0].level or "any"), strength, tuple(best), answering)
        (answers if answering else related).append(entry)
    return AnswerSet(level, tuple(answers), tuple(related), indexed)
