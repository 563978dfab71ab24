#!/usr/bin/env python
"""Build time on a local Ray cluster of 1, 2 and 4 worker CPUs against the build without Ray, in one run.

    .venv/bin/python scripts/bench_ray.py [FOLDER ...] [--workers 1,2,4] [--work DIR]

Each build indexes the report folders given (default: seeds/) into a fresh index with a fresh embedding cache, with
the bundled model, as `lawsearch index --ray` would: a local cluster started with that many CPUs (``ray.init(
num_cpus=N)``), one embedding actor per CPU, the reading in Ray tasks. Printed: wall time of each build, its passages
embedded and passages/s, and the speed-up against 1 worker. On a machine of two cores more than 2 workers cannot help:
the figure says so rather than hides it. The cluster's start (a few seconds) is inside each build's time, as a user
pays it.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawsearch.index.writer import IndexWriter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def build(folders: list[Path], index: Path, workers: int | None) -> tuple[float, int, int]:
    """(seconds, passages embedded, reports) of one build; ``workers``: a local Ray cluster of that many CPUs, or None."""
    started = time.perf_counter()
    if workers is not None:
        import ray

        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        writer = IndexWriter(index, vectors="now", ray="local" if workers is not None else None)
        added = 0
        embedded = 0
        for folder in folders:
            summary = writer.sync_folder(folder)
            added += len(summary.added)
            embedded += summary.embedding.embedded
    finally:
        if workers is not None:
            import ray

            ray.shutdown()
    return time.perf_counter() - started, embedded, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "seeds"])
    parser.add_argument("--workers", default="1,2,4", help="worker CPUs of each cluster, comma-separated")
    parser.add_argument("--work", type=Path, default=None, help="where the indexes go (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ray-"))
    runs: list[tuple[str, int | None]] = [("no Ray", None)] + [(f"Ray, {n} worker(s)", n) for n in map(int, args.workers.split(","))]
    rows = []
    for name, workers in runs:
        index = work / f"idx-{workers or 0}"
        shutil.rmtree(index, ignore_errors=True)
        seconds, embedded, reports = build(args.folders, index, workers)
        rows.append((name, workers, seconds, embedded, reports))
        print(f"{name}: {seconds:.1f} s, {reports} reports, {embedded} passages embedded", flush=True)
    one = next((seconds for _, workers, seconds, _, _ in rows if workers == 1), None)
    print(f"\n{', '.join(str(f) for f in args.folders)}; work folder {work}")
    print("| build | wall s | passages embedded | passages/s of the whole build | speed-up vs 1 worker |")
    print("|---|---|---|---|---|")
    for name, _, seconds, embedded, _ in rows:
        speedup = f"{one / seconds:.2f}×" if one else "—"
        print(f"| {name} | {seconds:.1f} | {embedded:,} | {embedded / seconds:.1f} | {speedup} |")


if __name__ == "__main__":
    main()
