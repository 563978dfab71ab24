#!/usr/bin/env python
"""Choose the answer-set cut (MIN_SCORE, MIN_SHARE, MIN_FOCAL, the full-focal rule) by cross-validation over the 哪些… questions.

Each question is run once (hybrid, the default ranking, ``by_region=True``). Its candidates are the hits the engine's
answer set sees (:func:`answer_hits`): the hits inside the region and year it names, scored as the pipeline scores
them for the cut (re-fused without the level boost and the focal lift), each with its focal share. A region answers
when ``best ≥ MIN_SCORE``, ``best ≥ MIN_SHARE × the leading region's best`` and the best focal share of its top-3
evidence is ``≥ MIN_FOCAL`` — or, with the full-focal rule on, when that focal share is ``≥ answers.FULL_FOCAL``
(every focal term in one sentence), whatever the score (:func:`lawsearch.search.answers.answer_set`).

Every value of the grid is scored on every question once; 5-fold cross-validation (folds dealt within each set, over
SEEDS shuffles) chooses the values on four folds and scores the fifth. The objective is the mean over the sets of
each set's mean F1, so that a large set does not drown a small one; ties go to the values closest to the current
constants (:mod:`lawsearch.search.ranking`). "before" is the cut without focal (the current MIN_SCORE and MIN_SHARE,
MIN_FOCAL 0, the full-focal rule off); "after" the values chosen on all questions.

    .venv/bin/python scripts/tune_answers.py --set /tmp/base-seeds eval/seeds-dev-regions.jsonl \\
                                             --set /tmp/base-prov eval/provincial-dev-regions.jsonl \\
                                             --set /tmp/collection-idx eval/collection-dev-regions.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuning import add_set_option, dealt_folds, index_sets

from lawsearch.engine import LawSearch
from lawsearch.evaluate import answer_prf as prf
from lawsearch.evaluate import read_gold
from lawsearch.search.answers import FULL_FOCAL, answer_set
from lawsearch.search.hits import Hit
from lawsearch.search.ranking import MIN_FOCAL, MIN_SCORE, MIN_SHARE
from lawsearch.search.results import Results

SCORES = [round(0.5 + 0.05 * i, 2) for i in range(6)]  # 0.5 … 0.75
SHARES = [round(0.6 + 0.05 * i, 2) for i in range(7)]  # 0.6 … 0.9
FOCALS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
FULL = [True, False]  # the full-focal rule on / off
FOLDS = 5
SEEDS = 5

Params = tuple[float, float, float, bool]  # (min score, min share, min focal, full-focal rule)
GRID: list[Params] = list(itertools.product(SCORES, SHARES, FOCALS, FULL))
CURRENT: Params = (MIN_SCORE, MIN_SHARE, MIN_FOCAL, True)
BEFORE: Params = (MIN_SCORE, MIN_SHARE, 0.0, False)
# Just under FULL_FOCAL: a hit capped at it never triggers the full-focal rule, and clears every MIN_FOCAL of the grid
# it cleared before.
UNDER_FULL = FULL_FOCAL - 1e-6


def answer_hits(results: Results) -> list[Hit]:
    """The hits the engine's answer set was cut from, with their answer-set scores and focal shares.

    The pipeline hands ``answer_set`` the hits in scope re-fused without the level boost and the focal lift; the
    answer set keeps each region's top 3 of them as its evidence (answering or related), and the cut reads nothing
    else (a region's best, its top-3 focal shares, the lead = the best region's best). Hits that map to no region
    (national reports, places outside the gazetteer) never enter a group, so dropping them changes nothing: fed back
    to ``answer_set`` at the same level, these hits give the same groups and the same cut."""
    answers = results.answers
    assert answers is not None, "by_region=True always makes an answer set"
    return [hit for answer in (*answers.answer, *answers.related) for hit in answer.evidence]


def collect(index: str, gold_path: str) -> list[dict[str, Any]]:
    """One row per 哪些… question of ``gold_path``: its gold regions and the answer set's hits, level and coverage."""
    rows = []
    name = Path(gold_path).stem
    with LawSearch.open(index) as engine:
        for record in read_gold(gold_path):
            if "regions" not in record:
                continue
            results = engine.search(record["query"], by_region=True)
            assert results.answers is not None
            hits = answer_hits(results)
            rows.append(
                {
                    "set": name,
                    "id": record.get("id"),
                    "query": record["query"],
                    "gold": record["regions"],
                    "level": results.answers.level,
                    "indexed": results.answers.indexed,
                    "hits": hits,
                    # The full-focal rule off: the same hits with their focal share capped just under FULL_FOCAL
                    # (answer_set has no switch for it).
                    "hits_capped": [replace(h, focal=min(h.focal, UNDER_FULL)) for h in hits],
                    "engine": [a.region for a in results.answers.answer],
                }
            )
    return rows


def answer_of(row: dict[str, Any], params: Params) -> list[str]:
    min_score, min_share, min_focal, full = params
    hits = row["hits"] if full else row["hits_capped"]
    cut = answer_set(hits, row["level"], row["indexed"], min_score=min_score, min_share=min_share, min_focal=min_focal)
    return [a.region for a in cut.answer]


