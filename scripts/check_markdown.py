"""How many reports of a collection let front matter or Markdown markup reach a chunk's text or heading path.

A marker counts when it reaches any chunk of the report: a ``---`` line, a ``title:`` line, a line starting with
``#``, ``**``, ``![`` or ``<br>``. Each report is counted once (and once per marker it shows).

    .venv/bin/python scripts/check_markdown.py /tmp/gov --workers 2
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

from lawsearch.read import parse_report

MARKERS: dict[str, re.Pattern[str]] = {
    "---": re.compile(r"^\s*---\s*$", re.M),
    "title:": re.compile(r"^\s*title\s*:", re.M | re.I),
    "# line": re.compile(r"^\s*#", re.M),
    "**": re.compile(r"\*\*"),
    "![": re.compile(r"!\["),
    "<br>": re.compile(r"<br\s*/?>", re.I),
}
SUFFIXES = (".md", ".txt")


def leaks_of(path: str) -> tuple[str, dict[str, str], str | None]:
    """``(path, {marker: first example}, error)`` for one report."""
    try:
        parsed = parse_report(path)
    except Exception as exc:  # noqa: BLE001 - a checker records every failure and goes on
        return path, {}, f"{type(exc).__name__}: {exc}"[:200]
    found: dict[str, str] = {}
    for chunk in parsed.chunks:
        for where, text in [("heading", h) for h in chunk.heading_path] + [("text", chunk.text)]:
            for name, pattern in MARKERS.items():
                if name not in found and (m := pattern.search(text)):
                    found[name] = f"{where}: " + text[max(0, m.start() - 15) : m.start() + 45].replace("\n", "⏎")
    return path, found, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count reports whose chunks carry front matter or Markdown markup.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=2, help="reader processes (default 2)")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per marker")
    args = parser.parse_args(argv)
    paths = sorted(str(p) for p in args.folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not paths:
        parser.error(f"no .md or .txt reports under {args.folder}")
    start = time.perf_counter()
    with Pool(max(1, args.workers)) as pool:
        results = list(pool.imap(leaks_of, paths, chunksize=8))
    leaking = [r for r in results if r[1]]
    per_marker = Counter(name for _, found, _ in results for name in found)
    errors = [(p, e) for p, _, e in results if e]
    print(f"{len(paths):,} reports read in {time.perf_counter() - start:.0f} s; {len(errors)} unreadable")
    for path, error in errors[:5]:
        print(f"  ! {path}: {error}")
    print(f"reports with markup or front matter in a chunk: {len(leaking):,}")
    print("  per marker: " + ", ".join(f"{name} {per_marker.get(name, 0):,}" for name in MARKERS))
    for name in MARKERS:
        for path, found, _ in [r for r in leaking if name in r[1]][: args.examples]:
            print(f"  [{name}] {path}: {found[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
