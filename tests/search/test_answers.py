"""The 哪些… answer set: the level asked, grouping through the gazetteer, the calibrated cut, coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.read.gazetteer import default_gazetteer
from lawsearch.search.answers import answer_set, level_asked, place_at
from lawsearch.search.hits import Hit
from lawsearch.search.ranking import MIN_FOCAL


def _hit(chunk_id: str, region: str, parent: str | None, score: float, level: str = "county", focal: float = 0.5) -> Hit:
    """A hit whose best sentence holds ``focal`` of the question's focal terms (by default some, not all)."""
    return Hit(
        chunk_id=chunk_id,
        report_id=chunk_id.split("#")[0],
        region=region,
        region_parent=parent,
        year=2022,
        agency=None,
        title="报告",
        heading_path=(),
        text="建立调解员联盟。",
        score=score,
        level=level,
        focal=focal,
    )


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("哪些省份提出了发展低空经济", "province"),
        ("哪些省推行免费学前教育", "province"),
        ("哪些自治区开展了试点", "province"),
        ("哪些城市开展餐饮行业工资集体协商", "city"),
        ("哪些市出台了政策", "city"),
        ("哪些区县建立了农民工工资速裁庭", "county"),
        ("哪些县开展了改革", "county"),
        ("哪些地区建立了调解员联盟", "any"),
        ("哪些地方推行免申即享", "any"),
        ("哪些单位落实了三项制度", "any"),
        ("有哪些措施保障农民工工资", None),
        ("行政复议", None),
        ("哪些区域开展了调解", "any"),
        ("哪个城市举办了全球财富论坛", "city"),
        ("哪座城市开通了地铁", "city"),
        ("哪个自治州开通了国际航线", "city"),
        ("什么地方推行了河长制", "any"),
        ("当兵退伍以后归哪个部门管", None),  # a body, not a place
        ("稳就业有哪些方面的举措", None),
    ],
)
def test_the_level_a_question_asks(question: str, level: str | None) -> None:
    assert level_asked(question) == level


def test_reports_count_for_the_level_asked() -> None:
    gazetteer = default_gazetteer()
    assert place_at(gazetteer, "滨江区", "杭州市", "province").name == "浙江省"
    assert place_at(gazetteer, "滨江区", "杭州市", "city").name == "杭州市"
    assert place_at(gazetteer, "北京市", None, "city").name == "北京市"  # a 直辖市 answers 哪些城市 too
    assert place_at(gazetteer, "河北省", None, "city") is None  # a province does not answer 哪些城市
    assert place_at(gazetteer, "朝阳区", None, "province") is None  # two 朝阳区: which province is unknown


def test_the_answer_is_the_strong_regions_and_the_rest_is_related() -> None:
    hits = [
        _hit("a#1", "滨江区", "杭州市", 0.82),
        _hit("b#1", "上虞区", "绍兴市", 0.74),
        _hit("a#2", "滨江区", "杭州市", 0.7),
        _hit("c#1", "武汉市", "湖北省", 0.5, "city"),
        _hit("d#1", "南昌县", "南昌市", 0.62),
    ]
    answers = answer_set(hits, "any", indexed=5)
    assert [a.region for a in answers.answer] == ["滨江区", "上虞区"]
    assert [a.region for a in answers.related] == ["南昌县", "武汉市"]  # 0.62 < 0.8 × 0.82: too far behind the lead
    assert [h.chunk_id for h in answers.answer[0].evidence] == ["a#1", "a#2"]
    assert answers.coverage == "2 of 5 regions indexed"
    by_province = answer_set(hits, "province", indexed=3)
    assert [a.region for a in by_province.answer] == ["浙江省"] and by_province.answer[0].level == "province"
    assert len(by_province.answer[0].evidence) == 3  # 滨江 and 上虞 both count for 浙江


def test_weak_evidence_everywhere_is_an_empty_answer() -> None:
    answers = answer_set([_hit("a#1", "滨江区", "杭州市", 0.55), _hit("b#1", "上虞区", "绍兴市", 0.5)], "any", indexed=5)
    assert answers.answer == () and len(answers.related) == 2
    assert answers.to_dict()["coverage"] == {"answering": 0, "indexed": 5, "level": "any", "text": "0 of 5 regions indexed"}


def test_seeds_region_questions_are_answered(engine: LawSearch) -> None:
    for question, expected in (
        ("哪些地区建立了调解员联盟", ["滨江区"]),
        ("哪些地区为企业提供法治体检", ["罗湖区"]),
        ("哪些地区开展了根治欠薪冬季行动", ["滨江区", "上虞区"]),
    ):
        answers = engine.search(question).answers
        assert answers is not None and answers.answer[0].region in expected, question
        assert set(expected) <= {a.region for a in answers.answer}, question
    assert engine.search("行政复议").answers is None  # not a 哪些 question: the hit list alone
    assert engine.search("行政复议", by_region=True).answers.level == "any"


