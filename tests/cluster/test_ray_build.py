"""Building on a real local Ray cluster (a head and two worker nodes on loopback): the index it writes is the one a
single machine writes, a worker that dies is restarted, and one that keeps dying fails the build cleanly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ray.cluster_utils import Cluster

from lawsearch.engine import LawSearch
from lawsearch.errors import LawsearchError
from lawsearch.index.folder import IndexFolder
from lawsearch.index.records import read_report_vectors
from lawsearch.index.writer import IndexWriter
from lawsearch.models import Report

from ..conftest import ROOT, SEED_FILES
from ..fakes import DyingEmbedder, HashEmbedder


@pytest.fixture(scope="module")
def here(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index a single machine builds of ``reports``."""
    index = tmp_path_factory.mktemp("here") / "idx"
    IndexWriter(index, embedder=HashEmbedder(), vectors="now").sync_folder(reports)
    return index


def _questions() -> list[str]:
    lines = [
        json.loads(line) for name in ("seeds-dev.jsonl", "provincial-dev.jsonl") for line in (ROOT / "eval" / name).open(encoding="utf-8")
    ]
    return [line["query"] for line in lines]


def _same_index(one: Path, other: Path) -> None:
    """The same reports, chunks and vectors, and the same top 10 hits with the same scores for every dev question."""
    first, second = IndexFolder(one).read_manifest(), IndexFolder(other).read_manifest()
    assert sorted(first.reports) == sorted(second.reports) and len(first.reports) == len(SEED_FILES) + 8
    for report_id, entry in first.reports.items():
        twin = second.reports[report_id]
        assert (entry.sha256, entry.chunk_ids, entry.units, entry.meta, entry.vectors) == (
            twin.sha256,
            twin.chunk_ids,
            twin.units,
            twin.meta,
            twin.vectors,
        )
        np.testing.assert_allclose(
            read_report_vectors(IndexFolder(one).current(), report_id),
            read_report_vectors(IndexFolder(other).current(), report_id),
            atol=1e-6,
        )
    with LawSearch.open(one, embedder=HashEmbedder()) as a, LawSearch.open(other, embedder=HashEmbedder()) as b:
        for question in _questions():
            hits, twins = a.search(question, top_k=10).hits, b.search(question, top_k=10).hits
            assert [hit.chunk_id for hit in hits] == [hit.chunk_id for hit in twins], question
            np.testing.assert_allclose([hit.score for hit in hits], [hit.score for hit in twins], atol=1e-6)


def test_the_cluster_builds_the_index_a_single_machine_builds(cluster: Cluster, reports: Path, here: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    driver = HashEmbedder()
    summary = IndexWriter(index, embedder=driver, vectors="now", ray=cluster.address).sync_folder(reports)
    assert len(summary.added) == len(SEED_FILES) + 8 and summary.embedding.embedded > 0
    assert driver.passages_embedded == 0  # every passage was embedded by the cluster's actors, none here
    _same_index(here, index)

    again = IndexWriter(index, embedder=driver, vectors="now", ray=cluster.address).sync_folder(reports, rebuild=True)
    assert again.embedding.embedded == 0 and again.embedding.cached > 0  # the cache was filled: a re-run embeds nothing

    mine = tmp_path / "reports"
    shutil.copytree(reports, mine)
    changed = mine / SEED_FILES[1].name
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n五、其他\n全区新建调解工作室六个，全年化解纠纷八百六十件。\n", encoding="utf-8"
    )
    update = IndexWriter(index, embedder=driver, vectors="now", ray=cluster.address).sync_folder(mine)
    assert update.updated == [SEED_FILES[1].stem] and len(update.unchanged) == len(SEED_FILES) + 7  # only it went to the cluster
    assert 0 < update.embedding.embedded < 10 and driver.passages_embedded == 0


