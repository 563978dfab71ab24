"""Year and kind of reports delivered at a congress session, of plans over several years, and speakers written
without a space: one case per cause, from real report openings of the collection (lines as the pages print them;
the names of the folders and files, the truth, in the comments)."""

from datetime import date

import pytest

from lawsearch.read.front import FrontMatter, parse_speaker
from lawsearch.read.meta import extract_meta
from lawsearch.read.years import plan_first_year, session_year, title_years

ADDRESS = "现在，我代表市人民政府，向大会报告工作，请予审议，并请各位政协委员和其他列席人员提出意见。"
PARAGRAPH = "过去的一年，面对复杂严峻的外部环境，全市上下攻坚克难，经济社会发展主要目标任务顺利完成，地区生产总值增长6.5%。"


def meta_of(title: str | None, lines: list[str]):
    front = FrontMatter(title=title) if title else None
    text = "\n".join(lines)
    if front is None:
        return extract_meta("r", text)
    from lawsearch.read.page import read_page

    page = read_page(text, front_fields=[("title", title)])
    return extract_meta("r", page.text, page.front)


@pytest.mark.parametrize(
    "title, lines, year",
    [
        # 常德市/2019: delivered in December for the next year's session; its review heading names the year delivered
        (
            "常德市政府工作报告（2018年12月25日 曹立军）",
            [
                "——2018年12月25日在常德市第七届人民代表大会第四次会议上",
                "常德市人民政府市长 曹立军",
                "各位代表：",
                ADDRESS,
                "一、2018年工作回顾",
                "2018年，我们坚持以习近平新时代中国特色社会主义思想为指引，保持了经济社会平稳健康发展。",
            ],
            2019,
        ),
        # 吴忠市/2022: delivered in December at the congress, no year in the review heading (过去五年工作回顾)
        (
            "吴忠市政府工作报告（2021年12月23日 王学军）",
            [
                "——2021年12月23日在吴忠市第六届人民代表大会第一次会议上",
                "吴忠市代市长王学军",
                "各位代表：",
                ADDRESS,
                "过去五年工作回顾",
                PARAGRAPH,
            ],
            2022,
        ),
        # 娄底市/2022: the review heading's year stands after 过去五年和
        (
            "娄底市政府工作报告（2021年12月30日 曾超群）",
            [
                "——2021年12月30日在娄底市第六届人民代表大会第一次会议上",
                "娄底市人民政府市长 曾超群",
                "各位代表：",
                ADDRESS,
                "一、过去五年和2021年工作回顾",
                PARAGRAPH,
                "二、未来五年总体要求和2022年重点工作",
                PARAGRAPH,
            ],
            2022,
        ),
        # 长春市/2012: only the title's date, the review heading run into the first paragraph
        (
            "长春政府工作报告 （2011年12月26日 崔杰）",
            [
                "各位代表：",
                "现在，我代表市人民政府向大会作工作报告，请予审议，并请列席会议人员提出意见。",
                "一、2011年工作回顾 2011年是实施“十二五”规划的第一年。面对复杂多变的宏观环境，我们迎难而上。",
            ],
            2012,
        ),
        # 河北省/2000: the date in brackets on its own line below a venue line without date
        (
            "政府工作报告",
            [
                "政府工作报告",
                "——在河北省第九届人民代表大会第三次会议上",
                "河北省人民政府省长 钮茂生",
                "（2000年1月20日）",
                "各位代表：",
                "现在，我代表省人民政府向大会作工作报告，请予审议，并请省政协各位委员和其他列席同志提出意见。",
                "1999年工作的回顾",
                PARAGRAPH,
            ],
            2000,
        ),
        # 河北省/2002: the date after the speaker's name
        (
            "政府工作报告",
            [
                "——在河北省第九届人民代表大会第五次会议上",
                "河北省省长 钮茂生（2002年1月24日）",
                "各位代表：",
                "现在，我代表河北省人民政府，向大会作政府工作报告，请予审议。请省政协委员和列席会议的同志提出意见。",
                "一、2001年工作的回顾",
                PARAGRAPH,
            ],
            2002,
        ),
        # 江西省/2020: no date at all: the year after the one reviewed
        (
            "政府工作报告",
            [
                "各位代表：",
                "现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和列席会议同志提出意见。",
                "一、2019年工作回顾",
                PARAGRAPH,
            ],
            2020,
        ),
        # 河南省/2019: no date, the plan heading names the session's year
        (
            "政府工作报告",
            [
                "各位代表：",
                "现在，我代表省人民政府，向大会报告工作，请予审议，并请各位政协委员和其他列席人士提出意见。",
                "一、2018年工作回顾",
                PARAGRAPH,
                "二、2019年工作安排",
                PARAGRAPH,
            ],
            2019,
        ),
        # 兰州市/2009: the title's year in brackets without 年
        (
            "兰州市人民政府工作报告（2009）",
            ["——2009年2月16日在兰州市第十四届人民代表大会第四次会议", "各位代表：", ADDRESS, "一、2008年政府工作回顾", PARAGRAPH],
            2009,
        ),
        # 甘肃省/1996: a target year in the title (2010年远景) never wins over the delivery
        (
            "关于甘肃省“九五”计划和2010年远景规划纲要的报告",
            [
                "——1996年2月3日在甘肃省第八届人民代表大会第四次会议上",
                "各位代表：",
                "现在，我代表省人民政府向大会作关于甘肃省“九五”计划和2010年远景规划纲要的报告，请予审议。",
                "一、“八五”计划的顺利完成为今后的发展奠定了基础",
                PARAGRAPH,
            ],
            1996,
        ),
    ],
)
def test_year_of_a_work_report_is_its_session(title: str, lines: list[str], year: int) -> None:
    meta = meta_of(title, lines)
    assert (meta.kind, meta.year) == ("政府工作报告", year)


