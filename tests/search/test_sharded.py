"""A shard set searched as one index: the same top-10 hits, scores and answer sets as one index holding every report,
through updates; a shard too slow or failing is named, never waited for."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lawsearch.engine import LawSearch
from lawsearch.errors import IndexFolderError, LawsearchError, NotFoundError
from lawsearch.index.folder import IndexFolder
from lawsearch.index.sharded_writer import ShardedWriter, writer_for
from lawsearch.index.shardset import ShardSet, shard_of
from lawsearch.index.writer import IndexWriter
from lawsearch.search.shard_service import ShardService
from lawsearch.search.sharded import ShardedSearch, open_index
from lawsearch.verify import verify_index

from ..conftest import ROOT, SEED_FILES, copy_dev_reports
from ..fakes import HashEmbedder

PROVINCIAL = ROOT / "tests" / "corpus" / "provincial-2026"
MODES = ("hybrid", "lexical", "dense")


def dev_questions() -> list[str]:
    """Every question of the seeds' and the provincial reports' development sets, passages and regions."""
    names = ("seeds-dev.jsonl", "seeds-dev-regions.jsonl", "provincial-dev.jsonl", "provincial-dev-regions.jsonl")
    return [json.loads(line)["query"] for name in names for line in (ROOT / "eval" / name).open(encoding="utf-8")]


def assert_same_results(one: LawSearch, other: LawSearch, questions: list[str], modes: tuple[str, ...] = MODES) -> None:
    """The same top-10 hits with the same scores (float32 cosines may differ in the last bit from process to process),
    raw scores and answer sets, question by question."""
    for mode in modes:
        for question in questions:
            first, second = one.search(question, mode=mode), other.search(question, mode=mode)
            where = f"{mode}: {question}"
            assert [hit.chunk_id for hit in first.hits] == [hit.chunk_id for hit in second.hits], where
            np.testing.assert_allclose([hit.score for hit in first.hits], [hit.score for hit in second.hits], atol=1e-6, err_msg=where)
            raw = [(hit.lexical_score or 0.0, hit.dense_score or 0.0) for hit in first.hits]
            np.testing.assert_allclose(raw, [(hit.lexical_score or 0.0, hit.dense_score or 0.0) for hit in second.hits], rtol=1e-5)
            assert (first.answers is None) == (second.answers is None), where
            if first.answers is not None and second.answers is not None:
                assert [a.region for a in first.answers.answer] == [a.region for a in second.answers.answer], where
            assert first.notes == second.notes, where


def build_one_and_set(reports: Path, work: Path) -> tuple[Path, Path]:
    """One index and a set of 3 shards of ``reports`` in ``work`` (Whoosh, whatever $LAWSEARCH_LEXICAL says)."""
    IndexWriter(work / "one", embedder=HashEmbedder(), vectors="now", lexical="whoosh").sync_folder(reports)
    ShardedWriter.at(work / "set", 3, embedder=HashEmbedder(), vectors="now", lexical="whoosh").sync_folder(reports)
    return work / "one", work / "set"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_dev_reports(tmp_path_factory.mktemp("sharded") / "reports")


@pytest.fixture(scope="module")
def built(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_one_and_set(reports, tmp_path_factory.mktemp("built"))


@pytest.fixture(scope="module")
def opened(built: tuple[Path, Path]) -> Iterator[tuple[LawSearch, LawSearch]]:
    one, shards = built
    with LawSearch.open(one, embedder=HashEmbedder()) as single, open_index(shards, embedder=HashEmbedder()) as sharded:
        yield single, sharded


def test_three_shards_answer_every_dev_question_as_one_index(built: tuple[Path, Path], opened: tuple[LawSearch, LawSearch]) -> None:
    single, sharded = opened
    assert isinstance(sharded, ShardedSearch) and sharded.shard_set.count == 3
    held = [len(IndexFolder(path).read_manifest().reports) for path in sharded.shard_set.paths]
    assert sum(held) == len(SEED_FILES) + 8 and all(held)  # split by report: every shard holds some
    questions = dev_questions()
    assert len(questions) > 100
    assert_same_results(single, sharded, questions)
    results = sharded.search(questions[0])
    assert results.shards == {"answered": 3, "of": 3, "missing": []}
    assert results.to_dict()["shards"] == results.shards


def test_filters_phrases_and_reading_back_are_those_of_one_index(opened: tuple[LawSearch, LawSearch]) -> None:
    single, sharded = opened
    for query, options in [
        ('"调解员联盟"', {}),
        ('"法治" 政府', {"mode": "lexical"}),
        ("就业", {"region": "北京"}),
        ("执法", {"year": 2022, "top_k": 5}),
        ("就业", {"kind": "政府工作报告", "level": "province", "by_region": True}),
        ("的了", {}),
    ]:
        first, second = single.search(query, **options), sharded.search(query, **options)
        assert [(h.chunk_id, round(h.score, 9)) for h in first.hits] == [(h.chunk_id, round(h.score, 9)) for h in second.hits], query
    hit = single.search("调解员联盟").hits[0]
    assert sharded.chunk(hit.chunk_id, 1) == single.chunk(hit.chunk_id, 1)
    assert sharded.report(hit.report_id) == single.report(hit.report_id)
    with pytest.raises(NotFoundError, match="no chunk"):
        sharded.chunk("nothing#001")
    with pytest.raises(LawsearchError, match="no report of region 火星"):
        sharded.search("就业", region="火星")
    info = sharded.info()
    assert info["reports"] == len(single.manifest.reports) and info["chunks"] == single.info()["chunks"]
    assert [shard["name"] for shard in info["shards"]] == ["shard-0", "shard-1", "shard-2"]
    assert sharded.check() == [] and verify_index(sharded.shard_set.root) == ([], single.info()["chunks"])


def test_updates_keep_the_set_equal_to_one_index(reports: Path, tmp_path: Path) -> None:
    """Add, change, remove, a copy of a report held by another shard: decided over the whole set, as one index
    decides them; shards with nothing to change are not committed."""
    work = tmp_path / "reports"
    shutil.copytree(reports, work)
    later = tmp_path / "later" / sorted(PROVINCIAL.glob("*.txt"))[0].name  # added by itself at the end
    later.parent.mkdir()
    (work / later.name).rename(later)
    options: dict[str, Any] = {"embedder": HashEmbedder(), "vectors": "now", "lexical": "whoosh"}
    IndexWriter(tmp_path / "one", **options).sync_folder(work)
    ShardedWriter.at(tmp_path / "set", 3, **options).sync_folder(work)
    shards = ShardSet.read(tmp_path / "set")
    before = shards.pointer()[0]
    assert ShardedWriter.at(tmp_path / "set", None, **options).sync_folder(work).generation is None  # nothing changed
    assert shards.pointer()[0] == before

    changed = work / SEED_FILES[1].name
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n五、其他\n全区新建调解工作室六个，全年化解纠纷八百六十件。\n", encoding="utf-8"
    )
    (work / SEED_FILES[2].name).unlink()
    copy_name = next(f"copy-{n}.txt" for n in range(100) if shard_of(f"copy-{n}", 3) != shard_of(SEED_FILES[0].stem, 3))
    shutil.copy(SEED_FILES[0], work / copy_name)  # the same report, its id in another shard
    single = IndexWriter(tmp_path / "one", **options).sync_folder(work)
    sharded = ShardedWriter.at(tmp_path / "set", None, **options).sync_folder(work)
    assert (sharded.updated, sharded.removed, sharded.copies) == (single.updated, single.removed, single.copies)
    assert sharded.copies == [(str(work / copy_name), SEED_FILES[0].stem)]
    touched = {shard_of(SEED_FILES[1].stem, 3), shard_of(SEED_FILES[2].stem, 3), shard_of(SEED_FILES[0].stem, 3)}
    after = dict(part.split("=") for part in (shards.pointer()[0] or "").split())
    untouched = [name for number, name in enumerate(shards.names) if number not in touched]
    assert all(after[name] == dict(part.split("=") for part in before.split())[name] for name in untouched)

    with LawSearch.open(tmp_path / "one", embedder=HashEmbedder()) as one, open_index(tmp_path / "set", embedder=HashEmbedder()) as set_:
        assert_same_results(one, set_, ["调解工作室", "哪些地区建立了调解员联盟", "劳动关系风险监测预警", "重大行政决策程序"])
        added = set_.add(later)
        assert added.added == [later.stem] == one.add(later).added
        summary = set_.remove(SEED_FILES[3].stem)
        assert summary.removed == [SEED_FILES[3].stem] and SEED_FILES[3].stem not in set_.manifest.reports
        one.remove(SEED_FILES[3].stem)
        assert_same_results(one, set_, ["调解工作室", "哪些地区建立了调解员联盟", "哪些省份提出了发展低空经济"], modes=("hybrid",))


def test_words_first_then_vectors_give_the_set_one_index_has(reports: Path, built: tuple[Path, Path], tmp_path: Path) -> None:
    """`lawsearch index --shards 3 --vectors later`, then `lawsearch embed`: every shard's vectors made, shard by shard."""
    words = ShardedWriter.at(tmp_path / "set", 3, embedder=HashEmbedder(), vectors="later", lexical="whoosh").sync_folder(reports)
    assert words.pending == len(SEED_FILES) + 8
    with open_index(tmp_path / "set", embedder=HashEmbedder()) as partial:
        assert partial.dense_coverage == (0, len(SEED_FILES) + 8)
    done = writer_for(tmp_path / "set", embedder=HashEmbedder()).embed_pending()
    assert done.pending == 0 and done.embedding.embedded > 0
    with LawSearch.open(built[0], embedder=HashEmbedder()) as one, open_index(tmp_path / "set", embedder=HashEmbedder()) as sharded:
        assert sharded.dense_coverage == (len(SEED_FILES) + 8,) * 2
        assert_same_results(one, sharded, dev_questions()[:30], modes=("hybrid", "dense"))


