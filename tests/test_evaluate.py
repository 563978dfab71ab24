import pytest

from lawsearch.errors import LawsearchError
from lawsearch.evaluate import evaluate, format_report, passage_metrics, read_gold, regions_lead
from lawsearch.search.hits import Hit
from lawsearch.search.results import RegionGroup, Results


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


def _hit(report_id: str, region: str, text: str, score: float) -> Hit:
    return Hit(f"{report_id}#{score}", report_id, region, None, 2024, None, "报告", (), text, score)


# What a fake engine shows for each question: (report, region, text, score) per hit; no answer set, so a region
# question's answer is its region groups.
SHOWN = {
    "调解员联盟": [("r1", "滨江区", "成立调解员联盟", 0.9)],
    "欠薪": [],  # an answerable question the floor hides: no hit
    "磁悬浮": [],  # nothing answers, nothing shown: right
    "预制菜": [("r2", "罗湖区", "发展预制菜产业", 0.2)],  # nothing answers, a hit shown: wrong
    "哪些地区建立调解员联盟": [("r1", "滨江区", "调解员联盟", 0.9)],  # direct: exact
    "哪些地区帮企业查法律风险": [("r2", "罗湖区", "法治体检", 0.8), ("r1", "滨江区", "体检", 0.7)],  # paraphrase: F1 2/3
    "哪些地区推行免申即享": [("r3", "南昌县", "免申即享", 0.9)],  # no kind: overall only
}
GOLD = [
    {"id": "p1", "query": "调解员联盟", "kind": "direct", "relevant": [{"doc": "r1", "contains": "调解员联盟"}]},
    {"id": "p2", "query": "欠薪", "kind": "direct", "relevant": [{"doc": "r1", "contains": "欠薪"}]},
    {"id": "n1", "query": "磁悬浮", "kind": "none", "relevant": []},
    {"id": "n2", "query": "预制菜", "kind": "none", "relevant": []},
    {"id": "g1", "query": "哪些地区建立调解员联盟", "kind": "direct", "regions": ["滨江"]},
    {"id": "g2", "query": "哪些地区帮企业查法律风险", "kind": "paraphrase", "regions": ["罗湖"]},
    {"id": "g3", "query": "哪些地区推行免申即享", "regions": ["南昌县"]},
]


def _fake_search(query: str, mode: str) -> Results:
    return Results(query, mode, [_hit(*shown) for shown in SHOWN[query]])


def test_the_floor_is_judged_on_both_sides() -> None:
    report = evaluate(_fake_search, GOLD, ["hybrid"])
    assert report.floor["hybrid"] == {
        "none": {"questions": 2, "no_hit": 1, "share": 0.5},  # 磁悬浮 shows nothing, 预制菜 shows a hit
        "answered": {"questions": 2, "with_hit": 1, "share": 0.5},  # 欠薪 is answerable but shows nothing
    }
    assert report.passages["hybrid"]["none"]["hit@1"] == 0.5 and report.passages["hybrid"]["all"]["hit@1"] == 0.5
    assert report.to_dict()["floor"] == report.floor
    rows = {row["id"]: row for row in report.per_query}
    assert rows["p1"]["answered"] is True and rows["p2"]["answered"] is False and rows["n1"]["no_hits"] is True
    text = format_report(report)
    assert "hybrid   none (no hit)      0.500    0.500" in text
    assert "hybrid   floor: none (no hit) 1/2 = 0.500; answered (a hit) 1/2 = 0.500" in text


def test_region_answers_per_kind_beside_the_overall_figures() -> None:
    report = evaluate(_fake_search, GOLD, ["lexical", "hybrid"])
    regions = report.regions["hybrid"]
    assert {key: regions[key] for key in ("questions", "lead", "share")} == {"questions": 3, "lead": 3, "share": 1.0}
    assert regions["answer_f1"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert regions["kinds"] == {  # g3 has no kind: in the overall figures only
        "direct": {"questions": 1, "lead": 1, "share": 1.0, "answer_f1": 1.0},
        "paraphrase": {"questions": 1, "lead": 1, "share": 1.0, "answer_f1": pytest.approx(2 / 3)},
    }
    assert report.regions["lexical"] == regions
    assert {row["id"]: row.get("question_kind") for row in report.per_query if row["kind"] == "regions"} == {
        "g1": "direct",
        "g2": "paraphrase",
        "g3": None,
    }
    text = format_report(report).splitlines()
    assert "hybrid   regions: expected regions lead in 3/3; answer set mean F1 0.889" in text
    assert "hybrid   regions direct: expected regions lead in 1/1; answer set mean F1 1.000" in text
    assert "hybrid   regions paraphrase: expected regions lead in 1/1; answer set mean F1 0.667" in text


def test_region_questions_alone_have_no_floor_and_no_kinds_without_kinds() -> None:
    report = evaluate(_fake_search, [{"query": "哪些地区推行免申即享", "regions": ["南昌县"]}], ["hybrid"])
    assert report.floor == {} and report.passages == {}
    assert report.regions["hybrid"]["kinds"] == {} and "floor" not in format_report(report)


def test_the_region_dev_sets_give_every_question_a_kind() -> None:
    from .conftest import ROOT

    for name in ("seeds-dev-regions.jsonl", "provincial-dev-regions.jsonl", "collection-dev-regions.jsonl"):
        kinds = [record.get("kind") for record in read_gold(ROOT / "eval" / name)]
        assert set(kinds) <= {"direct", "paraphrase"} and None not in kinds, name
