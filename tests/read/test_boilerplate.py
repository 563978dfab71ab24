"""Boilerplate learned over the corpus being indexed: the rule, its storage with the index, and its use by writers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import DamagedIndexError
from lawsearch.index.folder import BOILERPLATE, MANIFEST, IndexFolder, report_paths
from lawsearch.index.writer import IndexWriter
from lawsearch.read import parse_report
from lawsearch.read.boilerplate import MAX_CHARS, Boilerplate
from lawsearch.verify import verify_index

from ..conftest import edit_manifest
from ..fakes import HashEmbedder
from .learning import learn_boilerplate

# The chrome of a made-up site: a header, a widget line inside the body, a footer.
SITE_TOP = ["青禾政务在线", "栏目导航", "｜", "字级：", "巨", "常", "微"]
IN_BODY = "青禾圈：转发，点赞，收藏"
SITE_BOTTOM = ["转发至青禾圈", "本页已阅", "返回青禾首页"]
CHROME = [*SITE_TOP, IN_BODY, *SITE_BOTTOM]


def page(n: int) -> str:
    """One saved page of the made-up site: a short report of its own, wrapped in the site's chrome."""
    body = [
        f"青禾县第{n}片区2024年度法治政府建设情况报告",
        f"刊发 2024-03-0{n} 08:1{n}",
        f"2024年，第{n}片区坚持依法行政，全年办理行政复议案件{30 + n}件，纠错率下降{n}个百分点，群众满意度持续提升。",
        "一、主要工作",
        f"（一）推进第{n}片区执法规范化",
        f"第{n}片区全面落实行政执法三项制度，组织执法案卷评查{n + 2}次，培训执法人员{100 + n}人次，执法规范化水平明显提升。",
        IN_BODY,
        f"（二）化解第{n}片区矛盾纠纷",
        f"第{n}片区新建调解工作室{n + 5}个，全年化解各类纠纷{800 + n}件，调解成功率达到百分之九十{n}，基层治理更加有力。",
        "二、下一步打算",
        f"第{n}片区将继续深化法治建设，推动{n + 1}项改革任务落地见效，不断提升依法行政能力和水平。",
    ]
    return "\n".join(SITE_TOP + body + SITE_BOTTOM) + "\n"


def _texts(*lines_per_report: list[str]) -> list[str]:
    return ["\n".join(lines) for lines in lines_per_report]


# -- the rule ---------------------------------------------------------------------------------------------------


def test_a_short_line_is_boilerplate_from_three_reports_on() -> None:
    stats = learn_boilerplate(_texts(["下载", "甲"], ["下载", "乙"]))
    assert stats.reports_with("下载") == 2 and not stats.is_boilerplate("下载")
    stats.add("丙\n下载\n下载")  # twice in one report counts once
    assert stats.reports_with("下载") == 3 and stats.is_boilerplate(" 下 载 ")  # whitespace does not matter
    assert not stats.is_boilerplate("甲") and not stats.is_boilerplate("") and stats.reports_with("从未出现") == 0


def test_a_large_corpus_asks_for_a_share_of_its_reports() -> None:
    stats = learn_boilerplate(["下载\n正文"] * 3 + [f"正文{n}" for n in range(396)])
    assert stats.min_reports == 4 and not stats.is_boilerplate("下载")
    stats.add("下载")
    assert stats.is_boilerplate("下载")


def test_dates_and_counters_count_together_but_statistics_keep_their_numbers() -> None:
    stats = learn_boilerplate(
        _texts(
            ["发布时间：2024-01-02 09:20", "阅读：1532", "全县城镇新增就业人数达到12万人"],
            ["发布时间：2023-11-30 17:05", "阅读：87", "全县城镇新增就业人数达到15万人"],
            ["发布时间：2025-06-01 00:00", "阅读：9", "全县城镇新增就业人数达到9万人"],
        )
    )
    assert stats.is_boilerplate("发布时间：1999-12-31 23:59") and stats.is_boilerplate("阅读：4")
    assert stats.reports_with("全县城镇新增就业人数达到12万人") == 1


