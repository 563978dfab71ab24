"""`lawsearch serve` against an attacker: DNS rebinding (Host), paths of the machine in answers, raw UTF-8 in the
request line, and report text that looks like HTML in JSON snippets."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from lawsearch.cli import main
from lawsearch.engine import LawSearch
from lawsearch.web.app import PublicPaths, create_app
from lawsearch.web.live import LiveIndex

from ..conftest import ROOT, SEEDS, edit_manifest
from .test_browser import free_port, stop, wait_until_serving

BINJIANG = "000_e216814a7c54799f"
LOCAL = "http://localhost"
IMG, SCRIPT = "<img src=x onerror=alert(1)>", "<script>alert(2)</script>"


@pytest.fixture(scope="module")
def client(index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(index_dir, warm=False), base_url=LOCAL) as test_client:
        yield test_client


# -- 1. DNS rebinding: only the names the server was started for --------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "attacker.example:8000",
        "127.0.0.1.attacker.example",
        "localhost.attacker.example:8000",
        "testserver",
        "[::2]:8000",
        "10.0.0.1",
    ],
)
def test_a_request_for_another_host_is_refused_with_421(client: TestClient, host: str) -> None:
    for path in ("/api/search?q=调解员联盟&k=3", "/api/reports", "/api/regions", f"/api/chunk/{quote(BINJIANG + '#011', safe='')}"):
        response = client.get(path, headers={"host": host})
        assert response.status_code == 421 and response.headers["content-type"].startswith("application/json"), (path, response.text)
        assert "does not answer for the host" in response.json()["error"] and "--allow-host" in response.json()["error"]
        assert "滨江" not in response.text
    for path in ("/", "/?q=调解员联盟", f"/report/{BINJIANG}", "/static/style.css", "/nothing"):
        response = client.get(path, headers={"host": host})
        assert response.status_code == 421 and response.headers["content-type"].startswith("text/html"), path
        assert 'role="alert"' in response.text and "滨江" not in response.text


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:8000", "localhost.", "[::1]", "[::1]:8000", "[0:0:0:0:0:0:0:1]:80"]
)
def test_the_loopback_names_are_answered_with_or_without_a_port(client: TestClient, host: str) -> None:
    assert client.get("/api/reports", headers={"host": host}).status_code == 200
    assert client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("header", ["bad host", "local host:80", "[::1", "localhost:http", "localhost:80:80", ""])
def test_a_host_header_that_names_no_host_is_a_400(client: TestClient, header: str) -> None:
    response = client.get("/api/reports", headers={"host": header})
    assert response.status_code == 400 and "Host header" in response.json()["error"]


def test_two_host_headers_are_a_400(client: TestClient) -> None:
    response = client.get("/api/reports", headers=[("host", "localhost"), ("host", "attacker.example")])
    assert response.status_code == 400 and "one Host header" in response.json()["error"]


def test_the_names_given_to_the_app_are_answered_and_only_those(index_dir: Path) -> None:
    app = create_app(index_dir, warm=False, allowed_hosts=["192.168.1.20", "Search.Example.org", "::"])
    with TestClient(app, base_url="http://search.example.org:8080") as test_client:
        assert test_client.get("/api/reports").status_code == 200
        for host in ("192.168.1.20:8000", "[::]:8000", "localhost"):
            assert test_client.get("/api/reports", headers={"host": host}).status_code == 200, host
        assert test_client.get("/api/reports", headers={"host": "example.org"}).status_code == 421
    with pytest.raises(ValueError, match="'bad name' is not a host name"):
        create_app(index_dir, warm=False, allowed_hosts=["bad name"])


def test_serve_refuses_an_allow_host_that_is_not_a_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--index", str(tmp_path), "--allow-host", "http://x/"])
    assert result.exit_code == 2 and "'http://x/' is not a host name" in result.output and "Traceback" not in result.output


# -- 2. No path of the machine in answers --------------------------------------------------------------------------


def test_api_reports_shows_sources_from_their_folder_and_mirrors_info_json(client: TestClient, index_dir: Path) -> None:
    response = client.get("/api/reports")
    assert response.status_code == 200
    assert str(index_dir) not in response.text and str(ROOT) not in response.text
    reports = response.json()
    info = json.loads(CliRunner().invoke(main, ["info", "--index", str(index_dir), "--json"]).output)
    assert info["index"] == str(index_dir) and Path(info["report_list"][0]["source"]).is_absolute()  # the CLI's own view

    def relative(source: str) -> str:
        return Path(source).relative_to(SEEDS.parent).as_posix()

    assert reports["vectors"] > 0 and reports["dense_bytes"] > 0  # the live engine's figures, beyond info --json
    assert {k: v for k, v in reports.items() if k not in ("vectors", "dense_bytes")} == {
        **info,
        "index": index_dir.name,
        "report_list": [
            {**report, "source": relative(report["source"]), "also_sources": [relative(s) for s in report["also_sources"]]}
            for report in info["report_list"]
        ],
    }
    assert {report["source"] for report in reports["report_list"]} == {f"seeds/{path.name}" for path in SEEDS.glob("*.txt")}


def test_no_other_answer_shows_a_path_of_the_machine(client: TestClient, index_dir: Path) -> None:
    chunk = client.get(f"/api/chunk/{quote(BINJIANG + '#011', safe='')}")
    assert chunk.json()["report"]["source"] == f"seeds/{BINJIANG}.txt" and chunk.json()["report"]["also_sources"] == []
    regions = client.get("/api/regions")
    assert regions.json()["index"] == index_dir.name
    missing = client.get("/api/chunk/nope%23001")
    assert missing.status_code == 404 and "no chunk 'nope#001' in seeds" in missing.json()["error"]
    page = client.get(f"/report/{BINJIANG}")
    assert f"<td>seeds/{BINJIANG}.txt</td>" in page.text
    for response in (chunk, regions, missing, page, client.get("/report/nope"), client.get("/?q=调解员联盟")):
        assert str(ROOT) not in response.text and str(index_dir) not in response.text, response.url


def test_sources_in_unrelated_folders_show_only_their_folder_and_name(seeds_index: Path, tmp_path: Path) -> None:
    # The seeds lie in <repo>/seeds; a report added from elsewhere (tmp) shares only "/" with them.
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    elsewhere = tmp_path / "downloads" / "x.pdf"
    edit_manifest(index, lambda manifest: setattr(manifest.reports[BINJIANG], "source", str(elsewhere)))
    with TestClient(create_app(index, warm=False), base_url=LOCAL) as test_client:
        reports = test_client.get("/api/reports")
        chunk = test_client.get(f"/api/chunk/{quote(BINJIANG + '#011', safe='')}")
        page = test_client.get(f"/report/{BINJIANG}")
    shown = {report["id"]: report["source"] for report in reports.json()["report_list"]}
    assert shown == {path.stem: f"seeds/{path.name}" for path in SEEDS.glob("*.txt") if path.stem != BINJIANG} | {
        BINJIANG: "downloads/x.pdf"
    }
    assert chunk.json()["report"]["source"] == "downloads/x.pdf" and "<td>downloads/x.pdf</td>" in page.text
    for response in (reports, chunk, page):
        assert str(ROOT.relative_to(ROOT.anchor)) not in response.text and str(tmp_path.relative_to(tmp_path.anchor)) not in response.text


@pytest.mark.parametrize(
    ("sources", "shown"),
    [
        (["/home/alice/seeds/a.txt", "/home/alice/seeds/sub/b.pdf"], ["seeds/a.txt", "seeds/sub/b.pdf"]),  # one folder of sources
        (["/home/alice/seeds/a.txt", "/tmp/x.pdf"], ["seeds/a.txt", "tmp/x.pdf"]),  # common folder "/"
        (["/home/alice/seeds/a.txt", "/home/alice/work/x.pdf"], ["seeds/a.txt", "work/x.pdf"]),  # common folder /home/alice
        (["/x.pdf", "relative/y.txt"], ["x.pdf", "y.txt"]),
    ],
)
def test_public_sources_never_show_the_path_from_a_shallow_common_folder(sources: list[str], shown: list[str]) -> None:
    paths = PublicPaths("/srv/indexes/seeds", sources)
    assert [paths.source(source) for source in sources] == shown


def test_messages_name_the_index_when_served_from_dot(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(index_dir)  # lawsearch serve --index .
    with TestClient(create_app(".", warm=False), base_url=LOCAL) as test_client:
        missing = test_client.get("/api/chunk/x.y%23001")
        regions = test_client.get("/api/regions")
    assert missing.status_code == 404 and missing.json()["error"] == "no chunk 'x.y#001' in ."  # dots kept
    assert regions.json()["index"] == index_dir.name
    paths = PublicPaths(".", ())
    assert paths.message(f"cannot read {index_dir}/CURRENT: x.y") == f"cannot read {index_dir.name}/CURRENT: x.y"


def test_messages_replace_a_relative_root_and_its_absolute_form_as_whole_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = PublicPaths("indexes/seeds", ())
    assert paths.index == "seeds"
    assert paths.message(f"no chunk 'a.b' in {tmp_path}/indexes/seeds.") == "no chunk 'a.b' in seeds."
    assert paths.message("indexes/seeds/CURRENT is garbled") == "seeds/CURRENT is garbled"
    untouched = f"other/indexes/seeds, indexes/seeds2, indexes/seeds.bak and {tmp_path}/indexes/seeds-old"
    assert paths.message(untouched) == untouched


# -- 3. Raw UTF-8 in the request line, on a real server ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`lawsearch serve` on a copy of the seeds index and a free port, with one --allow-host; yields the port."""
    work = tmp_path_factory.mktemp("serve")
    index = work / "index"
    shutil.copytree(seeds_index, index)
    port = free_port()
    stderr_file = work / "server.stderr"
    with stderr_file.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "lawsearch.cli", "serve", "--index", str(index), "--port", str(port), "--allow-host", "lawsearch.test"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}/", stderr_file)
        yield port
    finally:
        stop(process)
    log = stderr_file.read_text(errors="replace")
    assert "Traceback" not in log, log


