"""Ctrl-C during a first build, then the same command again: the second run takes from the embedding cache every
vector the first one committed (a batch at a time) and embeds only the rest.

A real subprocess with the bundled embedder and a real SIGINT; it waits on what the build has done (rows committed
to ``embeddings.sqlite``), never on fixed sleeps, so that a slow machine only makes it slower.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lawsearch.engine import LawSearch
from lawsearch.index.cache import CACHE_FILE
from lawsearch.index.folder import IndexFolder

from ..conftest import SEED_FILES

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT to a subprocess")

FIRST_ROWS_TIMEOUT = 240  # model load and the first batch, on a slow, busy machine
EXIT_TIMEOUT = 120  # after SIGINT: the batch in flight ends, then the process
BUILD_TIMEOUT = 600


def _index_command(src: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "lawsearch.cli", "index", str(src), "--index", str(index), "--json", "-q"]


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("LAWSEARCH_CRASH_AT", "LAWSEARCH_INDEX")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _sigint_as_ctrl_c() -> None:
    """In the child: SIGINT back to its default, so that Python turns it into KeyboardInterrupt. A process started
    in the background of a non-interactive shell inherits SIGINT *ignored*, and Python keeps it so: such a build is
    not interrupted at all, finishes, and the re-run has nothing to take from the cache."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cached_rows(index: Path) -> int | None:
    """Rows committed to the embedding cache, read-only; None while the file is not there or cannot be read now
    (a writer's lock)."""
    path = index / CACHE_FILE
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'vectors'").fetchone() is None:
                return 0
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return None


def test_an_interrupted_first_build_resumes_from_what_it_embedded(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for seed in SEED_FILES[:3]:  # about 200 sentence vectors: a dozen batches, a re-run well under a minute
        shutil.copy(seed, reports / seed.name)
    index = tmp_path / "idx"
    command = _index_command(reports, index)

    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(), preexec_fn=_sigint_as_ctrl_c
    )
    try:
        deadline = time.monotonic() + FIRST_ROWS_TIMEOUT
        while not (_cached_rows(index) or 0) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, f"the build ended before it could be interrupted: {process.communicate()}"
        assert _cached_rows(index), f"no vector committed to the cache within {FIRST_ROWS_TIMEOUT} s"
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the build did not stop within {EXIT_TIMEOUT} s of SIGINT")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode != 0 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err  # one line (click's "Aborted!"), no summary on stdout
    assert out.strip() == ""
    assert not IndexFolder(index).exists()  # nothing committed, and no unfinished generation left behind
    assert list(index.glob("gen-*")) == [] and not (index / f"{CACHE_FILE}-journal").exists()
    committed = _cached_rows(index)
    assert committed, "the rows committed before Ctrl-C are gone"

    done = subprocess.run(command, capture_output=True, text=True, env=_environment(), timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    with LawSearch.open(index) as engine:
        passages = engine.info()["vectors"]  # one vector a sentence: every passage embedded or taken from the cache
        hits = engine.search("调解员联盟", mode="lexical")
    assert 0 < committed < passages  # the first run was interrupted mid-way
    assert summary["from_cache"] == committed  # every vector committed before Ctrl-C (the seeds repeat no sentence)
    assert summary["embedded"] + summary["from_cache"] == passages == _cached_rows(index)
    assert sorted(summary["added"]) == sorted(path.stem for path in reports.iterdir())
    assert hits and hits[0].report_id == SEED_FILES[0].stem
