"""Copy the 32 reports of the collection dev set out of an unpacked gov-reports collection.

The reports are listed in ``eval/collection-dev-reports.txt``, one path a line relative to the collection root
(``政府工作报告-其他地市/白城市/2021.md``). Each is copied to the target folder under the same relative path, so that
``lawsearch index TARGET`` gives every report the id that ``eval/collection-dev.jsonl`` uses: the relative path
without ``.md`` (``政府工作报告-其他地市/白城市/2021``).

    mkdir -p /tmp/gov && tar -xJf shared/corpora/gov-reports/gov-reports.tar.xz -C /tmp/gov
    .venv/bin/python scripts/make_collection_dev.py                       # /tmp/gov → /tmp/collection-dev
    .venv/bin/python scripts/make_collection_dev.py /data/gov /tmp/cdev --force
    .venv/bin/lawsearch index /tmp/collection-dev --index /tmp/collection-idx
    .venv/bin/python scripts/make_collection_dev.py --check              # copy if needed, then check the gold files

``--check`` reads every copied report with ``lawsearch.read.parse_report`` (default chunking, 500/80) and checks the
gold files against what lawsearch reads: each ``contains`` of ``eval/collection-dev.jsonl`` is 6–20 characters and lies
in exactly one chunk of the report named by ``doc``, no two entries of a question point at one chunk, ``none``
questions list nothing, and a ``paraphrase`` question shares no two-character Han word with its answering chunks (the
question is cut into words with jieba; frame words such as 哪些/什么/多少 are left out). Each region of
``eval/collection-dev-regions.jsonl`` must be the region lawsearch assigns to one of the reports, of the question's
``level``, and its ``evidence`` must lie in a chunk of that region's report. A failed check exits with status 1: the
reader's chunking changed, and the gold files need mending.

The target must be empty or absent, or hold exactly the listed files (then it is left as it is unless ``--force``
copies them again); a target holding other report files is refused, since indexing it would add reports the
question sets do not know.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LIST = REPO / "eval" / "collection-dev-reports.txt"
DEFAULT_SOURCE = Path("/tmp/gov")
DEFAULT_TARGET = Path("/tmp/collection-dev")
DEFAULT_GOLD = REPO / "eval" / "collection-dev.jsonl"
DEFAULT_REGIONS = REPO / "eval" / "collection-dev-regions.jsonl"
CONTAINS_CHARS = (6, 20)
# Question words that frame a paraphrase question rather than carry its content; they may appear in the passage.
FRAME_WORDS = frozenset("哪些 哪个 哪一 哪天 哪年 哪里 什么 怎么 怎样 如何 多少 几个 几块 是否 有没有 吗 呢 叫 是".split())
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# A folder the archive's files lie in when it was unpacked with one top folder.
KNOWN_FOLDERS = ("政府工作报告-国务院", "五年规划", "国家统计局年度统计")


class SetupError(Exception):
    """A problem with the arguments or the files, said in one line."""


def read_list(path: Path) -> list[PurePosixPath]:
    """The relative report paths listed in ``path`` (blank lines and ``#`` comments skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SetupError(f"cannot read the list of reports {path}: {error.strerror or error}") from error
    paths: list[PurePosixPath] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        relative = PurePosixPath(line)
        if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".md":
            raise SetupError(f"{path}:{number}: {line!r} is not a relative .md path inside the collection")
        paths.append(relative)
    if not paths:
        raise SetupError(f"{path} lists no reports")
    if len(set(paths)) != len(paths):
        raise SetupError(f"{path} lists a report twice")
    return paths


def collection_root(source: Path) -> Path:
    """The folder holding the collection's kind folders: ``source`` itself, or its one top folder."""
    if not source.is_dir():
        raise SetupError(
            f"collection folder {source} does not exist; unpack it first: "
            f"mkdir -p {source} && tar -xJf shared/corpora/gov-reports/gov-reports.tar.xz -C {source}"
        )
    if any((source / name).is_dir() for name in KNOWN_FOLDERS):
        return source
    subfolders = [child for child in source.iterdir() if child.is_dir()]
    if len(subfolders) == 1 and any((subfolders[0] / name).is_dir() for name in KNOWN_FOLDERS):
        return subfolders[0]
    raise SetupError(
        f"{source} does not look like the unpacked gov-reports collection (no folder {KNOWN_FOLDERS[0]}/ in it or in one top folder)"
    )


def check_target(target: Path, wanted: set[PurePosixPath]) -> bool:
    """Whether ``target`` already holds exactly the listed files; a SetupError when it holds other files."""
    if not target.exists():
        return False
    if not target.is_dir():
        raise SetupError(f"target {target} exists and is not a folder")
    present = {PurePosixPath(path.relative_to(target).as_posix()) for path in target.rglob("*") if path.is_file()}
    extra = sorted(present - wanted)
    if extra:
        shown = ", ".join(str(path) for path in extra[:3])
        raise SetupError(f"target {target} holds {len(extra)} file(s) not on the list ({shown} …); choose an empty folder or remove them")
    return present == wanted


def copy_reports(root: Path, target: Path, paths: list[PurePosixPath]) -> int:
    """Copy each listed report from ``root`` to ``target`` under its relative path; the number copied."""
    missing = [str(path) for path in paths if not (root / path).is_file()]
    if missing:
        raise SetupError(f"{len(missing)} listed report(s) missing under {root}: {', '.join(missing[:5])}")
    for path in paths:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / path, destination)
    return len(paths)


@dataclass(frozen=True)
class ReadReport:
    """One copied report as lawsearch reads it: its metadata and its chunks' texts."""

    region: str | None
    level: str | None
    chunks: tuple[str, ...]


