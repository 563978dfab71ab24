#!/usr/bin/env python
"""What searching a shard set costs against one index of the same reports: the merge overhead per query.

    .venv/bin/python scripts/bench_shards.py [FOLDER ...] [--shards 3] [--modes lexical,hybrid] [--ray] [--work DIR]
    .venv/bin/python scripts/bench_shards.py --one INDEX --set SET [--questions FILE ...] --modes lexical

Builds (or reuses, in ``--work``) one index and a set of ``--shards`` shards of the report folders given (default: the
seeds and the provincial dev reports) with the bundled model; the set takes its vectors from the single index's
embedding cache. Then every question of the dev sets (eval/*-dev*.jsonl) is searched once to warm up and once timed,
in each mode, on the index, on the set with its shards in this process, and with ``--ray`` on the set with its shards
as actors of a local Ray cluster. Printed per mode: p50 and p95 of the warm latency in ms, and the overhead of each
set against the index (the difference of the medians, and the median of the per-question differences). Also checked:
that the top 10 hits are the same. ``--one`` and ``--set`` take indexes built already (e.g. a large collection built
with ``lawsearch index … --vectors later``, and the same with ``--shards N``), ``--questions`` other question files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawsearch.engine import LawSearch  # noqa: E402
from lawsearch.index.cache import CACHE_FILE  # noqa: E402
from lawsearch.index.shardset import ShardSet  # noqa: E402
from lawsearch.index.writer import IndexWriter  # noqa: E402
from lawsearch.search.sharded import ShardedSearch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_SETS = ("seeds-dev.jsonl", "seeds-dev-regions.jsonl", "provincial-dev.jsonl", "provincial-dev-regions.jsonl")


def build(folders: list[Path], work: Path, shards: int) -> tuple[Path, Path]:
    """The single index and the shard set in ``work`` (built when missing); wall times printed."""
    one, sharded = work / "one", work / f"set-{shards}"
    if not one.exists():
        started = time.perf_counter()
        writer = IndexWriter(one, vectors="now")
        for folder in folders:
            writer.sync_folder(folder)
        print(f"one index: built in {time.perf_counter() - started:.1f} s")
    if not sharded.exists():
        for path in ShardSet.create(sharded, shards).paths:  # the vectors come from the single index's cache
            path.mkdir()
            shutil.copy(one / CACHE_FILE, path / CACHE_FILE)
        started = time.perf_counter()
        for folder in folders:
            ShardedSearch.build(folder, sharded).close()
        print(f"{shards} shards: built in {time.perf_counter() - started:.1f} s (vectors from the cache)")
    return one, sharded


def timed(search: Callable[[str, str], object], questions: list[str], mode: str) -> list[float]:
    """Milliseconds of each question's second search (the first warms caches and the model)."""
    for question in questions:
        search(question, mode)
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question, mode)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "seeds", ROOT / "tests" / "corpus" / "provincial-2026"])
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--modes", default="lexical,hybrid")
    parser.add_argument("--ray", action="store_true", help="also the set with its shards on a local Ray cluster")
    parser.add_argument("--work", type=Path, default=None, help="where the indexes go (default: a temporary folder)")
    parser.add_argument("--one", type=Path, default=None, help="an index built already (with --set)")
    parser.add_argument("--set", type=Path, default=None, help="a shard set of the same reports built already (with --one)")
    parser.add_argument("--questions", nargs="*", type=Path, default=[ROOT / "eval" / name for name in DEV_SETS])
    args = parser.parse_args()
    if (args.one is None) != (args.set is None):
        parser.error("give both --one and --set, or neither")
    if args.one is not None:
        one, sharded = args.one, args.set
    else:
        one, sharded = build(args.folders, args.work or Path(tempfile.mkdtemp(prefix="bench-shards-")), args.shards)
    questions = [json.loads(line)["query"] for path in args.questions for line in path.open(encoding="utf-8")]
    engines: dict[str, LawSearch] = {"one index": LawSearch.open(one)}
    count = ShardSet.read(sharded).count
    started = time.perf_counter()
    engines[f"{count} shards here"] = ShardedSearch.open(sharded)
    print(f"the set opened in {time.perf_counter() - started:.2f} s")
    if args.ray:
        engines[f"{count} shards on Ray"] = ShardedSearch.open(sharded, ray="local")
    print(f"{len(questions)} questions; {len(engines['one index'].manifest.reports)} reports; warm latency, ms")
    print(f"{'mode':<8} {'searched':<18} {'p50':>7} {'p95':>7} {'overhead p50':>13} {'per question p50':>17} {'same top 10':>12}")
    for mode in args.modes.split(","):
        base = timed(lambda q, m: engines["one index"].search(q, mode=m), questions, mode)
        reference = [[hit.chunk_id for hit in engines["one index"].search(q, mode=mode).hits] for q in questions]
        print(f"{mode:<8} {'one index':<18} {statistics.median(base):7.1f} {p95(base):7.1f}")
        for name, engine in list(engines.items())[1:]:
            engine._queries = engines["one index"]._queries  # one query model, loaded once
            times = timed(lambda q, m, engine=engine: engine.search(q, mode=m), questions, mode)
            same = sum(
                [hit.chunk_id for hit in engine.search(q, mode=mode).hits] == ref for q, ref in zip(questions, reference, strict=True)
            )
            each = statistics.median(t - b for t, b in zip(times, base, strict=True))
            print(
                f"{mode:<8} {name:<18} {statistics.median(times):7.1f} {p95(times):7.1f} "
                f"{statistics.median(times) - statistics.median(base):+13.1f} {each:+17.1f} {same:>6}/{len(questions)}"
            )
    for engine in engines.values():
        engine.close()


if __name__ == "__main__":
    main()
