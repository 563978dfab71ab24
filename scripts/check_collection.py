"""How well the reading pipeline's metadata agrees with a collection's folder layout, and what Markdown leaks into chunks.

The collection keeps one folder per region with files named by year (``政府工作报告-其他地市/白城市/2021.md``);
national folders hold the files directly (``政府工作报告-国务院/2020.md``, ``五年规划/2011-十二五规划纲要.md``).
The truth of each report is read from its path:

- **region**: the name of the folder holding the file when the gazetteer knows it as a place or it ends like one
  (市, 县, 自治州 …); otherwise the report is national (region ``全国``).
- **year**: the first four digits of the file name (the delivery year of a work report; ``2021-08.md`` → 2021).
- **kind**: ``政府工作报告`` when a folder on the path starts with ``政府工作报告``; not scored elsewhere.
- **level**: ``national`` for national reports, else the gazetteer level of the folder's place (直辖市 are provinces;
  not scored for a place the gazetteer lacks).

Agreement rules. Region: ``meta.region`` equals the folder name, or both have the same short name once the
administrative suffix is stripped with the gazetteer's own rule (北京 vs 北京市 agree; 恩施州 vs 恩施土家族苗族自治州
do not); a national report agrees when ``meta.region`` is None or 全国 (central bodies carry no region). A district,
or the province, found for a city's report is a disagreement. Year, kind, level: equality. A report that cannot be
read counts against every field it is scored on. ``--json`` adds each report's truth and findings.

Leaks, in any chunk's text or heading path: front matter (``---`` lines, which may also be Markdown rules;
``title:``/``source:`` lines) and Markdown markers (``#`` headings, ``**``, ``![``, ``<br>``, ``|`` table rows);
counted apart, not as leaking reports: ``<!--``, ``<details>``/``<summary>``, ``[^n]`` footnotes, ``>`` quotes.

    .venv/bin/python scripts/check_collection.py /tmp/gov
    .venv/bin/python scripts/check_collection.py /tmp/gov --limit 300 --workers 2 --json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from lawsearch.read import parse_report
from lawsearch.read.gazetteer import default_gazetteer, short_name

NATIONAL = "全国"
WORK_REPORT = "政府工作报告"
FIELDS = ("region", "year", "kind", "level")
SUFFIXES = (".md", ".txt")
TOP_PATTERNS = 10
LEAK_EXAMPLES = 5
# Markers the brief asks about (``main``) and others worth seeing (``extra``); each a line-level regex.
LEAK_MARKERS: dict[str, re.Pattern[str]] = {
    "--- line": re.compile(r"^\s*---\s*$", re.M),
    "front matter title:/source:": re.compile(r"^\s*(?:title|source)\s*:", re.M),
    "# heading": re.compile(r"^\s*#{1,6}(?:\s|$)", re.M),
    "**": re.compile(r"\*\*"),
    "![": re.compile(r"!\["),
    "<br>": re.compile(r"<br\s*/?>", re.I),
    "| table row": re.compile(r"^\s*\|.*\|\s*$", re.M),
}
EXTRA_MARKERS: dict[str, re.Pattern[str]] = {
    "<!--": re.compile(r"<!--"),
    "<details>/<summary>": re.compile(r"</?(?:details|summary)>", re.I),
    "[^n] footnote": re.compile(r"\[\^\w+\]"),
    "> quote": re.compile(r"^\s*>\s", re.M),
}


@dataclass(frozen=True)
class Truth:
    """What a report's path says about it; ``kind`` None where the path says nothing of it."""

    group: str
    region: str
    level: str | None
    kind: str | None
    year: int | None


@dataclass
class Finding:
    """What parse_report made of one report, and which markers reached its chunks."""

    path: str
    region: str | None = None
    level: str | None = None
    kind: str | None = None
    year: int | None = None
    agency: str | None = None
    title: str | None = None
    error: str | None = None
    leaks: dict[str, str] = field(default_factory=dict)  # marker -> first example ("text: …" / "heading: …")


def report_files(folder: Path) -> list[Path]:
    """Every report file under ``folder`` (.md, .txt), in path order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def sample(paths: list[Path], limit: int | None) -> list[Path]:
    """``limit`` paths spread evenly over ``paths`` (all when ``limit`` is None or not smaller)."""
    if limit is None or limit >= len(paths):
        return paths
    return [paths[i * len(paths) // limit] for i in range(limit)]


def truth_of(path: Path, root: Path) -> Truth:
    """The truth a report's path gives (see the module docstring)."""
    gazetteer = default_gazetteer()
    relative = path.relative_to(root)
    folders = [root.name, *relative.parts[:-1]]
    group = relative.parts[0] if len(relative.parts) > 1 else root.name
    holder = path.parent.name
    places = gazetteer.lookup(holder)
    m = re.match(r"(\d{4})", path.stem)
    year = int(m.group(1)) if m else None
    kind = WORK_REPORT if any(name.startswith(WORK_REPORT) for name in folders) else None
    if places:
        return Truth(group, holder, places[0].level, kind, year)
    if short_name(holder) != holder:  # named like a place the gazetteer lacks (那曲市, a city since 2017): level unknown
        return Truth(group, holder, None, kind, year)
    return Truth(group, NATIONAL, "national", kind, year)


