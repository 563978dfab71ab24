"""One exception hierarchy; the CLI turns each into a one-line message and a non-zero exit."""

from __future__ import annotations

from pathlib import Path


class LawsearchError(Exception):
    """Base class of every error lawsearch raises on purpose."""


class ReportFileError(LawsearchError):
    """A report file that cannot be read as a report; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple:  # pickled from a reading worker process (lawsearch.read.sandbox)
        return type(self), (self.path, self.reason)


class UnsupportedFormatError(ReportFileError):
    """The file's extension is not one lawsearch reads."""


class EmptyReportError(ReportFileError):
    """The file has no text."""


class BinaryFileError(ReportFileError):
    """The file holds binary data, not text."""


class EncodingError(ReportFileError):
    """The bytes are not UTF-8, UTF-16 with BOM or GB18030/GBK text."""


class IndexFolderError(LawsearchError):
    """An index folder that is missing, unreadable or inconsistent."""


class DamagedIndexError(IndexFolderError):
    """Damage found in an index; ``what`` names it, the message adds how to repair it, and ``kind`` says which part is
    damaged (one of the constants below), for callers to decide on instead of the message's words.

    Damage means what is on disk is wrong; a file that cannot be read for now (permissions, an I/O error) is a plain
    :class:`IndexFolderError`, never this."""

    CURRENT = "current"  # CURRENT is missing, garbled or names no generation folder
    MANIFEST_MISSING = "manifest-missing"  # the generation folder is there, its manifest is not
    MANIFEST_UNPARSEABLE = "manifest-unparseable"  # the manifest is not a JSON object of the manifest's shape
    MANIFEST_CHECKSUM = "manifest-checksum"  # the manifest parses but does not match its own checksum
    FILES = "files"  # other files of a generation: missing, or not matching the manifest
    MANIFEST_KINDS = frozenset({MANIFEST_MISSING, MANIFEST_UNPARSEABLE, MANIFEST_CHECKSUM})

    def __init__(self, root: str | Path, what: str, kind: str = FILES) -> None:
        self.root = str(root)
        self.what = what
        self.kind = kind
        super().__init__(f"index {root} is damaged: {what}; run `lawsearch check --repair --index {root}`")

    @property
    def in_manifest(self) -> bool:
        """Whether the damage is the manifest's (which ``index DIR --rebuild`` can do without)."""
        return self.kind in self.MANIFEST_KINDS

    def __reduce__(self) -> tuple:
        return type(self), (self.root, self.what, self.kind)


class EmbedderError(LawsearchError):
    """An embedder that cannot be loaded or does not match the index."""


class QueryError(LawsearchError):
    """A query or search option that cannot be run (empty query, unknown mode …)."""


class NotFoundError(LawsearchError):
    """A report or chunk id the index does not hold."""


class ArgumentError(QueryError):
    """An argument of a LawSearch method of the wrong type or out of range; the message names the argument, the type
    and value given, and what is expected."""


class ClosedError(LawsearchError):
    """A LawSearch used after ``close()``."""

    def __init__(self, root: str | Path) -> None:
        super().__init__(f"this LawSearch is closed; open the index again with LawSearch.open({str(root)!r})")
