"""A shard set: one collection's reports split by report into N normal indexes, ``SET/shard-0`` … ``SET/shard-{N-1}``,
named by ``SET/shards.json``.

A report's shard follows from its id alone (:func:`shard_of`), so it stays in its shard through every update, and a
writer can tell where a new one goes without asking. Each shard is an index like any other (``lawsearch info --index
SET/shard-1`` works); the set is written by :class:`lawsearch.index.sharded_writer.ShardedWriter` and searched by
:class:`lawsearch.search.sharded.ShardedSearch`.

>>> shard_of("浙江省/2024", 3) == shard_of("浙江省/2024", 3), 0 <= shard_of("浙江省/2024", 3) < 3
(True, True)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IndexFolderError
from .folder import IndexFolder, Manifest, ReportEntry, write_json_atomic

SHARDS_FILE = "shards.json"
FORMAT = 1
MAX_SHARDS = 256
# What every shard of a set must have been built with alike.
SHARED_SETTINGS = ("embedder", "analyzer", "chunking", "lexical")


def shard_of(report_id: str, count: int) -> int:
    """The shard (0 … ``count`` − 1) a report belongs to: a stable hash of its id, the same on every machine."""
    digest = hashlib.blake2b(report_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_shard_set(path: str | Path) -> bool:
    """Whether ``path`` is the folder of a shard set."""
    return (Path(path) / SHARDS_FILE).is_file()


@dataclass(frozen=True)
class ShardSet:
    """The folder of a shard set and the names of its shards, in order."""

    root: Path
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def paths(self) -> list[Path]:
        return [self.root / name for name in self.names]

    def folders(self) -> list[IndexFolder]:
        return [IndexFolder(path) for path in self.paths]

    def shard_of(self, report_id: str) -> int:
        return shard_of(report_id, self.count)

    def pointer(self) -> tuple[str | None, str | None]:
        """``(the committed generations of every shard, joined, None)``, or ``(None, the first shard's problem)``: what a
        server compares to tell that a writer has committed."""
        names = []
        for name, folder in zip(self.names, self.folders(), strict=True):
            generation, problem = folder.pointer()
            if generation is None:
                return None, f"{name}: {problem or 'no index'}"
            names.append(f"{name}={generation}")
        return " ".join(names), None

    @classmethod
    def read(cls, root: str | Path) -> ShardSet:
        """The shard set at ``root``; an IndexFolderError naming the file when ``shards.json`` is not one."""
        root = Path(root)
        path = root / SHARDS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            names = tuple(data["shards"])
            if data.get("format") != FORMAT or not names or not all(isinstance(n, str) and n and "/" not in n for n in names):
                raise ValueError("not a list of shard names of format 1")
        except FileNotFoundError:
            raise IndexFolderError(f"{root} is not a shard set (no {SHARDS_FILE})") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexFolderError(f"{path} cannot be read ({exc}); the shards in {root} are untouched") from None
        return cls(root, names)

    @classmethod
    def create(cls, root: str | Path, count: int) -> ShardSet:
        """A new shard set of ``count`` shards at ``root`` (an empty or missing folder); the one there when it has as many."""
        root = Path(root)
        if not 2 <= count <= MAX_SHARDS:
            raise IndexFolderError(f"--shards must be 2 to {MAX_SHARDS}, not {count}")
        if is_shard_set(root):
            existing = cls.read(root)
            if existing.count != count:
                raise IndexFolderError(
                    f"{root} is a set of {existing.count} shards, not {count}; to split the reports anew, build into "
                    f"another folder: lawsearch index DIR --index NEW --shards {count}"
                )
            return existing
        if IndexFolder(root).exists():
            raise IndexFolderError(
                f"{root} holds an index that is not sharded; build the shard set into another folder "
                f"(lawsearch index DIR --index NEW --shards {count})"
            )
        IndexFolder(root).check_writable()  # a folder of other things is not made a shard set
        root.mkdir(parents=True, exist_ok=True)
        names = tuple(f"shard-{number}" for number in range(count))
        write_json_atomic(root / SHARDS_FILE, {"format": FORMAT, "shards": list(names)})
        return cls(root, names)


def merged_manifest(root: Path, manifests: list[tuple[str, Manifest]]) -> Manifest:
    """The shards' manifests (by shard name; one at least) as one, holding every report; an IndexFolderError when two
    shards were built with another embedder, analyzer, chunking or lexical backend."""
    first_name, first = manifests[0]
    merged = Manifest(
        embedder=first.embedder,
        analyzer=first.analyzer,
        chunking=first.chunking,
        roots=first.roots,
        lexical=first.lexical,
        created=first.created,
    )
    for name, manifest in manifests:
        for what in SHARED_SETTINGS:
            if getattr(manifest, what) != getattr(first, what):
                raise IndexFolderError(
                    f"shards {first_name} and {name} of {root} were built with another {what}; "
                    f"rebuild the set: lawsearch index DIR --index {root} --rebuild"
                )
        merged.reports.update(manifest.reports)
        merged.roots = list(dict.fromkeys([*merged.roots, *manifest.roots]))
    return merged


def merged_description(root: Path, generation: str, parts: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """What ``lawsearch info`` shows of a set from what it shows of each shard (by name): counts summed, the reports
    of all, the vectors covered, and each shard's generation and reports."""
    described = [part for _, part in parts]
    coverage = [part["dense_coverage"] for part in described]
    summed = [key for key in ("reports", "chunks", "vectors", "dense_bytes") if all(key in part for part in described)]
    return {
        **(described[0] if described else {}),
        **{key: sum(part[key] for part in described) for key in summed},
        "index": str(root),
        "generation": generation,
        "dense_coverage": {key: sum(part[key] for part in coverage) for key in (coverage[0] if coverage else {})},
        "vector_base": None,
        "report_list": sorted((item for part in described for item in part["report_list"]), key=lambda item: item["id"]),
        "shards": [{"name": name, "generation": part["generation"], "reports": part["reports"]} for name, part in parts],
    }


def describe_set(shards: ShardSet) -> dict[str, Any]:
    """:func:`merged_description` of the shards' committed generations, read from their folders."""
    return merged_description(
        shards.root,
        shards.pointer()[0] or "",
        [(name, folder.describe()) for name, folder in zip(shards.names, shards.folders(), strict=True)],
    )


class SetFolder(IndexFolder):
    """The folder of a shard set as its writer locks it: it holds shards, not generations."""

    def check_writable(self) -> None:
        if not is_shard_set(self.root):
            super().check_writable()

    def clear_unfinished(self) -> None:
        """Nothing: the shards' own writers clear theirs."""


def held_reports(index_dir: str | Path) -> list[ReportEntry]:
    """The manifest entries of every report an index holds, or a shard set's shards together."""
    if not is_shard_set(index_dir):
        return list(IndexFolder(index_dir).read_manifest().reports.values())
    return [entry for folder in ShardSet.read(index_dir).folders() if folder.exists() for entry in folder.read_manifest().reports.values()]
