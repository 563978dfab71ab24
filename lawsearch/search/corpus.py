"""One opened generation as the search side reads it: the manifest's reports, the chunk store, the word index and
the dense index, loaded and checked against each other, with what is computed from them once (character statistics,
regions held) and the reports and chunks read back for ``show`` and the web page.

>>> chunk_anchor("000_e216814a7c54799f#011")
'chunk-011'
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..embed import are_unit_vectors
from ..errors import DamagedIndexError, IndexFolderError, LawsearchError, NotFoundError
from ..index.records import ChunkRecord, read_chunk_records, read_report_vectors
from ..index.vector_base import VectorBase
from .analysis import ANALYZER_ID
from .answers import place_at
from .backends import LEXICAL_BACKENDS, open_lexical
from .charscore import CharStats
from .chunkstore import ChunkStore
from .corpus_stats import CorpusStats, scored_text
from .dense import DenseIndex, VectorPart, chunk_ordinals
from .lexical import region_keys
from .ranking import RankingParams

if TYPE_CHECKING:
    from ..index.folder import Manifest, ReportEntry
    from .backends import AnyLexicalIndex


def chunk_anchor(chunk_id: str) -> str:
    """The HTML anchor of a chunk in its report's page: ``chunk-011`` for ``…#011``."""
    return "chunk-" + chunk_id.rpartition("#")[2]


def load_dense(root: Path, generation: Path, manifest: Manifest) -> DenseIndex:
    """The dense index of ``generation``: its saved vector base mapped from disk, when it has one
    (:mod:`lawsearch.index.vector_base`), and the vectors of every other report that has them, read and checked against
    the count of vectors the manifest gives each of its chunks (an entry written before it kept them: the chunk
    file's); a DamagedIndexError (naming the index ``root``) when they do not fit. Reports without vectors are not read."""
    import numpy as np

    dim = int(manifest.embedder.get("dim") or 0)
    parts: list[VectorPart] = []
    in_base: set[str] = set()
    base = _load_base(root, generation, manifest, dim)
    if base is not None:
        part, in_base = base
        parts.append(part)
    chunk_ids: list[str] = []
    chunk_units: list[int] = []
    matrices = []
    for report_id, entry in manifest.reports.items():
        if not entry.vectors or report_id in in_base:
            continue
        vectors = read_report_vectors(generation, report_id)
        units = entry.units if entry.units is not None else [record.units for record in read_chunk_records(generation, report_id)]
        rows = sum(units)
        if len(units) != len(entry.chunk_ids) or vectors.shape != (rows, dim) or vectors.dtype != np.float32:
            raise DamagedIndexError(
                root,
                f"report {report_id} has vectors of shape {vectors.shape} ({vectors.dtype}) "
                f"for {len(entry.chunk_ids)} chunks of {rows} sentences of dimension {dim}",
            )
        if not are_unit_vectors(vectors):
            raise DamagedIndexError(root, f"report {report_id} has vectors that are not unit length (bytes changed on disk?)")
        chunk_ids += entry.chunk_ids
        chunk_units += units
        matrices.append(vectors)
    matrix = np.concatenate(matrices) if matrices else np.zeros((0, dim), dtype=np.float32)
    return DenseIndex(parts + DenseIndex.from_vectors(chunk_ids, chunk_units, matrix, dim).parts, dim)


def _load_base(root: Path, generation: Path, manifest: Manifest, dim: int) -> tuple[VectorPart, set[str]] | None:
    """The generation's vector base, memory-mapped, as a part whose rows of reports removed or changed since are dead,
    and the reports it serves; None when there is none. A base that does not fit the manifest is a DamagedIndexError."""
    import faiss
    import numpy as np

    try:
        base = VectorBase.read(generation)
        if base is None:
            return None
        index = faiss.read_index(str(base.path(generation)), faiss.IO_FLAG_MMAP_IFC)  # mapped from disk, not read
        if base.kind == "ivf-flat":
            faiss.extract_index_ivf(index).nprobe = int(base.search["nprobe"])
    except (ValueError, OSError, RuntimeError) as exc:
        raise DamagedIndexError(root, f"{generation.name}'s vector base cannot be read ({exc})") from None
    if base.dim != dim or int(index.d) != dim or int(index.ntotal) != base.rows:
        raise DamagedIndexError(
            root, f"{generation.name}'s vector base holds {int(index.ntotal)} vectors of dimension {int(index.d)}, not {base.rows} of {dim}"
        )
    row_chunk = np.full(base.rows, -1, dtype=np.int64)
    chunk_ids: list[str] = []
    served, row = set(), 0
    for report, alive in zip(base.reports, base.live(manifest.reports), strict=True):
        if alive:
            entry = manifest.reports[report.report_id]
            units = entry.units or []
            if len(units) != len(entry.chunk_ids) or sum(units) != report.rows:
                raise DamagedIndexError(
                    root, f"{generation.name}'s vector base holds {report.rows} vectors of report {report.report_id}, not {sum(units)}"
                )
            row_chunk[row : row + report.rows] = chunk_ordinals(units, first=len(chunk_ids))
            chunk_ids += entry.chunk_ids
            served.add(report.report_id)
        row += report.rows
    return VectorPart(index, row_chunk, chunk_ids), served


