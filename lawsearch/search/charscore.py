"""Character-overlap scoring of candidate passages: BM25 over Han-character unigrams and character bigrams.

jieba word matching misses whenever a question words the same thing differently (农村改厕 vs 厕所革命);
characters and character bigrams keep the partial match. Indexing them in Whoosh is slow, so this module
scores only the few candidates that the word and dense indexes already retrieved, with document
frequencies computed once over the corpus (:class:`CharStats`).

Terms. Text is NFKC-normalised and lowercased, then split into *runs* of letters and digits (Han included)
at every other character: punctuation, spaces, symbols. Unigram terms are the Han characters; bigram terms
are the adjacent pairs inside a run (Han, letters or digits), so a bigram never spans punctuation.

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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np

Key = TypeVar("Key")

__all__ = ["CharStats", "QueryTerms", "normalise", "normalise_all", "query_characters", "query_text", "unigrams", "bigrams"]

# Han characters after NFKC: the CJK Unified Ideographs blocks (basic, extensions A to H), the few
# compatibility ideographs NFKC keeps, and 〇 (as in 二〇二五).
_HAN_RANGES = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_HAN = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _HAN_RANGES)
_NOT_HAN = re.compile(f"[^{_HAN}]+")
_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script (Han included): exactly str.isalnum()

QUESTION_WORDS = ("哪些", "什么", "如何", "怎么", "是否", "有没有")
FRAME_NOUNS = ("地区", "地方", "单位", "省份", "城市", "区县")
FUNCTION_CHARS = "的了和与在是有对等及或吗呢"
_QUERY_STOP = re.compile(rf"(?:哪些|什么|哪个)(?:{'|'.join(FRAME_NOUNS)})?|{'|'.join(QUESTION_WORDS)}|[{FUNCTION_CHARS}]")
# The full-width punctuation of Chinese text, replaced by its NFKC form before the (fast) NFKC check, so that
# most passages skip the (slow) full normalisation.
_FULL_WIDTH = tuple((ch, unicodedata.normalize("NFKC", ch)) for ch in "，（）；：！？％＋\u3000")
_BATCH = 1024  # passages per vectorised batch of from_texts: bounds its memory (~100 bytes per character)
_BIGRAM_SHIFT = 21  # a code point fits in 21 bits; a bigram's key is (first << 21) | second


def normalise(text: str) -> str:
    """NFKC and lowercase, as both sides of a match see text.

    >>> normalise("ＨＲ调解员（２０２５），Ⅲ类")
    'hr调解员(2025),iii类'
    """
    return _nfkc(_half_width(text)).lower()


def normalise_all(texts: list[str]) -> list[str]:
    """:func:`normalise` of each text, in a few passes over them all: the same result, faster for many passages.

    >>> normalise_all(["Ａ，Ｂ", "", "Ⅲ类"])
    ['a,b', '', 'iii类']
    """
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:  # a text holds NUL itself
        return [normalise(text) for text in texts]
    return "\0".join(map(_nfkc, _half_width(joined).split("\0"))).lower().split("\0")


def _half_width(text: str) -> str:
    for full, half in _FULL_WIDTH:
        text = text.replace(full, half)
    return text


def _nfkc(text: str) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def query_text(query: str) -> str:
    """The normalised query with question words and function characters replaced by a space (a break).

    >>> query_text("哪些地区有没有开展农村厕所改造？")
    '  开展农村厕所改造?'
    >>> query_text("地方政府债务")
    '地方政府债务'
    """
    return _QUERY_STOP.sub(" ", normalise(query))


def query_characters(query: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The distinct Han characters and character bigrams of a query (stop words out, see :func:`query_text`), each sorted:
    the query's side of a character match.

    >>> query_characters("哪些地区开展了厕所改造？")
    (('厕', '展', '开', '所', '改', '造'), ('厕所', '开展', '所改', '改造'))
    """
    text = query_text(query)
    return tuple(sorted(unigrams(text))), tuple(sorted(bigrams(text)))


def unigrams(text: str) -> set[str]:
    """The distinct Han characters of normalised text.

    >>> sorted(unigrams("5g基站、5g"))
    ['基', '站']
    """
    return set(_NOT_HAN.sub("", text))


def bigrams(text: str) -> set[str]:
    """The distinct adjacent pairs of letters/digits/Han inside runs of normalised text; never across
    punctuation or spaces.

    >>> sorted(bigrams("户厕，改造 5g"))
    ['5g', '户厕', '改造']
    """
    found: set[str] = set()
    for run in _RUN.findall(text):
        found.update(map(add, run, run[1:]))
    return found


