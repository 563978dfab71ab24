"""How much of a report's body reaches its chunks: the check that chrome removal never eats report text.

Test-only: the reading tests (tests/read/test_reading_corpus.py, test_page_cases.py) measure the reader with it.

Every sentence of every paragraph of at least ``min_chars`` characters in the decoded file must appear in some
chunk, in its text or its heading path. Photo captions and site footers are excepted (page furniture, dropped on
purpose: see :func:`excepted_lines`).

>>> from lawsearch.models import Chunk
>>> chunk = Chunk("r#000", "r", 0, (), "第一句。第二句。", 0, 8)
>>> body_coverage("第一句。第二句。第三句。", [chunk], min_chars=5).missing
['第三句。']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lawsearch.models import Chunk
from lawsearch.read.page import DroppedLine

MIN_PARAGRAPH_CHARS = 40
_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*[”’\"」』）)]*")
_SPACE = re.compile(r"\s+")
_END_PUNCTUATION = '。！？!?；;”’"」』）)'


@dataclass
class Coverage:
    """Sentences of long paragraphs found in the chunks, out of all of them, and those not found."""

    found: int = 0
    total: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.found / self.total if self.total else 1.0

    def add(self, other: Coverage) -> None:
        self.found += other.found
        self.total += other.total
        self.missing += other.missing


def excepted_lines(dropped: Iterable[DroppedLine]) -> list[str]:
    """The dropped lines that are not report text by definition: photo captions and site footers."""
    return [line.text for line in dropped if line.rule in ("photo caption", "footer")]


def body_coverage(text: str, chunks: Iterable[Chunk], min_chars: int = MIN_PARAGRAPH_CHARS, excepted: Iterable[str] = ()) -> Coverage:
    """Coverage of ``text`` (the decoded file) by ``chunks``; paragraphs in ``excepted`` (captions) do not count."""
    chunked = _SPACE.sub("", "".join(chunk.text + "".join(chunk.heading_path) for chunk in chunks))
    skip = {_SPACE.sub("", line) for line in excepted}
    coverage = Coverage()
    for paragraph in text.split("\n"):
        paragraph = _SPACE.sub("", paragraph)
        if len(paragraph) < min_chars or paragraph in skip:
            continue
        for sentence in _SENTENCE.findall(paragraph):
            coverage.total += 1
            if sentence.rstrip(_END_PUNCTUATION) in chunked:  # a heading keeps its words, not its full stop
                coverage.found += 1
            else:
                coverage.missing.append(sentence)
    return coverage
