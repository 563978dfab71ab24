"""Lines that recur across the reports of one corpus (site chrome), learned when a folder is indexed.

A saved web page carries its site's chrome — navigation words, 来源/时间 lines, share buttons, 相关报道
tails, 【字号：大 中 小】 split over lines — and every page saved from that site carries the same lines.
Word lists miss the next site; repetition does not. The rule:

* A line is compared by its *shape*: whitespace removed; in a line of few words (at most
  ``MAX_LABEL_HAN`` Han characters besides 年月日时分秒) every run of digits becomes ``0``, so that
  ``时间：2026-02-02 09:20`` and ``时间：2026-02-05 10:11`` count together. Lines with more words keep
  their numbers: ``城镇新增就业62.6万人`` and ``城镇新增就业48万人`` are different statements, never one line.
* Only short lines are candidates (a shape of at most ``MAX_CHARS`` characters); longer lines are body
  text and are never dropped by this rule. Never boilerplate either: blank lines (they part paragraphs),
  numbered headings (一、… （一）… 1. …), sentences longer than ``MIN_SENTENCE_CHARS`` ending in 。！？,
  and a date standing alone in 年月日 form (the date a report is signed, which dates it).
* A candidate is boilerplate when it appears in at least ``min_reports`` distinct reports:
  ``MIN_REPORTS`` (3), or ``MIN_SHARE`` of a large corpus. Two reports sharing a line is a coincidence;
  three pages of one site sharing it is the site. (A salutation that every report of a kind repeats,
  such as 各位代表：, goes too: it carries no evidence.)

Each report's candidate shapes are kept as 8-byte blake2b digests under the report's key, so that a
report indexed again replaces its own contribution instead of counting twice, and a removed one is
taken out.

>>> pages = [f"星河网\\n刊发 2024-0{n}-1{n} 08:1{n}\\n第{n}号文件正文，内容各不相同。\\n一、总体情况" for n in range(1, 4)]
>>> stats = Boilerplate()
>>> keys = [stats.add(page) for page in pages]
>>> stats.is_boilerplate("星河网"), stats.is_boilerplate("刊发 2025-12-31 23:59"), stats.reports_with("星河网")
(True, True, 3)
>>> stats.is_boilerplate("一、总体情况"), stats.is_boilerplate("第1号文件正文，内容各不相同。")
(False, False)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections import Counter
from typing import Any

from .headings import numbered_rank

MAX_CHARS = 40
MIN_SENTENCE_CHARS = 15
MAX_LABEL_HAN = 5
MIN_REPORTS = 3
MIN_SHARE = 0.01
FORMAT = 1
DIGEST = "blake2b-64"
_DIGEST_BYTES = 8

_SPACE = re.compile(r"[\s\u200b-\u200f\ufeff]+")  # with the invisible ones a saved page may hold
_DIGITS = re.compile(r"\d+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DATE_UNITS = set("年月日时分秒")
_SENTENCE_END = tuple("。！？!?")
_CLOSING = '”’"」』）)'
_SIGNATURE_DATE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日")


def line_shape(line: str) -> str | None:
    """The form in which a line is counted, or None when the line can never be boilerplate.

    >>> line_shape(" 发布时间：2026-02-09  09:45:30 ")
    '发布时间：0-0-0:0:0'
    >>> line_shape("（二）严格规范执法") is None, line_shape("2023年3月9日") is None
    (True, True)
    """
    compact = _SPACE.sub("", line)
    if not compact or len(compact) > MAX_CHARS or numbered_rank(line) is not None:
        return None
    if len(compact) > MIN_SENTENCE_CHARS and compact.rstrip(_CLOSING).endswith(_SENTENCE_END):
        return None
    if _SIGNATURE_DATE.fullmatch(compact):
        return None
    words = sum(1 for ch in _HAN.findall(compact) if ch not in _DATE_UNITS)
    return _DIGITS.sub("0", compact) if words <= MAX_LABEL_HAN else compact


def _digest(shape: str) -> bytes:
    return hashlib.blake2b(shape.encode("utf-8", "surrogatepass"), digest_size=_DIGEST_BYTES).digest()


def _digests(text: str) -> frozenset[bytes]:
    shapes = {line_shape(line) for line in text.split("\n")}
    return frozenset(_digest(shape) for shape in shapes if shape is not None)


class Boilerplate:
    """Line statistics over a corpus: in how many reports each short line appears (see the module docstring)."""

    def __init__(self) -> None:
        self._reports: dict[str, frozenset[bytes]] = {}
        self._counts: Counter[bytes] = Counter()

    def add(self, text: str, key: str | None = None) -> str:
        """Fold one report's lines in under ``key`` (a report id; a new key when None), replacing what that key
        held before. Returns the key."""
        if key is None:
            key = f"#{len(self._reports)}"
            while key in self._reports:
                key += "'"
        self._set(key, _digests(text))
        return key

    def remove(self, key: str) -> None:
        """Take one report's lines out (nothing when the key is unknown)."""
        self._counts.subtract(self._reports.pop(key, frozenset()))

    def restore(self, key: str, previous: Boilerplate) -> None:
        """Make ``key``'s contribution what it is in ``previous`` (absent there: removed here)."""
        if key in previous._reports:
            self._set(key, previous._reports[key])
        else:
            self.remove(key)

    def copy(self) -> Boilerplate:
        twin = type(self)()
        twin._reports = dict(self._reports)
        twin._counts = Counter(self._counts)
        return twin

    def _set(self, key: str, digests: frozenset[bytes]) -> None:
        self.remove(key)
        self._reports[key] = digests
        self._counts.update(digests)

    def __len__(self) -> int:
        return len(self._reports)

    def __contains__(self, key: object) -> bool:
        return key in self._reports

    @property
    def min_reports(self) -> int:
        """How many reports a line must appear in to be boilerplate."""
        return max(MIN_REPORTS, math.ceil(MIN_SHARE * len(self._reports)))

    def reports_with(self, line: str) -> int:
        """In how many reports of the corpus ``line`` (by its shape) appears; 0 for a line never counted."""
        shape = line_shape(line)
        return 0 if shape is None else self._counts[_digest(shape)]

    def is_boilerplate(self, line: str) -> bool:
        """Whether ``line`` is site chrome: a short line recurring in at least ``min_reports`` reports."""
        return self.reports_with(line) >= self.min_reports

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: each report's key with its line digests (sorted, base64)."""
        return {
            "format": FORMAT,
            "digest": DIGEST,
            "reports": {key: base64.b64encode(b"".join(sorted(digests))).decode("ascii") for key, digests in sorted(self._reports.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> Boilerplate:
        """Statistics from :meth:`to_json`'s dict; a ValueError says what is wrong with other data."""
        if not isinstance(data, dict):
            raise ValueError(f"boilerplate statistics must be a JSON object, not {type(data).__name__}")
        if data.get("format") != FORMAT or data.get("digest") != DIGEST:
            raise ValueError(
                f"boilerplate statistics of format {data.get('format')!r} ({data.get('digest')!r}); "
                f"this lawsearch reads format {FORMAT} ({DIGEST})"
            )
        reports = data.get("reports")
        if not isinstance(reports, dict):
            raise ValueError("boilerplate statistics: 'reports' must be an object of report key → digests")
        stats = cls()
        for key, encoded in reports.items():
            stats._set(key, _decode_digests(key, encoded))
        return stats


def _decode_digests(key: str, encoded: Any) -> frozenset[bytes]:
    if not isinstance(encoded, str):
        raise ValueError(f"boilerplate statistics: the digests of report {key!r} are not a base64 string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"boilerplate statistics: the digests of report {key!r} are not valid base64") from None
    if len(raw) % _DIGEST_BYTES:
        raise ValueError(f"boilerplate statistics: the digests of report {key!r} are {len(raw)} bytes, not a multiple of {_DIGEST_BYTES}")
    return frozenset(raw[i : i + _DIGEST_BYTES] for i in range(0, len(raw), _DIGEST_BYTES))
