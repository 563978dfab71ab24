"""Region, level and agency at the scale of a whole collection: national reports, autonomous prefectures named by
their short forms, divisions newer than the gazetteer's table, words that only look like places or bodies, and bodies
named by abbreviation. Quoted lines are from real reports (the collection of work reports and statistics bulletins);
the bureau openings are written as such reports begin."""

import pytest

from lawsearch.read.gazetteer import default_gazetteer, standard_short_name
from lawsearch.read.meta import NATIONAL, extract_meta
from lawsearch.search.answers import answer_set, place_at
from lawsearch.search.hits import Hit
from lawsearch.search.lexical import region_keys


def _meta(text: str) -> tuple:
    meta = extract_meta("r", text)
    return meta.region, meta.region_parent, meta.level, meta.agency


# 1. National reports: the region is the country, the level national.
@pytest.mark.parametrize(
    ("text", "agency"),
    [
        (  # the State Council's work report: the subtitle at the 全国人民代表大会, the speaker 国务院总理
            "政府工作报告\n——2020年5月22日在第十三届全国人民代表大会第三次会议上\n国务院总理　李克强\n各位代表：\n"
            "现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。",
            "国务院",
        ),
        (  # the venue written with the country's name (1954)
            "1954年政府工作报告\n——1954年5月23日在中华人民共和国第一届全国人民代表大会第一次会议上\n国务院总理　周恩来\n各位代表：\n"
            "我们第一届全国人民代表大会第一次会议，在听了刘少奇同志关于宪法草案的报告并进行了三天的讨论以后，已经光荣地完成了一件历史性的工作。",
            "国务院",
        ),
        (  # a statistics bulletin: the title names 中华人民共和国 and the bureau; 中华人民共和国 is no 共和县
            "中华人民共和国国家统计局关于1990年国民经济和社会发展的统计公报\n1991年2月22日\n"
            "1990年，全国各族人民在党中央和国务院的正确领导下，进一步贯彻执行治理整顿和深化改革的方针，取得了明显成效。",
            "国家统计局",
        ),
        (  # a bulletin whose lines name 香港/澳门特别行政区 and their governments: not its region
            "中华人民共和国\n2018年国民经济和社会发展统计公报\n国家统计局\n2019年2月28日\n"
            "2018年，全国各族人民在以习近平同志为核心的党中央坚强领导下，经济社会发展稳中向好。\n一、综合\n全年国内生产总值增长6.6%。\n"
            "2、香港和澳门特别行政区统计数据未包括在本公报中，分别由香港和澳门特别行政区政府发布。",
            "国家统计局",
        ),
    ],
)
def test_national_reports_are_the_countrys(text: str, agency: str | None) -> None:
    assert _meta(text) == (NATIONAL, None, "national", agency)


def test_a_local_report_quoting_a_national_law_stays_local() -> None:
    text = (
        "德清县市场监督管理局2023年法治政府建设年度报告\n2023年，我局认真贯彻《中华人民共和国行政处罚法》，全面推进依法行政。"
        "全国市场监管系统法治建设会议在杭州召开，国务院有关部门出席。"
    )
    assert _meta(text)[:3] == ("德清县", "湖州市", "county")


def test_national_reports_answer_as_the_country() -> None:
    gazetteer = default_gazetteer()
    assert place_at(gazetteer, NATIONAL, None, "province") is None  # the country is no province
    assert region_keys(NATIONAL, None) == NATIONAL  # a region filter 全国 selects national reports
    hit = Hit(
        chunk_id="gov#1",
        report_id="gov",
        region=NATIONAL,
        region_parent=None,
        year=2020,
        agency="国务院",
        title="政府工作报告",
        heading_path=(),
        text="t",
        score=0.9,
        level="national",
        kind="政府工作报告",
        focal=0.5,  # its best sentence holds some of the question's focal terms
    )
    answers = answer_set([hit], "any", indexed=1)
    assert [(a.region, a.level) for a in answers.answer] == [(NATIONAL, "national")]
    assert answer_set([hit], "province", indexed=1).answer == ()


