#!/usr/bin/env python
"""Choose the answer-set cut by cross-validation and print precision, recall and F1 per 哪些… question.

Each question is run once (hybrid, the default ranking); its candidate regions at the level asked come with their
best evidence score. The cut keeps a region when ``best ≥ MIN_SCORE`` and ``best ≥ MIN_SHARE × the leading
region's``; 5-fold cross-validation picks both on four folds (mean F1) and scores the fifth. "before" is what
``--by-region`` listed until now: every region with a hit.

    .venv/bin/python scripts/tune_answers.py --set /tmp/idx-seeds eval/seeds-dev-regions.jsonl \\
                                             --set /tmp/idx-all eval/provincial-dev-regions.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import random

from lawsearch.engine import LawSearch
from lawsearch.evaluate import answer_prf as prf
from lawsearch.evaluate import read_gold
from lawsearch.search.answers import answer_set, level_asked

SCORES = [round(0.4 + 0.05 * i, 2) for i in range(11)]
SHARES = [round(0.5 + 0.05 * i, 2) for i in range(11)]
FOLDS = 5


def collect(index: str, gold_path: str) -> list[dict]:
    rows = []
    with LawSearch.open(index) as engine:
        for record in read_gold(gold_path):
            if "regions" not in record:
                continue
            results = engine.search(record["query"], by_region=True)
            level = level_asked(record["query"]) or "any"
            hits = list(results._candidates)
            rows.append(
                {
                    "id": record.get("id"),
                    "query": record["query"],
                    "gold": record["regions"],
                    "hits": hits,
                    "level": level,
                    "indexed": engine.regions_indexed(level),
                    "before": [g.region for g in results.by_region()],
                }
            )
    return rows


def answer_of(row: dict, min_score: float, min_share: float) -> list[str]:
    return [a.region for a in answer_set(row["hits"], row["level"], row["indexed"], min_score=min_score, min_share=min_share).answer]


def mean_f1(rows: list[dict], params: tuple[float, float]) -> float:
    return sum(prf(answer_of(row, *params), row["gold"])[2] for row in rows) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs=2, action="append", metavar=("INDEX", "GOLD"), required=True)
    args = parser.parse_args()
    rows = [row for index, gold in args.set for row in collect(index, gold)]
    random.Random(7).shuffle(rows)
    folds = [rows[i::FOLDS] for i in range(FOLDS)]
    held: dict[str, tuple[float, float, float]] = {}
    chosen = []
    for k in range(FOLDS):
        train = [r for i, fold in enumerate(folds) if i != k for r in fold]
        params = max(itertools.product(SCORES, SHARES), key=lambda p: (mean_f1(train, p), p))
        chosen.append(params)
        for row in folds[k]:
            held[row["id"]] = prf(answer_of(row, *params), row["gold"])
    print(f"{'id':<6}{'gold':>5}{'before P/R/F1':>20}{'after (held out) P/R/F1':>26}  question")
    before_f1 = after_f1 = 0.0
    for row in sorted(rows, key=lambda r: r["id"]):
        b = prf(row["before"], row["gold"])
        a = held[row["id"]]
        before_f1 += b[2]
        after_f1 += a[2]
        print(
            f"{row['id']:<6}{len(row['gold']):>5}   {b[0]:.2f}/{b[1]:.2f}/{b[2]:.2f}          {a[0]:.2f}/{a[1]:.2f}/{a[2]:.2f}  {row['query']}"
        )
    empty = [r for r in rows if not r["gold"]]
    print(
        f"\nmean F1: before {before_f1 / len(rows):.3f}, after (held out) {after_f1 / len(rows):.3f}; "
        f"questions nothing answers given an empty answer: {sum(held[r['id']][2] == 1.0 for r in empty)}/{len(empty)}"
    )
    print(f"chosen per fold (min score, min share): {chosen}")
    print(f"on all questions: {max(itertools.product(SCORES, SHARES), key=lambda p: (mean_f1(rows, p), p))}")


if __name__ == "__main__":
    main()
