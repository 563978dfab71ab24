"""The focal terms of a question and how much of them one sentence of a passage holds.

A question turns on a few content words: 大运河 and 国家文化公园 in 哪些省份在建设大运河国家文化公园, not 建设. The focal
terms are the question's words and quoted phrases (its 哪些地区 / 报告提到 frame and question words already out, see
:mod:`lawsearch.search.question`), each weighted by its rarity in the corpus (BM25's idf over the chunks). A passage's
**focal share** is the idf-weighted share of them that its best sentence holds: 1.0 when one sentence names every
focal term (strong evidence), less when it names only the general part (国家文化公园 without 大运河), 0 when none.
Within one sentence, because a long passage that names 大运河 in one paragraph and 国家文化公园 in another does not
say the two together.

The share lifts a hybrid hit's score (``RankingParams.focal_weight``) and decides, beside the score, whether a region
answers a 哪些… question (:mod:`lawsearch.search.answers`); ``--explain`` shows the terms a hit holds.

>>> focal = FocalTerms.weigh(("大运河", "国家文化公园"), {"大运河": 2, "国家文化公园": 20}.get, 100)
>>> focal.share("建设大运河国家文化公园。")
(1.0, ('大运河', '国家文化公园'))
>>> share, held = focal.share("推进长城国家文化公园建设。大运河沿线治理。")
>>> round(share, 2), held
(0.7, ('大运河',))
>>> FocalTerms.weigh(("稳就业；保民生",), lambda term: 1, 100).terms
('稳就业', '保民生')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .analysis import normalise
from .dense import SENTENCE_ENDS

# A sentence: up to a full stop, a semicolon or a line end, as the dense index cuts them.
_SENTENCE = re.compile(rf"[^{SENTENCE_ENDS}\n]+")


@dataclass(frozen=True)
class FocalTerms:
    """A question's focal terms (normalised, lower case) and their idf weights."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]

    @classmethod
    def weigh(cls, terms: tuple[str, ...], doc_frequency: Callable[[str], int | None], n_docs: int) -> FocalTerms:
        """The focal terms ``terms`` weighted by idf (``doc_frequency``: chunks holding a term; ``n_docs``: chunks)."""
        # A quoted phrase that spans sentences (a；b) counts as its parts: a sentence can hold each, never both.
        pieces = (piece.strip() for term in terms for piece in _SENTENCE.findall(normalise(term).lower()))
        distinct = tuple(dict.fromkeys(piece for piece in pieces if piece))
        weights = tuple(math.log(1.0 + (n_docs - (df := doc_frequency(t) or 0) + 0.5) / (df + 0.5)) for t in distinct)
        return cls(distinct, weights)

    def share(self, text: str) -> tuple[float, tuple[str, ...]]:
        """``(share, terms)``: the idf-weighted share of the focal terms that the best sentence of ``text`` holds, and
        those terms, in the question's order; ``(0.0, ())`` when there are none."""
        total = sum(self.weights)
        if not total:
            return 0.0, ()
        best: tuple[float, tuple[str, ...]] = (0.0, ())
        for sentence in _SENTENCE.findall(normalise(text).lower()):
            held = tuple(term for term in self.terms if term in sentence)
            if held:
                weight = sum(w for term, w in zip(self.terms, self.weights, strict=True) if term in held)
                best = max(best, (weight / total, held), key=lambda pair: pair[0])
        return best
