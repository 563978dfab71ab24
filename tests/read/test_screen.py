"""Screening: files that are not reports are skipped, and the same report saved twice is indexed once."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import lawsearch.index.writer as writer_module
from lawsearch.cli import main
from lawsearch.index.folder import IndexFolder
from lawsearch.models import Report
from lawsearch.read import parse, parse_report
from lawsearch.read.files import read_report
from lawsearch.read.screen import Fingerprint, fingerprint, jaccard, not_a_report, same_report

from ..conftest import SEED_FILES
from ..fakes import HashEmbedder

SEED = SEED_FILES[0]
README = """# Reports for development

This folder holds the reports used while developing the search engine. Each file is one report,
saved as text from the page that published it. Report id = file name without the extension.

- Source: public documents (法治政府建设年度报告) as published by each agency.
- Run `lawsearch index .` to build an index of them.
"""
NOTE = "请于本周五下班前提交年度总结材料。\n联系人：张三，电话：12345678\n逾期不候。\n"


def _parsed(text: str, name: str = "x.txt") -> object:
    return parse(Report(id=Path(name).stem, source=name, sha256="0" * 64, encoding="utf-8", text=text))


def _as_html(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return f"<html><head><title>报告</title></head><body>{paragraphs}</body></html>"


# -- not a report ---------------------------------------------------------------------------------------------


def test_an_english_readme_is_not_a_report() -> None:
    reason = not_a_report(_parsed(README, "README.md"))
    assert reason is not None and "mostly not Chinese" in reason


def test_a_three_line_note_is_not_a_report() -> None:
    reason = not_a_report(_parsed(NOTE))
    assert reason is not None and "Chinese characters" in reason


def test_a_short_text_with_numbered_sections_is_a_report() -> None:
    text = "某某区2024年工作报告\n一、主要工作\n全区新建调解工作室6个，全年化解纠纷860件。\n二、下一步打算\n继续深化法治建设。\n"
    assert not_a_report(_parsed(text)) is None


def test_a_long_report_saved_as_two_lines_is_a_report() -> None:
    """A page saved with its whole body on one line (headings inline, no line of its own): long, so no note."""
    from lawsearch.read.headings import numbered_rank

    lines = [
        line
        for seed in SEED_FILES
        for line in seed.read_text(encoding="utf-8").splitlines()
        if line.strip() and numbered_rank(line) is None
    ]
    body = "".join(lines[1:])
    text = lines[0] + "\n" + body + "\n"
    assert not_a_report(_parsed(text)) is None
    short = lines[0] + "\n" + body[:600] + "\n"  # the same two lines, cut to a few hundred characters: a note
    reason = not_a_report(_parsed(short))
    assert reason is not None and "paragraph" in reason


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda path: path.stem)
def test_the_seed_reports_are_reports(seed: Path) -> None:
    assert not_a_report(parse_report(seed)) is None


# -- the same report ------------------------------------------------------------------------------------------


def test_a_report_saved_as_html_is_the_same_report_and_other_reports_are_not(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    page = tmp_path / "copy.html"
    page.write_text(_as_html("首页 > 政务公开\n" + text + "\n扫一扫在手机打开\n相关报道："), encoding="utf-8")
    original, copy = fingerprint(text), fingerprint(read_report(page).text)
    assert jaccard(original, copy) > 0.95 and same_report(original, copy)
    others = [fingerprint(path.read_text(encoding="utf-8")) for path in SEED_FILES[1:]]
    assert not any(same_report(original, other) for other in others)
    edited = fingerprint(text.replace("。", "，本局高度重视。", 40))  # a third of the sentences changed
    assert not same_report(original, edited)


def test_one_copy_with_an_appendix_is_still_the_same_report() -> None:
    text = SEED.read_text(encoding="utf-8")
    appendix = "".join(f"附表第{n}项：本项工作由局办公室牵头负责，年底前完成全部任务。" for n in range(5))
    assert same_report(fingerprint(text), fingerprint(text + "\n附件\n" + appendix))


def test_fingerprints_round_trip_and_bad_ones_are_value_errors() -> None:
    print_ = fingerprint(SEED.read_text(encoding="utf-8"))
    assert Fingerprint.from_text(print_.to_text()) == print_
    for bad in ("", "x:AAAA", "3:not base64!", "1:" + "A" * 24):
        with pytest.raises(ValueError):
            Fingerprint.from_text(bad)
    assert not same_report(fingerprint(NOTE), fingerprint(NOTE))  # too few sentences to tell


# -- with the index -------------------------------------------------------------------------------------------


@pytest.fixture
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI builds and opens indexes with the fake encoder."""
    monkeypatch.setattr(writer_module, "make_embedder", lambda *args, **kwargs: HashEmbedder())
    monkeypatch.setattr(writer_module, "load_recorded", lambda *args, **kwargs: HashEmbedder())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A seed, the same seed saved as HTML (same name, other format), and an English README."""
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(SEED, reports / SEED.name)
    (reports / f"{SEED.stem}.html").write_text(_as_html(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    (reports / "README.md").write_text(README, encoding="utf-8")
    return reports


def _index(folder: Path, index: Path, *options: str) -> Result:
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q", *options])
    assert result.exit_code == 0, result.output
    return result


def _info(index: Path) -> dict[str, dict]:
    result = CliRunner().invoke(main, ["info", "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    return {report["id"]: report for report in json.loads(result.stdout)["report_list"]}


def test_a_copy_is_one_report_with_two_sources_and_a_readme_is_skipped(fake_embedder: None, folder: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    result = _index(folder, index)
    html_copy, text_copy = folder / f"{SEED.stem}.html", folder / SEED.name
    assert f"is the same report as {html_copy}; recorded as another source" in result.stderr
    assert "README.md: not a report (mostly not Chinese" in result.stderr and "--include-all" in result.stderr
    reports = _info(index)
    assert list(reports) == [SEED.stem]
    assert reports[SEED.stem]["source"] == str(html_copy) and reports[SEED.stem]["also_sources"] == [str(text_copy)]

    again = _index(folder, index)  # nothing changed: nothing to do, and nothing noted again
    assert "nothing to change" in again.stderr and "same report" not in again.stderr

    text_copy.unlink()  # a copy gone: the report stays, the source is no longer listed
    _index(folder, index)
    assert _info(index)[SEED.stem]["also_sources"] == []

    included = _index(folder, index, "--include-all", "--json")
    assert json.loads(included.stdout)["added"] == ["README"]
    assert set(_info(index)) == {SEED.stem, "README"}


def test_an_unchanged_copy_is_not_read_again_and_a_changed_one_is(
    fake_embedder: None, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "idx"
    _index(folder, index)
    html_copy, text_copy = folder / f"{SEED.stem}.html", folder / SEED.name
    read: list[str] = []
    real_read = writer_module.IndexWriter._read

    def counting(self: writer_module.IndexWriter, files: list[Path], *args: object) -> list[Report]:
        read.extend(path.name for path in files)
        return real_read(self, files, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(writer_module.IndexWriter, "_read", counting)
    again = json.loads(_index(folder, index, "--json").stdout)  # the copy still counts as one, unread
    assert again["copies"] == [{"path": str(text_copy), "report": SEED.stem}] and "README.md" in read and SEED.name not in read
    assert _info(index)[SEED.stem]["also_sources"] == [str(text_copy)]

    read.clear()
    text_copy.write_text(text_copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed: read and compared again
    changed = json.loads(_index(folder, index, "--json").stdout)
    assert SEED.name in read and changed["copies"] == [{"path": str(text_copy), "report": SEED.stem}]

    read.clear()
    html_copy.write_text(_as_html("网站首页\n" + SEED.read_text(encoding="utf-8")), encoding="utf-8")  # the report's own file changed
    _index(folder, index)
    assert sorted(read) == sorted([html_copy.name, SEED.name, "README.md"])
    assert _info(index)[SEED.stem]["also_sources"] == [str(text_copy)]


def test_add_records_a_copy_under_another_name_as_another_source(fake_embedder: None, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for seed in SEED_FILES[:2]:
        shutil.copy(seed, reports / seed.name)
    index = tmp_path / "idx"
    _index(reports, index)
    copy = tmp_path / "elsewhere" / "saved_from_another_site.html"
    copy.parent.mkdir()
    copy.write_text(_as_html("网站首页\n" + SEED_FILES[1].read_text(encoding="utf-8") + "\n打印本页"), encoding="utf-8")
    result = CliRunner().invoke(main, ["add", str(copy), "--index", str(index), "-q", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == [] and summary["copies"] == [{"path": str(copy), "report": SEED_FILES[1].stem}]
    manifest = IndexFolder(index).read_manifest()
    assert set(manifest.reports) == {seed.stem for seed in SEED_FILES[:2]}
    assert [item["source"] for item in manifest.reports[SEED_FILES[1].stem].also_sources] == [str(copy)]

    note = tmp_path / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    skipped = CliRunner().invoke(main, ["add", str(note), "--index", str(index), "-q"])
    assert skipped.exit_code == 0 and "--include-all" in skipped.stderr and "nothing to change" in skipped.stderr
    forced = CliRunner().invoke(main, ["add", str(note), "--index", str(index), "-q", "--include-all"])
    assert forced.exit_code == 0 and "added 1" in forced.stderr, forced.output


def test_an_indexed_report_that_becomes_a_copy_of_another_is_removed_and_recorded(fake_embedder: None, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    first, second = SEED_FILES[:2]
    for seed in (first, second):
        shutil.copy(seed, reports / seed.name)
    index = tmp_path / "idx"
    _index(reports, index)
    shutil.copy(first, reports / second.name)  # the second file now holds the first report
    summary = json.loads(_index(reports, index, "--json").stdout)
    assert summary["removed"] == [second.stem] and summary["copies"] == [{"path": str(reports / second.name), "report": first.stem}]
    assert _info(index)[first.stem]["also_sources"] == [str(reports / second.name)] and len(_info(index)) == 1
    result = CliRunner().invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 0, result.output
