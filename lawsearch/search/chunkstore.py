"""The chunk records of an opened generation, read a report at a time when a search first needs one.

Opening an index reads no chunk file: a search reads the few reports its candidates come from, ``show`` and the web
page the report they show. A chunk file is checked when read (its chunk ids must be the ones the manifest lists); one
that cannot be read or does not agree is a DamagedIndexError that says how to repair it. :meth:`ChunkStore.problems`
reads them all (``lawsearch check``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DamagedIndexError
from ..index.records import ChunkRecord, read_chunk_records

if TYPE_CHECKING:
    from ..index.folder import ReportEntry


class ChunkStore(Mapping[str, ChunkRecord]):
    """Chunk id → :class:`ChunkRecord` of the reports of one generation (``reports``: the manifest's entries), each
    report's records read on first use and kept. Safe to share between threads."""

    def __init__(self, root: Path, generation: Path, reports: Mapping[str, ReportEntry]) -> None:
        self._root, self._generation, self._reports = root, generation, reports
        self._owner = {chunk_id: report_id for report_id, entry in reports.items() for chunk_id in entry.chunk_ids}
        self._read: dict[str, dict[str, ChunkRecord]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, chunk_id: str) -> ChunkRecord:
        return self.records_of(self._owner[chunk_id])[chunk_id]

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._owner

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner)

    def __len__(self) -> int:
        return len(self._owner)

    def records_of(self, report_id: str) -> dict[str, ChunkRecord]:
        """The records of one report, by chunk id in order (read when first asked for)."""
        records = self._read.get(report_id)
        if records is None:
            with self._lock:
                records = self._read.get(report_id)
                if records is None:
                    records = self._read[report_id] = self._load(report_id)
        return records

    def _load(self, report_id: str) -> dict[str, ChunkRecord]:
        try:
            records = read_chunk_records(self._generation, report_id)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DamagedIndexError(
                self._root, f"the chunk file of report {report_id} in {self._generation.name} cannot be read ({type(exc).__name__}: {exc})"
            ) from None
        listed = self._reports[report_id].chunk_ids
        if [record.id for record in records] != list(listed):
            raise DamagedIndexError(
                self._root, f"the chunk file of report {report_id} holds {len(records)} chunks, the manifest lists {len(listed)}"
            )
        return {record.id: record for record in records}

    def problems(self) -> list[str]:
        """Every report's chunk file read and checked: what is wrong, one line a report (empty when sound)."""
        found = []
        for report_id in self._reports:
            try:
                self.records_of(report_id)
            except DamagedIndexError as exc:
                found.append(exc.what)
        return found
