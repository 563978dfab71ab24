"""Analyzers for Whoosh: jieba words with true token positions, and character bigrams for exact phrases.

jieba's stock ``ChineseAnalyzer`` gives character offsets as positions (so phrase queries never
match) and uses search mode, which adds junk sub-words (劳动人事 → 动人). Here words come from
jieba's default mode, positions count tokens, punctuation and stop words are dropped. Exact
phrases are matched on a separate field of overlapping character bigrams, whose consecutive
positions make a phrase query equal to a substring test.

>>> [t.text for t in word_analyzer()("建立了企业HR调解员联盟")]
['建立', '企业', 'hr', '调解员', '联盟']
>>> [(t.text, t.pos) for t in bigram_analyzer()("调解员联盟", positions=True)]
[('调解', 0), ('解员', 1), ('员联', 2), ('联盟', 3)]
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer, LowercaseFilter, StopFilter, Token, Tokenizer

from ..cachedir import user_cache_dir

ANALYZER_ID = "jieba-default-positions+stop+nfkc/v2;bigram+nfkc/v2"

# Function words and question words that carry no topic in reports or questions.
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 对 将 把 被 等 为 以 于 之 其 并 也 都 而 从 向 由 这 那 个 中 有 所 就 又 还 更 已 已经
    着 过 到 给 让 使 得 地 各 该 此 些 每 呢 吗 吧 啊 哪些 哪个 哪里 哪儿 什么 怎么 怎样 如何 多少 是否 有没有 有哪些
    请问 一下 我们 他们 你们 我 你 他 她 它 其中 以及 或者 并且 通过 进行 开展 相关 方面 情况
    """.split()
)
# The question word that asks for one or several places or bodies: 哪个 / 哪座 / 哪些 / 哪几个 / 哪一个 / 什么 (not
# 为什么), and a kind of place that may stand between it and the place noun (沿海城市, 副省级城市).
WHICH = r"(?:哪(?:一|几)?(?:个|座|些)|(?<![为凭干])什么)"
PLACE_KIND = r"(?:(?:沿海|沿边|内陆|边境|东部|中部|西部|东北|南方|北方|省会|副省级|计划单列|地级以上|资源型|少数民族)的?)?"
# The place nouns of one character, each cut short of the words it begins (市场, 区别, 县长, 省级, 城市群 …), by level.
PROVINCE_NOUN = "省(?![钱力心事时长委会级])"
COUNTY_NOUNS = "县(?![长委级域])|旗(?![帜下舰])|区(?![域别间分块长委级])"
CITY_NOUNS = "城市(?!群)|市(?![场民值容政面价长委级辖])|州(?![长县])|盟(?![友员国约])"
# The nouns a 哪些… frame asks with (places and bodies).
_FRAME_NOUNS = (
    "地区|地方(?!性)|区域|省会|地级市|地市|市州|州市|盟市|自治州|区县|县区|市县|县市|州县|县级市|自治县|旗县|省份|省区|省市"
    f"|自治区|直辖市|单位|部门|{PROVINCE_NOUN}|{COUNTY_NOUNS}|{CITY_NOUNS}"
)
# What a question says about the reports rather than the topic: (的)(报告/规划…)(中/里)提到 / 提及 / 谈到 ….
_MENTION = r"(?:的?(?:报告|规划|文件|公报)?(?:中|里)?(?:提到了?|提及|谈到|谈及|说到|讲到|写到|写了))?"
_QUESTION_FRAME = re.compile(rf"有?{WHICH}(?:{PLACE_KIND}(?:{_FRAME_NOUNS}))?{_MENTION}|哪里{_MENTION}|哪儿{_MENTION}")


def normalise(text: str) -> str:
    """NFKC: full-width letters, digits and punctuation as their ASCII forms (ＨＲ → HR, ， → ,) on both sides of a match."""
    return unicodedata.normalize("NFKC", text)


