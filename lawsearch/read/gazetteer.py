"""Chinese administrative divisions (province, city, county level) with their parents.

The data is the adcode table shipped by the ``cpca`` package; it is read directly so that
pandas, which cpca itself imports, stays out of the start-up path.

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

_NAME_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
                  "地区", "林区", "特区", "省", "市", "区", "县", "盟", "旗")
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


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
        for place in places:
            for key in {place.name, place.short_name}:
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
            if text[position:position + 2] not in self._prefixes:
                position += 1
                continue
            for size in range(min(self.max_name_length, len(text) - position), 1, -1):
                piece = text[position:position + size]
                places = [p for p in self._by_name.get(piece, []) if short_names or p.name == piece]
                if places:
                    found.append((position, position + size, self.lookup(piece) if short_names else places))
                    position += size
                    break
            else:
                position += 1
        return found

    def lookup(self, name: str) -> list[Place]:
        """Places called ``name`` (full name first, then those whose short name it is)."""
        places = self._by_name.get(name, [])
        return sorted(places, key=lambda p: p.name != name)

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
    return Gazetteer(places)