def exchange(connection: socket.socket, *pieces: bytes) -> tuple[int, str, bytes]:
    """Send a request in ``pieces`` (a short pause between them), read one response: (status, content type, body)."""
    for number, piece in enumerate(pieces):
        if number:
            time.sleep(0.2)
        connection.sendall(piece)
    response = http.client.HTTPResponse(connection, method="GET")
    response.begin()
    return response.status, response.getheader("content-type", ""), response.read()


def request(target: bytes, host: bytes = b"127.0.0.1", close: bool = True) -> bytes:
    return (
        b"GET "
        + target
        + b" HTTP/1.1\r\nHost: "
        + host
        + b"\r\nUser-Agent: curl/8\r\n"
        + (b"Connection: close\r\n" if close else b"")
        + b"\r\n"
    )


def test_a_query_sent_as_raw_utf8_is_searched(server: int, engine: LawSearch) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=30) as connection:
        status, kind, body = exchange(connection, request("/api/search?q=调解员联盟&k=3".encode()))
    assert status == 200 and kind.startswith("application/json"), body[:300]
    data = json.loads(body)
    assert data["query"] == "调解员联盟" and data == json.loads(engine.search("调解员联盟", top_k=3).to_json())


def test_raw_bytes_that_are_not_utf8_get_the_json_400(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=30) as connection:
        status, kind, body = exchange(connection, request("/api/search?q=调解&k=3".encode("gbk")))
    assert status == 400 and kind.startswith("application/json") and "q is not UTF-8" in json.loads(body)["error"]


