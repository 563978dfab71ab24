"""Reading real reports: eight 2026 provincial government work reports as scraped (chrome and all) and the seeds.

Expected values are what a reader of each page records; the reading code knows none of these files."""

from datetime import date

import pytest

from lawsearch.read import ParsedReport, parse_report

from ..conftest import ROOT
from .coverage import Coverage, body_coverage, excepted_lines
from .learning import learn_boilerplate

PROVINCIAL = ROOT / "tests" / "corpus" / "provincial-2026"
PROVINCIAL_FILES = sorted(PROVINCIAL.glob("*.txt"))

# report id → (region, agency, published, delivered, speaker)
EXPECTED_PROVINCIAL = {
    "2026_云南省_政府工作报告": ("云南省", "云南省人民政府", date(2026, 2, 3), date(2026, 1, 28), "王予波"),
    "2026_北京市_政府工作报告": ("北京市", "北京市人民政府", date(2026, 2, 2), date(2026, 1, 25), "殷勇"),
    "2026_宁夏回族自治区_政府工作报告": ("宁夏回族自治区", "宁夏回族自治区人民政府", date(2026, 2, 9), date(2026, 2, 3), "张雨浦"),
    "2026_广东省_政府工作报告": ("广东省", "广东省人民政府", None, date(2026, 1, 26), "孟凡利"),
    "2026_河北省_政府工作报告": ("河北省", "河北省人民政府", date(2026, 2, 2), date(2026, 1, 26), "王正谱"),
    "2026_湖北省_政府工作报告": ("湖北省", "湖北省人民政府", date(2026, 2, 5), date(2026, 1, 27), "李殿勋"),
    "2026_贵州省_政府工作报告": ("贵州省", "贵州省人民政府", None, date(2026, 1, 27), "李炳军"),
    "2026_陕西省_政府工作报告": ("陕西省", "陕西省人民政府", date(2026, 2, 2), date(2026, 1, 27), "赵刚"),
}
# report id → (level, kind, agency) of the seeds (region, parent, year and published: tests/read/test_meta.py)
EXPECTED_SEEDS = {
    "000_e216814a7c54799f": ("county", "法治政府建设年度报告", "杭州市滨江区人力资源和社会保障局"),
    "001_a27f8d567ac8393e": ("city", "法治政府建设年度报告", "武汉市人力资源和社会保障局"),
    "002_e3a39e3814c16024": ("county", "法治政府建设年度报告", "绍兴市上虞区人力资源和社会保障局"),
    "003_31027cef6ae4fb1c": ("county", "法治政府建设年度报告", None),  # the report only says 我局
    "004_f44f9f962692f528": ("county", "法治政府建设年度报告", "南昌县人力资源和社会保障局"),
}
# Lines of these pages that are the site's, not the report's.
CHROME = {
    "下载",
    "打印",
    "全屏",
    "收藏",
    "【字号：",
    "加大",
    "还原",
    "减小",
    "】",
    "【字体：",
    "大",
    "中",
    "小",
    "【",
    "×",
    "|",
    "您的位置:",
    "当前位置：",
    "首页",
    ">",
    "云南要闻",
    "政务信息",
    "宁夏要闻",
    "政府信息公开",
    "省政府工作报告",
    "来源：云南日报",
    "来源：北京日报",
    "来源：河北日报",
    "来源：湖北日报",
    "时间：2026-02-02",
    "时间：2026-02-05",
    "时间：",
    "来源：",
    "发表时间：",
    "阅读量：",
    "宁夏日报客户端",
    "陕西省人民政府",
    "2026-02-03 09:02:33",
    "2026-02-09 09:45:30",
    "2026-02-02 09:20",
    "分享:",
    "分享到:",
    "分享到微信",
    "相关报道：",
    "相关文档：",
    "》》点击图片进入专题《《",
    "扫一扫在手机打开当前页",
    "打印本页",
    "关闭窗口",
    "殷勇同志作政府工作报告。本报记者 戴冰摄",
    "王正谱作政府工作报告。本报记者 霍艳恩摄",
    "政府工作报告。 贵州日报天眼新闻记者 李森 摄",
}


@pytest.fixture(scope="module")
def provincial() -> dict[str, ParsedReport]:
    return {path.stem: parse_report(path) for path in PROVINCIAL_FILES}


def test_the_development_corpus_is_there() -> None:
    assert {path.stem for path in PROVINCIAL_FILES} == set(EXPECTED_PROVINCIAL)


@pytest.mark.parametrize("report_id", sorted(EXPECTED_PROVINCIAL))
def test_provincial_metadata(provincial: dict[str, ParsedReport], report_id: str) -> None:
    meta = provincial[report_id].meta
    region, agency, published, delivered, speaker = EXPECTED_PROVINCIAL[report_id]
    assert (meta.region, meta.region_parent, meta.level, meta.agency) == (region, None, "province", agency)
    assert (meta.kind, meta.year, meta.published) == ("政府工作报告", 2026, published)
    assert meta.front["delivered"] == delivered.isoformat()
    assert meta.front["speaker"] == speaker
    assert "人民代表大会" in meta.front["venue"] and region in meta.front["venue"]
    assert "政府工作报告" in meta.title


@pytest.mark.parametrize("report_id", sorted(EXPECTED_SEEDS))
def test_seed_level_kind_and_agency(parsed_seeds: dict[str, ParsedReport], report_id: str) -> None:
    meta = parsed_seeds[report_id].meta
    assert (meta.level, meta.kind, meta.agency) == EXPECTED_SEEDS[report_id]


