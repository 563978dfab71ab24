"""A generation's report records: the typed chunk record, and the one place that reads a report's records back.

Each report of a generation is stored as a chunk file (JSON: a list of ``{"id", "heading_path", "text", "units"}``)
and a vector file (``.npy``: one unit row per sentence, in the order of the records).

>>> record = ChunkRecord.from_json("a/2021", {"id": "a/2021#000", "heading_path": ["一、总体情况"], "text": "正文", "units": 2})
>>> record.heading_path, record.units, record.to_json()["heading_path"]
(('一、总体情况',), 2, ['一、总体情况'])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    """One chunk as stored in a generation: its id, its report, its heading path, its text and how many sentence
    vectors (``units``) it has."""

    id: str
    report_id: str
    heading_path: tuple[str, ...]
    text: str
    units: int = 1

    @classmethod
    def from_json(cls, report_id: str, data: dict[str, Any]) -> ChunkRecord:
        """The record of ``report_id`` from its stored JSON object (``units`` absent: one)."""
        return cls(data["id"], report_id, tuple(data["heading_path"]), data["text"], int(data.get("units", 1)))

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in the report's chunk file (the report id is the file's)."""
        return {"id": self.id, "heading_path": list(self.heading_path), "text": self.text, "units": self.units}


def read_report_records(generation: Path, report_id: str) -> tuple[list[ChunkRecord], Any]:
    """The chunk records and the vector matrix of one report of ``generation``."""
    from .folder import read_report_files

    stored, vectors = read_report_files(generation, report_id)
    return [ChunkRecord.from_json(report_id, data) for data in stored], vectors
