"""Markdown read as Markdown, and front matter read as fields, on openings quoted from a real collection of
government reports (Markdown files with YAML front matter, one folder per region)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawsearch.errors import EmptyReportError
from lawsearch.read import ParsedReport, parse_report
from lawsearch.read.files import read_report
from lawsearch.read.frontmatter import split_front_matter
from lawsearch.read.markdown import looks_like_markdown, markdown_text
from lawsearch.read.page import read_page

from ..conftest import ROOT, SEED_FILES

# What must never reach a chunk's text or heading path: front-matter fences and keys, Markdown marks.
MARKUP = re.compile(r"^\s*---\s*$|^\s*(?:title|source)\s*:|^\s*#|\*\*|!\[|<br|\[\^\d", re.MULTILINE | re.IGNORECASE)

# 政府工作报告-其他地市/白城市/2021.md: YAML title, subtitle, speaker, a numbered heading (the body shortened).
BAICHENG = """---
title: 白城市政府工作报告（2021年1月12日 李明伟）
---

——2021年1月12日在白城市第六届人民代表大会第五次会议上

市长 李明伟

各位代表：

现在，我代表市政府，向大会报告政府工作，请予审议，并请市政协委员提出意见。

一、“十三五”时期及2020年工作回顾

“十三五”时期是白城发展史上极不平凡的五年，是攻坚任务最重、困难挑战最多、发展变化最大的五年。我们坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻习近平总书记视察吉林重要讲话重要指示精神，全面落实党中央国务院、省委省政府和市委的决策部署，围绕建设吉林西部生态经济区，紧紧扭住“四项重点工作”，攻坚克难、砥砺奋进，接续干成一系列开创性工作，取得一系列标志性成果，白城振兴发展迈出了坚实步伐。
"""

# 政府工作报告-其他地市/泰安市/2020.md: subtitle, speaker and section headings set in bold (emphasis-only paragraphs).
TAIAN = """---
title: 泰安市政府工作报告（2020年1月9日 张涛）
---

**——2020年1月9日在泰安市第十七届人民代表大会第五次会议上**

**市长 张涛**

各位代表：

现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员和列席会议的同志提出意见。

**一、2019年工作回顾**

过去的一年，是泰安发展史上不平凡的一年。面对多种困难挑战，我们坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻党的十九大和十九届二中、三中、四中全会精神，全面落实省委、省政府和市委决策部署，较好完成了市十七届人大四次会议确定的目标任务。

（一）经济运行平稳向好。地区生产总值预计增长6%左右；一般公共预算收入完成224.7亿元，增长2.36%；纳入一般公共预算的地方级税收收入完成164.2亿元，增长3.9%，税收占财政收入比重达到73%。

（二）动能转换全面起势。着力推进“10+1”产业发展规划落实，46个项目列入省新旧动能转换优选项目，207个新旧动能转换重大项目顺利实施。
"""

# 五年规划/2001-十五计划纲要.md: YAML source and title, ``##`` 篇 › ``###`` 章 › ``####`` 节 headings.
TENTH_PLAN = """---
source: https://www.gov.cn/gongbao/content/2001/content_60699.htm
title: 中华人民共和国国民经济和社会发展第十个五年计划纲要
---

提高人民生活水平的主要预期目标是：居民生活质量有较大提高，基本公共服务水平明显改善。

## 第二篇　经济结构

### 第三章　加强农业基础地位，促进农村经济全面发展

要始终把农业放在发展国民经济的首位，保证农业在提高整体素质和效益的基础上持续、稳定发展，农民收入较快增长。

#### 第一节　稳定粮食生产能力

严格执行基本农田保护制度，保持全国耕地总量动态平衡，确保到2005年全国耕地面积不低于12800万公顷。通过实施“种子工程”、完善农田水利配套设施、加强中低产田改造、调整商品粮基地建设的内容和布局等措施，稳定粮食生产能力。

#### 第二节　拓宽农民增收领域

