"""The year a report is named by, read from its structure.

- A report **delivered at a people's congress session** (a 政府工作报告, a plan or budget report) is named by the year
  of that session. The session's year is the delivery year, except that a report delivered late in the year for the
  next year's session reviews the year it is delivered in: a report whose review heading names year R
  (``一、2022年工作回顾``) is of session R + 1 when that is its delivery year or the next one.
  Without a review heading, a report delivered in December at a congress session is of the next year's session
  (a session meets for the year to come; a November one may be either, and keeps its year).
- The **delivery date** is the subtitle's, else a full date in a title (``某市政府工作报告（2021年12月29日 张三）``),
  else a full date on a short line above the body (``（2000年1月20日）``, ``河北省省长 某某（2002年1月24日）``,
  ``2017年1月9日某市第十五届人民代表大会第一次会议通过``).
- A **plan over several years** is named by its first year: a title's range (``1976—1985年``), else the ordinal of a
  five-year plan (第六个五年计划, “九五”: the first began in 1953, the second in 1958, the third in 1966, then every
  five years).
- A year **beyond what the report could have been written in** never wins: a target (``2010年远景目标``, ``到2035年``)
  or a year after the delivery (or publish) year plus one.

>>> session_year(date(2022, 12, 29), review=2022)
2023
>>> session_year(date(2022, 1, 9), review=2021)
2022
>>> plan_first_year("中华人民共和国国民经济和社会发展第十二个五年规划纲要")
2011
>>> plan_first_year("关于甘肃省“九五”计划和2010年远景规划纲要的报告")
1996
"""

from __future__ import annotations

import re
from datetime import date

from .headings import is_numbered_heading
from .numbers import normalise_numbers
from .simplify import simplified

_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# A year in a title standing alone in brackets: 某市人民政府工作报告（2009）.
_BRACKETED_YEAR = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年?\s*[)）]")
# A year named as a goal rather than as the report's own: 2010年远景目标, 到2035年, 2035年前.
_TARGET = re.compile(r"(?:到|至)\s*$")
_TARGET_AFTER = re.compile(r"^\s*年?(?:度)?\s*(?:远景|目标|愿景|前|以前|之前)")
# A span of years: 1976—1985年, 一九五三—一九五七, 2021-2025年.
_SPAN = re.compile(r"((?:19|20)\d{2})\s*年?\s*[—–\-－~～至到一]{1,2}\s*((?:19|20)\d{2})")
_CN_NUMERAL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# 第六个五年计划, 第十二个五年规划, “九五”计划, 十四五规划.
_FIVE_YEAR_PLAN = re.compile(
    r"第([一二三四五六七八九十]{1,3})个五年(?:计划|规划)|[“\"]?([一二三四五六七八九十]{1,3})五[”\"]?\s*(?:计划|规划|时期)"
)
# A session of a people's congress (its standing committee meets all year and names nothing).
_CONGRESS = re.compile(r"人民代表大会(?!常务委员会)|人大(?!常委会)[^，。]{0,6}次会议")
# 一、2022年工作回顾 / 2006年工作回顾 / 一、2021年及本届政府工作回顾: the year a work report looks back on.
_REVIEW = re.compile(r"((?:19|20)\d{2})\s*年[^。，；;,]{0,14}?回顾")
# 二、2019年工作安排 / 2023年主要目标任务: the year a work report plans for.
_PLAN = re.compile(r"((?:19|20)\d{2})\s*年[^。，；;,]{0,14}?(?:安排|任务|目标|打算|计划|思路|部署|重点)")
_OPENING_LINES = 8
_SECTION = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]")
_FRONT_LINE_CHARS = 80
_HEADING_CHARS = 40
_SCAN_LINES = 80
# How far into a heading its year may stand (一、过去五年和2021年工作回顾 / 二、未来五年总体要求和2022年重点工作).
_HEADING_YEAR_AT = 12


def _clean(text: str) -> str:
    return normalise_numbers(simplified(text))


