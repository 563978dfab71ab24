"""What a search is restricted to: regions, years, kinds and levels of reports.

Several values of one filter are alternatives (OR); different filters must all hold (AND). A region or year
that no indexed report has is an error naming the closest ones the index holds, so that a typo
(``滨江县`` for ``滨江区``) does not silently give nothing.

Each filter takes text or a list of texts (``year``: a whole number, text of one such as ``"2022"`` or ``"2022年"``,
or a list of them); anything else is an ArgumentError naming the filter, the type given and what it takes.

>>> Scope.of(region=["滨江", "罗湖区"], year="2022").years
(2022,)
>>> Scope.of().unrestricted
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import checks
from ..errors import ArgumentError, QueryError
from ..models import LEVELS
from .query import clean_text

FilterValue = Any  # one value (str or int) or an iterable of them; None for none
_SUGGESTIONS = 3
_MIN_YEAR, _MAX_YEAR = 1, 9999


def check_kind_and_level(kinds: Iterable[str] | str | None, levels: Iterable[str] | str | None) -> None:
    """A QueryError for a kind or level that reports cannot have (an ArgumentError for one that is not text)."""
    from ..read.kinds import KINDS

    for kind in checks.texts("kind", kinds):
        checks.choice("kind", kind, KINDS)
    for level in checks.texts("level", levels):
        checks.choice("level", level, LEVELS)


def _year(value: Any) -> int:
    """A year given as a whole number or as text of one (``2022``, ``"2022"``, ``"2022年"``), from 1 to 9999."""
    year = None
    if checks.is_whole_number(value):
        year = int(value)
    elif isinstance(value, str):
        try:
            year = int(value.strip().removesuffix("年"))
        except ValueError:  # also digits beyond int's limit on text length
            pass
    if year is None or not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ArgumentError(
            f"year must be a number such as 2022 (int, or text of one) from {_MIN_YEAR} to {_MAX_YEAR}, not {checks.shown(value)}"
        )
    return year


def closest(name: str, held: Iterable[str], n: int = _SUGGESTIONS) -> list[str]:
    """The names in ``held`` that look most like ``name`` (difflib's ratio ≥ 0.5), best first.

    >>> closest("滨江县", ["滨江区", "罗湖区", "南昌县"])
    ['滨江区']
    """
    return difflib.get_close_matches(name, sorted(set(held)), n=n, cutoff=0.5)


@dataclass(frozen=True)
class Scope:
    regions: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    @classmethod
    def of(cls, region: FilterValue = None, year: FilterValue = None, kind: FilterValue = None, level: FilterValue = None) -> Scope:
        """A scope from one value or several per filter; blank regions and repeated values are dropped. An
        ArgumentError for a value of a type the filter does not take (see the module docstring)."""
        regions = (clean_text(value).strip() for value in checks.texts("region", region))
        return cls(
            regions=tuple(dict.fromkeys(r for r in regions if r)),
            years=tuple(dict.fromkeys(_year(value) for value in checks.values("year", year, "a year (int)"))),
            kinds=tuple(dict.fromkeys(checks.texts("kind", kind))),
            levels=tuple(dict.fromkeys(checks.texts("level", level))),
        )

    @property
    def unrestricted(self) -> bool:
        return not (self.regions or self.years or self.kinds or self.levels)

    def admits(self, meta: Mapping[str, Any], region_keys: set[str]) -> bool:
        """Whether a report with ``meta`` (and the names its region answers to) is inside the scope."""
        return (
            (not self.regions or any(region in region_keys for region in self.regions))
            and (not self.years or meta.get("year") in self.years)
            and (not self.kinds or meta.get("kind") in self.kinds)
            and (not self.levels or meta.get("level") in self.levels)
        )

    def reports(self, entries: Mapping[str, Any], region_keys: Mapping[str, set[str]]) -> set[str] | None:
        """Ids of the reports (manifest entries by id) inside the scope; None when nothing restricts. A region or
        year no report has is a QueryError with the closest ones held."""
        if self.unrestricted:
            return None
        self.check_held(entries, region_keys)
        return {report_id for report_id, entry in entries.items() if self.admits(entry.meta, region_keys[report_id])}

    def check_held(self, entries: Mapping[str, Any], region_keys: Mapping[str, set[str]]) -> None:
        """Raise for the first region or year of the scope that no report in ``entries`` has."""
        all_keys = set().union(*region_keys.values()) if region_keys else set()
        for region in self.regions:
            if region not in all_keys:
                names = [name for entry in entries.values() for name in (entry.meta.get("region"), entry.meta.get("region_parent")) if name]
                raise QueryError(f"no report of region {region}; " + _hint(closest(region, names), sorted(set(names))))
        held_years = sorted({year for entry in entries.values() if isinstance(year := entry.meta.get("year"), int)})
        for year in self.years:
            if year not in held_years:
                near = sorted(held_years, key=lambda held: (abs(held - year), held))[:_SUGGESTIONS]
                raise QueryError(f"no report on year {year}; " + _hint([str(y) for y in near], [str(y) for y in held_years]))


def _hint(suggestions: list[str], held: list[str]) -> str:
    if suggestions:
        return f"did you mean {' or '.join(suggestions)}?"
    if not held:
        return "the index holds no report that says"
    more = f" … ({len(held)} in all; `lawsearch regions` lists them)" if len(held) > 8 else ""
    return f"the index holds {', '.join(held[:8])}{more}"
