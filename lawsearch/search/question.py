"""One question, parsed once: everything the search side reads of a query, made when the query comes in.

A query is cleaned and cut (:mod:`lawsearch.search.query`); then, from that text and nothing else:

- ``phrases``: the quoted phrases ("调解员联盟", “调解员联盟”, 「调解员联盟」), which must occur exactly;
- ``frame``: the 哪些地区 / 哪里 frame of a question, which names what is asked for, not what to find
  (:func:`lawsearch.search.analysis.split_question_frame`);
- ``words``: the jieba words of the rest, stop words and question words out (what the word index looks for and the
  ``words`` signal scores; :func:`lawsearch.search.analysis.topic_words`);
- ``characters`` and ``bigrams``: its Han characters and character bigrams, question words out (the ``chars`` signal,
  :func:`lawsearch.search.charscore.query_characters`);
- ``places``, ``years``, ``kinds``: the places, years and kinds of report it names (a 哪些… question's scope, and
  the reports a hit's score is lifted for);
- ``level``: the level of place a question asks for (哪些区县 / 哪个城市 / 哪座城市 / 哪个省 …; 哪里: any), which a
  哪些… question's answer set is grouped at and which lifts the reports of that level
  (:func:`lawsearch.search.answers.level_asked`).

>>> question = Question.parse('2022年浙江哪些区县建立了"调解员联盟"？')
>>> question.phrases, question.frame, question.words
(('调解员联盟',), ('哪些区县',), ('2022', '年', '浙江'))
>>> sorted(question.places), sorted(question.years), question.level
(['浙江'], [2022], 'county')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import checks
from .analysis import split_question_frame, topic_words
from .answers import level_asked
from .charscore import query_characters
from .query import MAX_QUERY_CHARS, prepare_query

PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」')
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def split_phrases(query: str) -> tuple[tuple[str, ...], str]:
    """The quoted phrases of a query and its free text (each phrase replaced by a space).

    >>> split_phrases('哪些地区建立了"调解员联盟"')
    (('调解员联盟',), '哪些地区建立了 ')
    """
    phrases = tuple(p.strip() for m in PHRASE.finditer(query) for p in m.groups() if p and p.strip())
    return phrases, PHRASE.sub(" ", query)


def named(query: str) -> tuple[set[str], set[int], set[str]]:
    """The places (full names, or short names of provinces and cities), years and kinds of report a question names.

    >>> named("2022年杭州哪些区县的法治政府建设年度报告提到调解")
    ({'杭州'}, {2022}, {'法治政府建设年度报告'})
    """
    from ..read.gazetteer import default_gazetteer
    from ..read.kinds import KINDS

    checks.text("query", query)

    places = {
        text
        for start, end, found in default_gazetteer().find(query, short_names=True)
        for text in (query[start:end],)
        if any(p.name == text or p.level != "county" for p in found)
    }
    years = {int(year) for year in _YEAR.findall(query)}
    return places, years, {kind for kind in KINDS if kind in query}


@dataclass(frozen=True)
class Question:
    """A query as the search side reads it (see the module docstring). ``text`` is the text searched: cleaned and
    cut; ``truncated`` is ``(original length, kept length)`` when it was cut."""

    text: str
    words: tuple[str, ...]
    phrases: tuple[str, ...]
    frame: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    bigrams: tuple[str, ...] = ()
    places: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()
    level: str | None = None
    truncated: tuple[int, int] | None = None

    @classmethod
    def parse(cls, query: str, segmenter: Any = None, max_chars: int = MAX_QUERY_CHARS) -> Question:
        """The question of ``query``: cleaned, cut to ``max_chars`` characters and parsed, its words segmented by
        ``segmenter`` (the index's vocabulary; default full jieba)."""
        prepared = prepare_query(query, max_chars)
        phrases, free = split_phrases(prepared.text)
        frame, topic = split_question_frame(free)
        return cls.of(prepared.text, tuple(topic_words(topic, segmenter)), phrases, frame, prepared.truncated)

    @classmethod
    def of(
        cls,
        text: str,
        words: tuple[str, ...],
        phrases: tuple[str, ...],
        frame: tuple[str, ...] = (),
        truncated: tuple[int, int] | None = None,
    ) -> Question:
        """The question of ``text`` whose words and phrases are already known (the rest is read from ``text`` as is)."""
        characters, bigrams = query_characters(text)
        places, years, kinds = named(text)
        return cls(
            text=text,
            words=words,
            phrases=phrases,
            frame=frame,
            characters=characters,
            bigrams=bigrams,
            places=frozenset(places),
            years=frozenset(years),
            kinds=frozenset(kinds),
            level=level_asked(text),
            truncated=truncated,
        )

    @property
    def terms(self) -> tuple[str, ...]:
        """What a snippet should mark and the ``words`` signal scores: phrases first, then words."""
        return self.phrases + self.words

    @property
    def empty(self) -> bool:
        """Whether there is nothing to look for: no words and no phrases (only stop words or punctuation)."""
        return not self.words and not self.phrases

    @property
    def names_any(self) -> bool:
        """Whether the question names a place, a year or a kind of report."""
        return bool(self.places or self.years or self.kinds)