def _full_date(text: str) -> date | None:
    if m := _FULL_DATE.search(text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def opening_lines(body: str) -> list[str]:
    """The short lines above the body's first sentence: what a page left of its front matter (a venue line, a date in
    brackets, a speaker with the date)."""
    lines: list[str] = []
    for line in body.split("\n")[:_OPENING_LINES]:
        line = line.strip()
        if not line:
            continue
        if len(line) > _FRONT_LINE_CHARS or is_numbered_heading(line) or re.search(r"。.", line):
            break
        lines.append(line)
    return lines


def delivery(titles: tuple[str, ...], subtitle_date: date | None, venue: str | None, body: str) -> tuple[date | None, bool]:
    """The date a report was delivered (or adopted) and whether at a people's congress session (see the module
    docstring); ``(None, False)`` when nothing says."""
    clean_titles = [_clean(title) for title in titles]
    opening = [_clean(line) for line in opening_lines(body)]
    congress = any(_CONGRESS.search(text) for text in (venue or "", *clean_titles, *opening))
    if subtitle_date:
        return subtitle_date, congress
    for text in (*clean_titles, *opening):
        if day := _full_date(text):
            return day, congress
    return None, congress


def review_year(body: str) -> int | None:
    """The year the review section of a work report looks back on (``一、2022年工作回顾``)."""
    return _heading_year(body, _REVIEW)


def plan_year(body: str) -> int | None:
    """The year the plan section of a work report is for (``二、2019年工作安排``)."""
    return _heading_year(body, _PLAN, skip=_REVIEW)


def _heading_year(body: str, pattern: re.Pattern[str], skip: re.Pattern[str] | None = None) -> int | None:
    for line in body.split("\n")[: _SCAN_LINES * 4]:
        # a heading line, or a numbered heading the page ran its first paragraph into (一、2011年工作回顾 2011年是…)
        line = line.strip()
        heading = len(line) <= _HEADING_CHARS and not re.search(r"[。；;，,]", line)
        if not line or not (heading or _SECTION.match(line)):
            continue
        text = normalise_numbers(line[:_HEADING_CHARS])
        if skip and skip.search(text):
            continue
        if (m := pattern.search(text)) and m.start() <= _HEADING_YEAR_AT and not _is_target(text, m.start(1), m.end(1)):
            return int(m.group(1))
    return None


def session_year(delivered: date | None, review: int | None = None, plan: int | None = None, congress: bool = False) -> int | None:
    """The year of the congress session a work report was delivered at (see the module docstring): the year after
    the one it reviews, else the year it plans for when that is the next, else — delivered in December at a congress
    session, which meets for the year to come — the next year, else the delivery year."""
    if review and (delivered is None or review + 1 in (delivered.year, delivered.year + 1)):
        return review + 1
    if delivered:
        if plan == delivered.year + 1 or (congress and delivered.month == 12 and plan is None):
            return delivered.year + 1
        return delivered.year
    return plan


def _is_target(text: str, start: int, end: int) -> bool:
    return bool(_TARGET.search(text[max(0, start - 2) : start]) or _TARGET_AFTER.match(text[end : end + 6]))


def title_years(title: str, bound: int | None = None) -> list[int]:
    """The years a title names as its own: not a full date (a delivery date), not a target, not beyond ``bound``."""
    text = _FULL_DATE.sub(" ", _clean(title))
    years = [int(m.group(1)) for m in _YEAR.finditer(text) if not _is_target(text, m.start(1), m.end(1))]
    years += [int(m.group(1)) for m in _BRACKETED_YEAR.finditer(text)]
    return [year for year in years if bound is None or year <= bound]


def plan_first_year(title: str) -> int | None:
    """The first year of a plan over several years that a title names (a span, or a five-year plan's ordinal)."""
    text = _clean(title)
    if m := _SPAN.search(text):
        return int(m.group(1))
    if m := _FIVE_YEAR_PLAN.search(text):
        ordinal = _cn_ordinal(m.group(1) or m.group(2))
        if ordinal:
            return 1953 if ordinal == 1 else 1958 if ordinal == 2 else 1966 + 5 * (ordinal - 3)
    return None


def _cn_ordinal(text: str) -> int | None:
    """一 … 十九 → 1 … 19."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_NUMERAL.get(tens, 0) if tens else 1) * 10 + (_CN_NUMERAL.get(ones, 0) if ones else 0)
        return value or None
    return _CN_NUMERAL.get(text) if len(text) == 1 else None
