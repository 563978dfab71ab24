from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from lawsearch.engine import LawSearch
from lawsearch.index.folder import MANIFEST, IndexFolder, Manifest, write_text_atomic
from lawsearch.read import ParsedReport, parse_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def copy_dev_reports(folder: Path) -> Path:
    """The seeds and the eight provincial reports copied into ``folder`` (made), which is returned."""
    folder.mkdir()
    for path in [*SEED_FILES, *sorted((ROOT / "tests" / "corpus" / "provincial-2026").glob("*.txt"))]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with copies of the first three seeds, free to change."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEED_FILES[:3]:
        shutil.copy(seed, folder / seed.name)
    return folder


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the five seeds with the bundled embedder, built once for the whole run: read it, or copy its
    embedding cache so that other builds embed only what is new; never change it."""
    folder = tmp_path_factory.mktemp("seeds-index") / "seeds"
    LawSearch.build(SEEDS, folder).close()
    return folder


@pytest.fixture(scope="session")
def parsed_seeds() -> dict[str, ParsedReport]:
    return {path.stem: parse_report(path) for path in SEED_FILES}


def edit_manifest(index: Path, change: Callable[[Manifest], None]) -> None:
    """Change the committed manifest of ``index`` as a writer would (checksum kept right), to set up a test."""
    folder = IndexFolder(index)
    generation = folder.current()
    manifest = folder.read_manifest(generation, any_format=True)
    change(manifest)
    write_text_atomic(generation / MANIFEST, manifest.to_text())


@pytest.fixture(scope="session")
def index_dir(seeds_index: Path) -> Path:
    """The seeds index (real embedder), for tests that only read it."""
    return seeds_index


@pytest.fixture(scope="session")
def engine(index_dir: Path) -> LawSearch:
    """The seeds index, opened once."""
    return LawSearch.open(index_dir)


@pytest.fixture(scope="session")
def seeds_shards(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds as a set of two shards with the bundled embedder (the vectors from the seeds index's cache), built
    once for the whole run: read it or copy it; never change it."""
    from lawsearch.index.cache import CACHE_FILE
    from lawsearch.index.shardset import ShardSet
    from lawsearch.search.sharded import ShardedSearch

    folder = tmp_path_factory.mktemp("seeds-shards") / "set"
    for shard in ShardSet.create(folder, 2).paths:
        shard.mkdir()
        shutil.copy(seeds_index / CACHE_FILE, shard / CACHE_FILE)
    ShardedSearch.build(SEEDS, folder).close()
    return folder
