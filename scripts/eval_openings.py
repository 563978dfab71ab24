"""Score parse_report's metadata on a set of report openings (``eval/openings-dev.jsonl``).

Each line is ``{"id", "text", "truth": {"region", "level", "agency", "kind", "year"}}``. Every opening is written to a
temporary ``<id>.txt`` file and read with :func:`lawsearch.read.parse_report`; the script prints, per field, the share
right and each miss (``id: truth → found``).

Rules. Region: the same name, or the same name once the administrative suffix is stripped (北京 vs 北京市); a national
body's truth region is null and only None (or 全国) agrees. Level, kind, year: equality. Agency: equality with the full
official name (杭州市滨江区人力资源和社会保障局); ``agency~`` also accepts the name without the parent places it
starts with (滨江区人力资源和社会保障局), which is how lawsearch writes a district's body.

    .venv/bin/python scripts/eval_openings.py eval/openings-dev.jsonl
    .venv/bin/python scripts/eval_openings.py eval/openings-dev.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from lawsearch.read import parse_report
from lawsearch.read.gazetteer import default_gazetteer, short_name

FIELDS = ("region", "level", "agency", "agency~", "kind", "year")
NATIONAL = "全国"


def load(path: Path) -> list[dict[str, Any]]:
    """The openings of a JSONL file; a line without id, text or truth is a ValueError naming the line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not {"id", "text", "truth"} <= row.keys():
            raise ValueError(f"{path}:{number}: a line needs id, text and truth")
        rows.append(row)
    return rows


def without_parents(agency: str) -> str:
    """The body's name without the parent places it starts with: 杭州市滨江区人社局 → 滨江区人社局."""
    found = default_gazetteer().find(agency)
    while len(found) >= 2 and found[0][0] == 0 and found[1][0] == found[0][1]:
        cut = found[0][1]
        agency = agency[cut:]
        found = [(start - cut, end - cut, places) for start, end, places in found[1:]]
    return agency


def right(name: str, truth: dict[str, Any], found: dict[str, Any]) -> bool:
    """Whether ``found`` gets field ``name`` right (see the module docstring)."""
    if name == "region":
        expected, got = truth.get("region"), found.get("region")
        if expected in (None, NATIONAL):
            return got in (None, NATIONAL)
        return got is not None and (got == expected or short_name(got) == short_name(expected))
    if name == "agency~":
        expected, got = truth.get("agency"), found.get("agency")
        return got == expected or (got is not None and expected is not None and without_parents(got) == without_parents(expected))
    return found.get(name) == truth.get(name)


def read_openings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What parse_report finds in each opening (an error is kept as ``{"error": …}``)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="openings-") as folder:
        for row in rows:
            path = Path(folder) / f"{row['id']}.txt"
            path.write_text(row["text"], encoding="utf-8")
            try:
                meta = parse_report(path).meta
            except Exception as exc:  # noqa: BLE001 - an evaluator scores a failure and goes on
                results.append({"error": f"{type(exc).__name__}: {exc}"[:200]})
                continue
            results.append(
                {
                    "region": meta.region,
                    "region_parent": meta.region_parent,
                    "level": meta.level,
                    "agency": meta.agency,
                    "kind": meta.kind,
                    "year": meta.year,
                    "title": meta.title,
                }
            )
    return results


def score(rows: list[dict[str, Any]], found: list[dict[str, Any]]) -> dict[str, Any]:
    """Per field: right, total, share and the misses (``id: truth → found``)."""
    fields = {}
    for name in FIELDS:
        key = "agency" if name == "agency~" else name
        misses = [
            f"{row['id']}: {row['truth'].get(key)} → {got.get('error') or got.get(key)}"
            for row, got in zip(rows, found)
            if "error" in got or not right(name, row["truth"], got)
        ]
        n = len(rows)
        fields[name] = {"right": n - len(misses), "total": n, "share": (n - len(misses)) / n if n else None, "misses": misses}
    return {"openings": len(rows), "fields": fields, "found": [{"id": row["id"], **got} for row, got in zip(rows, found)]}


def render(result: dict[str, Any]) -> str:
    """The scores as plain text."""
    out = [f"{result['openings']} openings"]
    for name, data in result["fields"].items():
        share = "n/a" if data["share"] is None else f"{data['share'] * 100:5.1f}%"
        out.append(f"  {name:<8} {share}  ({data['right']}/{data['total']})")
    for name, data in result["fields"].items():
        if data["misses"]:
            out.append("")
            out.append(f"{name} misses (truth → found)")
            out.extend(f"  {miss}" for miss in data["misses"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Read each opening of a JSONL dev set with parse_report and print, per field (region, level, "
        "agency, kind, year), the share right and the misses.",
        epilog="Example: .venv/bin/python scripts/eval_openings.py eval/openings-dev.jsonl",
    )
    parser.add_argument("openings", type=Path, help='JSONL file of {"id", "text", "truth": {region, level, agency, kind, year}}')
    parser.add_argument("--json", action="store_true", help="print the scores and what was found as JSON")
    args = parser.parse_args(argv)
    if not args.openings.is_file():
        parser.error(f"{args.openings} is not a file")
    try:
        rows = load(args.openings)
    except (ValueError, json.JSONDecodeError) as exc:
        parser.error(str(exc))
    if not rows:
        parser.error(f"{args.openings} holds no openings")
    result = score(rows, read_openings(rows))
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
