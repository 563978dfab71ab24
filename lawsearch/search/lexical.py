"""The lexical index: Whoosh, BM25F over chunk text, heading path and report title, with jieba words.

Free text becomes an OR of its words over the three fields (so a natural-language question finds
hits); a quoted phrase ("调解员联盟" or “调解员联盟”) must occur exactly, tested on character
bigrams; region and year are filters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.scoring import BM25F

from ..index.folder import write_json
from .analysis import bigram_analyzer, normalise, query_segmenter, query_words, recorded_vocabulary, with_prefixes, word_analyzer
from .question import Question, split_phrases
from .shared_stats import LexicalStats, shared_bm25f

FIELD_BOOSTS = {"text": 1.0, "heading": 0.6, "title": 0.3}
VOCABULARY_FILE = "vocabulary.json"
LEXICAL_DIR = "lexical"  # the Whoosh folder inside a generation


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into free-text words and exact phrases."""

    words: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        """What a snippet should mark: phrases first, then words."""
        return self.phrases + self.words


def parse_query(query: str, segmenter: Any = None) -> ParsedQuery:
    """Split quoted phrases from free text (segmented by ``segmenter``, default full jieba).

    >>> parse_query('哪些地区建立了"调解员联盟"')
    ParsedQuery(words=('建立',), phrases=('调解员联盟',))
    """
    phrases, free = split_phrases(query)
    return ParsedQuery(words=tuple(query_words(free, segmenter)), phrases=phrases)


@lru_cache(maxsize=8192)  # reports of one region share it: an open of thousands of reports asks a few hundred
def region_keys(region: str | None, parent: str | None) -> str:
    """Keywords a region filter matches: full and short names of the region and of every level above it.

    >>> region_keys("南昌县", None)
    '南昌 南昌县 南昌市 江西 江西省'
    """
    from ..read.gazetteer import default_gazetteer, short_name

    gazetteer = default_gazetteer()
    names = {place for place in (region, parent) if place}
    candidates = gazetteer.lookup(region) if region else []
    candidates = [p for p in candidates if p.name == region]
    if parent:
        candidates = [p for p in candidates if any(a.name == parent for a in gazetteer.ancestors(p))]
    if len(candidates) == 1:  # an ambiguous name (鼓楼区 of 南京 or 福州) gets no ancestors it may not have
        names |= {a.name for a in gazetteer.ancestors(candidates[0])}
    return " ".join(sorted({key for name in names for key in (name, short_name(name))}))


def schema() -> Schema:
    return Schema(
        chunk_id=ID(stored=True, unique=True),
        report_id=ID(stored=True),
        region=KEYWORD(lowercase=False, commas=False),
        year=NUMERIC(int, bits=32, signed=False),
        text=TEXT(analyzer=word_analyzer(), phrase=False),
        heading=TEXT(analyzer=word_analyzer(), phrase=False),
        title=TEXT(analyzer=word_analyzer(), phrase=False),
        grams=TEXT(analyzer=bigram_analyzer(), phrase=True),
    )


def phrase_text(heading: str, text: str, title: str) -> str:
    """What a quoted phrase is matched against: heading path, text and title, one a line."""
    return "\n".join((heading, text, title))


@dataclass(frozen=True)
class LexicalDoc:
    """What the lexical index holds of one chunk."""

    chunk_id: str
    report_id: str
    region: str | None
    region_parent: str | None
    year: int | None
    text: str
    heading: str
    title: str