def test_december_year_kept_when_the_title_names_it() -> None:
    # 政府工作报告-国务院/1964-summary: delivered 1964年12月21日, named 1964 by its own title
    meta = meta_of(
        "1964年国务院政府工作报告",
        [
            "——1964年12月21日和22日在第三届全国人民代表大会第一次会议上",
            "国务院总理　周恩来",
            "各位代表：",
            "我代表国务院向大会报告政府工作，请予审议。",
            PARAGRAPH,
        ],
    )
    assert meta.year == 1964


@pytest.mark.parametrize(
    "title, first, lines",
    [
        # 浙江省/1986: a five-year plan report in the work report's place, no date anywhere
        (
            "关于浙江省第七个五年计划的报告",
            None,
            [
                "各位代表:",
                "省六届人大本次会议的中心议题，是审议我省国民经济和社会发展第七个五年计划。现在，我代表省人民政府作关于我省“七五”计划的报告，请大会审议。",
                "一、“六五”计划执行情况",
                PARAGRAPH,
            ],
        ),
        # 政府工作报告-国务院/1958: a plan report the government delivers as its work report
        (
            "关于一九五八年度国民经济计划草案的报告",
            None,
            [
                "——1958年2月3日在第一届全国人民代表大会第五次会议上",
                "各位代表：",
                "我代表国务院向第一届全国人民代表大会第五次会议，提出关于一九五八年度国民经济计划（草案）的报告，请予审议。",
                "（一）一九五七年经济战线上的胜利",
                PARAGRAPH,
            ],
        ),
        # 湖北省/2002: the government's name and the year between 政府 and 工作报告
        (
            "湖北省人民政府2002年工作报告",
            None,
            [
                "——2002年2月21日在湖北省第九届人民代表大会第五次会议上",
                "省长 张国光",
                "各位代表：",
                "现在，我代表省人民政府向大会作政府工作报告，请予审议，并请省政协各位委员提出意见。",
                "一、2001年工作的回顾",
                PARAGRAPH,
            ],
        ),
    ],
)
def test_the_governments_report_to_the_congress_is_its_work_report(title: str, first: None, lines: list[str]) -> None:
    meta = meta_of(title, lines)
    assert meta.kind == "政府工作报告"
    assert (
        meta.year
        == {"关于浙江省第七个五年计划的报告": 1986, "关于一九五八年度国民经济计划草案的报告": 1958, "湖北省人民政府2002年工作报告": 2002}[
            title
        ]
    )


def test_a_plan_report_delivered_on_the_governments_behalf_keeps_its_kind() -> None:
    meta = meta_of(
        "关于2023年国民经济和社会发展计划执行情况与2024年计划草案的报告",
        [
            "——2024年1月22日在某市第十六届人民代表大会第四次会议上",
            "各位代表：",
            "受市人民政府委托，现将2023年国民经济和社会发展计划执行情况与2024年计划草案提请市十六届人大四次会议审议。",
            PARAGRAPH,
        ],
    )
    assert (meta.kind, meta.year) == ("国民经济和社会发展计划报告", 2024)


