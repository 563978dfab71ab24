#!/usr/bin/env python
"""A deterministic synthetic corpus for speed benchmarks (it measures speed, not quality).

Report i recombines the seed reports' sections: a title and a signature naming a county-level
region taken from the gazetteer (so regions vary), an opening paragraph, and three or four numbered
sections chosen with random.Random(i), each with its sub-headings and paragraphs copied verbatim.
Because paragraphs are copied verbatim, their chunk texts repeat the seeds' and the embedding cache
serves most of them; only titles, openings under new names and signatures are embedded anew.

    .venv/bin/python scripts/synth.py OUT_DIR --reports 200
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from lawsearch.read.files import read_report
from lawsearch.read.gazetteer import default_gazetteer
from lawsearch.read.headings import numbered_rank, signature_size
from lawsearch.read.page import clean_text

ROOT = Path(__file__).resolve().parent.parent

_CN = "一二三四五六七八九十"


def seed_sections(seeds: Path) -> tuple[list[str], list[list[str]]]:
    """Opening paragraphs and top-level sections (heading line + body lines, heading number stripped) of the seeds."""
    openings: list[str] = []
    sections: list[list[str]] = []
    for path in sorted(seeds.glob("*.txt")):
        lines = [line.strip() for line in clean_text(read_report(path).text).split("\n") if line.strip()]
        lines = lines[: len(lines) - signature_size(lines)]
        current: list[str] | None = None
        for line in lines:
            if numbered_rank(line) == 1:
                current = [re.sub(rf"^[{_CN}]+、", "", line)]
                sections.append(current)
            elif current is None:
                openings.append(line)
            else:
                current.append(line)
    return openings, sections


def synthesize(out: Path, count: int, seeds: Path = ROOT / "seeds") -> list[Path]:
    """Write ``count`` reports into ``out``; the same count gives the same files."""
    openings, sections = seed_sections(seeds)
    places = [p for p in default_gazetteer().places() if p.level == "county" and len(p.name) >= 3]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        rng = random.Random(i)
        region = places[rng.randrange(len(places))].name
        year = rng.randrange(2019, 2025)
        chosen = rng.sample(sections, rng.randint(3, 4))
        lines = [f"{region}人社局{year}年度法治政府建设情况报告", rng.choice(openings)]
        for number, section in enumerate(chosen):
            lines.append(f"{_CN[number]}、{section[0]}")
            lines.extend(section[1:])
        lines += [f"{region}人力资源和社会保障局", f"{year + 1}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"]
        path = out / f"synth_{i:04d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--reports", type=int, default=200)
    args = parser.parse_args()
    paths = synthesize(Path(args.out), args.reports)
    print(f"wrote {len(paths)} synthetic reports to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
