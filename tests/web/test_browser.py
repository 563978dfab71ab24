"""`lawsearch serve` in a real browser: headless chromium loads the search page and a report page from a
running server, and the rendered DOM and a screenshot are checked.

Needs Debian's chromium and fonts-noto-cjk (`scripts/install.sh --dev` installs them); without chromium
the test fails rather than skips. With LAWSEARCH_SCREENSHOT=path/to.png the screenshot is also copied
there (that is how docs/serve.png is made).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urldefrag, urljoin

import pytest
from PIL import Image
from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "哪些地区建立了调解员联盟"
SERVER_START_S = 120
BROWSER_TIMEOUT_S = 90


def find_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "chromium is not on PATH: run `scripts/install.sh --dev`, which installs Debian's chromium and "
            "fonts-noto-cjk (or: apt-get install chromium fonts-noto-cjk)",
            pytrace=False,
        )
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, base: str, stderr_file: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if server.poll() is not None:
            pytest.fail(
                f"lawsearch serve exited with {server.returncode} before answering:\n{stderr_file.read_text(errors='replace')}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(base + "api/reports", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"lawsearch serve did not answer {base}api/reports within {SERVER_START_S} s:\n{stderr_file.read_text(errors='replace')}",
                pytrace=False,
            )
        time.sleep(0.5)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


def chromium(browser: str, work: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run headless chromium once, with a profile of its own, and fail with its stderr if it fails."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=work)
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=BROWSER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish in {BROWSER_TIMEOUT_S} s: {' '.join(command)}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(
            f"chromium exited with {done.returncode}: {' '.join(command)}\n{done.stderr.decode(errors='replace')[-4000:]}", pytrace=False
        )
    return done


def dump_dom(browser: str, work: Path, url: str) -> LexborHTMLParser:
    done = chromium(browser, work, "--dump-dom", url)
    return LexborHTMLParser(done.stdout.decode("utf-8"))


def test_search_page_in_chromium(seeds_index: Path, tmp_path: Path) -> None:
    browser = find_chromium()
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)  # the server leaves a READERS/ lease folder in the index root
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    stderr_file = tmp_path / "server.stderr"
    with stderr_file.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "lawsearch.cli", "serve", "--index", str(index), "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_serving(server, base, stderr_file)
        search_url = base + "?q=" + quote(QUESTION)

        # The answer panel: 滨江区 answers, its evidence quotes the passage with the query's terms marked.
        page = dump_dom(browser, tmp_path, search_url)
        answers = page.css_first("section#answers")
        assert answers is not None, page.html[:2000]
        heading = answers.css_first("h2")
        assert heading is not None and heading.text(strip=True).startswith("Answer:"), answers.html[:2000]
        regions = {li.attributes.get("data-region"): li for li in answers.css("li.answer")}
        assert "滨江区" in regions, f"answers: {list(regions)}"
        evidence = regions["滨江区"].css_first("blockquote.evidence")
        assert evidence is not None, regions["滨江区"].html
        marks = [mark.text() for mark in evidence.css("mark")]
        assert marks, evidence.html
        assert "调解员" in evidence.text(), evidence.html
        link = evidence.css_first("div.source a")
        assert link is not None, evidence.html
        href = link.attributes.get("href") or ""
        assert href.startswith("/report/"), href
        hits = page.css("section#hits li.hit")
        assert hits, page.html[:2000]

        # The evidence link opens the report with that passage marked (fragment dropped: chromium only loads).
        report_url, _ = urldefrag(urljoin(base, href))
        report = dump_dom(browser, tmp_path, report_url)
        marked = report.css_first("section.chunk.hit")
        assert marked is not None, report.html[:2000]
        assert marked.css("mark"), marked.html

        # A screenshot of the search page (no #fragment: headless screenshots of one come out blank).
        shot = tmp_path / "serve.png"
        chromium(browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars", search_url)
        assert shot.is_file() and shot.stat().st_size > 0, "chromium wrote no screenshot"
        with Image.open(shot) as image:
            assert image.size == (1280, 1600), image.size
            rgb = image.convert("RGB")
            colours = rgb.getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 32, f"screenshot looks blank: {len(colours)} colours"
            grey = rgb.convert("L")
            inked = sum(count for value, count in enumerate(grey.histogram()) if value < 240)
            share = inked / (grey.width * grey.height)
            assert share > 0.02, f"screenshot looks blank: {share:.1%} of pixels are not near-white"
        if target := os.environ.get("LAWSEARCH_SCREENSHOT"):
            destination = Path(target)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, destination)
    finally:
        stop(server)
    log = stderr_file.read_text(errors="replace")
    assert "Traceback" not in log, log
    assert "serving" in log, log
