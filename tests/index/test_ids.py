"""Identity by path: a report's id is its path below the folder indexed (``a/2021``), so that files of one name in two
folders are two reports; files directly in the folder keep their file name as id. With real files and the fake encoder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import lawsearch.embed as embed_module
import lawsearch.index.writer as writer_module
from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.index.folder import IndexFolder
from lawsearch.index.ids import report_id_in, root_of, with_root
from lawsearch.index.writer import IndexWriter, ReportIds
from lawsearch.web.app import create_app, report_url

from ..conftest import SEED_FILES, edit_manifest
from ..fakes import HashEmbedder

BASE = "http://localhost"  # a Host the web app answers


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every writer and engine, also those the CLI and the web app make, uses the fake encoder."""
    monkeypatch.setattr(writer_module, "make_embedder", lambda *args, **kwargs: HashEmbedder())
    monkeypatch.setattr(writer_module, "load_recorded", lambda *args, **kwargs: HashEmbedder())
    monkeypatch.setattr(embed_module, "load_recorded", lambda *args, **kwargs: HashEmbedder())


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """``a/2021.txt`` and ``b/2021.txt`` (two different seeds under one name), and a seed directly in the folder."""
    folder = tmp_path / "gov"
    for sub, seed in (("a", SEED_FILES[0]), ("b", SEED_FILES[1])):
        (folder / sub).mkdir(parents=True)
        shutil.copy(seed, folder / sub / "2021.txt")
    shutil.copy(SEED_FILES[2], folder / SEED_FILES[2].name)
    return folder


def _build(folder: Path, index: Path) -> None:
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(folder)
    assert not summary.failed, summary.failed


def _manifest(index: Path):  # type: ignore[no-untyped-def]
    return IndexFolder(index).read_manifest()


