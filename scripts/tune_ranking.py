#!/usr/bin/env python
"""Choose the ranking by cross-validation on development questions, and print every candidate's held-out figures.

Each question is run once: its candidates (Whoosh words top 50 ∪ sentence-vector top 50) with their signals —
words and chars (0–1, see lawsearch/ranking.py), the best sentence's cosine, and the raw Whoosh and dense scores
for the convex and RRF baselines. Then, in 5 folds, every candidate method picks its parameters on four folds (mean
MRR@10 over answerable questions, each set weighing the same) and is scored on the fifth. Questions with no
relevant passage ("none") choose the relevance floor: the threshold on the best hit's score that best separates
them from answerable questions on the training folds.

Two further parts, on the same folds, each against its own baseline (held-out MRR@10 per set and kind, what is chosen
per fold and on all questions, and every grid point in sample). Their hybrid scores are the engine's: the named and
level boosts of the package's constants added (the part above scores without them), no floor:

1. The focal lift of hybrid mode, ``(1 − focal_weight) · hybrid + focal_weight · focal ** focal_power``:
   focal_weight ∈ {0, .05, .1, .15, .2, .3} × focal_power ∈ {1, 3}, against focal_weight 0. Crossed with the hybrid
   grid above it would be 2,100 points per fold (minutes of re-ranking), so word_weight, dense_weight and
   cos_low/cos_high stay at the package's constants (RankingParams()) in this part.
2. A report-length calibration of the dense cosine, computed here only (not in the package), hybrid mode with the
   package's constants otherwise: the cosine lowered by ``mu · max(0, ln(report chunks / median report chunks))``
   (the chunks of the candidate's report in the index, the median over the index's reports), mu ∈ {0, .002, .005,
   .01, .02}; and separately by ``lam · ln(units)`` (the chunk's sentence vectors), lam ∈ {0, .001, .002, .005}. The
   candidates stay those the raw cosine chose. Each also counts the questions (none questions included, no floor)
   whose top hit comes from the index's longest report, before and after.

    .venv/bin/python scripts/tune_ranking.py --set /tmp/base-seeds eval/seeds-dev.jsonl \\
                                             --set /tmp/base-prov eval/provincial-dev.jsonl \\
                                             --set /tmp/collection-idx eval/collection-dev.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuning import add_set_option, index_sets

from lawsearch.engine import LawSearch
from lawsearch.evaluate import CUTOFF, passage_metrics, read_gold, relevance_of
from lawsearch.search import pipeline
from lawsearch.search.fusion import convex, rrf
from lawsearch.search.question import Question as ParsedQuestion
from lawsearch.search.ranking import CANDIDATES, RankingParams

FOLDS = 5
WEIGHTS = [round(0.1 * i, 1) for i in range(11)]
WORD_WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]
SCALES = [(0.74, 0.9), (0.74, 0.95), (0.78, 0.92), (0.8, 0.95), (0.82, 0.95)]


@dataclass
class Question:
    set: str
    id: str
    kind: str
    relevant: list[dict[str, str]]
    signals: dict[str, tuple[float, float, float | None, float]]  # chunk id → (words, chars, cosine, focal)
    lexical: dict[str, float]
    dense: dict[str, float]
    texts: dict[str, tuple[str, str]]  # chunk id → (report id, text)
    report_chunks: dict[str, int]  # chunk id → how many chunks its report has in the index
    units: dict[str, int]  # chunk id → how many sentence vectors it has (record.units)
    median_chunks: float  # the median of report_chunks over the index's reports
    longest: str  # the report id of the index's report with the most chunks
    boost: dict[str, float]  # chunk id → the package's named_boost × names its report has + level_boost if at level


def collect(index: str, gold_path: str) -> list[Question]:
    """Run every question of ``gold_path`` once on ``index`` and keep what every method needs."""
    questions = []
    package = RankingParams()
    with LawSearch.open(index) as engine:
        sizes = Counter(record.report_id for record in engine._corpus.chunks.values())
        median_chunks = statistics.median(sizes.values())
        longest = max(sizes, key=lambda report_id: (sizes[report_id], report_id))
        for record in read_gold(gold_path):
            if "relevant" not in record:
                continue
            parsed = engine.lexical.parse_query(record["query"])
            lexical = engine.lexical.search(parsed, CANDIDATES)
            vector = engine.embed_query(record["query"])
            dense = engine.dense.search(vector, CANDIDATES)
            signals = engine.signals(record["query"], parsed, lexical, dense, vector)
            texts = {cid: (engine._chunks[cid].report_id, engine._chunks[cid].text) for cid in signals}
            asked = ParsedQuestion.parse(record["query"], engine._corpus.lexical.segmenter)
            named, levelled = pipeline.named_count(engine._corpus, asked), pipeline.at_level(engine._corpus, asked.level)
            boost = {cid: package.named_boost * named(cid) + package.level_boost * levelled(cid) for cid in signals}
            questions.append(
                Question(
                    Path(gold_path).stem,
                    record.get("id", ""),
                    record.get("kind", "all"),
                    record["relevant"],
                    signals,
                    lexical,
                    dense,
                    texts,
                    {cid: sizes[report_id] for cid, (report_id, _) in texts.items()},
                    {cid: engine._chunks[cid].units for cid in signals},
                    median_chunks,
                    longest,
                    boost,
                )
            )
    return questions


def mrr(question: Question, ranking: list[str]) -> float:
    """MRR@10, counted as lawsearch eval counts it."""
    gains = relevance_of([question.texts[cid] for cid in ranking[:CUTOFF]], question.relevant)
    return passage_metrics(gains, len(question.relevant))["mrr@10"]


Method = Callable[[Question, dict[str, Any]], dict[str, float]]


def score_method(mode: str) -> Method:
    def rank(question: Question, params: dict[str, Any]) -> dict[str, float]:
        ranking = RankingParams(**params)
        return {
            cid: ranking.combine(mode, *values) for cid, values in question.signals.items() if mode != "lexical" or cid in question.lexical
        }

    return rank


def convex_method(question: Question, params: dict[str, Any]) -> dict[str, float]:
    return convex(question.lexical, question.dense, dense_weight=params["dense_weight"])


def rrf_method(question: Question, params: dict[str, Any]) -> dict[str, float]:
    return rrf(question.lexical, question.dense, dense_weight=params["dense_weight"])


def grid(name: str) -> list[dict[str, Any]]:
    if name in ("convex", "rrf"):
        return [{"dense_weight": w} for w in WEIGHTS]
    if name == "lexical (words+chars)":
        return [{"word_weight": a} for a in WORD_WEIGHTS]
    if name == "dense (sentences)":
        return [{}]
    return [
        {"word_weight": a, "dense_weight": w, "cos_low": lo, "cos_high": hi}
        for a, w, (lo, hi) in itertools.product(WORD_WEIGHTS, WEIGHTS[3:-1], SCALES)
    ]


METHODS: dict[str, Method] = {
    "lexical (words+chars)": score_method("lexical"),
    "dense (sentences)": score_method("dense"),
    "hybrid score": score_method("hybrid"),
    "convex": convex_method,
    "rrf": rrf_method,
}


def ranked(scores: dict[str, float]) -> list[str]:
    return [cid for cid, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def objective(questions: list[Question], method: Method, params: dict[str, Any]) -> float:
    """Mean MRR@10 over the answerable questions, each set weighing the same."""
    by_set: dict[str, list[float]] = defaultdict(list)
    for q in questions:
        if q.relevant:
            by_set[q.set].append(mrr(q, ranked(method(q, params))))
    return sum(sum(v) / len(v) for v in by_set.values()) / len(by_set)


def best_floor(questions: list[Question], method: Method, params: dict[str, Any]) -> float:
    """The threshold on the top score with the most utility: an answerable question above it earns its MRR@10 (below
    it, nothing: its answer is hidden), a question nothing answers earns 1 below it (no hits shown)."""
    outcomes = []
    for q in questions:
        scores = method(q, params)
        outcomes.append((max(scores.values(), default=0.0), mrr(q, ranked(scores)) if q.relevant else None))
    candidates = sorted({0.0, *(round(top, 3) for top, _ in outcomes)})
    return max(
        candidates,
        key=lambda floor: (
            sum((value if top >= floor else 0.0) if value is not None else float(top < floor) for top, value in outcomes),
            -floor,
        ),
    )


# The modes with a relevance floor; lexical mode is keyword search (every passage sharing a word, weakest last).
FLOORED = ("hybrid score", "dense (sentences)")


def make_folds(questions: list[Question]) -> list[list[Question]]:
    """The questions in ``FOLDS`` folds, shuffled with a fixed seed (the same folds for every part)."""
    shuffled = list(questions)
    random.Random(7).shuffle(shuffled)
    return [shuffled[i::FOLDS] for i in range(FOLDS)]


def cross_validate(questions: list[Question]) -> None:
    folds = make_folds(questions)
    held: dict[str, dict[tuple[str, str], list[float]]] = {name: defaultdict(list) for name in METHODS}
    floors: dict[str, list[tuple[bool, bool]]] = defaultdict(list)  # (none question, got no hits)
    chosen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for k in range(FOLDS):
        train = [q for i, fold in enumerate(folds) if i != k for q in fold]
        for name, method in METHODS.items():
            params = max(grid(name), key=lambda p: objective(train, method, p))
            chosen[name].append(params)
            floor = best_floor(train, method, params) if name in FLOORED else 0.0
            for q in folds[k]:
                scores = method(q, params)
                if q.relevant:
                    held[name][(q.set, q.kind)].append(mrr(q, ranked(scores)))
                if floor:
                    kept = [cid for cid, s in scores.items() if s >= floor]
                    floors[name].append((not q.relevant, not kept))
    kinds = sorted({key for table in held.values() for key in table})
    print(f"held-out MRR@10 ({FOLDS}-fold cross-validation; parameters chosen on the other folds)")
    sets = sorted({s for s, _ in kinds})
    print(f"{'method':<24}" + "".join(f"{s[:9] + ':' + k:>22}" for s, k in kinds) + "".join(f"{s[:9] + ' all':>16}" for s in sets))
    for name, table in held.items():
        cells = [sum(table[key]) / len(table[key]) for key in kinds]
        per_set = []
        for set_name in sets:
            values = [v for (s, _), vs in table.items() if s == set_name for v in vs]
            per_set.append(sum(values) / len(values))
        print(f"{name:<24}" + "".join(f"{c:>22.3f}" for c in cells) + "".join(f"{v:>16.3f}" for v in per_set))
    print("\nrelevance floor, held out: none questions with no hits / answerable questions with hits")
    for name, outcomes in floors.items():
        nones = [empty for none, empty in outcomes if none]
        answerable = [not empty for none, empty in outcomes if not none]
        print(f"{name:<24} {sum(nones)}/{len(nones)} none emptied, {sum(answerable)}/{len(answerable)} answerable kept")
    print("\nparameters chosen per fold:")
    for name, params in chosen.items():
        print(f"  {name}: {params}")
    all_questions = [q for fold in folds for q in fold]
    for name in ("hybrid score", "lexical (words+chars)", "dense (sentences)"):
        params = max(grid(name), key=lambda p: objective(all_questions, METHODS[name], p))
        floor = best_floor(all_questions, METHODS[name], params) if name in FLOORED else "none (keyword search)"
        print(f"on all questions, {name}: {params}, floor {floor}")


# Part 1, the focal lift: (1 − focal_weight) · hybrid + focal_weight · focal ** focal_power. Crossed with the 175
# points of the hybrid grid above it would be 2,100 points per fold (minutes of re-ranking), so the other hybrid
# weights stay at the package's constants (RankingParams()) here.
FOCAL_WEIGHTS = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3]
FOCAL_POWERS = [1.0, 3.0]
# Part 2, a report-length calibration of the dense cosine, tried here only (not in the package): the cosine lowered by
# mu · max(0, ln(report chunks / median report chunks of the index)), or by lam · ln(the chunk's sentence vectors).
LENGTH_MUS = [0.0, 0.002, 0.005, 0.01, 0.02]
UNIT_LAMS = [0.0, 0.001, 0.002, 0.005]


def focal_grid() -> list[dict[str, Any]]:
    """The focal lift's points (the power of a zero weight does not matter: one point)."""
    return [{"focal_weight": w, "focal_power": p} for w in FOCAL_WEIGHTS for p in (FOCAL_POWERS if w else FOCAL_POWERS[-1:])]


