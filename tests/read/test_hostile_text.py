"""Hostile input for the readers: no input makes them fail other than with a LawsearchError, or take long.

Property tests (hypothesis) feed random and hostile text, bytes and HTML to cleaning, headings, chunking,
metadata, decoding and HTML reading; regression tests pin the inputs that used to hang or fail.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawsearch.errors import LawsearchError, ReportFileError
from lawsearch.read.chunks import chunk_text
from lawsearch.read.files import decode_report_bytes, html_to_text, read_report
from lawsearch.read.headings import is_unnumbered_heading, numbered_rank, parse_heading, signature_size
from lawsearch.read.htmlnesting import limit_nesting
from lawsearch.read.meta import extract_meta
from lawsearch.read.page import clean_text, page_fields, read_page, remove_invisible_characters

# No example database (nothing written into the checkout), no per-example deadline (timing is tested apart).
HOSTILE = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# Pieces of page chrome, numbering, brackets, dates and place names that the readers' patterns look for.
PIECES = (
    "首页",
    "首页  ",
    "当前位置：",
    "您的位置",
    "主办单位",
    "主办：",
    "版权所有",
    "ICP备",
    "公网安备",
    "分享到",
    "微信",
    "QQ空间",
    "联系我们",
    "网站地图",
    "English",
    "索引号",
    "公开日期：",
    "发布单位",
    "来源：",
    "|",
    "｜",
    "/",
    ">",
    ">>",
    "»",
    "【",
    "】",
    "〖",
    "〗",
    "[",
    "]",
    "（",
    "）",
    "(",
    ")",
    "打印",
    "关闭",
    "字号",
    "大",
    "中",
    "小",
    "一、",
    "二、",
    "(一)",
    "（二）",
    "1.",
    "1、",
    "2．",
    "(1)",
    "（3）",
    "一是",
    "十一、",
    "三、四月份",
    "〇",
    "2021年",
    "2020年度",
    "二〇二一年一月二十日",
    "2021-02-22",
    "2023年3月9日",
    "年",
    "月",
    "日",
    "上虞区",
    "人社局",
    "滨江区人力资源和社会保障局",
    "我区",
    "区委",
    "我市",
    "杭州市",
    "现将",
    "报告",
    "总结",
    "情况",
    "。",
    "，",
    "；",
    "：",
    "！",
    "？",
    "“",
    "”",
    " ",
    "  ",
    "\t",
    "\u3000",
    "\u00a0",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\x00",
    "\x01",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    "\u200b",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\ud7ff",
    "\U0001f600",
    "x",
    "A",
)
pieces = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
repeated = st.tuples(pieces, st.integers(1, 400)).map(lambda pair: pair[0] * pair[1])
hostile_text = st.one_of(
    st.text(max_size=300), pieces, repeated, st.lists(st.one_of(pieces, repeated, st.text(max_size=40)), max_size=6).map("".join)
)


def _only_lawsearch_errors(function, *args) -> object:
    """Call ``function``; a LawsearchError is an answer, any other exception fails the test."""
    try:
        return function(*args)
    except LawsearchError:
        return None


def _is_subsequence(items: list[str], of: list[str]) -> bool:
    remaining = iter(of)
    return all(item in remaining for item in items)


@HOSTILE
@given(hostile_text)
def test_cleaning_drops_whole_lines_of_any_text(text: str) -> None:
    cleaned = clean_text(text)
    # Cleaning removes invisible characters, surrounding spaces and chrome lines; what is left are lines of the input, in order.
    lines = [remove_invisible_characters(line).strip() for line in text.split("\n")]
    assert _is_subsequence([line for line in cleaned.split("\n") if line], [line for line in lines if line])
    fields = page_fields(text)  # read, like the lines, with invisible characters removed (公开日期:0\u200b0 → 00)
    visible = remove_invisible_characters(text)
    assert all(name in visible and value in visible for name, value in fields.items())


@HOSTILE
@given(hostile_text)
def test_headings_take_any_line(text: str) -> None:
    for line in text.split("\n"):
        heading = parse_heading(line)
        assert (heading is None) == (numbered_rank(line) is None)
        if heading is not None:
            assert (heading.text and heading.text in line.strip()) or heading.text.endswith("…")
        is_unnumbered_heading(line)
    lines = [line for line in text.split("\n") if line.strip()]
    assert 0 <= signature_size(lines) <= min(3, len(lines))


def _check_chunks(cleaned: str, max_chars: int) -> None:
    """The chunker's promises: each chunk is an exact, stripped, non-empty slice, in order, no longer than max_chars."""
    chunks = chunk_text("r", cleaned, max_chars=max_chars, min_chars=0)
    end = 0
    for ordinal, chunk in enumerate(chunks):
        assert chunk.ordinal == ordinal and chunk.id == f"r#{ordinal:03d}"
        assert chunk.text == cleaned[chunk.start : chunk.end]
        assert chunk.text.strip() and chunk.text == chunk.text.strip()
        assert chunk.start >= end, "chunks overlap or are out of order"
        assert len(chunk.text) <= max_chars
        assert all(isinstance(part, str) and part for part in chunk.heading_path)
        end = chunk.end
    words = set(re.findall(r"\w", cleaned))
    assert words <= set("".join(chunk.text for chunk in chunks)) | set("".join(p for c in chunks for p in c.heading_path))


