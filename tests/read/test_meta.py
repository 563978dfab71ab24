from datetime import date

import pytest

from lawsearch.read import ParsedReport
from lawsearch.read.front import FrontMatter
from lawsearch.read.meta import extract_meta, find_year

# The metadata table of the foundation issue: region, parent, year, published.
EXPECTED = {
    "000_e216814a7c54799f": ("滨江区", "杭州市", 2022, None),
    "001_a27f8d567ac8393e": ("武汉市", "湖北省", 2022, date(2023, 3, 9)),
    "002_e3a39e3814c16024": ("上虞区", "绍兴市", 2020, date(2021, 2, 22)),
    "003_31027cef6ae4fb1c": ("罗湖区", "深圳市", 2022, None),
    "004_f44f9f962692f528": ("南昌县", "南昌市", 2023, date(2023, 11, 21)),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_metadata_matches_the_table(parsed_seeds: dict[str, ParsedReport], seed: str) -> None:
    meta = parsed_seeds[seed].meta
    assert (meta.region, meta.region_parent, meta.year, meta.published) == EXPECTED[seed]
    assert meta.report_id == seed
    assert meta.title


def test_seed_agencies_and_titles(parsed_seeds: dict[str, ParsedReport]) -> None:
    agencies = {seed: parsed.meta.agency for seed, parsed in parsed_seeds.items()}
    assert agencies == {
        "000_e216814a7c54799f": "杭州市滨江区人力资源和社会保障局",  # a district's body is named with its city
        "001_a27f8d567ac8393e": "武汉市人力资源和社会保障局",
        "002_e3a39e3814c16024": "绍兴市上虞区人力资源和社会保障局",
        "003_31027cef6ae4fb1c": None,  # the report only says 我局
        "004_f44f9f962692f528": "南昌县人力资源和社会保障局",
    }
    assert parsed_seeds["002_e3a39e3814c16024"].meta.title == "上虞区人社局2020年度法治政府建设情况报告"
    assert parsed_seeds["000_e216814a7c54799f"].meta.title == "杭州市滨江区人力资源和社会保障局2022年法治政府建设年度报告"
    assert parsed_seeds["003_31027cef6ae4fb1c"].meta.title == "罗湖区2022年法治政府建设年度报告"
    assert parsed_seeds["000_e216814a7c54799f"].meta.region_label == "滨江区 (杭州市)"


def test_distractor_places_do_not_win() -> None:
    text = (
        "2022年,本局认真开展东西部协作,累计帮助结对地四川省小金县实现转移就业260人。\n"
        "一、主要工作\n邀请江岸区法院、南昌市司法局开展培训,学习《北京市劳动条例》。\n"
        "二、下一步\n继续推进法治建设。\n上虞区人力资源和社会保障局\n2023年1月5日"
    )
    meta = extract_meta("r", text)
    assert meta.region == "上虞区"
    assert meta.region_parent == "绍兴市"  # one place has that name: its city is a fact of the gazetteer
    assert meta.published == date(2023, 1, 5)


def test_unknown_fields_stay_empty() -> None:
    meta = extract_meta("r", "一、工作情况\n全年开展执法检查。\n二、存在问题\n力量不足。")
    assert (meta.region, meta.region_parent, meta.level, meta.agency, meta.year, meta.published) == (None,) * 6
    assert meta.kind == "其他"
    assert meta.title == "r"  # nothing to compose a title from: the report id, never an invented kind


def test_year_reported_on_is_not_the_plan_or_publish_year() -> None:
    text = "现将我局2021年法治政府建设情况报告如下。\n一、2021年主要工作\n完成任务。\n二、2022年工作安排\n继续努力。"
    assert find_year(text, published=date(2022, 2, 1)) == 2021
    assert find_year("一、2023年工作计划\n做好工作。") is None


def test_publish_date_prefers_the_page_field() -> None:
    meta = extract_meta("r", "正文。\n某县人社局\n2021年2月1日", FrontMatter(fields={"公开日期": "2021-02-22 10:51"}))
    assert meta.published == date(2021, 2, 22)


def test_signature_outranks_a_parent_bureau_named_often_in_the_body() -> None:
    text = (
        "关于2020年度工作的报告\n2020年,我局工作。\n一、工作\n"
        + "宁波市人社局部署。" * 5
        + "\n宁波市鄞州区人力资源和社会保障局\n2021年1月5日"
    )
    meta = extract_meta("r", text)
    assert (meta.region, meta.region_parent, meta.agency) == ("鄞州区", "宁波市", "宁波市鄞州区人力资源和社会保障局")


def test_provincial_department_is_its_own_region() -> None:
    meta = extract_meta("r", "浙江省人力资源和社会保障厅2020年法治政府建设情况报告\n一、工作\n指导杭州市人社局开展工作。")
    assert (meta.region, meta.agency) == ("浙江省", "浙江省人力资源和社会保障厅")


def test_self_reference_fallback_does_not_guess_from_common_words() -> None:
    meta = extract_meta("r", "2022年,在区委区政府领导下促进平安建设。\n一、工作\n城区改造。")
    assert meta.region is None


def test_chinese_numerals_and_fullwidth_digits() -> None:
    text = "西湖区人社局关于法治政府建设工作情况的报告\n２０２０年，我局开展工作。\n一、工作\n内容。\n西湖区人力资源和社会保障局\n二〇二一年一月二十日"
    meta = extract_meta("r", text)
    assert (meta.year, meta.published) == (2020, date(2021, 1, 20))
    assert meta.title == "西湖区人社局关于法治政府建设工作情况的报告"


def test_date_line_above_the_body_is_not_the_year() -> None:
    assert extract_meta("r", "2021年1月15日\n各位领导：\n2020年，我局开展工作。\n一、工作\n内容。").year == 2020


# Bodies and levels beyond the seeds: openings written as such reports begin (title, subtitle, first paragraph).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a city government's work report, speaker line with the city
            "2024年政府工作报告\n——2024年1月10日在苏州市第十七届人民代表大会第三次会议上\n苏州市市长 吴某某\n"
            "各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协各位委员提出意见。",
            ("苏州市", "江苏省", "city", "苏州市人民政府", "政府工作报告", 2024),
        ),
        (  # a county-level bureau's rule-of-law report, the county named only in the title
            "德清县市场监督管理局2023年法治政府建设年度报告\n2023年，我局坚持以习近平法治思想为指导，全面推进依法行政，各项工作取得新成效。",
            ("德清县", "湖州市", "county", "德清县市场监督管理局", "法治政府建设年度报告", 2023),
        ),
        (  # a provincial department's information-disclosure report
            "浙江省生态环境厅2022年政府信息公开工作年度报告\n本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况等内容。",
            ("浙江省", None, "province", "浙江省生态环境厅", "政府信息公开工作年度报告", 2022),
        ),
        (  # a central ministry: the country's
            "应急管理部2023年法治政府建设年度报告\n2023年，应急管理部深入学习贯彻习近平法治思想，扎实推进法治政府建设，取得积极成效。",
            ("全国", None, "national", "应急管理部", "法治政府建设年度报告", 2023),
        ),
        (  # traditional characters read as simplified
            "二〇二五年政府工作報告\n——2025年1月15日在黑龍江省第十四屆人民代表大會第三次會議上\n"
            "各位代表：現在，我代表省人民政府，向大會報告工作，請予審議，並請省政協委員提出意見。",
            ("黑龙江省", None, "province", "黑龙江省人民政府", "政府工作报告", 2025),
        ),
        (  # a plan report: the year of the session it is delivered at, the year of its draft plan
            "杭州市2025年国民经济和社会发展计划执行情况与2026年计划草案的报告\n2025年，全市上下坚持稳中求进工作总基调，经济运行总体平稳。",
            ("杭州市", "浙江省", "city", None, "国民经济和社会发展计划报告", 2026),
        ),
    ],
)
def test_metadata_of_any_body_at_any_level(text: str, expected: tuple) -> None:
    meta = extract_meta("r", text)
    assert (meta.region, meta.region_parent, meta.level, meta.agency, meta.kind, meta.year) == expected


