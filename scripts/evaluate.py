#!/usr/bin/env python
"""Evaluate the seeds index on gold files; builds indexes/default from seeds/ first when it is missing.

    .venv/bin/python scripts/evaluate.py eval/seeds-dev.jsonl eval/seeds-dev-regions.jsonl [--fusion rrf …]

Every argument goes to `lawsearch eval` (see `lawsearch eval --help`), which prints hit@1/5/10, MRR@10 and
nDCG@10 per mode and query kind, and whether the expected regions lead for 哪些地区 questions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.index.folder import IndexFolder

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    args = sys.argv[1:]
    index = args[args.index("--index") + 1] if "--index" in args else str(ROOT / "indexes/default")
    if not IndexFolder(index).exists():
        LawSearch.build(ROOT / "seeds", index).close()
    main(["eval", *args, *([] if "--index" in args else ["--index", index])])