def test_files_of_one_name_in_two_folders_are_two_reports(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    manifest = _manifest(index)
    assert set(manifest.reports) == {"a/2021", "b/2021", SEED_FILES[2].stem}
    assert manifest.reports["a/2021"].chunk_ids[0] == "a/2021#000"
    assert manifest.reports["b/2021"].source == str((nested / "b" / "2021.txt").resolve())
    assert manifest.roots == [str(nested.resolve())]


def test_a_flat_folder_keeps_file_name_ids(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(corpus, index)
    assert set(_manifest(index).reports) == {path.stem for path in SEED_FILES[:3]}


def test_show_and_remove_an_id_with_a_slash_on_the_command_line(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    shown = CliRunner().invoke(main, ["show", "a/2021#001", "--index", str(index), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["chunk"]["id"] == "a/2021#001" and data["chunk"]["report_id"] == "a/2021" and data["report"]["id"] == "a/2021"
    removed = CliRunner().invoke(main, ["remove", "a/2021", "--index", str(index), "-q", "--json"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.stdout)["removed"] == ["a/2021"]
    assert set(_manifest(index).reports) == {"b/2021", SEED_FILES[2].stem}
    gone = CliRunner().invoke(main, ["show", "a/2021#001", "--index", str(index)])
    assert gone.exit_code != 0 and "no chunk 'a/2021#001'" in gone.output


def test_add_of_a_changed_file_in_an_indexed_folder_replaces_its_report(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    changed = nested / "a" / "2021.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n五、其他\n全年新增调解员联盟成员单位一十二家，覆盖全部街道。\n", encoding="utf-8"
    )
    summary = IndexWriter(index, embedder=HashEmbedder()).add_files([changed])
    assert summary.updated == ["a/2021"] and summary.added == [] and not summary.failed
    reports = _manifest(index).reports
    assert set(reports) == {"a/2021", "b/2021", SEED_FILES[2].stem} and "2021" not in reports
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert "调解员联盟成员单位一十二家" in engine.report("a/2021")["chunks"][-1]["text"]


def test_add_from_outside_every_indexed_folder_takes_the_file_name(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    elsewhere = tmp_path / "elsewhere" / "x"
    elsewhere.mkdir(parents=True)
    shutil.copy(SEED_FILES[3], elsewhere / "2022.txt")
    summary = IndexWriter(index, embedder=HashEmbedder()).add_files([elsewhere / "2022.txt"])
    assert summary.added == ["2022"]


def test_two_files_of_one_id_still_collide_naming_both(nested: Path, tmp_path: Path) -> None:
    (nested / "a" / "2021.html").write_text(
        "<html><body><p>" + SEED_FILES[4].read_text(encoding="utf-8").replace("\n", "</p><p>") + "</p></body></html>", encoding="utf-8"
    )
    index = tmp_path / "idx"
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(nested)
    assert "a/2021" in summary.added
    [(path, reason)] = summary.failed
    assert path.endswith("a/2021.txt") or path.endswith("a/2021.html")
    assert "report id 'a/2021' is already taken by" in reason and "a/2021." in reason.split("taken by")[1]


def test_a_file_gone_from_a_subfolder_removes_its_report_only(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    (nested / "b" / "2021.txt").unlink()
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(nested)
    assert summary.removed == ["b/2021"] and sorted(summary.unchanged) == sorted(["a/2021", SEED_FILES[2].stem])
    assert set(_manifest(index).reports) == {"a/2021", SEED_FILES[2].stem}


def test_indexing_a_subfolder_of_an_indexed_folder_keeps_the_ids(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(nested / "a")
    assert summary.unchanged == ["a/2021"] and not summary.added and not summary.removed


def test_the_web_report_page_and_chunk_api_take_an_id_with_a_slash(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    assert report_url("a/2021") == "/report/a%2F2021"
    with TestClient(create_app(index), base_url=BASE) as client:
        for path in ("/report/a/2021", report_url("a/2021", "a/2021#001")):
            page = client.get(path)
            assert page.status_code == 200 and "<code>a/2021</code>" in page.text
        assert 'href="/api/chunk/a/2021%23000"' in page.text
        chunk = client.get("/api/chunk/" + quote("a/2021#001", safe="") + "?context=1").json()
        assert chunk["chunk"]["id"] == "a/2021#001" and [c["id"] for c in chunk["before"]] == ["a/2021#000"]
        assert client.get("/api/chunk/a/2021%23001").json()["chunk"]["report_id"] == "a/2021"
        assert client.get("/report/2021").status_code == 404
        assert client.get("/report/a/..%2F..%2Fb/2021").status_code == 404  # an id is a key into the manifest, never a path


def test_report_ids_by_root() -> None:
    assert report_id_in(Path("/d/gov/x/y/2021.tar.txt"), Path("/d/gov")) == "x/y/2021.tar"
    assert root_of("/d/gov/x/2021.txt", ["/d/gov/x", "/d/gov", "/e"]) == Path("/d/gov")
    assert root_of("/d/government/2021.txt", ["/d/gov"]) is None
    assert with_root(["/d/gov/x", "/e"], "/d/gov") == ["/d/gov", "/e"]
    assert with_root(["/d/gov"], "/d/gov/x") == ["/d/gov"]
    ids = ReportIds(["/d/gov"], kept={"/d/gov/kept.txt": "old-id"})
    assert ids.of("/d/gov/x/2021.txt") == "x/2021" and ids.of("/elsewhere/2021.txt") == "2021"
    assert ids.of("/d/gov/kept.txt") == "old-id"


def test_an_index_that_records_no_folder_adds_by_file_name_as_before(nested: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(nested, index)
    edit_manifest(index, lambda manifest: setattr(manifest, "roots", []))  # as an index built before roots were kept
    shutil.copy(SEED_FILES[3], nested / "a" / "2022.txt")
    summary = IndexWriter(index, embedder=HashEmbedder()).add_files([nested / "a" / "2022.txt"])
    assert summary.added == ["2022"]


def test_a_folder_name_that_is_not_utf8_fails_its_files_only(nested: Path, tmp_path: Path) -> None:
    odd = os.fsencode(nested) + b"/\xff\xfe"
    try:
        os.mkdir(odd)
    except OSError:
        pytest.skip("this file system takes only UTF-8 names")
    shutil.copy(SEED_FILES[3], os.fsdecode(odd) + "/2021.txt")
    summary = IndexWriter(tmp_path / "idx", embedder=HashEmbedder()).sync_folder(nested)
    assert sorted(summary.added) == sorted(["a/2021", "b/2021", SEED_FILES[2].stem])
    [(path, reason)] = summary.failed
    assert path.endswith("2021.txt") and "not valid UTF-8" in reason
