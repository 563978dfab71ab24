"""Report metadata from the text: region, agency, year reported on, publish date and title.

The region is the place of the reporting bureau itself — taken from the bureau's own name in the
title, signature and body (``滨江区人力资源和社会保障局``), never from the first place name seen —
and, when no bureau is named, from how the report speaks of itself (我区 / 区委 → the district it
names most). A field the text does not support stays None.

>>> m = extract_meta("r1", "上虞区人社局2020年度法治政府建设情况报告\\n2020年上虞区人力社保局认真贯彻……")
>>> m.region, m.agency, m.year, m.title
('上虞区', '上虞区人力资源和社会保障局', 2020, '上虞区人社局2020年度法治政府建设情况报告')
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from .gazetteer import Gazetteer, Place, default_gazetteer
from .headings import is_date_line, is_numbered_heading, signature_size
from ..models import ReportMeta

# Names of a human-resources and social-security bureau (and provincial department), full form first.
_HRSS_BUREAU = ("人力资源和社会保障局", "人力资源与社会保障局", "人力资源社会保障局", "人力社保局", "人社局")
_HRSS_DEPARTMENT = ("人力资源和社会保障厅", "人力资源社会保障厅", "人社厅")
_OTHER_BUREAU = ("人力资源局",)
_BUREAU = re.compile("|".join(_HRSS_BUREAU + _HRSS_DEPARTMENT + _OTHER_BUREAU))

_MAX_TITLE_CHARS = 60
_OPENING_WEIGHT = 3
_MIN_SELF_REFERENCE_MENTIONS = 2
_MIN_FALLBACK_NAME_CHARS = 3

_SELF_REFERENCE = {
    "county": re.compile(r"我区|我县|区委|县委|区政府|县政府|区人大|县人大"),
    "city": re.compile(r"我市|市委|市政府|市人大"),
}
_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
_PLAN_WORDS = re.compile(r"安排|计划|打算|思路|展望|下一步|要点")
_REPORT_INTRO = re.compile(r"现将.{0,20}?(20\d{2})\s*年度?.{0,30}?报告")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_PUBLISHED_FIELDS = ("公开日期", "发布日期", "发布时间", "成文日期", "发文日期", "生成日期")
_PUBLISHER_FIELDS = ("发布单位", "发布机构", "发文机关", "发文单位", "所属机构", "信息来源", "来源")
_SENTENCE_END = re.compile(r"[。！？；;!?，,：:]$")

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT = "〇零○Ｏ一二三四五六七八九"
_CN_YEAR = re.compile(f"([{_CN_DIGIT}]{{4}})(\\s*年)")
_CN_MONTH_DAY = re.compile(f"(\\d{{4}}\\s*年\\s*)([{_CN_DIGIT}十]{{1,3}})(\\s*月\\s*)([{_CN_DIGIT}十]{{1,3}})(\\s*日)")


def _cn_small_number(text: str) -> int | None:
    """一 … 三十一 → 1 … 31."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_DIGITS.get(tens, -99) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -99) if ones else 0)
    return value if 0 < value < 100 else None


def normalise_numbers(text: str) -> str:
    """Full-width digits and Chinese-numeral years and dates as ASCII digits, for reading years and dates.

    >>> normalise_numbers("二〇二一年一月二十日，２０２０年度")
    '2021年1月20日，2020年度'
    """
    text = text.translate(_FULLWIDTH_DIGITS)
    text = _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group(1)) + m.group(2), text)

    def month_day(m: re.Match[str]) -> str:
        month, day = _cn_small_number(m.group(2)), _cn_small_number(m.group(4))
        if month is None or day is None:
            return m.group(0)
        return f"{m.group(1)}{month}{m.group(3)}{day}{m.group(5)}"

    return _CN_MONTH_DAY.sub(month_day, text)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def find_title(text: str) -> str | None:
    """The report's own title line: a short unpunctuated line above the first numbered heading that names a report."""
    for line in _lines(text):
        if is_numbered_heading(line):
            return None
        if len(line) > _MAX_TITLE_CHARS or _SENTENCE_END.search(line):
            continue
        if re.search(r"报告|总结", line) or (re.search(r"情况", line) and _YEAR.search(normalise_numbers(line))):
            return line
    return None


