"""Evaluation against gold files: passage questions (hit@k, MRR@10, nDCG@10) and 哪些地区 questions.

Passage gold (one JSON object a line)::

    {"id": "d01", "query": "…", "kind": "direct", "relevant": [{"doc": "<report id>", "contains": "<string>"}]}

A hit is relevant when its report id is ``doc`` and its text contains ``contains``; each relevant
entry counts once. A question with ``"relevant": []`` is one nothing answers: it is right when no hit is shown
(the relevance floor), and its row ``none`` gives that share in every column; ``all`` averages the answerable
questions only. A floor that shows nothing is judged on both sides: ``EvalReport.floor`` gives, per mode, the share of
the questions nothing answers that got no hit (``none``) and the share of the answerable ones that got at least one
(``answered``).

Region gold: ``{"id", "query", "kind": "direct", "regions": ["滨江", …]}``; the question is answered when the expected
regions are the leading groups of ``Results.by_region()``, and its answer set is scored by F1 against ``regions``.
Lead and F1 are given over all region questions and per ``kind`` (direct, paraphrase, …); a question without a kind
counts in the overall figures only.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LawsearchError
from .search.hits import Hit
from .search.results import RegionGroup, Results

CUTOFF = 10
HIT_DEPTHS = (1, 5, 10)


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold records of a JSON-lines file; a clear error names the line that is not one."""
    records = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LawsearchError(f"{path}: cannot read gold file ({exc.strerror or exc})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise LawsearchError(f"{path}:{number}: not a JSON object") from None
        if not isinstance(record, dict) or "query" not in record or not ("relevant" in record or "regions" in record):
            raise LawsearchError(f'{path}:{number}: needs "query" and "relevant" or "regions"')
        records.append(record)
    return records


def relevance(hits: list[Hit], relevant: list[dict[str, str]]) -> list[int]:
    """1 where a hit satisfies a relevant entry not yet satisfied by an earlier hit, else 0."""
    return relevance_of([(hit.report_id, hit.text) for hit in hits], relevant)


def relevance_of(passages: list[tuple[str, str]], relevant: list[dict[str, str]]) -> list[int]:
    """``relevance`` of ranked ``(report id, text)`` passages."""
    remaining = list(relevant)
    gains = []
    for report_id, text in passages:
        match = next((r for r in remaining if r["doc"] == report_id and r["contains"] in text), None)
        if match is not None:
            remaining.remove(match)
        gains.append(1 if match is not None else 0)
    return gains


def passage_metrics(gains: list[int], relevant_count: int) -> dict[str, float]:
    """hit@1/5/10, MRR@10 and nDCG@10 of one ranked list of binary gains."""
    top = gains[:CUTOFF]
    first = next((i for i, g in enumerate(top) if g), None)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(top))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(relevant_count, CUTOFF)))
    metrics = {f"hit@{k}": float(any(gains[:k])) for k in HIT_DEPTHS}
    metrics["mrr@10"] = 0.0 if first is None else 1.0 / (first + 1)
    metrics["ndcg@10"] = dcg / ideal if ideal else 0.0
    return metrics


