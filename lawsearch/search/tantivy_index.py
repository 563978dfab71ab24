"""The lexical index on tantivy: the same fields, analysis and queries as :class:`~lawsearch.search.lexical.LexicalIndex`
(Whoosh), written and searched by a Rust engine.

tantivy never sees raw text: every field is fed *pre-tokenised* by the analysers of :mod:`lawsearch.search.analysis`
(jieba words lowercased, stop words out, for ``text``/``heading``/``title``; overlapping character bigrams with
consecutive positions for ``grams``), so terms, document frequencies and phrase matches are Whoosh's.

Scores are Whoosh's BM25F as near as tantivy allows: tantivy's BM25 has Whoosh's K1, B and length normalisation but
another idf (``ln(1 + (N - df + 0.5) / (df + 0.5))`` for ``ln(N / (df + 1)) + 1``), so each term is boosted by the
ratio of the two; a quoted phrase is matched as a phrase and scored as the sum of its bigrams (as Whoosh scores it, not
as tantivy's phrase score); a one-character phrase scores 1. What is left is how each engine rounds a field's length
to one byte (and f32): on the seeds scores differ by 0.7 % (median, at most 5 %), the candidates are the same and the
order nearly so.

Files: tantivy writes new segment files, new ``<segment>.<opstamp>.del`` files for deletions, and replaces
``meta.json`` and ``.managed.json`` (its list of its files, in no fixed order: rewritten at each commit and garbage
collection even when the list is the same) by rename; it changes no file in place, so a generation copied as hard
links stays byte-identical while the copy is updated. After update() the folder holds the files of the segments
``meta.json`` names, ``meta.json``, ``.managed.json``, ``vocabulary.json`` and two empty lock files,
``.tantivy-meta.lock`` and ``.tantivy-writer.lock``. A reader takes a flock on ``.tantivy-meta.lock`` while it
loads the segment list, and writes nothing, as long as that file exists (where it is missing, a reader creates it: keep
the lock files in a generation). Hard-linked, a lock file is one inode shared by the generations: a flock in one is a
flock in all (held for moments by readers and garbage collection; the writer lock for a whole update).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from ..errors import DamagedIndexError
from .analysis import STOP_WORDS, BigramTokenizer, JiebaTokenizer, normalise, recorded_vocabulary
from .lexical import FIELD_BOOSTS, LexicalDoc, ParsedQuery, QueryVocabulary, phrase_text, region_keys
from .question import Question
from .shared_stats import LexicalStats

WORD_FIELDS = tuple(FIELD_BOOSTS)


@contextmanager
def _engine_errors(folder: Path, searching: bool = False) -> Iterator[None]:
    """tantivy's panics (its Rust assertions, met on a damaged file) made a ValueError naming ``folder`` (opening: the
    caller names the damage), or while ``searching`` a DamagedIndexError of the index: pyo3 raises them as
    PanicException, a BaseException that would pass every ``except Exception``."""
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        what = f"the tantivy index in {folder} cannot be read (tantivy: {(str(exc).splitlines() or ['panic'])[0]})"
        if searching:  # folder: INDEX/gen-N/lexical
            raise DamagedIndexError(folder.parent.parent, what) from None
        raise ValueError(what) from None


# text, heading, title
WRITER_HEAP = 256_000_000  # bytes the indexing thread buffers before it writes a segment (Whoosh's limitmb=256)
WRITER_THREADS = 1  # one indexing thread beside the Python thread that analyses: two cores


def schema() -> tantivy.Schema:
    """The fields of :func:`lawsearch.search.lexical.schema`. The text fields are pre-tokenised ("raw" only names a
    tokenizer for text added unanalysed); the word fields keep frequencies, ``grams`` positions."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("report_id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("region", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    for field in WORD_FIELDS:
        builder.add_text_field(field, tokenizer_name="raw", index_option="freq")
    builder.add_text_field("grams", tokenizer_name="raw", index_option="position")
    return builder.build()


def _tokens(texts: Iterable[str]) -> tantivy.PreTokenizedString:
    """Tokens at consecutive positions (offsets are not indexed: left at 0; the text is not stored: left out)."""
    return tantivy.PreTokenizedString("", [tantivy.Token(text, pos, 0, 0) for pos, text in enumerate(texts)])


class ChunkAnalyser:
    """Turns :class:`LexicalDoc`\\ s into tantivy documents, analysed as Whoosh's ``word_analyzer()`` and
    ``bigram_analyzer()`` analyse them; remembers the words of headings and titles, which repeat chunk after chunk."""

    def __init__(self) -> None:
        self._jieba = JiebaTokenizer()
        self._bigrams = BigramTokenizer()
        self._repeated: dict[str, list[str]] = {}
        self._regions: dict[tuple[str | None, str | None], list[str]] = {}

    def words(self, text: str) -> list[str]:
        """``[t.text for t in word_analyzer()(text)]``: jieba words, lowercased, stop words out."""
        lowered = (word.lower() for word, _, _ in self._jieba.spans(text))
        return [word for word in lowered if word not in STOP_WORDS]

    def bigrams(self, text: str) -> list[str]:
        """``[t.text for t in bigram_analyzer()(text)]``: the overlapping character bigrams, lowercased."""
        return [gram.lower() for gram, _, _ in self._bigrams.spans(text)]

    def _repeated_words(self, text: str) -> list[str]:
        words = self._repeated.get(text)
        if words is None:
            if len(self._repeated) >= 100_000:
                self._repeated.clear()
            words = self._repeated[text] = self.words(text)
        return words

    def _region_keys(self, region: str | None, parent: str | None) -> list[str]:
        keys = self._regions.get((region, parent))
        if keys is None:
            keys = self._regions[region, parent] = region_keys(region, parent).split()
        return keys

    def document(self, doc: LexicalDoc) -> tantivy.Document:
        """The tantivy document of one chunk."""
        out = tantivy.Document()
        out.add_text("chunk_id", doc.chunk_id)
        out.add_text("report_id", doc.report_id)
        out.add_pre_tokenized_text("region", _tokens(self._region_keys(doc.region, doc.region_parent)))
        if doc.year is not None:
            out.add_integer("year", doc.year)
        out.add_pre_tokenized_text("text", _tokens(self.words(doc.text)))
        out.add_pre_tokenized_text("heading", _tokens(self._repeated_words(doc.heading)))
        out.add_pre_tokenized_text("title", _tokens(self._repeated_words(doc.title)))
        out.add_pre_tokenized_text("grams", _tokens(self.bigrams(phrase_text(doc.heading, doc.text, doc.title))))
        return out


class TantivyIndex(QueryVocabulary):
    """A tantivy index in one folder, with :class:`~lawsearch.search.lexical.LexicalIndex`'s interface.

    Searches may run from several threads at once: they share one tantivy searcher (a snapshot of the last commit;
    thread-safe, and a search releases the GIL), which update() replaces after its commit.
    """

    def __init__(self, ix: tantivy.Index, folder: Path) -> None:
        ix.config_reader(reload_policy="Manual")  # no thread watching meta.json: update() reloads after its commit
        self._ix: tantivy.Index | None = ix
        self._folder = folder
        self._schema = ix.schema
        self._segmenter: Any = None
        self._snapshot: tuple[tantivy.Searcher, int] | None = self._take_snapshot()

    def _take_snapshot(self) -> tuple[tantivy.Searcher, int]:
        """The searcher of the last commit, and its BM25 N (tantivy's ``total_num_docs``: the documents of its segments,
        deleted ones included, as Whoosh's ``doc_count_all``; tantivy-py does not say it, meta.json does)."""
        searcher = self._index.searcher()
        meta = json.loads((self._folder / "meta.json").read_text(encoding="utf-8"))
        return searcher, sum(int(segment["max_doc"]) for segment in meta["segments"])

    @classmethod
    def create(cls, folder: Path) -> TantivyIndex:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(tantivy.Index(schema(), path=str(folder), reuse=False), folder)

    @classmethod
    def open(cls, folder: Path) -> TantivyIndex:
        """Open the index in ``folder``; raises ValueError (or OSError) when it is missing, damaged or of another schema."""
        with _engine_errors(folder):
            ix = tantivy.Index.open(str(folder))
            if ix.schema != schema():
                raise ValueError(f"{folder} holds a tantivy index with other fields than lawsearch's")
            return cls(ix, folder)

    @property
    def _index(self) -> tantivy.Index:
        if self._ix is None:
            raise ValueError("the tantivy index is closed")
        return self._ix

    @property
    def _searcher(self) -> tantivy.Searcher:
        return self._current()[0]

    def _current(self) -> tuple[tantivy.Searcher, int]:
        if self._snapshot is None:
            raise ValueError("the tantivy index is closed")
        return self._snapshot

    def load(self) -> None:
        """Read the query vocabulary now, so that a damaged index fails at open, not mid-search (tantivy checks its files
        when it opens them: a truncated file fails at open(); bytes changed inside one are left to the manifest's checksums)."""
        self._load_vocabulary()

    def update(self, remove_reports: Iterable[str], docs: Iterable[LexicalDoc]) -> int:
        """In one commit, delete every chunk of ``remove_reports`` and add ``docs``; returns how many were added.

        Returns once merges are done and files no longer used are deleted: the folder holds exactly the committed
        index. No existing file is changed (see the module docstring)."""
        index = self._index
        writer = index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
        analyser = ChunkAnalyser()
        count = 0
        try:
            for report_id in remove_reports:
                writer.delete_documents_by_term("report_id", report_id)
            with recorded_vocabulary() as recorder:  # the words segmented give the query vocabulary
                for doc in docs:  # deletions come first: they do not touch the documents added after them
                    writer.add_document(analyser.document(doc))
                    count += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            self._settle(writer)
            raise
        self._settle(writer)
        index.reload()
        self._snapshot = self._take_snapshot()
        self._extend_vocabulary(recorder.vocabulary())
        return count

    def _settle(self, writer: tantivy.IndexWriter) -> None:
        """Let the writer go once its merges are done, then delete every file no commit uses (merged-away segments,
        replaced deletes, what a rolled-back update wrote): the folder holds exactly the committed index."""
        writer.wait_merging_threads()
        collector = self._index.writer(heap_size=15_000_000, num_threads=1)
        collector.garbage_collect_files()
        collector.wait_merging_threads()

    def _chunk_ids_of(self, query: tantivy.Query) -> set[str]:
        """The chunk ids of every chunk ``query`` matches, read from the stored fields (all 217,000 chunks: 0.5 s;
        ordering the hits by a chunk_id fast field, whose keys would be the ids, takes 3 to 4 s)."""
        searcher = self._searcher
        if not searcher.num_docs:
            return set()
        with _engine_errors(self._folder, searching=True):
            hits = searcher.search(tantivy.Query.const_score_query(query, 1.0), limit=searcher.num_docs, count=False).hits
            return {str(searcher.doc(address).get_first("chunk_id")) for _, address in hits}

    def chunk_ids(self) -> set[str]:
        """Every chunk id the index holds (for consistency checks)."""
        return self._chunk_ids_of(tantivy.Query.all_query())

    def doc_count(self) -> int:
        return self._searcher.num_docs

    def doc_frequency(self, word: str) -> int:
        """How many chunks hold ``word`` (an analysed jieba word) in their text (deleted chunks count until their
        segment is merged, as in Whoosh)."""
        return int(self._searcher.doc_freq("text", word))

    def statistics(self, terms: Iterable[tuple[str, str]]) -> LexicalStats:
        """This index's counts of ``terms`` (``(field, term)`` pairs) and its documents (BM25's N): its share of a shard
        set's statistics. Field lengths are left out: tantivy keeps its own."""
        searcher, total = self._current()
        return LexicalStats(total, {}, {(name, term): int(searcher.doc_freq(name, term)) for name, term in terms})

    def close(self) -> None:
        """Let go of the index (its files are unmapped once searches in progress end); the object is unusable after."""
        self._ix = self._snapshot = None

    def _phrase(self, phrase: str) -> tantivy.Query | None:
        """The query of one quoted phrase on the bigrams (LexicalIndex._phrase): a phrase of bigrams, or for one
        character the bigrams that start with it (None for an empty phrase)."""
        grams = ChunkAnalyser().bigrams(phrase)
        if not grams:
            if not phrase:
                return None
            # A term regex (matched whole): the character, escaped as \x{hex}, then anything (a newline too). Not
            # phrase_prefix_query, which expands to at most 50 terms.
            prefix = "".join(f"\\x{{{ord(char):X}}}" for char in normalise(phrase).lower())
            return tantivy.Query.regex_query(self._schema, "grams", prefix + "(?s:.*)")
        if len(grams) == 1:
            return tantivy.Query.term_query(self._schema, "grams", grams[0], index_option="freq")
        words: list[str | tuple[int, str]] = list(grams)
        return tantivy.Query.phrase_query(self._schema, "grams", words)

    def _term(
        self, snapshot: tuple[tantivy.Searcher, int], field: str, text: str, boost: float, stats: LexicalStats | None = None
    ) -> tantivy.Query | None:
        """A term scored as Whoosh's BM25F scores it: tantivy's BM25 with its idf replaced by Whoosh's
        (``ln(N / (df + 1)) + 1``; of a whole shard set with its ``stats``) through the boost; None for a term no chunk
        holds."""
        searcher, total = snapshot
        df = searcher.doc_freq(field, text)
        if not df:
            return None
        n = max(total, df)
        shared = stats is not None and stats.knows(field, text)
        whoosh_idf = stats.whoosh_idf(field, text) if stats is not None and shared else math.log(n / (df + 1)) + 1
        tantivy_idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        term = tantivy.Query.term_query(self._schema, field, text, index_option="freq")
        return tantivy.Query.boost_query(term, boost * whoosh_idf / tantivy_idf)

    def build_query(self, parsed: ParsedQuery | Question) -> tantivy.Query | None:
        """The query of a question, scored as LexicalIndex.build_query's: an OR of its words over the text fields
        (FIELD_BOOSTS), and each quoted phrase required, scoring as the sum of its bigrams (as Whoosh scores a phrase),
        or 1 for a phrase of one character. None when it can match nothing by its words and has no phrase."""
        return self._build_query(parsed, self._current())

    def _build_query(
        self, parsed: ParsedQuery | Question, snapshot: tuple[tantivy.Searcher, int], stats: LexicalStats | None = None
    ) -> tantivy.Query | None:
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for phrase in parsed.phrases:
            query = self._phrase(phrase)
            if query is None:
                continue
            grams = ChunkAnalyser().bigrams(phrase)
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0 if grams else 1.0)))
            clauses += [(tantivy.Occur.Should, term) for gram in grams if (term := self._term(snapshot, "grams", gram, 1.0, stats))]
        words = [
            term
            for word in parsed.words
            for field, boost in FIELD_BOOSTS.items()
            if (term := self._term(snapshot, field, word, boost, stats))
        ]
        if not clauses and not words:
            return None
        return tantivy.Query.boolean_query(clauses + [(tantivy.Occur.Should, term) for term in words])

    def phrase_chunks(self, phrases: tuple[str, ...]) -> set[str]:
        """The ids of the chunks whose character bigrams hold every phrase in a row (see LexicalIndex.phrase_chunks)."""
        clauses = [clause for clause in map(self._phrase, phrases) if clause is not None]
        if not clauses:
            return self.chunk_ids()
        query = clauses[0] if len(clauses) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, c) for c in clauses])
        return self._chunk_ids_of(query)

    def search(
        self, parsed: ParsedQuery | Question, limit: int, reports: set[str] | None = None, stats: LexicalStats | None = None
    ) -> dict[str, float]:
        """Chunk id → BM25 score, best first (ties by chunk id); ``reports`` restricts the search to those report ids;
        ``stats``: a shard set's statistics, whose idf replaces this index's (the mean field length stays this index's:
        tantivy-py does not let a caller set it)."""
        snapshot = self._current()
        query = self._build_query(parsed, snapshot, stats)
        if query is None or reports is not None and not reports:
            return {}
        if limit < 1:
            raise ValueError("limit must be >= 1")
        if reports is not None:  # a filter: it matches with score 0, so it adds nothing to the ranking
            only = tantivy.Query.const_score_query(tantivy.Query.term_set_query(self._schema, "report_id", sorted(reports)), 0.0)
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, only)])
        searcher = snapshot[0]
        with _engine_errors(self._folder, searching=True):
            hits = searcher.search(query, limit, count=False).hits
            ranked = [(str(searcher.doc(address).get_first("chunk_id")), float(score)) for score, address in hits]
        return dict(sorted(ranked, key=lambda item: (-item[1], item[0])))
