import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main

from .conftest import SEEDS

SEED = str(SEEDS / "002_e3a39e3814c16024.txt")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_chunks_json_has_the_documented_shape(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chunks", SEED, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    report = data["report"]
    assert {"id", "title", "region", "agency", "year", "published"} <= set(report)
    assert report["id"] == "002_e3a39e3814c16024"
    assert report["region"] == "上虞区"
    assert report["year"] == 2020 and isinstance(report["year"], int)
    assert report["published"] == "2021-02-22"
    assert data["chunks"], "no chunks"
    for chunk in data["chunks"]:
        assert {"id", "heading_path", "text"} <= set(chunk)
        assert isinstance(chunk["heading_path"], list)
        assert chunk["text"]
    assert any(c["heading_path"][-1:] == ["(二)政府职能履行情况"] for c in data["chunks"])


def test_chunks_json_unknown_fields_are_null(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(main, ["chunks", str(SEEDS / "000_e216814a7c54799f.txt"), "--json"]).output)
    assert data["report"]["published"] is None


def test_chunks_text_output_shows_metadata_and_heading_paths(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chunks", SEED])
    assert result.exit_code == 0
    assert "上虞区 (绍兴市)" in result.output
    assert "一、工作成效 › (一)法治政府建设的决策部署学习贯彻情况" in result.output
    assert "[002_e3a39e3814c16024#000]" in result.output


def test_max_chars_option_bounds_chunk_length(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(main, ["chunks", SEED, "--json", "--max-chars", "100"]).output)
    assert max(len(c["text"]) for c in data["chunks"]) <= 100


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("x.doc", b"\xd0\xcf\x11\xe0", "unsupported file type"),
        ("x.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
    ],
)
def test_bad_file_gives_one_line_error_and_exit_1(runner: CliRunner, tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(main, ["chunks", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith(f"error: {path}:")
    assert reason in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["chunks", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "nope.txt: no such file" in result.output


@pytest.mark.parametrize("args", [["--help"], ["chunks", "--help"]])
def test_help_has_examples(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "lawsearch chunks" in result.output


def test_installed_console_script_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(sys.executable).parent / "lawsearch"
    done = subprocess.run([str(script), "chunks", SEED, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"]["region"] == "上虞区"
    (tmp_path / "empty.txt").write_bytes(b"")
    failed = subprocess.run([str(script), "chunks", str(tmp_path / "empty.txt")], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert failed.stderr.strip() == f"error: {tmp_path / 'empty.txt'}: file is empty"
    assert failed.stdout == ""


def test_mode_is_a_choice_listed_in_help_and_checked_before_the_index(runner: CliRunner, tmp_path: Path) -> None:
    from lawsearch.engine import MODES

    help_text = runner.invoke(main, ["search", "--help"]).output
    assert f"--mode [{'|'.join(MODES)}]" in help_text
    result = runner.invoke(main, ["search", "x", "--mode", "fuzzy", "--index", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.output == f"error: unknown mode 'fuzzy'; choose one of {', '.join(MODES)}\n"
    assert not (tmp_path / "missing").exists()


def test_the_command_line_starts_without_the_engine() -> None:
    import subprocess
    import sys

    heavy = ("lawsearch.engine", "numpy", "whoosh", "faiss", "torch", "pandas")
    code = "import sys, lawsearch.cli; print(' '.join(name for name in sys.argv[1:] if name in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code, *heavy], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_a_shard_set_is_built_searched_shown_and_checked_from_the_command_line(
    runner: CliRunner, seeds_index: Path, seeds_shards: Path, tmp_path: Path
) -> None:
    """The seeds in two shards answer as the seeds index does, and every reading command takes the set."""
    question = ["search", "哪些地区建立了调解员联盟", "--json"]
    one = json.loads(runner.invoke(main, [*question, "--index", str(seeds_index)]).output)
    result = runner.invoke(main, [*question, "--index", str(seeds_shards)])
    assert result.exit_code == 0, result.output
    shards = json.loads(result.output)
    assert shards["shards"] == {"answered": 2, "of": 2, "missing": []}
    assert [(h["chunk_id"], round(h["score"], 6)) for h in one["hits"]] == [(h["chunk_id"], round(h["score"], 6)) for h in shards["hits"]]
    assert [a["region"] for a in one["answer"]] == [a["region"] for a in shards["answer"]]
    info = runner.invoke(main, ["info", "--index", str(seeds_shards)])
    assert info.exit_code == 0 and "shard      shard-0:" in info.output and "reports    5" in info.output
    check = runner.invoke(main, ["check", "--index", str(seeds_shards)])
    assert check.exit_code == 0 and ": ok, " in check.output
    shown = runner.invoke(main, ["show", one["hits"][0]["chunk_id"], "--index", str(seeds_shards), "--json"])
    assert json.loads(shown.output)["chunk"]["id"] == one["hits"][0]["chunk_id"]
    regions = runner.invoke(main, ["regions", "--index", str(seeds_shards), "--json"])
    assert len(json.loads(regions.output)["regions"]) == 5

    gold = ("seeds-dev.jsonl", "seeds-dev-regions.jsonl")
    evaluated = [
        runner.invoke(main, ["eval", *(str(SEEDS.parent / "eval" / name) for name in gold), "--index", str(index), "--json", "-q"])
        for index in (seeds_index, seeds_shards)
    ]
    assert [{k: v for k, v in json.loads(r.output).items() if k != "index"} for r in evaluated].count(
        {k: v for k, v in json.loads(evaluated[0].output).items() if k != "index"}
    ) == 2  # every figure of `lawsearch eval` the same

    again = runner.invoke(main, ["index", "seeds", "--index", str(seeds_shards), "--shards", "3", "-q"])
    assert again.exit_code == 1 and "is a set of 2 shards, not 3" in again.output and "Traceback" not in again.output
    plain = runner.invoke(main, ["search", "就业", "--index", str(seeds_index), "--ray"])
    assert plain.exit_code == 1 and "one index, not a shard set" in plain.output
    copy = tmp_path / "set"
    shutil.copytree(seeds_shards, copy)
    (copy / "shard-1" / "CURRENT").write_text("gen-999999", encoding="utf-8")
    damaged = runner.invoke(main, ["check", "--index", str(copy)])
    assert damaged.exit_code == 1 and "shard-1: " in damaged.output
