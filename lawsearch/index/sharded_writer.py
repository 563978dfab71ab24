"""Writing a shard set (:mod:`lawsearch.index.shardset`): one update read, screened and parsed as for one index, then
committed shard by shard.

Everything that depends on the whole collection is decided once, over all shards, exactly as a single index decides it:
which files are new or changed (against the union of the shards' manifests), which are copies of a report indexed
before (fingerprints of every shard), and which lines are site chrome (the boilerplate statistics of every report,
whichever shard holds it). Each shard then commits its share — its new, changed and removed reports — as a
generation of its own, atomic and checksummed like any; shards with nothing to change are not touched. A shard's
reports are embedded by its own commit (on the Ray cluster too, with ``--ray``), its vectors cached in its folder.

Every shard stores the boilerplate statistics of the whole set as of its commit; the set's statistics are each
report's entry as stored by the shard that holds it (:meth:`ShardedWriter._stored_boilerplate`), so a shard left
untouched by an update never makes them stale.

The writer holds the set's lock for the whole update and each shard's lock while that shard commits. Interrupted
between two shards' commits, the set holds the update's reports in the shards that committed; the next run of the
same ``lawsearch index`` finds the others still new or changed and finishes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import LawsearchError
from ..read.boilerplate import Boilerplate
from .folder import Manifest
from .pending import embed_pending
from .shardset import SetFolder, ShardSet, is_shard_set, merged_manifest
from .writer import IndexWriter, UpdateSummary, WriterOptions, _Update


class ShardedWriter(IndexWriter):
    """Updates a shard set; the same operations and options as :class:`IndexWriter` (``sync_folder``, ``add_files``,
    ``remove``, ``embed_pending``), on every shard at once."""

    def __init__(self, shards: ShardSet, options: WriterOptions | None = None, **changes: Any) -> None:
        super().__init__(shards.root, options, **changes)
        self.folder = SetFolder(shards.root)
        self.shards = shards
        self._writers = [IndexWriter(path, self.options) for path in shards.paths]
        self._committed_shards: list[tuple[Path | None, Manifest | None]] = []

    @classmethod
    def at(cls, index_dir: str | Path, shards: int | None, options: WriterOptions | None = None, **changes: Any) -> ShardedWriter:
        """The writer of the shard set at ``index_dir``, made with ``shards`` shards when there is none yet."""
        found = ShardSet.create(index_dir, shards) if shards is not None else ShardSet.read(index_dir)
        return cls(found, options, **changes)

    # -- what the whole set holds ---------------------------------------------------------------------

    def _committed(self) -> tuple[Path | None, Manifest | None]:
        """The set as one index: its folder, and one manifest holding every shard's reports (None before the first
        commit). Shards must agree on the embedder, the analyzer, the chunking and the lexical backend."""
        self._committed_shards = [writer._committed() for writer in self._writers]
        manifests = [(name, manifest) for name, (_, manifest) in zip(self.shards.names, self._committed_shards, strict=True) if manifest]
        if not manifests:
            return None, None
        return self.shards.root, merged_manifest(self.shards.root, manifests)

    def _committed_for(self, rebuild: bool, summary: UpdateSummary) -> tuple[Path | None, Manifest | None, None]:
        for writer in self._writers:
            writer.folder.clear_unfinished()
        base, manifest = self._committed()
        return base, manifest, None

    def _stored_boilerplate(self, generation: Path, manifest: Manifest) -> Boilerplate | None:
        """The set's boilerplate statistics: each report's lines as the shard that holds it stored them."""
        stats = Boilerplate()
        for writer, (base, held) in zip(self._writers, self._committed_shards, strict=True):
            if base is None or held is None:
                continue
            stored = writer._stored_boilerplate(base, held)
            if stored is None:
                continue
            for report_id in held.reports:
                if report_id in stored:
                    stats.restore(report_id, stored)
        return stats

    def _keep_outside(self, unreadable: list[tuple[str, str, str]], outside: dict[str, Any], base: Any, manifest: Any, *rest: Any) -> Any:
        """Reports kept from outside whose file cannot be read now, kept (or dropped) by the shard that holds them."""
        held: list[Any] = []
        dropped: list[str] = []
        for number, writer in enumerate(self._writers):
            mine = [item for item in unreadable if self.shards.shard_of(item[0]) == number]
            if mine:
                shard_base, shard_manifest = self._committed_shards[number]
                kept, gone = writer._keep_outside(mine, outside, shard_base, shard_manifest, *rest)
                held += kept
                dropped += gone
        return held, dropped

    # -- committing ----------------------------------------------------------------------------------

    def _commit(self, update: _Update) -> None:
        """Commit each shard's share of ``update`` (every shard when it is a fresh build), then fill in its summary."""
        summary = update.summary
        chunks = pending = 0
        spec_id = None
        mine = self.shards.shard_of
        for number, writer in enumerate(self._writers):
            base, previous = self._committed_shards[number] if self._committed_shards else (None, None)
            part = _Update(
                UpdateSummary(embedding=summary.embedding, unchanged=list(summary.unchanged)),
                base,
                previous,
                fresh=update.fresh or base is None,
                recorded=update.recorded,
                staged=[report for report in update.staged if mine(report.report_id) == number],
                removed=[rid for rid in update.removed if mine(rid) == number],
                revised={rid: entry for rid, entry in update.revised.items() if mine(rid) == number},
                boilerplate=update.boilerplate,
                roots=update.roots,
                prune=update.prune,
            )
            if part.fresh or part.staged or part.removed or part.revised:
                self._commit_shard(writer, part)
                update = replace(update, recorded=part.recorded or update.recorded)
                chunks += part.summary.chunks
                pending += part.summary.pending
                spec_id = part.summary.embedder
            elif previous is not None:
                pending += len(previous.pending)
        summary.removed = update.removed
        summary.chunks = chunks
        summary.generation = self.shards.pointer()[0]
        summary.embedder = spec_id or (update.recorded.id if update.recorded else None)
        summary.unchanged = [rid for rid in summary.unchanged if rid not in update.removed]
        summary.pending = pending

    def _commit_shard(self, writer: IndexWriter, part: _Update) -> None:
        """One shard's commit (the model it loaded is the one the next shards keep)."""
        with self._lent(writer):
            writer._commit(part)
            if part.recorded is None and writer._embedder is not None:
                part.recorded = writer._embedder.spec

    @contextmanager
    def _lent(self, writer: IndexWriter) -> Iterator[None]:
        """``writer`` with its shard's lock held, given this writer's embedder and Ray cluster (the cluster stays this
        writer's to close), and what it loaded or deferred taken back afterwards."""
        writer._embedder, writer._cluster = self._embedder, self._ray()
        try:
            with writer.folder.writer_lock(self.options.wait):
                yield
        finally:
            self._embedder = writer._embedder
            self._deferred = self._deferred or writer._deferred
            writer._cluster = None

    def embed_pending(self, summary: UpdateSummary | None = None) -> UpdateSummary:
        """Make the vectors every shard still lacks, shard by shard (each a batch per commit, as for one index)."""
        summary = summary if summary is not None else UpdateSummary()
        pending = 0
        with self._writing(), self.folder.writer_lock(self.options.wait):
            built = [writer for writer in self._writers if writer.folder.exists()]
            if not built:
                raise LawsearchError(
                    f"no index at {self.folder.root}: build one first with `lawsearch index DIR --index {self.folder.root}`"
                )
            for writer in built:
                part = UpdateSummary(embedding=summary.embedding)
                with self._lent(writer):
                    writer.folder.clear_unfinished()
                    embed_pending(writer, part)
                pending += part.pending
                summary.embedder = part.embedder or summary.embedder
        summary.pending = pending
        summary.generation = self.shards.pointer()[0]
        return summary

    def upgrade(self, summary: UpdateSummary | None = None) -> UpdateSummary:
        raise LawsearchError(self._each_shard("upgraded", "lawsearch index --upgrade --index"))

    def repair(self) -> Any:
        raise LawsearchError(self._each_shard("repaired", "lawsearch check --repair --index"))

    def _each_shard(self, what: str, command: str) -> str:
        return f"a shard set is not {what} as a whole: run `{command} {self.shards.paths[0]}` on each of its shards ({', '.join(self.shards.names)})"


def writer_for(index_dir: str | Path, shards: int | None = None, options: WriterOptions | None = None, **changes: Any) -> IndexWriter:
    """The writer of the index at ``index_dir``: a :class:`ShardedWriter` for a shard set (or a new one of ``shards``
    shards), else an :class:`IndexWriter` (``shards`` then names an index that is not sharded: an error)."""
    if shards is not None or is_shard_set(index_dir):
        return ShardedWriter.at(index_dir, shards, options, **changes)
    return IndexWriter(index_dir, options, **changes)
