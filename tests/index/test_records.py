"""A generation's report records (lawsearch.index.records) and the writer's typed options (WriterOptions).

Records are written back byte for byte as they were read — also those of early format-4 indexes, which stored no
``units`` — so that a report kept by an update has the same chunk file. The writer's options given as a WriterOptions
or by keyword are checked alike, with the messages the keyword options always had.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lawsearch.engine import LawSearch
from lawsearch.errors import ArgumentError
from lawsearch.index.folder import IndexFolder
from lawsearch.index.records import (
    ChunkRecord,
    held_report_ids,
    read_report_records,
    remove_report_records,
    report_paths,
    stored_vector_dim,
    write_report_records,
)
from lawsearch.index.writer import IndexWriter, WriterOptions
from lawsearch.read.sandbox import ReadLimits

from ..conftest import SEED_FILES
from ..fakes import HashEmbedder

SEED = SEED_FILES[0].stem


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of one seed with the fake embedder."""
    root = tmp_path_factory.mktemp("records")
    LawSearch.build(SEED_FILES[0], root / "index", options=WriterOptions(embedder=HashEmbedder())).close()
    return root / "index"


def test_a_report_is_written_back_byte_for_byte(built: Path, tmp_path: Path) -> None:
    generation = IndexFolder(built).current()
    records, vectors = read_report_records(generation, SEED)
    assert records and all(record.report_id == SEED and record.units >= 1 for record in records)
    assert sum(record.units for record in records) == vectors.shape[0]
    write_report_records(tmp_path, SEED, records, vectors)
    for stored, written in zip(report_paths(generation, SEED), report_paths(tmp_path, SEED), strict=True):
        assert written.read_bytes() == stored.read_bytes()
    assert held_report_ids(tmp_path) == [SEED] and stored_vector_dim(tmp_path) == HashEmbedder.dim
    remove_report_records(tmp_path, SEED)
    assert not any(path.exists() for path in report_paths(tmp_path, SEED)) and held_report_ids(tmp_path) == []


def test_the_chunk_file_holds_id_heading_path_text_and_units_in_that_order(built: Path) -> None:
    chunk_file = report_paths(IndexFolder(built).current(), SEED)[0]
    stored = json.loads(chunk_file.read_text(encoding="utf-8"))
    assert [list(data) for data in stored] == [["id", "heading_path", "text", "units"]] * len(stored)
    assert "\\u" not in chunk_file.read_text(encoding="utf-8")  # Chinese as it is, not escaped


def test_a_record_without_units_is_one_vector_and_written_back_without_them(tmp_path: Path) -> None:
    stored = [{"id": "a#000", "heading_path": ["一、总体情况"], "text": "正文。"}, {"id": "a#001", "heading_path": [], "text": "二"}]
    records = [ChunkRecord.from_json("a", data) for data in stored]
    assert [record.units for record in records] == [1, 1]
    assert [record.to_json() for record in records] == stored
    chunk_file = report_paths(tmp_path, "a")[0]
    chunk_file.parent.mkdir()
    chunk_file.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    before = chunk_file.read_bytes()
    write_report_records(tmp_path, "a", records, np.zeros((2, 4), dtype=np.float32))
    assert chunk_file.read_bytes() == before
    assert ChunkRecord("a#000", "a", (), "x", units=3).to_json() == {"id": "a#000", "heading_path": [], "text": "x", "units": 3}


def test_writer_options_are_checked_by_name_with_the_keyword_messages() -> None:
    assert WriterOptions.checked("build") == WriterOptions()
    assert WriterOptions.checked("build", WriterOptions(max_chars=300), include_all=True) == WriterOptions(max_chars=300, include_all=True)
    with pytest.raises(ArgumentError, match="^build\\(\\) takes no option 'colour'; its options are model, embedder, device, "):
        WriterOptions.checked("build", colour=True)
    with pytest.raises(ArgumentError, match="^add\\(\\) takes no option 'embedder'; its options are model, device, "):
        WriterOptions.checked("add", WriterOptions(embedder=HashEmbedder()), own=("embedder",))  # also inside options
    with pytest.raises(ArgumentError, match="^options must be a WriterOptions or None, not dict {}$"):
        WriterOptions.checked("build", {})
    with pytest.raises(ArgumentError, match="^wait must be a number from 0 to inf, not str '5'$"):
        WriterOptions.checked("remove", WriterOptions(wait="5"))  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="^read_limits.memory_mb must be a whole number 64 or more, not int 1$"):
        WriterOptions.checked("build", read_limits=ReadLimits(memory_mb=1))
    with pytest.raises(ArgumentError, match="^ray_gpus must be a number from 0 to inf, not int -1$"):
        WriterOptions.checked("build", ray="local", ray_gpus=-1)
    with pytest.raises(ArgumentError, match="^ray must be "):
        WriterOptions.checked("build", ray=6379)
    assert WriterOptions.names()[:3] == ["model", "embedder", "device"] and WriterOptions.names()[-3:] == ["wait", "ray", "ray_gpus"]


def test_a_writer_takes_options_changed_by_keyword(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    writer = IndexWriter(tmp_path / "idx", WriterOptions(embedder=embedder, max_chars=300), progress=True)
    assert writer.options == WriterOptions(embedder=embedder, max_chars=300, progress=True)
    assert IndexWriter(tmp_path / "idx", max_chunks=7).options == WriterOptions(max_chunks=7)
    with pytest.raises(TypeError):
        IndexWriter(tmp_path / "idx", colour=True)


def test_the_engine_takes_writer_options_as_one_object(built: Path, tmp_path: Path) -> None:
    index = Path(shutil.copytree(built, tmp_path / "index", ignore=shutil.ignore_patterns("READERS")))
    with LawSearch.open(index, embedder=HashEmbedder()) as engine:
        with pytest.raises(ArgumentError, match="^add\\(\\) takes no option 'embedder'"):
            engine.add(SEED_FILES[1], options=WriterOptions(embedder=HashEmbedder()))
        assert engine.add(SEED_FILES[1], options=WriterOptions(wait=1.0)).added == [SEED_FILES[1].stem]
        assert engine.remove(SEED_FILES[1].stem, options=WriterOptions(), wait=2).removed == [SEED_FILES[1].stem]