def boosted(question: Question, params: dict[str, Any]) -> dict[str, float]:
    """Hybrid scores as the engine makes them: ``params`` over the package's constants, the named and level boosts
    added (at most 1)."""
    ranking = RankingParams(**params)
    return {cid: min(1.0, ranking.combine("hybrid", *values) + question.boost[cid]) for cid, values in question.signals.items()}


def calibrated(question: Question, params: dict[str, Any]) -> dict[str, float]:
    """Hybrid scores as :func:`boosted` makes them (the package's constants) with the cosine lowered for long reports
    (``mu``) or many-sentence chunks (``lam``). The candidates stay those the raw cosine chose."""
    ranking = RankingParams()
    mu, lam = params.get("mu", 0.0), params.get("lam", 0.0)
    scores = {}
    for cid, (words, chars, cosine, focal) in question.signals.items():
        if cosine is not None:
            cosine -= mu * max(0.0, math.log(question.report_chunks[cid] / question.median_chunks))
            cosine -= lam * math.log(max(1, question.units[cid]))
        scores[cid] = min(1.0, ranking.combine("hybrid", words, chars, cosine, focal) + question.boost[cid])
    return scores


def cell_means(table: dict[tuple[str, str], list[float]]) -> tuple[float, float, float]:
    """(mean over sets of each set's mean — the objective —, mean over the set:kind cells, mean over questions)."""
    by_set: dict[str, list[float]] = defaultdict(list)
    for (set_name, _), values in table.items():
        by_set[set_name].extend(values)
    over_sets = sum(sum(v) / len(v) for v in by_set.values()) / len(by_set)
    over_cells = sum(sum(v) / len(v) for v in table.values()) / len(table)
    over_questions = sum(sum(v) for v in table.values()) / sum(len(v) for v in table.values())
    return over_sets, over_cells, over_questions


