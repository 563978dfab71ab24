import pytest

from lawsearch.search.fusion import convex, minmax, rrf


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
