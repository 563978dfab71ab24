"""Screening files before they are indexed: is a file a report at all, and is it a report already indexed?

Not a report (:func:`not_a_report`): a file whose text is mostly not Chinese (a README in English), or one
without numbered sections that is too short to be a report (fewer than ``MIN_HAN`` Han characters or
``MIN_PARAGRAPHS`` paragraphs: a three-line note, unless it is ``LONG_HAN`` characters long). Numbered sections (一、… （一）…) are a report's structure
however short it is, so a short file that has them is kept. Structural tests only, no word lists.

The same report (:func:`fingerprint`, :func:`same_report`): a report saved from two sites, or as .html and
.pdf, has other chrome and other line breaks but the same sentences. A report's identity is the set of its
body sentences: the text is cut at 。！？； (line breaks are ignored, so a PDF's wrapped lines do not
matter), each sentence is reduced to its letters, digits and Han characters (whitespace and every
punctuation variant go), and sentences of at least ``MIN_SENTENCE_CHARS`` characters are hashed (short
ones are chrome and headings). A fingerprint keeps the ``SKETCH_SIZE`` smallest hashes (a bottom-k
sketch: a few hundred bytes, stored with the index) and the number of sentences. Two reports are the
same when the sketches estimate a Jaccard similarity of at least ``SAME_REPORT`` — or when the smaller
report's sentences lie in the larger at that rate and the smaller holds at least ``MIN_SIZE_RATIO`` of
the larger's sentences (one copy with an appendix or a related-article list the other lacks), so that a
short report quoted in a long compilation is not taken for the compilation.

>>> body = "".join(f"第{n}项工作全面完成，群众满意度持续提升到新的水平。" for n in range(40))
>>> same_report(fingerprint("下载\\n打印\\n" + body), fingerprint(body.replace("。", "。\\n") + "相关报道："))
True
>>> same_report(fingerprint(body), fingerprint(body.replace("工作", "任务")))
False
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .headings import numbered_rank

if TYPE_CHECKING:
    from . import ParsedReport

MIN_HAN = 300
MIN_PARAGRAPHS = 3
LONG_HAN = 3_000  # a text this long is no three-line note, however its lines are broken (a page saved as one line)
MIN_HAN_SHARE = 0.5

SKETCH_SIZE = 64
MIN_SENTENCE_CHARS = 15
MIN_SENTENCES = 5
SAME_REPORT = 0.9
MIN_SIZE_RATIO = 0.67
_HASH_BYTES = 8

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_NOT_WORD = re.compile(r"[\W_]+")


def not_a_report(parsed: ParsedReport) -> str | None:
    """Why ``parsed`` is not a report (see the module docstring), or None when it may be one.

    >>> from lawsearch.read import parse_report
    >>> not_a_report(parse_report("seeds/000_e216814a7c54799f.txt")) is None
    True
    """
    text = "".join(chunk.text for chunk in parsed.chunks)
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han < MIN_HAN_SHARE * (han + latin):
        return f"mostly not Chinese ({han} Chinese characters, {latin} Latin letters)"
    lines = [line for line in parsed.cleaned_text.split("\n") if _HAN.search(line)]
    if any(numbered_rank(line) is not None for line in lines):
        return None
    if han < MIN_HAN:
        return f"only {han} Chinese characters and no numbered sections (a report has at least {MIN_HAN} characters)"
    if len(lines) < MIN_PARAGRAPHS and han < LONG_HAN:
        return f"only {len(lines)} paragraph(s) and no numbered sections (a report has at least {MIN_PARAGRAPHS})"
    return None


@dataclass(frozen=True)
class Fingerprint:
    """A report's sentences as a bottom-k sketch: the ``SKETCH_SIZE`` smallest sentence hashes, ascending, and
    how many distinct sentences there are."""

    hashes: tuple[int, ...]
    sentences: int

    def to_text(self) -> str:
        """Compact text for the manifest: ``<sentences>:<base64 of the hashes>``."""
        raw = b"".join(h.to_bytes(_HASH_BYTES, "big") for h in self.hashes)
        return f"{self.sentences}:{base64.b64encode(raw).decode('ascii')}"

    @classmethod
    def from_text(cls, text: str) -> Fingerprint:
        """The fingerprint :meth:`to_text` wrote; a ValueError for anything else."""
        count, _, encoded = text.partition(":")
        try:
            raw = base64.b64decode(encoded, validate=True)
            sentences = int(count)
        except (binascii.Error, ValueError):
            raise ValueError(f"not a report fingerprint: {text[:40]!r}") from None
        if len(raw) % _HASH_BYTES or sentences < len(raw) // _HASH_BYTES:
            raise ValueError(f"not a report fingerprint: {text[:40]!r}")
        hashes = tuple(int.from_bytes(raw[i : i + _HASH_BYTES], "big") for i in range(0, len(raw), _HASH_BYTES))
        return cls(tuple(sorted(hashes)), sentences)

    @property
    def comparable(self) -> bool:
        """Whether there are sentences enough to tell this report from another."""
        return self.sentences >= MIN_SENTENCES


def sentences(text: str) -> set[str]:
    """The normalised sentences of ``text`` that identify it (see the module docstring)."""
    joined = unicodedata.normalize("NFKC", text).replace("\n", "")
    normalised = (_NOT_WORD.sub("", sentence) for sentence in _SENTENCE_END.split(joined))
    return {sentence for sentence in normalised if len(sentence) >= MIN_SENTENCE_CHARS}


def fingerprint(text: str) -> Fingerprint:
    """The fingerprint of a report's decoded text."""
    found = sentences(text)
    hashes = sorted(
        int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=_HASH_BYTES).digest(), "big") for s in found
    )
    return Fingerprint(tuple(hashes[:SKETCH_SIZE]), len(found))


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """The Jaccard similarity of two reports' sentence sets, estimated from their sketches (exact for small sets)."""
    union = sorted(set(a.hashes) | set(b.hashes))[:SKETCH_SIZE]
    if not union:
        return 0.0
    mine, theirs = set(a.hashes), set(b.hashes)
    return sum(1 for h in union if h in mine and h in theirs) / len(union)


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """The share of the smaller report's sentences found in the larger, from the Jaccard estimate and the sizes."""
    j = jaccard(a, b)
    smaller = min(a.sentences, b.sentences)
    return 0.0 if not smaller else min(1.0, j * (a.sentences + b.sentences) / ((1 + j) * smaller))