通过加工转化、扩大出口等多种方式，解决粮食等农产品阶段性供过于求问题。调整农业结构，增加农民收入。
"""

# 国务院机构改革/2018.md: two documents under ``##`` headings, the second numbered inside (paragraphs shortened).
REFORM = """---
title: 2018年国务院机构改革的情况
source:
- https://www.scopsr.gov.cn/zlzx/jgyg/lcgwyjggg/201901/t20190123_359738.html
- https://www.gov.cn/guowuyuan/2018-03/17/content_5275116.htm
---

## 第十三届全国人民代表大会第一次会议关于国务院机构改革方案的决定

　　第十三届全国人民代表大会第一次会议听取了国务委员王勇受国务院委托所作的关于国务院机构改革方案的说明，审议了国务院机构改革方案，决定批准这个方案。

## 国务院机构改革方案

新华社北京3月17日电

根据党的十九大和十九届三中全会部署，深化党和国家机构改革的总体要求是，全面贯彻党的十九大精神。

这次国务院机构改革的具体方案如下。

一、关于国务院组成部门调整

（一）组建自然资源部。将国土资源部的职责，国家发展和改革委员会的组织编制主体功能区规划职责，住房和城乡建设部的城乡规划管理职责，水利部的水资源调查和确权登记管理职责整合，组建自然资源部。
"""

# 五年规划/1953-一五计划.md: a picture between two paragraphs.
FIRST_PLAN = """---
title: 中华人民共和国发展国民经济的第一个五年计划
---

下表所列粮食作物和技术作物的计划数字，是国家对一些主要农作物生产所提出的必需的要求，应该尽最大的努力完满地实现，并争取超额完成它。

![](images/P200606201729281342317312.jpg)

在增加粮食作物和技术作物生产的同时，应该善于利用各地区的自然特点，积极地增加副食品和特产品的生产，以适应城乡人民和出口的需要。
"""

# 国家统计局年度统计/2013.md: a table whose cells open with <br> and whose first row is the table's caption
# (rows and the paragraph after it shortened).
STATISTICS = """---
title: 2013年国民经济和社会发展统计公报
---

## 一、综合

年末全国大陆总人口为136072万人，比上年末增加668万人，其中城镇常住人口为73111万人，占总人口比重为53.73%，比上年末提高1.16个百分点。

| <br>**表1 2013年年末人口数及其构成** | | |
| ------------------------------------ | ---------- | --------- |
| <br>单位：万人                            | | |
| <br>指 标                              | <br>年末数    | <br>比重%   |
| <br>全国总人口                            | <br>136072 | <br>100.0 |
| <br> 其中：城镇                           | <br>73111  | <br>53.73 |
| <br> 乡村                              | <br>62961  | <br>46.27 |

国民经济平稳较快增长。初步核算，全年国内生产总值[5]568845亿元，比上年增长7.7%。其中，第一产业增加值56957亿元，增长4.0%；第二产业增加值249684亿元，增长7.8%；第三产业增加值262204亿元，增长8.3%。

![](./W020230203490251441159.gif)
"""

# 政府工作报告-省自治区/吉林省/2022.md: the label says only 政府工作报告; the page's title line says where and when.
JILIN = """---
source: https://www.jl.gov.cn/zcxx/gzbg/202202/t20220207_2978021.html
title: 政府工作报告
---

政府工作报告（2022年1月24日在吉林省第十三届人民代表大会第五次会议上 省长 韩俊）

各位代表：

现在，我代表省政府，向大会报告工作，请予审议，并请省政协委员提出意见。

**一、2021年主要工作回顾**

过去的一年，是党和国家历史上具有重要里程碑意义的一年，也是吉林振兴发展进程中极不平凡的一年。
"""

# 政府工作报告-国务院/1955.md: a table of contents (the four sections of its first level) before the sections.
CONTENTS = """**关于发展国民经济的第一个五年计划的报告**

**目录**
- 一、国家在过渡时期的总任务
- 二、第一个五年计划概要
- 三、第一个五年计划的若干问题
- 四、为完成和超额完成第一个五年计划而奋斗

各位代表：

现在，我谨对我国发展国民经济的第一个五年计划作如下的说明。

