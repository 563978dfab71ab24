"""The web page and JSON API of ``lawsearch serve``, through Starlette's test client on the seeds index."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lawsearch.engine import LawSearch
from lawsearch.index.folder import READERS, IndexFolder
from lawsearch.search.lexical import LexicalIndex
from lawsearch.web.app import create_app
from lawsearch.web.live import LiveIndex
from lawsearch.web.params import BadRequest, search_request

QUESTION = "哪些地区建立了调解员联盟"
BINJIANG = "000_e216814a7c54799f"
BASE = "http://localhost"  # the server answers only the names it serves (TestClient's own default, testserver, is refused)


@pytest.fixture(scope="module")
def client(index_dir: Path) -> TestClient:
    with TestClient(create_app(index_dir), base_url=BASE) as test_client:
        yield test_client


def api(client: TestClient, path: str, status: int = 200) -> dict:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_search_page_shows_the_answer_panel_then_the_hits(client: TestClient) -> None:
    page = client.get("/", params={"q": QUESTION})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    answers, hits = page.text.split('id="answers"')[1].split('id="hits"')
    assert 'data-region="滨江区"' in answers and "Answer: 1 of 5 regions indexed" in answers
    assert "<mark>调解员联盟</mark>" in answers and f'href="/report/{BINJIANG}?hit={BINJIANG}%23011' in answers
    assert hits.count('class="hit"') >= 5


def test_any_question_can_be_answered_by_region_on_the_page(client: TestClient) -> None:
    assert 'id="answers"' not in client.get("/", params={"q": "调解员联盟"}).text
    page = client.get("/", params={"q": "调解员联盟", "by_region": "1"})
    assert 'data-region="滨江区"' in page.text.split('id="answers"')[1] and 'name="by_region" value="1" checked' in page.text


def test_evidence_and_hits_show_the_focal_terms_their_best_sentence_holds(client: TestClient) -> None:
    page = client.get("/", params={"q": QUESTION})  # focal terms 调解员 and 联盟
    answers, hits = page.text.split('id="answers"')[1].split('id="hits"')
    held_both = 'holds: <span class="held">调解员</span> · <span class="held">联盟</span></div>'
    assert held_both in answers.split('data-region="滨江区"')[1]  # the answer's evidence names both in one sentence
    assert hits.count('class="focal"') == hits.count('class="hit"')  # under every hit
    assert held_both in hits
    # 武汉's passage names 调解员 but not 联盟 in its best sentence: the term it lacks is struck through
    assert 'holds: <span class="held">调解员</span> · <s class="lacks" title="not in its best sentence">联盟</s>' in hits
    assert 'holds none of: <s class="lacks"' in hits  # a hit found by meaning alone
    lexical = client.get("/", params={"q": "调解员联盟", "mode": "lexical"}).text
    assert held_both in lexical and 'id="answers"' not in lexical


def test_home_without_a_query_is_the_form_and_what_the_index_holds(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'name="q"' in page.text and "5 reports" in page.text and 'id="answers"' not in page.text
    assert 'value="2022"' in page.text and 'value="法治政府建设年度报告"' in page.text  # the filters offer what is held


def test_api_search_is_the_command_line_json(client: TestClient, engine: LawSearch) -> None:
    data = api(client, f"/api/search?q={quote(QUESTION)}&k=3")
    assert data == json.loads(engine.search(QUESTION, top_k=3).to_json())
    assert [a["region"] for a in data["answer"]] == ["滨江区"] and len(data["hits"]) == 3


def test_api_filters_repeat_as_alternatives(client: TestClient) -> None:
    data = api(client, "/api/search?q=执法&k=50&region=滨江&region=南昌县&mode=lexical")
    assert {hit["region"] for hit in data["hits"]} == {"滨江区", "南昌县"}
    data = api(client, "/api/search?q=执法&k=50&level=city&level=county&year=2022&mode=lexical")
    assert {hit["level"] for hit in data["hits"]} == {"city", "county"} and {hit["year"] for hit in data["hits"]} == {2022}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=执法&mode=fuzzy", "unknown mode 'fuzzy'"),
        ("q=执法&k=-1", "k must be between 1 and 100, got -1"),
        ("q=执法&k=ten", "k must be a whole number"),
        ("k=3", "q is missing"),
        ("q=%B5%F7%BD%E2", "q is not UTF-8"),
        ("q=执法&region=滨江县", "no report of region 滨江县; did you mean 滨江区?"),
        ("q=执法&year=二〇二二", "year must be a number"),
        ("q=执法&kind=小说", "unknown kind '小说'"),
        ("q=执法&by_region=maybe", "by_region must be true or false"),
    ],
)
def test_bad_requests_are_4xx_with_a_message(client: TestClient, query: str, message: str) -> None:
    assert message in api(client, "/api/search?" + query, status=400)["error"]
    page = client.get("/?" + query)
    if "q=" in query:  # the page shows the form again, with the message
        assert page.status_code == 400 and 'role="alert"' in page.text and 'name="q"' in page.text


def test_an_over_long_query_is_cut_and_the_answer_says_so(client: TestClient) -> None:
    data = api(client, "/api/search?q=" + quote("调解员联盟" * 1000))
    assert data["query_truncated"] == {"from": 5000, "to": 200} and "query cut to 200 of 5000 characters" in data["notes"]
    assert "query cut to 200 of 4000 characters" in client.get("/?q=" + quote("调解" * 2000)).text


def test_report_text_is_escaped_and_hostile_queries_are_harmless(client: TestClient) -> None:
    page = client.get("/", params={"q": '<script>alert(1)</script> 调解员 "'})
    assert page.status_code == 200 and "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_report_page_rebuilds_the_report_from_its_chunks_and_marks_the_hit(client: TestClient, engine: LawSearch) -> None:
    page = client.get(f"/report/{BINJIANG}", params={"hit": f"{BINJIANG}#011", "q": "调解员联盟"})
    assert page.status_code == 200
    chunks = engine.report(BINJIANG)["chunks"]
    positions = [page.text.index(f'id="{chunk["anchor"]}"') for chunk in chunks]
    assert positions == sorted(positions) and len(chunks) == 21  # every chunk, in order, under its anchor
    hit = page.text.split('class="chunk hit"')[1].split("</section>")[0]
    assert "<mark>调解员联盟</mark>" in hit and 'id="chunk-011"' in page.text.split('class="chunk hit"')[0][-80:]
    assert "滨江区人力资源和社会保障局" in page.text and '<h2 class="heading">一、2022年法治政府建设的主要举措和成效</h2>' in page.text


@pytest.mark.parametrize(
    "path",
    ["/report/nope", "/report/..%2F..%2Fetc%2Fpasswd", "/report/../../etc/passwd", "/report/%2Fetc%2Fpasswd", f"/report/{BINJIANG}%00"],
)
def test_a_report_id_never_reaches_outside_the_index(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404 and "root:" not in page.text


def test_api_reports_regions_and_chunk_mirror_info_regions_and_show(client: TestClient, engine: LawSearch) -> None:
    reports = api(client, "/api/reports")
    assert reports["reports"] == 5 and {r["id"] for r in reports["report_list"]} == set(engine.manifest.reports)
    assert reports["kinds"] == [{"name": "法治政府建设年度报告", "reports": 5}]  # as `lawsearch info --json`
    regions = api(client, "/api/regions")
    assert {row["name"] for row in regions["regions"]} == {"滨江区", "武汉市", "上虞区", "罗湖区", "南昌县"}
    chunk = api(client, f"/api/chunk/{quote(BINJIANG + '#011', safe='')}?context=2")
    assert chunk["chunk"]["anchor"] == "chunk-011" and [c["anchor"] for c in chunk["before"]] == ["chunk-009", "chunk-010"]
    assert [c["anchor"] for c in chunk["after"]] == ["chunk-012", "chunk-013"] and chunk["report"]["region"] == "滨江区"
    assert "no chunk" in api(client, "/api/chunk/nope%23001", status=404)["error"]
    assert "context must be" in api(client, f"/api/chunk/{quote(BINJIANG + '#011', safe='')}?context=-1", status=400)["error"]


def test_unknown_paths_and_methods(client: TestClient) -> None:
    assert "no page at /api/nothing" in api(client, "/api/nothing", status=404)["error"]
    assert client.get("/nothing").status_code == 404
    assert client.post("/api/search", data={"q": "执法"}).status_code == 405


def test_concurrent_searches_agree_with_serial_ones(engine: LawSearch) -> None:
    """Threads share one engine: each gets its own Whoosh searcher, the embedder runs one query at a time."""
    queries = ["调解员联盟", "行政复议", "执法监督", "劳动保障监察", "法治宣传", "行政许可", "公平竞争审查", "信访"] * 2
    serial = {q: [h.chunk_id for h in engine.search(q, top_k=5)] for q in queries}
    found: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(query: str) -> None:
        try:
            found[query] = [h.chunk_id for h in engine.search(query, top_k=5)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and found == serial


def test_a_committed_generation_is_picked_up_and_the_one_in_use_is_kept(seeds_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    live = LiveIndex(index, check_every=0.0, warm=False)
    with TestClient(create_app(index, live=live), base_url=BASE) as client:
        assert api(client, "/api/reports")["reports"] == 5
        with live.use() as held:  # a request still reading the first generation
            first = held.generation
            with LawSearch.open(index) as writer_side:
                writer_side.remove("002_e3a39e3814c16024")
                writer_side.remove("003_31027cef6ae4fb1c")
            assert api(client, "/api/reports")["reports"] == 3  # the next request searches the new generation
            writer_side.folder.remove_stale_generations(grace=0.0)
            assert first.is_dir() and held.search("执法", mode="lexical").hits  # still readable under the request
        assert "上虞区" not in {row["name"] for row in api(client, "/api/regions")["regions"]}
        live.engine.folder.remove_stale_generations(grace=0.0)
        assert not first.exists()  # released: a writer may now delete it


def test_a_huge_query_string_is_refused_with_a_message() -> None:
    with pytest.raises(BadRequest, match="the query string is 70,002 bytes"):
        search_request(b"q=" + b"a" * 70_000)


def _percent(raw: bytes) -> str:
    """Bytes as they arrive in a query string: letters, digits, = and & as they are, everything else %XX."""
    return "".join(chr(b) if chr(b).isalnum() and b < 128 or b in b"=&" else f"%{b:02X}" for b in raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200), text=st.text(max_size=80))
def test_hostile_query_strings_get_an_answer_or_a_message_never_a_500(client: TestClient, raw: bytes, text: str) -> None:
    for query_string in (_percent(raw), "mode=lexical&q=" + quote(text, safe="") + "&" + _percent(raw)):
        response = client.get("/api/search?" + query_string)
        assert response.status_code in (200, 400), (query_string, response.text)
        assert set(response.json()) & {"error", "hits"}


def test_a_slow_search_does_not_hold_up_the_others(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    search = LawSearch.search

    def slow_for_one_query(self: LawSearch, query: str, *args: object, **kwargs: object):  # noqa: ANN202
        if query == "慢查询":
            gate.wait(60)
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(LawSearch, "search", slow_for_one_query)
    answers: list[int] = []
    with TestClient(create_app(index_dir, warm=False), base_url=BASE) as test_client:
        slow = threading.Thread(target=lambda: answers.append(test_client.get("/api/search?q=慢查询&mode=lexical").status_code))
        slow.start()
        try:
            time.sleep(0.5)  # the slow search is now waiting in its thread
            fast = [test_client.get("/api/search?q=调解员联盟&mode=lexical").status_code for _ in range(3)]
            assert fast == [200, 200, 200] and slow.is_alive() and not answers
        finally:
            gate.set()
            slow.join(60)
    assert answers == [200]


def test_a_searcher_serves_one_search_at_a_time_and_threads_do_not_pile_them_up(index_dir: Path) -> None:
    with LawSearch.open(index_dir) as engine:
        if not isinstance(engine.lexical, LexicalIndex):
            pytest.skip("Whoosh's pool of searchers (tantivy shares one thread-safe searcher)")
        for _ in range(20):  # short-lived threads, as a server's pool starts and stops them
            thread = threading.Thread(target=lambda: engine.search("调解员联盟", mode="lexical"))
            thread.start()
            thread.join()
        assert len(engine.lexical._idle) == 1  # one searcher, handed from thread to thread
    assert engine.lexical._idle == []  # closed with the engine


def test_leases_protect_a_generation_until_its_last_reader_lets_go(seeds_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    folder = IndexFolder(index)
    generation = folder.current()
    first, second = folder.lease(generation), folder.lease(generation)
    assert first.held and second.held
    assert not folder._delete_unread(generation) and generation.is_dir()
    first.release()
    assert (index / READERS / generation.name).exists()  # the second reader still holds it
    assert not folder._delete_unread(generation)
    second.release()
    assert not (index / READERS / generation.name).exists()  # the last reader tidied up
    assert folder._delete_unread(generation) and not generation.exists()


def test_a_new_generation_that_cannot_be_opened_is_tried_once_and_the_server_keeps_answering(
    seeds_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    live = LiveIndex(index, check_every=0.0, warm=False)
    with LawSearch.open(index) as writer_side:
        writer_side.remove("002_e3a39e3814c16024")
    new = IndexFolder(index).current()
    (new / "lexical" / next(p.name for p in (new / "lexical").iterdir() if p.suffix in (".seg", ".term"))).write_bytes(b"garbage")
    opened: list[str] = []
    real_open = LawSearch.open.__func__

    def counting_open(cls: type, *args: object, **kwargs: object) -> LawSearch:
        opened.append("open")
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(LawSearch, "open", classmethod(counting_open))
    with TestClient(create_app(index, live=live), base_url=BASE) as test_client:
        for _ in range(3):
            assert api(test_client, "/api/reports")["reports"] == 5  # still the first generation
    assert len(opened) == 1 and live._failed_generation == new.name


def test_report_text_is_escaped_in_every_page(tmp_path: Path) -> None:
    from ..fakes import HashEmbedder

    folder = tmp_path / "reports"
    folder.mkdir()
    hostile = '<script>alert("t")</script>'
    (folder / "x.txt").write_text(
        f"杭州市滨江区2022年法治政府建设年度报告{hostile}\n一、主要举措{hostile}\n"
        + f"坚持依法行政，建立调解员联盟，推进矛盾纠纷多元化解{hostile}，全年受理案件一百件。" * 3
        + "\n"
        + "二、存在的不足\n普法宣传形式还比较单一，新媒体运用不足，需要进一步加强。" * 2
        + "\n",
        encoding="utf-8",
    )
    LawSearch.build(folder, tmp_path / "index", embedder=HashEmbedder(), include_all=True).close()
    with TestClient(create_app(tmp_path / "index", live=LiveIndex(tmp_path / "index", warm=False)), base_url=BASE) as test_client:
        pages = [
            test_client.get("/", params={"q": "调解员联盟", "mode": "lexical"}),
            test_client.get("/report/x", params={"hit": "x#000", "q": "调解员联盟"}),
        ]
        for page in pages:
            assert page.status_code == 200 and "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
        assert 'class="chunk hit"' in pages[1].text
        assert "marked below" not in test_client.get("/report/x", params={"hit": "other#001"}).text  # not this report's


def test_context_must_be_plain_digits(client: TestClient) -> None:
    assert "context must be" in api(client, f"/api/chunk/{quote(BINJIANG + '#011', safe='')}?context=%C2%B2", status=400)["error"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=120), name=st.text(max_size=40))
def test_hostile_report_and_chunk_requests_get_an_answer_or_a_message(client: TestClient, raw: bytes, name: str) -> None:
    for path in (
        f"/api/chunk/{quote(name, safe='')}?{_percent(raw)}",
        f"/report/{quote(name, safe='')}?{_percent(raw)}",
        f"/api/chunk/{quote(BINJIANG + '#011', safe='')}?{_percent(raw)}",
    ):
        assert client.get(path).status_code in (200, 400, 404), path


def test_a_shard_set_is_served_and_a_shard_commit_is_picked_up(seeds_shards: Path, engine: LawSearch, tmp_path: Path) -> None:
    """The page and the API over a shard set answer as over one index, with the shards that answered; when a shard
    commits, the next request searches the set anew."""
    from lawsearch.search.sharded import ShardedSearch

    shards = tmp_path / "set"
    shutil.copytree(seeds_shards, shards)
    live = LiveIndex(shards, check_every=0.0, warm=False)
    with TestClient(create_app(shards, live=live), base_url=BASE) as client:
        data = api(client, f"/api/search?q={quote(QUESTION)}")
        assert data["shards"] == {"answered": 2, "of": 2, "missing": []}
        assert [hit["chunk_id"] for hit in data["hits"]] == [hit.chunk_id for hit in engine.search(QUESTION).hits]
        assert QUESTION in client.get(f"/?q={quote(QUESTION)}").text
        assert api(client, "/api/reports")["reports"] == 5
        with ShardedSearch.open(shards) as writer_side:
            writer_side.remove("002_e3a39e3814c16024")
        assert api(client, "/api/reports")["reports"] == 4
        assert "002_e3a39e3814c16024" not in {hit["report_id"] for hit in api(client, "/api/search?q=%E6%89%A7%E6%B3%95")["hits"]}