def test_search_json_carries_the_answer(index_dir: Path) -> None:
    result = CliRunner().invoke(main, ["search", "哪些地区建立了调解员联盟", "--index", str(index_dir), "--json"])
    data = json.loads(result.output)
    assert [a["region"] for a in data["answer"]] == ["滨江区"] and data["answer"][0]["evidence"]
    assert data["coverage"]["text"] == "1 of 5 regions indexed"
    assert [g["answers"] for g in data["regions"]][0] is True and not all(g["answers"] for g in data["regions"])
    plain = json.loads(CliRunner().invoke(main, ["search", "行政复议", "--index", str(index_dir), "--json"]).output)
    assert "answer" not in plain  # a question that does not ask for places keeps its hit list unchanged
    text = CliRunner().invoke(main, ["search", "哪些省份取消了商品房公摊面积", "--index", str(index_dir)]).output
    assert text.startswith("No region answers (0 of 4 provinces indexed).")


def test_a_named_region_or_year_scopes_the_answer(engine: LawSearch) -> None:
    zhejiang = engine.search("浙江哪些区县开展了根治欠薪冬季行动").answers
    assert zhejiang.level == "county" and {a.region for a in zhejiang.answer} <= {"滨江区", "上虞区"} and zhejiang.answer
    assert all(a.region in {"滨江区", "上虞区"} for a in zhejiang.related)
    elsewhere = engine.search("吉林哪些区县开展了根治欠薪冬季行动")
    assert elsewhere.answers.answer == () and "the index holds no report of 吉林" in elsewhere.notes
    in_2020 = engine.search("2020年哪些地区开展了法治宣传").answers
    assert {a.region for a in (*in_2020.answer, *in_2020.related)} <= {"上虞区"}


def test_csv_and_the_regions_command(index_dir: Path) -> None:
    import csv
    import io

    runner = CliRunner()
    rows = list(
        csv.DictReader(
            io.StringIO(runner.invoke(main, ["search", "调解员联盟", "--index", str(index_dir), "--format", "csv", "-k", "3"]).output)
        )
    )
    assert (
        1 <= len(rows) <= 3 and rows[0]["region"] == "滨江区" and rows[0]["kind"] == "法治政府建设年度报告" and rows[0]["level"] == "county"
    )
    by_region = list(
        csv.DictReader(
            io.StringIO(
                runner.invoke(
                    main, ["search", "哪些地区建立了调解员联盟", "--index", str(index_dir), "--format", "csv", "--by-region"]
                ).output
            )
        )
    )
    assert by_region[0]["region"] == "滨江区" and by_region[0]["answers"] == "True" and "调解员联盟" in by_region[0]["evidence"]
    assert {row["answers"] for row in by_region[1:]} == {"False"}
    held = json.loads(runner.invoke(main, ["regions", "--index", str(index_dir), "--json"]).output)
    assert {r["name"] for r in held["regions"]} == {"滨江区", "武汉市", "上虞区", "罗湖区", "南昌县"}
    assert {r["name"]: r["reports"] for r in held["years"]} == {2020: 1, 2022: 3, 2023: 1}
    assert held["kinds"] == [{"name": "法治政府建设年度报告", "reports": 5}]
    text = runner.invoke(main, ["regions", "--index", str(index_dir)]).output
    assert text.startswith("regions (5)") and "滨江区 (杭州市)" in text


def test_the_answer_renders_for_notebooks(engine: LawSearch) -> None:
    results = engine.search("哪些地区建立了调解员联盟")
    frame = results.answers.to_dataframe()
    assert list(frame["region"])[0] == "滨江区" and bool(frame["answers"].iloc[0]) and not frame["answers"].iloc[1:].any()
    page = results._repr_html_()
    assert page.index("1 of 5 regions indexed") < page.index("<caption>哪些地区") and "<mark>" in page


def test_evidence_naming_every_focal_term_answers_and_evidence_naming_too_few_does_not() -> None:
    """A region whose evidence has one sentence with every focal term answers though its score is low; a strong
    score whose evidence names under MIN_FOCAL of them (it talks about the area, not the thing) does not."""
    hits = [
        _hit("a#1", "滨江区", "杭州市", 0.82),
        _hit("b#1", "上虞区", "绍兴市", 0.80, focal=MIN_FOCAL / 2),
        _hit("c#1", "南昌县", "南昌市", 0.40, focal=1.0),
    ]
    answers = answer_set(hits, "any", indexed=3)
    assert [a.region for a in answers.answer] == ["滨江区", "南昌县"]
    assert [a.region for a in answers.related] == ["上虞区"]


def test_a_national_report_answers_as_the_country_never_at_a_level() -> None:
    hits = [_hit("n#1", "全国", None, 0.9, level="national", focal=1.0), _hit("a#1", "滨江区", "杭州市", 0.8)]
    assert [a.region for a in answer_set(hits, "any", indexed=2).answer] == ["全国", "滨江区"]
    assert [a.region for a in answer_set(hits, "county", indexed=2).answer] == ["滨江区"]