## 一、国家在过渡时期的总任务

我国发展国民经济的第一个五年计划，是根据中国共产党中央一九五二年提出的党在过渡时期的总路线、亦即国家在过渡时期的总任务而制定的。

## 二、第一个五年计划概要

第一个五年计划的基本任务，是集中主要力量进行以苏联帮助我国设计的一百五十六个建设单位为中心的工业建设。

## 三、第一个五年计划的若干问题

现在我想就关于工业和运输业的基本建设的以下问题作一些说明。

## 四、为完成和超额完成第一个五年计划而奋斗

第一个五年计划是一个伟大的计划，完成这个计划需要全国人民付出艰苦的努力。
"""

# 政府工作报告-其他地市/乌海市/2021.md: a footnote's mark in the text and its note at the end.
FOOTNOTES = """---
title: 乌海市政府工作报告（2021年1月）
---

全面推行河长制，常态化开展河湖“清四乱”[^1]，实施黄河海勃湾水利枢纽库区生态治理试验项目，黄河乌海段水质稳定保持Ⅱ类。

[^1]: 河湖“清四乱”：是指在全国范围内对乱占、乱采、乱堆、乱建等河湖管理保护突出问题开展专项清理整治行动。
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _parse(tmp_path: Path, text: str, name: str = "report.md") -> ParsedReport:
    return parse_report(_write(tmp_path / name, text))


def _assert_no_markup(parsed: ParsedReport) -> None:
    for chunk in parsed.chunks:
        for where in (chunk.text, *chunk.heading_path):
            assert not MARKUP.search(where), f"{chunk.id}: markup in {where!r}"


def _lines(parsed: ParsedReport) -> list[str]:
    return [line for chunk in parsed.chunks for line in chunk.text.split("\n")]


def _path_of(parsed: ParsedReport, start: str) -> tuple[str, ...]:
    return next(chunk.heading_path for chunk in parsed.chunks if chunk.text.startswith(start))


def test_yaml_front_matter_is_the_title_and_never_text(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, BAICHENG)
    _assert_no_markup(parsed)
    meta = parsed.meta
    assert meta.title == "白城市政府工作报告（2021年1月12日 李明伟）"
    assert (meta.region, meta.kind, meta.year) == ("白城市", "政府工作报告", 2021)
    assert (meta.front["speaker"], meta.front["delivered"]) == ("李明伟", "2021-01-12")
    assert parsed.chunks[0].text.startswith("现在，我代表市政府")
    assert _path_of(parsed, "“十三五”时期是白城发展史上") == ("一、“十三五”时期及2020年工作回顾",)


def test_a_bold_paragraph_is_a_line_the_heading_grammar_reads(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, TAIAN)
    _assert_no_markup(parsed)
    assert (parsed.meta.front["speaker"], parsed.meta.front["delivered"]) == ("张涛", "2020-01-09")
    assert _path_of(parsed, "过去的一年") == ("一、2019年工作回顾",)
    assert _path_of(parsed, "（二）动能转换全面起势")[0] == "一、2019年工作回顾"


def test_markdown_headings_nest_as_written_and_front_fields_are_kept(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, TENTH_PLAN)
    _assert_no_markup(parsed)
    assert parsed.meta.title == "中华人民共和国国民经济和社会发展第十个五年计划纲要"
    assert _path_of(parsed, "严格执行基本农田保护制度") == (
        "第二篇　经济结构",
        "第三章　加强农业基础地位，促进农村经济全面发展",
        "第一节　稳定粮食生产能力",
    )
    assert _path_of(parsed, "通过加工转化")[-1] == "第二节　拓宽农民增收领域"
    levels = dict(parsed.report.styled_headings)
    assert levels["第二篇　经济结构"] < levels["第三章　加强农业基础地位，促进农村经济全面发展"] < levels["第一节　稳定粮食生产能力"]
    front = read_page(parsed.report.text, front_fields=parsed.report.front_fields).front
    assert front.fields["source"] == "https://www.gov.cn/gongbao/content/2001/content_60699.htm"