def test_no_chrome_line_in_any_chunk(provincial: dict[str, ParsedReport]) -> None:
    for parsed in provincial.values():
        for chunk in parsed.chunks:
            lines = {line.strip() for line in chunk.text.split("\n")}
            assert not lines & CHROME, f"{chunk.id} keeps chrome: {lines & CHROME}"
            assert not set(chunk.heading_path) & CHROME, f"{chunk.id} has chrome in its heading path"
    dropped = {line.text for parsed in provincial.values() for line in parsed.dropped}
    assert CHROME - {"收藏"} <= dropped | {"首页"}  # every chrome line was seen and dropped, with its rule


def test_front_matter_is_never_a_heading(provincial: dict[str, ParsedReport]) -> None:
    for parsed in provincial.values():
        front = parsed.meta.front
        front_lines = {parsed.meta.title, front["subtitle"], front["speaker"], front.get("speaker_office")}
        for chunk in parsed.chunks:
            assert not any(part in heading for heading in chunk.heading_path for part in front_lines if part)
            assert not chunk.heading_path or chunk.heading_path[0][:2] in {"一、", "二、", "三、", "四、", "附件"}


def test_dropped_lines_name_their_rule(provincial: dict[str, ParsedReport]) -> None:
    rules = {line.rule for parsed in provincial.values() for line in parsed.dropped}
    assert {"breadcrumb", "page field", "title", "subtitle", "speaker", "photo caption", "related links"} <= rules
    beijing = provincial["2026_北京市_政府工作报告"].dropped
    assert [(line.number, line.rule) for line in beijing if line.text == "相关报道："] == [(106, "related links")]


def test_every_body_sentence_reaches_a_chunk(provincial: dict[str, ParsedReport], parsed_seeds: dict[str, ParsedReport]) -> None:
    total = Coverage()
    for parsed in [*provincial.values(), *parsed_seeds.values()]:
        total.add(body_coverage(parsed.report.text, parsed.chunks, excepted=excepted_lines(parsed.dropped)))
    assert total.total > 3000
    assert total.share >= 0.995, total.missing[:10]


def test_run_in_and_lead_headings_and_appendices(provincial: dict[str, ParsedReport]) -> None:
    guangdong = provincial["2026_广东省_政府工作报告"].chunks
    glossary = [c for c in guangdong if c.heading_path[:1] == ("附件2 名词解释",)]
    assert len(glossary) == 13 and glossary[0].heading_path[1] == "1.“四上”企业"
    assert any(c.heading_path[:1] == ("附件1 2026年省十件民生实事",) for c in guangdong)
    beijing = provincial["2026_北京市_政府工作报告"].chunks
    lead = next(c for c in beijing if c.text.startswith("促进高质量充分就业。"))
    assert lead.heading_path[-1] == "促进高质量充分就业" and lead.heading_path[-2].startswith("（八）")
    guizhou = provincial["2026_贵州省_政府工作报告"].chunks
    run_in = next(c for c in guizhou if c.text.startswith("（三）坚定不移大抓产业主攻工业。"))
    assert run_in.heading_path[-1] == "（三）坚定不移大抓产业主攻工业"


def test_a_page_that_prints_the_body_twice_keeps_it_once() -> None:
    from lawsearch.read.page import read_page

    body = [
        "一、总体情况",
        "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。",
        "二、下一步打算",
        "继续深化行政执法体制改革，健全行政裁量权基准制度，提升执法质量和效能。",
    ]
    page = read_page("\n".join(["某某县2023年法治政府建设年度报告", *body, "打印本页", *body]))
    assert page.text.split("\n") == body
    assert {line.rule for line in page.dropped} >= {"repeated on this page", "title"}


def test_corpus_boilerplate_drops_site_lines_and_keeps_the_body(
    provincial: dict[str, ParsedReport], parsed_seeds: dict[str, ParsedReport]
) -> None:
    from lawsearch.read import parse

    everything = [*provincial.values(), *parsed_seeds.values()]
    statistics = learn_boilerplate(parsed.report.text for parsed in everything)
    total = Coverage()
    recurring = set()
    for before in everything:
        after = parse(before.report, statistics)
        assert after.meta == before.meta  # titles, fields and signatures are read before the statistics apply
        total.add(body_coverage(after.report.text, after.chunks, excepted=excepted_lines(after.dropped)))
        recurring |= {line.text for line in after.dropped if line.rule.startswith("recurs in")}
        for chunk in after.chunks:
            assert not {line.strip() for line in chunk.text.split("\n")} & CHROME
    assert total.share >= 0.995, total.missing[:10]
    assert recurring, "no line was judged by the corpus statistics"


def test_a_sentence_that_mentions_a_reporter_is_no_caption() -> None:
    from lawsearch.read.page import read_page

    page = read_page(
        "2023年，我局认真开展依法行政工作，取得显著成效，获得上级肯定。\n组织开展新闻记者培训3期。\n"
        "殷某同志作政府工作报告。本报记者 某某摄\n摄影：某某"
    )
    assert "组织开展新闻记者培训3期。" in page.text.split("\n")
    assert [(line.number, line.rule) for line in page.dropped] == [(3, "photo caption"), (4, "photo caption")]
