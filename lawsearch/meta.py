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

from .headings import is_numbered_heading, signature_size
from .gazetteer import Gazetteer, Place, default_gazetteer
from .models import ReportMeta

# Names of a human-resources and social-security bureau, full form first.
_HRSS_BUREAU = ("人力资源和社会保障局", "人力资源与社会保障局", "人力资源社会保障局", "人力社保局", "人社局")
_OTHER_BUREAU = ("人力资源局",)
_BUREAU = re.compile("|".join(_HRSS_BUREAU + _OTHER_BUREAU))

_TITLE_WEIGHT = 5
_SIGNATURE_WEIGHT = 5
_FIELD_WEIGHT = 3
_BODY_WEIGHT = 1
_MAX_TITLE_CHARS = 60

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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def find_title(text: str) -> str | None:
    """The report's own title line: a short unpunctuated line above the first numbered heading that names a report."""
    for line in _lines(text):
        if is_numbered_heading(line):
            return None
        if len(line) <= _MAX_TITLE_CHARS and not _SENTENCE_END.search(line) and re.search(r"报告|总结|情况", line) and _YEAR.search(line):
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


def find_region(text: str, fields: dict[str, str], gazetteer: Gazetteer | None = None) -> tuple[Place | None, str | None]:
    """The reporting bureau's place and its agency name, from weighted evidence."""
    gazetteer = gazetteer or default_gazetteer()
    lines = _lines(text)
    title = find_title(text) or ""
    signature = "\n".join(signature_lines(text))
    publisher = "\n".join(fields.get(name, "") for name in _PUBLISHER_FIELDS)
    votes: Counter[str] = Counter()
    variants: dict[str, list[Place]] = {}
    bureau_words: dict[str, set[str]] = {}
    for source, weight in ((title, _TITLE_WEIGHT), (signature, _SIGNATURE_WEIGHT), (publisher, _FIELD_WEIGHT), ("\n".join(lines), _BODY_WEIGHT)):
        for place, word, places in _bureau_places(source, gazetteer):
            votes[place.name] += weight
            variants[place.name] = places
            bureau_words.setdefault(place.name, set()).add(word)
    if votes:
        name = votes.most_common(1)[0][0]
        place = _disambiguate(variants[name], text, gazetteer)
        words = bureau_words[name]
        if words & set(_HRSS_BUREAU):
            agency = place.name + _HRSS_BUREAU[0]
        else:
            agency = place.name + sorted(words)[0]
        return place, agency
    return _region_from_self_reference(text, gazetteer), None


def _region_from_self_reference(text: str, gazetteer: Gazetteer) -> Place | None:
    """When no bureau is named: the level the report uses of itself (我区 → county), then its most named place of that level."""
    level_counts = {level: len(pattern.findall(text)) for level, pattern in _SELF_REFERENCE.items()}
    level = max(level_counts, key=level_counts.__getitem__)
    if level_counts[level] == 0:
        return None
    counts: Counter[str] = Counter()
    for name in gazetteer.names():
        if len(name) < 2:
            continue
        places = [p for p in gazetteer.lookup(name) if p.level == level]
        if places and name in text:
            counts[places[0].name] += text.count(name)
    if not counts:
        return None
    # A full name also counts its short form's occurrences; keep the count once per place.
    best_name, _ = max(counts.items(), key=lambda item: (item[1], len(item[0])))
    return _disambiguate([p for p in gazetteer.lookup(best_name) if p.level == level], text, gazetteer)


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
    published = find_published(text, fields)
    year = find_year(text, published)
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
