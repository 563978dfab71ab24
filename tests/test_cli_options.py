"""What a new user trips over on the command line: repeatable filters, hints, context, common options, colour,
progress, and finding the index."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import IndexFolderError
from lawsearch.index.folder import IndexFolder

CHUNK = "000_e216814a7c54799f#011"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def writable_index(seeds_index: Path, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    return index


def run(runner: CliRunner, *args: str, code: int = 0, **kwargs: object):  # noqa: ANN201 - click's Result
    result = runner.invoke(main, list(args), **kwargs)
    assert result.exit_code == code, (result.output, result.stderr if hasattr(result, "stderr") else "")
    return result


def test_filters_repeat_as_alternatives(runner: CliRunner, index_dir: Path) -> None:
    result = run(
        runner,
        "search",
        "执法",
        "--index",
        str(index_dir),
        "--mode",
        "lexical",
        "-k",
        "50",
        "--json",
        "--region",
        "滨江",
        "--region",
        "南昌县",
        "--year",
        "2022",
        "--year",
        "2023",
    )
    assert {(hit["region"], hit["year"]) for hit in json.loads(result.stdout)["hits"]} == {("滨江区", 2022), ("南昌县", 2023)}
    result = run(
        runner,
        "search",
        "执法",
        "--index",
        str(index_dir),
        "--mode",
        "lexical",
        "-k",
        "50",
        "--json",
        "--level",
        "city",
        "--level",
        "county",
        "--kind",
        "法治政府建设年度报告",
    )
    assert {hit["level"] for hit in json.loads(result.stdout)["hits"]} == {"city", "county"}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--region", "滨江县", "no report of region 滨江县; did you mean 滨江区?"),
        ("--year", "2031", "no report on year 2031; did you mean 2023"),
        ("--region", "哈尔滨市", "no report of region 哈尔滨市; the index holds"),
    ],
)
def test_unknown_region_or_year_is_an_error_with_the_closest(
    runner: CliRunner, index_dir: Path, option: str, value: str, message: str
) -> None:
    result = run(runner, "search", "执法", "--index", str(index_dir), option, value, code=1)
    assert message in result.stderr and "Traceback" not in result.output


def test_show_prints_a_chunk_in_context(runner: CliRunner, index_dir: Path) -> None:
    text = run(runner, "show", CHUNK, "--index", str(index_dir), "--context", "1").stdout
    assert "滨江区人力资源和社会保障局" in text and "▶ [000_e216814a7c54799f#011]" in text and "调解员联盟" in text
    assert text.index("[000_e216814a7c54799f#010]") < text.index("▶ [") < text.index("[000_e216814a7c54799f#012]")
    data = json.loads(run(runner, "show", CHUNK, "--index", str(index_dir), "-C", "2", "--json").stdout)
    assert data["chunk"]["id"] == CHUNK and data["report"]["year"] == 2022 and data["chunk"]["heading_path"][-1] == "3.多元化解社会矛盾"
    assert [c["id"][-3:] for c in data["before"]] == ["009", "010"] and [c["id"][-3:] for c in data["after"]] == ["012", "013"]
    first = json.loads(run(runner, "show", "000_e216814a7c54799f#000", "--index", str(index_dir), "-C", "3", "--json").stdout)
    assert first["before"] == [] and len(first["after"]) == 3
    assert "no chunk 'nope#001'" in run(runner, "show", "nope#001", "--index", str(index_dir), code=1).stderr


def test_info_lists_years_and_kinds_with_counts(runner: CliRunner, index_dir: Path) -> None:
    text = run(runner, "info", "--index", str(index_dir)).stdout
    assert "years      2020 (1), 2022 (3), 2023 (1)" in text and "kinds      法治政府建设年度报告 (5)" in text
    data = json.loads(run(runner, "info", "--index", str(index_dir), "--json").stdout)
    assert {row["name"]: row["reports"] for row in data["years"]} == {2020: 1, 2022: 3, 2023: 1}
    assert data["kinds"] == [{"name": "法治政府建设年度报告", "reports": 5}]


@pytest.mark.parametrize("command", [["index", "SEEDS"], ["add", "SEED"], ["remove", "002_e3a39e3814c16024"]])
def test_a_held_writer_lock_names_wait_and_every_writer_waits(runner: CliRunner, writable_index: Path, command: list[str]) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    args = [{"SEEDS": str(seeds), "SEED": str(seeds / "004_f44f9f962692f528.txt")}.get(a, a) for a in command]
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with IndexFolder(writable_index).writer_lock():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        refused = run(runner, *args, "--index", str(writable_index), "-q", code=1)
        assert "another lawsearch process is writing" in refused.stderr and "--wait SECONDS" in refused.stderr
        threading.Timer(1.0, release.set).start()
        started = time.monotonic()
        run(runner, *args, "--index", str(writable_index), "-q", "--wait", "60", "--json")
        assert time.monotonic() - started >= 0.9  # it waited for the lock instead of failing
    finally:
        release.set()
        holder.join()


def test_writers_share_their_common_options(runner: CliRunner) -> None:
    for command in ("index", "add", "remove", "check"):
        text = run(runner, command, "--help").stdout
        for option in ("--index", "--wait", "-q, --quiet", "--json"):
            assert option in text, (command, option)


def test_model_help_says_what_happens_to_an_existing_index(runner: CliRunner) -> None:
    for command in ("index", "add"):
        text = " ".join(run(runner, command, "--help").stdout.split())
        assert "rebuilds it" not in text and "naming another is refused" in text and "--rebuild --model" in text


def test_no_color_and_the_color_option(runner: CliRunner, index_dir: Path) -> None:
    args = ["search", "调解员联盟", "--index", str(index_dir), "--mode", "lexical", "-k", "2"]
    assert "\x1b[" in run(runner, *args, color=True).stdout  # a terminal: coloured
    assert "\x1b[" not in run(runner, *args, color=True, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" in run(runner, "--color", *args, env={"NO_COLOR": "1"}).stdout  # asked for explicitly
    assert "\x1b[" not in run(runner, "--no-color", *args, color=True).stdout
    assert "\x1b[" not in run(runner, *args).stdout  # not a terminal: plain


def test_eval_shows_progress_on_stderr(runner: CliRunner, index_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "q1", "query": "调解员联盟", "relevant": [{"doc": "000_e216814a7c54799f", "contains": "调解员联盟"}]}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    result = run(runner, "eval", str(gold), "--index", str(index_dir), "--modes", "lexical,hybrid")
    assert "eval: " in result.stderr and "/2 [" in result.stderr and "mrr" in result.stdout.lower()
    assert "/2 [" not in run(runner, "eval", str(gold), "--index", str(index_dir), "--modes", "lexical,hybrid", "-q").stderr


def test_the_index_is_found_in_the_environment_then_the_working_folder(
    runner: CliRunner, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAWSEARCH_INDEX", raising=False)
    with pytest.raises(IndexFolderError) as error:
        LawSearch.open()
    assert str(tmp_path / "indexes" / "default") in str(error.value) and "$LAWSEARCH_INDEX is not set" in str(error.value)
    monkeypatch.setenv("LAWSEARCH_INDEX", str(tmp_path / "nowhere"))
    failed = run(runner, "info", code=1).stderr
    assert str(tmp_path / "nowhere") in failed and str(tmp_path / "indexes" / "default") in failed
    monkeypatch.setenv("LAWSEARCH_INDEX", str(index_dir))
    with LawSearch.open() as engine:
        assert engine.folder.root == index_dir
    assert "reports    5" in run(runner, "info").stdout
    monkeypatch.setenv("LAWSEARCH_INDEX", str(tmp_path / "nowhere"))
    shutil.copytree(index_dir, tmp_path / "indexes" / "default")  # the environment's has none: the working folder's
    assert "indexes/default" in run(runner, "info").stdout
    assert os.environ["LAWSEARCH_INDEX"].endswith("nowhere")


def test_a_writer_never_falls_back_to_another_index(
    runner: CliRunner, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(index_dir, tmp_path / "indexes" / "default")
    monkeypatch.setenv("LAWSEARCH_INDEX", str(tmp_path / "misspelt"))
    assert "indexes/default" in run(runner, "info").stdout  # a reader looks further
    failed = run(runner, "remove", "002_e3a39e3814c16024", code=1).stderr
    assert "misspelt" in failed
    with LawSearch.open(tmp_path / "indexes" / "default") as engine:
        assert "002_e3a39e3814c16024" in engine.manifest.reports  # the default index was not touched