def _han_lengths(texts: list[str]) -> list[int]:
    """The number of Han characters (with repeats) of each text: one vectorised pass over them all."""
    import numpy as np

    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    running = np.concatenate([[0], np.cumsum(_han_mask(codes))])
    sizes = np.array([len(text) for text in texts], dtype=np.int64)
    ends = np.cumsum(sizes)
    return (running[ends] - running[ends - sizes]).tolist()


def _overlapping_count(term: str, text: str) -> int:
    """Occurrences of ``term`` in ``text``, overlapping ones included (六六 occurs twice in 六六六; str.count says 1)."""
    return sum(1 for i in range(len(text) - 1) if text.startswith(term, i))


def _batches(texts: Iterable[str], size: int = _BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield normalise_all(batch)
            batch = []
    if batch:
        yield normalise_all(batch)


@lru_cache(maxsize=1)
def _bmp_alnum() -> np.ndarray:
    """str.isalnum() of every code point of the Basic Multilingual Plane, as a lookup table."""
    import numpy as np

    return np.array([chr(code).isalnum() for code in range(0x10000)], dtype=bool)


def _alnum_mask(codes: np.ndarray) -> np.ndarray:
    """str.isalnum() of each code point: a table lookup in the BMP, one call per distinct code point beyond it."""
    import numpy as np

    mask = _bmp_alnum()[np.minimum(codes, 0xFFFF)]  # U+FFFF is not a character: never alnum
    astral = np.flatnonzero(codes > 0xFFFF)
    if len(astral):
        distinct = np.array(sorted(set(codes[astral].tolist())))
        alnum = np.array([chr(code).isalnum() for code in distinct.tolist()], dtype=bool)
        mask[astral] = alnum[np.searchsorted(distinct, codes[astral])]
    return mask


def _han_mask(codes: np.ndarray) -> np.ndarray:
    import numpy as np

    mask = np.zeros(len(codes), dtype=bool)
    for lo, hi in _HAN_RANGES:
        mask |= (codes >= lo) & (codes <= hi)
    return mask


def _term_occurrences(texts: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Every unigram and bigram occurrence in normalised ``texts`` as (term key, text index) arrays, and the texts'
    total length in Han characters. A unigram's key is its code point; a bigram's is (first << 21) | second,
    always larger. The texts are joined by NUL, which is not alnum, so no bigram spans two texts.
    """
    import numpy as np

    joined = "\0".join(texts).encode("utf-32-le", "surrogatepass")  # one code per character, lone surrogates too
    codes = np.frombuffer(joined, dtype=np.uint32).astype(np.int64)
    doc = np.repeat(np.arange(len(texts)), [len(text) + 1 for text in texts])[: len(codes)]
    han = _han_mask(codes)
    alnum = _alnum_mask(codes)
    pair = alnum[:-1] & alnum[1:]
    keys = np.concatenate([codes[han], (codes[:-1][pair] << _BIGRAM_SHIFT) | codes[1:][pair]])
    return keys, np.concatenate([doc[han], doc[:-1][pair]]), int(han.sum())


def _document_frequencies(keys: np.ndarray, docs: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct term keys, sorted, and the number of texts holding each. Sorting ``key · n + text`` and dropping
    repeats leaves each (term, text) pair once, in term order, so a term's document frequency is its run's length."""
    import numpy as np

    pairs = np.sort(keys * n_docs + docs)
    terms = pairs[np.diff(pairs, prepend=-1) != 0] // n_docs
    starts = np.flatnonzero(np.diff(terms, prepend=-1))
    return terms[starts], np.diff(starts, append=len(terms))


def _merge(terms: list[np.ndarray], counts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-batch (term keys, counts) summed into one sorted (term keys, counts)."""
    import numpy as np

    all_terms, all_counts = np.concatenate(terms), np.concatenate(counts)
    order = np.argsort(all_terms, kind="stable")
    all_terms, all_counts = all_terms[order], all_counts[order].astype(np.int64)
    starts = np.flatnonzero(np.diff(all_terms, prepend=-1))
    return all_terms[starts], np.add.reduceat(all_counts, starts) if len(starts) else all_counts


def _named(terms: np.ndarray, counts: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
    """Sorted term keys and their counts as the unigram and the bigram dicts (unigram keys are the smaller)."""
    split = int((terms < 1 << _BIGRAM_SHIFT).sum())
    low = (1 << _BIGRAM_SHIFT) - 1
    keys, counts_ = terms.tolist(), counts.tolist()
    unigram_df = dict(zip(map(chr, keys[:split]), counts_[:split]))
    bigram_df = {chr(key >> _BIGRAM_SHIFT) + chr(key & low): count for key, count in zip(keys[split:], counts_[split:])}
    return unigram_df, bigram_df


@dataclass(frozen=True)
class QueryTerms:
    """A query's distinct terms (``words``: the unigrams, then the bigrams) with their weights ``idf(t) · w(t)``,
    and ``total`` = the weights' sum.

    ``gates`` gives, for each bigram, the indexes of its two characters among the unigrams (-1 for a letter or a
    digit, which is no unigram): a bigram whose character a passage lacks needs no counting. ``doubled`` indexes
    the bigrams of one repeated character (六六), the only terms whose occurrences overlap.
    """

    words: tuple[str, ...]
    weights: tuple[float, ...]
    total: float
    unigrams: int
    gates: tuple[tuple[int, int], ...]
    doubled: tuple[int, ...]

    @classmethod
    def of(cls, terms: Iterable[tuple[str, float]]) -> QueryTerms:
        words, weights = tuple(zip(*sorted(terms, key=lambda term: len(term[0])))) or ((), ())
        index = {word: i for i, word in enumerate(words) if len(word) == 1}
        gates = tuple((index.get(word[0], -1), index.get(word[1], -1)) for word in words[len(index) :])
        doubled = tuple(i for i, word in enumerate(words) if len(word) == 2 and word[0] == word[1])
        return cls(words, weights, sum(weights), len(index), gates, doubled)

    @property
    def terms(self) -> list[tuple[str, float]]:
        return list(zip(self.words, self.weights))

    def counts(self, text: str) -> list[int]:
        """Occurrences of each term in normalised ``text``, by str.count (a bigram of alnum characters cannot
        match across punctuation); a bigram is counted only when the text holds both its Han characters."""
        count = text.count
        found = list(map(count, self.words[: self.unigrams]))
        found.append(1)  # found[-1]: the gate of a letter or digit is always open
        counts = found[:-1] + [
            count(word) if found[first] and found[second] else 0 for word, (first, second) in zip(self.words[self.unigrams :], self.gates)
        ]
        for i in self.doubled:
            if counts[i]:
                counts[i] = _overlapping_count(self.words[i], text)
        return counts


class CharStats:
    """Document frequencies of Han unigrams and character bigrams over a corpus, its size and mean length.

    The frequencies are two arrays: the sorted term keys (a unigram's code point; a bigram's ``(first << 21) |
    second``) and each key's count of texts. Statistics of disjoint sets of texts add up and subtract exactly
    (:meth:`plus`, :meth:`minus`), so a writer keeps them up to date report by report.

    ``k1``, ``b`` and ``bigram_weight`` are the BM25 parameters used by :meth:`score` (checked at construction;
    plain attributes after).

    >>> one, two = CharStats.from_texts(["农村厕所"]), CharStats.from_texts(["厕所革命", "农田"])
    >>> both = one.plus(two)
    >>> both.df("厕所"), both.n_docs, both.minus(two).df("厕所"), both.minus(two).df("农田")
    (2, 3, 1, 0)
    """

    def __init__(
        self,
        keys: np.ndarray,
        counts: np.ndarray,
        n_docs: int,
        han_length: int,
        k1: float = 1.2,
        b: float = 0.75,
        bigram_weight: float = 1.0,
    ) -> None:
        if k1 < 0 or not 0 <= b <= 1 or bigram_weight < 0 or n_docs < 0 or han_length < 0:
            raise ValueError("need k1 >= 0, 0 <= b <= 1, bigram_weight >= 0, n_docs >= 0 and han_length >= 0")
        self.keys = keys
        self.counts = counts
        self.n_docs = n_docs
        self.han_length = han_length
        self.k1 = k1
        self.b = b
        self.bigram_weight = bigram_weight

    @classmethod
    def from_texts(cls, texts: Iterable[str], **params: float) -> CharStats:
        """Count, for every Han unigram and bigram, the texts that hold it; ``params`` (k1, b, bigram_weight) are
        passed on. Vectorised with numpy in batches (see _document_frequencies): several times faster than a set
        per text counted by Counter.update, which the tests keep as the reference (scripts/bench_charscore.py
        measures both).
        """
        import numpy as np

        terms, counts = [], []
        n_docs = length = 0
        for batch in _batches(texts):
            keys, docs, lengths = _term_occurrences(batch)
            batch_terms, batch_counts = _document_frequencies(keys, docs, len(batch))
            terms.append(batch_terms)
            counts.append(batch_counts)
            n_docs += len(batch)
            length += lengths
        if not terms:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0, 0, **params)
        keys, merged = _merge(terms, counts)
        return cls(keys, merged, n_docs, length, **params)

    def _params(self) -> dict[str, float]:
        return {"k1": self.k1, "b": self.b, "bigram_weight": self.bigram_weight}

    def plus(self, other: CharStats) -> CharStats:
        """The statistics of both corpora (of disjoint texts), with this one's parameters."""
        keys, counts = _merge([self.keys, other.keys], [self.counts, other.counts])
        return CharStats(keys, counts, self.n_docs + other.n_docs, self.han_length + other.han_length, **self._params())

    def minus(self, other: CharStats) -> CharStats:
        """The statistics of this corpus less ``other``'s texts, which it holds (a ValueError if it cannot)."""
        keys, counts = _merge([self.keys, other.keys], [self.counts, -other.counts])
        if (counts < 0).any() or other.n_docs > self.n_docs or other.han_length > self.han_length:
            raise ValueError("the texts taken away are not all in these statistics")
        kept = counts > 0
        return CharStats(keys[kept], counts[kept], self.n_docs - other.n_docs, self.han_length - other.han_length, **self._params())

    def with_params(self, **params: float) -> CharStats:
        """The same statistics with other BM25 parameters."""
        return CharStats(self.keys, self.counts, self.n_docs, self.han_length, **{**self._params(), **params})

    @property
    def avgdl(self) -> float:
        """The mean length of the texts in Han characters."""
        return self.han_length / self.n_docs if self.n_docs else 0.0

    @property
    def unigram_df(self) -> dict[str, int]:
        """Unigram → document frequency (all of them: for tests and inspection)."""
        return _named(self.keys, self.counts)[0]

    @property
    def bigram_df(self) -> dict[str, int]:
        """Bigram → document frequency (all of them: for tests and inspection)."""
        return _named(self.keys, self.counts)[1]

    def df(self, term: str) -> int:
        """How many texts hold ``term`` (one character or two)."""
        key = ord(term) if len(term) == 1 else (ord(term[0]) << _BIGRAM_SHIFT) | ord(term[1])
        at = int(self.keys.searchsorted(key))
        return int(self.counts[at]) if at < len(self.keys) and int(self.keys[at]) == key else 0

    def idf(self, term: str) -> float:
        """ln(1 + (N − df + 0.5) / (df + 0.5)); a term the corpus lacks (df = 0) gets the highest value."""
        df = self.df(term)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))

    def query_terms(self, query: str) -> QueryTerms:
        """The query's distinct unigram and bigram terms (stop words out) with weights idf · w, computed once.

        >>> [(term, round(weight, 3)) for term, weight in CharStats.from_texts(["厕所", "农田"]).query_terms("厕所的农").terms]
        [('农', 0.693), ('厕', 0.693), ('所', 0.693), ('厕所', 0.693)]
        """
        return self.weigh(*query_characters(query))

    def weigh(self, characters: Iterable[str], pairs: Iterable[str]) -> QueryTerms:
        """Query terms of a query's unigrams and bigrams (:func:`query_characters`), weighted idf · w."""
        terms = [(term, self.idf(term)) for term in characters]
        if self.bigram_weight:
            terms += [(term, self.idf(term) * self.bigram_weight) for term in pairs]
        return QueryTerms.of(terms)

    def _score_prepared(self, terms: QueryTerms, text: str, length: int) -> float:
        """The normalised BM25 score (see the module docstring) of a normalised passage of ``length`` Han characters."""
        counts = terms.counts(text)
        saturation = self.k1 * (1.0 - self.b + self.b * length / (self.avgdl or 1.0))
        matched = sum(weight * tf / (tf + saturation) for weight, tf in zip(terms.weights, counts) if tf)
        return min(1.0, matched / terms.total)

    def score_terms(self, terms: QueryTerms, texts: Mapping[Key, str]) -> dict[Key, float]:
        """:meth:`scores` for query terms computed beforehand (by :meth:`query_terms`)."""
        if not terms.total:
            return dict.fromkeys(texts, 0.0)
        normalised = normalise_all(list(texts.values()))
        lengths = _han_lengths(normalised)
        return {key: self._score_prepared(terms, text, length) for key, text, length in zip(texts, normalised, lengths)}

    def score(self, query: str, text: str) -> float:
        """How well ``text`` matches ``query`` by characters, in [0, 1]; 0 for a query with no terms."""
        return self.scores(query, {"": text})[""]

    def scores(self, query: str, texts: Mapping[Key, str]) -> dict[Key, float]:
        """:meth:`score` for many candidates at once (id → text): the query's terms computed once, the candidates'
        normalised and their lengths taken in a few passes over them all."""
        return self.score_terms(self.query_terms(query), texts)