class QueryVocabulary:
    """What every lexical backend keeps beside its index in ``_folder``: the saved query vocabulary (``vocabulary.json``)
    and the jieba tokenizer over it that segments queries. A backend's ``load`` calls :meth:`_load_vocabulary`."""

    _folder: Path
    _segmenter: Any = None

    def load(self) -> None:
        self._load_vocabulary()

    def _load_vocabulary(self) -> None:
        self._segmenter = query_segmenter(self.saved_vocabulary())

    def saved_vocabulary(self) -> dict[str, Any]:
        """The saved query vocabulary: ``{"total", "words", "prefixes"}`` (see :func:`lawsearch.search.analysis.with_prefixes`)."""
        return dict(json.loads((self._folder / VOCABULARY_FILE).read_text(encoding="utf-8")))

    def _extend_vocabulary(self, vocabulary: dict[str, Any]) -> None:
        """Add the dictionary words of newly indexed text (:func:`corpus_vocabulary`) to the saved vocabulary, so that
        queries are segmented without loading all of jieba's. Words of removed reports stay: they only refine how
        queries split."""
        path = self._folder / VOCABULARY_FILE
        if path.exists():
            vocabulary["words"] = {**json.loads(path.read_text(encoding="utf-8"))["words"], **vocabulary["words"]}
        tmp = path.with_suffix(".tmp")
        write_json(tmp, with_prefixes(vocabulary))
        tmp.replace(path)  # a new file: the previous generation may share the old one through a hard link

    @property
    def segmenter(self) -> Any:
        """The jieba tokenizer over the index's vocabulary, which segments queries (loaded on first use)."""
        if self._segmenter is None:
            self.load()
        return self._segmenter

    def parse_query(self, query: str) -> ParsedQuery:
        """Phrases and words of ``query``, segmented with the index's vocabulary."""
        return parse_query(query, self.segmenter)


