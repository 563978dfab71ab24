"""What an index holds: report counts by region, year, kind and level (``lawsearch regions``, ``/api/regions``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def holdings(entries: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """Report counts by region, year, kind and level of manifest entries (unknown values as null)."""
    metas = [entry.meta for entry in entries]
    regions = Counter((m.get("region"), m.get("region_parent"), m.get("level")) for m in metas)
    by = {field: Counter(m.get(field) for m in metas) for field in ("year", "kind", "level")}
    return {
        "regions": [
            {"name": name, "parent": parent, "level": level, "reports": n}
            for (name, parent, level), n in sorted(regions.items(), key=lambda item: (-item[1], str(item[0])))
        ],
        "years": [{"name": year, "reports": n} for year, n in sorted(by["year"].items(), key=lambda item: str(item[0]))],
        "kinds": [{"name": kind, "reports": n} for kind, n in by["kind"].most_common()],
        "levels": [{"name": level, "reports": n} for level, n in by["level"].most_common()],
    }
