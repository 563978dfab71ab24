"""The tantivy lexical index against the Whoosh one (lawsearch.search.lexical) on the five seeds: same analysis, same
chunks, document frequencies, phrase candidates and search candidates, nearly the same order; deletion; a copy made
of hard links updated while the original stays byte for byte; a truncated file fails at open."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lawsearch.index.writer import StagedReport
from lawsearch.read import ParsedReport
from lawsearch.read.screen import fingerprint
from lawsearch.search.analysis import bigram_analyzer, word_analyzer
from lawsearch.search.lexical import VOCABULARY_FILE, LexicalDoc, LexicalIndex, ParsedQuery, phrase_text
from lawsearch.search.tantivy_index import ChunkAnalyser, TantivyIndex

from ..conftest import ROOT

QUESTIONS = [json.loads(line)["query"] for line in (ROOT / "eval" / "seeds-dev.jsonl").read_text(encoding="utf-8").splitlines()]
QUESTIONS += ['"行政执法"三项制度', '"法"', '"调解" "劳动"', "哪些地区建立了“调解员联盟”", '"不存在的说法"劳动', "劳动仲裁 HR"]
PHRASES = [("行政执法",), ("法",), ("。",), ("调解", "劳动"), ("调解员联盟",), ("三项制度", "法"), ("不存在的说法",), ("",), ()]
ALL = 10**6  # a search limit above the number of chunks


@pytest.fixture(scope="module")
def docs(parsed_seeds: dict[str, ParsedReport]) -> list[LexicalDoc]:
    """The seeds' chunks as the index writer gives them to the lexical index."""
    staged = [StagedReport.from_parsed(parsed, fingerprint(parsed.report.text), []) for parsed in parsed_seeds.values()]
    return [doc for report in staged for doc in report.lexical_docs()]


@pytest.fixture(scope="module")
def whoosh(docs: list[LexicalDoc], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LexicalIndex]:
    index = LexicalIndex.create(tmp_path_factory.mktemp("whoosh") / "lexical")
    index.update([], docs)
    index.load()
    yield index
    index.close()


def build(folder: Path, docs: list[LexicalDoc]) -> TantivyIndex:
    index = TantivyIndex.create(folder)
    assert index.update([], docs) == len(docs)
    index.load()
    return index