class LexicalIndex(QueryVocabulary):
    """A Whoosh index in one folder."""

    def __init__(self, ix: whoosh_index.Index, folder: Path) -> None:
        self._ix = ix
        self._folder = folder
        # Whoosh searchers are not thread-safe: each search borrows an idle one (or opens one) and gives it back,
        # so there are never more than the searches running at once, whichever threads run them.
        self._idle: list[Any] = []
        self._idle_lock = threading.Lock()
        self._closed = False
        self._segmenter: Any = None

    @classmethod
    def create(cls, folder: Path) -> LexicalIndex:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(whoosh_index.create_in(str(folder), schema()), folder)

    @classmethod
    def open(cls, folder: Path) -> LexicalIndex:
        return cls(whoosh_index.open_dir(str(folder)), folder)

    def load(self) -> None:
        """Open a searcher and the query vocabulary now, so that a damaged index fails at open, not mid-search."""
        with self._searcher():
            pass
        self._load_vocabulary()

    def update(self, remove_reports: Iterable[str], docs: Iterable[LexicalDoc]) -> int:
        """In one commit, delete every chunk of ``remove_reports`` and add ``docs``; returns how many were added.

        Whoosh writes new segment files and a new table of contents and never changes a file in place,
        so a copy of the index made of hard links stays intact while this one is updated.
        """
        writer = self._ix.writer(procs=1, limitmb=256)
        count = 0
        try:
            for report_id in remove_reports:
                writer.delete_by_term("report_id", report_id)
            with recorded_vocabulary() as recorder:  # the words segmented give the query vocabulary
                for doc in docs:
                    fields: dict[str, str | int] = {
                        "chunk_id": doc.chunk_id,
                        "report_id": doc.report_id,
                        "region": region_keys(doc.region, doc.region_parent),
                        "text": doc.text,
                        "heading": doc.heading,
                        "title": doc.title,
                        "grams": phrase_text(doc.heading, doc.text, doc.title),
                    }
                    if doc.year is not None:
                        fields["year"] = doc.year
                    writer.add_document(**fields)
                    count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._extend_vocabulary(recorder.vocabulary())
        return count

    def chunk_ids(self) -> set[str]:
        """Every chunk id the index holds (for consistency checks)."""
        with self._ix.reader() as reader:
            return {fields["chunk_id"] for _, fields in reader.iter_docs()}

    def doc_count(self) -> int:
        return self._ix.doc_count()

    def doc_frequency(self, word: str) -> int:
        """How many chunks hold ``word`` (an analysed jieba word) in their text."""
        with self._searcher() as searcher:
            return int(searcher.doc_frequency("text", word))

    def statistics(self, terms: Iterable[tuple[str, str]]) -> LexicalStats:
        """This index's counts of ``terms`` (``(field, term)`` pairs), its documents and its fields' total lengths: its
        share of a shard set's statistics."""
        with self._searcher() as searcher:
            lengths = {name: int(searcher.field_length(name)) for name in (*FIELD_BOOSTS, "grams")}
            frequencies = {(name, term): int(searcher.doc_frequency(name, term)) for name, term in terms}
            return LexicalStats(int(searcher.doc_count_all()), lengths, frequencies)

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        """A searcher for this search alone: an idle one, or a new one; given back afterwards (closed after close())."""
        with self._idle_lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is None:
            searcher = self._ix.searcher(weighting=BM25F())
        try:
            yield searcher
        finally:
            with self._idle_lock:
                if not self._closed:
                    self._idle.append(searcher)
                    searcher = None
            if searcher is not None:
                searcher.close()

    def close(self) -> None:
        """Close the idle searchers; those in use close when their search ends."""
        with self._idle_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()

    def build_query(self, parsed: ParsedQuery | Question) -> Q.Query | None:
        """The Whoosh query of a question: an OR of its words over the text fields, and each quoted phrase required."""
        word_clauses = [Q.Term(field, word, boost=boost) for word in parsed.words for field, boost in FIELD_BOOSTS.items()]
        phrase_clauses = [self._phrase(p) for p in parsed.phrases]
        phrase_clauses = [c for c in phrase_clauses if c is not None]
        if phrase_clauses:
            required = phrase_clauses[0] if len(phrase_clauses) == 1 else Q.And(phrase_clauses)
            return Q.AndMaybe(required, Q.Or(word_clauses)) if word_clauses else required
        return Q.Or(word_clauses) if word_clauses else None

    @staticmethod
    def _phrase(phrase: str) -> Q.Query | None:
        grams = [t.text for t in bigram_analyzer()(phrase)]
        if not grams:  # one character: the bigrams that start with it (the engine checks the exact text)
            return Q.Prefix("grams", normalise(phrase).lower()) if phrase else None
        return Q.Term("grams", grams[0]) if len(grams) == 1 else Q.Phrase("grams", grams)

    def phrase_chunks(self, phrases: tuple[str, ...]) -> set[str]:
        """The ids of the chunks whose character bigrams hold every phrase in a row: every chunk that can hold the
        phrases exactly (the caller tests the exact text), found through the index instead of by reading every chunk."""
        clauses = [clause for clause in map(self._phrase, phrases) if clause is not None]
        if not clauses:
            return self.chunk_ids()
        with self._searcher() as searcher:
            results = searcher.search(clauses[0] if len(clauses) == 1 else Q.And(clauses), limit=None, scored=False)
            return {hit["chunk_id"] for hit in results}

    def search(
        self, parsed: ParsedQuery | Question, limit: int, reports: set[str] | None = None, stats: LexicalStats | None = None
    ) -> dict[str, float]:
        """Chunk id → BM25F score, best first; ``reports`` restricts the search to those report ids; ``stats``: the
        statistics of a whole shard set to score with (:mod:`lawsearch.search.shared_stats`) instead of this index's."""
        query = self.build_query(parsed)
        if query is None or reports is not None and not reports:
            return {}
        filter_query = Q.Or([Q.Term("report_id", report_id) for report_id in sorted(reports)]) if reports is not None else None
        with self._searcher() as searcher:
            own = searcher.weighting
            if stats is not None:  # this search's alone: the searcher is borrowed, and given back as it was
                searcher.weighting = shared_bm25f(stats)
            try:
                results = searcher.search(query, limit=limit, filter=filter_query)
                ranked = [(hit["chunk_id"], float(hit.score)) for hit in results]
            finally:
                searcher.weighting = own
        return dict(sorted(ranked, key=lambda item: (-item[1], item[0])))  # ties in chunk order, whatever the hash seed
