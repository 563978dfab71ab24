"""A question is parsed once, into the same parts each stage used to parse out of the query on its own."""

from __future__ import annotations

import pytest

from lawsearch.search.analysis import query_words, split_question_frame, strip_question_frame
from lawsearch.search.answers import level_asked
from lawsearch.search.charscore import CharStats, query_characters
from lawsearch.search.lexical import parse_query
from lawsearch.search.query import MAX_QUERY_CHARS, prepare_query
from lawsearch.search.question import Question, named, split_phrases

QUESTIONS = [
    "哪些地区建立了调解员联盟",
    '2022年浙江哪些区县建立了"调解员联盟"？',
    "“员联盟” 滨江区 政府工作报告",
    "哪些省份提出了发展低空经济",
    "哪里有「法治体检」和 HR调解员",
    "冬天屋里太冷，暖气温度标准有没有提高",
    "的了吗",
    '"?"',
    "  调解员\x1b[2J联盟\udcff  ",
    "调" * (MAX_QUERY_CHARS + 5),
    "2019 年与2020年哪些城市的法治政府建设年度报告提到行政复议",
]


@pytest.mark.parametrize("query", QUESTIONS)
def test_the_question_holds_what_each_stage_parsed_on_its_own(query: str) -> None:
    question = Question.parse(query)
    prepared = prepare_query(query)
    assert (question.text, question.truncated) == (prepared.text, prepared.truncated)
    parsed = parse_query(prepared.text)
    assert (question.words, question.phrases, question.terms) == (parsed.words, parsed.phrases, parsed.terms)
    assert question.empty == (not parsed.words and not parsed.phrases)
    assert question.level == level_asked(prepared.text)
    places, years, kinds = named(prepared.text)
    assert (question.places, question.years, question.kinds) == (places, years, kinds)
    assert question.names_any == bool(places or years or kinds)
    stats = CharStats.from_texts(["建立调解员联盟", "暖气温度标准提高", "行政复议"])
    assert stats.weigh(question.characters, question.bigrams) == stats.query_terms(prepared.text)


def test_the_frame_is_what_the_words_leave_out() -> None:
    question = Question.parse('哪些地区建立了"调解员联盟"')
    assert question.frame == ("哪些地区",)
    assert split_question_frame("哪里有调解员，哪些单位") == (("哪里", "哪些单位"), " 有调解员， ")
    assert strip_question_frame("哪里有调解员，哪些单位") == " 有调解员， "
    assert query_words(split_phrases('哪些地区建立了"调解员联盟"')[1]) == list(question.words)


def test_named_places_years_and_kinds() -> None:
    assert named("2022年杭州哪些区县的法治政府建设年度报告提到调解") == ({"杭州"}, {2022}, {"法治政府建设年度报告"})
    assert named("调解员联盟") == (set(), set(), set())
    question = Question.parse("2022年杭州哪些区县开展了调解")
    assert question.places == {"杭州"} and question.years == {2022} and question.level == "county"


def test_characters_are_those_of_the_query_without_question_words() -> None:
    assert query_characters("有没有厕所？") == (("厕", "所"), ("厕所",))
    assert Question.parse("有没有厕所？").characters == ("厕", "所")


def test_a_question_of_known_words_reads_the_rest_from_its_text() -> None:
    question = Question.of("哪些省份提出了低空经济", ("低空", "经济"), ())
    assert question.words == ("低空", "经济") and question.level == "province" and question.truncated is None
