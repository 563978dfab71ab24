"""Pure functions that merge ranked lists: score normalisation, convex combination, reciprocal rank fusion.

Each list maps an item id to its score (higher is better), in rank order. These are the math of the ``convex`` and
``rrf`` fusion methods. The methods themselves, the default one among them (``score``: each candidate's absolute 0–1
score, not a merge of ranks) and every weight, floor and boost of the ranking are in :mod:`lawsearch.search.ranking`
(``FUSION_METHODS``, ``DEFAULT_FUSION``, ``RankingParams``).

>>> fused = convex({"a": 10.0, "b": 6.0, "c": 2.0}, {"b": 0.9, "c": 0.8, "d": 0.7}, dense_weight=0.5)
>>> {key: round(score, 3) for key, score in fused.items()}
{'b': 0.75, 'a': 0.5, 'c': 0.25, 'd': 0.0}
>>> rrf({"a": 10.0, "b": 5.0}, {"b": 0.9, "c": 0.8}, k=60)["b"] > rrf({"a": 10.0}, {}, k=60)["a"]
True
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al. 2009)


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale scores to [0, 1]; a list whose scores are all equal maps to 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def _sorted(scores: Mapping[str, float]) -> dict[str, float]:
    """Best first; ties by id, so the order never depends on set iteration."""
    return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0])))


def convex(lexical: Mapping[str, float], dense: Mapping[str, float], dense_weight: float) -> dict[str, float]:
    """``(1 - w) * minmax(lexical) + w * minmax(dense)``; an item missing from a list scores 0 there."""
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError(f"dense_weight must be within [0, 1], got {dense_weight}")
    lex, den = minmax(lexical), minmax(dense)
    fused = {key: (1 - dense_weight) * lex.get(key, 0.0) + dense_weight * den.get(key, 0.0) for key in {**lex, **den}}
    return _sorted(fused)


def rrf(lexical: Mapping[str, float], dense: Mapping[str, float], k: int = DEFAULT_RRF_K, dense_weight: float = 0.5) -> dict[str, float]:
    """Weighted reciprocal rank fusion: ``sum(weight / (k + rank))`` with ranks from 1."""
    fused: dict[str, float] = {}
    for weight, ranked in ((1 - dense_weight, lexical), (dense_weight, dense)):
        for rank, key in enumerate(sorted(ranked, key=lambda key: -ranked[key]), start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return _sorted(fused)
