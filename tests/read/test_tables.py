"""Tables read as rows with their headers: the shared rule (lawsearch.read.tables) on its own and on hostile input,
and the Markdown, HTML and Word readers reading a small real table through it (the Word file built with python-docx)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lawsearch.read.files import read_report
from lawsearch.read.html import page_text
from lawsearch.read.markdown import markdown_text
from lawsearch.read.tables import MAX_CELL_CHARS, MAX_LABEL_CHARS, cell_text, table_lines

# 国家统计局年度统计/2020.md, 表3 (shortened): a caption spanning the table, a header, figures below.
FREIGHT = [
    ["表3 2020年各种运输方式完成货物运输量及其增长速度", "", "", ""],
    ["指标", "单位", "绝对数", "比上年增长（%）"],
    ["货物运输周转量", "亿吨公里", "196618.3", "-1.0"],
    ["铁路", "亿吨公里", "30371.8", "1.0"],
]
FREIGHT_LINES = [
    "指标：货物运输周转量；单位：亿吨公里；绝对数：196618.3；比上年增长（%）：-1.0",
    "指标：铁路；单位：亿吨公里；绝对数：30371.8；比上年增长（%）：1.0",
]


# The shared rule.


def test_a_header_row_labels_every_value_and_becomes_an_empty_line() -> None:
    assert table_lines(FREIGHT[1:]) == ["", *FREIGHT_LINES]


def test_caption_rows_stay_lines_of_their_own_before_the_header() -> None:
    rows = [FREIGHT[0], ["单位：万人", "", "", ""], *FREIGHT[1:]]
    assert table_lines(rows) == [FREIGHT[0][0], "单位：万人", "", *FREIGHT_LINES]


def test_a_blank_corner_leaves_the_row_label_bare_and_empty_cells_are_skipped() -> None:
    rows = [["", "年末数", "比重%"], ["全国总人口", "136072", "100.0"], ["其中：城镇", "", "53.73"]]
    assert table_lines(rows) == ["", "全国总人口；年末数：136072；比重%：100.0", "其中：城镇；比重%：53.73"]


def test_a_row_shifted_past_the_header_pairs_its_values_in_order() -> None:
    # 国家统计局年度统计/2020.md, 表4: the figures of the last column sit one cell right of their label.
    rows = [
        ["指标", "单位", "绝对数", "比上年增长（%）", ""],
        ["旅客运输总量", "亿人次", "96.7", "", "-45.1"],
        ["铁路", "亿人次", "22.0", "", "-39.8"],
    ]
    assert table_lines(rows)[1] == "指标：旅客运输总量；单位：亿人次；绝对数：96.7；比上年增长（%）：-45.1"


def test_a_row_of_one_cell_is_that_cell_alone() -> None:
    rows = [*FREIGHT[1:3], ["注：周转量按实际运距计算", "", "", ""], FREIGHT[3]]
    assert table_lines(rows) == ["", FREIGHT_LINES[0], "注：周转量按实际运距计算", FREIGHT_LINES[1]]


def test_years_head_columns_of_figures() -> None:
    rows = [
        ["指　　标", "单　位", "2001", "2002"],
        ["城镇居民人均可支配收入", "元", "6860", "7703"],
        ["农村居民人均纯收入", "元", "2366", "2476"],
    ]
    assert table_lines(rows)[1] == "指标：城镇居民人均可支配收入；单位：元；2001：6860；2002：7703"


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([["项目"], ["行政复议"], ["12件"], ["行政诉讼"]], id="one column"),
        pytest.param(
            [["索引号：", "11440300/2022-001"], ["发布机构：", "某区人民政府"], ["成文日期：", "2022-03-01"]], id="label/value pairs"
        ),
        pytest.param([["项目", "数量"], ["行政复议", "12件"]], id="one body row"),
        pytest.param([["北京", "100", "200"], ["上海", "120", "210"], ["广州", "90", "80"]], id="first row of figures"),
        pytest.param([["2019", "2020"], ["100", "120"], ["90", "80"]], id="a header of years alone"),
        pytest.param([["单位", "职责"], ["区司法局", "统筹协调"], ["区财政局", "经费保障"]], id="no column of figures"),
        pytest.param(
            [["一九五三年", "七〇〇人；"], ["一九五四年", "一、五〇〇人；"], ["一九五五年", "二、四〇〇人；"]], id="figures in words"
        ),
        pytest.param([["指标", "数值"], ["GDP", "100"], ["", "200"]], id="one body row of two values"),
        pytest.param([["指标", "标" * (MAX_LABEL_CHARS + 1)], ["GDP", "100"], ["CPI", "102"]], id="a label too long"),
        pytest.param([["指标", "数值"], ["GDP", "100"], ["说明", "1" + "。" * MAX_CELL_CHARS]], id="a cell of prose"),
    ],
)
def test_tables_without_a_column_header_are_left_to_their_reader(rows: list[list[str]]) -> None:
    assert table_lines(rows) is None


@pytest.mark.parametrize("rows", [[], [[]], [[""]], [["", ""], ["", ""]], [["表1 标题"]], [["表1 标题", ""], ["", ""], ["", ""]]])
def test_empty_and_caption_only_tables_have_no_header(rows: list[list[str]]) -> None:
    assert table_lines(rows) is None


def test_ragged_rows_are_read_by_column() -> None:
    rows = [["指标", "单位", "绝对数"], ["铁路", "亿吨"], ["公路", "亿吨", "342.6", "-0.3", "注"], ["水运", "亿吨", "76.2"]]
    assert table_lines(rows) == [
        "",
        "指标：铁路；单位：亿吨",
        "指标：公路；单位：亿吨；绝对数：342.6；-0.3；注",
        "指标：水运；单位：亿吨；绝对数：76.2",
    ]


def test_cells_with_line_breaks_are_one_line() -> None:
    rows = [["指标\n名称", "数值\r\n（亿元）"], ["GDP\n2025", "1\n00"], ["地区\u3000生产\n\n总值", "200"]]
    lines = table_lines(rows)
    assert lines == ["", "指标名称：GDP 2025；数值（亿元）：1 00", "指标名称：地区生产总值；数值（亿元）：200"]
    assert all("\n" not in line and "\r" not in line for line in lines or [])
    assert cell_text("  \n ") == ""


def test_a_500_column_row_reads_in_linear_time() -> None:
    header = [f"第{i}列" for i in range(500)]
    rows = [header, [str(i) for i in range(500)], [str(i + 1) for i in range(500)]]
    start = time.perf_counter()
    lines = table_lines(rows) or []
    assert lines[1].startswith("第0列：0；第1列：1；") and lines[2].endswith("第499列：500")
    assert len(lines[1].split("；")) == 500
    assert table_lines([[str(i) for i in range(500)]] * 3) is None  # a row of figures is no header
    wide = [["标"] * 500, ["1", "2"] + [""] * 100_000, ["3", "4"]]  # ragged past all bounds
    assert table_lines(wide) == ["", "标：1；标：2", "标：3；标：4"]
    many = [header[:3]] + [["铁路", "亿吨", str(row)] for row in range(20_000)]
    assert len(table_lines(many) or []) == 20_001
    assert time.perf_counter() - start < 5.0


# The readers.

MARKDOWN = """# 四、服务业

