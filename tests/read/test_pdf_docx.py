"""PDF and Word reports, read from real files built with reportlab and python-docx and parsed by pypdfium2 and
python-docx (no mocks)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from lawsearch.errors import BinaryFileError, EmptyReportError, ReportFileError
from lawsearch.read import docx as docx_reader
from lawsearch.read.files import read_report, scan_report_folder

from ..conftest import SEEDS
from ..documents import LINE_CHARS, make_docx, make_encrypted_pdf, make_image_only_pdf, make_pdf, make_spaced_pdf, pdf_page_count

HEADER = "罗湖区人力资源局2022年法治政府建设年度报告"
NUMBERED = ("一、", "二、", "三、", "(一)", "(二)", "（一）", "1.", "2.")


def _paragraphs(seed: str) -> list[str]:
    """The non-empty lines of a seed report: real paragraphs, many long enough to wrap over several lines."""
    return [line.strip() for line in (SEEDS / seed).read_text(encoding="utf-8").splitlines() if line.strip()]


SEED_PARAGRAPHS = _paragraphs("003_31027cef6ae4fb1c.txt")


def test_wrapped_pdf_paragraphs_come_back_whole(tmp_path: Path) -> None:
    title = "罗湖区人力资源局2022年法治政府建设年度报告"
    path = make_pdf(tmp_path / "report.pdf", SEED_PARAGRAPHS, pages_header="深圳市罗湖区人力资源局", title=title)
    assert pdf_page_count(path) >= 3
    report = read_report(path)
    lines = report.text.split("\n")
    assert lines == [title] + SEED_PARAGRAPHS  # every wrapped paragraph rejoined, nothing inserted or lost
    assert report.encoding == "pdf" and report.id == "report" and report.styled_headings == ()
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    headings = [line for line in lines if line.startswith(NUMBERED) and len(line) < 40]
    assert len(headings) >= 5  # the numbered headings stay lines of their own
    assert "深圳市罗湖区人力资源局" not in report.text  # the running header, on every page, is gone
    assert not {"— 1 —", "— 2 —", "— 3 —"} & set(lines)  # and so are the page numbers


@pytest.mark.parametrize(
    "layout",
    [{"justify": True}, {"indent": False, "space_after": 8}, {"indent": False, "justify": True, "space_after": 5}],
    ids=["justified", "flush-spaced", "flush-spaced-justified"],
)
def test_paragraphs_are_found_in_other_layouts(tmp_path: Path, layout: dict) -> None:
    paragraphs = _paragraphs("002_e3a39e3814c16024.txt")
    path = make_pdf(tmp_path / "r.pdf", paragraphs, pages_header=HEADER, **layout)
    assert read_report(path).text.split("\n") == paragraphs


@pytest.mark.parametrize(
    "number_format",
    ["- {page} -", "第{page}页", "{page}", "第 {page} 页 共 {pages} 页", "{page}/{pages}"],
)
def test_page_numbers_are_removed(tmp_path: Path, number_format: str) -> None:
    path = make_pdf(tmp_path / "r.pdf", SEED_PARAGRAPHS, number_format=number_format)
    assert read_report(path).text.split("\n") == SEED_PARAGRAPHS


def test_a_running_header_with_changing_digits_is_removed(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "r.pdf", SEED_PARAGRAPHS, pages_header=HEADER + "（第{page}页，共{pages}页）", page_numbers=False)
    assert read_report(path).text.split("\n") == SEED_PARAGRAPHS


def test_a_short_line_on_one_page_only_is_kept(tmp_path: Path) -> None:
    """A title at the top of the first page is not a running header, although it is short and at a page edge."""
    path = make_pdf(tmp_path / "r.pdf", SEED_PARAGRAPHS, title="年度报告", pages_header=HEADER)
    assert read_report(path).text.split("\n")[0] == "年度报告"


def test_without_indents_or_spacing_headings_and_punctuation_end_full_lines(tmp_path: Path) -> None:
    body = "统筹推进法治政府建设各项工作" * 6
    body = body[: 2 * LINE_CHARS]  # exactly two full lines, no closing punctuation
    ended = body[:-1] + "。"  # the same two full lines, closing a sentence
    paragraphs = [body, "（二）严格规范公正文明执法", body, "加强行政执法监督", ended, "加强行政执法监督"]
    path = make_pdf(tmp_path / "r.pdf", paragraphs, indent=False)  # no indents, no space between paragraphs
    assert read_report(path).text.split("\n") == [
        body,
        "（二）严格规范公正文明执法",  # the heading ends the full line before it
        body + "加强行政执法监督",  # a full line with no heading or closing punctuation after it runs on
        ended,
        "加强行政执法监督",  # closing punctuation ends a full line when layout gives no sign
    ]


def test_a_sentence_ending_at_the_margin_does_not_end_an_indented_paragraph(tmp_path: Path) -> None:
    first = "全面落实行政执法公示制度执法全过程记录制度重大执法决定法制审核制度。"
    assert len(first) == LINE_CHARS - 2  # the sentence fills the indented first line exactly
    paragraph = first + "全年共组织执法人员培训六次，参训人员三百余人次，执法规范化水平进一步提升。"
    path = make_pdf(tmp_path / "r.pdf", [paragraph, "二、存在的问题"])
    assert read_report(path).text.split("\n") == [paragraph, "二、存在的问题"]


def test_ascii_words_wrapped_apart_are_joined_with_one_space(tmp_path: Path) -> None:
    english = (
        "The district bureau of human resources published its annual report on the rule of law "
        "and opened every administrative enforcement procedure to public review"
    )
    path = make_pdf(tmp_path / "r.pdf", [english, "全年共办理行政复议案件123件。"])
    assert read_report(path).text.split("\n") == [english, "全年共办理行政复议案件123件。"]


def test_table_columns_keep_a_space_and_spaced_out_characters_do_not(tmp_path: Path) -> None:
    rows = [["执法部门", "检查次数", "立案数量"], ["区市场监管局", "一百二十次", "十五件"], ["区生态环境局", "八十六次", "九件"]]
    path = make_spaced_pdf(tmp_path / "r.pdf", "行政执法情况统计表", rows)
    assert read_report(path).text.split("\n") == ["行政执法情况统计表"] + [" ".join(cells) for cells in rows]


def test_a_thirty_page_pdf_reads(tmp_path: Path) -> None:
    paragraphs = SEED_PARAGRAPHS * 8
    path = make_pdf(tmp_path / "long.pdf", paragraphs, pages_header=HEADER)
    assert pdf_page_count(path) >= 30
    assert read_report(path).text.split("\n") == paragraphs


def test_docx_headings_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "report.docx",
        [
            ("heading", "某区2022年法治政府建设年度报告", 0),
            ("paragraph", "2022年，我区坚持以习近平法治思想为指导。"),
            ("paragraph", ""),
            ("heading", "一、主要举措和成效", 1),
            ("heading", "（一）加强组织领导", 2),
            ("paragraph", "区委区政府高度重视法治政府建设。"),
            ("table", [["项目", "数量"], ["行政复议", "12件"]]),
            ("heading", "二、存在的不足", 1),
            ("paragraph", "执法规范化水平仍需提高。"),
        ],
    )
    report = read_report(path)
    assert report.encoding == "docx"
    assert report.text.split("\n") == [
        "某区2022年法治政府建设年度报告",
        "2022年，我区坚持以习近平法治思想为指导。",
        "一、主要举措和成效",
        "（一）加强组织领导",
        "区委区政府高度重视法治政府建设。",
        "项目",
        "数量",
        "行政复议",
        "12件",
        "二、存在的不足",
        "执法规范化水平仍需提高。",
    ]
    assert report.styled_headings == (
        ("某区2022年法治政府建设年度报告", 1),
        ("一、主要举措和成效", 1),
        ("（一）加强组织领导", 2),
        ("二、存在的不足", 1),
    )


def test_docx_headings_by_localised_style_outline_level_and_base_style(tmp_path: Path) -> None:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    derived = document.styles.add_style("报告小标题", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = document.styles["Heading 3"]
    document.add_paragraph("一、总体情况", style="标题 2")
    document.add_paragraph("（一）组织领导", style="报告小标题")
    outlined = document.add_paragraph("二、下一步打算")  # Normal style, outline level set on the paragraph
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    outlined._p.get_or_add_pPr().append(level)
    document.add_paragraph("正文段落。\n换行后的正文。")
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "末列"
    document.save(str(tmp_path / "r.docx"))
    report = read_report(tmp_path / "r.docx")
    assert report.styled_headings == (("一、总体情况", 2), ("（一）组织领导", 3), ("二、下一步打算", 1))
    assert report.text.split("\n") == ["一、总体情况", "（一）组织领导", "二、下一步打算", "正文段落。换行后的正文。", "合并单元格", "末列"]


def _assert_refused(path: Path, error: type, *words: str) -> None:
    with pytest.raises(error) as info:
        read_report(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    for word in words:
        assert word in message, (word, message)


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    _assert_refused(make_encrypted_pdf(tmp_path / "secret.pdf"), ReportFileError, "PDF is encrypted", "password")


def test_image_only_pdf_is_refused_as_needing_ocr(tmp_path: Path) -> None:
    _assert_refused(make_image_only_pdf(tmp_path / "scan.pdf"), EmptyReportError, "no text layer", "OCR")


def test_truncated_and_random_pdfs_are_refused(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "whole.pdf", SEED_PARAGRAPHS[:5]).read_bytes()
    for name, content in (
        ("half.pdf", data[: len(data) // 2]),
        ("head.pdf", data[:200]),
        ("random.pdf", os.urandom(4096)),
        ("text.pdf", "这不是PDF文件".encode()),
    ):
        (tmp_path / name).write_bytes(content)
        _assert_refused(tmp_path / name, ReportFileError, "not a readable PDF")


def test_empty_pdf_and_docx_files_are_refused(tmp_path: Path) -> None:
    for name in ("empty.pdf", "empty.docx"):
        (tmp_path / name).write_bytes(b"")
        _assert_refused(tmp_path / name, EmptyReportError, "empty")


def test_docx_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "zipped.docx", "w") as archive:
        archive.writestr("notes.txt", "法治政府建设年度报告")
    _assert_refused(tmp_path / "zipped.docx", ReportFileError, "not a readable Word document", "not an Office file")
    (tmp_path / "plain.docx").write_text("法治政府建设年度报告", encoding="utf-8")
    _assert_refused(tmp_path / "plain.docx", ReportFileError, "not a readable Word document", "not a zip archive")
    whole = make_docx(tmp_path / "whole.docx", [("paragraph", "正文。")]).read_bytes()
    (tmp_path / "cut.docx").write_bytes(whole[: len(whole) // 2])
    _assert_refused(tmp_path / "cut.docx", ReportFileError, "not a readable Word document", "truncated")
    (tmp_path / "legacy.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    _assert_refused(tmp_path / "legacy.docx", ReportFileError, "not a readable Word document", ".doc")


def test_docx_with_broken_document_xml_is_refused(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "source.docx", [("paragraph", "正文。")])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(tmp_path / "broken.docx", "w") as broken:
        for member in original.infolist():
            data = original.read(member.filename)
            broken.writestr(member, data[:100] if member.filename == "word/document.xml" else data)
    _assert_refused(tmp_path / "broken.docx", ReportFileError, "not a readable Word document", "XMLSyntaxError")


def test_docx_unpacking_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_docx(tmp_path / "r.docx", [("paragraph", "正文。" * 2000)])
    assert read_report(path).text == "正文。" * 2000
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED_BYTES", unpacked - 1)
    _assert_refused(path, ReportFileError, "not a readable Word document", "zip bomb")


def test_pdf_and_docx_bytes_in_a_text_file_are_still_refused_as_binary(tmp_path: Path) -> None:
    make_pdf(tmp_path / "pdf.txt", SEED_PARAGRAPHS[:2])
    _assert_refused(tmp_path / "pdf.txt", BinaryFileError, "binary file (PDF)")
    make_docx(tmp_path / "docx.txt", [("paragraph", SEED_PARAGRAPHS[0])])
    _assert_refused(tmp_path / "docx.txt", BinaryFileError, "binary file (ZIP/Office document)")


def test_a_folder_of_txt_pdf_and_docx_reports_is_scanned_and_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("\n".join(SEED_PARAGRAPHS[:3]), encoding="utf-8")
    make_pdf(tmp_path / "b.pdf", SEED_PARAGRAPHS[:3])
    make_docx(tmp_path / "c.docx", [("paragraph", text) for text in SEED_PARAGRAPHS[:3]])
    (tmp_path / "d.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    scan = scan_report_folder(tmp_path)
    assert [path.name for path in scan.files] == ["a.txt", "b.pdf", "c.docx"]
    assert [path.name for path in scan.ignored] == ["d.doc"]
    reports = [read_report(path) for path in scan.files]
    assert [report.encoding for report in reports] == ["utf-8", "pdf", "docx"]
    assert {report.text for report in reports} == {"\n".join(SEED_PARAGRAPHS[:3])}
