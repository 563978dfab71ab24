"""One bad file never spoils an update: special files, link loops, dangling links, odd and long names, huge
files and interrupted writers, beside good reports, with the real embedder and real files on disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import ReportFileError
from lawsearch.read import parse_report
from lawsearch.read.files import read_report, scan_report_folder
from lawsearch.verify import verify_index

from ..conftest import SEED_FILES

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")
LONG_STEM = "长" * 78 + "_report"  # 241 bytes of UTF-8 in the name: fine for the file system, too long once suffixed


@pytest.fixture(scope="module")
def warm_cache(seeds_index: Path) -> Path:
    """An embedding cache that already holds the seeds' passages."""
    return seeds_index / "embeddings.sqlite"


def _index(warm_cache: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(warm_cache, target / "embeddings.sqlite")
    return target


def _hostile_folder(folder: Path) -> None:
    """Good reports beside every kind of bad entry."""
    folder.mkdir()
    for seed in SEED_FILES[:2]:
        shutil.copy(seed, folder / seed.name)
    shutil.copy(SEED_FILES[2], folder / f"{LONG_STEM}.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "loopdir").symlink_to(folder)  # a folder link back to itself: walked once
    os.close(os.open(os.path.join(os.fsencode(folder), b"bad-\xff\xfe.txt"), os.O_CREAT | os.O_WRONLY, 0o644))
    (folder / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a report type")


def test_a_hostile_folder_indexes_the_good_files_and_lists_the_bad(warm_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _hostile_folder(folder)
    index = _index(warm_cache, tmp_path / "idx")
    started = time.monotonic()
    result = subprocess.run([LAWSEARCH, "index", str(folder), "--index", str(index), "-q"], capture_output=True, timeout=300)
    assert time.monotonic() - started < 120  # no hang on the FIFO or /dev/zero
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1 and "Traceback" not in err, err
    assert "added 3" in err
    for name, reason in (("pipe.txt", "FIFO"), ("loop.txt", "link loop"), ("zero.txt", "character device"), ("bad-", "not valid UTF-8")):
        assert any(name in line and reason in line for line in err.splitlines() if line.startswith("failed:")), (name, err)
    assert "gone.txt" not in err  # a dangling link is a report that is gone, not an error
    assert "note: ignored 1 file(s) of other types (notes.doc)" in err  # not a report: a note, not a failure
    with LawSearch.open(index) as engine:
        assert set(engine.manifest.reports) == {SEED_FILES[0].stem, SEED_FILES[1].stem, LONG_STEM}
        assert engine.check() == []
        phrase = parse_report(SEED_FILES[2]).chunks[2].text[:12]
        assert LONG_STEM in {hit.report_id for hit in engine.search(f'"{phrase}"', mode="lexical")}
    assert not [p for p in tmp_path.rglob("*.tmp") if p.is_file()]


def test_scan_walks_a_link_loop_once_and_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _hostile_folder(folder)
    scan = scan_report_folder(folder)
    assert sorted(p.name for p in scan.files) == sorted([SEED_FILES[0].name, SEED_FILES[1].name, f"{LONG_STEM}.txt"])
    assert {Path(path).name.split("-")[0] for path, _ in scan.skipped} >= {"pipe.txt", "loop.txt", "zero.txt", "bad"}


@pytest.mark.parametrize("name", ["pipe.txt", "zero.txt", "loop.txt"])
def test_special_files_are_refused_without_being_read(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "reports"
    _hostile_folder(folder)
    with pytest.raises(ReportFileError, match=name):
        read_report(folder / name)
    result = CliRunner().invoke(main, ["chunks", str(folder / name)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_file_over_the_size_limit_is_skipped_with_the_limit_named(warm_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)
    (folder / "huge.txt").write_bytes("某区人社局报告。\n".encode() * 200_000)  # 5.0 MB
    index = _index(warm_cache, tmp_path / "idx")
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q", "--max-file-mb", "1"])
    assert result.exit_code == 1
    assert "huge.txt: 5.0 MB is over the 1.0 MB limit for one report (--max-file-mb)" in result.output
    with LawSearch.open(index) as engine:
        assert set(engine.manifest.reports) == {SEED_FILES[0].stem}


def test_a_removed_link_and_a_vanished_target_count_as_removed(warm_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEED_FILES[:3]:
        shutil.copy(seed, store / seed.name)
        (folder / seed.name).symlink_to(store / seed.name)
    index = _index(warm_cache, tmp_path / "idx")
    assert CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q"]).exit_code == 0
    (folder / SEED_FILES[0].name).unlink()  # the link is removed
    (store / SEED_FILES[1].name).unlink()  # the target vanishes: a dangling link
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q"])
    assert result.exit_code == 0 and "removed 2" in result.output, result.output
    with LawSearch.open(index) as engine:
        assert set(engine.manifest.reports) == {SEED_FILES[2].stem}


def test_a_report_whose_file_turns_special_keeps_its_indexed_version(warm_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEED_FILES[:2]:
        shutil.copy(seed, folder / seed.name)
    index = _index(warm_cache, tmp_path / "idx")
    assert CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q"]).exit_code == 0
    (folder / SEED_FILES[0].name).unlink()
    os.mkfifo(folder / SEED_FILES[0].name)
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-q"])
    assert result.exit_code == 1 and "FIFO" in result.output
    with LawSearch.open(index) as engine:
        assert SEED_FILES[0].stem in engine.manifest.reports


def test_ctrl_c_during_a_build_leaves_no_unfinished_generation(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    shutil.copytree(SEED_FILES[0].parent, folder)
    index = tmp_path / "idx"
    process = subprocess.Popen(
        [LAWSEARCH, "index", str(folder), "--index", str(index), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # as at a terminal, even under `&`
    deadline = time.monotonic() + 120
    while not list(index.glob("gen-*/lexical")) and time.monotonic() < deadline:  # the writer is at work
        time.sleep(0.05)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode != 0 and b"Traceback" not in err, err
    assert list(index.glob("gen-*")) == []  # the unfinished generation went with the interrupted writer
    assert not (index / "CURRENT").exists()
    done = subprocess.run([LAWSEARCH, "index", str(folder), "--index", str(index), "-q"], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert verify_index(index)[0] == []
