"""Every damaged or odd state has a way out, and none loses a report in silence: a one-generation index whose manifest
is damaged (``check --repair`` rebuilds it from the sources the damaged manifest still names, ``index DIR --rebuild``
rebuilds it from DIR), reports added from outside DIR kept by ``index DIR --rebuild``, repair and upgrade screening
re-read reports for copies, and errors of ``--json`` commands still printed as JSON."""

from __future__ import annotations

import errno
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import DamagedIndexError, IndexFolderError, LawsearchError
from lawsearch.index.folder import CURRENT, MANIFEST, IndexFolder
from lawsearch.index.records import report_paths
from lawsearch.index.writer import IndexWriter, source_path
from lawsearch.verify import verify_index

from ..conftest import SEED_FILES, edit_manifest
from ..fakes import HashEmbedder

BINJIANG, WUHAN, SHANGYU, FOURTH = (path.stem for path in SEED_FILES[:4])


def _build(corpus: Path, index: Path) -> Path:
    """An index of ``corpus`` with the fast fake encoder; the CLI later finds every vector in its embedding cache."""
    LawSearch.build(corpus, index, embedder=HashEmbedder()).close()
    return index


def _cli(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception  # never a traceback
    assert "Traceback" not in result.output
    return result


def _inventory(index: Path) -> dict[int, str]:
    """Every file of the folder by inode: a renamed file keeps its inode, a deleted one is gone."""
    return {p.stat().st_ino: p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file()}


def _lost(before: dict[int, str], index: Path) -> set[str]:
    return {before[inode] for inode in set(before) - set(_inventory(index))} - {CURRENT}


def _reports(index: Path) -> dict[str, object]:
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert engine.check() == []
        return dict(engine.manifest.reports)


def _flip_inside_title(manifest: Path) -> None:
    """One flipped byte inside a report title (UTF-8 broken there, the JSON around it whole): only the checksum tells."""
    data = bytearray(manifest.read_bytes())
    data[data.index("滨江区人力".encode()) + 1] ^= 0x5A
    manifest.write_bytes(bytes(data))


def _flip_first_byte(manifest: Path) -> None:
    """One flipped byte that breaks the JSON itself."""
    data = bytearray(manifest.read_bytes())
    data[0] ^= 0x5A
    manifest.write_bytes(bytes(data))


# -- 1. a damaged manifest in a one-generation index ------------------------------------------------------------------


@pytest.mark.parametrize("damage", [_flip_inside_title, _flip_first_byte], ids=["json-parses", "json-broken"])
def test_repair_rebuilds_a_lone_generation_from_the_sources_its_damaged_manifest_names(corpus: Path, tmp_path: Path, damage) -> None:
    index = _build(corpus, tmp_path / "idx")
    damage(index / "gen-000001" / MANIFEST)
    before = _inventory(index)
    assert _cli("check", "--index", str(index)).exit_code == 1

    result = _cli("check", "--repair", "--index", str(index), "-q", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["repair"]["action"] == "rebuilt"
    assert sorted(report["repair"]["reread"]) == sorted([BINJIANG, WUHAN, SHANGYU]) and report["repair"]["dropped"] == []
    assert report["repair"]["embedded"] == 0  # every vector from the embedding cache
    notes = " ".join(report["repair"]["notes"])
    assert ("which still parses" if damage is _flip_inside_title else "found in its text") in notes, notes
    assert "set gen-000001 aside" in notes
    assert verify_index(index)[0] == []
    assert sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert _lost(before, index) == set()  # the damaged generation was set aside, not deleted
    assert [p.name for p in index.glob("damaged-gen-000001-*")]


def test_repair_finds_a_file_whose_recorded_path_is_the_damaged_part(corpus: Path, tmp_path: Path) -> None:
    """The flipped byte in a source path's folder: the file is found beside the others by its name and recorded sha256."""
    index = _build(corpus, tmp_path / "idx")
    manifest = index / "gen-000001" / MANIFEST
    data = bytearray(manifest.read_bytes())
    data[data.index(f"/{corpus.name}/{BINJIANG}.txt".encode()) + 2] ^= 0x5A
    manifest.write_bytes(bytes(data))
    repair = IndexWriter(index).repair()
    assert repair.action == "rebuilt" and repair.dropped == [] and sorted(repair.reread) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert any(note.startswith(f"{BINJIANG}: its recorded path") and "sha256" in note for note in repair.notes), repair.notes
    assert _reports(index)[BINJIANG].source == source_path(corpus / f"{BINJIANG}.txt")


def test_repair_with_no_source_to_recover_says_how_to_rebuild_and_index_rebuild_does(corpus: Path, tmp_path: Path) -> None:
    index = _build(corpus, tmp_path / "idx")
    (index / "gen-000001" / MANIFEST).write_text("{", encoding="utf-8")  # nothing left to read in it
    before = _inventory(index)
    repair = _cli("check", "--repair", "--index", str(index))
    assert repair.exit_code == 1 and "index DIR --rebuild" in repair.output, repair.output
    assert BINJIANG in repair.output  # the reports it held, named by their chunk files
    assert _inventory(index) == before

    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True)  # the model is not known any more
    assert summary.removed == [] and summary.embedding.embedded == 0
    assert any("its embedder is not taken" in note for note in summary.notes), summary.notes
    assert any("set gen-000001 aside" in note for note in summary.notes), summary.notes
    assert sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert _lost(before, index) == set()


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_index_rebuild_works_on_a_damaged_manifest_and_deletes_nothing_it_cannot_verify(corpus: Path, tmp_path: Path, damage: str) -> None:
    index = _build(corpus, tmp_path / "idx")
    manifest = index / "gen-000001" / MANIFEST
    _flip_inside_title(manifest) if damage == "flip" else manifest.unlink()
    before = _inventory(index)
    plain = _cli("index", str(corpus), "--index", str(index), "-q")
    assert plain.exit_code == 1 and "--repair" in plain.output  # without --rebuild: refused, as before

    if damage == "flip":  # the embedder record is whole: the CLI finds every vector in the cache
        rebuilt = _cli("index", str(corpus), "--rebuild", "--index", str(index), "-q", "--json")
        assert rebuilt.exit_code == 0, rebuilt.output
        summary = json.loads(rebuilt.stdout)
    else:  # nothing tells the model any more: it is given
        summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True).to_dict()
    assert summary["generation"] == "gen-000002" and summary["removed"] == [] and summary["embedded"] == 0
    assert any("set gen-000001 aside" in note for note in summary["notes"])
    assert sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])
    assert _lost(before, index) == set()
    assert _cli("check", "--index", str(index)).exit_code == 0