def test_raw_utf8_on_a_kept_alive_connection_and_split_across_packets(server: int) -> None:
    first = request("/api/search?q=调解员联盟&k=1&mode=lexical".encode(), close=False)
    second = request("/report/不存在?q=调解".encode())
    with socket.create_connection(("127.0.0.1", server), timeout=30) as connection:
        status, _, body = exchange(connection, first[:30], first[30:])  # the split falls inside 调
        assert status == 200 and json.loads(body)["query"] == "调解员联盟"
        status, kind, body = exchange(connection, second)
    assert status == 404 and kind.startswith("text/html") and "no report &#39;不存在&#39;" in body.decode()


def test_the_real_server_answers_its_names_and_refuses_others(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=30) as connection:
        assert exchange(connection, request(b"/api/reports", host=f"lawsearch.test:{server}".encode(), close=False))[0] == 200
        assert exchange(connection, request(b"/api/reports", host=f"localhost:{server}".encode(), close=False))[0] == 200
        status, kind, body = exchange(connection, request(b"/api/reports", host=f"attacker.example:{server}".encode()))
    assert status == 421 and kind.startswith("application/json") and "attacker.example" in json.loads(body)["error"]


# -- 4. Snippets as data: plain text and the offsets of the marks --------------------------------------------------


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-report index whose text holds an <img onerror> and a <script> beside the term searched."""
    from ..fakes import HashEmbedder

    work = tmp_path_factory.mktemp("hostile")
    folder = work / "reports"
    folder.mkdir()
    (folder / "x.txt").write_text(
        "杭州市滨江区2022年法治政府建设年度报告\n一、主要举措\n"
        + f"坚持依法行政，建立调解员联盟{IMG}，推进矛盾纠纷多元化解{SCRIPT}，全年受理案件一百件。" * 3
        + "\n"
        + "二、存在的不足\n普法宣传形式还比较单一，新媒体运用不足，需要进一步加强。" * 2
        + "\n",
        encoding="utf-8",
    )
    LawSearch.build(folder, work / "index", embedder=HashEmbedder(), include_all=True).close()
    return work / "index"


def check_snippet(hit: dict) -> None:
    """The snippet is the report's literal text, and each mark spans a term of 调解员联盟 in it."""
    snippet, marks = hit["snippet"], hit["marks"]
    assert IMG in snippet and SCRIPT in snippet and "<mark>" not in snippet
    assert snippet.replace("…", "") in hit["text"]
    assert marks and all(isinstance(span, list) and len(span) == 2 for span in marks)
    assert all(0 <= start < end <= len(snippet) for start, end in marks) and marks == sorted(marks)
    assert all(earlier[1] <= later[0] for earlier, later in zip(marks, marks[1:]))
    assert {snippet[start:end] for start, end in marks} == {"调解员联盟"}
    assert len(marks) == snippet.count("调解员联盟")


