"""A shard set searched through shard actors on a real local Ray cluster (a head and two worker nodes): every dev
question answered as one index answers it; a shard whose worker is killed during a search is named, and back at the
next search once Ray has restarted it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray.cluster_utils import Cluster

from lawsearch.engine import LawSearch
from lawsearch.index.sharded_writer import ShardedWriter
from lawsearch.index.shardset import shard_of
from lawsearch.search.sharded import ShardedSearch

from ..conftest import ROOT
from ..fakes import DyingShard, HashEmbedder
from ..search.test_sharded import assert_same_results, build_one_and_set, dev_questions


@pytest.fixture(scope="module")
def built(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_one_and_set(reports, tmp_path_factory.mktemp("ray-shards"))


@pytest.fixture
def on_cluster(cluster: Cluster, built: tuple[Path, Path]) -> Iterator[tuple[LawSearch, ShardedSearch]]:
    one, shards = built
    with (
        LawSearch.open(one, embedder=HashEmbedder()) as single,
        ShardedSearch.open(shards, embedder=HashEmbedder(), ray=cluster.address, service=DyingShard) as sharded,
    ):
        yield single, sharded


def test_shard_actors_answer_every_dev_question_as_one_index(on_cluster: tuple[LawSearch, ShardedSearch]) -> None:
    single, sharded = on_cluster
    assert_same_results(single, sharded, dev_questions())
    assert sharded.search("就业").shards == {"answered": 3, "of": 3, "missing": []}


def test_a_worker_killed_during_a_search_names_its_shard_and_comes_back(on_cluster: tuple[LawSearch, ShardedSearch]) -> None:
    single, sharded = on_cluster
    marker = sharded.shard_set.paths[1] / "die.txt"
    marker.write_text("", encoding="utf-8")
    try:
        started = time.monotonic()
        results = sharded.search("哪些地区建立了调解员联盟")
        assert time.monotonic() - started < sharded.timeout  # the death is seen at once, not at the deadline
    finally:
        marker.unlink()
    assert results.shards == {"answered": 2, "of": 3, "missing": ["shard-1"]}
    assert any(note.startswith("shard-1 lost its worker") for note in results.notes), results.notes
    assert results.hits and all(shard_of(hit.report_id, 3) != 1 for hit in results.hits)
    deadline = time.monotonic() + 120  # Ray restarts the actor, which opens its shard again: searches until then name it
    while (again := sharded.search("哪些地区建立了调解员联盟")).shards["missing"] and time.monotonic() < deadline:
        assert again.shards == {"answered": 2, "of": 3, "missing": ["shard-1"]}
        time.sleep(0.5)
    assert again.shards == {"answered": 3, "of": 3, "missing": []}
    assert_same_results(single, sharded, ["哪些地区建立了调解员联盟", "劳动关系风险监测预警"])


def test_the_cli_searches_a_shard_set_on_the_cluster(cluster: Cluster, built: tuple[Path, Path]) -> None:
    one, shards = built
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "lawsearch.cli", "search", "哪些地区建立了调解员联盟", "--mode", "lexical", "--json"]
    here = subprocess.run([*command, "--index", str(one)], capture_output=True, text=True, env=env, timeout=300)
    there = subprocess.run(
        [*command, "--index", str(shards), f"--ray={cluster.address}"], capture_output=True, text=True, env=env, timeout=300
    )
    assert here.returncode == there.returncode == 0, there.stderr
    first, second = json.loads(here.stdout), json.loads(there.stdout)
    assert second["shards"] == {"answered": 3, "of": 3, "missing": []}
    assert [(h["chunk_id"], round(h["score"], 9)) for h in first["hits"]] == [(h["chunk_id"], round(h["score"], 9)) for h in second["hits"]]
    assert [a["region"] for a in first["answer"]] == [a["region"] for a in second["answer"]]


def test_a_server_on_the_cluster_picks_up_a_shard_commit(cluster: Cluster, built: tuple[Path, Path], tmp_path: Path) -> None:
    """`lawsearch serve --ray`: when a shard commits, the next request searches the set anew with fresh actors; the
    old ones go once their requests are done."""
    from lawsearch.web.live import LiveIndex

    shards = tmp_path / "set"
    shutil.copytree(built[1], shards)
    live = LiveIndex(shards, check_every=0.0, warm=False, ray=cluster.address)
    try:
        with live.use() as engine:
            assert engine.search("就业", mode="lexical").shards == {"answered": 3, "of": 3, "missing": []}
            gone = next(iter(engine.manifest.reports))
        with ShardedSearch.open(shards, embedder=HashEmbedder()) as writer_side:
            writer_side.remove(gone)
        with live.use() as engine:
            assert gone not in engine.manifest.reports
            results = engine.search("就业", mode="lexical")
            assert results.shards == {"answered": 3, "of": 3, "missing": []} and results.hits
    finally:
        live.close()


def test_a_shard_set_built_on_the_cluster_is_the_one_built_here(
    cluster: Cluster, reports: Path, built: tuple[Path, Path], tmp_path: Path
) -> None:
    """`lawsearch index DIR --shards 3 --ray`: read and embedded on the cluster (one connection for every shard), the
    set holds the reports, chunks and vectors of the set built here, and answers alike."""
    driver = HashEmbedder()
    summary = ShardedWriter.at(tmp_path / "set", 3, embedder=driver, vectors="now", lexical="whoosh", ray=cluster.address).sync_folder(
        reports
    )
    assert len(summary.added) == 13 and summary.embedding.embedded > 0 and driver.passages_embedded == 0
    with (
        ShardedSearch.open(built[1], embedder=HashEmbedder()) as here,
        ShardedSearch.open(tmp_path / "set", embedder=HashEmbedder()) as there,
    ):
        assert {rid: entry.chunk_ids for rid, entry in here.manifest.reports.items()} == {
            rid: entry.chunk_ids for rid, entry in there.manifest.reports.items()
        }
        assert_same_results(here, there, dev_questions()[:20])
