"""Time the readers on normal and hostile text of growing size, to show they take linear time.

Runs the reading stages after decoding (read_page, extract_meta, chunk_text — see
lawsearch/read/report.py) on inputs of 1 KB to 10 MB (UTF-8 bytes) and prints seconds per stage and
seconds per MB: in linear time the last column stays flat as the size grows tenfold.

    .venv/bin/python scripts/bench_readers.py                 # every input, 1 KB … 10 MB
    .venv/bin/python scripts/bench_readers.py --max-mb 1      # up to 1 MB
    .venv/bin/python scripts/bench_readers.py --kinds seeds,nav-rows
    .venv/bin/python scripts/bench_readers.py --html          # html_to_text instead, on normal and hostile pages
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from lawsearch.read.chunks import chunk_text
from lawsearch.read.files import html_to_text
from lawsearch.read.gazetteer import default_gazetteer
from lawsearch.read.meta import extract_meta
from lawsearch.read.page import read_page

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)


def _seed_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt")))


# Each input is a unit repeated to the size wanted; a unit ending in "\n" gives many lines, one without gives one line.
UNITS: dict[str, Callable[[], str]] = {
    "seeds": lambda: _seed_text() + "\n",
    "nav-rows": lambda: "首页  " * 30 + "主办单位\n",
    "nav-separators": lambda: "首页 | 网站地图 / 联系我们 ｜ " * 8 + "English\n",
    "crumbs-and-fields": lambda: "当前位置：首页 > 政务公开 >> 计划总结\n>>规划计划\n索引号：  002590761  公开方式：主动公开\n",
    "buttons": lambda: "【打印本页】【关闭窗口】〖字体：大 中 小〗 | " * 5 + "\n",
    "brackets-line": lambda: "【【【（（（",
    "brackets-lines": lambda: "【" * 50 + "（" * 50 + "\n",
    "numbering-line": lambda: "一、(一)1.(1)",
    "numbering-lines": lambda: "一、一、一、(一)(一)(一)1.1.\n(一)\n1、\n（1）\n",
    "headings-only": lambda: "一、标题\n(一)小标题\n1.条目\n(1)细目\n",
    "sentence-line": lambda: "全面推进依法行政，落实执法责任制",
    "spaces": lambda: " \t\u3000 \n",
    "bureaus": lambda: "上虞区人社局滨江区人力资源和社会保障局",
    "self-reference": lambda: "我区坚持依法行政，上虞区推进法治建设。",
    "dates": lambda: "二〇二一年一月二十日 2021-02-22 2020年度报告\n",
    "controls": lambda: "正文\x01\x0b\x1f\u200b\ufeff\u00ad。\r\n",
}


# HTML pages for html_to_text, built the same way: a page of paragraphs, and units that nest without end.
HTML_UNITS: dict[str, Callable[[], str]] = {
    "html-paragraphs": lambda: "".join(f"<p>{line}</p>\n" for line in _seed_text().split("\n") if line.strip()),
    "html-table": lambda: "<tr><td>项目</td><td>2021年</td><td>5</td></tr>\n",
    "html-nested-div": lambda: "<div>",
    "html-open-formatting": lambda: "<p><b id=1>段落<font color=red>x</p>",
    "html-misnested": lambda: "<b><div></b><span><li>正文",
}


def build(unit: str, size: int) -> str:
    """``unit`` repeated to about ``size`` UTF-8 bytes."""
    return unit * max(1, round(size / len(unit.encode("utf-8"))))


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run_pipeline(text: str) -> dict[str, float]:
    """Seconds per stage of the parse pipeline on one text."""
    seconds: dict[str, float] = {}
    seconds["page"], page = _timed(lambda: read_page(text))
    seconds["meta"], _ = _timed(lambda: extract_meta("bench", page.text, page.front))
    seconds["chunk"], _ = _timed(lambda: chunk_text("bench", page.text))
    return seconds


def _size_label(size: int) -> str:
    return f"{size // 1_000_000} MB" if size >= 1_000_000 else f"{size // 1_000} KB"


def _print_rows(kind: str, sizes: list[int], unit: str, stages: tuple[str, ...], run: Callable[[str], dict[str, float]]) -> None:
    for size in sizes:
        text = build(unit, size)
        seconds = run(text)
        total = sum(seconds.values())
        megabytes = len(text.encode("utf-8")) / 1_000_000
        print(
            f"{kind:<22} {_size_label(size):>6} "
            + " ".join(f"{seconds[stage]:8.3f}" for stage in stages)
            + f" {total:8.3f} {total / megabytes:7.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-mb", type=float, default=10.0, help="largest input, in MB (default 10)")
    parser.add_argument("--kinds", help="comma-separated inputs (default: all)")
    parser.add_argument("--html", action="store_true", help="time html_to_text on HTML pages instead")
    args = parser.parse_args()
    sizes = [size for size in SIZES if size <= args.max_mb * 1_000_000]
    units = HTML_UNITS if args.html else UNITS
    stages = ("html",) if args.html else ("page", "meta", "chunk")
    run = (lambda text: {"html": _timed(lambda: html_to_text(text))[0]}) if args.html else run_pipeline
    default_gazetteer()  # loaded once, outside the timings
    print(f"{'input':<22} {'size':>6} " + " ".join(f"{stage:>8}" for stage in stages) + f" {'total s':>8} {'s/MB':>7}")
    for kind in args.kinds.split(",") if args.kinds else units:
        _print_rows(kind, sizes, units[kind](), stages, run)


if __name__ == "__main__":
    main()
