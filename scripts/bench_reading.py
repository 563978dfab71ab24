"""Reading throughput: reports per second through every reading stage (decode, page, meta, chunks), no embedding.

Reads the seeds, the eight provincial development reports and a 30-page PDF (built with reportlab from the
seeds' paragraphs), each several times, on one core, and prints reports per second and milliseconds per report.
Target: at least 50 text reports a second.

    .venv/bin/python scripts/bench_reading.py
    .venv/bin/python scripts/bench_reading.py --rounds 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lawsearch.read import parse_report  # noqa: E402
from lawsearch.read.gazetteer import default_gazetteer  # noqa: E402

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
    paragraphs = [line.strip() for path in CORPORA["seeds (txt)"] for line in path.read_text(encoding="utf-8").split("\n")
                  if len(line.strip()) > 20]
    path = folder / "thirty_pages.pdf"
    body: list[str] = []
    while True:
        body += paragraphs
        make_pdf(path, body, pages_header="某某县人力资源和社会保障局")
        if pdf_page_count(path) >= 30:
            return path


def _rate(files: list[Path], rounds: int) -> tuple[float, float, int]:
    """(reports per second, ms per report, chunks per pass) over ``rounds`` passes."""
    chunks = sum(len(parse_report(path).chunks) for path in files)  # warm: imports, gazetteer, regexes
    start = time.perf_counter()
    for _ in range(rounds):
        for path in files:
            parse_report(path)
    seconds = time.perf_counter() - start
    reads = rounds * len(files)
    return reads / seconds, 1000 * seconds / reads, chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over each corpus (default 5)")
    args = parser.parse_args()
    default_gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        corpora = dict(CORPORA)
        pdf = _thirty_page_pdf(Path(tmp))
        if pdf is not None:
            corpora["30-page PDF"] = [pdf]
        print(f"{'corpus':<24} {'files':>5} {'chunks':>7} {'reports/s':>10} {'ms/report':>10}")
        for name, files in corpora.items():
            per_second, ms, chunks = _rate(files, args.rounds)
            print(f"{name:<24} {len(files):>5} {chunks:>7} {per_second:>10.1f} {ms:>10.1f}", flush=True)
        if pdf is None:
            print("(no PDF row: reportlab, a dev dependency, is not installed)")


if __name__ == "__main__":
    main()
