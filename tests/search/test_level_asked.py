"""The level of place a question asks for (哪个城市 / 哪座城市 / 哪些省份 / 哪个自治州 …) and the reports of that level
coming first: a boost in the score, not a filter, and no part of the evidence a 哪些… answer is cut on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from lawsearch.engine import LawSearch
from lawsearch.search.answers import level_asked
from lawsearch.search.pipeline import at_level, report_level
from lawsearch.search.ranking import LEVEL_BOOST, RankingParams, ScoreFusion, Signals


@pytest.mark.parametrize(
    ("question", "level"),
    [
        # one place of a level
        ("哪个城市举办了全球财富论坛", "city"),
        ("哪座城市把中欧班列叫作长安号", "city"),
        ("中华文化标志城建在山东哪个城市", "city"),
        ("哪个地级市率先实行河长制", "city"),
        ("哪个自治州开通了珲春至釜山的航线", "city"),
        ("内蒙古哪个盟建了稀土高新区", "city"),
        ("哪个州出台了边境贸易管理办法", "city"),
        ("哪个沿海城市建了自由贸易港", "city"),
        ("哪个省会城市开通了地铁2号线", "city"),
        ("哪些省会推行了积分落户", "city"),
        ("什么城市被称为鹏城", "city"),
        ("哪个省率先取消了农业税", "province"),
        ("哪几个省份开展对口援疆", "province"),
        ("哪个自治区实行了先诊疗后付费", "province"),
        ("哪个直辖市开展了老旧小区改造", "province"),
        ("什么省份在做地震灾后重建", "province"),
        ("哪个县级市获评全国文明城市", "county"),
        ("杭州哪个区建立了调解员联盟", "county"),
        ("哪一个区县推进电子劳动合同签订", "county"),
        ("哪个自治县建了民族团结进步示范区", "county"),
        ("哪个旗开展了草原生态补奖", "county"),
        ("哪个地方最早推行河长制", "any"),
        ("什么地方实行了先诊疗后付费", "any"),
        ("失业保险金去哪里领", "any"),
        ("电动自行车在哪儿上牌", "any"),
        # today's cases stay
        ("哪些省份提出了发展低空经济", "province"),
        ("哪些城市开展餐饮行业工资集体协商", "city"),
        ("哪些区县建立了农民工工资速裁庭", "county"),
        ("哪些地区建立了调解员联盟", "any"),
        ("哪些单位落实了三项制度", "any"),
        ("哪些区域开展了调解", "any"),
    ],
)
def test_a_question_asking_for_a_place_sets_the_level(question: str, level: str) -> None:
    assert level_asked(question) == level


@pytest.mark.parametrize(
    "question",
    [
        "当兵退伍以后归哪个部门管",
        "脱下军装回到地方的老兵由哪个新部委照管",
        "哪些机关实行了行政执法公示",
        "稳就业有哪些方面的新举措",
        "有哪些措施出台保障农民工工资",
        "武汉长江大桥是哪个五年计划开始修的",
        "哪个市场主体可以享受减税",
        "哪些市民可以领取消费券",
        "居住证和暂住证有什么区别",
        "为什么县城的房价涨得快",
        "哪个市长主持了会议",
        "什么地方性法规规定了养犬管理",
        "有什么省钱的办法",
        "哪一年开始实行九年义务教育",
        "哪些人在市里买房可以落户",
    ],
)
def test_what_is_not_a_place_sets_no_level(question: str) -> None:
    assert level_asked(question) is None


def _signals(found: dict[str, Signals]) -> Callable[[tuple[bool, bool]], dict[str, Signals]]:
    return lambda needed: found


def test_the_level_boost_lifts_a_report_of_the_level_without_hiding_the_others() -> None:
    params = RankingParams()
    assert params.level_boost == LEVEL_BOOST > 0
    found: dict[str, Signals] = {"national#1": (0.6, 0.6, 0.9), "city#1": (0.5, 0.5, 0.88)}
    plain = ScoreFusion().fuse({}, {}, _signals(found), mode="hybrid", params=params)
    assert list(plain) == ["national#1", "city#1"]
    lifted = ScoreFusion().fuse({}, {}, _signals(found), mode="hybrid", params=params, at_level=lambda cid: cid.startswith("city"))
    assert list(lifted) == ["city#1", "national#1"] and lifted["national#1"] == plain["national#1"]
    assert lifted["city#1"] == pytest.approx(min(1.0, plain["city#1"] + params.level_boost))
    for mode in ("lexical", "dense"):  # every mode scores through ScoreFusion
        alone = ScoreFusion().fuse({}, {}, _signals(found), mode=mode, params=params, apply_floor=False)
        boosted = ScoreFusion().fuse({}, {}, _signals(found), mode=mode, params=params, apply_floor=False, at_level=lambda cid: True)
        assert all(boosted[cid] == pytest.approx(min(1.0, alone[cid] + params.level_boost)) for cid in found)


def test_report_levels_and_a_municipality() -> None:
    assert report_level({"level": "province", "region": "北京市"}) == "municipality"
    assert report_level({"level": "province", "region": "河北省"}) == "province"
    assert report_level({"level": "national", "region": "全国"}) == "national"
    assert report_level({}) is None


def test_the_reports_at_the_level_asked(engine: LawSearch) -> None:
    corpus = engine._corpus
    by_region = {corpus.reports[record.report_id].meta["region"]: chunk_id for chunk_id, record in corpus.chunks.items()}
    city, county = at_level(corpus, "city"), at_level(corpus, "county")
    assert city(by_region["武汉市"]) and not city(by_region["滨江区"])
    assert county(by_region["滨江区"]) and not county(by_region["武汉市"])
    assert not any(at_level(corpus, level)(by_region["武汉市"]) for level in ("province", "any", None))


def test_a_city_question_puts_the_citys_report_first_and_keeps_its_answer(index_dir: Path) -> None:
    question = "哪座城市推行了电子劳动合同"
    with LawSearch.open(index_dir) as engine:
        lifted = engine.search(question, top_k=10)
        engine._corpus.ranking = replace(engine._corpus.ranking, level_boost=0.0)
        plain = engine.search(question, top_k=10)
    assert lifted.hits[0].region == "武汉市" and plain.hits[0].region != "武汉市"
    assert {hit.region for hit in lifted.hits} - {"武汉市"}  # the county reports are still there
    # the answer is cut on the evidence's own strength: the same regions and scores with the boost and without
    assert lifted.answers is not None and plain.answers is not None
    assert [(a.region, a.score, a.answers) for a in (*lifted.answers.answer, *lifted.answers.related)] == [
        (a.region, a.score, a.answers) for a in (*plain.answers.answer, *plain.answers.related)
    ]
