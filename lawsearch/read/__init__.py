"""Reading reports: one pass from a file to what lawsearch indexes.

``files`` (bytes, decoding; html, pdf and docx beside) → ``page`` (chrome out; front and back matter into fields) →
``meta`` (region, level, agency, kind, year, published) → ``chunks`` (heading tree, chunks). :func:`parse_report`
runs them all; each stage takes the previous stage's output once and knows nothing of the stages after it.

The names below load on first use, so that importing one stage (``lawsearch.read.chunks``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report import ParsedReport, parse, parse_report

__all__ = ["ParsedReport", "parse", "parse_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