def same_report(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two fingerprints are of one report (see the module docstring)."""
    if not (a.comparable and b.comparable):
        return False
    if jaccard(a, b) >= SAME_REPORT:
        return True
    ratio = min(a.sentences, b.sentences) / max(a.sentences, b.sentences)
    return ratio >= MIN_SIZE_RATIO and containment(a, b) >= SAME_REPORT


class FingerprintIndex:
    """Fingerprints by report id, looked up by shared sentence hashes (no comparison with every report)."""

    def __init__(self) -> None:
        self._prints: dict[str, Fingerprint] = {}
        self._order: dict[str, int] = {}
        self._by_hash: dict[int, list[str]] = {}

    def add(self, report_id: str, print_: Fingerprint) -> None:
        self.discard(report_id)
        self._prints[report_id] = print_
        self._order[report_id] = len(self._order)
        for h in print_.hashes:
            self._by_hash.setdefault(h, []).append(report_id)

    def discard(self, report_id: str) -> None:
        old = self._prints.pop(report_id, None)
        self._order.pop(report_id, None)
        for h in old.hashes if old else ():
            self._by_hash[h].remove(report_id)

    def find(self, print_: Fingerprint) -> str | None:
        """The first report added that is the same report as ``print_``, or None."""
        candidates = sorted({rid for h in print_.hashes for rid in self._by_hash.get(h, ())}, key=self._order.__getitem__)
        return next((rid for rid in candidates if same_report(print_, self._prints[rid])), None)