def distance(params: Params) -> float:
    """How far ``params`` lie from the current constants, in grid steps (the rule off: one step)."""
    s, sh, f, full = params
    return abs(s - MIN_SCORE) / 0.05 + abs(sh - MIN_SHARE) / 0.05 + abs(f - MIN_FOCAL) / 0.1 + (full != CURRENT[3])


def objective(rows: list[dict[str, Any]], f1: dict[int, dict[Params, float]], params: Params) -> float:
    """The mean over the sets of each set's mean F1 of ``rows`` (indexes into ``f1``) at ``params``."""
    by_set: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_set[row["set"]].append(f1[row["n"]][params])
    return sum(sum(v) / len(v) for v in by_set.values()) / len(by_set)


def choose(rows: list[dict[str, Any]], f1: dict[int, dict[Params, float]]) -> Params:
    """The values of GRID with the best objective on ``rows``; ties: the closest to the current constants."""
    return max(GRID, key=lambda p: (round(objective(rows, f1, p), 9), -distance(p)))


def show(params: Params) -> str:
    s, sh, f, full = params
    return f"score {s:.2f} share {sh:.2f} focal {f:.1f} full {'on' if full else 'off'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_option(parser)
    parser.add_argument("--per-question", action="store_true", help="precision, recall and F1 of each question")
    args = parser.parse_args()
    rows = [row for index, golds in index_sets(parser, args) for gold in golds for row in collect(index, gold)]
    for n, row in enumerate(rows):
        row["n"] = n
    sets = list(dict.fromkeys(row["set"] for row in rows))
    prfs = {row["n"]: {p: prf(answer_of(row, p), row["gold"]) for p in GRID} for row in rows}
    f1 = {n: {p: v[2] for p, v in by_p.items()} for n, by_p in prfs.items()}

    # The collected hits reproduce the engine's own answer at the current constants.
    mismatched = [row["id"] for row in rows if sorted(answer_of(row, CURRENT)) != sorted(row["engine"])]
    if mismatched:
        print(f"warning: the recomputed answer differs from the engine's for {mismatched}")

    held: dict[str, list[float]] = defaultdict(list)  # set → held-out F1 of each question, each seed
    held_before: dict[str, list[float]] = defaultdict(list)
    chosen: Counter[Params] = Counter()
    for seed in range(SEEDS):
        rng = random.Random(seed)
        folds = dealt_folds(rows, FOLDS, rng)
        for k in range(FOLDS):
            train = [r for i, fold in enumerate(folds) if i != k for r in fold]
            params = choose(train, f1)
            chosen[params] += 1
            for row in folds[k]:
                held[row["set"]].append(f1[row["n"]][params])
                held_before[row["set"]].append(f1[row["n"]][BEFORE])

    best = choose(rows, f1)
    best_nofocal = max((p for p in GRID if p[2] == 0.0 and not p[3]), key=lambda p: (round(objective(rows, f1, p), 9), -distance(p)))
    if args.per_question:
        print(f"{'set':<24}{'id':<7}{'gold':>5}{'before P/R/F1':>17}{'after P/R/F1':>17}  question")
        for row in rows:
            b, a = prfs[row["n"]][BEFORE], prfs[row["n"]][best]
            print(
                f"{row['set']:<24}{row['id']!s:<7}{len(row['gold']):>5}   {b[0]:.2f}/{b[1]:.2f}/{b[2]:.2f}"
                f"   {a[0]:.2f}/{a[1]:.2f}/{a[2]:.2f}  {row['query']}"
            )
        print()
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    print(f"{len(rows)} questions: " + ", ".join(f"{name} {sum(r['set'] == name for r in rows)}" for name in sets))
    print(f"\n{FOLDS}-fold cross-validation over {SEEDS} seeds, held-out mean F1 per set (before → after):")
    for name in sets:
        print(f"  {name:<28}{mean(held_before[name]):.3f} → {mean(held[name]):.3f}")
    print(f"  {'mean over sets':<28}{mean([mean(held_before[s]) for s in sets]):.3f} → {mean([mean(held[s]) for s in sets]):.3f}")
    print(f"values chosen per fold (times of {FOLDS * SEEDS}):")
    for params, count in chosen.most_common():
        print(f"  {count:>3}  {show(params)}")
    print(f"\nchosen on all questions: {show(best)} (objective {objective(rows, f1, best):.3f})")
    print(f"current constants:       {show(CURRENT)} (objective {objective(rows, f1, CURRENT):.3f})")
    print(f"best without focal:      {show(best_nofocal)} (objective {objective(rows, f1, best_nofocal):.3f})")
    print("mean F1 per set on all questions (before: no focal at the current score and share → after: chosen):")
    for name in sets:
        members = [r for r in rows if r["set"] == name]
        before = mean([f1[r["n"]][BEFORE] for r in members])
        after = mean([f1[r["n"]][best] for r in members])
        print(f"  {name:<28}{before:.3f} → {after:.3f}")
    ties = [p for p in GRID if round(objective(rows, f1, p), 9) == round(objective(rows, f1, best), 9)]
    print(f"values tied at the best objective: {len(ties)}")
    for params in sorted(ties, key=distance)[:10]:
        print(f"  {show(params)}")


if __name__ == "__main__":
    main()