def answer_prf(answer: list[str], gold: list[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a 哪些… answer set against the true one (names match by containment: 滨江 ~ 滨江区);
    an empty answer to a question nothing answers is right.

    >>> answer_prf(["滨江区", "武汉市"], ["滨江"])
    (0.5, 1.0, 0.6666666666666666)
    >>> answer_prf([], [])
    (1.0, 1.0, 1.0)
    """
    if not answer and not gold:
        return 1.0, 1.0, 1.0
    matches = lambda region, name: name in region or region in name  # noqa: E731
    precision = sum(any(matches(r, n) for n in gold) for r in answer) / len(answer) if answer else 0.0
    recall = sum(any(matches(r, n) for r in answer) for n in gold) / len(gold) if gold else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def regions_lead(groups: list[RegionGroup], expected: list[str]) -> bool:
    """Whether the first len(expected) groups are exactly the expected regions (matched by name part)."""
    leading = [g.region for g in groups[: len(expected)]]
    return all(any(name in region for region in leading) for name in expected)


def _region_figures(answered: list[tuple[bool, float]]) -> dict[str, Any]:
    """Questions, how many the expected regions lead, that share, and the answer sets' mean F1."""
    leads = sum(ok for ok, _ in answered)
    return {
        "questions": len(answered),
        "lead": leads,
        "share": leads / len(answered),
        "answer_f1": sum(f1 for _, f1 in answered) / len(answered),
    }


def _floor(counts: dict[str, list[bool]]) -> dict[str, dict[str, Any]]:
    """The floor's two sides: questions nothing answers with no hit, answerable questions with at least one."""
    floor = {}
    for side, key in (("none", "no_hit"), ("answered", "with_hit")):
        if counts.get(side):
            right = sum(counts[side])
            floor[side] = {"questions": len(counts[side]), key: right, "share": right / len(counts[side])}
    return floor


@dataclass
class EvalReport:
    """Mean metrics per mode and query kind, region answers per mode (``regions[mode]["kinds"]``: the same figures per
    kind of region question), and per mode the relevance floor's two sides (``floor[mode]["none"]``: questions nothing
    answers that got no hit; ``floor[mode]["answered"]``: answerable passage questions that got at least one)."""

    passages: dict[str, dict[str, dict[str, float]]]
    regions: dict[str, dict[str, Any]]
    per_query: list[dict[str, Any]]
    floor: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"passages": self.passages, "regions": self.regions, "floor": self.floor, "per_query": self.per_query}


def evaluate(search: Callable[[str, str], Results], gold: Iterable[dict[str, Any]], modes: Iterable[str]) -> EvalReport:
    """Run every gold query in every mode; ``search(query, mode)`` returns Results with at least 10 hits."""
    gold = list(gold)
    sums: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    regions: dict[str, dict[str, Any]] = {}
    floor: dict[str, dict[str, dict[str, Any]]] = {}
    per_query: list[dict[str, Any]] = []
    for mode in modes:
        answered: list[tuple[bool, float]] = []
        answered_by_kind: dict[str, list[tuple[bool, float]]] = defaultdict(list)
        shown: dict[str, list[bool]] = defaultdict(list)  # "none": no hit shown; "answered": at least one
        for record in gold:
            results = search(record["query"], mode)
            if "relevant" in record and not record["relevant"]:  # nothing answers it: right when no hit is shown
                empty = float(len(results.hits) == 0)
                metrics = {name: empty for name in (*(f"hit@{k}" for k in HIT_DEPTHS), "mrr@10", "ndcg@10")}
                counts[mode]["none"] += 1
                shown["none"].append(bool(empty))
                for name, value in metrics.items():
                    sums[mode]["none"][name] += value
                per_query.append({"id": record.get("id"), "mode": mode, "kind": "none", "no_hits": bool(empty)})
            elif "relevant" in record:
                metrics = passage_metrics(relevance(list(results.hits), record["relevant"]), len(record["relevant"]))
                for kind in (record.get("kind", "all"), "all"):
                    counts[mode][kind] += 1
                    for name, value in metrics.items():
                        sums[mode][kind][name] += value
                shown["answered"].append(len(results.hits) > 0)
                per_query.append(
                    {"id": record.get("id"), "mode": mode, "kind": record.get("kind", "all"), **metrics, "answered": len(results.hits) > 0}
                )
            else:
                groups = results.by_region()
                ok = regions_lead(groups, record["regions"])
                answer = [a.region for a in results.answers.answer] if results.answers is not None else [g.region for g in groups]
                precision, recall, f1 = answer_prf(answer, record["regions"])
                answered.append((ok, f1))
                if record.get("kind"):
                    answered_by_kind[record["kind"]].append((ok, f1))
                per_query.append(
                    {
                        "id": record.get("id"),
                        "mode": mode,
                        "kind": "regions",
                        **({"question_kind": record["kind"]} if record.get("kind") else {}),
                        "lead": ok,
                        "answer": answer,
                        "precision": precision,
                        "recall": recall,
                        "f1": f1,
                        "groups": [g.region for g in groups[:5]],
                    }
                )
        if answered:
            regions[mode] = {
                **_region_figures(answered),
                "kinds": {kind: _region_figures(rows) for kind, rows in sorted(answered_by_kind.items())},
            }
        if shown:
            floor[mode] = _floor(shown)
    passages = {
        mode: {kind: {name: value / counts[mode][kind] for name, value in metrics.items()} for kind, metrics in kinds.items()}
        for mode, kinds in sums.items()
    }
    return EvalReport(passages, regions, per_query, floor)


def format_report(report: EvalReport) -> str:
    """A plain-text table: one row per mode and kind (``none (no hit)``: the share of questions nothing answers that
    got no hit), the floor's two sides per mode, then the region answers, overall and per kind."""
    lines = []
    names = [f"hit@{k}" for k in HIT_DEPTHS] + ["mrr@10", "ndcg@10"]
    if report.passages:
        lines.append(f"{'mode':<9}{'kind':<15}" + "".join(f"{n:>9}" for n in names))
        for mode, kinds in report.passages.items():
            for kind in sorted(kinds, key=lambda k: (k == "all", k == "none", k)):
                label = "none (no hit)" if kind == "none" else kind
                lines.append(f"{mode:<9}{label:<15}" + "".join(f"{kinds[kind][n]:>9.3f}" for n in names))
    for mode, floor in report.floor.items():
        sides = []
        if "none" in floor:
            none = floor["none"]
            sides.append(f"none (no hit) {none['no_hit']}/{none['questions']} = {none['share']:.3f}")
        if "answered" in floor:
            answered = floor["answered"]
            sides.append(f"answered (a hit) {answered['with_hit']}/{answered['questions']} = {answered['share']:.3f}")
        lines.append(f"{mode:<9}floor: " + "; ".join(sides))
    for mode, answer in report.regions.items():
        lines.append(
            f"{mode:<9}regions: expected regions lead in {answer['lead']}/{answer['questions']}; "
            f"answer set mean F1 {answer['answer_f1']:.3f}"
        )
        for kind, figures in answer.get("kinds", {}).items():
            lines.append(
                f"{mode:<9}regions {kind}: expected regions lead in {figures['lead']}/{figures['questions']}; "
                f"answer set mean F1 {figures['answer_f1']:.3f}"
            )
    return "\n".join(lines)
