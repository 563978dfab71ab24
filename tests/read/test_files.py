import codecs
import hashlib
from pathlib import Path

import pytest

from lawsearch.errors import BinaryFileError, EmptyReportError, EncodingError, ReportFileError, UnsupportedFormatError
from lawsearch.read.files import read_report, scan_report_folder

from ..conftest import SEED_FILES, SEEDS

SEED = SEEDS / "000_e216814a7c54799f.txt"
SEED_WITH_BULLET = SEEDS / "003_31027cef6ae4fb1c.txt"  # has '•', which GBK lacks but GB18030 has


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_seed_reads_with_id_and_sha256() -> None:
    report = read_report(SEED)
    assert report.id == "000_e216814a7c54799f"
    assert report.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert report.encoding == "utf-8"
    assert report.text == SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("seed", "encode", "encoding"),
    [
        (SEED, lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        (SEED, lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16"),
        (SEED, lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
        (SEED, lambda t: t.encode("gbk"), "gb18030"),
        (SEED_WITH_BULLET, lambda t: t.encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "gbk", "gb18030"],
)
def test_each_encoding_reads_back_identically(tmp_path: Path, seed: Path, encode, encoding: str) -> None:
    original = seed.read_text(encoding="utf-8")
    path = _write(tmp_path, seed.name, encode(original))
    report = read_report(path)
    assert report.text == original
    assert report.encoding == encoding
    assert report.id == seed.stem


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_every_seed_survives_a_gb18030_round_trip(tmp_path: Path, seed: Path) -> None:
    original = seed.read_text(encoding="utf-8")
    assert read_report(_write(tmp_path, seed.name, original.encode("gb18030"))).text == original


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (b"", EmptyReportError, "empty"),
        (b"  \n\r\n\t ", EmptyReportError, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryFileError, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", BinaryFileError, "PDF"),
        (b"abc\x00\x01\x02\x03def", BinaryFileError, "NUL"),
        ("法治政府建设年度报告。全面推進依法行政，落實執法責任制。".encode("big5", errors="ignore"), EncodingError, "Big5"),
        (b"\xff\xfe\xff\xfe\xff", EncodingError, "not"),
    ],
    ids=["empty", "whitespace", "png", "pdf", "nul", "big5", "junk"],
)
def test_bad_files_are_refused_with_file_and_reason(tmp_path: Path, data: bytes, error: type, reason: str) -> None:
    path = _write(tmp_path, "bad.txt", data)
    with pytest.raises(error) as info:
        read_report(path)
    message = str(info.value)
    assert str(path) in message
    assert reason in message


def test_control_characters_are_refused_as_binary(tmp_path: Path) -> None:
    path = _write(tmp_path, "controls.txt", bytes(range(1, 9)) * 20 + "报告".encode())
    with pytest.raises(BinaryFileError, match="control characters"):
        read_report(path)


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"\.doc'"):
        read_report(_write(tmp_path, "report.doc", b"\xd0\xcf\x11\xe0"))
    with pytest.raises(ReportFileError, match="missing.txt: no such file"):
        read_report(tmp_path / "missing.txt")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ReportFileError, match="folder.txt: is a directory"):
        read_report(tmp_path / "folder.txt")


def test_html_page_gives_the_body_text(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>页面标题</title>
    <style>.x{color:red}</style><script>var tracker = 1;</script></head>
    <body><div class="crumb">当前位置：首页 &gt; 计划总结</div>
    <h1>某区人社局2022年法治政府建设情况报告</h1>
    <p>一、<span>主要举措</span></p><p>(一)统筹谋划。全年召开<b>专题会议</b>4次。</p></body></html>"""
    report = read_report(_write(tmp_path, "page.html", html.encode("gbk")))
    lines = [line for line in report.text.split("\n") if line.strip()]
    assert "一、主要举措" in lines
    assert "(一)统筹谋划。全年召开专题会议4次。" in lines
    assert "某区人社局2022年法治政府建设情况报告" in lines
    assert "tracker" not in report.text and "color" not in report.text
    assert report.encoding == "gb18030"


def test_markdown_heading_markers_are_removed(tmp_path: Path) -> None:
    report = read_report(_write(tmp_path, "r.md", "# 某区2022年报告\n\n## 一、主要举措\n\n**全年**学法7次。\n".encode()))
    assert report.text.split("\n")[0] == "某区2022年报告"
    assert "一、主要举措" in report.text.split("\n")
    assert "全年学法7次。" in report.text


def test_scan_report_folder_lists_supported_files_sorted(tmp_path: Path) -> None:
    for name in ("b.txt", "a.html", "c.md", "skip.doc", ".hidden.txt"):
        _write(tmp_path, name, "报告。".encode())
    assert [p.name for p in scan_report_folder(tmp_path).files] == ["a.html", "b.txt", "c.md"]
    with pytest.raises(ReportFileError, match="not a folder"):
        scan_report_folder(tmp_path / "b.txt")


@pytest.mark.parametrize(
    ("text", "encoding", "reason"),
    [
        ("안녕하세요 법치 정부 보고서입니다 올해 성과", "euc-kr", "EUC-KR"),
        ("法治政府の建設について報告します。ありがとう", "euc-jp", "EUC-JP"),
    ],
)
def test_other_east_asian_encodings_are_refused(tmp_path: Path, text: str, encoding: str, reason: str) -> None:
    with pytest.raises(EncodingError, match=reason):
        read_report(_write(tmp_path, "r.txt", text.encode(encoding)))


def test_bad_utf8_error_names_the_utf8_offset(tmp_path: Path) -> None:
    data = SEED.read_bytes()
    with pytest.raises(EncodingError, match="invalid UTF-8 at byte 1000"):
        read_report(_write(tmp_path, "r.txt", data[:1000] + b"\xff" + data[1000:]))


def test_html_list_items_lose_their_bullets(tmp_path: Path) -> None:
    html = "<html><body><ul><li>索引号：123</li></ul><ol><li>1.夯实基础。全年学法7次。</li></ol></body></html>"
    lines = [line for line in read_report(_write(tmp_path, "p.html", html.encode())).text.split("\n") if line.strip()]
    assert lines == ["索引号：123", "1.夯实基础。全年学法7次。"]