def test_an_ambiguous_district_keeps_no_parent_unless_the_text_says_which() -> None:
    alone = extract_meta("r", "市中区人力资源和社会保障局2023年法治政府建设年度报告\n2023年，我局坚持依法行政，推进各项工作。")
    assert (alone.region, alone.region_parent, alone.level) == ("市中区", None, "county")
    told = extract_meta(
        "r", "市中区人力资源和社会保障局2023年法治政府建设年度报告\n2023年，在济南市人社局指导下，我局坚持依法行政，推进各项工作。"
    )
    assert (told.region, told.region_parent) == ("市中区", "济南市")


def test_front_matter_fields() -> None:
    text = (
        "索引号：11330000002482000P/2024-00123\n文号：浙政发〔2024〕5号\n"
        "关于2023年度法治政府建设工作情况的报告\n2023年，全省上下深入学习贯彻习近平法治思想，法治政府建设取得新进展。\n"
        "一、主要工作\n全面推进严格规范公正文明执法，行政执法质量持续提升。\n浙江省人民政府\n2024年3月20日"
    )
    meta = extract_meta("r", text)
    assert meta.front["doc_number"] == "浙政发〔2024〕5号" and meta.front["index_number"] == "11330000002482000P/2024-00123"
    assert (meta.front["signed_by"], meta.front["signed"]) == ("浙江省人民政府", "2024-03-20")
    assert (meta.region, meta.agency, meta.year, meta.published) == ("浙江省", "浙江省人民政府", 2023, date(2024, 3, 20))