# 2. Autonomous prefectures by their standard short forms; words that only look like places or bodies.
def test_standard_short_forms_of_autonomous_divisions() -> None:
    assert standard_short_name("恩施土家族苗族自治州") == "恩施州"
    assert standard_short_name("黔东南苗族侗族自治州") == "黔东南州"
    assert standard_short_name("黔西南布依族苗族自治州") == "黔西南州"
    assert standard_short_name("怒江傈僳族自治州") == "怒江州"
    assert standard_short_name("长阳土家族自治县") == "长阳县"
    assert standard_short_name("杭州市") is None
    assert [p.name for p in default_gazetteer().lookup("恩施州")] == ["恩施土家族苗族自治州"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # 黔东南州 (title and subtitle): the prefecture, not 贵州省
            "黔东南州政府工作报告（2022年12月30日 安九熊）\n（2022年12月30日在黔东南州第十五届人民代表大会第二次会议上）\n州长 安九熊\n"
            "各位代表：\n现在，我代表州人民政府向大会报告工作，请予审议，并请州政协委员和其他列席人员提出意见。",
            ("黔东南苗族侗族自治州", "贵州省", "city", "黔东南苗族侗族自治州人民政府"),
        ),
        (  # 怒江州 in the speaker's office: not 江州区
            "政府工作报告\n怒江州人民政府州长 李文辉\n各位代表：\n"
            "现在，我代表州人民政府，向大会报告工作，请予审议，并请州政协委员和列席人员提出意见。",
            ("怒江傈僳族自治州", "云南省", "city", "怒江傈僳族自治州人民政府"),
        ),
    ],
)
def test_prefectures_named_by_short_forms(text: str, expected: tuple) -> None:
    assert _meta(text) == expected


@pytest.mark.parametrize(
    ("line", "region"),
    [
        # 签署 is a verb, not a body named 署
        ("在全国率先实施全流域生态补偿，与广东省签署了东江流域上下游横向生态补偿协议。", "江西省"),
        # 城区 before 空间格局: a 格局 is no bureau, and the province speaks for itself
        ("优化城市功能分区，规范中心城区空间格局，合理确定城市用地结构，统筹市域交通组织。", "江西省"),
        # 完成县域: no 成县
        ("实施乡村建设行动。完成县域村庄分类和布局规划，新建改造农村公路。", "江西省"),
    ],
)
def test_words_that_look_like_places_or_bodies(line: str, region: str) -> None:
    text = (
        "政府工作报告\n各位代表：\n现在，我代表省人民政府，向大会报告政府工作，请予审议。\n"
        f"过去一年，江西省经济运行稳中有进。全省上下团结奋斗。{line}\n江西省推进改革。全省民生改善。"
    )
    assert _meta(text) == (region, None, "province", "江西省人民政府")


# 3. Divisions newer than cpca's table.
def test_divisions_set_up_since_the_table() -> None:
    gazetteer = default_gazetteer()
    for name, parent in (
        ("那曲市", "西藏自治区"),
        ("色尼区", "那曲市"),
        ("嘉黎县", "那曲市"),
        ("临平区", "杭州市"),
        ("钱塘区", "杭州市"),
        ("呼中区", "大兴安岭地区"),
        ("莱芜区", "济南市"),
        ("钢城区", "济南市"),
    ):
        places = [p for p in gazetteer.lookup(name) if p.name == name]
        assert len(places) == 1, name
        assert gazetteer.parent_of(places[0]).name == parent
    assert gazetteer.lookup("那曲地区")  # the old name still names the reports of its time


def test_a_report_of_nagqu_city() -> None:
    text = (
        "那曲市政府工作报告（2021年1月7日 才仁郎公）\n——2021年1月7日在那曲市第一届人民代表大会第四次会议上\n"
        "那曲市人民政府代市长 才仁郎公\n各位代表：\n现在，我代表市人民政府，向大会报告政府工作，请连同《那曲市国民经济和社会发展"
        "第十四个五年规划和二〇三五年远景目标纲要（草案）》一并审议，并请各位政协委员和列席人员提出意见。"
    )
    assert _meta(text) == ("那曲市", "西藏自治区", "city", "那曲市人民政府")


