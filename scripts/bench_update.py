#!/usr/bin/env python
"""Update speed: adding one report to an index of 5 reports and of N synthetic ones, and a no-change re-run.

    .venv/bin/python scripts/bench_update.py [--reports 200] [--repeats 3]

The large index holds the 5 seeds plus N-5 reports from scripts/synth.py (seed paragraphs recombined
under other region names); its embedding cache starts with the seeds' vectors, so building it embeds
only the texts the recombination makes new. The added report is another synthetic one. Each add is
timed in process (jieba and the model already loaded) and as a cold `lawsearch add` command, and
removed again before the next repeat. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from synth import synthesize  # noqa: E402

from lawsearch.cache import CACHE_FILE  # noqa: E402
from lawsearch.writer import IndexWriter  # noqa: E402

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")


def timed(action) -> float:  # noqa: ANN001 - any callable
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(index: Path, report: Path, corpus: Path, repeats: int) -> dict[str, float]:
    in_process, cold = [], []
    for _ in range(repeats):
        in_process.append(timed(lambda: IndexWriter(index).add_files([report])))
        IndexWriter(index).remove([report.stem])
        cold.append(timed(lambda: subprocess.run([LAWSEARCH, "add", str(report), "--index", str(index), "-q"], check=True, capture_output=True)))
        IndexWriter(index).remove([report.stem])
    rerun = timed(lambda: subprocess.run([LAWSEARCH, "index", str(corpus), "--index", str(index), "-q"], check=True, capture_output=True))
    return {"add": statistics.median(in_process), "add_cli": statistics.median(cold), "rerun_cli": rerun}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small_corpus, big_corpus = work / "small", work / "big"
        shutil.copytree(ROOT / "seeds", small_corpus)
        shutil.copytree(ROOT / "seeds", big_corpus)
        synthesize(big_corpus, args.reports - 5)
        extra = synthesize(work / "extra", args.reports + 1)[-1]  # a report neither index holds

        small, big = work / "idx-small", work / "idx-big"
        print(f"building the {5}-report index …", file=sys.stderr)
        build_small = timed(lambda: IndexWriter(small).sync_folder(small_corpus))
        big.mkdir()
        shutil.copy(small / CACHE_FILE, big / CACHE_FILE)
        print(f"building the {args.reports}-report index …", file=sys.stderr)
        summary = None

        def build_big() -> None:
            nonlocal summary
            summary = IndexWriter(big).sync_folder(big_corpus)

        build_big_seconds = timed(build_big)
        assert summary is not None
        print(f"built: 5 reports in {build_small:.1f} s; {args.reports} reports in {build_big_seconds:.1f} s "
              f"({summary.chunks} chunks, {summary.embedding.embedded} embedded, {summary.embedding.cached} from the cache)")
        figures = {5: measure(small, extra, small_corpus, args.repeats), args.reports: measure(big, extra, big_corpus, args.repeats)}

    print(f"{'reports':>8}{'add (in process) s':>20}{'lawsearch add s':>17}{'no-change index s':>19}")
    for count, f in figures.items():
        print(f"{count:>8}{f['add']:>20.3f}{f['add_cli']:>17.3f}{f['rerun_cli']:>19.3f}")
    small_f, big_f = figures[5], figures[args.reports]
    print(f"ratio {args.reports}/5: add {big_f['add'] / small_f['add']:.2f}, lawsearch add {big_f['add_cli'] / small_f['add_cli']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