# -- 2. reports added from outside DIR survive `index DIR --rebuild` ---------------------------------------------------


def _add_from_elsewhere(corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    index = _build(corpus, tmp_path / "idx")
    other = tmp_path / "other" / SEED_FILES[3].name
    other.parent.mkdir()
    shutil.copy(SEED_FILES[3], other)
    IndexWriter(index, embedder=HashEmbedder()).add_files([other])
    return index, other


def test_index_rebuild_keeps_a_report_added_from_outside_the_folder(corpus: Path, tmp_path: Path) -> None:
    index, other = _add_from_elsewhere(corpus, tmp_path)
    result = _cli("index", str(corpus), "--rebuild", "--index", str(index), "-q")
    assert result.exit_code == 0, result.output
    assert "removed 0" in result.output, result.output
    assert f"kept 1 report added from outside {corpus}: {FOURTH} (re-read from {source_path(other)})" in result.output
    reports = _reports(index)
    assert FOURTH in reports and reports[FOURTH].source == source_path(other)


def test_index_rebuild_keeps_a_report_whose_outside_source_is_gone_as_it_was(corpus: Path, tmp_path: Path) -> None:
    index, other = _add_from_elsewhere(corpus, tmp_path)
    chunks = _reports(index)[FOURTH].chunk_ids
    other.unlink()
    result = _cli("index", str(corpus), "--rebuild", "--index", str(index), "-q")
    assert result.exit_code == 0, result.output
    assert f"kept {FOURTH} as it was" in result.output and "removed 0" in result.output, result.output
    assert _reports(index)[FOURTH].chunk_ids == chunks
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        assert FOURTH in {hit.report_id for hit in engine.search("行政复议", mode="lexical", top_k=50)}


def test_a_rebuild_that_cannot_keep_an_outside_report_drops_it_out_loud(corpus: Path, tmp_path: Path) -> None:
    index, other = _add_from_elsewhere(corpus, tmp_path)
    other.unlink()
    summary = IndexWriter(index, embedder=HashEmbedder(), max_chars=200).sync_folder(corpus, rebuild=True)  # new chunking
    assert summary.removed == [FOURTH]
    assert any(FOURTH in note and "dropped" in note for note in summary.notes), summary.notes
    assert [path for path, _ in summary.failed] == [source_path(other)]  # the exit status shows the loss
    assert FOURTH not in _reports(index)


class _OtherModel(HashEmbedder):
    """Another model, as far as the index can tell."""

    spec = replace(HashEmbedder.spec, name="hash-bigrams-64-other")
    id = spec.id


def test_a_rebuild_with_another_model_keeps_an_outside_report_whose_file_is_gone(corpus: Path, tmp_path: Path) -> None:
    index, other = _add_from_elsewhere(corpus, tmp_path)
    chunks = _reports(index)[FOURTH].chunk_ids
    other.unlink()
    summary = IndexWriter(index, embedder=_OtherModel()).sync_folder(corpus, rebuild=True)
    assert summary.removed == [] and summary.failed == [] and summary.embedder == _OtherModel.id
    assert any(f"kept {FOURTH} as it was" in note and "embedded again" in note for note in summary.notes), summary.notes
    with LawSearch.open(index, embedder=_OtherModel()) as engine:
        assert engine.check() == [] and engine.manifest.reports[FOURTH].chunk_ids == chunks


# -- 3. repair and upgrade screen re-read reports for copies -----------------------------------------------------------


def test_repair_does_not_index_a_copy_of_another_report_twice(corpus: Path, tmp_path: Path) -> None:
    index = _build(corpus, tmp_path / "idx")
    report_paths(IndexFolder(index).current(), WUHAN)[1].unlink()  # WUHAN's vectors are gone: repair re-reads it
    shutil.copy(corpus / f"{BINJIANG}.txt", corpus / f"{WUHAN}.txt")  # ... from a file now holding BINJIANG's report
    result = _cli("check", "--repair", "--index", str(index))
    assert result.exit_code == 1, result.output  # a report the index held is gone: the exit status says so
    assert f"dropped: {WUHAN}:" in result.output and f"same report as {BINJIANG}" in result.output, result.output
    reports = _reports(index)
    assert sorted(reports) == sorted([BINJIANG, SHANGYU])
    assert [item["source"] for item in reports[BINJIANG].also_sources] == [source_path(corpus / f"{WUHAN}.txt")]


def test_upgrade_does_not_index_a_copy_of_another_report_twice(corpus: Path, tmp_path: Path) -> None:
    index = _build(corpus, tmp_path / "idx")
    shutil.copy(corpus / f"{BINJIANG}.txt", corpus / f"{WUHAN}.txt")
    edit_manifest(index, lambda manifest: setattr(manifest, "format_version", 2))
    summary = IndexWriter(index, embedder=HashEmbedder()).upgrade()
    assert sorted(summary.added) == sorted([BINJIANG, SHANGYU]) and summary.removed == [WUHAN]
    assert summary.copies == [(str(corpus / f"{WUHAN}.txt"), BINJIANG)]
    reports = _reports(index)
    assert sorted(reports) == sorted([BINJIANG, SHANGYU]) and reports[BINJIANG].also_sources


# -- 4. errors name each file, and --json always prints JSON -----------------------------------------------------------


def _unreadable(tmp_path: Path, count: int) -> Path:
    bad = tmp_path / "bad"
    bad.mkdir()
    for number in range(count):
        (bad / f"empty{number}.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 10)
    return bad


def test_a_first_build_with_nothing_readable_names_each_file_and_its_reason(tmp_path: Path) -> None:
    bad = _unreadable(tmp_path, 1)
    with pytest.raises(LawsearchError) as info:
        IndexWriter(tmp_path / "idx", embedder=HashEmbedder()).sync_folder(bad)
    message = str(info.value)
    assert "none of 2 file(s) could be read" in message and "\n" not in message
    assert f"{bad / 'binary.txt'}: " in message and f"{bad / 'empty0.txt'}: file is empty" in message

    result = _cli("index", str(bad), "--index", str(tmp_path / "idx"), "--json", "-q")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert "none of 2 file(s) could be read" in data["error"]
    assert sorted(Path(item["path"]).name for item in data["failed"]) == ["binary.txt", "empty0.txt"]
    assert all(item["reason"] for item in data["failed"])
    assert not (tmp_path / "idx" / CURRENT).exists()


def test_many_unreadable_files_are_named_up_to_a_count(tmp_path: Path) -> None:
    bad = _unreadable(tmp_path, 9)
    with pytest.raises(LawsearchError, match=r"none of 10 file\(s\) could be read.* and 5 more") as info:
        IndexWriter(tmp_path / "idx", embedder=HashEmbedder()).sync_folder(bad)
    assert str(info.value).count("file is empty") == 4


def test_every_writing_command_prints_its_error_as_json(corpus: Path, tmp_path: Path) -> None:
    index = _build(corpus, tmp_path / "idx")
    missing = tmp_path / "nothing"
    cases = {
        "remove": ["remove", "no-such-report", "--index", str(index), "--json"],
        "remove-no-index": ["remove", BINJIANG, "--index", str(missing), "--json"],
        "index-upgrade-with-src": ["index", str(corpus), "--upgrade", "--index", str(index), "--json"],
        "index-without-src": ["index", "--index", str(index), "--json"],
    }
    for name, args in cases.items():
        result = _cli(*args)
        assert result.exit_code == 1, (name, result.output)
        data = json.loads(result.stdout)
        assert data["error"] and data["ok"] is False, (name, data)
    result = _cli("check", "--index", str(missing), "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["ok"] is False and "no index" in result.stdout
    (index / CURRENT).write_text("gen-000009")  # damaged: writers refuse, and say so in JSON
    for args in (
        ["add", str(SEED_FILES[3]), "--index", str(index), "--json", "-q"],
        ["index", str(corpus), "--index", str(index), "--json", "-q"],
    ):
        result = _cli(*args)
        assert result.exit_code == 1 and "--repair" in json.loads(result.stdout)["error"], result.output
    (index / "gen-000001" / MANIFEST).write_text("{", encoding="utf-8")
    (index / CURRENT).write_text("gen-000001")
    shutil.rmtree(corpus)  # no source left to rebuild from
    result = _cli("check", "--repair", "--index", str(index), "--json", "-q")
    assert result.exit_code == 1 and "--rebuild" in json.loads(result.stdout)["error"], result.output


def test_vectors_of_a_kept_report_survive_the_rebuild_unchanged(corpus: Path, tmp_path: Path) -> None:
    """Keeping a report as it was copies its vectors, never a re-embedding with another model."""
    index, other = _add_from_elsewhere(corpus, tmp_path)
    old = np.load(report_paths(IndexFolder(index).current(), FOURTH)[1])
    other.unlink()
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True)
    assert np.array_equal(np.load(report_paths(IndexFolder(index).current(), FOURTH)[1]), old)


# -- 5. a generation that cannot be set aside --------------------------------------------------------------------------


def _refuse_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rename of a generation out of the way fails, as on a busy mount point."""

    def busy(self: IndexFolder, generation: Path) -> Path:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(generation))

    monkeypatch.setattr(IndexFolder, "set_aside", busy)


def _newest_generation_unreadable(corpus: Path, tmp_path: Path) -> Path:
    """gen-000001 sound, gen-000002 (one report more) committed with a manifest that does not parse."""
    index = _build(corpus, tmp_path / "idx")
    IndexWriter(index, embedder=HashEmbedder()).add_files([SEED_FILES[3]])
    (index / "gen-000002" / MANIFEST).write_text("{", encoding="utf-8")
    return index


def test_a_generation_that_cannot_be_set_aside_after_a_repair_rebuild_is_a_note_not_an_error(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _newest_generation_unreadable(corpus, tmp_path)
    report_paths(index / "gen-000001", WUHAN)[1].unlink()  # gen-000001 is damaged too: repair rebuilds from it
    _refuse_set_aside(monkeypatch)
    repair = IndexWriter(index, embedder=HashEmbedder()).repair()  # the commit stands: no "index is unchanged" error
    assert repair.action == "rebuilt" and repair.generation == "gen-000003"
    assert (index / CURRENT).read_text(encoding="utf-8") == "gen-000003"
    assert any(note.startswith("could not set gen-000002 aside (") and "by hand" in note for note in repair.notes), repair.notes
    assert (index / "gen-000002" / MANIFEST).is_file()
    assert sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])


def test_repair_does_not_point_below_a_generation_it_cannot_set_aside(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pointing CURRENT below it would let the next writer delete it: CURRENT stays, and the error says why."""
    index = _newest_generation_unreadable(corpus, tmp_path)
    before = _inventory(index)
    _refuse_set_aside(monkeypatch)
    with pytest.raises(IndexFolderError) as info:
        IndexWriter(index).repair()
    message = str(info.value)
    assert "could not set gen-000002 aside" in message and "CURRENT was left as it was" in message and "\n" not in message
    assert (index / CURRENT).read_text(encoding="utf-8") == "gen-000002" and _inventory(index) == before
    monkeypatch.undo()
    assert IndexWriter(index).repair().action == "repointed"


def test_index_rebuild_notes_a_damaged_generation_it_cannot_set_aside_and_prunes_nothing(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _build(corpus, tmp_path / "idx")
    (index / "gen-000001" / MANIFEST).write_text("{", encoding="utf-8")
    _refuse_set_aside(monkeypatch)
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True)
    assert summary.generation == "gen-000002"
    assert any(note.startswith("could not set gen-000001 aside (") for note in summary.notes), summary.notes
    assert (index / "gen-000001").is_dir() and sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])


