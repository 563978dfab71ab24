"""Report metadata: region, region_parent, level, agency, kind, year, published and title — for any body at any level.

The region is the place of the issuing body itself. Sources are tried in order of authority and the first that
names a place decides: the title (a front-matter label first, then the page's own title line), the subtitle
(在某省第十四届人民代表大会…上), the speaker's office (某市市长), the signature, the page's publisher field, bodies named in the text (某区人力资源和社会保障局, 某省人民政府: a place
followed by the name of a body), and last how the report speaks of itself (我省 / 全省 / 我市 / 本区 → the place of
that level it names most). A national report — a title or signature starting with 中华人民共和国 or a central body
(国务院, 某某部, 国家某某局), a venue at the 全国人民代表大会, a speaker of the 国务院, 我代表国务院 — has region
``全国`` and level ``national``. The agency is the body's full official name: a district's bodies after their city
(杭州市滨江区人力资源和社会保障局); a body named by abbreviation or by its level word alone (区人社局) written out in
full, its place read from the signature, the address line or the page's source; a government's own report
(我代表市人民政府, or a title naming only the place) its 人民政府.
Traditional characters are read as simplified. A field the report does not support stays None.

>>> m = extract_meta("r1", "上虞区人社局2020年度法治政府建设情况报告\\n2020年上虞区人力社保局认真贯彻……")
>>> m.region, m.level, m.agency, m.kind, m.year, m.title
('上虞区', 'county', '绍兴市上虞区人力资源和社会保障局', '法治政府建设年度报告', 2020, '上虞区人社局2020年度法治政府建设情况报告')
>>> m = extract_meta("r2", "黑龍江省人民政府工作報告\\n——2026年1月20日在黑龍江省第十四屆人民代表大會第五次會議上\\n各位代表：現在，我代表省人民政府，向大會報告工作，請予審議。")
>>> m.region, m.level, m.agency, m.kind, m.year
('黑龙江省', 'province', '黑龙江省人民政府', '政府工作报告', 2026)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from ..models import ReportMeta
from .front import FrontMatter, is_title_like, parse_date
from .gazetteer import Gazetteer, Place, default_gazetteer
from .headings import is_numbered_heading
from .kinds import GENERIC_CONGRESS_KINDS, KINDS, OTHER, RETROSPECTIVE, is_government_address, kind_of_opening, kind_of_title
from .numbers import normalise_numbers
from .simplify import simplified
from .years import delivery, plan_first_year, plan_year, review_year, session_year, title_years

_HAN = r"\u3400-\u9fff"
# What follows a place in the name of a body: its government, congress, or a bureau, department, commission or office.
# A bureau's name has a function of two characters at least before 局 (公安局; 格局, 布局 are words of their own),
# and 署 names a local body only as 公署 or 总署 (签署, 部署 are verbs).
_BODY_TAIL = re.compile(
    rf"人民政府|政府(?!工作报告)|人大常委会|人民代表大会常务委员会"
    rf"|[{_HAN}]{{2,12}}?(?:总局|局)|[{_HAN}]{{1,12}}?(?:厅|委员会|办公室|办公厅|公署|总署)"
)
_GOVERNMENT_REPORT_TAIL = re.compile(r"政府(?=工作报告)")
# Abbreviations of body names written out in full.
_FULL_BODY_NAMES = {
    "人社局": "人力资源和社会保障局",
    "人力社保局": "人力资源和社会保障局",
    "人力资源社会保障局": "人力资源和社会保障局",
    "人力资源与社会保障局": "人力资源和社会保障局",
    "人社厅": "人力资源和社会保障厅",
    "人力资源社会保障厅": "人力资源和社会保障厅",
    "政府": "人民政府",
    "市场监管局": "市场监督管理局",
    "市场监管委": "市场监督管理委员会",
    "发改委": "发展和改革委员会",
    "发改局": "发展和改革局",
    "住建局": "住房和城乡建设局",
    "住建厅": "住房和城乡建设厅",
    "卫健委": "卫生健康委员会",
    "卫健局": "卫生健康局",
    "医保局": "医疗保障局",
    "应急局": "应急管理局",
    "经信局": "经济和信息化局",
    "经信委": "经济和信息化委员会",
    "科技局": "科学技术局",
    "科技厅": "科学技术厅",
    "文旅局": "文化和旅游局",
    "文旅厅": "文化和旅游厅",
    "退役军人局": "退役军人事务局",
    "城管局": "城市管理局",
    "交通局": "交通运输局",
    "交通厅": "交通运输厅",
    "政府办": "人民政府办公室",
    "政府办公室": "人民政府办公室",
    "政府办公厅": "人民政府办公厅",
}
# A congress session named after a place: 某省第十四届人民代表大会.
_CONGRESS = re.compile(r"^第[一二三四五六七八九十]+届")
# The heads of governments: their reports are their government's (省长, 市长, 自治区主席 …).
_GOVERNMENT_HEAD = re.compile(r"(?:省|市|区|县|州|盟|旗)长$|自治区(?:人民政府)?主席$|人民政府主席$")
_NATIONAL_BODY = re.compile(
    rf"^(?:中华人民共和国)?(国务院(?:办公厅)?|国家[{_HAN}]{{1,12}}?(?:总局|局|委员会|署)|[{_HAN}]{{2,10}}?部)(?![{_HAN}]*(?:省|市|县|区)(?:委|政府))"
)
# The country, as the region of a national report.
NATIONAL = "全国"
# What marks a report as the country's (each at the start of its source, after a year): a title naming 中华人民共和国
# or a central body, a congress of the whole country, a speaker of the State Council.
_NATIONAL_TITLE = re.compile(
    rf"^(?:(?:19|20)\d{{2}}\s*年(?:度)?)?(?:关于)?(?:中华人民共和国|国务院|全国人民代表大会"
    rf"|国家[{_HAN}]{{1,12}}?(?:总局|局|委员会|署))"
)
_NATIONAL_VENUE = re.compile(r"^(?:中华人民共和国)?(?:第[一二三四五六七八九十]+届)?全国人民代表大会")
# The same marks in the body's first lines, where a page without front matter carries them: a title-like line that
# starts with one (中华人民共和国国家统计局关于…公报, 第十一届全国人民代表大会第一次会议), a speaker of the State Council
# (国务院总理 李鹏), or the government speaking for the country (我代表国务院 / 中央人民政府).
_NATIONAL_LINE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年(?:度)?)?(?:关于)?(?:中华人民共和国|国务院|国家统计局|(?:第[一二三四五六七八九十]+届)?全国人民代表大会)"
)
_NATIONAL_SPEECH = re.compile(r"我代表(?:国务院|中央人民政府)")
_OPENING_LINES = 8
# How a national report speaks of what it covers, against how a local one does (全省, 我市 …).
_NATIONAL_SELF = re.compile(r"我国|全国|国务院|中央人民政府")
_NATIONAL_OFFICE = re.compile(r"^(?:中华人民共和国)?国务院")
_SELF_REFERENCE = {
    "province": re.compile(r"我省|全省|省委|省政府|我区(?=.{0,40}自治区)|全区(?=.{0,40}自治区)|自治区(?:党委|人民政府|政府)"),
    "city": re.compile(r"我市|全市|市委|市政府|市人大"),
    "county": re.compile(r"我区|我县|全县|区委|县委|区政府|县政府|区人大|县人大"),
}
# The head of a government speaking (州长, 代市长, 自治区主席): the level word of the government.
_HEAD_LEVEL = re.compile(r"(自治区|省|市|区|县|州|盟|旗)(?:长|(?<=自治区)(?:人民政府)?主席)$")
# The government speaking for itself in its work report (我代表市人民政府): its level.
_SPEAKS_FOR = re.compile(r"我代表(自治区|省|市|州|盟|地区|区|县|旗)人民政府")
_SPEAKS_FOR_LEVEL = {
    "自治区": "province",
    "省": "province",
    "市": "city",
    "州": "city",
    "盟": "city",
    "地区": "city",
    "区": "county",
    "县": "county",
    "旗": "county",
}
_LEVEL_RANK = {"province": 1, "city": 2, "county": 3}
_OPENING_CHARS = 3000
_OPENING_WEIGHT = 3
_MIN_SELF_REFERENCE_MENTIONS = 2
_MIN_NATIONAL_MENTIONS = 3
_MANY_SELF_REFERENCES = 10
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PLAN_WORDS = re.compile(r"安排|计划|打算|思路|展望|下一步|要点")
_REPORT_INTRO = re.compile(r"现将.{0,20}?((?:19|20)\d{2})\s*年度?.{0,30}?报告")
_PUBLISHED_FIELDS = ("公开日期", "发布日期", "发布时间", "发表时间", "时间", "更新时间", "成文日期", "发文日期", "生成日期")
# The fields that name the issuing body. The page's source (来源, 信息来源) is who published the page — a newspaper,
# the government's office — not the issuer.
_PUBLISHER_FIELDS = ("发布单位", "发布机构", "发文机关", "发文单位", "所属机构")


@dataclass(frozen=True)
class _Mention:
    """A place named in a source, and the body named after it, if any (``人力资源和社会保障局``)."""

    places: tuple[Place, ...]
    body: str | None
    start: int


def _mentions(text: str, gazetteer: Gazetteer, short_names: bool) -> list[_Mention]:
    """Places named in ``text``. A short name (浙江) counts only where a body or a congress follows it."""
    found = []
    for start, end, places in gazetteer.find(text, short_names=short_names):
        body = _body_after(text, end, gazetteer)
        full = any(gazetteer.is_full_name(p, text[start:end]) for p in places)
        if not full and body is None and not _CONGRESS.match(text[end : end + 6]):
            continue
        found.append(_Mention(tuple(places), body, start))
    return found


def _body_after(text: str, end: int, gazetteer: Gazetteer) -> str | None:
    """The body named right after a place (its tail holds no other place: 宁波市|鄞州区… is the district's body)."""
    if _GOVERNMENT_REPORT_TAIL.match(text, end):
        return "人民政府"
    m = _BODY_TAIL.match(text, end)
    if not m or gazetteer.find(m.group(0)):
        return None
    return _FULL_BODY_NAMES.get(m.group(0), m.group(0))


def _disambiguate(places: tuple[Place, ...], context: str, gazetteer: Gazetteer) -> Place:
    """Of several places with one name, the one whose parent the context names (else the first)."""
    for place in places:
        parent = gazetteer.parent_of(place)
        if parent and _mentioned(parent, context):
            return place
    return places[0]


def _mentioned(place: Place, text: str) -> bool:
    return place.name in text or (len(place.short_name) >= 2 and place.short_name in text)


# The name of a body below a government, after its place: a bureau, department, commission or office.
_LOCAL_BODY = re.compile(rf"[{_HAN}]{{2,12}}?(?:总局|局)|[{_HAN}]{{1,12}}?(?:厅|委员会|办公室|办公厅|公署)|政府办(?!公)")


def _valid_body(tail: str) -> str | None:
    """``tail`` written out in full when it names a body (人社局 → 人力资源和社会保障局); None when it is a party
    body (区委…) or a government (区政府…, named as such elsewhere)."""
    if tail.startswith(("委", "政府")) and tail != "政府办":
        return None
    return _FULL_BODY_NAMES.get(tail, tail)


# A body that names its place only by its level (区人力社保局, 县市场监管局, 市政府办) at the start of a clause or line,
# where a report names its issuer; the level word is the place's own (区 for a district, 州 for 恩施州 …).
_LEVEL_WORDS = (
    ("特别行政区", None),
    ("自治区", "自治区"),
    ("自治州", "州"),
    ("自治县", "县"),
    ("自治旗", "旗"),
    ("地区", "地区"),
    ("省", "省"),
    ("市", "市"),
    ("区", "区"),
    ("县", "县"),
    ("盟", "盟"),
    ("旗", "旗"),
)
# How a report speaks of its issuer when that is a body below the government (我局, 本委, 我办 …).
_BODY_SELF = re.compile(r"[我本](?:局|委|办|厅|署)")


def _level_word(place: Place) -> str | None:
    return next((word for suffix, word in _LEVEL_WORDS if place.name.endswith(suffix)), None)


def _named_by_level(place: Place, sources: list[str], opening: str) -> str | None:
    """The body a report names by its place's level word (区人社局 in a report of 滨江区), written out in full: the
    first in the titles and signature, else the one the opening names most, when the report speaks of itself as a
    body (我局). None where the report names no such body."""
    word = _level_word(place)
    if not word:
        return None
    pattern = re.compile(rf"(?:^|(?<=[^{_HAN}]))(?:{word})({_LOCAL_BODY.pattern})")
    for source in sources:
        for m in pattern.finditer(source):
            if body := _valid_body(m.group(1)):
                return body
    if not _BODY_SELF.search(opening):
        return None
    counts = Counter(body for m in pattern.finditer(opening) if (body := _valid_body(m.group(1))))
    return counts.most_common(1)[0][0] if counts else None


# The kinds of report a government makes on the whole of its work (a bureau's are named after the bureau).
_GOVERNMENT_KINDS = ("法治政府建设年度报告", "政府信息公开工作年度报告", "政府工作报告")


def _government_report(place: Place, kind: str, front: FrontMatter, opening: str) -> bool:
    """A report of a government on its own work: its title names the place and no body (蜀山区2024年法治政府建设年度
    报告), it is of a kind a government makes, and it never speaks of itself as a body (我局)."""
    return kind in _GOVERNMENT_KINDS and any(_mentioned(place, title) for title in _titles(front)) and not _BODY_SELF.search(opening)


def _pick(mentions: list[_Mention], context: str, gazetteer: Gazetteer) -> tuple[Place, str | None] | None:
    """The issuing place of one source: a place named with a body first; of a chain (某市某区) the innermost."""
    if not mentions:
        return None
    with_body = [m for m in mentions if m.body]
    candidates = with_body or mentions
    chosen = candidates[0]
    place = _disambiguate(chosen.places, context, gazetteer)
    for mention in candidates[1:]:
        inner = _disambiguate(mention.places, context, gazetteer)
        if place in gazetteer.ancestors(inner):
            chosen, place = mention, inner
    return place, chosen.body


def _body_votes(body: str, gazetteer: Gazetteer) -> tuple[Place, str] | None:
    """The place whose body the text names most (the opening counting more): ``某区人社局`` in a report of it."""
    votes: Counter[str] = Counter()
    named: dict[str, tuple[Place, str]] = {}
    opening = body[:_OPENING_CHARS]
    for text, weight in ((opening, _OPENING_WEIGHT), (body[_OPENING_CHARS:], 1)):
        for mention in _mentions(text, gazetteer, short_names=False):
            if mention.body:
                place = _disambiguate(mention.places, body, gazetteer)
                votes[place.code] += weight
                named.setdefault(place.code, (place, mention.body))
    if not votes:
        return None
    return named[votes.most_common(1)[0][0]]


def _self_reference(body: str, gazetteer: Gazetteer) -> Place | None:
    """The level the report uses of itself (我省 → province), then the place of that level it names most (twice at least).

    Short names count for provinces only; at lower levels too many are common words (平安, 城关)."""
    counts = {level: len(pattern.findall(body)) for level, pattern in _SELF_REFERENCE.items()}
    level = max(counts, key=counts.__getitem__)
    if m := _SPEAKS_FOR.search(body[:_OPENING_CHARS]):  # 我代表市人民政府: the government says which it is
        level = _SPEAKS_FOR_LEVEL[m.group(1)]
    elif counts[level] == 0:
        return None

    def fits(place: Place) -> bool:  # 我市 may be a county-level city (诸暨市) as well as a prefecture
        # a 特别行政区 never speaks of itself as 我省 / 全区 (and has no level word of its own)
        return _fits_level(place, level) and _level_word(place) is not None

    names: Counter[str] = Counter()
    chosen: dict[str, tuple[Place, ...]] = {}
    for start, end, places in gazetteer.find(body, short_names=level in ("province", "city")):
        if level == "city" and not any(gazetteer.is_full_name(p, body[start:end]) for p in places):
            places = [p for p in places if p.level == "city"]  # 长沙 for 长沙市; short names of counties are common words
        fitting = tuple(p for p in places if fits(p))
        if fitting:
            names[fitting[0].name] += 1
            chosen[fitting[0].name] = fitting
    if not names:
        return None
    best, mentions = max(names.items(), key=lambda item: (item[1], len(item[0])))
    # Named twice at least; once is enough for the only place of that level a report that speaks of itself
    # throughout (全省 …) names.
    sure = len(names) == 1 and counts[level] >= _MANY_SELF_REFERENCES
    if mentions < _MIN_SELF_REFERENCE_MENTIONS and not sure:
        return None
    return _disambiguate(chosen[best], body, gazetteer)


def _national_body(*sources: str) -> str | None:
    """A central body that issues the report (国务院, 应急管理部, 国家某某局) when a source starts with one (after a
    year: 2018年国务院机构改革…)."""
    for source in sources:
        m = _NATIONAL_BODY.match(re.sub(r"^(?:(?:19|20)\d{2}\s*年(?:度)?)?(?:关于)?", "", source.strip()))
        if m:
            return m.group(1)
    return None


def _national_source(source: str, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.match(source.strip()))


def find_issuer(body: str, front: FrontMatter, gazetteer: Gazetteer | None = None) -> tuple[Place | None, str | None, bool]:
    """The issuing body's place, the body's full name where the report names it, and whether the report is the
    country's (a national report has no place: its region is :data:`NATIONAL`). Each source is read in order of
    authority; a national mark in one (a title that starts with 中华人民共和国 or a central body, a venue at the
    全国人民代表大会, a speaker of the 国务院) decides as a place would."""
    gazetteer = gazetteer or default_gazetteer()
    context = "\n".join(filter(None, (*_titles(front), front.subtitle, front.speaker_office, front.signed_by, body[:_OPENING_CHARS])))
    publisher = "\n".join(front.fields.get(name, "") for name in _PUBLISHER_FIELDS)
    sources = [(title, _NATIONAL_TITLE) for title in _titles(front)]
    head = _HEAD_LEVEL.search(front.speaker_office or "")
    unlike_head = None  # a title's place of another level than the speaker heads (a label 大理市… over 州长's report)
    for source, national in (
        *sources,
        (front.venue, _NATIONAL_VENUE),
        (front.speaker_office, _NATIONAL_OFFICE),
        (front.signed_by, _NATIONAL_TITLE),
    ):
        if not source:
            continue
        branch = [m for m in _mentions(source, gazetteer, short_names=False) if m.body]  # 国家税务总局杭州市税务局
        if _national_source(source, national) and not unlike_head and not branch:
            return None, _national_body(source), True
        picked = _pick(_mentions(source, gazetteer, short_names=True), context, gazetteer)
        if (
            picked
            and head
            and national is _NATIONAL_TITLE
            and source != front.signed_by
            and _level_word(picked[0]) != head.group(1)
            and unlike_head is None
        ):
            unlike_head = picked
            continue
        if picked and (not unlike_head or (head is not None and _level_word(picked[0]) == head.group(1))):
            return (*picked, False)
    if unlike_head:
        return (*unlike_head, False)
    if (national_body := _national_opening(body)) is not None:
        return None, national_body or None, True
    if placed := _placed_by_level(body, front, gazetteer):
        return (*placed, False)
    place, named = _find_local(body, front, publisher, context, gazetteer)
    if place is None and _speaks_for_the_country(body[:_OPENING_CHARS]):
        return None, None, True
    return place, named, False


def _national_opening(body: str) -> str | None:
    """When the body's first lines mark the report as the country's (see ``_NATIONAL_LINE``), the central body they
    name ("" when none); None for any other report."""
    lines = [line.strip() for line in body[:_OPENING_CHARS].split("\n") if line.strip()][:_OPENING_LINES]
    marks = [line for line in lines if _NATIONAL_LINE.match(line) and is_title_like(line)]
    if not marks and not _NATIONAL_SPEECH.search(body[:_OPENING_CHARS]):
        return None
    return next((central for line in marks if (central := _national_body(line))), "")


def _speaks_for_the_country(opening: str) -> bool:
    """A report that names no place and speaks of the country (我国, 全国, 国务院) far more than of a region."""
    national = len(_NATIONAL_SELF.findall(opening))
    local = sum(len(pattern.findall(opening)) for pattern in _SELF_REFERENCE.values())
    return national >= _MIN_NATIONAL_MENTIONS and national >= 2 * local


_ADDRESS = re.compile(r"(?:地址|地点|住所)\s*[:：]\s*([^\n；;，,。）)]{2,40})")
_SOURCE_FIELDS = ("来源", "信息来源", *_PUBLISHER_FIELDS)


def _placed_by_level(body: str, front: FrontMatter, gazetteer: Gazetteer) -> tuple[Place, str] | None:
    """A report whose title names its body by a level word only (市市场监管局…, 区教育局…): the place of that level
    that the report names where it says where it is — its signature, its address line (地址：某市某区…), the page's
    source field — else in its opening; the body written out in full."""
    for title in _titles(front):
        m = re.match(rf"^(?:[{_HAN}]*?[^{_HAN}])?({'|'.join(w for _, w in _LEVEL_WORDS if w)})({_LOCAL_BODY.pattern})", title)
        if not m or not (named := _valid_body(m.group(2))):
            continue
        word = m.group(1)
        opening = body[:_OPENING_CHARS]
        where = [front.signed_by or "", *_ADDRESS.findall(opening), *(front.fields.get(f, "") for f in _SOURCE_FIELDS), opening]
        for text in where:
            fitting = [places for _, _, places in gazetteer.find(text) if any(_level_word(p) == word for p in places)]
            if fitting:
                places = tuple(p for p in fitting[-1 if text is not opening else 0] if _level_word(p) == word)
                return _disambiguate(places, text + "\n" + opening, gazetteer), named
        return None
    return None


def find_region(body: str, front: FrontMatter, gazetteer: Gazetteer | None = None) -> tuple[Place | None, str | None]:
    """The issuing body's place and, where the report names it, the body's full name (see the module docstring);
    no place for a national report (see :func:`find_issuer`)."""
    place, named, _ = find_issuer(body, front, gazetteer)
    return place, named


def _find_local(body: str, front: FrontMatter, publisher: str, context: str, gazetteer: Gazetteer) -> tuple[Place | None, str | None]:
    """The place of a report whose front matter names none: the publisher's body, the bodies the text names, how
    the report speaks of itself."""
    publisher_bodies = [m for m in _mentions(publisher, gazetteer, short_names=False) if m.body]
    if picked := _pick(publisher_bodies, context, gazetteer):
        return picked
    voted = _body_votes(body, gazetteer)
    spoken = _SPEAKS_FOR.search(body[:_OPENING_CHARS])
    if voted and not spoken:
        return voted
    if voted and spoken and _fits_level(voted[0], _SPEAKS_FOR_LEVEL[spoken.group(1)]):
        # a government speaking for itself (我代表市人民政府) is its government, not a body it names, nor one
        # of another level
        return voted[0], "人民政府"
    return _self_reference(body, gazetteer), None


def _fits_level(place: Place, level: str) -> bool:
    """Whether ``place`` is of ``level``; 市 (city) covers county-level cities (诸暨市) too."""
    return place.level == level or (level == "city" and place.level == "county" and place.name.endswith("市"))


def find_region_parent(place: Place, text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """The place's parent (a county's city, a city's province), when the name is unique or the text names the parent;
    a district named only by an ambiguous name (朝阳区) keeps no parent unless the text says which."""
    gazetteer = gazetteer or default_gazetteer()
    parent = gazetteer.parent_of(place)
    if parent is None:
        return None
    if gazetteer.is_unique(place) or _mentioned(parent, text):
        return parent.name
    return None


def _agency(place: Place | None, parent: str | None, body: str | None, kind: str, front: FrontMatter, gazetteer: Gazetteer) -> str | None:
    """The issuing body's full official name: the body named with the place, else the government of a government's
    report. A district's bodies carry their city's name (杭州市滨江区人力资源和社会保障局), as their seals do."""
    if place is None:
        return None
    if not body and (kind == "政府工作报告" or (front.speaker_office and _GOVERNMENT_HEAD.search(front.speaker_office))):
        body = "人民政府"
    if not body:
        return None
    return _official_place_name(place, parent, gazetteer) + body


def _official_place_name(place: Place, parent: str | None, gazetteer: Gazetteer) -> str:
    """The place as its bodies' names write it: a district (区) after its city when the city is known."""
    if place.level == "county" and place.name.endswith("区") and parent:
        city = gazetteer.parent_of(place)
        if city is not None and city.name == parent and city.level in ("city", "province"):
            return parent + place.name
    return place.name


def _titles(front: FrontMatter) -> tuple[str, ...]:
    """The report's titles, first the one that names it: the front matter's label (or the page's title line), then
    the page's title line when it is another (a label ``政府工作报告`` over ``某省政府工作报告（2022年1月24日…）``)."""
    titles = [front.title] if front.title else []
    if front.page_title and front.page_title != front.title:
        titles.append(front.page_title)
    return tuple(titles)


def find_kind(body: str, front: FrontMatter) -> str:
    """The kind of document (see :mod:`.kinds`): from the titles (the most specific kind either names), else from
    the first headings and opening paragraph. A report the government addresses to a congress session (我代表省人民
    政府，向大会报告工作) is its work report, whatever generic kind its title gives it (关于某省第七个五年计划的报告)."""
    named = [kind for title in _titles(front) if (kind := kind_of_title(simplified(title)))]
    kind = min(named, key=KINDS.index) if named else None
    if (kind is None or kind in GENERIC_CONGRESS_KINDS) and is_government_address(body[:_ADDRESS_CHARS]):
        return "政府工作报告"
    if kind:
        return kind
    lines = [line for line in body.split("\n") if line.strip()]
    headings = [line for line in lines if is_numbered_heading(line)][:3]
    return kind_of_opening(headings + lines[:1]) or OTHER


def find_year(text: str, published: date | None = None, title: str | None = None) -> int | None:
    """The year a retrospective report is on: from the title, a 现将…年…报告 sentence, year headings and the opening.

    Years in plan sections (安排/计划/思路…) and years after the publish date do not count.
    """
    votes: Counter[int] = Counter()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if title and (m := _YEAR.search(normalise_numbers(title))):
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


# Kinds named by the year they review, never by a session (see :mod:`.years`).
_ANNUAL_KINDS = frozenset({"法治政府建设年度报告", "政府信息公开工作年度报告", "工作总结"})
# Kinds delivered at a people's congress session and named by its year.
_SESSION_KINDS = frozenset({"政府工作报告", "国民经济和社会发展计划报告", "预算报告"})
_ADDRESS_CHARS = 1500


def _year_on(body: str, front: FrontMatter, kind: str, published: date | None) -> int | None:
    """The year the report is named by (see :mod:`.years`): a report delivered at a congress session (a 2026 政府工作
    报告, a plan or budget report) by the session's year — its title's year, else the year after the one it reviews
    or the year delivered; a plan over several years by its first year; a retrospective report by the year it reviews.
    A year beyond the delivery (or publish) year plus one, or named as a target, never counts."""
    titles = _titles(front)
    delivered, congress = delivery(titles, front.delivered, front.venue, body)
    latest = delivered or published
    bound = latest.year + 1 if latest else None
    if kind in ("规划", OTHER):
        first = next((found for title in titles if (found := plan_first_year(title))), None)
        years = [year for title in titles for year in title_years(title, bound)]
        if first or kind == "规划":
            return (
                first
                or (min(years) if years else None)
                or (delivered.year if delivered else None)
                or find_year(normalise_numbers(body), published)
            )
    if kind in _SESSION_KINDS or (congress and kind not in _ANNUAL_KINDS):
        years = [year for title in titles for year in title_years(title, bound)]
        if years:
            return max(years)
        plain = simplified(body[: _OPENING_CHARS * 4])
        year = session_year(delivered, review_year(plain), plan_year(plain), congress)
        first = next((found for title in titles if (found := plan_first_year(title))), None)
        return year or first or (published.year if published else None) or find_year(normalise_numbers(body), published)
    for title in titles:
        if years := title_years(title, bound if kind not in RETROSPECTIVE else None):
            return years[0]
    if kind not in RETROSPECTIVE and kind != OTHER and latest:
        return latest.year
    return find_year(normalise_numbers(body), published) or (delivered.year if delivered and congress else None)


def find_published(front: FrontMatter) -> date | None:
    """The publish date: a page field (公开日期, 发布时间, 时间 …) or a date standing above the body, else the date
    that signs the report."""
    for name in _PUBLISHED_FIELDS:
        if front.fields.get(name) and (day := parse_date(front.fields[name])):
            return day
    return front.page_date or front.signed


def extract_meta(report_id: str, body: str, front: FrontMatter | None = None, gazetteer: Gazetteer | None = None) -> ReportMeta:
    """All metadata of one report: its body text and front matter (see :func:`.page.read_page`); given text alone,
    the page stage is run on it first."""
    if front is None:
        from .page import read_page

        page = read_page(body)
        body, front = page.text, page.front
    gazetteer = gazetteer or default_gazetteer()
    simple_front = FrontMatter(
        title=simplified(front.title or "") or None,
        page_title=simplified(front.page_title or "") or None,
        subtitle=simplified(front.subtitle or "") or None,
        venue=simplified(front.venue or "") or None,
        speaker_office=simplified(front.speaker_office or "") or None,
        signed_by=simplified(front.signed_by or "") or None,
        fields={name: simplified(value) for name, value in front.fields.items()},
    )
    simple_body = simplified(body[: _OPENING_CHARS * 4])
    kind = find_kind(simple_body, simple_front)
    place, named_body, national = find_issuer(simple_body, simple_front, gazetteer)
    central = None if place else _national_body(*_titles(simple_front), simple_front.signed_by or "")
    national = national or central is not None
    published = find_published(front)
    year = _year_on(body, front, kind, published)
    context = "\n".join(filter(None, (*_titles(simple_front), simple_front.signed_by, simple_body)))
    parent = find_region_parent(place, context, gazetteer) if place else None
    if place and not named_body:
        named_body = _named_by_level(place, [*_titles(simple_front), simple_front.signed_by or ""], simple_body[:_OPENING_CHARS])
    if place and not named_body and _government_report(place, kind, simple_front, simple_body[:_OPENING_CHARS]):
        named_body = "人民政府"
    if national and not (named_body or central) and kind == "政府工作报告":
        central = "国务院"  # the country's government reports to the 全国人民代表大会
    agency = (named_body or central) if national else _agency(place, parent, named_body, kind, simple_front, gazetteer)
    level = "national" if national else (place.level if place else None)
    return ReportMeta(
        report_id=report_id,
        title=front.title or _composed_title(report_id, agency or (place.name if place else None), year, kind),
        region=NATIONAL if national else (place.name if place else None),
        region_parent=parent,
        level=level,
        agency=agency,
        kind=kind,
        year=year,
        published=published,
        front=front.to_dict(),
    )


def _composed_title(report_id: str, who: str | None, year: int | None, kind: str) -> str:
    """A title for a report without a title line, from what is known of it; the report id when nothing is."""
    if not who and not year and kind == OTHER:
        return report_id
    return f"{who or ''}{f'{year}年' if year else ''}{kind if kind != OTHER else '报告'}"
