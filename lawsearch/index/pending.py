"""Vectors made after the words: the reports an update committed without vectors, embedded in batches.

A large update (or ``lawsearch index --vectors later``) commits the word index and the chunk records first, with
each new report's manifest entry marked ``vectors: false`` and an empty vector file: the index is searchable at once
(by words; hybrid ranks those reports by their words alone and says so). :func:`embed_pending` then embeds those
reports a batch at a time and commits a generation about once a minute (``COMMIT_SECONDS``; on a GPU as on a CPU),
each a copy of the one before (hard links) with only the new vector files, record files and manifest entries. So:

- every commit stays: Ctrl-C, a crash or a full disk lose at most the last minute's commit, and its vectors are in
  the embedding cache already (it commits every few seconds), so the next run takes them from there;
- readers see coverage grow batch by batch (``lawsearch info``: vectors for 1,204 of 2,970 reports);
- nothing else is touched: the word index, the boilerplate statistics and the other reports' files are the base's.

A batch is about ``BATCH_PASSAGES`` passages, whole reports, in id order.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..embed import EmbedderSpec
from ..errors import LawsearchError
from .cache import CACHE_FILE, EmbeddingCache, embed_passages_cached
from .folder import Manifest
from .records import read_report_records, write_report_records
from .vector_base import refresh_vector_base

if TYPE_CHECKING:
    from .writer import IndexWriter, StagedReport, UpdateSummary

VECTOR_TIMES = ("auto", "now", "later")  # when an update makes its vectors (WriterOptions.vectors)
# With vectors "auto", an update with more passages than this to embed (about two minutes on two cores) commits its
# words first and embeds after.
LEXICAL_FIRST_PASSAGES = 5_000
BATCH_PASSAGES = 512  # passages (whole reports) embedded at a time
COMMIT_SECONDS = 60.0  # a generation is committed when a batch ends this long after the last commit, and at the end


def batches(sizes: list[tuple[str, int]], limit: int = BATCH_PASSAGES) -> list[list[str]]:
    """Report ids cut into batches of whole reports of about ``limit`` passages (a report larger than ``limit`` is a
    batch of its own).

    >>> batches([("a", 3), ("b", 3), ("c", 5), ("d", 1)], limit=6)
    [['a', 'b'], ['c', 'd']]
    """
    cut: list[list[str]] = [[]]
    held = 0
    for report_id, size in sizes:
        if cut[-1] and held + size > limit:
            cut.append([])
            held = 0
        cut[-1].append(report_id)
        held += size
    return [batch for batch in cut if batch]


def embed_pending(writer: IndexWriter, summary: UpdateSummary) -> None:
    """Embed the committed index's reports that have no vectors, a batch per commit (the writer lock held by the
    caller); ``summary`` counts what was embedded and how many reports are left (``pending``: 0 when done)."""
    folder = writer.folder
    base, manifest = writer._committed()
    if base is None or manifest is None:
        raise LawsearchError(f"no index at {folder.root}: build one first with `lawsearch index DIR --index {folder.root}`")
    pending = manifest.pending
    summary.pending = len(pending)
    summary.embedder = manifest.embedder.get("id")
    if not pending:
        return
    spec = EmbedderSpec.from_dict(manifest.embedder)
    given = writer.embedder_if_loaded
    if given is not None and given.spec.id != spec.id:
        raise LawsearchError(f"{folder.root} was built with {spec.id}; its vectors cannot be made with {given.spec.id}")
    verified = (base, folder.verified_manifest(base))  # the first base is checked; later ones are this run's own commits
    staged: dict[str, StagedReport] = {}
    for report_id in pending:
        records, _ = read_report_records(base, report_id)
        staged[report_id] = writer.staged_report(report_id, manifest.reports[report_id], records)
    texts = {report_id: report.units() for report_id, report in staged.items()}
    todo = batches([(report_id, len(texts[report_id])) for report_id in pending], BATCH_PASSAGES)
    bar = _bar(writer, sum(map(len, texts.values())))
    cache = EmbeddingCache(folder.root / CACHE_FILE)
    started = last_commit = time.perf_counter()
    commits = 0
    made: list[tuple[StagedReport, Any]] = []  # embedded, not yet committed
    try:
        for number, batch in enumerate(todo, start=1):
            units = [unit for report_id in batch for unit in texts[report_id]]
            vectors = embed_passages_cached(
                spec,
                lambda: writer._get_embedder(spec, None),
                units,
                cache,
                batch_size=writer.options.batch_size,
                stats=summary.embedding,
                bar=bar,
                runner=writer._embed_runner(),
            )
            offset = 0
            for report_id in batch:
                count = len(texts[report_id])
                made.append((staged[report_id], vectors[offset : offset + count]))
                offset += count
            if number < len(todo) and time.perf_counter() - last_commit < COMMIT_SECONDS:
                continue
            cache.commit()
            base, manifest = _commit_batch(writer, verified, made)
            verified, made, last_commit, commits = (base, manifest), [], time.perf_counter(), commits + 1
            summary.pending = len(manifest.pending)
            summary.generation = base.name
            if bar is not None:
                bar.set_postfix_str(f"committed: {manifest.coverage()['reports']:,} of {len(manifest.reports):,} reports")
    finally:
        if bar is not None:
            bar.close()
        cache.close()
    summary.notes.append(
        f"vectors made for {len(pending) - summary.pending} report(s) in {commits} commit(s), {time.perf_counter() - started:.1f} s"
    )


def _commit_batch(writer: IndexWriter, verified: tuple[Path, Manifest], made: list[tuple[StagedReport, Any]]) -> tuple[Path, Manifest]:
    """Commit a generation made from the verified base that adds the vectors of the reports ``made`` (each with its
    vector rows); returns it and its manifest."""
    base, previous = verified
    folder = writer.folder
    generation = folder.new_generation(base)
    committed = False
    try:
        entries = dict(previous.reports)
        for report, vectors in made:
            write_report_records(generation, report.report_id, report.records, vectors)
            entries[report.report_id] = replace(report.entry, vectors=True, units=[record.units for record in report.records])
        refresh_vector_base(generation, entries, int(previous.embedder.get("dim") or 0))
        manifest = replace(previous, reports=entries, files={})
        folder.commit(generation, manifest, verified_base=verified)
        committed = True
    finally:
        if not committed:
            folder.discard(generation)
    return generation, manifest


def _bar(writer: IndexWriter, total: int) -> Any:
    """A progress bar over the passages to embed, when the writer shows progress."""
    if not writer.options.progress or not total:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="passage")