# -- 6. a rebuild never takes the default model for one it cannot tell -------------------------------------------------


@pytest.mark.parametrize("damage", ["deleted", "embedder-record"])
def test_index_rebuild_refuses_to_guess_the_model_of_a_damaged_manifest(corpus: Path, tmp_path: Path, damage: str) -> None:
    index = _build(corpus, tmp_path / "idx")  # built with HashEmbedder, not the default model
    manifest = index / "gen-000001" / MANIFEST
    if damage == "deleted":
        manifest.unlink()
    else:  # it still parses, but its checksum fails and its embedder record disagrees with the stored vectors
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["embedder"]["dim"] = 32
        manifest.write_text(json.dumps(data), encoding="utf-8")
    before = _inventory(index)
    with pytest.raises(IndexFolderError) as info:
        IndexWriter(index).sync_folder(corpus, rebuild=True)
    message = str(info.value)
    assert "cannot be told" in message and "--model MODEL" in message and "\n" not in message, message
    result = _cli("index", str(corpus), "--rebuild", "--index", str(index), "-q")
    assert result.exit_code == 1 and "--model MODEL" in result.output, result.output
    assert _inventory(index) == before and not list(index.glob("damaged-*"))
    summary = IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True)  # given, it rebuilds
    assert summary.embedder == HashEmbedder.id and any("set gen-000001 aside" in note for note in summary.notes)