def in_sample(questions: list[Question], method: Method, params: dict[str, Any]) -> dict[tuple[str, str], list[float]]:
    """MRR@10 of every answerable question with ``params``, by (set, kind)."""
    table: dict[tuple[str, str], list[float]] = defaultdict(list)
    for q in questions:
        if q.relevant:
            table[(q.set, q.kind)].append(mrr(q, ranked(method(q, params))))
    return table


def longest_top(question: Question, ranking: list[str]) -> tuple[bool, bool]:
    """(the top hit comes from the index's longest report, and it is not relevant)."""
    if not ranking or question.texts[ranking[0]][0] != question.longest:
        return False, False
    return True, not relevance_of([question.texts[ranking[0]]], question.relevant)[0]


def study(
    questions: list[Question],
    method: Method,
    points: list[dict[str, Any]],
    baseline: dict[str, Any],
    fixed: dict[str, Any],
    compare: tuple[dict[str, Any], ...] = (),
) -> None:
    """Cross-validate ``points`` of ``method`` (the same folds as above) against ``baseline``: held-out MRR@10 per set
    and kind, how many top hits come from each index's longest report, the points chosen per fold and on all
    questions, and every point's in-sample figures. ``fixed`` is merged into every point (nothing else varies)."""
    folds = make_folds(questions)
    held: dict[str, dict[tuple[str, str], list[float]]] = {"baseline": defaultdict(list), "chosen": defaultdict(list)}
    tops: dict[str, dict[str, list[tuple[bool, bool]]]] = {"baseline": defaultdict(list), "chosen": defaultdict(list)}
    chosen = []
    for k in range(FOLDS):
        train = [q for i, fold in enumerate(folds) if i != k for q in fold]
        params = max(points, key=lambda p: objective(train, method, {**fixed, **p}))
        chosen.append(params)
        for q in folds[k]:
            for label, p in (("baseline", baseline), ("chosen", params)):
                ranking = ranked(method(q, {**fixed, **p}))
                if q.relevant:
                    held[label][(q.set, q.kind)].append(mrr(q, ranking))
                tops[label][q.set].append(longest_top(q, ranking))
    print(f"held-out MRR@10 ({FOLDS}-fold; chosen on the other folds) vs {baseline}")
    print(f"{'set:kind':<34}{'n':>5}{'baseline':>10}{'chosen':>10}{'Δ':>8}")
    for key in sorted(held["baseline"]):
        before, after = (sum(held[label][key]) / len(held[label][key]) for label in ("baseline", "chosen"))
        print(f"{key[0] + ':' + key[1]:<34}{len(held['baseline'][key]):>5}{before:>10.3f}{after:>10.3f}{after - before:>+8.3f}")
    labels = ("mean over sets (objective)", "mean over set:kind cells", "mean over questions")
    for label, before, after in zip(labels, cell_means(held["baseline"]), cell_means(held["chosen"]), strict=True):
        print(f"{label:<39}{before:>10.4f}{after:>10.4f}{after - before:>+8.4f}")
    print("top hit from the index's longest report, held out (all questions incl. none; no floor): baseline → chosen")
    for set_name in sorted(tops["baseline"]):
        before, after = (tops[label][set_name] for label in ("baseline", "chosen"))
        longest = next(q.longest for q in questions if q.set == set_name)
        print(
            f"  {set_name} ({longest}): {sum(t for t, _ in before)} → {sum(t for t, _ in after)} of {len(before)}"
            f" (not relevant: {sum(w for _, w in before)} → {sum(w for _, w in after)})"
        )
    print(f"chosen per fold: {chosen}")
    best = max(points, key=lambda p: objective(questions, method, {**fixed, **p}))
    print(f"chosen on all questions: {best}")
    shown = [baseline, *(p for p in (best, *compare) if p != baseline)]
    shown = [p for i, p in enumerate(shown) if p not in shown[:i]]
    print("in sample, per set:kind: " + " | ".join(str(p) for p in shown))
    cells = [in_sample(questions, method, {**fixed, **p}) for p in shown]
    for key in sorted(cells[0]):
        print(f"  {key[0] + ':' + key[1]:<34}" + "".join(f"{sum(c[key]) / len(c[key]):>10.3f}" for c in cells))
    for i, label in enumerate(labels):
        print(f"  {label:<34}" + "".join(f"{cell_means(c)[i]:>10.4f}" for c in cells))
    print(f"in sample, every point: {'':<17}{'over sets':>10}{'over cells':>11}{'over qs':>9}{'longest top':>12}")
    for p in points:
        table: dict[tuple[str, str], list[float]] = defaultdict(list)
        longest_count = 0
        for q in questions:
            ranking = ranked(method(q, {**fixed, **p}))
            if q.relevant:
                table[(q.set, q.kind)].append(mrr(q, ranking))
            longest_count += longest_top(q, ranking)[0]
        over_sets, over_cells, over_questions = cell_means(table)
        print(f"  {str(p):<40}{over_sets:>10.4f}{over_cells:>11.4f}{over_questions:>9.4f}{longest_count:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_option(parser)
    args = parser.parse_args()
    questions = [q for index, golds in index_sets(parser, args) for gold in golds for q in collect(index, gold)]
    print(
        f"{len(questions)} questions: "
        + ", ".join(
            f"{k} {v}"
            for k, v in sorted(
                {f"{q.set}:{q.kind}": sum(1 for x in questions if (x.set, x.kind) == (q.set, q.kind)) for q in questions}.items()
            )
        )
    )
    cross_validate(questions)
    print("\n== 1. the focal lift (hybrid; word_weight, dense_weight and cos_low/high at the package's constants)")
    package = RankingParams()
    study(
        questions,
        boosted,
        focal_grid(),
        {"focal_weight": 0.0, "focal_power": 3.0},
        {},
        ({"focal_weight": package.focal_weight, "focal_power": package.focal_power},),
    )
    print("\n== 2. report-length calibration of the cosine (hybrid, the package's constants otherwise)")
    print("-- 2a. cosine − mu · max(0, ln(report chunks / median report chunks))")
    study(questions, calibrated, [{"mu": mu} for mu in LENGTH_MUS], {"mu": 0.0}, {})
    print("-- 2b. cosine − lam · ln(units)")
    study(questions, calibrated, [{"lam": lam} for lam in UNIT_LAMS], {"lam": 0.0}, {})


if __name__ == "__main__":
    main()
