"""Character-overlap scoring of candidate passages: BM25 over Han-character unigrams and character bigrams.

jieba word matching misses whenever a question words the same thing differently (农村改厕 vs 厕所革命);
characters and character bigrams keep the partial match. Indexing them in Whoosh is slow, so this module
scores only the few candidates that the word and dense indexes already retrieved, with document
frequencies computed once over the corpus (:class:`CharStats`).

Terms. Text is NFKC-normalised and lowercased, then split into *runs* of letters and digits (Han included)
at every other character: punctuation, spaces, symbols. Unigram terms are the Han characters; bigram terms
are the adjacent pairs inside a run (Han, Latin letters or digits), so a bigram never spans punctuation.

Score. For the distinct terms ``t`` of the query, with weight ``w(t)`` = 1 for a unigram and ``bigram_weight``
for a bigram, ``tf`` the occurrences of ``t`` in the passage, ``dl`` the passage's Han characters and
``avgdl`` the corpus mean::

    K        = k1 · (1 − b + b · dl / avgdl)
    bm25     = Σ idf(t) · w(t) · tf · (k1 + 1) / (tf + K)
    score    = bm25 / Σ idf(t) · w(t) · (k1 + 1)                       (in [0, 1])
             = Σ idf(t) · w(t) · tf / (tf + K)  /  Σ idf(t) · w(t)
    idf(t)   = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))

The divisor is BM25's supremum for this query: every query term present with unbounded frequency. So the score
is the idf-weighted mean, over the query's terms, of how saturated each term is in the passage (tf / (tf + K),
0 when absent, approaching 1 as tf grows). It ranks exactly as plain BM25 does for one query, and it is
comparable across queries. A term met once in a passage of average length contributes 1 / (1 + k1) of its
weight (0.45 with k1 = 1.2), so a passage that holds every query term once scores about 0.45; one that holds
them often scores near 1. A term absent from the corpus (df = 0) gets the highest idf, so a query about
something the corpus lacks scores low everywhere.

Query stop words. Before taking the query's terms, these are replaced by a break (no bigram spans them); they are
the words of a question, not of its topic:

- question words: 哪些 什么 如何 怎么 是否 有没有, and a frame noun right after 哪些 / 什么 / 哪个
  (哪些地区, 什么单位: 地区 地方 单位 省份 城市 区县). A frame noun elsewhere is topic (地方政府债务), so it stays.
- function characters: 的 了 和 与 在 是 有 对 等 及 或 吗 呢 (particles, conjunctions, prepositions, copula).
  Their idf is low anyway; dropping them keeps them from diluting the normaliser and keeps junk bigrams such as
  有人 (有人管吗) from matching. The price is a lost bigram now and then (国有 in 国有三资 → 国 + 三资).

>>> stats = CharStats.from_texts(["推进农村厕所革命，改造户厕", "提高最低工资标准", "建设高标准农田"])
>>> stats.n_docs, stats.avgdl
(3, 9.0)
>>> [round(score, 3) for score in stats.scores("农村改厕", {"a": "推进农村厕所革命，改造户厕", "b": "提高最低工资标准",
...                                                          "c": "建设高标准农田"}).values()]
[0.225, 0.0, 0.027]
>>> stats.score("有没有？", "推进农村厕所革命")
0.0
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from operator import add
from typing import Iterable, Mapping

__all__ = ["CharStats", "QueryTerms", "query_text", "unigrams", "bigrams"]

# Han characters after NFKC: the CJK Unified Ideographs blocks (basic, extensions A to H), the few
# compatibility ideographs NFKC keeps, and 〇 (as in 二〇二五).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NOT_HAN = re.compile(f"[^{_HAN}]+")
_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script (Han included); underscore is not a letter

QUESTION_WORDS = ("哪些", "什么", "如何", "怎么", "是否", "有没有")
FRAME_NOUNS = ("地区", "地方", "单位", "省份", "城市", "区县")
FUNCTION_CHARS = "的了和与在是有对等及或吗呢"
_QUERY_STOP = re.compile(
    rf"(?:哪些|什么|哪个)(?:{'|'.join(FRAME_NOUNS)})?|{'|'.join(QUESTION_WORDS)}|[{FUNCTION_CHARS}]"
)


def normalise(text: str) -> str:
    """NFKC and lowercase, as both sides of a match see text.

    >>> normalise("ＨＲ调解员（２０２５）")
    'hr调解员(2025)'
    """
    return unicodedata.normalize("NFKC", text).lower()


def query_text(query: str) -> str:
    """The normalised query with question words and function characters replaced by a space (a break).

    >>> query_text("哪些地区有没有开展农村厕所改造？")
    '  开展农村厕所改造?'
    >>> query_text("地方政府债务")
    '地方政府债务'
    """
    return _QUERY_STOP.sub(" ", normalise(query))


def unigrams(text: str) -> set[str]:
    """The distinct Han characters of already normalised text.

    >>> sorted(unigrams("5g基站、5g"))
    ['基', '站']
    """
    return set(_NOT_HAN.sub("", text))


def bigrams(text: str) -> set[str]:
    """The distinct adjacent pairs of letters/digits/Han inside runs of already normalised text; never across
    punctuation or spaces.

    >>> sorted(bigrams("户厕，改造 5g"))
    ['5g', '户厕', '改造']
    """
    found: set[str] = set()
    for run in _RUN.findall(text):
        found.update(map(add, run, run[1:]))
    return found


def han_length(text: str) -> int:
    """The number of Han characters (with repeats) in already normalised text: a passage's length."""
    return len(_NOT_HAN.sub("", text))


