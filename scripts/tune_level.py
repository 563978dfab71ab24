#!/usr/bin/env python
"""Choose the level boost (RankingParams.level_boost) by cross-validation over the questions that ask for a level.

Every development question that asks for a province, city or county (``level_asked``: 哪些省份, 哪个城市, 哪些区县 …)
is run in all three modes at each boost of GRID. Each run is scored by the measures its gold allows: MRR@10 for a
passage question (``none`` for one nothing answers: 1 when no hit is shown); for a 哪些… question the region lead
(``regions_lead``), the answer-set F1 and the evidence MRR (1 / rank of the first of the top 10 hits holding an
``evidence`` substring). A question's utility at a boost is the mean of its measures in each mode, averaged over the
modes. Leave-one-out and 5-fold cross-validation choose the boost on the other questions (the middle of the best
values, the lower one of two) and score the held-out one against boost 0.

    .venv/bin/python scripts/tune_level.py \\
        --set /tmp/base-prov eval/provincial-dev.jsonl eval/provincial-dev-regions.jsonl \\
        --set /tmp/collection-idx eval/collection-dev.jsonl eval/collection-dev-regions.jsonl
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuning import add_set_option, index_sets

from lawsearch.engine import MODES, LawSearch
from lawsearch.evaluate import CUTOFF, answer_prf, passage_metrics, read_gold, regions_lead, relevance
from lawsearch.search.answers import level_asked
from lawsearch.search.results import Results

GRID = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3]
LEVELS = ("province", "city", "county")
FOLDS = 5
SEEDS = 3

Key = tuple[str, str]  # (gold file stem, question id)
Table = dict[Key, dict[str, dict[float, dict[str, float]]]]  # question → mode → boost → measure → value


def measures(record: dict[str, Any], results: Results) -> dict[str, float]:
    """The measures of one run of one question (see the module docstring)."""
    if "relevant" in record:
        if not record["relevant"]:
            return {"none": float(not results.hits)}
        gains = relevance(list(results.hits), record["relevant"])
        return {"mrr": passage_metrics(gains, len(record["relevant"]))["mrr@10"]}
    groups = results.by_region()
    answer = [a.region for a in results.answers.answer] if results.answers is not None else [g.region for g in groups]
    out = {"lead": float(regions_lead(groups, record["regions"])), "f1": answer_prf(answer, record["regions"])[2]}
    evidence = list(record.get("evidence", {}).values())
    if evidence:
        rank = next((i for i, hit in enumerate(results.hits[:CUTOFF], 1) if any(e in hit.text for e in evidence)), None)
        out["ev_mrr"] = 1 / rank if rank else 0.0
    return out


def collect(index: str, golds: list[str], table: Table) -> None:
    """Run the level questions of ``golds`` on ``index`` in every mode at every boost of GRID."""
    records = [(Path(gold).stem, r) for gold in golds for r in read_gold(gold) if level_asked(r["query"]) in LEVELS]
    with LawSearch.open(index) as engine:
        base = engine._corpus.ranking  # the engine has no public override of its ranking parameters
        for boost in GRID:
            engine._corpus.ranking = replace(base, level_boost=boost)
            for mode in MODES:
                for set_name, record in records:
                    results = engine.search(record["query"], mode=mode, top_k=CUTOFF)
                    table[(set_name, record["id"])].setdefault(mode, {})[boost] = measures(record, results)


def utility(table: Table, key: Key, boost: float) -> float:
    per_mode = [sum(m.values()) / len(m) for m in (table[key][mode][boost] for mode in MODES)]
    return sum(per_mode) / len(per_mode)


def choose(table: Table, train: list[Key]) -> tuple[float, list[float]]:
    """The boost with the most utility on ``train``: the middle of the tied best (the lower of two), and the tied."""
    totals = {b: sum(utility(table, key, b) for key in train) for b in GRID}
    tied = [b for b in GRID if totals[b] >= max(totals.values()) - 1e-9]
    return tied[(len(tied) - 1) // 2], tied


def report(table: Table) -> None:
    keys = sorted(table)
    n = len(keys)
    counts = defaultdict(int)
    for set_name, _ in keys:
        counts[set_name] += 1
    print(f"{n} questions that ask for a level: " + ", ".join(f"{s} {c}" for s, c in sorted(counts.items())))
    chosen, held, zero = [], 0.0, 0.0
    for key in keys:
        boost, _ = choose(table, [k for k in keys if k != key])
        chosen.append(boost)
        held += utility(table, key, boost)
        zero += utility(table, key, 0.0)
    print(f"leave-one-out choices: {', '.join(f'{b} in {chosen.count(b)}' for b in sorted(set(chosen)))} of {n} folds")
    print(f"leave-one-out held-out utility: {held / n:.4f} (boost 0: {zero / n:.4f})")
    for seed in range(SEEDS):
        shuffled = list(keys)
        random.Random(seed).shuffle(shuffled)
        folds = [shuffled[i::FOLDS] for i in range(FOLDS)]
        picks, held = [], 0.0
        for k in range(FOLDS):
            boost, _ = choose(table, [key for i, fold in enumerate(folds) if i != k for key in fold])
            picks.append(boost)
            held += sum(utility(table, key, boost) for key in folds[k])
        print(f"{FOLDS}-fold, seed {seed}: picks {picks}, held-out utility {held / n:.4f} (boost 0: {zero / n:.4f})")
    boost, tied = choose(table, keys)
    print(f"on all questions: best {tied} -> {boost}")
    print("utility by boost: " + "  ".join(f"{b}: {sum(utility(table, k, b) for k in keys) / n:.4f}" for b in GRID))
    cells: dict[tuple[str, str, str], dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for key in keys:
        for mode in MODES:
            for b in GRID:
                for measure, value in table[key][mode][b].items():
                    cells[(key[0], mode, measure)][b].append(value)
    print(f"\n{'set/mode/measure':<42}" + "".join(f"{b:>7}" for b in GRID))
    for (set_name, mode, measure), by_boost in sorted(cells.items()):
        label = f"{set_name}/{mode}/{measure} n={len(by_boost[GRID[0]])}"
        print(f"{label:<42}" + "".join(f"{sum(v) / len(v):7.3f}" for v in (by_boost[b] for b in GRID)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_option(parser)
    args = parser.parse_args()
    table: Table = defaultdict(dict)
    for index, golds in index_sets(parser, args):
        collect(index, golds, table)
    report(table)


if __name__ == "__main__":
    main()
