"""No file can take the indexing run down: PDF, Word and HTML files are read in worker processes under a memory cap
and a time limit; a report that splits into too many chunks is refused with its figure. The hostile files are made
by tests/hostile_documents.py."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import ReportFileError
from lawsearch.index.writer import IndexWriter
from lawsearch.read.files import read_report
from lawsearch.read.sandbox import ReaderPool, ReadLimits

from .. import hostile_documents as hostile
from ..conftest import SEED_FILES
from ..fakes import HashEmbedder

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")
SMALL = ReadLimits(memory_mb=768, seconds=60, seconds_per_mb=10)  # fails the memory bombs in seconds


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four files of the attack, made once: 1 a self-drawing form, 2 a 1 GiB inflating stream, 3 three million
    text operators, 4 thousands of paragraphs over thousands of styles."""
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "self": hostile.self_drawing_pdf(folder / "1_self_drawing.pdf"),
        "inflate": hostile.inflating_pdf(folder / "2_inflating.pdf"),
        "flood": hostile.char_flood_pdf(folder / "3_char_flood.pdf"),
        "styles": hostile.style_flood_docx(folder / "4_style_flood.docx"),
    }


def _read(pool: ReaderPool, path: Path) -> object:
    """What the pool makes of one file: its Report or its ReportFileError."""
    [(_, result)] = list(pool.read([path]))
    return result


def _failure(result: object) -> str:
    assert isinstance(result, ReportFileError), result
    return result.reason


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ..documents import make_pdf

    folder = tmp_path_factory.mktemp("good")
    return make_pdf(folder / "good.pdf", ["全面推进依法行政，持续优化营商环境。" * 4] * 3)


@pytest.mark.parametrize("name", ["self", "inflate"])
def test_a_memory_bomb_is_one_failure_naming_the_memory_limit(bombs: dict[str, Path], good_pdf: Path, name: str) -> None:
    with ReaderPool(ReadLimits(memory_mb=768, seconds=60, workers=1)) as pool:
        [(path, result), (_, after)] = list(pool.read([bombs[name], good_pdf]))
        reason = _failure(result)
        assert path == bombs[name]
        assert "768 MB" in reason and "--read-memory-mb" in reason, reason
        # the one worker died; its replacement reads the next PDF
        assert "依法行政" in after.text


def test_millions_of_text_operators_are_refused_not_collected(bombs: dict[str, Path]) -> None:
    with ReaderPool(ReadLimits(memory_mb=4096, seconds=120)) as pool:
        reason = _failure(_read(pool, bombs["flood"]))
    # pdfium's own parse of the stream may hit the cap first; otherwise the page's character count refuses it
    assert "page 1 has 3,000,000 characters" in reason or "memory limit" in reason, reason


def test_thousands_of_styles_no_longer_cost_a_scan_per_paragraph(bombs: dict[str, Path]) -> None:
    # python-docx's paragraph.style scans every style: 2,000 × 5,000 took 107 s. Each style is now resolved once,
    # so the file reads well inside a limit that the old way of reading runs far past.
    with ReaderPool(ReadLimits(seconds=20, seconds_per_mb=0)) as pool:
        report = pool.read_one(bombs["styles"])
    assert report.text.count("段。") == 2_000


def test_a_file_over_its_time_limit_is_one_failure_naming_the_limit(tmp_path: Path, good_pdf: Path) -> None:
    slow = hostile.one_line_pages_pdf(tmp_path / "many_pages.pdf", pages=12_000)  # 1.5–1.9 s to read on two cores
    with ReaderPool(ReadLimits(seconds=0.5, seconds_per_mb=0, workers=1)) as pool:
        [(_, result), (_, after)] = list(pool.read([slow, good_pdf]))
    reason = _failure(result)
    assert "took longer than 0.5 s" in reason and "(0.5 s + 0 s per MB; --read-timeout)" in reason, reason
    assert "依法行政" in after.text  # the worker that was stopped has been replaced


def test_a_pool_that_fails_is_replaced_and_the_pending_files_still_read(tmp_path: Path, good_pdf: Path) -> None:
    copies = [shutil.copy(good_pdf, tmp_path / f"copy{i}.pdf") for i in range(3)]
    with ReaderPool(ReadLimits(workers=1)) as pool:
        results = pool.read(copies)
        first = next(results)  # all three were handed to the pool
        pool._pool.stop()  # the pool fails under the two still pending
        rest = list(results)
    assert [Path(path).name for path, _ in [first, *rest]] == ["copy0.pdf", "copy1.pdf", "copy2.pdf"]
    assert all("依法行政" in report.text for _, report in [first, *rest])