def test_words_first_then_vectors_run_on_one_session_of_the_cluster(
    cluster: Cluster, reports: Path, here: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large update commits the words first and then embeds (lawsearch.index.pending), both on the cluster, which is
    connected once; the index is the one built here in one pass."""
    import lawsearch.cluster.ray_build as ray_build
    import lawsearch.index.writer as writer_module

    monkeypatch.setattr(writer_module, "LEXICAL_FIRST_PASSAGES", 100)  # this corpus is then "large"
    sessions: list[object] = []
    real_init = ray_build.RaySession.__init__

    def counted(self: ray_build.RaySession, *args: object, **kwargs: object) -> None:
        sessions.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ray_build.RaySession, "__init__", counted)
    driver = HashEmbedder()
    summary = IndexWriter(tmp_path / "idx", embedder=driver, ray=cluster.address).sync_folder(reports)
    assert summary.pending == 0 and summary.embedding.embedded > 0 and driver.passages_embedded == 0
    assert any(note.startswith("vectors made for 13 report(s)") for note in summary.notes), summary.notes  # words first
    assert len(sessions) == 1
    _same_index(here, tmp_path / "idx")


def test_a_worker_that_dies_while_embedding_is_restarted_and_the_build_finishes(
    cluster: Cluster, reports: Path, here: Path, tmp_path: Path
) -> None:
    deaths = tmp_path / "deaths"
    deaths.mkdir()
    index = tmp_path / "idx"
    IndexWriter(index, embedder=DyingEmbedder(str(deaths), times=1), vectors="now", ray=cluster.address).sync_folder(reports)
    assert len(list(deaths.iterdir())) == 1  # one worker died, once
    _same_index(here, index)


def test_a_worker_that_keeps_dying_fails_the_build_and_leaves_the_committed_index(cluster: Cluster, reports: Path, tmp_path: Path) -> None:
    deaths = tmp_path / "deaths"
    deaths.mkdir()
    index = tmp_path / "idx"
    IndexWriter(index, embedder=HashEmbedder(), vectors="now").add_files(SEED_FILES[:2])
    folder = IndexFolder(index)
    committed = folder.current()
    before = sorted(path.relative_to(index) for path in index.rglob("*") if path.is_file() and "READERS" not in path.parts)
    with pytest.raises(LawsearchError, match="Ray cluster at .* failed to embed.*; the last committed index stands"):
        IndexWriter(index, embedder=DyingEmbedder(str(deaths), times=1_000), vectors="now", ray=cluster.address).sync_folder(reports)
    assert len(list(deaths.iterdir())) > 1  # restarted, and dead again
    assert folder.current() == committed and sorted(folder.read_manifest().reports) == sorted(path.stem for path in SEED_FILES[:2])
    after = sorted(path.relative_to(index) for path in index.rglob("*") if path.is_file() and "READERS" not in path.parts)
    assert after == before  # no generation left behind, none changed
    assert not folder.verify(committed, folder.read_manifest())


def test_the_cli_builds_on_the_cluster_with_the_bundled_model_as_it_builds_here(cluster: Cluster, tmp_path: Path) -> None:
    """A real model, a real command: `lawsearch index … --ray=ADDRESS` in its own process gives the vectors and the
    results that the same command gives without it."""
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SEED_FILES[0], one / SEED_FILES[0].name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, extra in (("here", []), ("cluster", [f"--ray={cluster.address}"])):
        result = subprocess.run(
            [sys.executable, "-m", "lawsearch.cli", "index", str(one), "--index", str(tmp_path / name), "-q", "--json", *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["added"] == [SEED_FILES[0].stem]
    here, there = IndexFolder(tmp_path / "here"), IndexFolder(tmp_path / "cluster")
    np.testing.assert_allclose(
        read_report_vectors(here.current(), SEED_FILES[0].stem), read_report_vectors(there.current(), SEED_FILES[0].stem), atol=1e-4
    )
    with LawSearch.open(tmp_path / "here") as a, LawSearch.open(tmp_path / "cluster") as b:
        for question in _questions()[:15]:  # the seeds' questions
            hits, twins = a.search(question, top_k=10).hits, b.search(question, top_k=10).hits
            assert [hit.chunk_id for hit in hits] == [hit.chunk_id for hit in twins], question
            np.testing.assert_allclose([hit.score for hit in hits], [hit.score for hit in twins], atol=1e-3)


def test_without_ray_installed_ray_is_an_error_that_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SEED_FILES[0], one / SEED_FILES[0].name)
    with pytest.raises(LawsearchError, match=r"--ray needs Ray, which is not installed: pip install 'lawsearch\[ray\]'"):
        IndexWriter(tmp_path / "idx", embedder=HashEmbedder(), ray="local").sync_folder(one)
    assert not IndexFolder(tmp_path / "idx").exists()


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("127.0.0.1:1", "cannot reach the Ray cluster at 127.0.0.1:1: Connection refused (is `ray start --head` running there?)"),
        ("ray://127.0.0.1:1", "cannot reach the Ray cluster at ray://127.0.0.1:1: Connection refused"),
        ("nowhere", "--ray=nowhere: not an address; give local, auto, HOST:PORT or ray://HOST:PORT"),
    ],
)
def test_a_cluster_that_is_not_there_is_one_line_at_once_and_nothing_is_written(tmp_path: Path, address: str, said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lawsearch.cli", "index", str(SEED_FILES[0]), "--index", str(tmp_path / "idx"), f"--ray={address}"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,  # Ray itself would try for minutes
    )
    assert result.returncode == 1 and result.stderr.startswith(f"error: {said}"), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "idx").exists()


def test_pdf_word_html_and_hostile_files_read_on_the_cluster_as_here(cluster: Cluster, tmp_path: Path) -> None:
    """Files travel as bytes; a worker reads PDF, Word and HTML in its own sandbox, so a memory bomb is the same one
    failure naming the limit, and every other file the same report, as when read here."""
    from lawsearch.cluster.ray_build import RaySession
    from lawsearch.read.sandbox import ReaderPool, ReadLimits

    from .. import hostile_documents as hostile
    from ..documents import make_docx, make_pdf

    folder = tmp_path / "files"
    folder.mkdir()
    paths = [
        make_pdf(folder / "good.pdf", ["全面推进依法行政，持续优化营商环境。" * 4] * 3),
        make_docx(
            folder / "word.docx", [("heading", "一、主要工作", 1), ("paragraph", "全区新建调解工作室六个，全年化解纠纷八百六十件。")]
        ),
        hostile.self_drawing_pdf(folder / "bomb.pdf"),
        folder / "broken.pdf",
        folder / "page.html",
        folder / "empty.txt",
        folder / "gone.txt",
        Path(shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)),
    ]
    (folder / "broken.pdf").write_bytes(paths[0].read_bytes()[:300])
    (folder / "page.html").write_text("<html><body><p>一、总体情况</p><p>依法行政工作全面推进。</p></body></html>", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    limits = ReadLimits(memory_mb=768, seconds=60)
    with ReaderPool(limits) as pool:
        here = list(pool.read(paths))
    session = RaySession(cluster.address)
    try:
        there = list(session.reader(limits).read(paths))
    finally:
        session.close()
    assert [path for path, _ in there] == paths
    for (path, mine), (_, theirs) in zip(here, there, strict=True):
        assert type(mine) is type(theirs), (path, mine, theirs)
        if isinstance(mine, Report):
            assert mine == theirs, path
        elif path.name != "bomb.pdf":  # how a reader dies past its memory cap depends on what it read before: below
            assert (mine.path, mine.reason) == (theirs.path, theirs.reason), path
    reasons = {path.name: result.reason for path, result in there if not isinstance(result, Report)}
    assert set(reasons) == {"bomb.pdf", "broken.pdf", "empty.txt", "gone.txt"}
    assert "the 768 MB memory limit for one file (--read-memory-mb)" in reasons["bomb.pdf"], reasons["bomb.pdf"]
