#!/usr/bin/env python
"""Choose the question's floor (STANDOUT_K, STANDOUT_FLOOR) by cross-validation over the passage questions.

In dense and hybrid mode the hits of a question are shown only when its dense candidates (cosines, best first) stand
out: ``best + k × (best − mean of the 10th to 50th) ≥ floor`` (:meth:`RankingParams.stands_out`), or when a candidate
holds every focal term in one sentence (focal share ≥ ``answers.FULL_FOCAL``), or when the question quotes a phrase
(:func:`lawsearch.search.pipeline.answerable`). Each passage question of the gold files (``"relevant": []``: nothing
answers it, kind ``none``) is run once in hybrid mode: its dense candidates as :func:`pipeline.retrieve` returns them,
whether one of the candidates reaches FULL_FOCAL (:func:`pipeline.signals`), and the hits of a search with the
question's floor off but the relevance floor on, from which its MRR@10. A question's value at (k, floor) is, for
``none``, 1 when nothing is shown and else 0; for an answerable one, its MRR@10 when the hits are shown and else 0.
The objective is the mean over the sets of the mean over the kinds (direct, paraphrase, plain, multi, none) of the
kind's mean value, so that neither a large set nor a large kind drowns the others; ties go to the pair closest to
the current constants (:mod:`lawsearch.search.ranking`). 5-fold cross-validation (each set's questions dealt over the
folds, SEEDS shuffles) chooses the pair on four folds and scores the fifth.

    .venv/bin/python scripts/tune_floor.py --set /tmp/base-seeds eval/seeds-dev.jsonl \\
                                           --set /tmp/base-prov eval/provincial-dev.jsonl \\
                                           --set /tmp/collection-idx eval/collection-dev.jsonl
"""

from __future__ import annotations

import argparse
import functools
import random
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuning import add_set_option, dealt_folds, index_sets

from lawsearch.engine import LawSearch
from lawsearch.evaluate import CUTOFF, passage_metrics, read_gold, relevance
from lawsearch.search import pipeline
from lawsearch.search.answers import FULL_FOCAL
from lawsearch.search.question import Question
from lawsearch.search.ranking import CANDIDATES, STANDOUT_FLOOR, STANDOUT_K, STANDOUT_MIN_CANDIDATES, RankingParams

KS = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]
FLOORS = [round(0.86 + 0.005 * i, 3) for i in range(40)]  # 0.860 … 1.055
FOLDS = 5
SEEDS = 3

Pair = tuple[float, float] | None  # (k, floor); None: no question floor
GRID: list[Pair] = [(k, f) for k in KS for f in FLOORS]
CURRENT: Pair = (STANDOUT_K, STANDOUT_FLOOR)


def collect(index: str, golds: list[str]) -> list[dict[str, Any]]:
    """One row per passage question of ``golds``, run on ``index`` (see the module docstring)."""
    rows = []
    with LawSearch.open(index) as engine:
        corpus = engine._corpus  # the engine has no public override of its ranking parameters
        base = corpus.ranking
        engine.embed_query = functools.lru_cache(maxsize=None)(engine.embed_query)  # each question's vector once
        for gold in golds:
            for record in read_gold(gold):
                if "relevant" not in record:
                    continue
                question = Question.parse(record["query"], corpus.lexical.segmenter)
                lexical, dense, vector = pipeline.retrieve(corpus, engine.embed_query, question, "hybrid", CANDIDATES, None)
                found = pipeline.signals(corpus, question, lexical, dense, vector, (False, False))
                corpus.ranking = replace(base, standout=None)
                try:
                    hits = engine.search(record["query"], mode="hybrid", top_k=CUTOFF).hits
                finally:
                    corpus.ranking = base
                relevant = record["relevant"]
                mrr = passage_metrics(relevance(list(hits), relevant), len(relevant))["mrr@10"] if relevant else 0.0
                rows.append(
                    {
                        "set": Path(gold).stem,
                        "id": record.get("id"),
                        "query": record["query"],
                        "kind": record.get("kind", "all") if relevant else "none",
                        "cosines": list(dense.values()),
                        "full": any(focal >= FULL_FOCAL for *_, focal in found.values()),
                        "exempt": bool(question.phrases or question.level),
                        "any": bool(hits),  # hits with the question's floor off
                        "mrr": mrr,
                        "engine": bool(engine.search(record["query"], mode="hybrid", top_k=CUTOFF).hits),
                    }
                )
    return rows


def shown(row: dict[str, Any], pair: Pair) -> bool:
    """Whether the question's floor ``pair`` lets the row's hits be shown (as :func:`pipeline.answerable` decides)."""
    return row["exempt"] or row["full"] or RankingParams(standout=pair).stands_out(row["cosines"])


def standout(row: dict[str, Any], k: float) -> float | None:
    """``best + k × (best − mean of the 10th to 50th)``; None below STANDOUT_MIN_CANDIDATES candidates."""
    cosines = row["cosines"]
    if len(cosines) < STANDOUT_MIN_CANDIDATES:
        return None
    rest = cosines[9:50]
    return cosines[0] + k * (cosines[0] - sum(rest) / len(rest))


def value(row: dict[str, Any], pair: Pair) -> float:
    if row["kind"] == "none":
        return float(not (row["any"] and shown(row, pair)))
    return row["mrr"] if shown(row, pair) else 0.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def objective(rows: list[dict[str, Any]], values: dict[int, dict[Pair, float]], pair: Pair) -> float:
    """The mean over sets of the mean over kinds of each kind's mean value of ``rows`` at ``pair``."""
    cells: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        cells[row["set"]][row["kind"]].append(values[row["n"]][pair])
    return mean([mean([mean(v) for v in kinds.values()]) for kinds in cells.values()])


