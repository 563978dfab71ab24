import pytest

from lawsearch.errors import LawsearchError
from lawsearch.evaluate import passage_metrics, read_gold, regions_lead
from lawsearch.search.results import RegionGroup


def test_passage_metrics_of_a_ranked_list() -> None:
    metrics = passage_metrics([0, 1, 0, 1], relevant_count=2)
    assert metrics["hit@1"] == 0.0 and metrics["hit@5"] == 1.0
    assert metrics["mrr@10"] == 0.5
    ideal = 1 + 1 / 1.584962500721156
    assert metrics["ndcg@10"] == pytest.approx((1 / 1.584962500721156 + 1 / 2.321928094887362) / ideal)
    assert passage_metrics([], relevant_count=1) == {"hit@1": 0.0, "hit@5": 0.0, "hit@10": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}


def test_regions_lead_needs_every_expected_region_in_front() -> None:
    groups = [RegionGroup("滨江区", 1.0, ()), RegionGroup("上虞区", 0.9, ()), RegionGroup("罗湖区", 0.8, ())]
    assert regions_lead(groups, ["滨江", "上虞"])
    assert not regions_lead(groups, ["滨江", "罗湖"])


def test_bad_gold_lines_name_the_file_and_line(tmp_path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"query": "x", "relevant": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(LawsearchError, match=r"gold.jsonl:2: not a JSON object"):
        read_gold(gold)
    gold.write_text('{"query": "x"}\n', encoding="utf-8")
    with pytest.raises(LawsearchError, match=r":1: needs"):
        read_gold(gold)
