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
so no generation's file is ever changed.

Up to ``EXACT_MAX_VECTORS`` a base is exact search (kind ``flat``: ``IndexFlatIP``). Past it, exact search costs
tens of milliseconds a query per 100,000 vectors, so the base is approximate (kind ``ivf-flat``): an inverted file of
about √n lists (full vectors: 8-bit ones lost 1.5 points of recall@10 even with every list searched). Its build
measures recall@10 against exact search with ``RECALL_QUERIES`` of its own vectors as queries and keeps the smallest
number of lists searched that reaches ``RECALL_TARGET``; ``info`` shows both. Questions lie further from the passages
than passages from each other: on 19,035 real e5 vectors and 207 dev questions (``scripts/bench_ann.py``), own vectors
at .999 meant questions at .985, own vectors at .99 questions at .93; hence a target above the one wanted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import read_report_vectors

if TYPE_CHECKING:
    import numpy as np

    from .folder import ReportEntry

VECTOR_DIR = "vectors"
BASE_RECORD = "base.json"
BASE_FORMAT = 1
MIN_BASE_VECTORS = 50_000  # below it an open reads every vector file (milliseconds at that size)
REBUILD_SHARE = 0.3  # rebuild when delta and dead rows pass this share of all vectors
EXACT_MAX_VECTORS = 200_000  # past it the base is approximate (ivf-flat)
RECALL_TARGET = 0.998  # with its own vectors as queries (see above)
RECALL_QUERIES = 200
PROBES = (8, 16, 32, 64, 128, 256, 512)


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
    search: dict[str, Any] = field(default_factory=dict)  # ivf-flat: lists, nprobe, recall_at_10, recall_queries

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
            search = data.get("search", {})
            if not isinstance(search, dict):
                raise ValueError("search must be an object")
            base = cls(str(data["index_file"]), str(data["kind"]), int(data["dim"]), reports, search)
            if base.kind == "ivf-flat" and not isinstance(search.get("nprobe"), int):
                raise ValueError("an ivf-flat base needs its nprobe")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
        if (
            base.kind not in ("flat", "ivf-flat")
            or "/" in base.index_file
            or base.index_file.startswith(".")
            or any(r.rows < 0 for r in reports)
        ):
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

    listed, matrices = [], []
    for report_id, entry in reports.items():
        if not entry.vectors:
            continue
        vectors = read_report_vectors(generation, report_id)
        if vectors.ndim != 2 or vectors.shape[1] != dim or len(vectors) != _rows(entry):
            raise ValueError(f"report {report_id} has vectors of shape {vectors.shape}, not ({_rows(entry)}, {dim})")
        matrices.append(np.ascontiguousarray(vectors, dtype=np.float32))
        listed.append(BaseReport(report_id, entry.sha256, len(vectors)))
    matrix = np.concatenate(matrices)
    del matrices
    if len(matrix) <= EXACT_MAX_VECTORS:
        index: Any = faiss.IndexFlatIP(dim)
        index.add(matrix)
        kind, search = "flat", dict[str, Any]()
    else:
        index, search = _approximate(matrix)
        kind = "ivf-flat"
    del matrix
    folder = generation / VECTOR_DIR
    folder.mkdir(exist_ok=True)
    base = VectorBase(f"base-{generation.name}.faiss", kind, dim, tuple(listed), search)
    tmp = base.path(generation).with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    del index
    os.replace(tmp, base.path(generation))
    if old is not None and old.index_file != base.index_file:
        old.path(generation).unlink(missing_ok=True)  # this generation's link only: older generations keep theirs
    record = folder / BASE_RECORD
    tmp_record = record.with_suffix(".tmp")
    _write_json(
        tmp_record,
        {
            "format": BASE_FORMAT,
            "index_file": base.index_file,
            "kind": base.kind,
            "dim": dim,
            "search": search,
            "reports": [[r.report_id, r.sha256, r.rows] for r in listed],
        },
    )
    os.replace(tmp_record, record)  # a new file: the previous generation keeps its own


def _approximate(matrix: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """An inverted file over ``matrix`` (its lists trained on a sample of it) and how to search it: the
    fewest lists probed whose recall@10 against exact search, for a sample of the rows as queries, reaches the target."""
    import faiss
    import numpy as np

    rows, dim = matrix.shape
    lists = 1 << max(4, round(np.log2(np.sqrt(rows))))
    rng = np.random.default_rng(0)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(matrix[np.sort(rng.choice(rows, min(rows, 64 * lists), replace=False))])
    index.add(matrix)
    queries = matrix[rng.choice(rows, min(rows, RECALL_QUERIES), replace=False)]
    truth = _exact_top(matrix, queries, 10)
    chosen, recall = PROBES[-1], 0.0
    for probes in PROBES:
        if probes > lists:
            break
        index.nprobe = probes
        _, found = index.search(queries, 10)
        recall = float(np.mean([len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(found, truth, strict=True)]))
        chosen = probes
        if recall >= RECALL_TARGET:
            break
    index.nprobe = chosen
    return index, {"lists": lists, "nprobe": chosen, "recall_at_10": round(recall, 4), "recall_queries": len(queries)}


def _exact_top(matrix: np.ndarray, queries: np.ndarray, k: int, block: int = 65_536) -> np.ndarray:
    """The rows of the ``k`` best inner products of each query, by blocks of rows (no second copy of the matrix)."""
    import numpy as np

    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(matrix), block):
        scores = queries @ matrix[start : start + block].T
        scores = np.concatenate([best_scores, scores], axis=1)
        rows = np.concatenate(
            [best_rows, np.broadcast_to(np.arange(start, start + scores.shape[1] - k), (len(queries), scores.shape[1] - k))], axis=1
        )
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_scores, best_rows = np.take_along_axis(scores, top, axis=1), np.take_along_axis(rows, top, axis=1)
    return best_rows


def _write_json(path: Path, data: Any) -> None:
    """Write JSON and flush it to disk (as lawsearch.index.folder.write_json, which imports this module)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False))
        handle.flush()
        os.fsync(handle.fileno())


def _remove(generation: Path, base: VectorBase) -> None:
    base.path(generation).unlink(missing_ok=True)
    (generation / VECTOR_DIR / BASE_RECORD).unlink(missing_ok=True)
