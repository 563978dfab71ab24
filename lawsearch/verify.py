"""``lawsearch check``: everything that can be verified of an index folder, as a list of problems."""

from __future__ import annotations

from pathlib import Path

from .engine import LawSearch
from .errors import IndexFolderError, LawsearchError
from .index.cache import CACHE_FILE, cache_problem
from .index.folder import IndexFolder
from .index.locate import find_index
from .index.shardset import ShardSet, is_shard_set


def verify_index(index_dir: str | Path | None = None) -> tuple[list[str], int]:
    """Everything ``lawsearch check`` verifies — the pointer, the manifest, the checksum of every file, then the
    agreement of manifest, chunk files and both indexes — as ``(problems, chunk count)``; no problem is raised. A shard
    set's shards are verified each, their problems named by shard (and a report held by two shards is one)."""
    path = find_index(index_dir)
    if is_shard_set(path):
        return _verify_shards(path)
    folder = IndexFolder(path)
    cache = [problem for problem in (cache_problem(folder.root / CACHE_FILE),) if problem]
    try:
        generation = folder.current()
        manifest = folder.read_manifest(generation)
    except IndexFolderError as exc:
        return [str(exc), *cache], 0
    problems = folder.verify(generation, manifest)
    if problems:
        return problems + cache, manifest.chunk_count
    try:
        engine = LawSearch(folder, generation, manifest)
    except LawsearchError as exc:
        return [str(exc), *cache], manifest.chunk_count
    with engine:
        return engine.check() + cache, manifest.chunk_count


def _verify_shards(path: Path) -> tuple[list[str], int]:
    try:
        shards = ShardSet.read(path)
    except IndexFolderError as exc:
        return [str(exc)], 0
    problems: list[str] = []
    chunks = 0
    owners: dict[str, str] = {}
    for name, shard in zip(shards.names, shards.paths, strict=True):
        found, count = verify_index(shard)
        problems += [f"{name}: {problem}" for problem in found]
        chunks += count
        if not found:
            for report_id in IndexFolder(shard).read_manifest().reports:
                if report_id in owners:
                    problems.append(f"report {report_id} is in both {owners[report_id]} and {name}")
                elif shards.shard_of(report_id) != shards.names.index(name):
                    problems.append(f"report {report_id} is in {name}, not in the shard its id belongs to")
                owners.setdefault(report_id, name)
    return problems, chunks
