"""The README's shell examples are true: every block marked ``<!-- test: run -->`` runs, command by command.

Marked blocks are the ones that can run here (no hub model, no ``lawsearch serve``, no GPU). Each runs in a
scratch folder that looks like a fresh clone after the install: copies of ``seeds/``, ``eval/`` and
``tests/corpus/``, and ``indexes/default`` a copy of the session's seeds index, so that nothing a command writes
(an index, ``regions.csv`` …) reaches the repository or the shared fixture. ``lawsearch`` is the venv's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = "<!-- test: run -->"
# Removing markers, or emptying the marked blocks, fails test_readme_marks_its_runnable_blocks.
MIN_BLOCKS = 3
MIN_COMMANDS = 12
# What the marked commands may read, copied into the scratch clone.
INPUTS = ("seeds", "eval", "tests/corpus")
TIMEOUT_S = 300

_BLOCK = re.compile(r"^" + re.escape(MARKER) + r"[ \t]*\n```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    commands: tuple[str, ...]


def commands_of(lang: str, body: str) -> list[str]:
    """The commands of a fenced block: ``$ `` lines of a console block (the other lines are output), every
    non-blank, non-comment line of a bash/sh block."""
    lines = body.splitlines()
    if lang == "console":
        return [line[2:].strip() for line in lines if line.startswith("$ ")]
    if lang in ("bash", "sh", "shell"):
        return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    raise AssertionError(f"README: a block marked {MARKER!r} must be console, bash or sh, not {lang!r}")


def marked_blocks(text: str) -> list[Block]:
    blocks = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 2  # the opening fence, 1-based
        blocks.append(Block(line, match.group(1), tuple(commands_of(match.group(1), match.group(2)))))
    return blocks


BLOCKS = marked_blocks(README.read_text(encoding="utf-8"))


def test_readme_marks_its_runnable_blocks() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(MARKER) == len(BLOCKS), f"every {MARKER!r} must stand on the line just before a ``` fence"
    assert len(BLOCKS) >= MIN_BLOCKS, f"README has {len(BLOCKS)} blocks marked {MARKER!r}, expected ≥ {MIN_BLOCKS}"
    count = sum(len(block.commands) for block in BLOCKS)
    assert count >= MIN_COMMANDS, f"README's marked blocks hold {count} commands, expected ≥ {MIN_COMMANDS}"


def test_marked_commands_stay_in_their_folder() -> None:
    """Commands use relative paths only, so running them in the scratch clone cannot write into the repository."""
    for block in BLOCKS:
        for command in block.commands:
            assert not re.search(r"(^|\s)[~/]|\.\./", command), f"README.md:{block.line}: {command}"
            assert not re.search(r"\bserve\b|--model\b|--device\b|--allow-download\b", command), (
                f"README.md:{block.line}: cannot run here, leave it unmarked: {command}"
            )


@pytest.fixture
def clone(tmp_path: Path, seeds_index: Path) -> Path:
    """A scratch folder shaped like a fresh clone after the install, whose default index holds the seeds."""
    folder = tmp_path / "clone"
    for name in INPUTS:
        shutil.copytree(ROOT / name, folder / name)
    shutil.copytree(seeds_index, folder / "indexes" / "default")
    return folder


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{block.line}" for block in BLOCKS])
def test_readme_block_runs(block: Block, clone: Path) -> None:
    env = dict(os.environ)
    env.pop("LAWSEARCH_INDEX", None)  # the commands use ./indexes/default, as in a fresh clone
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    for command in block.commands:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        assert done.returncode == 0, (
            f"README.md:{block.line}: `{command}` exited {done.returncode}\n"
            f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
        )