def signature_lines(text: str) -> list[str]:
    """The closing lines that sign a report (issuing bureau and date), if the report ends with a date."""
    lines = _lines(text)
    size = signature_size(lines)
    return lines[len(lines) - size:] if size else []


def _bureau_places(text: str, gazetteer: Gazetteer) -> list[tuple[Place, str, list[Place]]]:
    """Each bureau named with a place: (place, bureau word, all places of that name)."""
    found = []
    for match in _BUREAU.finditer(text):
        before = text[max(0, match.start() - gazetteer.max_name_length): match.start()]
        for size in range(len(before), 1, -1):
            places = gazetteer.lookup(before[-size:])
            if places:
                found.append((places[0], match.group(0), places))
                break
    return found


def _mentioned(place: Place, text: str) -> bool:
    return place.name in text or (len(place.short_name) >= 2 and place.short_name in text)


def _disambiguate(places: list[Place], text: str, gazetteer: Gazetteer) -> Place:
    """Of several places with one name, the one whose parent the text mentions (else the first)."""
    for place in places:
        parent = gazetteer.parent_of(place)
        if parent and _mentioned(parent, text):
            return place
    return places[0]


def _agency(place: Place, words: set[str]) -> str:
    """The bureau's full name: 人社局 and 人力社保局 are abbreviations of 人力资源和社会保障局."""
    if words & set(_HRSS_DEPARTMENT):
        return place.name + _HRSS_DEPARTMENT[0]
    if words & set(_HRSS_BUREAU):
        return place.name + _HRSS_BUREAU[0]
    return place.name + sorted(words)[0]


def find_region(text: str, fields: dict[str, str], gazetteer: Gazetteer | None = None) -> tuple[Place | None, str | None]:
    """The reporting bureau's place and its agency name.

    Sources are tried in order of authority — title, signature, the page's publisher field, then
    the body (its opening paragraph counting more) — and the first that names a bureau decides, so
    a parent bureau mentioned often in the body cannot outvote the report's own signature.
    """
    gazetteer = gazetteer or default_gazetteer()
    lines = _lines(text)
    body_end = len(lines) - len(signature_lines(text))
    sources = [
        [(find_title(text) or "", 1)],
        [("\n".join(signature_lines(text)), 1)],
        [("\n".join(fields.get(name, "") for name in _PUBLISHER_FIELDS), 1)],
        [(lines[0] if lines else "", _OPENING_WEIGHT), ("\n".join(lines[1:body_end]), 1)],
    ]
    for source in sources:
        votes: Counter[str] = Counter()
        variants: dict[str, list[Place]] = {}
        words: dict[str, set[str]] = {}
        for source_text, weight in source:
            for place, word, places in _bureau_places(source_text, gazetteer):
                votes[place.name] += weight
                variants[place.name] = places
                words.setdefault(place.name, set()).add(word)
        if votes:
            name = votes.most_common(1)[0][0]
            place = _disambiguate(variants[name], text, gazetteer)
            return place, _agency(place, words[name])
    return _region_from_self_reference(text, gazetteer), None


