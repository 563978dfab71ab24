"""Terminal safety: report text, headings, regions, file names and failure reasons never reach the terminal raw.

A report with escape sequences (ESC [ 2 J, OSC 0;title BEL), a C1 control and bidi controls is indexed once
for the module (with the real bundled embedder); human output must hold no raw control or format character,
JSON output must give the text back exactly, and file names with bytes that are not UTF-8 must print.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from lawsearch.cli import _render_hits, _report_update, main
from lawsearch.engine import LawSearch
from lawsearch.index.writer import UpdateSummary
from lawsearch.read import parse_report
from lawsearch.search.hits import Hit
from lawsearch.terminal import SAFE_RANGES, dumps_json, printable

from .conftest import SEEDS

OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
C1_CSI = "\x9b31m"
BIDI = "\u202e反转\u202c\u2066隔离\u2069\u202a嵌入\u202c"
INJECTION = f"{OSC_TITLE}{CLEAR}{C1_CSI}{BIDI}\x1b[0m"
HOSTILE_CHARS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069", "\u202a")


def _raw_controls(text: str, allowed: str = "\n") -> list[str]:
    """Characters of category Cc or Cf (or lone surrogates) in ``text``, except ``allowed``."""
    return [ch for ch in text if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


def _hostile_report(folder: Path, name: str = "900_hostile.txt") -> Path:
    """Seed 000 with the injection in a heading and in the passage on the 调解员联盟."""
    text = (SEEDS / "000_e216814a7c54799f.txt").read_text(encoding="utf-8")
    text = text.replace("(三)全面发力,落实共建共治举措", f"(三)全面发力\u202e,落实共建共治举措{CLEAR}", 1)
    at = text.index("调解员联盟")
    text = text[:at] + INJECTION + text[at:]
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "reports"
    folder.mkdir()
    _hostile_report(folder)
    return folder


@pytest.fixture(scope="module")
def index_dir(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile_index") / "index"
    LawSearch.build(reports, folder).close()
    return folder


@pytest.fixture(scope="module")
def stored_text(index_dir: Path) -> dict[str, str]:
    with LawSearch.open(index_dir) as engine:
        return {chunk_id: record.text for chunk_id, record in engine._chunks.items()}


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# -- printable and dumps_json ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (CLEAR, "\\x1b[2J"),
        (OSC_TITLE, "\\x1b]0;pwned\\x07"),
        ("a\x9bb", "a\\x9bb"),
        ("\x7f", "\\x7f"),
        ("右\u202e左", "右\\u202e左"),
        ("\u2066\u2069\u202a\u202d\u200f\ufeff", "\\u2066\\u2069\\u202a\\u202d\\u200f\\ufeff"),
        ("a\u2028b", "a\\u2028b"),
        ("tag\U000e0001", "tag\\U000e0001"),
        ("bad\udcff.txt", "bad\\xff.txt"),
        ("\ud800", "\\ud800"),
        ("a\tb\rc\nd", "a\\tb\\rc\\nd"),
    ],
)
def test_printable_shows_controls_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert not _raw_controls(printable(text), allowed="")
    printable(text).encode("utf-8")


def test_the_ranges_never_looked_at_hold_nothing_to_escape() -> None:
    ranges = re.findall(r"(.)-(.)", SAFE_RANGES)
    assert ranges
    for first, last in ranges:
        for code in range(ord(first), ord(last) + 1):
            assert unicodedata.category(chr(code)) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), hex(code)


def test_printable_leaves_ordinary_text_alone() -> None:
    text = "一、2022年法治政府建设 › (三)全面发力,落实共建共治举措\u3000“调解员联盟” 50% (HR) é ä 😀"
    assert printable(text) == text
    assert printable("第一行\n第二行", keep="\n") == "第一行\n第二行"
    assert printable(None) == "None" and printable(2022) == "2022"


def test_json_escapes_controls_and_round_trips() -> None:
    data = {"text": f"调解{INJECTION}\u2028员\x7f\n", "heading_path": ["一、\u202e标题"]}
    for raw in (json.dumps(data, ensure_ascii=False), dumps_json(data), dumps_json(data, indent=2)):
        assert "\\u001b" in raw  # json.dumps escapes C0 controls even with ensure_ascii=False
        assert json.loads(raw) == data
    for raw in (dumps_json(data), dumps_json(data, indent=2)):
        assert not _raw_controls(raw)  # and dumps_json also DEL, C1, bidi and line separators
        assert "\\u009b" in raw and "\\u202e" in raw


def test_json_with_lone_surrogates_encodes_to_utf8() -> None:
    data = {"path": "reports/bad\udcff\udcfe.txt", "\udc80key": 1}
    with pytest.raises(UnicodeEncodeError):
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    raw = dumps_json(data, indent=2)
    raw.encode("utf-8")
    assert json.loads(raw) == {"path": "reports/bad\\xff\\xfe.txt", "\\x80key": 1}


# -- renderers ------------------------------------------------------------------------------------------


def test_render_hits_escapes_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    hit = Hit(
        chunk_id="r\x1b#000",
        report_id="r\x1b[2J",
        region=f"滨江区{OSC_TITLE}",
        region_parent="杭州市",
        year=2022,
        agency=None,
        title=f"报告{CLEAR}",
        heading_path=(f"一、举措{BIDI}", "\x9b31m调解"),
        text=f"建立了{INJECTION}调解员联盟\udcff。",
        score=1.0,
        match_terms=("调解员联盟",),
    )
    _render_hits([hit])
    out = capsys.readouterr().out
    assert not _raw_controls(out)
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out and "\\x9b31m" in out and "\\xff" in out


def test_update_lines_escape_paths_reasons_and_notes() -> None:
    summary = UpdateSummary(
        failed=[(os.fsdecode(b"reports/bad\xff\x1b[2J.txt"), f"binary data {OSC_TITLE}")], notes=[f"note with {BIDI}"], embedder="e5\x1b"
    )

    @click.command()
    def update() -> None:
        _report_update(summary, "indexes/\u202etest", as_json=False)

    result = CliRunner().invoke(update, [])
    assert result.exit_code == 1
    assert "failed: reports/bad\\xff\\x1b[2J.txt: binary data \\x1b]0;pwned\\x07" in result.stderr
    assert "\\u202e" in result.stderr and not _raw_controls(result.stderr)


# -- the command line on an indexed hostile report --------------------------------------------------------


def test_the_index_holds_the_hostile_text(stored_text: dict[str, str]) -> None:
    """Guards the tests below: the controls reached the index, so the renderers had something to escape."""
    joined = "".join(stored_text.values())
    assert any(ch in joined for ch in HOSTILE_CHARS)


@pytest.mark.parametrize("extra", [[], ["--by-region"], ["--mode", "lexical"]])
def test_search_output_holds_no_raw_control(index_dir: Path, extra: list[str]) -> None:
    result = _invoke("search", "调解员联盟", "--index", str(index_dir), *extra)
    assert result.exit_code == 0, result.output
    assert "900_hostile" in result.output
    assert not _raw_controls(result.output), sorted(set(_raw_controls(result.output)))
    assert "落实共建共治举措\\x1b[2J" in result.output  # the heading, escaped


def test_search_json_round_trips_the_text(index_dir: Path, stored_text: dict[str, str]) -> None:
    result = _invoke("search", "调解员联盟", "--index", str(index_dir), "--json", "--top-k", "20")
    assert result.exit_code == 0, result.output
    assert not _raw_controls(result.stdout)
    data = json.loads(result.stdout)
    assert data["hits"]
    for hit in data["hits"]:
        assert hit["text"] == stored_text[hit["chunk_id"]]
    assert any(any(ch in hit["text"] for ch in HOSTILE_CHARS) for hit in data["hits"])


def test_chunks_output_holds_no_raw_control_and_json_round_trips(reports: Path, tmp_path: Path) -> None:
    hostile = _hostile_report(tmp_path, name=f"9{CLEAR}\u202eevil.txt")  # a file name that would drive the terminal too
    result = _invoke("chunks", str(hostile))
    assert result.exit_code == 0, result.output
    assert not _raw_controls(result.output), sorted(set(_raw_controls(result.output)))
    assert "9\\x1b[2J\\u202eevil.txt" in result.output
    as_json = _invoke("chunks", str(reports / "900_hostile.txt"), "--json")
    assert as_json.exit_code == 0 and not _raw_controls(as_json.stdout)
    expected = json.loads(json.dumps(parse_report(reports / "900_hostile.txt").to_dict()))
    assert json.loads(as_json.stdout) == expected
    assert OSC_TITLE in "".join(chunk["text"] for chunk in expected["chunks"])


def test_info_output_holds_no_raw_control(index_dir: Path) -> None:
    result = _invoke("info", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert not _raw_controls(result.output)


def test_file_names_with_undecodable_bytes_print(index_dir: Path, tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff\xfe\x1b[2J.txt")
    (tmp_path / name).write_bytes(b"")
    path = str(tmp_path / name)
    shown = printable(path)
    assert "bad\\xff\\xfe\\x1b[2J.txt" in shown

    chunks = _invoke("chunks", path)  # an error message names the file
    assert chunks.exit_code == 1
    assert chunks.stderr.startswith(f"error: {shown}") and chunks.stderr.count("\n") == 1

    added = _invoke("add", path, "--index", str(index_dir), "-q")  # a failure line names the file
    assert added.exit_code == 1
    assert f"failed: {shown}: " in added.stderr and not _raw_controls(added.stderr)

    as_json = _invoke("add", path, "--index", str(index_dir), "-q", "--json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    # JSON keeps ESC (as \u001b) and writes each undecodable byte as the text \xNN
    assert [failure["path"] for failure in data["failed"]] == [path.replace("\udcff", "\\xff").replace("\udcfe", "\\xfe")]
