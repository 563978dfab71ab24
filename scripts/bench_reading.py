"""Reading throughput: reports per second through every reading stage (decode, page, meta, chunks), no embedding.

Reads the seeds, the eight provincial development reports and a 30-page PDF (built with reportlab from the
seeds' paragraphs), each several times, on one core, and prints reports per second and milliseconds per report.
Target: at least 50 text reports a second.

Each corpus is read twice: in this process (``parse_report``) and as ``lawsearch index`` reads it, through the
reader pool (:mod:`lawsearch.read.sandbox`: PDF, Word and HTML in worker processes under memory and time limits).
``--collection DIR`` adds the first ``--limit`` reports of a folder such as the unpacked shared collection.
Pin to one core with taskset for the one-core figure.

    .venv/bin/python scripts/bench_reading.py
    .venv/bin/python scripts/bench_reading.py --rounds 10
    taskset -c 0 .venv/bin/python scripts/bench_reading.py --rounds 1 --collection /tmp/gov --limit 600
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from lawsearch.read import parse, parse_report
from lawsearch.read.files import SUPPORTED_SUFFIXES
from lawsearch.read.gazetteer import default_gazetteer
from lawsearch.read.sandbox import ReaderPool, ReadLimits

ROOT = Path(__file__).resolve().parent.parent

CORPORA = {
    "seeds (txt)": sorted((ROOT / "seeds").glob("*.txt")),
    "provincial-2026 (txt)": sorted((ROOT / "tests" / "corpus" / "provincial-2026").glob("*.txt")),
}


def _thirty_page_pdf(folder: Path) -> Path | None:
    """A 30-page report PDF made of the seeds' paragraphs; None when reportlab (a dev dependency) is missing."""
    try:
        from tests.documents import make_pdf, pdf_page_count
    except ImportError:
        return None
    paragraphs = [
        line.strip() for path in CORPORA["seeds (txt)"] for line in path.read_text(encoding="utf-8").split("\n") if len(line.strip()) > 20
    ]
    path = folder / "thirty_pages.pdf"
    body: list[str] = []
    while True:
        body += paragraphs
        make_pdf(path, body, pages_header="某某县人力资源和社会保障局")
        if pdf_page_count(path) >= 30:
            return path


def _rate(files: list[Path], rounds: int, pooled: bool) -> tuple[float, float, int]:
    """(reports per second, ms per report, chunks per pass) over ``rounds`` passes, in this process or pooled."""
    chunks = sum(len(parse_report(path).chunks) for path in files)  # warm: imports, gazetteer, regexes
    start = time.perf_counter()
    if pooled:
        with ReaderPool(ReadLimits(workers=1)) as pool:  # one worker: the one-core figure; its start-up is counted
            for _ in range(rounds):
                for _, report in pool.read(files):
                    assert not isinstance(report, Exception), report
                    parse(report)
    else:
        for _ in range(rounds):
            for path in files:
                parse_report(path)
    seconds = time.perf_counter() - start
    reads = rounds * len(files)
    return reads / seconds, 1000 * seconds / reads, chunks


def _collection(folder: Path, limit: int) -> list[Path]:
    """The first ``limit`` report files of ``folder`` (sorted), the same ones on every run."""
    return sorted(path for path in folder.rglob("*") if path.suffix.lower() in SUPPORTED_SUFFIXES)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over each corpus (default 5)")
    parser.add_argument("--collection", type=Path, help="also read the reports of this folder (e.g. the unpacked shared collection)")
    parser.add_argument("--limit", type=int, default=500, help="how many reports of --collection (default 500)")
    args = parser.parse_args()
    default_gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        corpora = dict(CORPORA)
        pdf = _thirty_page_pdf(Path(tmp))
        if pdf is not None:
            corpora["30-page PDF"] = [pdf]
        if args.collection:
            corpora[f"{args.collection.name} ({args.limit})"] = _collection(args.collection, args.limit)
        print(f"{'corpus':<24} {'files':>5} {'chunks':>7} {'reading':>10} {'reports/s':>10} {'ms/report':>10}")
        for name, files in corpora.items():
            for pooled in (False, True):
                per_second, ms, chunks = _rate(files, args.rounds, pooled)
                where = "pool" if pooled else "in-process"
                print(f"{name:<24} {len(files):>5} {chunks:>7} {where:>10} {per_second:>10.1f} {ms:>10.1f}", flush=True)
        if pdf is None:
            print("(no PDF row: reportlab, a dev dependency, is not installed)")


if __name__ == "__main__":
    main()
