from __future__ import annotations

from pathlib import Path

import pytest

from lawsearch.pipeline import ParsedReport, parse_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def parsed_seeds() -> dict[str, ParsedReport]:
    return {path.stem: parse_report(path) for path in SEED_FILES}
