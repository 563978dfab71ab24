"""Boilerplate statistics learned in one go from a list of texts, as the reading tests want them.

Test-only: the index writer folds reports in one by one under their ids (``Boilerplate.add``); a test that has a few
texts and no ids learns them here.

>>> stats = learn_boilerplate(["下载\\n甲", "下载\\n乙", "下载\\n丙"])
>>> len(stats), stats.reports_with("下载"), stats.is_boilerplate("下载")
(3, 3, True)
"""

from __future__ import annotations

from collections.abc import Iterable

from lawsearch.read.boilerplate import Boilerplate


def learn_boilerplate(texts: Iterable[str]) -> Boilerplate:
    """Statistics over ``texts``, one report's decoded text each (each under a new key)."""
    stats = Boilerplate()
    for text in texts:
        stats.add(text)
    return stats