class SlowShard(ShardService):
    """A shard that takes 10 s to retrieve (one whose folder holds slow.txt)."""

    def retrieve(self, *args: Any) -> Any:
        if (self.path / "slow.txt").exists():
            time.sleep(10)
        return super().retrieve(*args)


class BrokenShard(ShardService):
    def candidates(self, *args: Any) -> Any:
        if (self.path / "broken.txt").exists():
            raise OSError("disk gone")
        return super().candidates(*args)


def test_a_slow_shard_is_named_and_not_waited_for(built: tuple[Path, Path], opened: tuple[LawSearch, LawSearch], tmp_path: Path) -> None:
    _, shards = built
    copy = tmp_path / "set"
    shutil.copytree(shards, copy)
    (copy / "shard-1" / "slow.txt").write_text("", encoding="utf-8")
    with ShardedSearch.open(copy, embedder=HashEmbedder(), timeout=1.5, service=SlowShard) as sharded:
        started = time.monotonic()
        results = sharded.search("哪些地区建立了调解员联盟")
        assert time.monotonic() - started < 10
    assert results.shards == {"answered": 2, "of": 3, "missing": ["shard-1"]}
    held = len(IndexFolder(copy / "shard-1").read_manifest().reports)
    assert f"shard-1 did not answer within 1.5 s: the {held} reports it holds are not in these results" in results.notes
    assert results.hits and all(shard_of(hit.report_id, 3) != 1 for hit in results.hits)


