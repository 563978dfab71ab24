import pytest

from lawsearch.search.fusion import convex, minmax, rrf
from lawsearch.search.ranking import DEFAULT_FUSION, FUSION_METHODS, ConvexFusion, RankingParams, RRFFusion, ScoreFusion, Signals


def test_minmax_scales_to_unit_range_and_handles_ties() -> None:
    assert minmax({"a": 4.0, "b": 2.0, "c": 3.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert minmax({"a": 2.0, "b": 2.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({}) == {}


def test_convex_weight_zero_and_one_reproduce_each_list() -> None:
    lexical = {"a": 9.0, "b": 5.0, "c": 1.0}
    dense = {"c": 0.9, "b": 0.8, "a": 0.1}
    assert list(convex(lexical, dense, dense_weight=0.0)) == ["a", "b", "c"]
    assert list(convex(lexical, dense, dense_weight=1.0)) == ["c", "b", "a"]


def test_convex_rewards_items_both_lists_agree_on() -> None:
    fused = convex({"a": 10.0, "b": 8.0, "x": 1.0}, {"b": 0.9, "c": 0.85, "y": 0.1}, dense_weight=0.5)
    assert next(iter(fused)) == "b"
    assert fused["b"] == pytest.approx(0.5 * (7 / 9) + 0.5 * 1.0)


def test_convex_rejects_weights_outside_unit_interval() -> None:
    with pytest.raises(ValueError):
        convex({"a": 1.0}, {"a": 1.0}, dense_weight=1.5)


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf({"a": 3.0, "b": 2.0}, {"b": 0.9, "c": 0.5}, k=60, dense_weight=0.5)
    assert fused["b"] == pytest.approx(0.5 / 62 + 0.5 / 61)
    assert fused["a"] == pytest.approx(0.5 / 61)
    assert list(fused)[0] == "b"


# -- the fusion methods of lawsearch.search.ranking ------------------------------------------------


def _no_signals(needed: tuple[bool, bool]) -> dict[str, Signals]:
    raise AssertionError("the raw-list methods compute no signals")


def test_the_methods_by_name_and_the_default() -> None:
    assert list(FUSION_METHODS) == ["score", "convex", "rrf"] and DEFAULT_FUSION == "score"
    assert all(method.name == name for name, method in FUSION_METHODS.items())
    assert isinstance(FUSION_METHODS[DEFAULT_FUSION], ScoreFusion)


def test_convex_and_rrf_methods_fuse_the_raw_lists() -> None:
    lexical, dense = {"a": 3.0, "b": 2.0}, {"b": 0.9, "c": 0.5}
    params = RankingParams()
    convex_fused = ConvexFusion().fuse(lexical, dense, _no_signals, mode="hybrid", params=params, dense_weight=0.4)
    assert convex_fused == convex(lexical, dense, dense_weight=0.4)
    rrf_fused = RRFFusion().fuse(lexical, dense, _no_signals, mode="hybrid", params=params, dense_weight=0.5)
    assert rrf_fused == rrf(lexical, dense, dense_weight=0.5)


def test_score_method_floors_boosts_and_orders() -> None:
    params = RankingParams()
    found: dict[str, Signals] = {"a": (0.0, 0.5, 0.9), "b": (0.0, 0.5, 0.95), "c": (0.0, 0.0, 0.5), "d": (0.0, 0.9, None)}
    asked: list[tuple[bool, bool]] = []

    def signals(needed: tuple[bool, bool]) -> dict[str, Signals]:
        asked.append(needed)
        return found

    fused = ScoreFusion().fuse({}, {}, signals, mode="hybrid", params=params)
    assert asked == [params.signals_needed("hybrid")]
    assert list(fused) == ["b", "d", "a"]  # c is under both floors; d, without a vector, is ranked by its words
    assert fused["a"] == params.combine("hybrid", *found["a"])
    lexical_d = params.combine("lexical", *found["d"])
    words_d = found["d"][0]  # hybrid's own lexical side is words; the dense side is taken by the lexical mode's score
    expected_d = (1 - params.focal_weight) * ((1 - params.dense_weight) * words_d + params.dense_weight * lexical_d)
    assert expected_d > 0 and fused["d"] == pytest.approx(expected_d)
    boosted = ScoreFusion().fuse({}, {}, signals, mode="hybrid", params=params, named=lambda cid: 2 if cid == "a" else 0)
    assert boosted["a"] == min(1.0, params.combine("hybrid", *found["a"]) + 2 * params.named_boost)
    unfloored = ScoreFusion().fuse({}, {}, signals, mode="hybrid", params=params, apply_floor=False, dense_weight=1.0)
    assert set(unfloored) == {"a", "b", "c", "d"} and unfloored["c"] == 0.0
    assert unfloored["d"] == pytest.approx((1 - params.focal_weight) * lexical_d)


def test_convex_and_rrf_without_a_weight_use_their_default() -> None:
    lexical, dense = {"a": 3.0, "b": 1.0, "c": 0.5}, {"b": 0.9, "c": 0.8, "d": 0.1}
    params = RankingParams()
    convex_default = FUSION_METHODS["convex"].fuse(lexical, dense, _no_signals, mode="hybrid", params=params)
    rrf_default = FUSION_METHODS["rrf"].fuse(lexical, dense, _no_signals, mode="hybrid", params=params)
    assert (
        convex_default == convex(lexical, dense, dense_weight=ConvexFusion.default_dense_weight)
        and ConvexFusion.default_dense_weight == 0.4
    )
    assert rrf_default == rrf(lexical, dense, dense_weight=RRFFusion.default_dense_weight) and RRFFusion.default_dense_weight == 0.5
    assert convex_default != convex(lexical, dense, dense_weight=0.9)
