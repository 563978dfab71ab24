"""scripts/check_collection.py and scripts/eval_openings.py: they run, and their figures are the ones expected."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent

WORK_REPORT = """政府工作报告
——{year}年1月20日在{place}第十三届人民代表大会第四次会议上
各位代表：
现在，我代表{place}人民政府，向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。
一、过去一年工作回顾
过去一年，我们坚持稳中求进工作总基调，生产总值增长百分之六，城乡居民收入稳步提高。
二、今年的主要任务
今年，要坚持创新驱动发展，扎实推进共同富裕，办好十方面民生实事。
"""


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_script_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module loads
    spec.loader.exec_module(module)
    return module


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """Two regions, two years: 浙江省 2020/2021, 杭州市 2020 and a 宁波市 report filed as 杭州市/2021 (a known miss)."""
    root = tmp_path / "gov"
    for group, folder, year, place in (
        ("政府工作报告-省自治区", "浙江省", 2020, "浙江省"),
        ("政府工作报告-省自治区", "浙江省", 2021, "浙江省"),
        ("政府工作报告-主要城市", "杭州市", 2020, "杭州市"),
        ("政府工作报告-主要城市", "杭州市", 2021, "宁波市"),
    ):
        path = root / group / folder / f"{year}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(WORK_REPORT.format(year=year, place=place), encoding="utf-8")
    return root


def test_check_collection_figures(collection: Path) -> None:
    done = _run("scripts/check_collection.py", str(collection), "--workers", "2", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["reports"] == 4 and summary["errors"] == []
    fields = summary["fields"]
    assert (fields["region"]["right"], fields["region"]["scored"]) == (3, 4)
    assert fields["region"]["patterns"] == [["杭州市 → 宁波市", 1]]
    assert fields["region"]["groups"]["政府工作报告-主要城市"]["share"] == 0.5
    assert {name: fields[name]["share"] for name in ("year", "kind", "level")} == {"year": 1.0, "kind": 1.0, "level": 1.0}
    assert summary["kinds"] == [["政府工作报告", 4]]
    text = _run("scripts/check_collection.py", str(collection), "--workers", "1", "--limit", "2")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("2 reports under")


def test_check_collection_refuses_bad_arguments(tmp_path: Path) -> None:
    assert _run("scripts/check_collection.py", str(tmp_path / "missing")).returncode == 2
    assert _run("scripts/check_collection.py", str(tmp_path), "--limit", "0").returncode == 2
    assert _run("scripts/check_collection.py", str(tmp_path)).returncode == 2  # no reports


def test_truth_from_paths(tmp_path: Path) -> None:
    check = _script("check_collection")
    truth = check.truth_of(tmp_path / "政府工作报告-其他地市" / "邢台市" / "2021-08.md", tmp_path)
    assert (truth.group, truth.region, truth.level, truth.kind, truth.year) == (
        "政府工作报告-其他地市",
        "邢台市",
        "city",
        "政府工作报告",
        2021,
    )
    plan = check.truth_of(tmp_path / "五年规划" / "2011-十二五规划纲要.md", tmp_path)
    assert (plan.region, plan.level, plan.kind, plan.year) == ("全国", "national", None, 2011)
    assert check.truth_of(tmp_path / "政府工作报告-国务院" / "2020.md", tmp_path).kind == "政府工作报告"
    unknown = check.truth_of(tmp_path / "政府工作报告-其他地市" / "某某市" / "2022.md", tmp_path)  # not in the gazetteer
    assert (unknown.region, unknown.level) == ("某某市", None)
    assert check.region_agrees("北京", "北京市") and check.region_agrees("全国", None)
    assert not check.region_agrees("杭州市", "滨江区") and not check.region_agrees("恩施土家族苗族自治州", "恩施州")
    assert not check.region_agrees("全国", "香港特别行政区") and not check.region_agrees("杭州市", None)


def test_check_collection_leaks_and_scoring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = _script("check_collection")
    paths = [tmp_path / "政府工作报告-省自治区" / "浙江省" / "2020.md", tmp_path / "五年规划" / "1953-一五计划.md"]
    chunk = SimpleNamespace
    parsed = {
        str(paths[0]): SimpleNamespace(
            meta=SimpleNamespace(region="浙江", level="province", kind="其他", year=2019, agency=None, title="t"),
            chunks=[
                chunk(heading_path=(), text="title: 政府工作报告\n正文"),
                chunk(heading_path=("**一、回顾**",), text="| 指标 | 数值 |\n![](a.png)<br>"),
            ],
        ),
        str(paths[1]): SimpleNamespace(
            meta=SimpleNamespace(region=None, level=None, kind="规划", year=1955, agency=None, title="t"),
            chunks=[chunk(heading_path=("第一章",), text="<!-- 注 -->正文")],
        ),
    }
    monkeypatch.setattr(check, "parse_report", lambda path: parsed[str(path)])
    summary = check.summarise(tmp_path, paths, check.read_all(paths, workers=1), 0.0)
    fields = summary["fields"]
    assert (fields["region"]["right"], fields["region"]["scored"]) == (2, 2)  # 浙江 ~ 浙江省; national ↔ None
    assert sorted(fields["year"]["patterns"]) == [("1953 → 1955", 1), ("2020 → 2019", 1)]
    assert (fields["kind"]["right"], fields["kind"]["scored"]) == (0, 1)  # the plan's kind is not scored
    assert fields["level"]["patterns"] == [("national → None", 1)]
    leaks = summary["leaks"]
    assert leaks["reports"] == 1  # the plan has only an HTML comment, listed apart
    assert {name for name, n in leaks["markers"].items() if n} == {"front matter title:/source:", "**", "| table row", "![", "<br>", "<!--"}
    assert leaks["examples"][0]["path"] == str(paths[0])
    assert "1 reports" in check.render(summary).split("Front matter or Markdown")[1].split("\n")[0]


OPENINGS = [
    {
        "id": "t1",
        "text": "杭州市滨江区人力资源和社会保障局2021年政府信息公开工作年度报告\n本报告根据《中华人民共和国政府信息公开条例》要求编制。"
        "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。\n一、总体情况\n2021年，区人力社保局认真贯彻落实《条例》。",
        "truth": {
            "region": "滨江区",
            "level": "county",
            "agency": "杭州市滨江区人力资源和社会保障局",
            "kind": "政府信息公开工作年度报告",
            "year": 2021,
        },
    },
    {
        "id": "t2",
        "text": "浙江省司法厅2021年度法治政府建设情况报告\n2021年，省司法厅坚持以习近平法治思想为指导，全面推进法治政府建设。"
        "现将有关情况报告如下：\n一、主要举措和成效\n（一）加强组织领导。",
        "truth": {"region": "浙江省", "level": "province", "agency": "浙江省司法厅", "kind": "法治政府建设年度报告", "year": 2019},
    },
]


def test_eval_openings_figures(tmp_path: Path) -> None:
    path = tmp_path / "openings.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in OPENINGS) + "\n", encoding="utf-8")
    done = _run("scripts/eval_openings.py", str(path), "--json")
    assert done.returncode == 0, done.stderr
    fields = json.loads(done.stdout)["fields"]
    assert fields["year"]["right"] == 1 and fields["year"]["misses"] == ["t2: 2019 → 2021"]  # t2's truth is wrong on purpose
    assert {name: fields[name]["share"] for name in ("region", "level", "agency~", "kind")} == {
        "region": 1.0,
        "level": 1.0,
        "agency~": 1.0,
        "kind": 1.0,
    }
    text = _run("scripts/eval_openings.py", str(path))
    assert text.returncode == 0 and "year      50.0%  (1/2)" in text.stdout


def test_eval_openings_rules() -> None:
    ev = _script("eval_openings")
    assert ev.without_parents("杭州市滨江区人力资源和社会保障局") == "滨江区人力资源和社会保障局"
    assert ev.without_parents("广西壮族自治区民政厅") == "广西壮族自治区民政厅"
    truth = {"region": "滨江区", "level": "county", "agency": "杭州市滨江区教育局", "kind": "k", "year": 2020}
    found = {"region": "滨江区", "level": "county", "agency": "滨江区教育局", "kind": "k", "year": 2020}
    assert ev.right("agency~", truth, found) and not ev.right("agency", truth, found)
    assert not ev.right("agency~", truth, {**found, "agency": "滨江区司法局"})
    assert ev.right("region", {"region": None}, {"region": None})
    assert not ev.right("region", {"region": None}, {"region": "北京市"})
    result = ev.score([{"id": "a", "truth": truth}, {"id": "b", "truth": truth}], [found, {"error": "EmptyReportError: x"}])
    assert result["fields"]["region"]["share"] == 0.5
    assert result["fields"]["region"]["misses"] == ["b: 滨江区 → EmptyReportError: x"]


def test_openings_dev_set_is_well_formed() -> None:
    ev = _script("eval_openings")
    rows = ev.load(ROOT / "eval" / "openings-dev.jsonl")
    assert len(rows) == 30 and len({row["id"] for row in rows}) == 30
    for row in rows:
        assert 300 <= len(row["text"]) <= 1200, row["id"]
        truth = row["truth"]
        assert set(truth) == {"region", "level", "agency", "kind", "year"}, row["id"]
        assert truth["level"] in {"province", "city", "county", "national"} and 2015 <= truth["year"] <= 2025
        assert truth["kind"] in {"法治政府建设年度报告", "政府信息公开工作年度报告"}
        assert (truth["region"] is None) == (truth["level"] == "national"), row["id"]