# -- 7. damage is told by its kind; a manifest unreadable for now is no damage ------------------------------------------


def test_damage_is_told_by_its_kind(corpus: Path, tmp_path: Path) -> None:
    index = _build(corpus, tmp_path / "idx")
    folder = IndexFolder(index)
    generation = folder.current()
    manifest = generation / MANIFEST

    def kind() -> str:
        with pytest.raises(DamagedIndexError) as info:
            folder.read_manifest(folder.current() if manifest.exists() else generation)
        return info.value.kind

    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["chunking"]["max_chars"] += 1  # whole JSON, whose checksum no longer matches
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert kind() == DamagedIndexError.MANIFEST_CHECKSUM
    _flip_inside_title(manifest)  # UTF-8 broken
    assert kind() == DamagedIndexError.MANIFEST_UNPARSEABLE
    manifest.write_text("[]", encoding="utf-8")
    assert kind() == DamagedIndexError.MANIFEST_UNPARSEABLE
    manifest.unlink()
    assert kind() == DamagedIndexError.MANIFEST_MISSING
    with pytest.raises(DamagedIndexError) as info:
        folder.current()  # CURRENT names a generation without a manifest: the manifest is what is damaged
    assert info.value.kind == DamagedIndexError.MANIFEST_MISSING
    (index / CURRENT).write_text("garbage", encoding="utf-8")
    with pytest.raises(DamagedIndexError) as info:
        folder.current()
    assert info.value.kind == DamagedIndexError.CURRENT


