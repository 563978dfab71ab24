#!/usr/bin/env python
"""Recall@10 of the approximate vector base (lawsearch.index.vector_base, kind ivf-flat) against exact search, on real
sentence vectors and real questions.

    .venv/bin/python scripts/bench_ann.py CACHE.sqlite [CACHE.sqlite ...] [--questions eval/*.jsonl]

The vectors: every vector of the bundled model in the given embedding caches (an index folder's
``embeddings.sqlite`` holds the vectors of every sentence it embedded). The queries: the dev questions, embedded as
queries by the bundled model, and, as the build itself measures, a sample of the vectors. The inverted file is made as
the vector base makes it (√n lists, trained on a sample); for each number of lists probed it prints
recall@10 (the share of the exact top 10 found) for both kinds of query and the time a query takes. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawsearch.embed import make_embedder  # noqa: E402
from lawsearch.index import vector_base  # noqa: E402


def cached_vectors(paths: list[Path], embedder_id: str) -> np.ndarray:
    """The distinct vectors of ``embedder_id`` in the embedding caches."""
    seen: dict[str, bytes] = {}
    for path in paths:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            seen.update(db.execute("select text_hash, vector from vectors where embedder = ?", (embedder_id,)).fetchall())
    return np.stack([np.frombuffer(blob, dtype=np.float32) for blob in seen.values()])


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / truth.shape[1] for a, b in zip(found, truth, strict=True)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("caches", nargs="+", type=Path)
    parser.add_argument("--questions", nargs="*", type=Path, default=sorted(Path("eval").glob("*-dev.jsonl")))
    args = parser.parse_args()
    embedder = make_embedder()
    matrix = np.ascontiguousarray(cached_vectors(args.caches, embedder.spec.cache_key))
    lines = [json.loads(line) for path in args.questions for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [line["query"] for line in lines if isinstance(line.get("query"), str)]
    asked = np.ascontiguousarray(embedder.embed_queries(questions), dtype=np.float32)
    print(f"{len(matrix):,} real vectors ({embedder.spec.id}); {len(questions)} questions")
    start = time.perf_counter()
    saved = vector_base.PROBES
    vector_base.PROBES = (max(saved),)  # build once, then try every number of lists below
    try:
        index, search = vector_base._approximate(matrix)
    finally:
        vector_base.PROBES = saved
    print(f"built in {time.perf_counter() - start:.1f} s: {search['lists']} lists")
    rng = np.random.default_rng(0)
    sample = matrix[rng.choice(len(matrix), min(len(matrix), vector_base.RECALL_QUERIES), replace=False)]
    truths = {"questions": vector_base._exact_top(matrix, asked, 10), "own vectors": vector_base._exact_top(matrix, sample, 10)}
    queries = {"questions": asked, "own vectors": sample}
    print("| lists probed | recall@10, questions | recall@10, own vectors | ms a query |")
    print("|---|---|---|---|")
    for probes in vector_base.PROBES:
        if probes > search["lists"]:
            break
        index.nprobe = probes
        row = []
        for name, query in queries.items():
            _, found = index.search(query, 10)
            row.append(f"{recall(found, truths[name]):.3f}")
        start = time.perf_counter()
        for vector in asked:
            index.search(vector.reshape(1, -1), 10)
        row.append(f"{(time.perf_counter() - start) / len(asked) * 1000:.2f}")
        print(f"| {probes} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