def test_a_numbered_section_under_a_markdown_heading_nests_inside_it(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, REFORM)
    _assert_no_markup(parsed)
    assert _path_of(parsed, "（一）组建自然资源部") == ("国务院机构改革方案", "一、关于国务院组成部门调整", "（一）组建自然资源部")


def test_a_picture_is_not_text(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, FIRST_PLAN)
    _assert_no_markup(parsed)
    assert "images/" not in parsed.cleaned_text
    assert any(line.startswith("在增加粮食作物") for line in _lines(parsed))


def test_a_table_is_read_row_by_row(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, STATISTICS)
    _assert_no_markup(parsed)
    lines = _lines(parsed)
    # The caption rows stay lines of their own; under the column header each value follows its column's label.
    assert "单位：万人" in lines and "指标；年末数；比重%" not in lines
    for row in (
        "指标：全国总人口；年末数：136072；比重%：100.0",
        "指标：其中：城镇；年末数：73111；比重%：53.73",
        "指标：乡村；年末数：62961；比重%：46.27",
    ):
        assert row in lines
    assert "|" not in parsed.cleaned_text
    assert _path_of(parsed, "年末全国大陆总人口") == ("一、综合",)


def test_a_generic_label_leaves_the_page_title_to_say_where_and_when(tmp_path: Path) -> None:
    meta = _parse(tmp_path, JILIN).meta
    assert meta.title == "政府工作报告"
    assert (meta.region, meta.level, meta.kind, meta.year) == ("吉林省", "province", "政府工作报告", 2022)


def test_a_table_of_contents_is_not_read_as_headings(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, CONTENTS)
    _assert_no_markup(parsed)
    assert _path_of(parsed, "我国发展国民经济的第一个五年计划") == ("一、国家在过渡时期的总任务",)
    assert _path_of(parsed, "第一个五年计划是一个伟大的计划") == ("四、为完成和超额完成第一个五年计划而奋斗",)
    assert sum(line == "二、第一个五年计划概要" for line in parsed.cleaned_text.split("\n")) == 1


def test_footnote_marks_go_and_notes_stay(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, FOOTNOTES)
    _assert_no_markup(parsed)
    assert "河湖“清四乱”，实施黄河海勃湾" in parsed.cleaned_text
    assert "河湖“清四乱”：是指在全国范围内" in parsed.cleaned_text


def test_a_text_report_with_a_header_of_fields(tmp_path: Path) -> None:
    text = (
        "标题：某某县2023年法治政府建设年度报告\n来源：某某县司法局\n日期：2024-01-15\n\n"
        "2023年，我县坚持以习近平新时代中国特色社会主义思想为指导，全面推进法治政府建设。\n"
        "一、主要工作\n全年组织领导干部学法4次，开展行政执法案卷评查2次。\n"
    )
    parsed = _parse(tmp_path, text, "report.txt")
    assert parsed.meta.title == "某某县2023年法治政府建设年度报告"
    assert parsed.meta.published.isoformat() == "2024-01-15"
    assert not any(line.startswith(("标题", "来源", "日期")) for line in _lines(parsed))
    front = read_page(parsed.report.text, front_fields=parsed.report.front_fields).front
    assert (front.fields["来源"], front.fields["source"]) == ("某某县司法局", "某某县司法局")
    assert parsed.report.text.count("\n") == text.count("\n")  # the header's lines blanked, not removed


def test_a_broken_yaml_block_of_fields_is_still_front_matter(tmp_path: Path) -> None:
    # ``: `` inside a plain value is a YAML error; every line is still a key and a value.
    text = BAICHENG.replace(
        "title: 白城市政府工作报告（2021年1月12日 李明伟）",
        "title: 白城市政府工作报告: 2021年1月12日 李明伟\nsource:\n- http://www.jlbc.gov.cn/",
    )
    parsed = _parse(tmp_path, text)
    _assert_no_markup(parsed)
    assert parsed.meta.title == "白城市政府工作报告: 2021年1月12日 李明伟"
    assert dict(parsed.report.front_fields)["source"] == "http://www.jlbc.gov.cn/"


