#!/usr/bin/env python
"""Search speed on the seeds index: in-process query latency per mode and cold `lawsearch search` wall time.

    .venv/bin/python scripts/bench_search.py [--index indexes/default] [--repeats 50] [--cold-runs 5]

Targets: hybrid query p50 <= 15 ms in process; cold CLI search <= 1.0 s. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lawsearch.engine import LawSearch  # noqa: E402
from lawsearch.store import IndexFolder  # noqa: E402

QUERIES = [
    "哪些地区建立了调解员联盟", "行政执法三项制度", "劳动关系风险监测预警", "政务服务事项下沉到街道社区办理",
    "给被裁员的企业上劳动法课", '"调解员联盟"', "重大行政决策程序", "普法责任清单",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=str(ROOT / "indexes/default"))
    parser.add_argument("--repeats", type=int, default=50, help="timed passes over the query list per mode")
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    if not IndexFolder(args.index).exists():
        print(f"building {args.index} from seeds/ …", file=sys.stderr)
        LawSearch.build(ROOT / "seeds", args.index).close()
    with LawSearch.open(args.index) as engine:
        engine.search(QUERIES[0], mode="hybrid")  # load the model, warm the caches
        print(f"index: {args.index} ({engine.info()['chunks']} chunks)")
        print(f"{'mode':<8}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
        for mode in ("lexical", "dense", "hybrid"):
            times = []
            for _ in range(args.repeats):
                for query in QUERIES:
                    start = time.perf_counter()
                    engine.search(query, mode=mode, top_k=10)
                    times.append((time.perf_counter() - start) * 1000)
            print(f"{mode:<8}{percentile(times, 0.5):>9.2f}{percentile(times, 0.95):>9.2f}{statistics.mean(times):>9.2f}")

    script = Path(sys.executable).parent / "lawsearch"
    walls = []
    for _ in range(args.cold_runs):
        start = time.perf_counter()
        subprocess.run([str(script), "search", QUERIES[0], "--index", args.index, "--top-k", "5"], check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    print(f"cold `lawsearch search` (hybrid): median {statistics.median(walls):.3f} s, min {min(walls):.3f} s over {args.cold_runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
