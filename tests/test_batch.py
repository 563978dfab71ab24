"""lawsearch/batch.py: reading a batch file line by line, answering each line, writing each answer as strict JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lawsearch.batch import BatchLine, answer_lines, read_batch
from lawsearch.errors import LawsearchError, QueryError


class FakeResults:
    def __init__(self, query: str, options: dict[str, Any]) -> None:
        self.query, self.options = query, options

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.options["mode"], "hits": [], "regions": []}


class FakeEngine:
    """Answers every query but "bad" (a QueryError, as LawSearch.search raises for a query it cannot run)."""

    def search(self, query: str, **options: Any) -> FakeResults:
        if query == "bad":
            raise QueryError("bad query")
        return FakeResults(query, options)


def test_read_batch_numbers_file_lines_and_keeps_bad_lines_as_errors(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'\xef\xbb\xbf\xe8\xb0\x83\xe8\xa7\xa3\r\n\n{"id": 2, "query": "q"}\n\xff\n{"id": NaN, "query": "x"}\n{"id": 3}\n')
    lines = read_batch(str(path))
    assert [line.number for line in lines] == [1, 3, 4, 5, 6]
    assert lines[0] == BatchLine(1, {"query": "调解"}, None)
    assert lines[1] == BatchLine(3, {"id": 2, "query": "q"}, None)
    assert lines[2].item is None and "not UTF-8" in (lines[2].error or "")
    assert lines[3].item is None and "NaN is not valid JSON" in (lines[3].error or "")
    assert lines[4] == BatchLine(6, None, 'JSON line without a "query" string')


@pytest.mark.parametrize("content", [b"\xff\xfe" + "调解\n".encode("utf-16-le"), None])
def test_read_batch_refuses_a_file_it_cannot_read(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "batch.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LawsearchError, match="cannot read batch file"):
        read_batch(str(path))


def test_answer_lines_echo_fields_and_mark_failures() -> None:
    lines = [
        BatchLine(1, {"id": "a", "query": "调解", "mode": "fast"}, None),
        BatchLine(2, {"id": "b", "query": "bad"}, None),
        BatchLine(4, None, "not UTF-8 text"),
        BatchLine(5, {"id": float("nan"), "query": "x"}, None),  # cannot be written as strict JSON
    ]
    answers = list(answer_lines(FakeEngine(), lines, {"mode": "lexical"}))
    assert [ok for _, ok in answers] == [True, False, False, False]
    first, second, third, fourth = (json.loads(text) for text, _ in answers)
    assert first == {"id": "a", "query": "调解", "mode": "lexical", "hits": [], "regions": [], "input": {"mode": "fast"}}
    assert second == {"id": "b", "query": "bad", "error": "bad query"}
    assert third == {"line": 4, "error": "not UTF-8 text"}
    assert fourth["line"] == 5 and fourth["error"].startswith("cannot write the answer as JSON (ValueError")
