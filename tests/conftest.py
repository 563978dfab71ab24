from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lawsearch.pipeline import ParsedReport, parse_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with copies of the first three seeds, free to change."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in SEED_FILES[:3]:
        shutil.copy(seed, folder / seed.name)
    return folder


@pytest.fixture(scope="session")
def parsed_seeds() -> dict[str, ParsedReport]:
    return {path.stem: parse_report(path) for path in SEED_FILES}
