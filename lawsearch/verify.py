"""``lawsearch check``: everything that can be verified of an index folder, as a list of problems."""

from __future__ import annotations

from pathlib import Path

from .engine import LawSearch
from .errors import IndexFolderError, LawsearchError
from .index.cache import CACHE_FILE, cache_problem
from .index.folder import IndexFolder
from .index.locate import find_index


def verify_index(index_dir: str | Path | None = None) -> tuple[list[str], int]:
    """Everything ``lawsearch check`` verifies — the pointer, the manifest, the checksum of every file, then the
    agreement of manifest, chunk files and both indexes — as ``(problems, chunk count)``; no problem is raised."""
    folder = IndexFolder(find_index(index_dir))
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
