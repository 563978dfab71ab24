"""Report ids by path: a report's id is its path relative to the folder indexed, without the extension, with ``/``
between folders (``政府工作报告-其他地市/白城市/2021``), so that ``白城市/2021.md`` and ``衡水市/2021.md`` are two reports.
A file directly in that folder keeps its file name without extension as id (what every id was before), and so does
a file added from outside every indexed folder. An index records the folders it was built from (its *roots*, resolved
and absolute) so that ``lawsearch add FILE`` gives a file inside one the id ``lawsearch index`` would.

>>> report_id_in(Path("/data/gov/a/2021.txt"), Path("/data/gov"))
'a/2021'
>>> report_id_in(Path("/data/gov/2021.txt"), Path("/data/gov"))
'2021'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..read.files import report_id_for


def resolved(folder: str | Path) -> Path:
    """A folder as roots are recorded: absolute, links resolved (the folder itself; a loop leaves it absolute)."""
    try:
        return Path(folder).absolute().resolve()
    except (OSError, RuntimeError):
        return Path(folder).absolute()


def report_id_in(path: Path, root: Path) -> str:
    """The id of the report file ``path`` lying under ``root`` (both as given, compared by their parts): its path
    relative to ``root`` without the extension, ``/`` between folders. A ValueError when it does not lie under it."""
    given, under = str(path), str(root).rstrip("/")
    if given.startswith(under + "/") and "//" not in given and "/./" not in given and "/../" not in given:  # the common case, in strings
        folder, _, name = given[len(under) + 1 :].rpartition("/")
        return f"{folder}/{report_id_for(name)}" if folder else report_id_for(name)
    relative = PurePosixPath(path.relative_to(root).as_posix())
    return (relative.parent / report_id_for(Path(relative))).as_posix()


def root_of(source: str | Path, roots: Iterable[str]) -> Path | None:
    """The outermost of ``roots`` that the recorded ``source`` (absolute, its folder resolved) lies under, or None."""
    found = [Path(root) for root in roots if _under(Path(source), Path(root))]
    return min(found, key=lambda root: len(root.parts)) if found else None


def _under(path: Path, folder: Path) -> bool:
    return path != folder and path.is_relative_to(folder)


def with_root(roots: Iterable[str], folder: str | Path) -> list[str]:
    """The roots after indexing ``folder``: unchanged when it lies in one of them (its ids are taken relative to that
    one), else ``folder`` in place of the roots it holds. Sorted, so that a manifest changes only when they do."""
    new = resolved(folder)
    kept = [root for root in roots if isinstance(root, str)]
    if any(new == Path(root) or _under(new, Path(root)) for root in kept):
        return sorted(kept)
    return sorted([root for root in kept if not _under(Path(root), new)] + [str(new)])


def id_endings(source: str) -> list[str]:
    """The ids a report file could have had, by the folders it could have been indexed from: its name without
    extension, then with each folder above it (``2021``, ``a/2021``, ``gov/a/2021`` …). For mending a damaged
    manifest, which names sources but may have lost which id each one had."""
    path = Path(source)
    parts = [report_id_for(path)]
    for folder in reversed(path.parent.parts):
        if folder in (os.sep, "/", "") or folder == path.anchor:
            break
        parts.append(f"{folder}/{parts[-1]}")
    return parts