@HOSTILE
@given(hostile_text, st.sampled_from([20, 80, 500]))
def test_chunks_are_exact_slices_of_the_cleaned_text(text: str, max_chars: int) -> None:
    _check_chunks(clean_text(text), max_chars)


@HOSTILE
@given(hostile_text)
def test_metadata_takes_any_text(text: str) -> None:
    page = read_page(text)
    meta = extract_meta("r", page.text, page.front)
    assert meta.report_id == "r" and isinstance(meta.title, str)
    assert meta.year is None or 1900 <= meta.year <= 2099


byte_soup = st.one_of(
    st.binary(max_size=400),
    st.tuples(hostile_text, st.sampled_from(["utf-8", "gb18030", "utf-16", "big5", "shift_jis", "latin-1"])).map(
        lambda pair: pair[0].encode(pair[1], errors="ignore")
    ),
    st.tuples(pieces, pieces).map(lambda pair: pair[0].encode("utf-8", "ignore") + pair[1].encode("gbk", "ignore")),
)


@HOSTILE
@given(byte_soup)
def test_decoding_any_bytes_gives_text_or_a_report_file_error(data: bytes) -> None:
    try:
        text, encoding = decode_report_bytes(data, "hostile.txt")
    except ReportFileError as exc:
        assert exc.path == "hostile.txt" and str(exc).startswith("hostile.txt: ")
        return
    assert encoding in ("utf-8", "utf-8-sig", "utf-16", "gb18030") and text.strip()


# HTML: tag soup, and well-formed pages whose visible words must come out in order.
TAGS = (
    "div",
    "p",
    "span",
    "b",
    "i",
    "font",
    "a",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "h1",
    "h3",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "form",
    "button",
    "select",
    "option",
    "nobr",
    "pre",
    "svg",
    "g",
    "math",
    "object",
    "template",
    "marquee",
    "center",
    "blockquote",
    "frameset",
    "body",
    "html",
    "head",
    "br",
    "img",
    "hr",
    "script",
    "style",
    "noscript",
    "iframe",
    "textarea",
    "title",
    "caption",
    "em",
    "u",
)
tag = st.tuples(st.sampled_from(TAGS), st.booleans(), st.sampled_from(["", " id=1", ' class="x>y"', " hidden"])).map(
    lambda parts: f"</{parts[0]}>" if parts[1] else f"<{parts[0]}{parts[2]}>"
)
soup_unit = st.lists(
    st.one_of(tag, st.sampled_from(["正文", "x", " ", "\n", "<!--", "-->", "<", "&amp;", "&#0;", "&nbsp;"])), min_size=1, max_size=10
).map("".join)
tag_soup = st.tuples(soup_unit, st.integers(1, 1500)).map(lambda pair: pair[0] * pair[1])