| <br>**表3 2020年各种运输方式完成货物运输量及其增长速度** | | | |
| --- | --- | --- | --- |
| <br>指标 | <br>单位 | <br>绝对数 | <br>比上年增长<br>（%） |
| <br>货物运输周转量 | <br>亿吨公里 | <br>196618.3 | <br>-1.0 |
| <br> 铁路 | <br>亿吨公里 | <br>30371.8 | <br>1.0 |

全年旅客运输总量97亿人次。
"""


def test_markdown_reads_a_table_with_its_headers_and_keeps_source_lines() -> None:
    text, _ = markdown_text(MARKDOWN)
    lines = text.split("\n")
    assert lines[2:8] == ["表3 2020年各种运输方式完成货物运输量及其增长速度", "", "", *FREIGHT_LINES, ""]
    assert lines[8] == "全年旅客运输总量97亿人次。"  # still on its own source line (line 9 of the file)


def test_markdown_reads_a_refused_pipe_table_the_same_way() -> None:
    refused = "| 指标 | 单位 | 绝对数 | 比上年增长（%） |\n| --- | --- |\n| 货物运输周转量 | 亿吨公里 | 196618.3 | -1.0 |\n| 铁路 | 亿吨公里 | 30371.8 | 1.0 |"
    assert markdown_text(refused)[0].split("\n") == ["", "", *FREIGHT_LINES]


def test_markdown_keeps_a_table_without_a_header_as_joined_cells() -> None:
    text, _ = markdown_text("| 索引号： | 123 |\n| --- | --- |\n| 发布机构： | 某局 |\n| 成文日期： | 2022-01-01 |")
    assert text.split("\n") == ["索引号：；123", "", "发布机构：；某局", "成文日期：；2022-01-01"]


HTML = """<html><body><article><p>一、服务业</p>
<table><caption>表3 2020年各种运输方式完成货物运输量及其增长速度</caption>
<thead><tr><th>指标</th><th>单位</th><th>绝对数</th><th>比上年增长<br>（%）</th></tr></thead>
<tbody><tr><td><p>货物运输周转量</p></td><td>亿吨公里</td><td>196618.3</td><td>-1.0</td></tr>
<tr><td>铁路</td><td><span>亿吨</span>公里</td><td>30371.8</td><td>1.0</td></tr></tbody></table>
<table><tr><td colspan="4">单位：万人</td></tr><tr><td></td><td>年末数</td><td colspan="2">比重%</td></tr>
<tr><td>全国总人口</td><td>136072</td><td>100.0</td></tr><tr><td>其中：城镇</td><td>73111</td><td>53.73</td></tr></table>
<table><tr><td>索引号：</td><td>123</td></tr><tr><td>发布机构：</td><td>某局</td></tr><tr><td>成文日期：</td><td>2022-01-01</td></tr></table>
<p>全年旅客运输总量97亿人次。</p></article></body></html>"""


def test_html_reads_a_table_with_its_headers_and_leaves_pairs_as_they_were() -> None:
    assert page_text(HTML).split("\n") == [
        "一、服务业",
        "表3 2020年各种运输方式完成货物运输量及其增长速度",
        *FREIGHT_LINES,
        "单位：万人",
        "全国总人口；年末数：136072；比重%：100.0",
        "其中：城镇；年末数：73111；比重%：53.73",
        "索引号：\t123",
        "发布机构：\t某局",
        "成文日期：\t2022-01-01",
        "全年旅客运输总量97亿人次。",
    ]


def test_html_lays_out_a_table_of_paragraphs_or_of_tables_as_before() -> None:
    layout = "<table><tr><td>首页</td><td>政务公开</td></tr><tr><td><p>正文第一段2022年。</p><p>第二段。</p></td></tr></table>"
    assert page_text(layout).split("\n") == ["首页\t政务公开", "正文第一段2022年。", "第二段。"]
    inner = "<table><tr><th>指标<th>数值<tr><td>GDP<td>100<tr><td>CPI<td>102</table>"
    outer = f"<table><tr><td>甲</td><td>{inner}</td></tr></table>"
    assert page_text(outer).split("\n") == ["甲", "指标：GDP；数值：100", "指标：CPI；数值：102"]  # the inner one is a table


def test_html_tables_nested_deep_or_wide_read_in_time() -> None:
    start = time.perf_counter()
    nested = "<table><tr><td>甲<td>1" * 400 + "</table>" * 400
    assert page_text(nested).count("甲") == 400
    wide = "<table><tr>" + "<th>列" * 500 + "<tr>" + "<td>1" * 500 + "<tr>" + "<td colspan=1000>2" * 50 + "</table>"
    assert page_text(wide).count("列：1") == 500
    wider = wide.replace("</table>", "<td colspan=1000>2" * 100 + "</table>")
    assert "列\t列" in page_text(wider)  # more cells than a table is read by: laid out as a browser lays it out
    assert time.perf_counter() - start < 20.0


def _docx_table(tmp_path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_paragraph("一、服务业")
    table = document.add_table(rows=4, cols=4)
    for r, row in enumerate(FREIGHT):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(0, 3)).text = FREIGHT[0][0]  # the caption spans the table
    table.cell(1, 3).text = "比上年增长"
    table.cell(1, 3).add_paragraph("（%）")  # a label of two paragraphs
    pairs = document.add_table(rows=3, cols=2)
    for r, (label, value) in enumerate([("索引号：", "123"), ("发布机构：", "某局"), ("成文日期：", "2022-01-01")]):
        pairs.cell(r, 0).text, pairs.cell(r, 1).text = label, value
    document.add_paragraph("全年旅客运输总量97亿人次。")
    path = tmp_path / "bulletin.docx"
    document.save(str(path))
    return path


def test_docx_reads_a_table_with_its_headers_and_leaves_pairs_cell_by_cell(tmp_path: Path) -> None:
    report = read_report(_docx_table(tmp_path))
    assert report.text.split("\n") == [
        "一、服务业",
        FREIGHT[0][0],
        *FREIGHT_LINES,
        "索引号：",
        "123",
        "发布机构：",
        "某局",
        "成文日期：",
        "2022-01-01",
        "全年旅客运输总量97亿人次。",
    ]