def jieba_cache_dir() -> Path:
    """Where jieba keeps its dictionary cache: lawsearch's per-user cache folder (:mod:`lawsearch.cachedir`)."""
    return user_cache_dir()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """jieba's default tokenizer, initialised once, its dictionary cache kept per user (not in /tmp)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    cache_dir = jieba_cache_dir()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(cache_dir)
        jieba.dt.cache_file = "jieba.cache"
    except OSError:
        pass  # jieba falls back to its own temporary folder
    jieba.dt.initialize()
    return jieba.dt


def _is_word(text: str) -> bool:
    """Whether ``text`` holds a letter or a number (Unicode categories L and N); a Chinese character is a letter."""
    return "\u4e00" <= text[:1] <= "\u9fff" or any(unicodedata.category(ch)[0] in "LN" for ch in text)


def jieba_words(text: str, segmenter: Any) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) of jieba's default-mode segmentation, punctuation and spaces left out."""
    for word, start, end in segmenter.tokenize(normalise(text), mode="default", HMM=True):
        if _is_word(word):
            yield word, start, end


class _RecordingTokenizer:
    """Builds jieba tokenizers that share the full dictionary and note every dictionary word of the word graphs they
    build (jieba's ``get_DAG``, with one line added), in ``words``."""

    def __init__(self) -> None:
        import jieba

        full = _jieba()
        words: set[str] = set()

        class Recording(jieba.Tokenizer):
            def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 - jieba's name
                freq = self.FREQ
                dag: dict[int, list[int]] = {}
                size = len(sentence)
                for k in range(size):
                    ends: list[int] = []
                    i, fragment = k, sentence[k]
                    while i < size and fragment in freq:
                        if freq[fragment]:
                            ends.append(i)
                            words.add(fragment)
                        i += 1
                        fragment = sentence[k : i + 1]
                    dag[k] = ends or [k]
                return dag

        self.tokenizer = Recording()
        self.tokenizer.FREQ, self.tokenizer.total, self.tokenizer.initialized = full.FREQ, full.total, True
        self.words = words

    def vocabulary(self) -> dict[str, Any]:
        """The words noted so far, as :func:`corpus_vocabulary` gives them."""
        freq = self.tokenizer.FREQ
        return {"total": self.tokenizer.total, "words": {word: freq[word] for word in self.words | STOP_WORDS if freq.get(word)}}


_recording = threading.local()


@contextmanager
def recorded_vocabulary() -> Iterator[_RecordingTokenizer]:
    """While open, the word analysis of this thread (:func:`word_analyzer`, :class:`JiebaTokenizer`) also notes the
    dictionary words of what it segments: ``recorder.vocabulary()`` is then :func:`corpus_vocabulary` of that text,
    without segmenting it a second time.

    >>> with recorded_vocabulary() as recorder:
    ...     _ = [t.text for t in word_analyzer()("调解员联盟")]
    >>> sorted(set(recorder.vocabulary()["words"]) - STOP_WORDS)  # every word of the graph, not only those cut
    ['员', '盟', '联', '联盟', '解', '调', '调解', '调解员']
    """
    recorder = _RecordingTokenizer()
    previous = getattr(_recording, "recorder", None)
    _recording.recorder = recorder
    try:
        yield recorder
    finally:
        _recording.recorder = previous


def _word_segmenter() -> Any:
    """The tokenizer that analyses indexed text in this thread: jieba's, or the recording one (see recorded_vocabulary)."""
    recorder = getattr(_recording, "recorder", None)
    return recorder.tokenizer if recorder is not None else _jieba()


def corpus_vocabulary(texts: Iterable[str]) -> dict[str, Any]:
    """The part of jieba's dictionary that occurs in ``texts`` (every word of the word graphs jieba builds when it
    segments them), with jieba's total.

    Queries are segmented with this instead of the full dictionary: loading the full one costs ~0.6 s
    at every start, this one milliseconds. Text made of corpus text has the same word graph under
    both, hence the same segmentation; words that never occur in the corpus could match nothing.
    Indexing gets it while it segments (:func:`recorded_vocabulary`).
    """
    with recorded_vocabulary() as recorder:
        for text in dict.fromkeys(texts):
            for _ in jieba_words(text, recorder.tokenizer):
                pass
    return recorder.vocabulary()