def _count(term: str, text: str) -> int:
    """Occurrences of ``term`` in ``text``, overlapping ones included (六六 occurs twice in 六六六)."""
    count = text.count(term)
    if count and len(term) == 2 and term[0] == term[1]:
        count = sum(1 for i in range(len(text) - 1) if text.startswith(term, i))
    return count


@dataclass(frozen=True)
class QueryTerms:
    """A query's distinct terms with their weights ``idf(t) · w(t)``, and ``total`` = the sum of the weights."""

    terms: tuple[tuple[str, float], ...]
    total: float


class CharStats:
    """Document frequencies of Han unigrams and character bigrams over a corpus, its size and mean length.

    ``k1``, ``b`` and ``bigram_weight`` are the BM25 parameters used by :meth:`score`; set them at construction
    or later (they are plain attributes).
    """

    def __init__(self, unigram_df: Mapping[str, int], bigram_df: Mapping[str, int], n_docs: int, avgdl: float,
                 k1: float = 1.2, b: float = 0.75, bigram_weight: float = 1.0) -> None:
        if k1 < 0 or not 0 <= b <= 1 or bigram_weight < 0 or n_docs < 0 or avgdl < 0:
            raise ValueError("need k1 >= 0, 0 <= b <= 1, bigram_weight >= 0, n_docs >= 0 and avgdl >= 0")
        self.unigram_df = dict(unigram_df)
        self.bigram_df = dict(bigram_df)
        self.n_docs = n_docs
        self.avgdl = avgdl
        self.k1 = k1
        self.b = b
        self.bigram_weight = bigram_weight

    @classmethod
    def from_texts(cls, texts: Iterable[str], **params: float) -> CharStats:
        """Count, for every unigram and bigram, the texts that hold it (one set per text, counted by Counter).

        ``params`` are passed on (k1, b, bigram_weight).
        """
        unigram_df: Counter[str] = Counter()
        bigram_df: Counter[str] = Counter()
        n_docs = length = 0
        for text in texts:
            text = normalise(text)
            han = _NOT_HAN.sub("", text)
            unigram_df.update(set(han))
            bigram_df.update(bigrams(text))
            n_docs += 1
            length += len(han)
        return cls(unigram_df, bigram_df, n_docs, length / n_docs if n_docs else 0.0, **params)

    def idf(self, term: str) -> float:
        """ln(1 + (N − df + 0.5) / (df + 0.5)); a term the corpus lacks (df = 0) gets the highest value."""
        df = (self.unigram_df if len(term) == 1 else self.bigram_df).get(term, 0)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))

    def query_terms(self, query: str) -> QueryTerms:
        """The query's distinct unigram and bigram terms (stop words out) with weights idf · w, computed once.

        >>> [(term, round(weight, 3)) for term, weight in CharStats.from_texts(["厕所", "农田"]).query_terms("厕所的农").terms]
        [('农', 0.693), ('厕', 0.693), ('所', 0.693), ('厕所', 0.693)]
        """
        text = query_text(query)
        terms = [(term, self.idf(term)) for term in sorted(unigrams(text))]
        if self.bigram_weight:
            terms += [(term, self.idf(term) * self.bigram_weight) for term in sorted(bigrams(text))]
        return QueryTerms(tuple(terms), sum(weight for _, weight in terms))

    def score_terms(self, terms: QueryTerms, text: str) -> float:
        """The normalised BM25 score (see the module docstring) of one passage for precomputed query terms."""
        if not terms.total:
            return 0.0
        text = normalise(text)
        avgdl = self.avgdl or 1.0
        saturation = self.k1 * (1.0 - self.b + self.b * han_length(text) / avgdl)
        matched = 0.0
        for term, weight in terms.terms:
            tf = _count(term, text)
            if tf:
                matched += weight * tf / (tf + saturation)
        return min(1.0, matched / terms.total)

    def score(self, query: str, text: str) -> float:
        """How well ``text`` matches ``query`` by characters, in [0, 1]; 0 for a query with no terms."""
        return self.score_terms(self.query_terms(query), text)

    def scores(self, query: str, texts: Mapping[str, str]) -> dict[str, float]:
        """:meth:`score` for many candidates at once (id → text), the query's terms computed once."""
        terms = self.query_terms(query)
        return {key: self.score_terms(terms, text) for key, text in texts.items()}