@pytest.fixture(scope="module")
def tantivy_index(docs: list[LexicalDoc], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TantivyIndex]:
    index = build(tmp_path_factory.mktemp("tantivy") / "lexical", docs)
    yield index
    index.close()


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file of a folder: inode, mtime and sha256."""
    return {
        path.name: (path.stat().st_ino, path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(folder.iterdir())
    }


def hard_link_copy(source: Path, target: Path) -> None:
    """A generation copy as IndexFolder.new_generation makes it: every file a hard link."""
    target.mkdir()
    for path in source.iterdir():
        os.link(path, target / path.name)


def test_analysis_is_whooshs(docs: list[LexicalDoc]) -> None:
    analyser, words, grams = ChunkAnalyser(), word_analyzer(), bigram_analyzer()
    odd = "企业ＨＲ和HR、İstanbul ΟΔΟΣ 调解员联盟\n第一条"
    for doc in [*docs, LexicalDoc("x", "x", None, None, None, odd, odd, odd)]:
        for text in (doc.text, doc.heading, doc.title):
            assert analyser.words(text) == [token.text for token in words(text)]
        both = phrase_text(doc.heading, doc.text, doc.title)
        assert analyser.bigrams(both) == [token.text for token in grams(both)]


def test_same_chunks_counts_and_vocabulary(whoosh: LexicalIndex, tantivy_index: TantivyIndex, docs: list[LexicalDoc]) -> None:
    assert tantivy_index.chunk_ids() == whoosh.chunk_ids() == {doc.chunk_id for doc in docs}
    assert tantivy_index.doc_count() == whoosh.doc_count() == len(docs)
    vocabulary = [json.loads((index._folder / VOCABULARY_FILE).read_text(encoding="utf-8")) for index in (whoosh, tantivy_index)]
    assert vocabulary[0] == vocabulary[1]


def test_same_document_frequencies(whoosh: LexicalIndex, tantivy_index: TantivyIndex, docs: list[LexicalDoc]) -> None:
    analyser = ChunkAnalyser()
    words = {word for doc in docs[::7] for word in analyser.words(doc.text)}
    words |= {"行政", "执法", "调解员", "联盟", "hr", "的", "不存在的词", "法治"}
    assert len(words) > 100
    frequencies = {word: tantivy_index.doc_frequency(word) for word in sorted(words)}
    assert frequencies == {word: whoosh.doc_frequency(word) for word in sorted(words)}
    assert frequencies["法治"] > 10 and frequencies["的"] == 0


@pytest.mark.parametrize("phrases", PHRASES)
def test_same_phrase_chunks(whoosh: LexicalIndex, tantivy_index: TantivyIndex, phrases: tuple[str, ...]) -> None:
    assert tantivy_index.phrase_chunks(phrases) == whoosh.phrase_chunks(phrases)


def test_phrase_chunks_find_phrases(tantivy_index: TantivyIndex) -> None:
    assert 0 < len(tantivy_index.phrase_chunks(("调解员联盟",))) < len(tantivy_index.phrase_chunks(("调解",)))
    assert tantivy_index.phrase_chunks(("不存在的说法",)) == set()
    assert tantivy_index.phrase_chunks(("法",)) == tantivy_index.chunk_ids()  # every title has 法治


def test_same_candidates_nearly_the_same_order(whoosh: LexicalIndex, tantivy_index: TantivyIndex) -> None:
    same_top = 0
    for question in QUESTIONS:
        parsed = whoosh.parse_query(question)
        assert tantivy_index.parse_query(question) == parsed
        expected, found = whoosh.search(parsed, ALL), tantivy_index.search(parsed, ALL)
        assert set(found) == set(expected), question
        assert list(found.values()) == sorted(found.values(), reverse=True)
        # Whoosh's BM25F idf and phrase scores, up to how each engine rounds field lengths.
        assert all(abs(found[cid] - score) <= 0.1 * score for cid, score in expected.items()), question
        top = min(10, len(expected))
        assert len(set(list(found)[:top]) & set(list(expected)[:top])) >= top - 2, question
        same_top += list(found)[:1] == list(expected)[:1]
        assert list(tantivy_index.search(parsed, 5).values()) == list(found.values())[:5]  # the best 5
    assert same_top >= len(QUESTIONS) - 3


def test_report_filter(whoosh: LexicalIndex, tantivy_index: TantivyIndex, docs: list[LexicalDoc]) -> None:
    reports = sorted({doc.report_id for doc in docs})
    report_of = {doc.chunk_id: doc.report_id for doc in docs}
    for only in ({reports[0]}, {reports[1], reports[3]}, set(reports)):
        for question in QUESTIONS[:5] + ['"法"劳动']:
            parsed = whoosh.parse_query(question)
            found = tantivy_index.search(parsed, ALL, reports=only)
            assert set(found) == set(whoosh.search(parsed, ALL, reports=only))
            assert {report_of[cid] for cid in found} <= only
            unfiltered = tantivy_index.search(parsed, ALL)
            assert found == {cid: score for cid, score in unfiltered.items() if report_of[cid] in only}  # same scores
    assert tantivy_index.search(whoosh.parse_query(QUESTIONS[0]), 10, reports=set()) == {}


def test_empty_query_and_limit(tantivy_index: TantivyIndex) -> None:
    assert tantivy_index.search(ParsedQuery((), ()), 10) == {}
    assert tantivy_index.search(ParsedQuery(("不存在的词",), ()), 10) == {}
    with pytest.raises(ValueError):
        tantivy_index.search(ParsedQuery(("行政",), ()), 0)
    assert len(tantivy_index.search(ParsedQuery(("行政",), ()), 3)) == 3


def test_searches_from_many_threads(tantivy_index: TantivyIndex) -> None:
    parsed = [tantivy_index.parse_query(question) for question in QUESTIONS]
    expected = [tantivy_index.search(query, 50) for query in parsed]
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda query: tantivy_index.search(query, 50), parsed * 20))
    assert found == expected * 20


def test_delete_and_reindex_a_report(docs: list[LexicalDoc], tmp_path: Path) -> None:
    index = build(tmp_path / "lexical", docs)
    gone = docs[0].report_id
    kept = {doc.chunk_id for doc in docs if doc.report_id != gone}
    parsed = index.parse_query("法治政府建设")
    assert index.update([gone], []) == 0
    assert index.chunk_ids() == kept and index.doc_count() == len(kept)
    assert set(index.search(parsed, ALL)) <= kept and index.search(parsed, ALL)
    assert index.phrase_chunks(("法",)) == kept
    again = [doc for doc in docs if doc.report_id == gone]
    assert index.update([gone], again) == len(again)  # removed and added in one commit: the new chunks stay
    assert index.chunk_ids() == {doc.chunk_id for doc in docs}
    index.close()
    with pytest.raises(ValueError):
        index.doc_count()


def test_hard_linked_copy_leaves_the_original_intact(docs: list[LexicalDoc], tmp_path: Path) -> None:
    original = tmp_path / "gen-1"
    index = build(original, docs[:40])
    parsed = index.parse_query("行政执法")
    expected = index.search(parsed, ALL)
    index.close()
    before = snapshot(original)
    assert {".tantivy-meta.lock", ".tantivy-writer.lock", "meta.json", ".managed.json", VOCABULARY_FILE} < set(before)

    # A reader changes nothing and leaves nothing behind.
    reader = TantivyIndex.open(original)
    reader.load()
    assert reader.search(parsed, ALL) == expected
    reader.close()
    assert snapshot(original) == before

    # Generations made of hard links, each updated: deletions, additions, merges.
    generations = [(original, before)]
    segment_counts = []
    for number, batch in enumerate(range(40, len(docs), 6), start=2):
        copy = tmp_path / f"gen-{number}"
        hard_link_copy(generations[-1][0], copy)
        index = TantivyIndex.open(copy)
        index.update([docs[batch].report_id] if number % 4 == 0 else [], docs[batch : batch + 6])
        index.close()
        generations.append((copy, snapshot(copy)))
        for folder, files in generations[:-1]:
            assert snapshot(folder) == files, folder
        meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
        segments = {segment["segment_id"].replace("-", "") for segment in meta["segments"]}
        segment_counts.append(len(segments))
        # Nothing left over: the files of the segments meta.json names, meta.json, vocabulary.json and tantivy's dotfiles.
        names = generations[-1][1]
        assert {name.split(".")[0] for name in names if not name.startswith(".") and name not in ("meta.json", VOCABULARY_FILE)} == segments
    assert segment_counts[-1] <= max(segment_counts) - 4, segment_counts  # tantivy merged segments on the way
    reader = TantivyIndex.open(original)
    assert reader.search(parsed, ALL) == expected
    assert reader.chunk_ids() == {doc.chunk_id for doc in docs[:40]}
    reader.close()


def test_truncated_segment_file_fails_at_open(docs: list[LexicalDoc], tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    build(folder, docs).close()
    for suffix in (".term", ".idx", ".store"):
        segment_file = next(folder.glob(f"*{suffix}"))
        damaged = tmp_path / f"damaged{suffix}"
        hard_link_copy(folder, damaged)
        (damaged / segment_file.name).unlink()
        (damaged / segment_file.name).write_bytes(segment_file.read_bytes()[: segment_file.stat().st_size // 2])
        with pytest.raises((ValueError, OSError)):
            TantivyIndex.open(damaged).load()
    (folder / VOCABULARY_FILE).unlink()
    with pytest.raises(FileNotFoundError):
        TantivyIndex.open(folder).load()
    with pytest.raises((ValueError, OSError)):
        TantivyIndex.open(tmp_path / "nothing-here")


def test_failed_update_changes_nothing(docs: list[LexicalDoc], tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    index = build(folder, docs[:30])
    before = snapshot(folder)

    def failing() -> Iterator[LexicalDoc]:
        yield from docs[30:40]
        raise RuntimeError("reading failed")

    with pytest.raises(RuntimeError):
        index.update([docs[0].report_id], failing())
    assert index.chunk_ids() == {doc.chunk_id for doc in docs[:30]}
    # The same files, the same bytes; .managed.json, tantivy's list of its files, rewritten in another order.
    after = snapshot(folder)
    assert {name: files[2] for name, files in after.items() if name != ".managed.json"} == {
        name: files[2] for name, files in before.items() if name != ".managed.json"
    }
    managed = sorted(name for name in after if not name.startswith(".") and name != VOCABULARY_FILE)
    assert sorted(json.loads((folder / ".managed.json").read_text())) == managed
    assert index.update([], docs[30:40]) == 10  # the writer lock was let go
    assert index.doc_count() == 40
    index.close()
