import json

from lawsearch.search.analysis import bigram_analyzer, jieba_cache_dir, query_words, strip_question_frame, word_analyzer


def _words(text: str) -> list[str]:
    return [t.text for t in word_analyzer()(text)]


def test_default_mode_has_no_junk_subwords() -> None:
    words = _words("劳动人事争议仲裁")
    assert "动人" not in words
    assert words == ["劳动人事", "争议", "仲裁"]


def test_positions_count_tokens_not_characters() -> None:
    tokens = [(t.text, t.pos) for t in word_analyzer()("建立企业HR调解员联盟", positions=True)]
    assert tokens == [("建立", 0), ("企业", 1), ("hr", 2), ("调解员", 3), ("联盟", 4)]


def test_punctuation_and_stop_words_are_dropped() -> None:
    assert _words("建立了调解员联盟，和“企业”的") == ["建立", "调解员", "联盟", "企业"]


def test_question_frame_is_not_searched_for() -> None:
    assert strip_question_frame("哪些地区建立了调解员联盟").strip() == "建立了调解员联盟"
    assert query_words("哪些地区建立了调解员联盟") == ["调解员", "联盟"]  # 建立 asks; it names no topic
    assert query_words("建立了什么") == ["建立"]  # a question of question words only keeps them


def test_bigrams_have_consecutive_positions() -> None:
    assert [(t.text, t.pos) for t in bigram_analyzer()("三项制度", positions=True)] == [("三项", 0), ("项制", 1), ("制度", 2)]


def test_jieba_cache_lives_in_a_per_user_folder() -> None:
    word_analyzer()  # initialise
    _words("初始化")
    assert (jieba_cache_dir() / "jieba.cache").is_file()


def test_query_segmenter_splits_corpus_text_exactly_like_full_jieba(parsed_seeds) -> None:
    from lawsearch.search.analysis import _jieba, corpus_vocabulary, jieba_words, query_segmenter, with_prefixes

    texts = [chunk.text for parsed in parsed_seeds.values() for chunk in parsed.chunks]
    full = _jieba()
    vocabulary = corpus_vocabulary(texts)
    small = query_segmenter(vocabulary)
    assert len(small.FREQ) < len(full.FREQ) / 20
    saved = json.loads(json.dumps(with_prefixes(vocabulary), ensure_ascii=False))  # as the index keeps it
    assert query_segmenter(saved).FREQ == small.FREQ and saved["prefixes"] and not set(saved["prefixes"]) & set(vocabulary["words"])
    for text in texts:
        assert list(jieba_words(text, small)) == list(jieba_words(text, full))


def test_the_vocabulary_recorded_while_indexing_is_every_dictionary_word_of_the_texts_word_graph(parsed_seeds) -> None:
    from lawsearch.search.analysis import STOP_WORDS, _jieba, normalise, recorded_vocabulary

    texts = [text for parsed in parsed_seeds.values() for chunk in parsed.chunks for text in (chunk.text, " ".join(chunk.heading_path))]
    full = _jieba()
    expected = {word for word in STOP_WORDS if full.FREQ.get(word)}
    for text in map(normalise, texts):  # jieba's own word graph over the whole text
        expected |= {
            text[start : end + 1] for start, ends in full.get_DAG(text).items() for end in ends if full.FREQ.get(text[start : end + 1])
        }
    with recorded_vocabulary() as recorder:  # what indexing notes while it segments
        segmented = [_words(text) for text in texts]
    assert set(recorder.vocabulary()["words"]) == expected and recorder.vocabulary()["total"] == full.total
    assert segmented == [_words(text) for text in texts]  # recording changes no segmentation
    with recorded_vocabulary() as other:
        pass
    assert set(other.vocabulary()["words"]) == {word for word in STOP_WORDS if full.FREQ.get(word)}  # nothing leaks between records


def test_question_frame_keeps_the_words_after_it() -> None:
    assert query_words("哪些区域开展了调解") == ["调解"]
    assert "域" not in query_words("哪些区域开展了调解")
    assert query_words("哪些县区建立了联盟") == ["联盟"]


def test_full_width_forms_are_folded() -> None:
    assert _words("ＨＲ调解员") == _words("HR调解员")
