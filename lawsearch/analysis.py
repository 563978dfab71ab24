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
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from whoosh.analysis import Analyzer, LowercaseFilter, StopFilter, Token, Tokenizer

ANALYZER_ID = "jieba-default-positions+stop/v1;bigram/v1"

# Function words and question words that carry no topic in reports or questions.
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 对 将 把 被 等 为 以 于 之 其 并 也 都 而 从 向 由 这 那 个 中 有 所 就 又 还 更 已 已经
    着 过 到 给 让 使 得 地 各 该 此 些 每 呢 吗 吧 啊 哪些 哪个 哪里 哪儿 什么 怎么 怎样 如何 多少 是否 有没有 有哪些
    请问 一下 我们 他们 你们 我 你 他 她 它 其中 以及 或者 并且 通过 进行 开展 相关 方面 情况
    """.split()
)
_QUESTION_FRAME = re.compile(r"(有)?哪些(地区|地方|城市|区县|区|县|市|单位|部门)?|哪里|哪个(地区|地方|城市)?")


def jieba_cache_dir() -> Path:
    """A per-user cache folder (``$XDG_CACHE_HOME/lawsearch`` or ``~/.cache/lawsearch``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lawsearch"


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
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def strip_question_frame(query: str) -> str:
    """Drop the 哪些地区 / 哪里 frame of a question, which names what is asked for, not what to find."""
    return _QUESTION_FRAME.sub(" ", query)


class JiebaTokenizer(Tokenizer):
    """jieba default-mode words; ``pos`` counts words, ``startchar``/``endchar`` are character offsets."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for word, start, end in _jieba().tokenize(value, mode="default", HMM=True):
            if not _is_word(word):
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            pos += 1
            yield token


class BigramTokenizer(Tokenizer):
    """Overlapping character bigrams of the text; positions are consecutive, so a phrase of bigrams is a substring."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for i in range(len(value) - 1):
            gram = value[i:i + 2]
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = gram
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + i
                token.endchar = start_char + i + 2
            pos += 1
            yield token


def word_analyzer() -> Analyzer:
    return JiebaTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=True)


def bigram_analyzer() -> Analyzer:
    return BigramTokenizer() | LowercaseFilter()


def query_words(query: str) -> list[str]:
    """The words of a free-text query, question frame and stop words removed, duplicates dropped in order."""
    seen: dict[str, None] = {}
    for token in word_analyzer()(strip_question_frame(query)):
        seen.setdefault(token.text, None)
    return list(seen)