def distance(pair: Pair) -> float:
    """How far ``pair`` lies from the current constants, in grid steps."""
    assert pair is not None and CURRENT is not None
    return abs(pair[0] - CURRENT[0]) + abs(pair[1] - CURRENT[1]) / 0.005


def choose(rows: list[dict[str, Any]], values: dict[int, dict[Pair, float]]) -> Pair:
    """The pair of GRID with the best objective on ``rows``; ties: the closest to the current constants."""
    return max(GRID, key=lambda p: (round(objective(rows, values, p), 9), -distance(p)))


def show(pair: Pair) -> str:
    return "no floor" if pair is None else f"k {pair[0]:g} floor {pair[1]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_option(parser)
    parser.add_argument("--per-question", action="store_true", help="best cosine, standout value and shown of each question")
    args = parser.parse_args()
    rows = [row for index, golds in index_sets(parser, args) for row in collect(index, golds)]
    for n, row in enumerate(rows):
        row["n"] = n
    sets = list(dict.fromkeys(row["set"] for row in rows))
    values = {row["n"]: {p: value(row, p) for p in [*GRID, None]} for row in rows}
    mismatched = [row["id"] for row in rows if (row["any"] and shown(row, CURRENT)) != row["engine"]]
    if mismatched:
        print(f"warning: shown at the current constants differs from the engine's own search for {mismatched}")

    none = [r for r in rows if r["kind"] == "none"]
    found = [r for r in rows if r["kind"] != "none" and r["mrr"] > 0]
    print(f"{len(rows)} passage questions: " + ", ".join(f"{s} {sum(r['set'] == s for r in rows)}" for s in sets))
    print(f"{len(none)} that nothing answers, {len(found)} whose answer is found in the top {CUTOFF} with no question floor")
    print(f"\n{FOLDS}-fold cross-validation, {SEEDS} seeds (picks per fold; held-out figures):")
    chosen: Counter[Pair] = Counter()
    for seed in range(SEEDS):
        rng = random.Random(seed)
        folds = dealt_folds(rows, FOLDS, rng)
        held: dict[int, Pair] = {}
        picks = []
        for k in range(FOLDS):
            pair = choose([r for i, fold in enumerate(folds) if i != k for r in fold], values)
            picks.append(pair)
            chosen[pair] += 1
            held.update({row["n"]: pair for row in folds[k]})
        emptied = sum(values[r["n"]][held[r["n"]]] for r in none)
        hidden = sum(not shown(r, held[r["n"]]) for r in found)
        utility = objective(rows, {n: {None: values[n][p]} for n, p in held.items()}, None)
        print(f"  seed {seed}: {', '.join(show(p) for p in picks)}")
        print(
            f"          none emptied {emptied:.0f} of {len(none)}, found answers hidden {hidden} of {len(found)}, objective {utility:.3f}"
        )
    print("picks (times of {}): {}".format(FOLDS * SEEDS, ", ".join(f"{show(p)} ×{c}" for p, c in chosen.most_common())))

    best = choose(rows, values)
    print(f"\nchosen on all questions: {show(best)} (objective {objective(rows, values, best):.3f})")
    print(f"current constants:       {show(CURRENT)} (objective {objective(rows, values, CURRENT):.3f})")
    print(f"no question floor:       objective {objective(rows, values, None):.3f}")
    print(
        f"  none emptied {sum(values[r['n']][best] for r in none):.0f} of {len(none)} (no floor: {sum(values[r['n']][None] for r in none):.0f}),"
        f" found answers hidden {sum(not shown(r, best) for r in found)} of {len(found)}"
    )
    top = sorted(GRID, key=lambda p: (-round(objective(rows, values, p), 9), distance(p)))[:5]
    print("best five: " + ", ".join(f"{show(p)} {objective(rows, values, p):.3f}" for p in top))
    print(f"\n{'set':<20}{'kind':<12}{'n':>4}{'no floor':>10}{'chosen':>8}   (none: share emptied; else mean MRR@10)")
    for name in sets:
        kinds = dict.fromkeys(r["kind"] for r in rows if r["set"] == name)
        for kind in sorted(kinds):
            members = [r for r in rows if r["set"] == name and r["kind"] == kind]
            before, after = mean([values[r["n"]][None] for r in members]), mean([values[r["n"]][best] for r in members])
            print(f"{name:<20}{kind:<12}{len(members):>4}{before:>10.3f}{after:>8.3f}")
    if args.per_question:
        assert best is not None
        print(f"\n{'set':<20}{'id':<7}{'kind':<11}{'best':>6}{'standout':>9}  shown  {'mrr':>5}  question")
        for row in rows:
            value_at = standout(row, best[0])
            cosine = f"{row['cosines'][0]:.3f}" if row["cosines"] else "-"
            flag = ("yes" if shown(row, best) else "no") + ("*" if row["full"] or row["exempt"] else "")
            print(
                f"{row['set']:<20}{row['id']!s:<7}{row['kind']:<11}{cosine:>6}{'-' if value_at is None else f'{value_at:.3f}':>9}  {flag:<5}  {row['mrr']:.2f}  {row['query']}"
            )
        print("(* shown whatever the floor: one sentence holds every focal term, or a quoted phrase)")


if __name__ == "__main__":
    main()