def read_reports(target: Path, paths: list[PurePosixPath]) -> dict[str, ReadReport]:
    """Each listed report of ``target`` read with the default chunking, by report id (relative path without .md)."""
    from lawsearch.read import parse_report

    reports = {}
    for path in paths:
        parsed = parse_report(target / path)
        report_id = path.with_suffix("").as_posix()
        reports[report_id] = ReadReport(parsed.meta.region, parsed.meta.level, tuple(chunk.text for chunk in parsed.chunks))
    return reports


def read_jsonl(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SetupError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as error:
        raise SetupError(f"{path}: not JSON lines ({error})") from error


def content_bigrams(query: str) -> set[str]:
    """The two-character Han words inside the query's content words (jieba's cut, frame words left out)."""
    import jieba

    jieba.setLogLevel(60)
    bigrams: set[str] = set()
    for word in jieba.lcut(query):
        if word in FRAME_WORDS:
            continue
        for run in HAN_RUN.findall(word):
            bigrams.update(run[i : i + 2] for i in range(len(run) - 1))
    return bigrams


def check_passages(questions: list[dict], reports: dict[str, ReadReport]) -> list[str]:
    """Problems with the passage questions, one line each."""
    problems = []
    low, high = CONTAINS_CHARS
    for question in questions:
        qid, kind, relevant = question.get("id"), question.get("kind"), question.get("relevant", [])
        if kind == "none":
            if relevant:
                problems.append(f"{qid}: a none question lists passages")
            continue
        if not relevant:
            problems.append(f"{qid}: no relevant passage")
        seen = set()
        for entry in relevant:
            doc, contains = entry["doc"], entry["contains"]
            report = reports.get(doc)
            if report is None:
                problems.append(f"{qid}: no report {doc!r} in the set")
                continue
            if not low <= len(contains) <= high:
                problems.append(f"{qid}: {contains!r} has {len(contains)} characters, not {low}–{high}")
            hits = [i for i, text in enumerate(report.chunks) if contains in text]
            if len(hits) != 1:
                problems.append(f"{qid}: {contains!r} lies in {len(hits)} chunks of {doc} {hits}, not one")
                continue
            if (doc, hits[0]) in seen:
                problems.append(f"{qid}: two entries point at chunk {hits[0]} of {doc}")
            seen.add((doc, hits[0]))
            if kind == "paraphrase":
                shared = sorted(b for b in content_bigrams(question["query"]) if b in report.chunks[hits[0]])
                if shared:
                    problems.append(f"{qid}: paraphrase shares {shared} with chunk {hits[0]} of {doc}")
    return problems


def check_regions(questions: list[dict], reports: dict[str, ReadReport]) -> list[str]:
    """Problems with the region questions, one line each."""
    problems = []
    by_region: dict[str, list[ReadReport]] = {}
    for report in reports.values():
        by_region.setdefault(report.region or "", []).append(report)
    for question in questions:
        qid, level, evidence = question.get("id"), question.get("level"), question.get("evidence", {})
        if set(evidence) != set(question.get("regions", [])):
            problems.append(f"{qid}: evidence and regions name different places")
        for region, text in evidence.items():
            candidates = by_region.get(region, [])
            if not candidates:
                problems.append(f"{qid}: no report has the region {region!r}")
                continue
            if level in ("province", "city", "county") and all(report.level != level for report in candidates):
                problems.append(f"{qid}: {region} is not of level {level}")
            if not any(text in chunk for report in candidates for chunk in report.chunks):
                problems.append(f"{qid}: the evidence {text!r} is in no chunk of {region}'s report")
    return problems


def run_checks(target: Path, paths: list[PurePosixPath], gold: Path, regions: Path) -> list[str]:
    reports = read_reports(target, paths)
    passages, region_questions = read_jsonl(gold), read_jsonl(regions)
    problems = check_passages(passages, reports) + check_regions(region_questions, reports)
    print(f"checked {len(passages)} passage questions and {len(region_questions)} region questions against {len(reports)} reports")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"the unpacked collection (default {DEFAULT_SOURCE}; one top folder inside it is found)",
    )
    parser.add_argument(
        "target", nargs="?", type=Path, default=DEFAULT_TARGET, help=f"where to copy the reports (default {DEFAULT_TARGET})"
    )
    parser.add_argument(
        "--list",
        type=Path,
        default=DEFAULT_LIST,
        dest="list_path",
        help="the file listing the reports (default eval/collection-dev-reports.txt)",
    )
    parser.add_argument("--force", action="store_true", help="copy again even when the target already holds the listed files")
    parser.add_argument("--check", action="store_true", help="then check the gold files against how lawsearch reads the reports")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="passage questions to check (default eval/collection-dev.jsonl)")
    parser.add_argument(
        "--regions", type=Path, default=DEFAULT_REGIONS, help="region questions to check (default eval/collection-dev-regions.jsonl)"
    )
    args = parser.parse_args(argv)
    try:
        paths = read_list(args.list_path)
        if check_target(args.target, set(paths)) and not args.force:
            print(f"{args.target} already holds the {len(paths)} reports (use --force to copy them again)")
        else:
            root = collection_root(args.source)
            copied = copy_reports(root, args.target, paths)
            print(f"copied {copied} reports from {root} to {args.target}")
            print(f"next: lawsearch index {args.target} --index /tmp/collection-idx")
        problems = run_checks(args.target, paths, args.gold, args.regions) if args.check else []
    except SetupError as error:
        print(f"make_collection_dev: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"make_collection_dev: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    if problems:
        print(f"make_collection_dev: {len(problems)} problem(s) in the gold files", file=sys.stderr)
        return 1
    if args.check:
        print("gold files agree with the reader")
    return 0


if __name__ == "__main__":
    sys.exit(main())
