"""Fault injection, in the spirit of SQLite's and Lucene's CheckIndex: every kind of file in a real index is
truncated, emptied, flipped or deleted, and then ``check`` must name it, writers must refuse to build on it,
``check --repair`` must restore what can be restored, and nothing else may be deleted. Never a traceback."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.index.folder import CURRENT, MANIFEST, VERIFIED, IndexFolder
from lawsearch.index.records import report_paths
from lawsearch.verify import verify_index

from ..conftest import SEED_FILES

NEW_REPORT = "某某区人社局2024年度法治政府建设情况报告\n一、主要工作\n全区首创“劳资纠纷云调解舱”，全年化解劳资纠纷860件。\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, seeds_index: Path) -> tuple[Path, Path]:
    """A real index of three seeds built in two commits (so two generations share files through hard links),
    and the folder of its sources."""
    root = tmp_path_factory.mktemp("faults")
    sources = root / "reports"
    sources.mkdir()
    for seed in SEED_FILES[:3]:
        shutil.copy(seed, sources / seed.name)
    index = root / "idx"
    index.mkdir()
    shutil.copy(seeds_index / "embeddings.sqlite", index / "embeddings.sqlite")  # only the new report is embedded
    _ok(CliRunner().invoke(main, ["index", str(sources), "--index", str(index), "-q"]))
    shutil.copy(SEED_FILES[3], sources / SEED_FILES[3].name)
    _ok(CliRunner().invoke(main, ["index", str(sources), "--index", str(index), "-q"]))
    (root / "new").mkdir()
    (root / "new" / "009_new.txt").write_text(NEW_REPORT, encoding="utf-8")
    return index, sources


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output


def _copy(index: Path, target: Path) -> Path:
    subprocess.run(["cp", "-a", str(index), str(target)], check=True)  # keeps the hard links between generations
    return target


def _inventory(index: Path) -> dict[int, str]:
    """Every file of the folder by inode: a renamed file keeps its inode, a deleted one is gone."""
    return {p.stat().st_ino: p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file()}


def _clean(result: Result) -> None:
    """Whatever the outcome, no traceback: an error is a message and an exit status."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# -- the files of an index, and the damage done to them ------------------------------------------------------


def _current(index: Path) -> Path:
    return index / CURRENT


def _manifest(index: Path) -> Path:
    return IndexFolder(index).current() / MANIFEST


def _report_file(kind: int) -> Callable[[Path], Path]:
    def find(index: Path) -> Path:
        generation = IndexFolder(index).current()
        return report_paths(generation, SEED_FILES[1].stem)[kind]

    return find


def _lexical(*patterns: str) -> Callable[[Path], Path]:
    """The last file of the lexical folder that a pattern matches (one pattern for Whoosh's files, one for tantivy's)."""

    def find(index: Path) -> Path:
        folder = IndexFolder(index).current() / "lexical"
        return sorted(path for pattern in patterns for path in folder.glob(pattern))[-1]

    return find


def _cache(index: Path) -> Path:
    return index / "embeddings.sqlite"