def region_agrees(truth: str, found: str | None) -> bool:
    """The region rule: same name, or same name without the administrative suffix; national ↔ None or 全国."""
    if truth == NATIONAL:
        return found in (None, NATIONAL)
    if found is None:
        return False
    return found == truth or short_name(found) == short_name(truth)


def agrees(name: str, truth: Truth, finding: Finding) -> bool | None:
    """Whether ``finding`` agrees with ``truth`` on field ``name``; None when the field is not scored here."""
    expected = getattr(truth, name)
    if expected is None:
        return None
    if finding.error:
        return False
    if name == "region":
        return region_agrees(expected, finding.region)
    return getattr(finding, name) == expected


def _leaks(chunks: Iterable[Any]) -> dict[str, str]:
    """Each marker that reaches a chunk's heading path or text, with its first example."""
    found: dict[str, str] = {}
    markers = {**LEAK_MARKERS, **EXTRA_MARKERS}
    for chunk in chunks:
        places = [("heading", heading) for heading in chunk.heading_path] + [("text", chunk.text)]
        for where, text in places:
            for name, pattern in markers.items():
                if name not in found and (m := pattern.search(text)):
                    found[name] = f"{where}: " + text[max(0, m.start() - 20) : m.start() + 60].replace("\n", "⏎")
    return found


def read_one(path: str) -> Finding:
    """Parse one report (any error is kept, not raised)."""
    try:
        parsed = parse_report(path)
    except Exception as exc:  # noqa: BLE001 - a checker reports every failure and goes on
        return Finding(path=path, error=f"{type(exc).__name__}: {exc}"[:200])
    meta = parsed.meta
    return Finding(
        path=path,
        region=meta.region,
        level=meta.level,
        kind=meta.kind,
        year=meta.year,
        agency=meta.agency,
        title=meta.title,
        leaks=_leaks(parsed.chunks),
    )


def read_all(paths: list[Path], workers: int) -> list[Finding]:
    """Findings for ``paths`` in their order, read by a pool of ``workers`` processes (in this one for 1)."""
    names = [str(p) for p in paths]
    if workers <= 1:
        return [read_one(name) for name in names]
    with Pool(workers) as pool:
        return list(pool.imap(read_one, names, chunksize=8))


def _found_value(name: str, finding: Finding) -> str:
    return "ERROR" if finding.error else str(getattr(finding, name))


def _region_miss_class(truth: Truth, finding: Finding) -> str:
    """Why a region disagrees: nothing found, a place inside the truth's, its parent, a same-name place, other."""
    if finding.error:
        return "unreadable"
    if finding.region is None:
        return "none found"
    if truth.region == NATIONAL:
        return "a region for a national report"
    gazetteer = default_gazetteer()
    truth_places = gazetteer.lookup(truth.region)
    found_places = gazetteer.lookup(finding.region)
    if any(t in gazetteer.ancestors(f) for t in truth_places for f in found_places):
        return "a place inside the folder's (district/county)"
    if any(f in gazetteer.ancestors(t) for t in truth_places for f in found_places):
        return "the folder's parent (province/city)"
    return "another place"


def summarise(root: Path, paths: list[Path], findings: list[Finding], seconds: float) -> dict[str, Any]:
    """The figures: per-field shares (overall and per group), kinds found, disagreement patterns, leaks."""
    truths = [truth_of(p, root) for p in paths]
    fields: dict[str, Any] = {}
    for name in FIELDS:
        right = total = 0
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        patterns: Counter[str] = Counter()
        for truth, finding in zip(truths, findings):
            ok = agrees(name, truth, finding)
            if ok is None:
                continue
            total += 1
            groups[truth.group][1] += 1
            if ok:
                right += 1
                groups[truth.group][0] += 1
            else:
                patterns[f"{getattr(truth, name)} → {_found_value(name, finding)}"] += 1
        fields[name] = {
            "right": right,
            "scored": total,
            "share": right / total if total else None,
            "groups": {g: {"right": r, "scored": n, "share": r / n} for g, (r, n) in sorted(groups.items())},
            "patterns": patterns.most_common(TOP_PATTERNS),
        }
    region_classes = Counter(_region_miss_class(t, f) for t, f in zip(truths, findings) if agrees("region", t, f) is False)
    fields["region"]["miss_classes"] = region_classes.most_common()
    kinds = Counter(f.kind if not f.error else "ERROR" for f in findings)
    kinds_by_group: dict[str, Counter[str]] = defaultdict(Counter)
    for truth, finding in zip(truths, findings):
        kinds_by_group[truth.group][finding.kind if not finding.error else "ERROR"] += 1
    leaking = [f for f in findings if any(name in LEAK_MARKERS for name in f.leaks)]
    marker_counts = Counter(name for f in findings for name in f.leaks)
    return {
        "root": str(root),
        "reports": len(findings),
        "errors": [(f.path, f.error) for f in findings if f.error],
        "seconds": round(seconds, 1),
        "fields": fields,
        "kinds": kinds.most_common(),
        "kinds_by_group": {g: c.most_common() for g, c in sorted(kinds_by_group.items())},
        "leaks": {
            "reports": len(leaking),
            "markers": {name: marker_counts.get(name, 0) for name in (*LEAK_MARKERS, *EXTRA_MARKERS)},
            "examples": [{"path": f.path, "markers": f.leaks} for f in _leak_examples(leaking, marker_counts)],
        },
        "per_report": [
            {
                "path": f.path,
                "truth": {name: getattr(t, name) for name in FIELDS},
                "found": {name: getattr(f, name) for name in (*FIELDS, "agency", "title")},
                "error": f.error,
                "leaks": sorted(f.leaks),
            }
            for t, f in zip(truths, findings)
        ],
    }


