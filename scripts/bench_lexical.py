#!/usr/bin/env python
"""The lexical index on Whoosh (lawsearch.search.lexical) against tantivy (lawsearch.search.tantivy_index): build speed
and warm query latency, both measured in one run on the same chunks.

    nice -n 5 .venv/bin/python scripts/bench_lexical.py [FOLDER] [N] [--work DIR] [--repeat 5]

FOLDER (default /tmp/prof60) holds Markdown or text reports; the first N of them (default 60) in the order of the sha1
of their path (as bench_scale.py samples) are parsed (not timed) into the chunks the index writer gives the lexical
index (StagedReport.lexical_docs). Each backend then builds an index of them in one update() (one commit; the query
vocabulary included). Printed per backend:

- chunks/s of the whole build, wall time and CPU time (CPU counts tantivy's indexing thread too);
- analysis: the same chunks analysed alone, as the backend analyses them (Whoosh: word_analyzer over text, heading and
  title and bigram_analyzer over the phrase text; tantivy: ChunkAnalyser.document, tantivy Token objects included);
  the query vocabulary is noted while analysing (lawsearch.search.analysis.recorded_vocabulary); engine: build wall
  time minus the analysis (for tantivy, what its indexing thread does beside the analysing Python thread is hidden in the wall time);
- the index size on disk, and the p50 / p90 of warm search() calls (limit 50, each question --repeat times after
  one unmeasured pass) and of phrase_chunks() for the quoted questions.
Asserts only that both backends hold the same chunks and find the same candidates.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawsearch.index.writer import StagedReport  # noqa: E402
from lawsearch.read import parse_report  # noqa: E402
from lawsearch.read.screen import fingerprint  # noqa: E402
from lawsearch.search.analysis import _jieba, bigram_analyzer, word_analyzer  # noqa: E402
from lawsearch.search.lexical import LexicalDoc, LexicalIndex, phrase_text  # noqa: E402
from lawsearch.search.tantivy_index import ChunkAnalyser, TantivyIndex  # noqa: E402

QUESTIONS = (
    "哪些地区建立了调解员联盟",
    "优化营商环境的具体措施",
    "新能源汽车产业发展",
    "老旧小区改造完成了多少户",
    "乡村振兴战略",
    '"乡村振兴"产业',
    '"数字经济"核心产业增加值',
    "城镇新增就业人数",
    "空气质量优良天数比例",
    '"河长制"',
)


def lexical_docs(path: Path) -> list[LexicalDoc]:
    """The chunks of one report as the index writer gives them to the lexical index (StagedReport.lexical_docs)."""
    parsed = parse_report(path)
    return list(StagedReport.from_parsed(parsed, fingerprint(parsed.report.text), []).lexical_docs())


def whoosh_analysis(docs: list[LexicalDoc]) -> None:
    words, grams = word_analyzer(), bigram_analyzer()
    for doc in docs:
        for text in (doc.text, doc.heading, doc.title):
            for _ in words(text):
                pass
        for _ in grams(phrase_text(doc.heading, doc.text, doc.title), positions=True):
            pass


def tantivy_analysis(docs: list[LexicalDoc]) -> None:
    analyser = ChunkAnalyser()
    for doc in docs:
        analyser.document(doc)


def timed(function: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of the process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("/tmp/prof60"))
    parser.add_argument("n", nargs="?", type=int, default=60, help="how many reports (default 60)")
    parser.add_argument("--work", type=Path, help="where to build the indexes (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=5, help="measured passes over the questions (default 5)")
    args = parser.parse_args()

    found = [p for p in args.folder.rglob("*") if p.suffix in (".md", ".txt") and p.is_file()]
    paths = sorted(found, key=lambda p: hashlib.sha1(str(p.relative_to(args.folder)).encode()).hexdigest())[: args.n]
    start = time.perf_counter()
    docs = [doc for path in paths for doc in lexical_docs(path)]
    chars = sum(len(doc.text) for doc in docs)
    print(f"{len(paths)} reports of {args.folder}: {len(docs):,} chunks, {chars / max(len(docs), 1):.0f} characters a chunk on average")
    print(f"(parsed in {time.perf_counter() - start:.1f} s, not counted)")
    _jieba()  # jieba's dictionary, loaded once for both

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-lexical-"))
    backends: list[tuple[str, Any, Callable[[list[LexicalDoc]], None]]] = [
        ("whoosh", LexicalIndex, whoosh_analysis),
        ("tantivy", TantivyIndex, tantivy_analysis),
    ]
    indexes: dict[str, Any] = {}
    rows = []
    for name, backend, analysis in backends:
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)

        def build(backend: Any = backend, folder: Path = folder) -> Any:
            index = backend.create(folder)
            index.update([], docs)
            return index

        wall, cpu, index = timed(build)
        index.close()
        analysis_s = timed(partial(analysis, docs))[0]
        engine_s = wall - analysis_s
        rows.append(
            f"{name:8} {len(docs) / wall:8.1f} chunks/s  build {wall:7.1f} s wall {cpu:7.1f} s CPU  "
            f"analysis {analysis_s:6.1f} s  engine {engine_s:6.1f} s  "
            f"{folder_size(folder) / 2**20:6.1f} MiB"
        )
        print(rows[-1], flush=True)
        indexes[name] = backend.open(folder)
        indexes[name].load()

    print()
    whoosh, tantivy = indexes["whoosh"], indexes["tantivy"]
    assert whoosh.chunk_ids() == tantivy.chunk_ids(), "the backends hold different chunks"
    for name, index in indexes.items():
        search_ms: list[float] = []
        phrase_ms: list[float] = []
        parsed = [index.parse_query(question) for question in QUESTIONS]
        for measured in range(args.repeat + 1):
            for query in parsed:
                start = time.perf_counter()
                index.search(query, 50)
                if measured:
                    search_ms.append((time.perf_counter() - start) * 1000)
                if query.phrases:
                    start = time.perf_counter()
                    index.phrase_chunks(query.phrases)
                    if measured:
                        phrase_ms.append((time.perf_counter() - start) * 1000)
        print(
            f"{name:8} search p50 {statistics.median(search_ms):6.1f} ms  p90 {percentile(search_ms, 0.9):6.1f} ms   "
            f"phrase_chunks p50 {statistics.median(phrase_ms):6.1f} ms"
        )
    same_order = same_best = overlap = 0
    for question in QUESTIONS:
        query = whoosh.parse_query(question)
        ranked = list(whoosh.search(query, 10**6)), list(tantivy.search(query, 10**6))
        assert set(ranked[0]) == set(ranked[1]), f"different candidates for {question}"
        same_order += ranked[0][:10] == ranked[1][:10]
        same_best += ranked[0][:1] == ranked[1][:1]
        overlap += len(set(ranked[0][:10]) & set(ranked[1][:10]))
    print(
        f"same candidates for all {len(QUESTIONS)} questions; the same best hit for {same_best}, the same top 10 "
        f"(same order) for {same_order}, top 10 in common {overlap / len(QUESTIONS):.1f} on average"
    )
    for index in indexes.values():
        index.close()
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