def test_json_snippets_are_plain_text_with_mark_offsets(hostile_index: Path) -> None:
    live = LiveIndex(hostile_index, warm=False)
    with TestClient(create_app(hostile_index, live=live), base_url=LOCAL) as test_client:
        api = test_client.get("/api/search", params={"q": "调解员联盟", "mode": "lexical", "by_region": "1"}).json()
        page = test_client.get("/", params={"q": "调解员联盟", "mode": "lexical"}).text
    cli = CliRunner().invoke(main, ["search", "调解员联盟", "--index", str(hostile_index), "--mode", "lexical", "--json", "--by-region"])
    assert cli.exit_code == 0, cli.output
    for data in (api, json.loads(cli.output)):
        hits = data["hits"] + [hit for group in data["regions"] for hit in group["hits"]]
        hits += [hit for answer in data["answer"] for hit in answer["evidence"]]
        assert len(hits) == 3  # the hit, its region group's evidence, the answer's evidence
        for hit in hits:
            check_snippet(hit)
    # People still see the terms marked, and the report's markup as text.
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<mark>调解员联盟</mark>" in page


def test_notebook_html_marks_terms_and_escapes_report_text(hostile_index: Path) -> None:
    with LawSearch.open(hostile_index) as engine:
        results = engine.search("哪些地区建立了调解员联盟", mode="lexical")
        html = results._repr_html_()
        hit = results.hits[0]
        assert hit.snippet == "".join(segment for segment, _ in hit.snippet_parts)
        assert [hit.snippet[s:e] for s, e in hit.marks] == [segment for segment, marked in hit.snippet_parts if marked]
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html and "<mark>调解员联盟</mark>" in html