FILES: dict[str, Callable[[Path], Path]] = {
    "CURRENT": _current,
    "manifest": _manifest,
    "report-chunks": _report_file(0),
    "report-vectors": _report_file(1),
    "lexical-contents": _lexical("*.toc", "meta.json"),  # Whoosh's table of contents, tantivy's list of segments
    "lexical-segment": _lexical("*.seg", "*.term"),
    "vocabulary": _lexical("vocabulary.json"),
    "embedding-cache": _cache,
}


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for position in {0, len(data) // 3, len(data) // 2, len(data) - 1}:
        data[position] ^= 0x5A
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncate": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "flip": _flip,
    "delete": lambda p: p.unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("kind", FILES)
def test_damage_is_named_refused_and_repaired(pristine: tuple[Path, Path], tmp_path: Path, kind: str, damage: str) -> None:
    index = _copy(pristine[0], tmp_path / "idx")
    new_report = pristine[0].parent / "new" / "009_new.txt"
    target = FILES[kind](index)
    DAMAGE[damage](target)
    before = _inventory(index)
    runner = CliRunner()
    harmless = kind == "embedding-cache" and damage in ("delete", "empty")  # a missing or empty cache is rebuilt

    check = runner.invoke(main, ["check", "--index", str(index)])
    _clean(check)
    if harmless:
        assert check.exit_code == 0, check.output
    else:
        assert check.exit_code == 1
        named = target.name if kind not in ("report-chunks", "report-vectors") else SEED_FILES[1].stem
        assert named in check.output, check.output
        assert "--repair" in check.output

        writer = runner.invoke(main, ["add", str(new_report), "--index", str(index), "-q"])
        _clean(writer)
        assert writer.exit_code == 1
        assert "damaged" in writer.output and "--repair" in writer.output, writer.output
        assert _inventory(index) == before  # the refused writer left nothing behind and deleted nothing

    repair = runner.invoke(main, ["check", "--repair", "--index", str(index), "-q"])
    _clean(repair)
    assert repair.exit_code == 0, repair.output
    problems, chunks = verify_index(index)
    assert problems == [] and chunks > 0
    after = _inventory(index)
    lost = {before[inode] for inode in set(before) - set(after)}
    assert lost <= {CURRENT, VERIFIED}, lost  # nothing else deleted (CURRENT and the stamps are rewritten by each commit)
    if kind == "embedding-cache" and not harmless:
        assert any(name.startswith("embeddings.sqlite.damaged-") for name in after.values())
    with LawSearch.open(index) as engine:
        assert any(hit.report_id == SEED_FILES[0].stem for hit in engine.search('"调解员联盟"', mode="lexical"))
        assert len(engine.search("行政复议", mode="hybrid")) > 0
        if kind not in ("manifest", "CURRENT"):  # the damaged report came back, from its recorded file
            assert SEED_FILES[1].stem in engine.manifest.reports and SEED_FILES[3].stem in engine.manifest.reports
    _ok(runner.invoke(main, ["add", str(new_report), "--index", str(index), "-q"]))  # writers work again


def test_a_lost_pointer_is_never_taken_for_a_first_build(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    """The data-loss bug: with CURRENT gone every writer used to clear every generation."""
    index = _copy(pristine[0], tmp_path / "idx")
    generations = sorted(p.name for p in index.glob("gen-*"))
    for content in (None, "", "gen-0000", "\x00\xff garbage", "gen-999999"):
        if content is None:
            (index / CURRENT).unlink()
        else:
            (index / CURRENT).write_bytes(content.encode("utf-8", "surrogateescape"))
        for command in (["index", str(pristine[1]), "-q"], ["add", str(SEED_FILES[4]), "-q"], ["remove", SEED_FILES[0].stem]):
            result = CliRunner().invoke(main, [*command, "--index", str(index)])
            assert result.exit_code == 1 and "--repair" in result.output, result.output
            assert sorted(p.name for p in index.glob("gen-*")) == generations
        search = CliRunner().invoke(main, ["search", "调解", "--index", str(index), "--mode", "lexical"])
        assert search.exit_code == 1 and "--repair" in search.output
    repair = CliRunner().invoke(main, ["check", "--repair", "--index", str(index)])
    assert repair.exit_code == 0 and generations[-1] in repair.output, repair.output
    assert (index / CURRENT).read_text() == generations[-1]


def test_a_first_build_that_died_is_cleared(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    """Generations without a manifest and no CURRENT: an interrupted first build, which the next writer clears."""
    index = tmp_path / "idx"
    (index / "gen-000001" / "reports").mkdir(parents=True)
    (index / "gen-000001" / "reports" / "half.json").write_text("[")
    _ok(CliRunner().invoke(main, ["index", str(pristine[1]), "--index", str(index), "-q"]))
    assert sorted(p.name for p in index.glob("gen-*")) == ["gen-000001"]
    assert not (index / "gen-000001" / "reports" / "half.json").exists()
    assert verify_index(index)[0] == []


def test_repair_without_any_readable_manifest_says_what_to_do(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    index = _copy(pristine[0], tmp_path / "idx")
    for manifest in index.glob(f"gen-*/{MANIFEST}"):
        manifest.write_text("{", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--repair", "--index", str(index)])
    _clean(result)
    assert result.exit_code == 1 and "--rebuild" in result.output
    assert len(list(index.glob("gen-*"))) == 2  # nothing deleted


def test_a_report_whose_source_is_gone_is_dropped_and_listed(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    index = _copy(pristine[0], tmp_path / "idx")
    sources = _copy(pristine[1], tmp_path / "reports")
    _ok(CliRunner().invoke(main, ["index", str(sources), "--index", str(index), "-q", "--rebuild"]))
    report_paths(IndexFolder(index).current(), SEED_FILES[1].stem)[1].unlink()
    (sources / SEED_FILES[1].name).unlink()
    result = CliRunner().invoke(main, ["check", "--repair", "--index", str(index)])
    assert result.exit_code == 1 and f"dropped: {SEED_FILES[1].stem}" in result.output, result.output
    assert verify_index(index)[0] == []
    with LawSearch.open(index) as engine:
        assert SEED_FILES[1].stem not in engine.manifest.reports and SEED_FILES[0].stem in engine.manifest.reports


def test_an_old_format_index_opens_with_advice_and_upgrades(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    from ..conftest import edit_manifest

    index = _copy(pristine[0], tmp_path / "idx")
    edit_manifest(index, lambda manifest: setattr(manifest, "format_version", 2))
    result = CliRunner().invoke(main, ["search", "调解", "--index", str(index)])
    assert result.exit_code == 1 and "lawsearch index --upgrade" in result.output
    upgraded = CliRunner().invoke(main, ["index", "--upgrade", "--index", str(index), "--json"])
    assert upgraded.exit_code == 0, upgraded.output
    assert verify_index(index)[0] == []
    with LawSearch.open(index) as engine:
        assert len(engine.manifest.reports) == 4


def test_a_full_embedding_cache_is_reported_as_full_not_damaged(
    pristine: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full", made real with a page limit: the message must not say "damaged"."""
    import sqlite3

    from lawsearch.index import cache

    index = _copy(pristine[0], tmp_path / "idx")
    connect = sqlite3.connect

    def small(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = connect(*args, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(cache.sqlite3, "connect", small)
    before = _inventory(index)
    result = CliRunner().invoke(main, ["add", str(pristine[0].parent / "new" / "009_new.txt"), "--index", str(index), "-q"])
    assert result.exit_code == 1 and "full" in result.output and "damaged" not in result.output, result.output
    assert _inventory(index) == before