def test_one_line_pages_are_text_not_running_headers(tmp_path: Path) -> None:
    # every page holds one line, alike but for its number: the shape of a running header, but the page's only text
    report = read_report(hostile.one_line_pages_pdf(tmp_path / "list.pdf", pages=300))
    lines = report.text.split("\n")
    assert "Line 1 of the list." in report.text and "Line 300 of the list." in report.text, lines[:3]


def test_running_headers_still_go_when_pages_hold_more_text(tmp_path: Path) -> None:
    from ..documents import make_pdf

    paragraphs = [f"第{i}段。" + "全面推进依法行政，持续优化营商环境。" * 6 for i in range(40)]
    report = read_report(make_pdf(tmp_path / "headed.pdf", paragraphs, pages_header="某某县人力资源和社会保障局"))
    assert "某某县人力资源和社会保障局" not in report.text and "第39段" in report.text


def test_unexpected_reader_failures_come_back_as_reasons(tmp_path: Path) -> None:
    (tmp_path / "odd.html").write_text("<html><body><p>" + "<div>" * 50_000 + "深</p></body></html>", encoding="utf-8")
    with ReaderPool(SMALL) as pool:
        results = dict(pool.read([tmp_path / "odd.html", SEED_FILES[0], tmp_path / "missing.pdf"]))
    assert results[SEED_FILES[0]].id == SEED_FILES[0].stem
    assert "no such file" in _failure(results[tmp_path / "missing.pdf"])
    assert "深" in results[tmp_path / "odd.html"].text  # 50,000 nested elements: read, not a crash


def test_a_report_of_too_many_chunks_is_refused_with_its_figure(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)
    lines = [f"{i}.第{i}项工作。" + "推进依法行政，建设法治政府，完善行政执法程序。" * 3 for i in range(1, 400)]
    (folder / "dump.txt").write_text("某县人民政府2022年法治政府建设年度报告\n一、主要工作\n" + "\n".join(lines), encoding="utf-8")
    writer = IndexWriter(tmp_path / "idx", embedder=HashEmbedder(), max_chunks=100)
    summary = writer.sync_folder(folder)
    assert summary.added == [SEED_FILES[0].stem]
    [(path, reason)] = summary.failed
    assert path.endswith("dump.txt") and "chunks, over the 100 limit for one report (--max-chunks)" in reason, reason
    count = int(reason.split(" chunks")[0].split()[-1].replace(",", ""))
    assert count > 100


def test_chunks_command_reads_in_the_sandbox(bombs: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["chunks", str(bombs["inflate"]), "--read-memory-mb", "768"])
    assert result.exit_code == 1
    assert "2_inflating.pdf" in result.output and "768 MB memory limit" in result.output, result.output
    assert "Traceback" not in result.output


def test_add_of_a_bomb_beside_a_good_report_adds_the_good_one_only(bombs: dict[str, Path], tmp_path: Path) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(SEED_FILES[0])
    before = LawSearch.open(index, embedder=HashEmbedder())
    chunks_before = before.info()["chunks"]
    before.close()
    summary = IndexWriter(index, embedder=HashEmbedder(), read_limits=SMALL).add_files([bombs["self"], SEED_FILES[1]])
    assert summary.added == [SEED_FILES[1].stem]
    assert [path for path, _ in summary.failed] == [str(bombs["self"])]
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.info()["chunks"] > chunks_before


def _six_gb_cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (6 * 1024**3, resource.RLIM_INFINITY))


def test_seeds_and_the_four_bombs_under_a_6_gb_cap(bombs: dict[str, Path], seeds_index: Path, tmp_path: Path) -> None:
    """The acceptance run: every good report indexed, each bad file one line, exit 1, no traceback."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in [*SEED_FILES, *bombs.values()]:
        shutil.copy(path, folder / path.name)
    index = tmp_path / "idx"
    index.mkdir()
    shutil.copy(seeds_index / "embeddings.sqlite", index / "embeddings.sqlite")  # the seeds' vectors: no re-embedding
    started = time.monotonic()
    result = subprocess.run(
        [LAWSEARCH, "index", str(folder), "--index", str(index), "--json"], capture_output=True, timeout=600, preexec_fn=_six_gb_cap
    )
    seconds = time.monotonic() - started
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1 and "Traceback" not in err, err
    summary = json.loads(result.stdout)
    failed = {Path(item["path"]).name: item["reason"] for item in summary["failed"]}
    assert set(failed) == {"1_self_drawing.pdf", "2_inflating.pdf", "3_char_flood.pdf"}, (failed, seconds)
    assert all("limit" in reason or "characters" in reason for reason in failed.values()), failed
    # the fourth is no bomb any more: it reads in a second and is indexed beside the seeds
    assert set(summary["added"]) == {path.stem for path in SEED_FILES} | {"4_style_flood"}, summary
    print(f"seeds + 4 bombs under a 6 GB cap: {seconds:.1f} s")