@pytest.mark.parametrize(
    "line",
    [
        "一、总体情况",
        "（二）严格规范执法",
        "3.推进依法决策",  # numbered headings
        "本报告由区司法局统一汇总编写完成。",  # a sentence longer than 15 characters
        "2023年3月9日",  # the signature date: it dates the report
        "这一行很长" * (MAX_CHARS // 5 + 1),  # body text
    ],
)
def test_headings_sentences_dates_and_long_lines_are_never_boilerplate(line: str) -> None:
    stats = learn_boilerplate([f"{line}\n第{n}篇" for n in range(10)])
    assert not stats.is_boilerplate(line) and stats.reports_with(line) == 0


def test_a_short_sentence_may_be_boilerplate() -> None:
    stats = learn_boilerplate(["详见附件。\n正文"] * 3)
    assert stats.is_boilerplate("详见附件。")


def test_a_report_added_again_replaces_its_lines_and_one_removed_takes_them_out() -> None:
    stats = learn_boilerplate(["下载\n甲", "下载\n乙"])
    for _ in range(3):
        stats.add("下载\n丙", key="r3")
    assert stats.reports_with("下载") == 3 and len(stats) == 3
    stats.add("丙", key="r3")
    assert stats.reports_with("下载") == 2
    before = stats.copy()
    stats.add("下载", key="r3")
    stats.restore("r3", before)
    assert stats.reports_with("下载") == 2
    stats.remove("r3")
    stats.remove("unknown")
    assert len(stats) == 2 and stats.reports_with("丙") == 0


def test_json_round_trip() -> None:
    stats = learn_boilerplate([page(n) for n in range(1, 5)])
    stats.add(page(5), key="005")
    data = json.loads(json.dumps(stats.to_json()))
    again = Boilerplate.from_json(data)
    assert len(again) == 5 and "005" in again
    for line in [*CHROME, "刊发 2024-04-04 08:14", "一、主要工作"]:
        assert again.reports_with(line) == stats.reports_with(line)
    assert again.is_boilerplate("青禾政务在线") and not again.is_boilerplate("一、主要工作")
    assert again.to_json() == stats.to_json()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"format": 99, "digest": "blake2b-64", "reports": {}}, "format 99"),
        ({"format": 1, "digest": "md5", "reports": {}}, "'md5'"),
        ({"format": 1, "digest": "blake2b-64"}, "'reports' must be an object"),
        ({"format": 1, "digest": "blake2b-64", "reports": {"r": 5}}, "not a base64 string"),
        ({"format": 1, "digest": "blake2b-64", "reports": {"r": "@@@"}}, "not valid base64"),
        ({"format": 1, "digest": "blake2b-64", "reports": {"r": "AAAA"}}, "not a multiple of 8"),
    ],
)
def test_bad_json_is_a_clear_value_error(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Boilerplate.from_json(data)


# -- with the index -------------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Four saved pages of the made-up site."""
    folder = tmp_path / "site"
    folder.mkdir()
    for n in range(1, 5):
        (folder / f"page{n}.txt").write_text(page(n), encoding="utf-8")
    return folder


def _chunk_texts(engine: LawSearch) -> list[str]:
    return [record.text for record in engine._chunks.values()]


def _stored(index: Path) -> Boilerplate:
    folder = IndexFolder(index)
    generation = folder.current()
    return Boilerplate.from_json(folder.read_generation_json(generation, folder.read_manifest(generation), BOILERPLATE))


def _report_file_bytes(index: Path, report_ids: list[str]) -> dict[str, bytes]:
    generation = IndexFolder(index).current()
    return {path.name: path.read_bytes() for rid in report_ids for path in report_paths(generation, rid)}


def test_an_index_drops_the_sites_chrome_and_add_uses_the_stored_statistics(site: Path, tmp_path: Path) -> None:
    assert any(IN_BODY in chunk.text for chunk in parse_report(site / "page1.txt").chunks)  # alone, the widget line stays
    index = tmp_path / "idx"
    with LawSearch.build(site, index, embedder=HashEmbedder()) as engine:
        assert len(engine.manifest.reports) == 4
        assert not [text for text in _chunk_texts(engine) if any(line in text for line in CHROME)]
        existing = sorted(engine.manifest.reports)
    assert _stored(index).reports_with(IN_BODY) == 4
    before = _report_file_bytes(index, existing)

    new = tmp_path / "incoming" / "page5.txt"
    new.parent.mkdir()
    new.write_text(page(5), encoding="utf-8")
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:  # a new writer: the statistics come from the index
        summary = engine.add(new)
        assert summary.added == ["page5"]
        new_chunks = [engine._chunks[cid].text for cid in engine.manifest.reports["page5"].chunk_ids]
        assert new_chunks and not [text for text in new_chunks if any(line in text for line in CHROME)]
    assert _report_file_bytes(index, existing) == before  # the reports already indexed were not rewritten
    assert _stored(index).reports_with(IN_BODY) == 5 and "page5" in _stored(index)
    assert verify_index(index)[0] == []

    IndexWriter(index, embedder=HashEmbedder()).remove(["page5"])
    assert _stored(index).reports_with(IN_BODY) == 4 and "page5" not in _stored(index)


def test_an_update_of_a_folder_folds_changed_reports_in_once(site: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    LawSearch.build(site, index, embedder=HashEmbedder()).close()
    for _ in range(2):
        text = (site / "page1.txt").read_text(encoding="utf-8")
        (site / "page1.txt").write_text(
            text + "三、附则\n本报告自发布之日起施行，由第1片区司法所负责解释，欢迎社会各界监督。\n", encoding="utf-8"
        )
        assert IndexWriter(index, embedder=HashEmbedder()).sync_folder(site).updated == ["page1"]
    assert _stored(index).reports_with("青禾政务在线") == 4


def test_a_damaged_statistics_file_is_reported_refused_and_repaired(site: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    LawSearch.build(site, index, embedder=HashEmbedder()).close()
    path = IndexFolder(index).current() / BOILERPLATE
    path.write_bytes(path.read_bytes()[:-20] + b"garbage")
    check = CliRunner().invoke(main, ["check", "--index", str(index)])
    assert check.exit_code == 1 and BOILERPLATE in check.output and "--repair" in check.output, check.output

    new = tmp_path / "page5.txt"
    new.write_text(page(5), encoding="utf-8")
    with pytest.raises(DamagedIndexError, match=f"{BOILERPLATE}.*--repair"):
        IndexWriter(index, embedder=HashEmbedder()).add_files([new])

    repair = IndexWriter(index, embedder=HashEmbedder()).repair()
    assert repair.action == "rebuilt" and any(BOILERPLATE in problem for problem in repair.problems)
    assert verify_index(index)[0] == []
    assert _stored(index).reports_with("青禾政务在线") == 4  # learned again from the recorded files
    assert IndexWriter(index, embedder=HashEmbedder()).add_files([new]).added == ["page5"]


def test_an_index_built_before_the_statistics_were_stored_still_updates(site: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    LawSearch.build(site, index, embedder=HashEmbedder()).close()
    (IndexFolder(index).current() / BOILERPLATE).unlink()
    edit_manifest(index, lambda manifest: manifest.files.pop(BOILERPLATE))
    assert verify_index(index)[0] == []
    new = tmp_path / "page5.txt"
    new.write_text(page(5), encoding="utf-8")
    assert IndexWriter(index, embedder=HashEmbedder()).add_files([new]).added == ["page5"]
    assert len(_stored(index)) == 1  # only what was added since
    assert (IndexFolder(index).current() / MANIFEST).exists() and verify_index(index)[0] == []