def test_a_file_of_front_matter_and_pictures_alone_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.md", "---\ntitle: 白城市政府工作报告\n---\n\n![](images/a.jpg)\n")
    with pytest.raises(EmptyReportError, match="no text"):
        read_report(path)


def test_a_fenced_block_that_is_not_fields_stays_text() -> None:
    text = "---\n这不是字段，而是一段正文。\n---\n\n正文继续。"
    assert split_front_matter(text) == ((), text)
    assert split_front_matter("---\n正文没有结束的分隔线。\n") == ((), "---\n正文没有结束的分隔线。\n")


def test_a_yaml_list_and_a_date_become_one_string_each() -> None:
    fields, _ = split_front_matter(
        "---\ntitle: 2018年国务院机构改革的情况\nsource:\n- https://a.example/1\n- https://b.example/2\ndate: 2018-03-17\n---\n正文。"
    )
    assert fields == (
        ("title", "2018年国务院机构改革的情况"),
        ("source", "https://a.example/1 https://b.example/2"),
        ("date", "2018-03-17"),
    )


def test_plain_text_stays_plain_unless_it_is_written_in_markdown(tmp_path: Path) -> None:
    provincial = sorted((ROOT / "tests" / "corpus" / "provincial-2026").glob("*.txt"))
    for path in [*SEED_FILES, *provincial]:
        assert not looks_like_markdown(read_report(path).text), path
    markdown_txt = "## 一、主要工作\n\n**全年**学法7次。\n\n## 二、存在问题\n\n学法不够。\n\n## 三、下一步打算\n\n继续学法。\n"
    report = read_report(_write(tmp_path / "r.txt", markdown_txt))
    assert "一、主要工作" in report.text.split("\n") and "**" not in report.text
    assert dict(report.styled_headings)["二、存在问题"] == 1


def test_dropped_line_numbers_point_into_the_markdown_file(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, BAICHENG)
    source_lines = BAICHENG.split("\n")
    for dropped in parsed.dropped:
        assert source_lines[dropped.number - 1].strip() == dropped.text


_MARKS = list("#*_`[]()!<>|-:=~\\ \t\n1.a中、") + ["<br>", "<!--", "-->", "---\n", "[^1]"]
_MARKDOWNISH = st.lists(st.sampled_from(_MARKS), max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), _MARKDOWNISH))
def test_any_text_reads_as_markdown_without_error_or_growth(text: str) -> None:
    fields, rest = split_front_matter(text)
    assert rest.count("\n") == text.count("\n")
    out, headings = markdown_text(rest)
    assert len(out) <= 4 * len(text) + text.count("\n") + 1  # tabs widen to 4 spaces at most; lines keep their place
    assert all(isinstance(name, str) and isinstance(rank, int) for name, rank in headings)


def test_hostile_markdown_takes_linear_time_and_loses_no_words() -> None:
    def seconds(text: str) -> float:
        start = time.perf_counter()
        markdown_text(text)
        return time.perf_counter() - start

    def wide_table(n: int) -> str:  # n columns over n short rows: n² cells unless the parser caps autocompletion
        return "|" + "列|" * n + "\n|" + "-|" * n + "\n" + "字\n" * n

    for make in (
        wide_table,
        lambda n: "[" * n + "字" + "]" * n,
        lambda n: "**字 *" * n,
        lambda n: "<div>\n<" + "a" * 20 * n,
        lambda n: " " * 20 * n + "-|-" + " " * 20 * n + "字",
    ):
        small, large = seconds(make(250)), seconds(make(1000))
        assert large < 8 * small + 0.5, (small, large)  # four times the input: about four times the time, not sixteen
    start = time.perf_counter()
    looks_like_markdown(" " * 200_000 + "字\n-|-" + " " * 200_000 + "字")
    assert time.perf_counter() - start < 0.5
    nested = "".join("  " * (i % 30) + f"- 第{i}项\n" for i in range(200))  # nesting past markdown-it's limit
    out, _ = markdown_text(nested)
    assert all(f"第{i}项" in out for i in range(200))
