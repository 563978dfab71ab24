"""A generation's vector base: the sentence vectors of many reports in one saved FAISS index, memory-mapped at open.

A report's vectors are stored in its own ``.npy`` file (:mod:`lawsearch.index.records`), which stays the truth. An
index of thousands of reports would read thousands of them, and copy a million vectors into FAISS, at every open; so
past ``MIN_BASE_VECTORS`` vectors the writer also saves them all in one FAISS index, ``vectors/base-<generation>.faiss``,
with ``vectors/base.json`` listing its reports in row order (id, content hash, rows). Opening maps that file (no read,
no copy) and reads only the ``.npy`` files of reports embedded since (the *delta*); rows of reports removed or changed
since are *dead*, skipped by the search.

The base is rebuilt, in the generation being committed, when the delta and the dead rows together pass
``REBUILD_SHARE`` of all vectors (and ``MIN_BASE_VECTORS``): rebuilds are rare (each one lets the index grow by that
share before the next), an unchanged base is a hard link shared by every generation, and a new one gets a new name,
so no generation's file is ever changed. A base is exact search (``IndexFlatIP``): its kind is recorded for others.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .folder import write_json
from .records import read_report_vectors

if TYPE_CHECKING:
    from .folder import ReportEntry

VECTOR_DIR = "vectors"
BASE_RECORD = "base.json"
BASE_FORMAT = 1
MIN_BASE_VECTORS = 50_000  # below it an open reads every vector file (milliseconds at that size)
REBUILD_SHARE = 0.3  # rebuild when delta and dead rows pass this share of all vectors


@dataclass(frozen=True)
class BaseReport:
    """One report's rows in the base: its id, the content hash its vectors were made from, its number of rows."""

    report_id: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class VectorBase:
    """What ``vectors/base.json`` records: the FAISS file, its kind, dimension and rows, and its reports in row order."""

    index_file: str
    kind: str
    dim: int
    reports: tuple[BaseReport, ...]

    @property
    def rows(self) -> int:
        return sum(report.rows for report in self.reports)

    def path(self, generation: Path) -> Path:
        return generation / VECTOR_DIR / self.index_file

    @classmethod
    def read(cls, generation: Path) -> VectorBase | None:
        """The base ``generation`` records; None when it has none. A record that cannot be read is a ValueError."""
        path = generation / VECTOR_DIR / BASE_RECORD
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != BASE_FORMAT:
                raise ValueError(f"format {data.get('format')!r}, not {BASE_FORMAT}")
            reports = tuple(BaseReport(str(rid), str(sha), int(rows)) for rid, sha, rows in data["reports"])
            base = cls(str(data["index_file"]), str(data["kind"]), int(data["dim"]), reports)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
        if "/" in base.index_file or base.index_file.startswith(".") or any(report.rows < 0 for report in reports):
            raise ValueError(f"{path} does not describe a vector base")
        return base

    def live(self, reports: Mapping[str, ReportEntry]) -> list[bool]:
        """For each base report, in row order: whether the manifest still holds it, with vectors of the same content."""
        out = []
        for report in self.reports:
            entry = reports.get(report.report_id)
            out.append(entry is not None and entry.vectors and entry.sha256 == report.sha256)
        return out


def _rows(entry: ReportEntry) -> int:
    return sum(entry.units) if entry.units is not None else 0


def refresh_vector_base(generation: Path, reports: Mapping[str, ReportEntry], dim: int) -> None:
    """Keep, rebuild or drop ``generation``'s vector base for the manifest entries ``reports`` (see the module
    docstring); the report vector files are already in the generation."""
    base = VectorBase.read(generation)
    total = sum(_rows(entry) for entry in reports.values() if entry.vectors)
    live = base.live(reports) if base is not None else []
    live_rows = sum(report.rows for report, alive in zip(base.reports, live, strict=True) if alive) if base is not None else 0
    dead = (base.rows - live_rows) if base is not None else 0
    if total == 0 or any(entry.vectors and entry.units is None for entry in reports.values()):
        # no vectors; or entries of an index made before they counted their vectors: a base needs those counts
        if base is not None:
            _remove(generation, base)
        return
    if (total - live_rows) + dead <= max(MIN_BASE_VECTORS, REBUILD_SHARE * total):
        return
    _build(generation, reports, dim, old=base)


def _build(generation: Path, reports: Mapping[str, ReportEntry], dim: int, old: VectorBase | None) -> None:
    """Write a base of every report with vectors, in manifest order, under a name of this generation; unlink the old."""
    import faiss
    import numpy as np

    index: Any = faiss.IndexFlatIP(dim)
    listed = []
    for report_id, entry in reports.items():
        if not entry.vectors:
            continue
        vectors = read_report_vectors(generation, report_id)
        if vectors.ndim != 2 or vectors.shape[1] != dim or len(vectors) != _rows(entry):
            raise ValueError(f"report {report_id} has vectors of shape {vectors.shape}, not ({_rows(entry)}, {dim})")
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        listed.append(BaseReport(report_id, entry.sha256, len(vectors)))
    folder = generation / VECTOR_DIR
    folder.mkdir(exist_ok=True)
    base = VectorBase(f"base-{generation.name}.faiss", "flat", dim, tuple(listed))
    tmp = base.path(generation).with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    del index
    os.replace(tmp, base.path(generation))
    if old is not None and old.index_file != base.index_file:
        old.path(generation).unlink(missing_ok=True)  # this generation's link only: older generations keep theirs
    record = folder / BASE_RECORD
    tmp_record = record.with_suffix(".tmp")
    write_json(
        tmp_record,
        {
            "format": BASE_FORMAT,
            "index_file": base.index_file,
            "kind": base.kind,
            "dim": dim,
            "reports": [[r.report_id, r.sha256, r.rows] for r in listed],
        },
    )
    os.replace(tmp_record, record)  # a new file: the previous generation keeps its own


def _remove(generation: Path, base: VectorBase) -> None:
    base.path(generation).unlink(missing_ok=True)
    (generation / VECTOR_DIR / BASE_RECORD).unlink(missing_ok=True)
