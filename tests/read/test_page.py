from datetime import date

from lawsearch.read.page import clean_text, page_fields, read_page

from ..conftest import SEEDS

CHROME_001 = [
    "扫一扫在手机上查看当前页面",
    "版权所有:武汉市人力资源和社会保障局 鄂ICP备11011361号 鄂公网安备 42010202001685号 政府网站标识码:4201000008",
]
CHROME_002 = [
    "当前位置 : 首页",
    ">>人力资源和社会保障局 >>规划计划 >>计划总结",
    "索引号: 002590761/2021-65504 公开方式: 主动公开",
    "文号: 公开日期: 2021-02-22 10:51",
    "发布单位: 区人力社保局",
    "分享到:",
    "【打印本页】 【关闭本页】",
]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _check_seed(name: str, chrome: list[str], front: list[str]) -> None:
    raw = (SEEDS / name).read_text(encoding="utf-8")
    page = read_page(raw)
    cleaned = _lines(page.text)
    raw_lines = _lines(raw)
    for line in chrome + front:
        assert line in raw_lines, f"test expects {line!r} in the seed"
        assert line not in cleaned
    assert cleaned == [line for line in raw_lines if line not in chrome + front], "report content was changed or dropped"
    assert {d.text for d in page.dropped} == set(chrome + front)


def test_seed_001_footer_removed_and_signature_read_as_back_matter() -> None:
    _check_seed("001_a27f8d567ac8393e.txt", CHROME_001, ["武汉市人力资源和社会保障局", "2023年3月9日"])
    front = read_page((SEEDS / "001_a27f8d567ac8393e.txt").read_text(encoding="utf-8")).front
    assert (front.signed_by, front.signed) == ("武汉市人力资源和社会保障局", date(2023, 3, 9))


def test_seed_002_breadcrumbs_header_and_buttons_removed_title_read_as_front_matter() -> None:
    _check_seed("002_e3a39e3814c16024.txt", CHROME_002, ["上虞区人社局2020年度法治政府建设情况报告"])
    page = read_page((SEEDS / "002_e3a39e3814c16024.txt").read_text(encoding="utf-8"))
    assert page.front.title == "上虞区人社局2020年度法治政府建设情况报告"
    assert {d.rule for d in page.dropped} == {"breadcrumb", "page field", "title", "footer", "buttons"}


def test_clean_seeds_without_chrome_are_unchanged_but_for_blank_lines_and_signature() -> None:
    for name in ("000_e216814a7c54799f.txt", "003_31027cef6ae4fb1c.txt"):
        raw = (SEEDS / name).read_text(encoding="utf-8")
        assert _lines(clean_text(raw)) == _lines(raw)
    raw = (SEEDS / "004_f44f9f962692f528.txt").read_text(encoding="utf-8")
    assert _lines(clean_text(raw)) == _lines(raw)[:-2]


def test_header_values_are_kept_as_fields() -> None:
    raw = (SEEDS / "002_e3a39e3814c16024.txt").read_text(encoding="utf-8")
    fields = page_fields(raw)
    assert fields["公开日期"] == "2021-02-22 10:51"
    assert fields["发布单位"] == "区人力社保局"
    assert fields["索引号"] == "002590761/2021-65504"
    assert fields["文号"] == ""


def test_chrome_words_inside_content_are_kept() -> None:
    text = "\n".join(
        [
            "一、加强知识产权保护",
            "版权所有人的合法权益受法律保护,我局联合开展侵权盗版专项整治。",
            "全年处理涉及来源不明的投诉3件,分享到基层的经验做法受到肯定。",
            "来源：本局统计,全年办结案件27件,其中行政复议案件5件,行政诉讼案件3件,其余均为劳动保障监察案件,已全部按期办结并公开结果,接受社会监督。",
            "来源：这一行在正文之后,不是页头。",
        ]
    )
    cleaned = clean_text(text)
    assert "我局联合开展侵权盗版专项整治" in cleaned
    assert "分享到基层的经验做法" in cleaned
    assert "来源：这一行在正文之后" in cleaned


def test_button_rows_and_nav_rows_are_removed() -> None:
    text = "正文第一段。\n【字体：大 中 小】\n【打印】【关闭窗口】\n联系我们 | 网站地图\n上一篇：关于印发某某通知\n正文第二段。"
    assert _lines(clean_text(text)) == ["正文第一段。", "正文第二段。"]


def test_common_chrome_variants_are_removed() -> None:
    text = "\n".join(
        [
            "您所在的位置：首页 > 政务公开",
            "首页 > 政务公开 > 计划总结 > 西湖区2020年度法治政府建设情况报告",
            "索引号  002590761/2021-65504  公开方式  主动公开",
            "扫一扫在手机打开当前页",
            "分享到 微信 微博",
            "打印本页 | 关闭窗口",
            "〖打印本页〗〖关闭窗口〗",
            "阅读次数：123",
            "首页 | 网站地图 | 联系我们",
            "\u200b一、正文保留。",
            "首页工作是做好服务。",
        ]
    )
    assert _lines(clean_text(text)) == ["一、正文保留。", "首页工作是做好服务。"]
    assert page_fields(text)["索引号"] == "002590761/2021-65504"
