#!/usr/bin/env python
"""Evaluate an index against gold files and print hit@k, MRR@10 and nDCG@10 per mode and query kind.

    .venv/bin/python scripts/evaluate.py ../shared/eval/dev.jsonl ../shared/eval/dev_regions.jsonl
    .venv/bin/python scripts/evaluate.py GOLD.jsonl --index indexes/default --fusion rrf --dense-weight 0.3 --json

Builds indexes/default from seeds/ first when it does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lawsearch.engine import DEFAULT_DENSE_WEIGHT, DEFAULT_FUSION, LawSearch  # noqa: E402
from lawsearch.evaluate import CUTOFF, evaluate, format_report, read_gold  # noqa: E402
from lawsearch.store import IndexFolder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", nargs="+", help="gold JSON-lines files (passages and/or regions)")
    parser.add_argument("--index", default=str(ROOT / "indexes/default"))
    parser.add_argument("--seeds", default=str(ROOT / "seeds"), help="built into --index when it does not exist")
    parser.add_argument("--modes", default="lexical,dense,hybrid")
    parser.add_argument("--fusion", default=DEFAULT_FUSION)
    parser.add_argument("--dense-weight", type=float, default=DEFAULT_DENSE_WEIGHT)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()

    if not IndexFolder(args.index).exists():
        LawSearch.build(args.seeds, args.index).close()
    gold = [record for path in args.gold for record in read_gold(path)]
    with LawSearch.open(args.index) as engine:
        report = evaluate(
            lambda query, mode: engine.search(query, mode=mode, top_k=CUTOFF, fusion=args.fusion, dense_weight=args.dense_weight),
            gold,
            args.modes.split(","),
        )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"fusion={args.fusion} dense_weight={args.dense_weight}  ({len(gold)} gold queries)")
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
