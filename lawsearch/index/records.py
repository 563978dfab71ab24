"""A generation's report records: the one module that defines, writes and reads them.

Each report of a generation is stored as two files under ``reports/``, named by a hash of the report id
(:func:`report_file_stem`): a chunk file (JSON: a list of ``{"id", "heading_path", "text", "units"}``, one
:class:`ChunkRecord` each) and a vector file (``.npy``: float32, one unit row per sentence, in the order of the
records). ``FORMAT_VERSION`` is the format of the whole generation, recorded in its manifest
(:mod:`lawsearch.index.folder`); a change to what is stored here is a change of format.

>>> record = ChunkRecord.from_json("a/2021", {"id": "a/2021#000", "heading_path": ["一、总体情况"], "text": "正文", "units": 2})
>>> record.heading_path, record.units, record.to_json()["heading_path"]
(('一、总体情况',), 2, ['一、总体情况'])
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# 3: checksums of every file in the manifest, report files named by a hash of the report id.
# 4: reports read by lawsearch.read (page stage, level and kind, lead headings), boilerplate.json; later in format 4 a
#    vector per sentence, the count of a chunk's vectors in its record (``units``; absent in earlier ones: one).
FORMAT_VERSION = 4
REPORTS_DIR = "reports"


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    """One chunk as stored in a generation: its id, its report, its heading path, its text and how many sentence
    vectors (``units``) it has.

    ``units_recorded`` is False for a record read from a chunk file written before records counted their vectors (one
    vector a chunk): it is written back as it was read, without ``units``."""

    id: str
    report_id: str
    heading_path: tuple[str, ...]
    text: str
    units: int = 1
    units_recorded: bool = field(default=True, compare=False, repr=False)

    @classmethod
    def from_json(cls, report_id: str, data: dict[str, Any]) -> ChunkRecord:
        """The record of ``report_id`` from its stored JSON object (``units`` absent: one)."""
        recorded = "units" in data
        units = int(data["units"]) if recorded else 1
        return cls(data["id"], report_id, tuple(data["heading_path"]), data["text"], units, recorded)

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in the report's chunk file (the report id is the file's)."""
        data: dict[str, Any] = {"id": self.id, "heading_path": list(self.heading_path), "text": self.text}
        if self.units_recorded:
            data["units"] = self.units
        return data


def report_file_stem(report_id: str) -> str:
    """The on-disk name of a report's files: a hash of its id, so that any file name (long, odd characters) works.

    >>> report_file_stem("002_e3a39e3814c16024")
    '35e2f75ae6d8b449bc0ce0abc15ccd18'
    """
    return hashlib.sha256(report_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def report_paths(generation: Path, report_id: str) -> tuple[Path, Path]:
    """The chunk file and the vector file of one report in a generation."""
    folder = generation / REPORTS_DIR
    stem = report_file_stem(report_id)
    return folder / f"{stem}.json", folder / f"{stem}.npy"


def _flush_to_disk(handle: IO[Any]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def write_report_records(generation: Path, report_id: str, records: list[ChunkRecord], vectors: Any) -> None:
    """Write (or replace, as new files) one report's chunk records and their vectors."""
    import numpy as np

    chunk_path, vector_path = report_paths(generation, report_id)
    chunk_path.parent.mkdir(parents=True, exist_ok=True)
    for path in (chunk_path, vector_path):
        path.unlink(missing_ok=True)  # break the hard link to the previous generation's file
    with chunk_path.open("w", encoding="utf-8") as text:
        json.dump([record.to_json() for record in records], text, ensure_ascii=False)
        _flush_to_disk(text)
    with vector_path.open("wb") as binary:
        np.save(binary, np.ascontiguousarray(vectors, dtype=np.float32))
        _flush_to_disk(binary)


def read_report_records(generation: Path, report_id: str) -> tuple[list[ChunkRecord], Any]:
    """The chunk records and the vector matrix of one report of ``generation``."""
    return read_chunk_records(generation, report_id), read_report_vectors(generation, report_id)


def read_chunk_records(generation: Path, report_id: str) -> list[ChunkRecord]:
    """The chunk records of one report of ``generation``."""
    stored = json.loads(report_paths(generation, report_id)[0].read_text(encoding="utf-8"))
    return [ChunkRecord.from_json(report_id, data) for data in stored]


def read_report_vectors(generation: Path, report_id: str) -> Any:
    """The vector matrix of one report of ``generation`` (a row a sentence, in the order of its records)."""
    import numpy as np

    return np.load(report_paths(generation, report_id)[1])


def remove_report_records(generation: Path, report_id: str) -> None:
    """Remove one report's files from ``generation``."""
    for path in report_paths(generation, report_id):
        path.unlink(missing_ok=True)


def held_report_ids(generation: Path) -> list[str]:
    """The report ids the chunk files of ``generation`` name (each checked against its file's name), sorted; a
    damaged chunk file names none."""
    held = set()
    for path in (generation / REPORTS_DIR).glob("*.json"):
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            report_id = str(stored[0]["id"]).rpartition("#")[0]
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            continue
        if report_id and report_file_stem(report_id) == path.stem:
            held.add(report_id)
    return sorted(held)


def stored_vector_dim(generation: Path) -> int | None:
    """The dimension of the vectors stored in ``generation``: that of the first readable vector file with a row (by
    file name); None when there is none."""
    import numpy as np

    for path in sorted((generation / REPORTS_DIR).glob("*.npy")):
        try:
            shape = np.load(path, mmap_mode="r").shape
        except (OSError, ValueError, EOFError):
            continue
        if len(shape) == 2 and shape[0]:
            return int(shape[1])
    return None
