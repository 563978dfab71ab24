"""One query's way through an opened index: parse, scope, retrieve, score, rank, answer.

:func:`search` is all of ``LawSearch.search`` after its arguments are checked:

1. **parse** the query once into a :class:`~lawsearch.search.question.Question` (cleaned and cut text, words, quoted
   phrases, characters, the places, years and kinds it names, the level of place it asks for);
2. **scope**: the reports the filters admit (:class:`~lawsearch.search.scope.Scope`), and the chunks that hold every
   quoted phrase;
3. **retrieve** ``CANDIDATES`` (or ``top_k``) chunks from the word index and from the dense index;
4. **fuse** them with a fusion method of :mod:`lawsearch.search.ranking` (by default each candidate's 0–1 score from
   its :func:`signals`, the relevance floor, the boosts for what the question names and for a report at the level it
   asks for);
5. **hits**: the ranked chunks with their reports' metadata (:class:`~lawsearch.search.hits.Hit`);
6. **answer** a question that asks for places with the regions that did it (:func:`~lawsearch.search.answers.answer_set`),
   inside the region and year it names.

:func:`prepare` is steps 1–2, :func:`retrieve` step 3 and :func:`rank` the rest: a shard set
(:mod:`lawsearch.search.sharded`) retrieves on its shards and ranks what they return with the same :func:`rank`.

What the way reads of the index is a :class:`~lawsearch.search.corpus.Corpus`: the manifest's reports, the chunk store, both indexes and the
ranking parameters; the engine makes one when it opens a generation, and passes its query embedder to each search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ..errors import QueryError
from .analysis import normalise
from .answers import FULL_FOCAL, AnswerSet, answer_set
from .corpus import Corpus
from .focal import FocalTerms
from .hits import Hit
from .lexical import phrase_text
from .question import Question
from .ranking import CANDIDATES, DEFAULT_FUSION, FUSION_METHODS, RankingParams, Signals, not_at_level, word_scores
from .request import SearchRequest
from .results import Results
from .scope import check_kind_and_level
from .shared_stats import LexicalStats


def search(corpus: Corpus, embed: Callable[[str], Any], request: SearchRequest) -> Results:
    """The results of a checked ``request`` in ``corpus``, its query's vector made by ``embed`` when the mode needs
    one; a QueryError for an empty query, a kind or level reports cannot have, or a region or year the corpus holds
    no report of."""
    question, reports, empty = prepare(corpus, request)
    if empty is not None:
        return empty
    lexical, dense, vector = retrieve(corpus, embed, question, request.mode, candidate_limit(request), reports)
    return rank(corpus, question, request, lexical, dense, vector)


def candidate_limit(request: SearchRequest) -> int:
    """How many candidates each retriever returns for ``request``."""
    return max(CANDIDATES, request.top_k)


def prepare(corpus: Corpus, request: SearchRequest) -> tuple[Question, set[str] | None, Results | None]:
    """``(question, reports, empty)``: the request's query parsed with the corpus's vocabulary, the reports its filters
    admit (None: all), and the results to give at once when the question holds nothing to look for (else None); a
    QueryError for an empty query, a kind or level reports cannot have, or a region or year the corpus holds no report of."""
    question = Question.parse(request.query, corpus.lexical.segmenter)
    if not question.text:
        raise QueryError("empty query")
    scope = request.scope
    check_kind_and_level(scope.kinds, scope.levels)
    reports = scope.reports(corpus.reports, corpus.region_keys)
    if question.empty:  # only stop words or punctuation: nothing to look for
        return (
            question,
            reports,
            Results(question.text, request.mode, [], query_truncated=question.truncated, dense_coverage=corpus.coverage),
        )
    return question, reports, None


def rank(
    corpus: Corpus, question: Question, request: SearchRequest, lexical: dict[str, float], dense: dict[str, float], vector: Any
) -> Results:
    """The results of ``request`` from its retrieved candidates (``lexical``, ``dense``: chunk id → raw score, best
    first; the query's ``vector``): fused, floored, made hits and, for a question that asks for places, an answer set.
    What it reads of ``corpus`` beyond its reports is the candidates' records, cosines and the corpus statistics."""
    mode, top_k = request.mode, request.top_k
    limit = candidate_limit(request)
    method = FUSION_METHODS[request.fusion if mode == "hybrid" else DEFAULT_FUSION]
    found: dict[tuple[bool, bool], dict[str, Signals]] = {}

    def candidate_signals(needed: tuple[bool, bool]) -> dict[str, Signals]:  # computed once, read by each fuse
        if needed not in found:
            found[needed] = signals(corpus, question, lexical, dense, vector, needed, focal)
        return found[needed]

    named = named_count(corpus, question)
    focal = focal_terms(corpus, question)

    def fuse(level: Callable[[str], bool], params: RankingParams = corpus.ranking) -> dict[str, float]:
        return method.fuse(
            lexical,
            dense,
            candidate_signals,
            mode=mode,
            params=params,
            dense_weight=request.dense_weight,
            apply_floor=request.apply_floor,
            named=named,
            at_level=level,
        )

    levelled = at_level(corpus, question.level)
    fused = fuse(levelled) if answerable(corpus, question, mode, request, dense, candidate_signals) else {}
    candidates = hits(corpus, list(fused.items())[:limit], question, lexical, dense, focal)
    asked = question.level or ("any" if request.by_region else None)
    answers: AnswerSet | None = None
    notes = coverage_notes(corpus, mode)
    if asked:
        scoped, scope_notes = in_scope(corpus, question, candidates)
        notes += scope_notes
        if (levelled is not not_at_level and corpus.ranking.level_boost) or corpus.ranking.focal_weight:
            # The level boost and the focal lift order the hits. The answer's cut reads the evidence's own strength
            # (MIN_SCORE, MIN_SHARE) and its focal share (MIN_FOCAL) each on its own.
            plain = fuse(not_at_level, replace(corpus.ranking, focal_weight=0.0))
            scoped = [replace(hit, score=plain.get(hit.chunk_id, hit.score)) for hit in scoped]
        answers = answer_set(scoped, asked, corpus.regions_indexed(asked))
    return Results(
        question.text,
        mode,
        candidates[:top_k],
        candidates,
        query_truncated=question.truncated,
        answers=answers,
        notes=notes,
        focal_terms=focal.terms,
        dense_coverage=corpus.coverage,
    )


def answerable(
    corpus: Corpus,
    question: Question,
    mode: str,
    request: SearchRequest,
    dense: Mapping[str, float],
    candidate_signals: Callable[[tuple[bool, bool]], Mapping[str, Signals]],
) -> bool:
    """Whether the question's floor lets its hits be shown (:meth:`RankingParams.stands_out`): in dense and hybrid
    mode, with the relevance floor on and no quoted phrase (an exact phrase is what was asked for), the best dense
    candidate must stand out from the others, or one sentence of a candidate hold every focal term. A question that
    asks for places (or a search by region) is not floored here: its answer set has its own cut (MIN_SCORE,
    MIN_SHARE, MIN_FOCAL), chosen on such questions, and says "no region" itself; nor are the raw-list fusions
    (convex, rrf), which have no floor; nor is a hybrid search while some reports have no vectors yet (the dense side
    cannot say that nothing in them answers)."""
    if mode == "lexical" or not request.apply_floor or question.phrases or question.level or request.by_region:
        return True
    if mode == "hybrid" and corpus.coverage[0] < corpus.coverage[1]:  # the dense side cannot judge unembedded reports
        return True
    if mode == "hybrid" and request.fusion != DEFAULT_FUSION:
        return True
    if corpus.ranking.stands_out(list(dense.values())):
        return True
    needed = corpus.ranking.signals_needed(mode)  # the signals the mode's fusion reads anyway: computed once
    return any(focal >= FULL_FOCAL for *_, focal in candidate_signals(needed).values())


def coverage_notes(corpus: Corpus, mode: str) -> list[str]:
    """What a search in ``mode`` should say while some reports have no vectors yet (``lawsearch embed`` makes them)."""
    embedded, total = corpus.coverage
    if mode == "lexical" or embedded == total:
        return []
    if mode == "dense":
        return [f"vectors for {embedded:,} of {total:,} reports: dense search sees only those (run `lawsearch embed`)"]
    return [f"vectors for {embedded:,} of {total:,} reports: the others are ranked by their words alone (run `lawsearch embed`)"]


def retrieve(
    corpus: Corpus, embed: Callable[[str], Any], question: Question, mode: str, limit: int, reports: set[str] | None
) -> tuple[dict[str, float], dict[str, float], Any]:
    """``(lexical, dense, vector)``: up to ``limit`` chunks of ``reports`` (None: all) from the word index (BM25F) and
    from the dense index (cosine of the best sentence), each chunk id → raw score, best first, as ``mode`` asks; and the
    query's vector (None when it was not embedded). A chunk must hold every quoted phrase of the question."""
    lexical, allowed, dense, vector = retrieve_unchecked(corpus, embed, question, mode, limit, reports)
    if question.phrases and allowed is not None:  # the exact test, beyond what bigrams can say
        lexical = {cid: score for cid, score in lexical.items() if cid in allowed}
    return lexical, dense, vector


def retrieve_unchecked(
    corpus: Corpus,
    embed: Callable[[str], Any],
    question: Question,
    mode: str,
    limit: int,
    reports: set[str] | None,
    stats: LexicalStats | None = None,
) -> tuple[dict[str, float], set[str] | None, dict[str, float], Any]:
    """:func:`retrieve` before the exact phrase test of the word index's chunks: ``(lexical, allowed, dense, vector)``,
    ``allowed`` the chunks of ``reports`` that hold every quoted phrase (None: nothing restricts). ``stats``: a shard
    set's word statistics to score with (a shard's share of a search, :mod:`lawsearch.search.shard_service`)."""
    # Whoosh filters by report itself; the chunk scan is needed for dense search and exact phrases.
    allowed = allowed_chunks(corpus, question, reports) if mode != "lexical" or question.phrases else None
    lexical: dict[str, float] = {}
    dense: dict[str, float] = {}
    vector = None
    if mode in ("lexical", "hybrid"):
        lexical = corpus.lexical.search(question, limit, reports=reports, stats=stats)
    if mode in ("dense", "hybrid") and (allowed is None or allowed):
        vector = embed(question.text.strip())
        dense = corpus.dense.search(vector, limit, allowed)
    return lexical, allowed, dense, vector


def allowed_chunks(corpus: Corpus, question: Question, only: set[str] | None = None) -> set[str] | None:
    """Chunk ids of the reports ``only`` (None: all) that contain every quoted phrase; None when nothing restricts."""
    if not question.phrases and only is None:
        return None
    phrases = [normalise(p).lower() for p in question.phrases]
    # With phrases of two characters or more, only the chunks the word index finds them in (by character bigrams)
    # are read and tested exactly; a one-character phrase has no bigram of its own, and every chunk is tested.
    indexed = bool(phrases) and all(len(p) >= 2 for p in phrases)
    candidates = corpus.lexical.phrase_chunks(question.phrases) if indexed else corpus.chunks.keys()
    allowed = set()
    for chunk_id in candidates:
        record = corpus.chunks.get(chunk_id)
        if record is None:
            continue
        report_id = record.report_id
        if only is not None and report_id not in only:
            continue
        if phrases:
            meta = corpus.reports[report_id].meta
            text = normalise(phrase_text(" ".join(record.heading_path), record.text, meta.get("title") or "")).lower()
            if not all(p in text for p in phrases):
                continue
        allowed.add(chunk_id)
    return allowed


def signals(
    corpus: Corpus,
    question: Question,
    lexical: Mapping[str, float],
    dense: Mapping[str, float],
    vector: Any,
    needed: tuple[bool, bool] = (True, True),
    focal: FocalTerms | None = None,
) -> dict[str, Signals]:
    """``(words, chars, cosine, focal)`` of every candidate of either list (see :mod:`lawsearch.search.ranking`): words
    and chars in [0, 1] (0 where ``needed`` says the mode does not use them), the raw cosine of the best sentence,
    computed for a candidate the dense list did not return (None without a query ``vector``), and the focal share of
    its best sentence (``focal``: the question's :func:`focal_terms`, made when not given)."""
    candidates = list(dict.fromkeys([*lexical, *dense]))
    if vector is not None:
        missing = {cid for cid in candidates if cid not in dense}
        dense = {**dense, **(corpus.dense.search(vector, len(missing), missing) if missing else {})}
    texts = {cid: corpus.scored_text(cid) for cid in candidates}
    stats = corpus.char_stats()
    need_words, need_chars = needed
    ranking = corpus.ranking
    words = (
        word_scores(question.terms, texts, corpus.lexical.doc_frequency, corpus.chunk_count, corpus.avg_chars, k1=ranking.k1, b=ranking.b)
        if need_words
        else {}
    )
    chars = stats.score_terms(stats.weigh(question.characters, question.bigrams), texts) if need_chars else {}
    focal = focal or focal_terms(corpus, question)
    return {cid: (words.get(cid, 0.0), chars.get(cid, 0.0), dense.get(cid), focal.share(corpus.chunks[cid].text)[0]) for cid in candidates}


def focal_terms(corpus: Corpus, question: Question) -> FocalTerms:
    """The question's focal terms (its words and quoted phrases), weighted by their idf over the corpus's chunks."""
    return FocalTerms.weigh(question.terms, corpus.lexical.doc_frequency, corpus.chunk_count)


def named_count(corpus: Corpus, question: Question) -> Callable[[str], int]:
    """How many of the region, year and kind a question names (2022年, 滨江区, 政府工作报告) a chunk's report has:
    the question says where to look, so those reports come first without hiding the others."""
    places, years, kinds = question.places, question.years, question.kinds
    if not question.names_any:
        return lambda chunk_id: 0

    def count(chunk_id: str) -> int:
        report_id = corpus.chunks[chunk_id].report_id
        meta = corpus.reports[report_id].meta
        return bool(places & corpus.region_keys[report_id]) + (meta.get("year") in years) + (meta.get("kind") in kinds)

    return count


def at_level(corpus: Corpus, level: str | None) -> Callable[[str], bool]:
    """Whether a chunk's report is at the level a question asks for (哪个城市…: a city's report, or a 直辖市's; 哪些省份…:
    a province's; 哪些区县…: a county's): those come first, the others stay (a provincial report may name the city).
    Nothing is at level ``any`` or None."""
    if level not in _ANSWERS_AT:
        return not_at_level
    reports = {report_id for report_id, entry in corpus.reports.items() if report_level(entry.meta) in _ANSWERS_AT[level]}

    def answers(chunk_id: str) -> bool:
        return corpus.chunks[chunk_id].report_id in reports

    return answers


# The level of report that answers a question asked at each level: a 直辖市 is a city too.
_ANSWERS_AT = {"province": {"province", "municipality"}, "city": {"city", "municipality"}, "county": {"county"}}


def report_level(meta: Mapping[str, Any]) -> str | None:
    """A report's level from its metadata (national, province, city, county), ``municipality`` for a 直辖市's."""
    level = meta.get("level")
    if level == "province" and str(meta.get("region") or "").endswith("市"):
        return "municipality"
    return level


def hits(
    corpus: Corpus,
    ranked: list[tuple[str, float]],
    question: Question,
    lexical: dict[str, float],
    dense: dict[str, float],
    focal: FocalTerms | None = None,
) -> list[Hit]:
    """The ranked chunks (id, score) as hits, with their reports' metadata, the retrievers' ranks and raw scores, and
    the focal terms their best sentence holds."""
    focal = focal or focal_terms(corpus, question)
    lexical_rank = {cid: rank for rank, cid in enumerate(lexical, start=1)}
    dense_rank = {cid: rank for rank, cid in enumerate(dense, start=1)}
    found = []
    for chunk_id, score in ranked:
        record = corpus.chunks[chunk_id]
        meta = corpus.reports[record.report_id].meta
        share, held = focal.share(record.text)
        found.append(
            Hit(
                chunk_id=chunk_id,
                report_id=record.report_id,
                region=meta.get("region"),
                region_parent=meta.get("region_parent"),
                year=meta.get("year"),
                level=meta.get("level"),
                kind=meta.get("kind"),
                agency=meta.get("agency"),
                title=meta.get("title") or "",
                heading_path=tuple(record.heading_path),
                text=record.text,
                match_terms=question.terms,
                score=score,
                lexical_rank=lexical_rank.get(chunk_id),
                lexical_score=lexical.get(chunk_id),
                dense_rank=dense_rank.get(chunk_id),
                dense_score=dense.get(chunk_id),
                focal=share,
                focal_terms=held,
            )
        )
    return found


def in_scope(corpus: Corpus, question: Question, candidates: list[Hit]) -> tuple[list[Hit], list[str]]:
    """The hits inside the region and year a 哪些… question names (浙江哪些区县…, 2022年哪些地区…), and a note for each
    one the index holds no report of (the answer is then empty, not silently nationwide)."""
    places, years = question.places, question.years
    notes = [
        f"the index holds no report of {place}"
        for place in sorted(places)
        if not any(place in keys for keys in corpus.region_keys.values())
    ]
    held_years = {entry.meta.get("year") for entry in corpus.reports.values()}
    notes += [f"the index holds no report on {year}" for year in sorted(years) if year not in held_years]
    scoped = [hit for hit in candidates if (not places or places & corpus.region_keys[hit.report_id]) and (not years or hit.year in years)]
    return scoped, notes