def with_prefixes(vocabulary: dict[str, Any]) -> dict[str, Any]:
    """``vocabulary`` with ``prefixes``: the beginnings of its words that are no word of it, which jieba's dictionary
    holds with a count of 0 (so that its word graph looks further). Saved with the vocabulary, they are not recomputed
    at every start (0.18 s for the 94,000 words of a collection of 3,000 reports)."""
    words = vocabulary["words"]
    prefixes = {word[:i] for word in words for i in range(1, len(word))}.difference(words)
    return {**vocabulary, "prefixes": sorted(prefixes)}


def query_segmenter(vocabulary: dict[str, Any]) -> Any:
    """A jieba tokenizer over a corpus vocabulary (see corpus_vocabulary), saved with its prefixes or not."""
    import jieba

    if "prefixes" not in vocabulary:
        vocabulary = with_prefixes(vocabulary)
    freq: dict[str, int] = dict.fromkeys(vocabulary["prefixes"], 0)
    freq.update(vocabulary["words"])
    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total, segmenter.initialized = freq, vocabulary["total"], True
    return segmenter


def strip_question_frame(query: str) -> str:
    """Drop the 哪些地区 / 哪里 frame of a question, which names what is asked for, not what to find."""
    return split_question_frame(query)[1]


def split_question_frame(query: str) -> tuple[tuple[str, ...], str]:
    """The 哪些地区 / 哪里 frames of a question, in order, and the question without them (a space for each).

    >>> split_question_frame("哪些地区建立了调解员联盟")
    (('哪些地区',), ' 建立了调解员联盟')
    """
    return tuple(match.group(0) for match in _QUESTION_FRAME.finditer(query)), _QUESTION_FRAME.sub(" ", query)


class _SpanTokenizer(Tokenizer):
    """A Whoosh tokenizer over ``(text, start, end)`` spans; ``pos`` counts tokens, ``startchar``/``endchar`` are
    offsets into the NFKC-normalised text."""

    def spans(self, value: str) -> Iterable[tuple[str, int, int]]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (text, start, end) in enumerate(self.spans(value), start=start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class JiebaTokenizer(_SpanTokenizer):
    """jieba default-mode words, punctuation left out."""

    def spans(self, value: str) -> Iterable[tuple[str, int, int]]:
        return jieba_words(value, _word_segmenter())


class BigramTokenizer(_SpanTokenizer):
    """Overlapping character bigrams of the text; positions are consecutive, so a phrase of bigrams is a substring."""

    def spans(self, value: str) -> Iterable[tuple[str, int, int]]:
        value = normalise(value)
        return ((value[i : i + 2], i, i + 2) for i in range(len(value) - 1))


def word_analyzer() -> Analyzer:
    return JiebaTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=True)


def bigram_analyzer() -> Analyzer:
    return BigramTokenizer() | LowercaseFilter()


# Words a question uses to ask, not to name its topic: they neither drive the match nor get highlighted. They stay
# in the index (a report's 工作 is text), only queries leave them out.
QUESTION_STOP_WORDS = frozenset("地区 地方 单位 部门 建立 建设 工作 开展 推进 情况 措施 举措 做法 做了 提出 实施 怎么样 怎样".split())


def query_words(query: str, segmenter: Any = None) -> list[str]:
    """The words of a free-text query, question frame, stop words and question words removed, duplicates dropped in
    order. A query of question words only keeps them (there is nothing else to look for).

    Mirrors word_analyzer(); ``segmenter`` defaults to jieba with its full dictionary.

    >>> query_words("哪些地区建立了调解员联盟")
    ['调解员', '联盟']
    """
    return topic_words(strip_question_frame(query), segmenter)


def topic_words(text: str, segmenter: Any = None) -> list[str]:
    """:func:`query_words` of a query whose question frame is already out (see :func:`split_question_frame`)."""
    seen: dict[str, None] = {}
    for word, _, _ in jieba_words(text, segmenter or _jieba()):
        word = word.lower()
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    topical = [word for word in seen if word not in QUESTION_STOP_WORDS]
    return topical or list(seen)
