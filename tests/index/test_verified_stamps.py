"""A writer verifies the generation it builds on without hashing again the files a commit hashed and nothing changed
since (inode, size, modification time: index-root/verified.json); a file changed in place is still hashed and refused,
and `check` hashes every file whatever the stamps say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.errors import DamagedIndexError
from lawsearch.index import folder as folder_module
from lawsearch.index.folder import VERIFIED, IndexFolder
from lawsearch.index.writer import IndexWriter

from ..conftest import SEED_FILES
from ..fakes import HashEmbedder


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files hashed from now on."""
    names: list[str] = []
    real = folder_module.file_sha256

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(folder_module, "file_sha256", counting)
    return names


def test_an_update_hashes_only_what_it_writes(corpus: Path, tmp_path: Path, hashed: list[str]) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    assert (index / VERIFIED).is_file()
    before = IndexFolder(index).current()
    inodes = {(before / relative).stat().st_ino for relative in IndexFolder(index).read_manifest().files}
    hashed.clear()
    IndexWriter(index, embedder=HashEmbedder()).add_files([SEED_FILES[3]])  # a new writer: the stamps come from disk
    after = IndexFolder(index).current()
    linked = [relative for relative in IndexFolder(index).read_manifest().files if (after / relative).stat().st_ino in inodes]
    assert len(linked) >= 3 and hashed  # the other reports' files, linked from the generation before, and new ones
    assert not {Path(relative).name for relative in linked} & set(hashed)  # the linked ones were not read again


def test_a_file_changed_in_place_is_still_caught(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    generation = IndexFolder(index).current()
    target = next((generation / "reports").glob("*.json"))
    target.write_bytes(target.read_bytes().replace(b"\\u", b"\\U", 1) if b"\\u" in target.read_bytes() else target.read_bytes() + b" ")
    with pytest.raises(DamagedIndexError, match=target.name):
        IndexWriter(index, embedder=HashEmbedder()).add_files([SEED_FILES[3]])
    assert IndexFolder(index).current() == generation


def test_check_hashes_every_file_and_a_lost_stamp_file_is_no_harm(corpus: Path, tmp_path: Path, hashed: list[str]) -> None:
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder()).sync_folder(corpus)
    files = len(IndexFolder(index).read_manifest().files)
    hashed.clear()
    assert CliRunner().invoke(main, ["check", "--index", str(index)]).exit_code == 0
    assert len(hashed) >= files
    (index / VERIFIED).write_text("not json", encoding="utf-8")
    IndexWriter(index, embedder=HashEmbedder()).add_files([SEED_FILES[3]])  # everything hashed again, then fine
    assert IndexFolder(index).read_manifest().reports
    shutil.rmtree(index / IndexFolder(index).current().name / "lexical", ignore_errors=False)
    result = CliRunner().invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 1 and "lexical" in result.output
