"""What the tuning scripts share: the ``--set INDEX GOLD …`` option, read once, and folds dealt set by set.

Run from the scripts (``python scripts/tune_floor.py …``), which find this module beside them.
"""

from __future__ import annotations

import argparse
import random
from typing import Any


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set INDEX GOLD [GOLD …]``, repeatable: an index and the gold files run on it."""
    parser.add_argument(
        "--set",
        nargs="+",
        action="append",
        metavar="INDEX GOLD",
        required=True,
        help="an index and the gold files run on it: INDEX GOLD [GOLD …] (repeatable)",
    )


def index_sets(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """``(index, gold files)`` of each ``--set``; a parser error for a set without a gold file."""
    sets = []
    for index, *golds in args.set:
        if not golds:
            parser.error(f"--set {index}: needs at least one gold file after the index")
        sets.append((index, golds))
    return sets


def dealt_folds(rows: list[dict[str, Any]], folds: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    """``rows`` (each with a ``"set"``) dealt over ``folds`` folds set by set, shuffled by ``rng``, so that every fold
    holds a share of every set.

    >>> parts = dealt_folds([{"set": "a", "n": i} for i in range(10)], 5, random.Random(0))
    >>> sorted(len(part) for part in parts)
    [2, 2, 2, 2, 2]
    """
    dealt: list[list[dict[str, Any]]] = [[] for _ in range(folds)]
    for name in dict.fromkeys(row["set"] for row in rows):
        members = [row for row in rows if row["set"] == name]
        rng.shuffle(members)
        start = rng.randrange(folds)
        for i, row in enumerate(members):
            dealt[(start + i) % folds].append(row)
    return dealt
