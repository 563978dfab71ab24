#!/usr/bin/env python
"""Choose the ranking by cross-validation on development questions, and print every candidate's held-out figures.

Each question is run once: its candidates (Whoosh words top 50 ∪ sentence-vector top 50) with their signals —
words and chars (0–1, see lawsearch/ranking.py), the best sentence's cosine, and the raw Whoosh and dense scores
for the convex and RRF baselines. Then, in 5 folds, every candidate method picks its parameters on four folds (mean
MRR@10 over answerable questions, each set weighing the same) and is scored on the fifth. Questions with no
relevant passage ("none") choose the relevance floor: the threshold on the best hit's score that best separates
them from answerable questions on the training folds.

    .venv/bin/python scripts/tune_ranking.py --set /tmp/idx-seeds eval/seeds-dev.jsonl \\
                                             --set /tmp/idx-all eval/provincial-dev.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lawsearch.engine import LawSearch
from lawsearch.evaluate import CUTOFF, passage_metrics, read_gold, relevance_of
from lawsearch.search.fusion import convex, rrf
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


def collect(index: str, gold_path: str) -> list[Question]:
    """Run every question of ``gold_path`` once on ``index`` and keep what every method needs."""
    questions = []
    with LawSearch.open(index) as engine:
        for record in read_gold(gold_path):
            if "relevant" not in record:
                continue
            parsed = engine.lexical.parse_query(record["query"])
            lexical = engine.lexical.search(parsed, CANDIDATES)
            vector = engine.embed_query(record["query"])
            dense = engine.dense.search(vector, CANDIDATES)
            signals = engine.signals(record["query"], parsed, lexical, dense, vector)
            texts = {cid: (engine._chunks[cid].report_id, engine._chunks[cid].text) for cid in signals}
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


def cross_validate(questions: list[Question]) -> None:
    random.Random(7).shuffle(questions)
    folds = [questions[i::FOLDS] for i in range(FOLDS)]
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
    print(f"{'method':<24}" + "".join(f"{s[:9] + ':' + k:>22}" for s, k in kinds) + f"{'seeds all':>12}{'prov all':>12}")
    for name, table in held.items():
        cells = [sum(table[key]) / len(table[key]) for key in kinds]
        per_set = {}
        for set_name in {s for s, _ in kinds}:
            values = [v for (s, _), vs in table.items() if s == set_name for v in vs]
            per_set[set_name] = sum(values) / len(values)
        seeds = next((v for s, v in per_set.items() if "seed" in s), float("nan"))
        prov = next((v for s, v in per_set.items() if "prov" in s), float("nan"))
        print(f"{name:<24}" + "".join(f"{c:>22.3f}" for c in cells) + f"{seeds:>12.3f}{prov:>12.3f}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        nargs=2,
        action="append",
        metavar=("INDEX", "GOLD"),
        required=True,
        help="an index and a gold file of passage questions run on it (repeatable)",
    )
    args = parser.parse_args()
    questions = [q for index, gold in args.set for q in collect(index, gold)]
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


if __name__ == "__main__":
    main()
