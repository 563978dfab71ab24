#!/usr/bin/env python
"""Speed, memory and ranking value of lawsearch.search.charscore (character BM25 over candidate passages).

    .venv/bin/python scripts/bench_charscore.py [--passages 12000] [--grid]

What it does, exactly:
- corpus: the chunks of the 8 provincial reports (tests/corpus/provincial-2026) and the 5 seeds, plus synthetic
  passages that recombine their sentences (random.Random(0); 150–600 characters each) up to PASSAGES in all.
  Recombined sentences keep the corpus's vocabulary, so the bigram dictionary is about as large as the real
  reports' (a corpus of other reports would hold more distinct bigrams).
- build: CharStats.from_texts over the corpus, best of 3 wall times; the memory the stats hold (tracemalloc,
  a separate run) and the number of distinct unigrams and bigrams; the plain build (a set per passage counted
  by Counter.update) once, for comparison, and whether its counts are the same.
- scores: CharStats.scores for 50 questions of eval/provincial-dev.jsonl (random.Random(0).sample), each over 150
  random passages, 5 rounds; p50 / p95 / max in milliseconds per call, wall and CPU time (the CPU time is
  steadier on a shared machine).
- ranking: every chunk of the 8 provincial reports is a candidate for each provincial-dev question with a gold
  answer (stats over those chunks); MRR@10 per kind of ranking by scores() alone, with the defaults, and with
  jieba words under the same formula for reference. --grid adds bigram_weight × k1 × b.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from lawsearch.models import Chunk
from lawsearch.read import parse_report
from lawsearch.search.charscore import CharStats, bigrams, normalise, unigrams

ROOT = Path(__file__).resolve().parent.parent

PROVINCIAL = ROOT / "tests" / "corpus" / "provincial-2026"
QUESTIONS = ROOT / "eval" / "provincial-dev.jsonl"
KINDS = ("direct", "paraphrase", "plain", "multi")
Scorer = Callable[[str, dict[int, str]], dict[int, float]]  # (query, {chunk index: text}) → {chunk index: score}


def chunks_of(folder: Path) -> list[Chunk]:
    return [chunk for path in sorted(folder.glob("*.txt")) if path.name != "README.md" for chunk in parse_report(path).chunks]


def synthetic_passages(texts: Sequence[str], count: int, seed: int = 0) -> list[str]:
    """``count`` passages made of random sentences of ``texts``, 150–600 characters each."""
    sentences = [s for text in texts for s in re.split(r"(?<=[。；！？])", text) if len(s.strip()) > 4]
    rng = random.Random(seed)
    passages = []
    for _ in range(count):
        target, parts, size = rng.randint(150, 600), [], 0
        while size < target:
            parts.append(rng.choice(sentences))
            size += len(parts[-1])
        passages.append("".join(parts))
    return passages


def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def reference_build(texts: list[str]) -> tuple[Counter[str], Counter[str]]:
    """The plain way: normalise each text, take its sets of unigrams and bigrams, count them with Counter.update."""
    unigram_df: Counter[str] = Counter()
    bigram_df: Counter[str] = Counter()
    for text in map(normalise, texts):
        unigram_df.update(unigrams(text))
        bigram_df.update(bigrams(text))
    return unigram_df, bigram_df


def calibration() -> str:
    """How fast this machine runs plain Python, to compare figures across machines."""
    start = time.perf_counter()
    for _ in range(200):
        set(range(1000))
    per_call = (time.perf_counter() - start) / 200 * 1e6
    return f"set(range(1000)) {per_call:.1f} µs; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"


def bench_build(texts: list[str]) -> CharStats:
    start = time.perf_counter()
    reference = reference_build(texts)
    plain = time.perf_counter() - start
    times = []
    for _ in range(3):
        start = time.perf_counter()
        stats = CharStats.from_texts(texts)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = CharStats.from_texts(texts)
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    print(
        f"build: {len(texts)} passages (mean {statistics.mean(map(len, texts)):.0f} chars) "
        f"in {min(times) * 1000:.0f} ms (best of 3; runs {', '.join(f'{t * 1000:.0f}' for t in times)} ms)"
    )
    print(
        f"stats: {len(stats.unigram_df)} unigrams, {len(stats.bigram_df)} bigrams, avgdl {stats.avgdl:.1f}; "
        f"memory held {(after - before) / 2**20:.1f} MiB, peak while building {(peak - before) / 2**20:.1f} MiB"
    )
    same = reference == (stats.unigram_df, stats.bigram_df)
    print(f"plain build (set per passage + Counter.update): {plain * 1000:.0f} ms, {'same' if same else 'DIFFERENT'} counts")
    return stats


def bench_scores(stats: CharStats, texts: list[str], questions: list[dict], rounds: int = 5) -> None:
    rng = random.Random(0)
    chosen = rng.sample([q["query"] for q in questions], 50)
    candidates = [{str(i): texts[i] for i in rng.sample(range(len(texts)), 150)} for _ in chosen]
    wall, cpu = [], []
    for _ in range(rounds):
        for query, texts_150 in zip(chosen, candidates):
            start, start_cpu = time.perf_counter(), time.process_time()
            stats.scores(query, texts_150)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    for label, times in (("wall", sorted(wall)), ("cpu", sorted(cpu))):
        print(
            f"scores over 150 candidates, {len(chosen)} questions × {rounds}, {label}: "
            f"p50 {statistics.median(times):.2f} ms, p95 {times[int(0.95 * len(times))]:.2f} ms, "
            f"max {times[-1]:.2f} ms"
        )


def relevant(question: dict, chunk: Chunk) -> bool:
    return any(chunk.report_id == gold["doc"] and gold["contains"] in chunk.text for gold in question["relevant"])


def mrr_by_kind(scores: Scorer, chunks: list[Chunk], questions: list[dict]) -> dict[str, float]:
    """MRR@10 per kind (and 'all') of ranking every chunk by ``scores(query, {index: text})``; ties keep chunk order."""
    candidates = {i: chunk.text for i, chunk in enumerate(chunks)}
    ranks: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for question in questions:
        if not question["relevant"] or question["kind"] not in ranks:
            continue
        scored = scores(question["query"], candidates)
        top = sorted(scored, key=lambda i: -scored[i])[:10]
        hits = [rank for rank, i in enumerate(top) if relevant(question, chunks[i])]
        ranks[question["kind"]].append(1.0 / (hits[0] + 1) if hits else 0.0)
    result = {kind: statistics.mean(values) for kind, values in ranks.items()}
    result["all"] = statistics.mean(v for values in ranks.values() for v in values)
    return result


def word_scorer(chunks: list[Chunk], k1: float = 1.2, b: float = 0.75) -> Scorer:
    """The same normalised BM25 over jieba words (lawsearch.search.analysis), for reference."""
    from lawsearch.search.analysis import STOP_WORDS, _jieba, jieba_words, query_words

    def words(text: str) -> list[str]:
        return [w.lower() for w, _, _ in jieba_words(text, _jieba()) if w.lower() not in STOP_WORDS]

    bags = {chunk.text: Counter(words(chunk.text)) for chunk in chunks}
    df = Counter(word for bag in bags.values() for word in bag)
    n, avgdl = len(bags), statistics.mean(sum(bag.values()) for bag in bags.values())

    def score(terms: list[tuple[str, float]], total: float, text: str) -> float:
        bag = bags[text]
        saturation = k1 * (1 - b + b * sum(bag.values()) / avgdl)
        return sum(w * bag[t] / (bag[t] + saturation) for t, w in terms) / total if total else 0.0

    def scores(query: str, texts: dict[int, str]) -> dict[int, float]:
        terms = [(w, math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))) for w in query_words(query)]
        total = sum(weight for _, weight in terms)
        return {key: score(terms, total, text) for key, text in texts.items()}

    return scores


def print_row(label: str, result: dict[str, float]) -> None:
    print(f"{label:<34}" + "".join(f"{result[kind]:>11.3f}" for kind in (*KINDS, "all")))


def bench_ranking(questions: list[dict], grid: bool) -> None:
    chunks = chunks_of(PROVINCIAL)
    answered = [q for q in questions if q["relevant"]]
    print(f"\nranking: {len(chunks)} chunks of the 8 provincial reports, {len(answered)} questions; MRR@10")
    print(f"{'':<34}" + "".join(f"{kind:>11}" for kind in (*KINDS, "all")))
    print_row("jieba words (same formula)", mrr_by_kind(word_scorer(chunks), chunks, questions))
    texts = [chunk.text for chunk in chunks]
    defaults = CharStats.from_texts(texts)
    print_row("chars, defaults (bw 1, k1 1.2, b .75)", mrr_by_kind(defaults.scores, chunks, questions))
    if grid:
        for weight, k1, b in itertools.product((0.5, 1.0, 2.0), (0.9, 1.2, 2.0), (0.5, 0.75)):
            stats = CharStats.from_texts(texts, k1=k1, b=b, bigram_weight=weight)
            print_row(f"chars bw {weight:g} k1 {k1:g} b {b:g}", mrr_by_kind(stats.scores, chunks, questions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=12000)
    parser.add_argument("--grid", action="store_true", help="also rank under bigram_weight × k1 × b")
    args = parser.parse_args()
    real = [chunk.text for chunk in chunks_of(PROVINCIAL) + chunks_of(ROOT / "seeds")]
    texts = real + synthetic_passages(real, max(0, args.passages - len(real)))
    questions = load_questions()
    print(f"machine: {calibration()}")
    stats = bench_build(texts)
    bench_scores(stats, texts, questions)
    bench_ranking(questions, args.grid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