@pytest.mark.parametrize(
    "title, year",
    [
        ("中华人民共和国发展国民经济的第一个五年计划", 1953),  # 五年规划/1953-一五计划 (adopted 1955)
        ("中华人民共和国国民经济和社会发展第六个五年计划摘要", 1981),  # 五年规划/1981-六五计划摘要 (adopted 1982年12月)
        ("1976—1985年发展国民经济十年规划纲要（草案）", 1976),  # 五年规划/1976-五五计划摘要
        ("中华人民共和国国民经济和社会发展十年规划和第八个五年计划纲要", 1991),
        ("中华人民共和国国民经济和社会发展“九五”计划和二〇一〇年远景目标纲要", 1996),  # not 2010, a target
        ("中华人民共和国国民经济和社会发展第十二个五年规划纲要", 2011),
    ],
)
def test_a_plan_over_several_years_is_named_by_its_first_year(title: str, year: int) -> None:
    assert plan_first_year(title) == year
    meta = meta_of(title, [title, "（1982 年 12 月 10 日第五届全国人民代表大会第五次会议通过）", PARAGRAPH])
    assert (meta.kind, meta.year) == ("规划", year)


def test_statistical_bulletin_is_the_year_it_covers() -> None:
    # 国家统计局年度统计/2020: published 2021年2月28日, named by the year it covers
    meta = meta_of(
        "中华人民共和国2020年国民经济和社会发展统计公报",
        [
            "中华人民共和国2020年国民经济和社会发展统计公报[1]",
            "国家统计局",
            "2021年2月28日",
            "2020年是新中国历史上极不平凡的一年。面对严峻复杂的国际形势、艰巨繁重的国内改革发展稳定任务，各地区各部门坚持稳中求进。",
        ],
    )
    assert meta.year == 2020


def test_title_years_leave_out_dates_targets_and_impossible_years() -> None:
    assert title_years("中卫市政府工作报告（2021年12月29日 马洪海）") == []
    assert title_years("关于某省“九五”计划和2010年远景目标纲要的报告") == []
    assert title_years("关于2020年计划执行情况与2021年计划草案的报告") == [2020, 2021]
    assert title_years("某市2035年远景目标和2024年政府工作报告", bound=2025) == [2024]
    assert title_years("某市政府工作报告（2035年）", bound=2025) == []


def test_session_year_rules() -> None:
    assert session_year(date(2022, 12, 29), review=2022) == 2023
    assert session_year(date(2022, 1, 9), review=2021) == 2022
    assert session_year(date(2021, 12, 23), congress=True) == 2022
    assert session_year(date(2016, 11, 10), congress=True) == 2016  # a November session keeps its year
    assert session_year(date(2016, 11, 10), plan=2017, congress=True) == 2017
    assert session_year(date(2014, 2, 19), review=2014) == 2015  # a date its review contradicts: the review wins
    assert session_year(date(2014, 2, 19), review=2009) == 2014  # a review heading far off: the date wins
    assert session_year(None, review=2019) == 2020
    assert session_year(None) is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("上海市市长杨雄", ("上海市市长", "杨雄")),  # 政府工作报告-主要城市/上海市
        ("市长于幼军", ("市长", "于幼军")),  # 政府工作报告-主要城市/深圳市/2001
        ("吴忠市代市长王学军", ("吴忠市代市长", "王学军")),  # 政府工作报告-其他地市/吴忠市/2022
        ("市长 李明伟", ("市长", "李明伟")),
        ("北京市代市长 郭金龙", ("北京市代市长", "郭金龙")),
        ("国务院副总理兼国家经济委员会主任薄一波", ("国务院副总理兼国家经济委员会主任", "薄一波")),
        ("市长任正非", ("市长", "任正非")),  # a name starting with 任 is no 长任 title
        ("经济平稳增长态势", None),  # 增长 is no head's title
        ("保持稳定增长势头", None),
        ("各位代表：", None),
        ("政府工作报告", None),
    ],
)
def test_speaker_with_or_without_a_space(line: str, expected: tuple[str, str] | None) -> None:
    assert parse_speaker(line) == expected


def test_a_work_report_without_dates_or_year_headings_takes_the_year_its_body_names() -> None:
    # 北京市/2006: the 十一五 plan report in the work report's place; no date, no year in its review heading
    meta = meta_of(
        "政府工作报告",
        [
            "各位代表：",
            "现在，我代表北京市人民政府，向大会作关于国民经济和社会发展第十一个五年规划纲要的报告，请各位代表连同《纲要（草案）》一并审议。",
            "一、“十五”时期的回顾",
            "过去五年，全市人民在党中央、国务院和中共北京市委的领导下，认真落实科学发展观，创新体制，调整结构，优化环境，加强管理。",
            "二、2006年的主要任务",
            PARAGRAPH,
        ],
    )
    assert (meta.kind, meta.year) == ("政府工作报告", 2006)