def test_a_failing_shard_is_named_with_its_error(built: tuple[Path, Path], tmp_path: Path) -> None:
    _, shards = built
    copy = tmp_path / "set"
    shutil.copytree(shards, copy)
    (copy / "shard-2" / "broken.txt").write_text("", encoding="utf-8")
    with ShardedSearch.open(copy, embedder=HashEmbedder(), service=BrokenShard) as sharded:
        results = sharded.search("就业")
    assert results.shards == {"answered": 2, "of": 3, "missing": ["shard-2"]}
    assert any(note.startswith("shard-2 failed (OSError: disk gone)") for note in results.notes)
    assert results.hits and all(shard_of(hit.report_id, 3) != 2 for hit in results.hits)


def test_what_is_not_a_shard_set_is_said(built: tuple[Path, Path], tmp_path: Path) -> None:
    one, shards = built
    with pytest.raises(IndexFolderError, match="a set of 3 shards, not 4"):
        ShardedWriter.at(shards, 4)
    with pytest.raises(IndexFolderError, match="holds an index that is not sharded"):
        writer_for(one, 3)
    with pytest.raises(IndexFolderError, match="one index, not a shard set"):
        open_index(one, ray="local")
    with pytest.raises(IndexFolderError, match="is a shard set: open it with"):
        LawSearch.open(shards)
    with pytest.raises(IndexFolderError, match="is a shard set: build it with"):
        LawSearch.build(SEED_FILES[0], shards)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(IndexFolderError, match="not empty and holds no lawsearch index"):
        ShardedWriter.at(tmp_path, 2)
    assert not (tmp_path / "shards.json").exists()
    broken = tmp_path / "broken"
    shutil.copytree(shards, broken)
    (broken / "shards.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexFolderError, match="shards.json cannot be read"):
        open_index(broken)
    with pytest.raises(LawsearchError, match="not repaired as a whole"):
        writer_for(shards).repair()