@HOSTILE
@given(tag_soup)
def test_html_tag_soup_reads_without_error(html: str) -> None:
    text = _only_lawsearch_errors(html_to_text, html)
    assert text is None or isinstance(text, str)


VISIBLE = ("div", "p", "span", "b", "i", "font", "section", "li", "h2", "blockquote", "center", "em", "strong", "a")
HIDDEN = ("script", "style", "noscript", "iframe", "template", "select", "button", "textarea", "nav")


@st.composite
def nested_page(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A well-formed page: visible elements nested up to thousands deep around words, hidden ones around markers."""
    words, markers, parts = [], [], []
    for index in range(draw(st.integers(1, 6))):
        names = draw(st.lists(st.sampled_from(VISIBLE), min_size=1, max_size=4)) * draw(st.integers(1, 700))
        word = f"词{index}甲乙"
        words.append(word)
        hidden = draw(st.sampled_from(HIDDEN))
        marker = f"MARK{index}"
        markers.append(marker)
        parts.append(
            "".join(f"<{n}>" for n in names) + f"<{hidden}>{marker}</{hidden}>{word}" + "".join(f"</{n}>" for n in reversed(names))
        )
    return "<html><body>" + "".join(parts) + "</body></html>", words, markers


@HOSTILE
@given(nested_page())
def test_nested_pages_keep_every_visible_word_in_order_and_no_hidden_one(page: tuple[str, list[str], list[str]]) -> None:
    html, words, markers = page
    text = html_to_text(html)
    assert re.sub(r"\s", "", text) == "".join(words)
    assert not any(marker in text for marker in markers)


# Regressions.


def test_navigation_row_of_many_spaced_words_cleans_in_linear_time() -> None:
    # 3 ways to split each double space: the old pattern tried 3**n of them (n = 16 took 11 s; n = 30 would take years).
    line = "首页  " * 30 + "主办单位"
    start = time.perf_counter()
    cleaned = clean_text("\n".join([line] * 200 + ["正文。"]))
    assert time.perf_counter() - start < 2.0
    assert cleaned.endswith("正文。")


def test_navigation_rows_are_still_removed() -> None:
    text = "首页  联系我们 | 网站地图 / English\n首页｜无障碍\n正文第一段。\n首页工作是做好服务。"
    assert clean_text(text) == "正文第一段。\n首页工作是做好服务。"


@pytest.mark.parametrize(
    "line",
    [
        "分享到" + " " * 190 + "x",
        "【" * 5000 + "】",
        "（" * 5000,
        "一、" * 5000,
        "(一)" * 3000,
        "打印 " * 2000 + "x",
        "2021年" + " " * 5000 + "x",
        "现将" * 100 + "2021" + " " * 5000,
    ],
)
def test_long_hostile_lines_read_quickly(line: str) -> None:
    start = time.perf_counter()
    text = "\n".join([line] * 20)
    cleaned = clean_text(text)
    page_fields(text)
    extract_meta("r", cleaned)
    _check_chunks(cleaned, 500)
    assert time.perf_counter() - start < 5.0


def _write(folder: Path, name: str, html: str) -> Path:
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return path


def test_a_20000_deep_page_reads(tmp_path: Path) -> None:
    html = (
        "<html><body>" + "<div>" * 20_000 + "某区人社局2022年法治政府建设情况报告" + "</div>" * 20_000 + "<p>一、主要举措</p></body></html>"
    )
    start = time.perf_counter()
    report = read_report(_write(tmp_path, "deep.html", html))
    assert time.perf_counter() - start < 10.0
    assert report.text.split("\n") == ["某区人社局2022年法治政府建设情况报告", "一、主要举措"]


def test_a_200000_deep_page_reads_in_linear_time(tmp_path: Path) -> None:
    # Without a bound on nesting the parser walks its whole stack for each <div>: minutes for this page.
    html = "<div>" * 200_000 + "正文" + "<p><b id=1>x</p>" * 2000
    start = time.perf_counter()
    text = html_to_text(html)
    assert time.perf_counter() - start < 20.0
    assert text.startswith("正文") and text.count("x") == 2000


def test_iframe_noscript_and_page_chrome_text_is_left_out(tmp_path: Path) -> None:
    html = """<html><head><title>页面标题</title><noscript><p>请开启脚本</p></noscript></head><body>
    <header><img alt="网站标志"><div>某市人力资源和社会保障局网站</div></header>
    <nav><a>首页</a><a>政务公开</a></nav>
    <iframe src="search.html">您的浏览器不支持iframe</iframe><noscript>请启用JavaScript</noscript>
    <object data="x.swf">需要Flash播放器</object><template><p>模板</p></template>
    <form><select><option>站群导航</option></select><input value="搜索"><button>搜索</button></form>
    <article><header><h1>某区人社局2022年法治政府建设情况报告</h1></header>
    <p>一、<span>主要</span><b>举措</b></p><ul><li>全年学法7次。</li></ul>
    <table><tr><td>索引号：</td><td>123</td></tr></table></article>
    <footer>版权所有：某市人力资源和社会保障局</footer><script>document.write("tracker")</script></body></html>"""
    report = read_report(_write(tmp_path, "page.html", html))
    lines = report.text.split("\n")
    assert lines == ["某区人社局2022年法治政府建设情况报告", "一、主要举措", "全年学法7次。", "索引号：\t123"]


def test_ordinary_pages_reach_the_parser_unchanged() -> None:
    page = (Path(__file__).parent / "test_hostile_text.py").read_text(encoding="utf-8")
    html = page[page.index('html = """<html><head><title>') :].split('"""')[1]
    assert limit_nesting(html) is html
    table = "<table>" + "<tr><td>项目<td>数量" * 500 + "</table>"  # rows and cells left open, as old pages do
    nested_lists = "<ul>" + "<li>一<ul><li>二</li></ul></li>" * 300 + "</ul>"
    paragraphs = "<div>" + "<p><font face=仿宋>段落<b>加粗</p>" * 500 + "</div>"
    for html in (table, nested_lists, paragraphs):
        assert limit_nesting(html) is html


def test_source_line_breaks_between_chinese_characters_are_no_spaces() -> None:
    html = "<p>全面推进\n依法行政，  落实<span>执法\n</span>责任制 and more\ntext</p>"
    assert html_to_text(html) == "全面推进依法行政， 落实执法责任制 and more text"


def test_pathological_html_gives_text_or_an_error_naming_the_file(tmp_path: Path) -> None:
    pages = {
        "attributes.html": "<div " + " ".join(f"a{i}" for i in range(100_000)) + ">属性</div>",
        "options.html": "<select>" + "<option>x" * 50_000 + "</select>正文",
        "formatting.html": "".join(f"<p><b id={i}>段{i}</p>" for i in range(5_000)),
        "quotes.html": '<a title="' * 10_000 + "正文",
        "comments.html": "<!--" * 10_000 + "正文",
    }
    for name, html in pages.items():
        start = time.perf_counter()
        try:
            report = read_report(_write(tmp_path, name, html))
        except ReportFileError as exc:
            assert exc.path == str(tmp_path / name)
            continue
        assert time.perf_counter() - start < 10.0, name
        assert isinstance(report.text, str)
    assert "段4999" in read_report(tmp_path / "formatting.html").text


def test_a_page_the_parser_gives_up_on_is_a_report_file_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import selectolax.lexbor

    def fail(*args, **kwargs):
        raise selectolax.lexbor.SelectolaxError("Can't parse HTML.")

    monkeypatch.setattr(selectolax.lexbor, "LexborHTMLParser", fail)
    with pytest.raises(ReportFileError, match=r"^broken\.html: cannot be read as HTML \(Can't parse HTML\.\)$"):
        html_to_text("<p>正文</p>", "broken.html")