# 4. Agencies: the full official name, the place read from where the report says it is.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a district bureau named by abbreviation in its title; the district from its address line
            "区人社局2021年政府信息公开工作年度报告\n本报告依据《中华人民共和国政府信息公开条例》要求编制。如对本报告有疑问，"
            "请与区人社局办公室联系（地址：杭州市滨江区江汉路1号；邮编：310051）。\n一、总体情况\n2021年，区人社局认真贯彻落实《条例》。",
            ("滨江区", "杭州市", "county", "杭州市滨江区人力资源和社会保障局"),
        ),
        (  # a city bureau: 市市场监管局, the city from the address (not its district)
            "市市场监管局2021年政府信息公开工作年度报告\n本年度报告由市市场监管局办公室负责编写。如对本报告有任何疑问，请与市市场监管局"
            "办公室联系（地址：郑州市金水区经三路北段68号；邮编：450008）。\n一、总体情况\n2021年，市市场监管局认真贯彻落实《条例》。",
            ("郑州市", "河南省", "city", "郑州市市场监督管理局"),
        ),
        (  # a county bureau in its signature
            "县市场监管局2022年法治政府建设年度报告\n2022年，我局坚持依法行政，各项工作取得新成效。\n一、主要工作\n推进执法规范化。\n"
            "德清县市场监督管理局\n2023年1月10日",
            ("德清县", "湖州市", "county", "德清县市场监督管理局"),
        ),
        (  # the district government's own report: its title names the district and no body, the text says 区政府
            "蜀山区2024年法治政府建设年度报告\n2024年，蜀山区坚持以习近平新时代中国特色社会主义思想为指导，在市委、市政府和区委的坚强"
            "领导下，着力推进法治政府建设。\n一、主要举措\n区政府常务会议会前学法14次，区政府主要负责同志带头讲法治课。合肥市表彰。",
            ("蜀山区", "合肥市", "county", "合肥市蜀山区人民政府"),
        ),
    ],
)
def test_agency_is_the_full_official_name(text: str, expected: tuple) -> None:
    assert _meta(text) == expected


def test_the_page_source_is_not_the_issuer() -> None:
    text = "来源：杭州市人民政府办公厅\n滨江区卫生健康局2022年法治政府建设年度报告\n2022年，我局坚持依法行政，推进各项工作。"
    assert _meta(text) == ("滨江区", "杭州市", "county", "杭州市滨江区卫生健康局")


# The government's own voice and its head's title.
def test_a_government_speaking_for_itself_is_its_government() -> None:
    # 甘肃 2019: a bureau named with the province (国家公园甘肃省管理局) is not the report's issuer
    text = (
        "2019年政府工作报告\n各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。\n"
        "一、2018年工作回顾\n全省生产总值增长6.3%。挂牌成立大熊猫、祁连山国家公园甘肃省管理局。我省生态环境持续改善。"
    )
    assert _meta(text) == ("甘肃省", None, "province", "甘肃省人民政府")


def test_a_province_named_once_by_a_report_that_speaks_of_itself_throughout() -> None:
    # 甘肃 1997 names its province once; 香港 (a 特别行政区, never 我省) does not compete
    text = (
        "1997年政府工作报告\n各位代表：\n现在，我代表省人民政府向大会作工作报告，请予审议。\n"
        "刚刚过去的1996年，是我省现代化建设进程中具有重要意义的一年。在党中央、国务院和中共甘肃省委的正确领导下，各级政府带领全省各族人民"
        "艰苦奋斗，开拓进取。\n各位代表，今年是继续推进改革开放和现代化建设很重要的一年。我国政府将恢复对香港行使主权，党的十五大要召开，"
        "这必将对我省的经济和社会发展起到重要作用。" + "全省农业丰收，全省工业增长。" * 4
    )
    assert _meta(text) == ("甘肃省", None, "province", "甘肃省人民政府")


def test_the_heads_title_outranks_a_label_naming_a_place_of_another_level() -> None:
    # 大理 2014: the publisher's label says 大理市, the subtitle and the speaker (州长) the prefecture
    text = (
        "大理市政府工作报告 （2014年2月18日 何华）\n——2014年2月18日在大理白族自治州第十三届人民代表大会第二次会议上\n州长 何华\n"
        "各位代表:\n现在，我代表州人民政府向大会报告工作，请予审议，并请州政协各位委员提出意见。"
    )
    assert _meta(text) == ("大理白族自治州", "云南省", "city", "大理白族自治州人民政府")
    assert _meta(text.replace("大理市政府工作报告", "大理州政府工作报告"))[0] == "大理白族自治州"


def test_the_countrys_work_report_is_the_state_councils() -> None:
    text = (
        "1981年政府工作报告\n当前的经济形势和今后经济建设的方针\n各位代表：\n从去年9月第五届全国人民代表大会第三次会议到现在，"
        "已经过去了一年零两个月。\n现在，我代表国务院，就当前的经济形势和今后经济建设的方针，作如下报告。"
    )
    assert _meta(text) == (NATIONAL, None, "national", "国务院")


def test_a_local_branch_of_a_central_body_is_local() -> None:
    meta = extract_meta("r", "国家税务总局杭州市税务局2022年法治政府建设年度报告\n2022年，我局坚持依法行政，推进各项工作。")
    assert (meta.region, meta.level) == ("杭州市", "city")
    central = extract_meta("r", "国家税务总局2022年法治政府建设年度报告\n2022年，税务总局坚持依法行政，推进各项工作。")
    assert (central.region, central.level, central.agency) == (NATIONAL, "national", "国家税务总局")