def _unreadable_for_now(manifest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``manifest`` refused to this process (EACCES): chmod 000, or, for root (whom modes do not stop), its reads refused."""
    if os.geteuid() != 0:
        manifest.chmod(0)
        return

    def refusing(read):
        def refused(self: Path, *args, **kwargs):
            if self == manifest:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
            return read(self, *args, **kwargs)

        return refused

    monkeypatch.setattr(Path, "read_text", refusing(Path.read_text))
    monkeypatch.setattr(Path, "read_bytes", refusing(Path.read_bytes))


def test_a_manifest_unreadable_for_now_stops_the_rebuild_and_nothing_is_set_aside(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _build(corpus, tmp_path / "idx")
    manifest = index / "gen-000001" / MANIFEST
    before = _inventory(index)
    _unreadable_for_now(manifest, monkeypatch)
    try:
        with pytest.raises(IndexFolderError) as info:
            IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus, rebuild=True)
        message = str(info.value)
        assert not isinstance(info.value, DamagedIndexError)
        assert message == f"cannot read {manifest}: {os.strerror(errno.EACCES)}", message
        rebuilt = _cli("index", str(corpus), "--rebuild", "--index", str(index), "-q")
        assert rebuilt.exit_code == 1 and os.strerror(errno.EACCES) in rebuilt.output and "damaged" not in rebuilt.output
        repaired = _cli("check", "--repair", "--index", str(index))
        assert repaired.exit_code == 1 and os.strerror(errno.EACCES) in repaired.output, repaired.output
    finally:
        monkeypatch.undo()
        manifest.chmod(0o644)
    assert _inventory(index) == before and not list(index.glob("damaged-*"))
    assert (index / CURRENT).read_text(encoding="utf-8") == "gen-000001"
    assert sorted(_reports(index)) == sorted([BINJIANG, WUHAN, SHANGYU])
