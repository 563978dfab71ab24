"""Hostile queries: lone surrogates and control characters, very long queries, and --batch files with bad lines.

The seeds are indexed once for the module, with the real bundled embedder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lawsearch.batch import BATCH_RESULT_FIELDS
from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import QueryError
from lawsearch.search.query import MAX_QUERY_CHARS, clean_text, prepare_query

from ..conftest import SEED_FILES

MODES = ["lexical", "dense", "hybrid"]
# A mis-encoded argument: GBK bytes of 调解 read as UTF-8 with surrogateescape, then ESC [ 2 J, a lone high surrogate.
HOSTILE = "\udcb5\udcf7\udcbd\udce2调解员联盟\x1b[2J\ud800\x00"


@pytest.fixture(scope="module")
def index_dir(seeds_index: Path) -> Path:
    return seeds_index


@pytest.fixture(scope="module")
def engine(index_dir: Path) -> Any:
    with LawSearch.open(index_dir) as opened:
        opened.search("调解员联盟", mode="hybrid")  # load the model once: the timings below are warm
        yield opened


@pytest.fixture(scope="module")
def long_query() -> str:
    """40,000 characters of report text, without quotes (no exact phrases) and without whitespace."""
    text = "".join("".join(path.read_text(encoding="utf-8").split()) for path in SEED_FILES)
    text = text.translate({ord(c): None for c in '"“”「」'})
    return (text * (40_000 // len(text) + 1))[:40_000]


def _strict_json(line: str) -> Any:
    def reject(name: str) -> Any:
        raise AssertionError(f"{name} in JSON output: {line[:200]}")

    return json.loads(line, parse_constant=reject)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- cleaning -------------------------------------------------------------------------------------------


def test_clean_text_replaces_surrogates_and_controls() -> None:
    assert clean_text("a\udcffb") == "a\ufffdb"
    assert clean_text("a\ud83d\ude00b") == "a\U0001f600b"  # a pair kept as two code points is one character
    assert clean_text("a\ud83db") == "a\ufffdb"
    assert clean_text("a\x00b\x1bc\x7fd\x9be") == "a b c d e"
    assert clean_text("a\tb\nc") == "a\tb\nc"  # whitespace stays whitespace
    assert clean_text("调解员联盟") == "调解员联盟"
    assert _utf8(clean_text(HOSTILE))


def test_prepare_query_cuts_at_the_cap_and_says_so() -> None:
    assert prepare_query("调" * MAX_QUERY_CHARS).truncated is None
    cut = prepare_query("调" * (MAX_QUERY_CHARS + 1))
    assert cut.truncated == (MAX_QUERY_CHARS + 1, MAX_QUERY_CHARS) and len(cut.text) == MAX_QUERY_CHARS
    assert cut.note == f"query cut to {MAX_QUERY_CHARS} of {MAX_QUERY_CHARS + 1} characters"
    assert prepare_query("  调解  ").text == "调解"


@pytest.mark.parametrize("mode", MODES)
def test_lone_surrogates_and_controls_are_searched_in_every_mode(engine: Any, mode: str) -> None:
    results = engine.search(HOSTILE, mode=mode, top_k=5)
    assert len(results) > 0
    assert _utf8(results.query) and "\x1b" not in results.query and "\ufffd" in results.query
    assert any("调解员联盟" in hit.text for hit in results)
    assert _utf8(results.to_json())


@pytest.mark.parametrize("mode", MODES)
def test_region_filter_with_a_lone_surrogate_does_not_crash(engine: Any, mode: str) -> None:
    with pytest.raises(QueryError, match="no report of region 滨江\ufffd; did you mean 滨江区") as error:
        engine.search("调解员联盟", mode=mode, region="滨江\udcff")
    str(error.value).encode("utf-8")  # the message can be printed


def test_queries_that_clean_to_nothing_are_empty(engine: Any) -> None:
    for query in ("\x00\x01", " \x1b ", "\u3000"):
        with pytest.raises(QueryError, match="empty query"):
            engine.search(query)
    with pytest.raises(QueryError):
        engine.search(b"\xe8\xb0\x83\xe8\xa7\xa3")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
def test_cli_searches_a_mis_encoded_argument(index_dir: Path, mode: str) -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["search", HOSTILE, "--index", str(index_dir), "--mode", mode, "-k", "3"])
    assert text.exit_code == 0, text.output
    assert "调解员联盟" in text.stdout
    as_json = runner.invoke(main, ["search", HOSTILE, "--index", str(index_dir), "--mode", mode, "-k", "3", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = _strict_json(as_json.stdout)
    assert data["hits"] and "\ufffd" in data["query"] and "query_truncated" not in data


# -- the length cap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_40000_character_query_is_cut_and_answered(engine: Any, long_query: str, mode: str) -> None:
    start = time.perf_counter()
    results = engine.search(long_query, mode=mode)
    seconds = time.perf_counter() - start
    assert seconds < 10, f"{mode}: {seconds:.1f} s"  # ≈ 0.5 s on 2 cores; only a runaway fails this
    assert len(results) > 0
    assert results.query == long_query[:MAX_QUERY_CHARS]
    assert results.query_truncated == (40_000, MAX_QUERY_CHARS)
    assert results.notes == [f"query cut to {MAX_QUERY_CHARS} of 40000 characters"]
    assert results.to_dict()["query_truncated"] == {"from": 40_000, "to": MAX_QUERY_CHARS}
    assert "query cut to" in results._repr_html_()


def test_a_short_query_carries_no_note(engine: Any) -> None:
    results = engine.search("调解员联盟")
    assert results.query_truncated is None and results.notes == []
    assert "query_truncated" not in results.to_dict()


@pytest.mark.parametrize("mode", MODES)
def test_cli_notes_a_cut_query_once_on_stderr(index_dir: Path, long_query: str, mode: str) -> None:
    runner = CliRunner()
    note = f"note: query cut to {MAX_QUERY_CHARS} of 40000 characters"
    text = runner.invoke(main, ["search", long_query, "--index", str(index_dir), "--mode", mode, "-k", "2"])
    assert text.exit_code == 0, text.output
    assert text.stderr.splitlines() == [note]
    assert note not in text.stdout
    as_json = runner.invoke(main, ["search", long_query, "--index", str(index_dir), "--mode", mode, "-k", "2", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = _strict_json(as_json.stdout)
    assert data["query_truncated"] == {"from": 40_000, "to": MAX_QUERY_CHARS} and len(data["query"]) == MAX_QUERY_CHARS


# -- --batch --------------------------------------------------------------------------------------------


def test_batch_answers_every_line_with_a_result_or_an_error(index_dir: Path, long_query: str, tmp_path: Path) -> None:
    lines = [
        ("plain", "调解员联盟".encode()),
        ("json", '{"id": "q2", "query": "行政执法三项制度"}'.encode()),
        ("not utf-8", b"\xb5\xf7\xbd\xe2 \xff\xfe"),
        ("nan id", b'{"id": NaN, "query": "x"}'),
        ("infinite id", b'{"id": Infinity, "query": "x"}'),
        ("minus infinity", b'{"id": -Infinity, "query": "x"}'),
        ("overflowing float", b'{"id": 1e999, "query": "x"}'),
        ("broken json", b'{"query": '),
        ("no query", b'{"id": 9}'),
        ("query not a string", b'{"query": ["a"]}'),
        (
            "colliding fields",
            '{"id": "c", "error": "boom", "hits": 0, "mode": "fast", "regions": [], "line": 1, "input": 2, "query": "调解员联盟"}'.encode(),
        ),
        ("empty query", b'{"id": "e", "query": " "}'),
        ("surrogate in a field", b'{"id": "s\\udcff", "query": "\\u8c03\\udcff\\u89e3"}'),
        ("deep nesting", b'{"query": "x", "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("long", json.dumps({"id": "long", "query": long_query}).encode()),
        ("crlf", "调解员联盟\r".encode()),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join([b"\xef\xbb\xbf" + lines[0][1], b"", *(raw for _, raw in lines[1:])]) + b"\n")
    result = CliRunner().invoke(main, ["search", "--batch", str(batch), "--index", str(index_dir), "-k", "2"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.stdout.splitlines()
    assert len(out) == len(lines)
    answers = dict(zip((kind for kind, _ in lines), map(_strict_json, out)))
    for kind, answer in answers.items():
        assert ("error" in answer) == (
            kind
            in {
                "not utf-8",
                "nan id",
                "infinite id",
                "minus infinity",
                "overflowing float",
                "broken json",
                "no query",
                "query not a string",
                "empty query",
                "deep nesting",
            }
        ), kind
    # File line numbers count the blank line (line 2).
    assert answers["not utf-8"] == {"line": 4, "error": answers["not utf-8"]["error"]} and "UTF-8" in answers["not utf-8"]["error"]
    assert answers["nan id"]["line"] == 5 and "NaN" in answers["nan id"]["error"]
    assert answers["no query"] == {"line": 10, "error": 'JSON line without a "query" string'}
    assert answers["json"]["id"] == "q2" and answers["json"]["hits"]
    assert answers["plain"]["query"] == "调解员联盟" and answers["crlf"]["query"] == "调解员联盟"
    colliding = answers["colliding fields"]
    assert set(colliding) == {"id", "query", "mode", "hits", "regions", "input", "dense_coverage"}
    assert colliding["mode"] == "hybrid" and colliding["hits"] and colliding["query"] == "调解员联盟"
    assert colliding["input"] == {"error": "boom", "hits": 0, "mode": "fast", "regions": [], "line": 1, "input": 2}
    assert answers["empty query"] == {"id": "e", "query": " ", "error": "empty query"}
    assert answers["surrogate in a field"]["id"] == "s\\xff" and answers["surrogate in a field"]["query"] == "调\ufffd解"
    assert answers["long"]["query_truncated"] == {"from": 40_000, "to": MAX_QUERY_CHARS}
    assert "10 of 16 queries failed" in result.stderr


def test_batch_from_stdin_with_a_bad_line(index_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "--batch", "-", "--index", str(index_dir), "-k", "1"], input=b"\xff\n\xe8\xb0\x83\xe8\xa7\xa3\n"
    )
    assert result.exit_code == 1
    first, second = map(_strict_json, result.stdout.splitlines())
    assert first["line"] == 1 and "UTF-8" in first["error"]
    assert second["query"] == "调解" and "error" not in second
    assert "1 of 2 queries failed" in result.stderr


def test_a_good_batch_exits_0(index_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "good.jsonl"
    batch.write_text('{"id": 1, "query": "调解员联盟"}\n调解\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "--batch", str(batch), "--index", str(index_dir), "-k", "1"])
    assert result.exit_code == 0, result.output
    assert [_strict_json(line).get("id") for line in result.stdout.splitlines()] == [1, None]


@pytest.mark.parametrize("content", [b"\xff\xfe" + "调解\n".encode("utf-16-le"), None])
def test_a_batch_file_that_cannot_be_read_is_one_error_line(index_dir: Path, tmp_path: Path, content: bytes | None) -> None:
    batch = tmp_path / "batch.txt"
    if content is not None:
        batch.write_bytes(content)
    result = CliRunner().invoke(main, ["search", "--batch", str(batch), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and "cannot read batch file" in result.stderr


def test_batch_help_documents_the_colliding_fields() -> None:
    help_text = CliRunner().invoke(main, ["search", "--help"]).output
    assert '"input"' in help_text and all(field in help_text for field in BATCH_RESULT_FIELDS)
    assert f"{MAX_QUERY_CHARS} characters" in help_text