def _leak_examples(leaking: list[Finding], counts: Counter[str]) -> list[Finding]:
    """Up to LEAK_EXAMPLES leaking reports, the rarest markers first, so that the examples show each kind of leak."""
    chosen: list[Finding] = []
    for name in sorted((n for n in LEAK_MARKERS if counts.get(n)), key=lambda n: counts[n]):
        example = next((f for f in leaking if name in f.leaks and f not in chosen), None)
        if example and len(chosen) < LEAK_EXAMPLES:
            chosen.append(example)
    chosen += [f for f in leaking if f not in chosen][: LEAK_EXAMPLES - len(chosen)]
    return chosen


def _pct(share: float | None) -> str:
    return "  n/a" if share is None else f"{share * 100:5.1f}%"


def render(summary: dict[str, Any]) -> str:
    """The summary as plain text."""
    out = [f"{summary['reports']:,} reports under {summary['root']} read in {summary['seconds']} s; {len(summary['errors'])} unreadable"]
    for path, error in summary["errors"][:5]:
        out.append(f"  ! {path}: {error}")
    out.append("")
    out.append("Agreement with the path (region: same name or same name without suffix; national: no region)")
    for name, data in summary["fields"].items():
        out.append(f"  {name:<7} {_pct(data['share'])}  ({data['right']:,}/{data['scored']:,})")
    groups = sorted({g for data in summary["fields"].values() for g in data["groups"]})
    out.append("")
    out.append("  " + "".join(f"{name:>8}" for name in summary["fields"]) + "   reports  group")
    for group in groups:
        cells = []
        for data in summary["fields"].values():
            g = data["groups"].get(group)
            cells.append(f"{_pct(g['share']) if g else '-':>8}")
        n = max(data["groups"].get(group, {}).get("scored", 0) for data in summary["fields"].values())
        out.append("  " + "".join(cells) + f"  {n:>8,}  {group}")
    for name, data in summary["fields"].items():
        out.append("")
        out.append(f"Commonest {name} disagreements (truth → found)")
        out.extend(f"  {count:>5}  {pattern}" for pattern, count in data["patterns"])
        if not data["patterns"]:
            out.append("  (none)")
        if name == "region" and data.get("miss_classes"):
            out.append("  region misses by cause: " + "; ".join(f"{c} {n}" for c, n in data["miss_classes"]))
    out.append("")
    out.append("Kinds found: " + ", ".join(f"{kind} {n:,}" for kind, n in summary["kinds"]))
    for group, kinds in summary["kinds_by_group"].items():
        out.append(f"  {group}: " + ", ".join(f"{kind} {n:,}" for kind, n in kinds))
    leaks = summary["leaks"]
    out.append("")
    out.append(f"Front matter or Markdown in chunks (text or heading path): {leaks['reports']:,} reports")
    counts = leaks["markers"]
    out.append("  reports per marker: " + ", ".join(f"{name} {counts[name]:,}" for name in LEAK_MARKERS))
    out.append("  other markup (not counted above): " + ", ".join(f"{name} {counts[name]:,}" for name in EXTRA_MARKERS))
    for example in leaks["examples"]:
        out.append(f"  {example['path']}")
        for name, where in example["markers"].items():
            out.append(f"      [{name}] {where}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Read every report of a collection kept as folders per region with files named by year, and "
        "print how often parse_report's region, year, kind and level agree with the path, the kinds "
        "found, the commonest disagreements, and the reports whose chunks carry front matter or Markdown.",
        epilog="Example: .venv/bin/python scripts/check_collection.py /tmp/gov --workers 2",
    )
    parser.add_argument("folder", type=Path, help="the collection (e.g. /tmp/gov), or any folder inside it")
    parser.add_argument("--limit", type=int, metavar="N", help="read only N reports spread evenly over the collection")
    parser.add_argument("--workers", type=int, default=2, metavar="W", help="reader processes (default 2; 1 reads here)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    root = args.folder.resolve()
    paths = sample(report_files(root), args.limit)
    if not paths:
        parser.error(f"no .md or .txt reports under {args.folder}")
    start = time.perf_counter()
    findings = read_all(paths, args.workers)
    summary = summarise(root, paths, findings, time.perf_counter() - start)
    print(json.dumps(summary, ensure_ascii=False, indent=1) if args.json else render(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
