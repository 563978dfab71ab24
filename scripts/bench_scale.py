#!/usr/bin/env python
"""Indexing at scale: build, open, search and update figures of the shared gov-reports collection at several sizes.

    mkdir -p /tmp/gov && [ -d /tmp/gov/五年规划 ] || tar -xJf /work/shared/corpora/gov-reports/gov-reports.tar.xz -C /tmp/gov
    .venv/bin/python scripts/bench_scale.py [--sizes 300,1000,all] [--lexical whoosh|tantivy] [--collection /tmp/gov]
        [--work DIR] [--real-sample 200]

What it does, exactly:
- sample: the collection's reports ordered by the sha1 of their path (deterministic, so every size holds the smaller
  ones); the last one is held out as the report added and removed again; a size takes the first N of the others,
  hard-linked into WORK/corpus-N with their paths (report ids are paths: ids never collide).
- build: words first, as `lawsearch index --vectors later` does (read, chunk, lexical index with --lexical, records
  written and committed: the index is searchable from then on), then the vectors, as `lawsearch embed` does.
- vectors: real e5-small vectors of a whole collection take hours on a CPU, so every index here is built with
  StandInEmbedder (character bigrams hashed into 384 dimensions, its own EmbedderSpec kind `bench-standin`): the
  figures measure the machinery. `--real-sample N` embeds N of the passages a build embeds with the bundled model and
  projects the full embedding time of each size from its vector count (and times one real query embedding).
- every step runs in a child process (this script with --child, or the `lawsearch` command) with a time limit
  (`--timeout`, a step past it reads "> N s"); wall time and peak RSS come from os.wait4.
Prints one Markdown row per size; S marks figures that depend on the stand-in's vectors. Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")
QUESTION = "哪些地区建立了调解员联盟"


class StandInEmbedder:
    """Benchmark stand-in: character bigrams hashed into 384 dimensions, L2-normalised, deterministic and fast. Its
    EmbedderSpec kind (``bench-standin``) is no real model's, so its index can never pass for a real one."""

    dim = 384

    def __init__(self) -> None:
        from lawsearch.embed import EmbedderSpec

        self.spec = EmbedderSpec(
            kind="bench-standin", name="bench-standin-bigrams-384", path=None, revision="bigram-hash-v1", dim=384,
            normalized=True, query_prefix="", passage_prefix="",
        )  # fmt: skip
        self.seconds, self.passages = 0.0, 0

    def _embed(self, texts: Any) -> Any:
        import numpy as np

        start = time.perf_counter()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            codes = np.frombuffer(("\0" + text).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            out[row] = np.bincount((codes[:-1] * 7919 + codes[1:]) % self.dim, minlength=self.dim)
        out[out.sum(axis=1) == 0, 0] = 1.0  # an empty text: a fixed unit vector
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.seconds += time.perf_counter() - start
        return out

    def embed_passages(self, texts: Any) -> Any:
        self.passages += len(texts)
        return self._embed(texts)

    def embed_queries(self, texts: Any) -> Any:
        return self._embed(texts)


def install_standin() -> None:
    """Let this process load an index built with the stand-in (a reader or writer loads the recorded embedder)."""
    import lawsearch.embed
    import lawsearch.index.writer

    real = lawsearch.embed.load_recorded

    def load_recorded(spec: Any, *, device: str | None = None) -> Any:
        return StandInEmbedder() if spec.kind == "bench-standin" else real(spec, device=device)

    lawsearch.embed.load_recorded = lawsearch.index.writer.load_recorded = load_recorded


def child(step: str, args: list[str]) -> Any:
    """One measured step, in its own process; returns what it prints as JSON."""
    if step == "cli":  # the `lawsearch` command, able to load the stand-in
        install_standin()
        sys.argv = ["lawsearch", *args]
        from lawsearch.cli import main

        return main()
    from bench import query_latency, timed  # scripts/bench.py

    from lawsearch.engine import LawSearch
    from lawsearch.index.writer import IndexWriter

    install_standin()
    if step == "build":  # words first: searchable once this commits
        start = time.perf_counter()
        summary = IndexWriter(args[1], embedder=StandInEmbedder(), vectors="later", lexical=args[2]).sync_folder(args[0])
        failed = [f"{path}: {why}" for path, why in summary.failed]
        return {"build_s": time.perf_counter() - start, "chunks": summary.chunks, "added": len(summary.added), "failed": failed}
    if step == "vectors":  # then the vectors, batch by batch, as `lawsearch embed` makes them
        embedder = StandInEmbedder()
        start = time.perf_counter()
        IndexWriter(args[0], embedder=embedder).embed_pending()
        return {"vectors_s": time.perf_counter() - start, "standin_s": embedder.seconds, "passages": embedder.passages}
    if step == "open":
        start = time.perf_counter()
        with LawSearch.open(args[0]) as engine:
            opened = time.perf_counter() - start
            return {"open_s": opened, "vectors": engine.info()["vectors"], "reports": len(engine.manifest.reports)}
    if step == "query":
        return query_latency(Path(args[0]), int(args[1]))
    if step == "add":
        writer, times = IndexWriter(args[0], embedder=StandInEmbedder()), []
        for _ in range(int(args[2])):
            times.append(timed(lambda: writer.add_files([Path(args[1])])))
            IndexWriter(args[0], embedder=writer.embedder_if_loaded).remove([Path(args[1]).stem])
        return {"add_s": statistics.median(times)}
    if step == "embed":  # the real bundled model on passages a build embeds
        from lawsearch.embed import make_embedder
        from lawsearch.read import parse_report
        from lawsearch.search.dense import passage_units

        wanted, texts = int(args[1]), []
        for path in sorted(Path(args[0]).rglob("*.md")):
            texts += [unit for chunk in parse_report(path).chunks for unit in passage_units(chunk.text)]
            if len(texts) >= wanted:
                break
        texts = texts[:wanted]
        loaded: list[Any] = []
        load_s = timed(lambda: loaded.append(make_embedder()))
        embedder = loaded[0]
        embed_s = timed(lambda: [embedder.embed_passages(texts[i : i + 16]) for i in range(0, len(texts), 16)])
        query_s = statistics.median(timed(lambda: embedder.embed_queries([QUESTION])) for _ in range(10))
        return {"passages_per_s": len(texts) / embed_s, "query_ms": query_s * 1000, "load_s": load_s, "passages": len(texts)}
    raise SystemExit(f"unknown step {step}")


def run_step(argv: list[str], timeout: float, out: Path) -> dict[str, Any] | None:
    """Run one command: its wall seconds, peak RSS (MiB) and JSON output; None when it ran past ``timeout``."""
    import subprocess

    with out.open("w+") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, start_new_session=True, text=True)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
                return None
            time.sleep(0.05)
        wall = time.perf_counter() - start
        code, error = os.waitstatus_to_exitcode(status), process.stderr.read() if process.stderr else ""
        process.returncode = code
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({code}): {error.strip()[-2000:]}")
    text = out.read_text(encoding="utf-8").strip()
    return {"wall_s": wall, "mib": usage.ru_maxrss / 1024, "json": json.loads(text) if text.startswith(("{", "[")) else None}


