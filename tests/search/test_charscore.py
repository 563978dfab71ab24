"""Character BM25 over candidate passages (lawsearch.search.charscore): ranking behaviour on the provincial reports,
the [0, 1] bound, stop words, and hostile text; the vectorised statistics equal a plain set-per-text count."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lawsearch.read import parse_report
from lawsearch.search.charscore import CharStats, bigrams, normalise, normalise_all, query_text, unigrams

PROVINCIAL = Path(__file__).resolve().parents[1] / "corpus" / "provincial-2026"
HOSTILE = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

pieces = st.sampled_from(
    [
        "农村",
        "厕所",
        "改造",
        "，",
        "。",
        "的",
        "哪些地区",
        "六六",
        "Ａ１",
        "Ⅲ",
        "\u3000",
        "\x00",
        "\ud800",
        "\U0002a6a5",
        "\U0001f600",
        "e\u0301",
        "_",
        "ﬁ",
        "İ",
        " ",
    ]
)
hostile_text = st.one_of(st.text(max_size=80), st.lists(pieces, max_size=30).map("".join))


@pytest.fixture(scope="module")
def chunk_texts() -> list[str]:
    return [chunk.text for path in sorted(PROVINCIAL.glob("*.txt")) for chunk in parse_report(path).chunks]


@pytest.fixture(scope="module")
def stats(chunk_texts: list[str]) -> CharStats:
    return CharStats.from_texts(chunk_texts)


def reference_stats(texts: list[str]) -> tuple[Counter[str], Counter[str], int]:
    """The plain definition: a set of unigrams and one of bigrams per text, counted by Counter; total Han length."""
    unigram_df: Counter[str] = Counter()
    bigram_df: Counter[str] = Counter()
    length = 0
    for text in map(normalise, texts):
        han = unigrams(text)
        unigram_df.update(han)
        bigram_df.update(bigrams(text))
        length += sum(1 for ch in text if ch in han)
    return unigram_df, bigram_df, length


def test_statistics_of_the_reports(stats: CharStats, chunk_texts: list[str]) -> None:
    assert stats.n_docs == len(chunk_texts) > 500
    assert stats.unigram_df["政"] > stats.unigram_df["厕"] > 0
    assert stats.bigram_df["政府"] > stats.bigram_df["厕所"] > 0
    assert all(len(term) == 1 for term in stats.unigram_df) and all(len(term) == 2 for term in stats.bigram_df)
    assert 100 < stats.avgdl < 500
    unigram_df, bigram_df, length = reference_stats(chunk_texts)
    assert (stats.unigram_df, stats.bigram_df) == (dict(unigram_df), dict(bigram_df))
    assert stats.avgdl == pytest.approx(length / len(chunk_texts))


@pytest.mark.parametrize(
    ("query", "passage"),
    [
        ("厕所改造", "全面推进农村改厕，提升户厕普及率"),
        ("电动车停车", "加强电动自行车停放秩序治理"),
        ("孕期检查的花费能不能走医保", "将产前检查费用纳入门诊报销"),
    ],
)
def test_a_paraphrase_sharing_characters_but_no_word_outranks_unrelated_passages(
    stats: CharStats, chunk_texts: list[str], query: str, passage: str
) -> None:
    from lawsearch.search.analysis import query_words

    assert not set(query_words(query)) & set(query_words(passage))  # jieba words alone would miss it
    unrelated = ["提高最低工资标准，落实带薪休假制度", "推动雄安新区高标准高质量建设", chunk_texts[0]]
    scores = stats.scores(query, {"passage": passage} | {str(i): text for i, text in enumerate(unrelated)})
    assert scores["passage"] > 2 * max(score for key, score in scores.items() if key != "passage")


def test_scores_lie_in_0_1_over_the_reports(stats: CharStats, chunk_texts: list[str]) -> None:
    for query in ("雄安新区高标准高质量建设", "冬天屋里太冷，暖气温度标准有没有提高", "240小时过境免签政策", "村超 乡村足球赛事"):
        scores = stats.scores(query, dict(enumerate(chunk_texts)))
        assert all(0.0 <= score <= 1.0 for score in scores.values())
    scores = stats.scores("雄安新区高标准高质量建设", dict(enumerate(chunk_texts)))
    assert "推动雄安新区高标准高质量建设" in chunk_texts[max(scores, key=scores.get)]


def test_a_passage_holding_every_query_term_scores_highest_and_near_1(stats: CharStats, chunk_texts: list[str]) -> None:
    query = "六六就业稳岗计划"
    scores = stats.scores(query, dict(enumerate(chunk_texts)) | {"full": "实施六六就业稳岗计划。" * 4})
    assert max(scores, key=scores.get) == "full"
    assert scores["full"] > 0.8
    gold = next(i for i, text in enumerate(chunk_texts) if "扎实推进“六六就业稳岗计划”" in text)
    assert sorted(scores.values(), reverse=True).index(scores[gold]) < 10


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "……", "的了吗", "哪些地区有没有", "有什么？"])
def test_queries_without_terms_score_0(stats: CharStats, query: str) -> None:
    assert stats.score(query, "哪些地区有没有开展农村厕所改造？") == 0.0
    assert stats.scores(query, {"a": "农村", "b": ""}) == {"a": 0.0, "b": 0.0}


def test_terms_absent_from_the_corpus_lower_the_score(stats: CharStats) -> None:
    passage = "全面推进农村改厕，提升户厕普及率"
    assert stats.idf("鲸") > stats.idf("厕") > stats.idf("的")
    assert stats.score("农村改厕 鲸鲨", passage) < stats.score("农村改厕", passage)
    assert stats.score("鲸鲨", passage) == 0.0


def test_bigrams_weigh_by_bigram_weight_and_never_span_punctuation(chunk_texts: list[str]) -> None:
    assert "厕改" not in CharStats.from_texts(["户厕，改造"]).bigram_df
    unigram_only = CharStats.from_texts(chunk_texts, bigram_weight=0.0)
    assert unigram_only.query_terms("厕所").words == ("厕", "所")
    # The same characters in another order: equal on unigrams, below on bigrams.
    default = CharStats.from_texts(chunk_texts)
    assert unigram_only.score("所厕", "厕所") == pytest.approx(unigram_only.score("厕所", "厕所"))
    assert default.score("所厕", "厕所") < default.score("厕所", "厕所")


def test_query_stop_words_are_breaks() -> None:
    assert query_text("哪些地区有没有开展农村厕所改造？").split() == ["开展农村厕所改造?"]
    assert query_text("地方政府债务") == "地方政府债务"  # a frame noun outside a question frame is topic
    assert "村改" not in bigrams(query_text("农村的改造"))
    assert query_text("ＨＲ调解员") == "hr调解员"


def test_repeated_character_bigrams_count_overlapping_occurrences() -> None:
    stats = CharStats.from_texts(["六六六", "六六", "就业"])
    assert stats.score("六六", "六六六") > stats.score("六六", "六六，六")


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        CharStats.from_texts(["农村"], b=1.5)
    with pytest.raises(ValueError):
        CharStats.from_texts(["农村"], k1=-1)


def test_deterministic(chunk_texts: list[str]) -> None:
    one, two = CharStats.from_texts(chunk_texts), CharStats.from_texts(reversed(chunk_texts))
    assert (one.unigram_df, one.bigram_df, one.avgdl) == (two.unigram_df, two.bigram_df, pytest.approx(two.avgdl))
    candidates = dict(enumerate(chunk_texts[:100]))
    assert one.scores("学前一年免费教育", candidates) == one.scores("学前一年免费教育", candidates)


def test_no_candidates_and_empty_candidates(stats: CharStats) -> None:
    assert stats.scores("农村", {}) == {}
    assert stats.scores("农村", {"a": "", "b": "，。"}) == {"a": 0.0, "b": 0.0}


def test_empty_corpus() -> None:
    stats = CharStats.from_texts([])
    assert (stats.n_docs, stats.avgdl, stats.unigram_df, stats.bigram_df) == (0, 0.0, {}, {})
    assert 0.0 < stats.score("农村", "农村") <= 1.0


@HOSTILE
@given(hostile_text, hostile_text)
@example("\x00农村\x00", "农\x00村")
@example("\ud800厕所", "厕所\ud800")
def test_hostile_text_never_raises_and_scores_in_0_1(stats: CharStats, query: str, passage: str) -> None:
    score = stats.score(query, passage)
    assert 0.0 <= score <= 1.0
    assert stats.scores(query, {"a": passage, "b": query}) == {"a": score, "b": stats.score(query, query)}


@HOSTILE
@given(hostile_text, hostile_text)
@example("六六六 ab", "六六六六，abab六")
def test_term_counts_are_the_overlapping_occurrences(stats: CharStats, query: str, passage: str) -> None:
    terms, text = stats.query_terms(query), normalise(passage)
    expected = [sum(text.startswith(word, i) for i in range(len(text))) for word in terms.words]
    assert terms.counts(text) == expected


@HOSTILE
@given(st.lists(hostile_text, max_size=6))
def test_vectorised_statistics_equal_the_plain_count(texts: list[str]) -> None:
    stats = CharStats.from_texts(texts)
    unigram_df, bigram_df, length = reference_stats(texts)
    assert (stats.unigram_df, stats.bigram_df, stats.n_docs) == (dict(unigram_df), dict(bigram_df), len(texts))
    assert stats.avgdl == pytest.approx(length / len(texts) if texts else 0.0)


@HOSTILE
@given(st.lists(hostile_text, max_size=6))
def test_normalise_is_nfkc_then_lowercase(texts: list[str]) -> None:
    assert normalise_all(texts) == [normalise(text) for text in texts]
    assert [normalise(text) for text in texts] == [unicodedata.normalize("NFKC", text).lower() for text in texts]
