"""Batch files of queries (``lawsearch search --batch``): reading them, answering each line, writing each answer.

A batch file holds one query a line: plain text, or a JSON object with a "query" string whose other fields (like
"id") are echoed in the answer. It is read as bytes and decoded line by line, so one bad line (not UTF-8, not a JSON
object, no "query" string) spoils only itself; each non-blank line gets one line of strict JSON back.

>>> parse_line('{"id": 7, "query": "调解员联盟"}')
{'id': 7, 'query': '调解员联盟'}
>>> parse_line("行政复议")
{'query': '行政复议'}
"""

from __future__ import annotations

import codecs
import json
import math
import pathlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from .errors import LawsearchError, QueryError
from .terminal import dumps_json

if TYPE_CHECKING:
    from .engine import LawSearch

# Fields of a batch answer. An input field of one of these names comes back under "input", so it can
# neither overwrite a result field nor make a good answer look failed.
BATCH_RESULT_FIELDS = (
    "query",
    "mode",
    "hits",
    "regions",
    "answer",
    "coverage",
    "dense_coverage",
    "query_truncated",
    "notes",
    "error",
    "line",
    "input",
)


class SearchOptions(TypedDict, total=False):
    """The keyword arguments of ``LawSearch.search`` that every line of a batch is searched with."""

    mode: str
    top_k: int
    region: tuple[str, ...] | None
    year: tuple[int, ...] | None
    kind: tuple[str, ...] | None
    level: tuple[str, ...] | None
    fusion: str
    dense_weight: float | None
    apply_floor: bool


class BatchLine(NamedTuple):
    """One non-blank line of a batch file: its line number, and either the query ``item`` or the ``error`` that
    says why the line cannot be one."""

    number: int
    item: dict[str, Any] | None
    error: str | None


class BatchAnswer(NamedTuple):
    """One answer as the JSON line to print, and whether it is a result (False: an error line)."""

    text: str
    ok: bool


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: json would read it as infinity and write Infinity
        raise ValueError(f"number {text} is out of range")
    return value


def parse_line(line: str) -> dict[str, Any]:
    """A stripped, non-blank batch line as a dict with a "query" string; a ValueError says what is wrong."""
    if not line.startswith("{"):
        return {"query": line}
    try:
        item = json.loads(line, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; very deep nesting a RecursionError
        raise ValueError(f"not a JSON object ({type(exc).__name__ if isinstance(exc, RecursionError) else exc})") from None
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        raise ValueError('JSON line without a "query" string')
    return item


def _stdin_bytes() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")


def read_batch(path: str) -> list[BatchLine]:
    """Each non-blank line of the batch file ``path`` (``-``: standard input) as a BatchLine.

    The file is read as bytes and decoded line by line, so one bad line spoils only itself; a file that
    cannot be read at all (or is UTF-16) is a LawsearchError.
    """
    try:
        data = _stdin_bytes() if path == "-" else pathlib.Path(path).read_bytes()
    except OSError as exc:
        raise LawsearchError(f"{path}: cannot read batch file ({exc})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LawsearchError(f"{path}: cannot read batch file (it is UTF-16; save it as UTF-8)")
    lines: list[BatchLine] = []
    for number, raw in enumerate(data.removeprefix(codecs.BOM_UTF8).split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            lines.append(BatchLine(number, None, f"not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)"))
            continue
        if not line:
            continue
        try:
            lines.append(BatchLine(number, parse_line(line), None))
        except ValueError as exc:
            lines.append(BatchLine(number, None, str(exc)))
    return lines


def answer(engine: LawSearch, item: Mapping[str, Any], options: SearchOptions) -> dict[str, Any]:
    """One query's answer: its echoed fields, then the result of ``engine.search(item["query"], **options)`` or
    ``"error"``, then the fields named like a result field under "input"."""
    fields = {key: value for key, value in item.items() if key != "query"}
    echoed = {key: value for key, value in fields.items() if key not in BATCH_RESULT_FIELDS}
    colliding = {key: value for key, value in fields.items() if key in BATCH_RESULT_FIELDS}
    tail = {"input": colliding} if colliding else {}
    try:
        return {**echoed, **engine.search(item["query"], **options).to_dict(), **tail}
    except QueryError as exc:  # one bad query does not spoil the batch
        return {**echoed, "query": item["query"], "error": str(exc), **tail}


def answer_json(answer: Mapping[str, Any], number: int) -> BatchAnswer:
    """The answer to line ``number`` as one line of strict JSON (no NaN, valid UTF-8), or an error line when it
    cannot be written."""
    try:
        return BatchAnswer(dumps_json(answer, allow_nan=False), "error" not in answer)
    except (ValueError, RecursionError) as exc:
        return BatchAnswer(dumps_json({"line": number, "error": f"cannot write the answer as JSON ({type(exc).__name__}: {exc})"}), False)


def answer_lines(engine: LawSearch, lines: Iterable[BatchLine], options: SearchOptions) -> Iterator[BatchAnswer]:
    """The answer to each line, in order, as it is found: a line that is no query gets ``{"line", "error"}``."""
    for number, item, problem in lines:
        yield answer_json({"line": number, "error": problem} if item is None else answer(engine, item, options), number)