def _region_from_self_reference(text: str, gazetteer: Gazetteer) -> Place | None:
    """When no bureau is named: the level the report uses of itself (我区 → district), then the one full
    place name of that level it names most (at least twice). Short forms are not counted: too many are
    common words (平安, 城关)."""
    level_counts = {level: len(pattern.findall(text)) for level, pattern in _SELF_REFERENCE.items()}
    level = max(level_counts, key=level_counts.__getitem__)
    if level_counts[level] == 0:
        return None

    def fits(place: Place) -> bool:  # 我市 may be a county-level city (诸暨市) as well as a prefecture
        return place.level == level or (level == "city" and place.level == "county" and place.name.endswith("市"))

    counts: Counter[str] = Counter()
    bigrams = set(map(str.__add__, text, text[1:]))  # a name can be in the text only if each of its bigrams is
    for name in gazetteer.names():
        if len(name) >= _MIN_FALLBACK_NAME_CHARS and _bigrams_of(name) <= bigrams and name in text:
            if any(p.name == name and fits(p) for p in gazetteer.lookup(name)):
                counts[name] = text.count(name)
    if not counts:
        return None
    best_name, mentions = max(counts.items(), key=lambda item: (item[1], len(item[0])))
    if mentions < _MIN_SELF_REFERENCE_MENTIONS:
        return None
    return _disambiguate([p for p in gazetteer.lookup(best_name) if p.name == best_name and fits(p)], text, gazetteer)


def _bigrams_of(name: str) -> set[str]:
    return {name[i:i + 2] for i in range(len(name) - 1)}


def find_region_parent(place: Place, text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """The city a county-level region belongs to, when the text names that city and the region's name does not already carry it."""
    gazetteer = gazetteer or default_gazetteer()
    if place.level != "county":
        return None
    parent = gazetteer.parent_of(place)
    if parent is None or not _mentioned(parent, text) or place.name.startswith(parent.short_name):
        return None
    return parent.name


def find_year(text: str, published: date | None = None) -> int | None:
    """The year reported on: from the title, a 现将…年…报告 sentence, year headings and the opening sentence.

    Years in plan sections (安排/计划/思路…) and years after the publish date do not count.
    """
    votes: Counter[int] = Counter()
    lines = _lines(text)
    title = find_title(text)
    if title and (m := _YEAR.search(title)):
        votes[int(m.group(1))] += 10
    for m in _REPORT_INTRO.finditer(text):
        votes[int(m.group(1))] += 8
    for line in lines:
        if is_numbered_heading(line) and not _PLAN_WORDS.search(line) and (m := _YEAR.search(line[:20])):
            votes[int(m.group(1))] += 3
    for line in lines[:3]:
        if is_date_line(line):
            continue
        if (m := re.match(r"\s*((?:19|20)\d{2})\s*年", line)) and not _PLAN_WORDS.search(line[:40]):
            votes[int(m.group(1))] += 3
            break
    if published:
        votes = Counter({year: n for year, n in votes.items() if year <= published.year})
    if not votes:
        return None
    return max(votes.items(), key=lambda item: (item[1], -item[0]))[0]


def _parse_date(value: str) -> date | None:
    m = _ISO_DATE.search(value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_published(text: str, fields: dict[str, str]) -> date | None:
    """The publish date: a page's 公开日期/发布日期 field, else the date that signs the report."""
    for name in _PUBLISHED_FIELDS:
        if fields.get(name) and (day := _parse_date(fields[name])):
            return day
    signature = signature_lines(text)
    return _parse_date(signature[-1]) if signature else None


def extract_meta(report_id: str, text: str, fields: dict[str, str] | None = None, gazetteer: Gazetteer | None = None) -> ReportMeta:
    """All metadata of one cleaned report text (``fields`` are the page header values, see clean.page_fields)."""
    fields = fields or {}
    gazetteer = gazetteer or default_gazetteer()
    place, agency = find_region(text, fields, gazetteer)
    numeric = normalise_numbers(text)
    published = find_published(numeric, {name: normalise_numbers(value) for name, value in fields.items()})
    year = find_year(numeric, published)
    title = find_title(text) or _composed_title(agency or (place.name if place else None), year)
    return ReportMeta(
        report_id=report_id,
        title=title,
        region=place.name if place else None,
        region_parent=find_region_parent(place, text, gazetteer) if place else None,
        agency=agency,
        year=year,
        published=published,
    )


def _composed_title(who: str | None, year: int | None) -> str:
    return f"{who or ''}{f'{year}年' if year else ''}法治政府建设年度报告"