def disk_mib(folder: Path) -> float:
    """Bytes under ``folder``, each hard-linked file once."""
    seen = {(s.st_dev, s.st_ino): s.st_size for p in folder.rglob("*") if p.is_file() and (s := p.stat())}
    return sum(seen.values()) / 2**20


def sample(collection: Path, work: Path, size: int | None) -> tuple[Path, Path]:
    """WORK/corpus-SIZE holding the first SIZE reports in sha1 order (hard links), and the held-out report."""
    files = sorted(collection.rglob("*.md"), key=lambda p: hashlib.sha1(str(p.relative_to(collection)).encode()).hexdigest())
    extra, pool = files[-1], files[:-1]
    chosen = pool if size is None else pool[:size]
    corpus = work / f"corpus-{len(chosen)}"
    for path in chosen:
        target = corpus / path.relative_to(collection)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    held = work / "extra" / f"held_out_{extra.parent.name}_{extra.stem}.md"
    if not held.exists():
        held.parent.mkdir(parents=True, exist_ok=True)
        os.link(extra, held)
    return corpus, held


def measure(corpus: Path, extra: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    me, t = [sys.executable, __file__, "--child"], args.timeout
    index, log, row = work / f"index-{corpus.name}", work / "step.out", {}
    if index.exists():
        raise SystemExit(f"{index} exists: give another --work, or remove it")
    row["build"] = run_step([*me, "build", str(corpus), str(index), args.lexical], t, log)
    if row["build"] is None:
        return row
    row["vectors"] = run_step([*me, "vectors", str(index)], t, log)
    if row["vectors"] is None:
        return row
    row["open"] = run_step([*me, "open", str(index)], t, log)
    search = ["search", QUESTION, "--index", str(index), "--top-k", "5"]
    row["cold_lexical"] = run_step([LAWSEARCH, *search, "--mode", "lexical"], t, log)
    row["cold_hybrid"] = run_step([*me, "cli", *search, "--mode", "hybrid"], t, log)
    row["query"] = run_step([*me, "query", str(index), str(args.repeats)], t, log)
    row["add"] = run_step([*me, "add", str(index), str(extra), "3"], t, log)
    row["no_change"] = run_step([LAWSEARCH, "index", str(corpus), "--index", str(index), "-q"], t, log)
    row["disk_mib"] = disk_mib(index)
    return row


def fmt(step: dict[str, Any] | None, timeout: float, value: Any = "wall_s", digits: int = 2) -> str:
    if step is None:
        return f"> {timeout:.0f} s"
    figure = value(step) if callable(value) else step[value]
    return f"{figure:.{digits}f}"


def table(rows: dict[int, dict[str, Any]], real: dict[str, Any] | None, timeout: float) -> str:
    head = (
        "| reports | chunks | vectors | words committed s (read+lexical+write) | then S vectors s (machinery / S embed) "
        "| build RSS MiB | real embed: passages/s → projected "
        "| open s | cold CLI search s: lexical / hybrid S | warm p50/p95 ms: lexical | dense S | hybrid S "
        "| a question's first search p50/max ms: lexical / hybrid S | add one s S "
        "| no-change `index` s | index MiB | peak RSS MiB: open / cold / warm |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for size, row in rows.items():
        b = row["build"]
        if b is None:
            lines.append(f"| {size} | | | > {timeout:.0f} s |" + " |" * 13)
            continue
        info, v, q, o = b["json"], row["vectors"], row.get("query"), row.get("open")
        if v is None:
            lines.append(f"| {size} | {info['chunks']} | | {info['build_s']:.1f} | > {timeout:.0f} s |" + " |" * 12)
            continue
        vectors = o["json"]["vectors"] if o else v["json"]["passages"]
        projected = f"{real['passages_per_s']:.1f} → {vectors / real['passages_per_s'] / 3600:.1f} h" if real else "not measured"
        pq = [
            f"{q['json'][m]['p50_ms']:.1f} / {q['json'][m]['p95_ms']:.1f}" if q else f"> {timeout:.0f} s"
            for m in ("lexical", "dense", "hybrid")
        ]
        first = (
            " / ".join(f"{q['json'][m]['first_p50_ms']:.0f}/{q['json'][m]['first_max_ms']:.0f}" for m in ("lexical", "hybrid"))
            if q
            else "–"
        )
        rss = " / ".join(f"{s['mib']:.0f}" if s else "–" for s in (o, row["cold_hybrid"], q))
        lines.append(
            f"| {size} | {info['chunks']} | {vectors} | {info['build_s']:.1f} "
            f"| {v['json']['vectors_s'] - v['json']['standin_s']:.1f} / {v['json']['standin_s']:.1f} | {max(b['mib'], v['mib']):.0f} | {projected} | {fmt(o, timeout, lambda s: s['json']['open_s'])} "
            f"| {fmt(row['cold_lexical'], timeout)} / {fmt(row['cold_hybrid'], timeout)} | {' | '.join(pq)} | {first} "
            f"| {fmt(row['add'], timeout, lambda s: s['json']['add_s'])} | {fmt(row['no_change'], timeout)} "
            f"| {row['disk_mib']:.0f} | {rss} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300", help="comma-separated report counts, or all (default 300)")
    parser.add_argument("--collection", type=Path, default=Path("/tmp/gov"))
    parser.add_argument("--work", type=Path, default=None, help="folder for samples and indexes (default: a new temp folder)")
    parser.add_argument("--lexical", choices=("whoosh", "tantivy"), default="whoosh", help="the lexical backend (default whoosh)")
    parser.add_argument("--real-sample", type=int, default=200, help="passages embedded with the real model (0: none)")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the question list per mode, warm")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds one step may take")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child[0], args.child[1:])
        if args.child[0] != "cli":
            print(json.dumps(result))
        return 0
    import tempfile

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_scale-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [None if s.strip() == "all" else int(s) for s in args.sizes.split(",")]
    rows, real = {}, None
    for size in sizes:
        corpus, extra = sample(args.collection, work, size)
        if args.real_sample and real is None:
            step = run_step(
                [sys.executable, __file__, "--child", "embed", str(corpus), str(args.real_sample)], args.timeout, work / "step.out"
            )
            real = step["json"] if step else None
            print(f"real e5-small-q4: {real}" if real else f"real embedding: > {args.timeout:.0f} s", flush=True)
        start = time.perf_counter()
        rows[len(list(corpus.rglob("*.md")))] = row = measure(corpus, extra, work, args)
        print(f"{corpus.name}: {time.perf_counter() - start:.0f} s in all; " + json.dumps(row, ensure_ascii=False), flush=True)
    print(f"work folder: {work}; lexical backend: {args.lexical}; S: figures of the stand-in embedder (bench-standin, not real vectors)")
    print(table(rows, real, args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
