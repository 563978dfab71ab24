"""Chinese administrative divisions (province, city, county level) with their parents.

The data is the adcode table shipped by the ``cpca`` package; it is read directly so that
pandas, which cpca itself imports, stays out of the start-up path. That table dates from 2016: the divisions set up
since (:data:`LATER_DIVISIONS`, from the Ministry of Civil Affairs' yearly lists of changes) are added to it.

Besides its full name and short name (杭州 for 杭州市), an autonomous prefecture, county or banner answers to its
standard short form: the place name without the peoples and 自治, followed by 州, 县 or 旗 (恩施土家族苗族自治州 →
恩施州, 长阳土家族自治县 → 长阳县), which counts as a full name.

>>> places = default_gazetteer().lookup("滨江区")
>>> places[0].name, default_gazetteer().parent_of(places[0]).name
('滨江区', '杭州市')
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_NAME_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# The peoples named in autonomous divisions (the 55 minority nationalities), longest first so that 土家 goes before 土.
_PEOPLES = sorted(
    (
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
        "各",
    ),
    key=len,
    reverse=True,
)
_AUTONOMOUS = {"自治州": "州", "自治县": "县", "自治旗": "旗"}

# Divisions set up after cpca's table (2016), with the code of the division each one continues where it moved (the
# old entry is then dropped; a renamed one keeps its old name as a place of its own, for the reports of its time).
# Sources: 民政部《县级以上行政区划变更情况》 of each year and the 国家统计局 统计用区划代码 (2023) for the codes
# (大兴安岭地区's 加格达奇区 … 呼中区 have statistical codes only).
LATER_DIVISIONS: tuple[tuple[str, str, str | None], ...] = (
    # 那曲地区 became 那曲市 (approved 2017, set up 2018); 那曲县 became its 色尼区, the other counties moved with it.
    ("540600000000", "那曲市", None),
    ("540602000000", "色尼区", None),
    ("540621000000", "嘉黎县", "542422000000"),
    ("540622000000", "比如县", "542423000000"),
    ("540623000000", "聂荣县", "542424000000"),
    ("540624000000", "安多县", "542425000000"),
    ("540625000000", "申扎县", "542426000000"),
    ("540626000000", "索县", "542427000000"),
    ("540627000000", "班戈县", "542428000000"),
    ("540628000000", "巴青县", "542429000000"),
    ("540629000000", "尼玛县", "542430000000"),
    ("540630000000", "双湖县", "542431000000"),
    # 莱芜市 merged into 济南市 (2019): 莱城区 became 莱芜区, 钢城区 moved.
    ("370116000000", "莱芜区", None),
    ("370117000000", "钢城区", "371203000000"),
    # 杭州市: 临安市 became 临安区 (2017); 临平区 and 钱塘区 set up (2021).
    ("330112000000", "临安区", None),
    ("330113000000", "临平区", None),
    ("330114000000", "钱塘区", None),
    # 大兴安岭地区's districts (statistical codes) and 漠河县 become 漠河市 (2018).
    ("232701000000", "漠河市", None),
    ("232761000000", "加格达奇区", None),
    ("232762000000", "松岭区", None),
    ("232763000000", "新林区", None),
    ("232764000000", "呼中区", None),
    # Counties become districts or cities: 长乐区 (2017), 梁平区 and 武隆区 (2016), 平泉市 (2017), 滦州市 (2018),
    # 邵东市 (2019); 龙港市 set up out of 苍南县 (2019).
    ("350112000000", "长乐区", None),
    ("500155000000", "梁平区", None),
    ("500156000000", "武隆区", None),
    ("130881000000", "平泉市", None),
    ("130284000000", "滦州市", None),
    ("430582000000", "邵东市", None),
    ("330383000000", "龙港市", None),
    # Cities of the Xinjiang Production and Construction Corps, under the autonomous region (2011–2023).
    ("659005000000", "北屯市", None),
    ("659007000000", "双河市", None),
    ("659008000000", "可克达拉市", None),
    ("659009000000", "昆玉市", None),
    ("659010000000", "胡杨河市", None),
    ("659011000000", "新星市", None),
    ("659012000000", "白杨市", None),
)


@dataclass(frozen=True)
class Place:
    """One administrative division: 12-digit adcode and name."""

    code: str
    name: str

    @property
    def level(self) -> str:
        """``province``, ``city`` (prefecture level) or ``county`` (county level: 区/县/县级市)."""
        if self.code[2:] == "0" * 10:
            return "province"
        if self.code[4:] == "0" * 8:
            return "city"
        return "county"

    @property
    def short_name(self) -> str:
        """The name without its administrative suffix: 上虞区 → 上虞, 杭州市 → 杭州."""
        return short_name(self.name)


def standard_short_name(name: str) -> str | None:
    """The standard short form of an autonomous division: 恩施土家族苗族自治州 → 恩施州, 黔东南苗族侗族自治州 → 黔东南州;
    None for any other name (or where no place name is left, as in 鄂温克族自治旗)."""
    for suffix, short_suffix in _AUTONOMOUS.items():
        if name.endswith(suffix):
            core = name[: -len(suffix)]
            stripped = True
            while stripped:
                stripped = False
                for people in _PEOPLES:
                    for form in (people + "族", people) if len(people) > 1 else (people + "族",):
                        if core.endswith(form) and len(core) > len(form):
                            core, stripped = core[: -len(form)], True
                            break
                    if stripped:
                        break
            if core == name[: -len(suffix)] or len(core) < 2:
                return None
            return core + short_suffix
    return None


def short_name(name: str) -> str:
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    """Lookup of places by full or short name, and of their parents."""

    def __init__(self, places: list[Place]) -> None:
        self._by_code = {p.code: p for p in places}
        self._by_name: dict[str, list[Place]] = {}
        self._standard: dict[str, str] = {}  # code → standard short form (恩施州), which counts as a full name
        for place in places:
            standard = standard_short_name(place.name)
            if standard:
                self._standard[place.code] = standard
            for key in dict.fromkeys(filter(None, (place.name, standard, place.short_name))):
                self._by_name.setdefault(key, []).append(place)
        self.max_name_length = max(len(name) for name in self._by_name)
        self._prefixes = {name[:2] for name in self._by_name}
        self._name_counts: dict[str, int] = {}
        for place in places:
            self._name_counts[place.name] = self._name_counts.get(place.name, 0) + 1

    def is_unique(self, place: Place) -> bool:
        """Whether no other place has this full name (朝阳区 is in two cities; 上虞区 is one place)."""
        return self._name_counts.get(place.name, 0) == 1

    def find(self, text: str, short_names: bool = False) -> list[tuple[int, int, list[Place]]]:
        """Place names in ``text``, longest first at each position, not overlapping: ``[(start, end, places)]``.

        Short names (杭州 for 杭州市) only when ``short_names``: many of them are common words (平安, 城关).

        >>> [(s, e, p[0].name) for s, e, p in default_gazetteer().find("在杭州市滨江区工作")]
        [(1, 4, '杭州市'), (4, 7, '滨江区')]
        """
        found = []
        position = 0
        while position < len(text) - 1:
            if text[position : position + 2] not in self._prefixes:
                position += 1
                continue
            for size in range(min(self.max_name_length, len(text) - position), 1, -1):
                piece = text[position : position + size]
                places = [p for p in self._by_name.get(piece, []) if short_names or self.is_full_name(p, piece)]
                if places:
                    found.append((position, position + size, self.lookup(piece) if short_names else places))
                    position += size
                    break
            else:
                position += 1
        return found

    def is_full_name(self, place: Place, name: str) -> bool:
        """Whether ``name`` is the place's full name or its standard short form (恩施州), not a mere short name."""
        return place.name == name or self._standard.get(place.code) == name

    def lookup(self, name: str) -> list[Place]:
        """Places called ``name`` (full name or standard short form first, then those whose short name it is)."""
        places = self._by_name.get(name, [])
        return sorted(places, key=lambda p: not self.is_full_name(p, name))

    def places(self) -> list[Place]:
        """Every place, by adcode."""
        return sorted(self._by_code.values(), key=lambda p: p.code)

    def names(self) -> set[str]:
        return set(self._by_name)

    def parent_of(self, place: Place) -> Place | None:
        """The prefecture-level city of a county (or the province where none), the province of a city."""
        if place.level == "province":
            return None
        candidates = [place.code[:4] + "0" * 8] if place.level == "county" else []
        candidates.append(place.code[:2] + "0" * 10)
        for code in candidates:
            parent = self._by_code.get(code)
            if parent and parent.name not in _PLACEHOLDER_NAMES:
                return parent
        return None

    def ancestors(self, place: Place) -> list[Place]:
        """Parent, grandparent …: 滨江区 → [杭州市, 浙江省]."""
        chain = []
        parent = self.parent_of(place)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.parent_of(parent)
        return chain


def _adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("lawsearch needs the 'cpca' package for its table of Chinese administrative divisions")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    with _adcodes_path().open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        places = [Place(row["adcode"], row["name"]) for row in rows if row["name"] not in _PLACEHOLDER_NAMES]
    return Gazetteer(with_later_divisions(places))


def with_later_divisions(places: list[Place]) -> list[Place]:
    """``places`` with :data:`LATER_DIVISIONS` added, each moved division's old entry dropped."""
    known = {p.code for p in places}
    moved = {former for _, _, former in LATER_DIVISIONS if former}
    added = [Place(code, name) for code, name, _ in LATER_DIVISIONS if code not in known]
    return [p for p in places if p.code not in moved] + added