class Corpus:
    """What a search reads of one opened index: the manifest's ``reports`` (id → entry), the chunk store (``chunks``,
    id → record), the ``lexical`` and ``dense`` indexes and the ``ranking`` parameters. The character statistics and
    the count of regions held are computed when first needed, once. :meth:`load` opens one generation."""

    def __init__(
        self,
        reports: Mapping[str, ReportEntry],
        chunks: Mapping[str, ChunkRecord],
        lexical: AnyLexicalIndex,
        dense: DenseIndex,
        ranking: RankingParams,
        generation: Path | None = None,
    ) -> None:
        self.reports = reports
        self.chunks = chunks
        self.lexical = lexical
        self.dense = dense
        self.ranking = ranking
        # The names a region filter matches for each report: its region's full and short names and those above it.
        self.region_keys = {
            rid: set(region_keys(entry.meta.get("region"), entry.meta.get("region_parent")).split()) for rid, entry in reports.items()
        }
        self._generation = generation  # where saved character statistics are read (None: always counted)
        self._chars: CharStats | None = None
        self._avg_chars = 0.0
        self._regions_indexed: dict[str, int] = {}
        self._lock = threading.Lock()  # the character statistics: computed by one thread

    def scored_text(self, chunk_id: str) -> str:
        """What a candidate is scored on: its report's title, its heading path and its text."""
        record = self.chunks[chunk_id]
        return scored_text(self.reports[record.report_id].meta.get("title") or "", record.heading_path, record.text)

    def char_stats(self) -> CharStats:
        """Character statistics of the corpus (and its mean scored length), read at the first search that needs them
        from those the generation keeps, or, where it keeps none that fit, counted over every chunk."""
        if self._chars is None:
            with self._lock:
                if self._chars is None:
                    stats = self.corpus_stats()
                    self._avg_chars = stats.avg_chars
                    self._chars = stats.chars.with_params(k1=self.ranking.k1, b=self.ranking.b)
        return self._chars

    def corpus_stats(self) -> CorpusStats:
        """The character statistics of every chunk: those the generation keeps when they fit, else counted."""
        saved = self._saved_stats()
        return saved if saved is not None else CorpusStats.of_texts([self.scored_text(cid) for cid in self.chunks])

    def _saved_stats(self) -> CorpusStats | None:
        """The generation's saved statistics when they count as many chunks as it holds; None otherwise (none saved,
        damaged: ``check`` names a damaged file; counting the chunks instead is always right)."""
        if self._generation is None:
            return None
        try:
            stats = CorpusStats.load(self._generation)
        except (OSError, ValueError):
            return None
        return stats if stats is not None and stats.n_docs == len(self.chunks) else None

    @property
    def chunk_count(self) -> int:
        """How many chunks the corpus holds (the N of every idf)."""
        return len(self.chunks)

    @property
    def avg_chars(self) -> float:
        """The mean length of the scored texts (see :meth:`scored_text`) in characters."""
        self.char_stats()
        return self._avg_chars

    def regions_indexed(self, level: str) -> int:
        """How many regions at ``level`` (``any``: the reports' own) the corpus holds reports of (counted once)."""
        if level not in self._regions_indexed:
            self._regions_indexed[level] = self._count_regions(level)
        return self._regions_indexed[level]

    def _count_regions(self, level: str) -> int:
        from ..read.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        places: set[tuple[str, str | None] | str] = set()
        for entry in self.reports.values():
            region, parent = entry.meta.get("region"), entry.meta.get("region_parent")
            if level == "any":
                if region:
                    places.add((region, parent))
            elif (place := place_at(gazetteer, region, parent, level)) is not None:
                places.add(place.code)
        return len(places)

    @classmethod
    def load(cls, root: Path, generation: Path, manifest: Manifest, ranking: RankingParams) -> Corpus:
        """The corpus of ``generation`` of the index at ``root``: the word index opened, the report records and
        vectors read, and all three checked to hold the chunks the manifest lists (a DamagedIndexError if not; a
        damaged file shows up as any of whoosh's, numpy's or json's errors, each made a DamagedIndexError). An index
        built with another analyzer than this lawsearch's is an IndexFolderError that says how to upgrade it."""
        if manifest.analyzer != ANALYZER_ID:
            raise IndexFolderError(
                f"index {root} was built with analyzer {manifest.analyzer!r}; this lawsearch uses {ANALYZER_ID!r}: "
                f"run `lawsearch index --upgrade --index {root}`"
            )
        if manifest.lexical not in LEXICAL_BACKENDS:
            raise IndexFolderError(
                f"index {root} was built with the lexical backend {manifest.lexical!r}, which this lawsearch does not have "
                f"({', '.join(LEXICAL_BACKENDS)}): upgrade lawsearch"
            )
        lexical: AnyLexicalIndex | None = None
        try:
            lexical = open_lexical(generation, manifest.lexical)
            lexical.load()
            dense = load_dense(root, generation, manifest)
            chunks = ChunkStore(root, generation, manifest.reports)
        except Exception as exc:
            if lexical is not None:
                lexical.close()
            if isinstance(exc, LawsearchError):
                raise
            raise DamagedIndexError(root, f"{generation.name} cannot be opened ({type(exc).__name__}: {exc})") from None
        corpus = cls(manifest.reports, chunks, lexical, dense, ranking, generation)
        problems = corpus.disagreements()
        if problems:
            lexical.close()
            raise DamagedIndexError(root, "; ".join(problems))
        return corpus

    def embedded_chunks(self) -> set[str]:
        """The chunks of the reports whose vectors are made (all of them once ``lawsearch embed`` has run)."""
        return {cid for entry in self.reports.values() if entry.vectors for cid in entry.chunk_ids}

    @property
    def coverage(self) -> tuple[int, int]:
        """``(reports with vectors, reports)``."""
        return sum(1 for entry in self.reports.values() if entry.vectors), len(self.reports)

    def disagreements(self) -> list[str]:
        """How the manifest, the chunk store and both indexes disagree on the chunks they hold, in counts (checked
        at every open)."""
        listed = {cid for entry in self.reports.values() for cid in entry.chunk_ids}
        problems = []
        embedded = self.embedded_chunks()
        if self.dense.chunk_ids() != embedded:
            problems.append(f"dense index holds {len(self.dense)} vectors for {len(embedded)} chunks")
        if self.lexical.doc_count() != len(listed):
            problems.append(f"lexical index holds {self.lexical.doc_count()} documents for {len(listed)} chunks")
        return problems

    def problems(self) -> list[str]:
        """Problems found by a full comparison of manifest, chunk files, Whoosh and the vectors (empty when sound)."""
        problems = []
        listed = {cid: rid for rid, entry in self.reports.items() for cid in entry.chunk_ids}
        embedded = self.embedded_chunks()
        held_by = (("lexical index", self.lexical.chunk_ids(), set(listed)), ("dense index", self.dense.chunk_ids(), embedded))
        for name, held, expected in held_by:
            missing, extra = expected - held, held - expected
            if missing:
                problems.append(f"{name} lacks {len(missing)} chunk(s) of the manifest, e.g. {sorted(missing)[0]}")
            if extra:
                problems.append(f"{name} holds {len(extra)} chunk(s) the manifest does not list, e.g. {sorted(extra)[0]}")
        problems += self.chunks.problems() if isinstance(self.chunks, ChunkStore) else []
        for report_id, entry in self.reports.items():
            if len(entry.sha256) != 64:
                problems.append(f"report {report_id} has no content hash")
        return problems

    # -- reading reports back ------------------------------------------------------------------------

    def report_view(self, report_id: str, where: Path) -> dict[str, Any]:
        """A report rebuilt from its chunks, in order: ``{"report": its metadata and sources, "chunks": [...]}``; a
        NotFoundError (naming the index ``where``) for an id the corpus does not hold."""
        entry = self.reports.get(report_id)
        if entry is None:
            raise NotFoundError(f"no report {report_id!r} in {where}")
        return {"report": self.report_meta(report_id), "chunks": [self.chunk_view(cid) for cid in entry.chunk_ids]}

    def chunk_in_context(self, chunk_id: str, context: int, where: Path) -> dict[str, Any]:
        """One chunk with its report's metadata and up to ``context`` neighbouring chunks on each side:
        ``{"chunk", "report", "before", "after"}``; a NotFoundError (naming the index ``where``) for an unknown id."""
        record = self.chunks.get(chunk_id)
        if record is None:
            raise NotFoundError(f"no chunk {chunk_id!r} in {where}")
        order = self.reports[record.report_id].chunk_ids
        at = order.index(chunk_id)
        return {
            "chunk": self.chunk_view(chunk_id),
            "report": self.report_meta(record.report_id),
            "before": [self.chunk_view(cid) for cid in order[max(0, at - context) : at]],
            "after": [self.chunk_view(cid) for cid in order[at + 1 : at + 1 + context]],
        }

    def chunk_view(self, chunk_id: str) -> dict[str, Any]:
        """A chunk as shown: ``id``, ``report_id``, ``anchor`` (``chunk-011``), ``heading_path`` and ``text``."""
        record = self.chunks[chunk_id]
        return {
            "id": chunk_id,
            "report_id": record.report_id,
            "anchor": chunk_anchor(chunk_id),
            "heading_path": list(record.heading_path),
            "text": record.text,
        }

    def report_meta(self, report_id: str) -> dict[str, Any]:
        """A report's metadata as shown, with its chunk count and sources."""
        entry = self.reports[report_id]
        return {
            "id": report_id,
            **{k: v for k, v in entry.meta.items() if k != "id"},
            "chunks": len(entry.chunk_ids),
            "source": entry.source,
            "also_sources": [item.get("source") for item in entry.also_sources],
        }
