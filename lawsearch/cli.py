"""The ``lawsearch`` command line. Each command does one call and renders it; errors become one line and exit 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import checks
from ._version import __version__
from .batch import BATCH_RESULT_FIELDS, SearchOptions, answer_lines, read_batch
from .errors import LawsearchError, QueryError
from .index.pending import LEXICAL_FIRST_PASSAGES, VECTOR_TIMES
from .models import LEVELS
from .read.chunks import DEFAULT_MAX_CHARS, DEFAULT_MAX_CHUNKS, DEFAULT_MIN_CHARS
from .read.files import DEFAULT_MAX_FILE_BYTES
from .read.kinds import KINDS
from .search.query import MAX_QUERY_CHARS
from .terminal import dumps_json, printable

index_option = click.option(
    "--index",
    "index_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=str),
    help="Index folder [default: $LAWSEARCH_INDEX, else ./indexes/default].",
)


def _found(index_dir: str | None) -> str:
    """The index a reading command means (see lawsearch.index.locate)."""
    from .index.locate import find_index

    return str(find_index(index_dir))


def _target(index_dir: str | None) -> str:
    """The index a writing command writes (see lawsearch.index.locate)."""
    from .index.locate import index_target

    return str(index_target(index_dir))


def _writer_options(function: Any) -> Any:
    """Options every command that writes the index shares: where, how long to wait for another writer, quiet, JSON."""
    options = [
        index_option,
        click.option(
            "--wait",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds to wait for another writer to finish (by default fail at once).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bars."),
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
    ]
    return _stacked(options, function)


def _with_ray_options(function: Any) -> Any:
    return _stacked(_ray_options(), function)


def _ray_address_option(help_text: str) -> Any:
    """``--ray [ADDRESS]``: a bare --ray means ``local``."""
    return click.option("--ray", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]", help=help_text)


def _ray_options() -> list[Any]:
    """Where reading and embedding run: on a Ray cluster (lawsearch.cluster.ray_build) or here."""
    return [
        _ray_address_option(
            "Read and embed on a Ray cluster (pip install 'lawsearch[ray]'); the index is written here as always. "
            "A bare --ray (last, or before another option) starts one on this machine's cores; --ray=auto joins the "
            "cluster `ray start --head` began here; --ray=HOST:PORT or --ray=ray://HOST:10001 another one."
        ),
        click.option(
            "--ray-gpus",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            metavar="N",
            help="GPUs for each embedding actor with --ray (0: CPUs only; give --device cuda too).",
        ),
    ]


def _shard_options(function: Any) -> Any:
    """Where a shard set's shards answer (lawsearch.search.sharded), and how long a search waits for them."""
    from .search.fanout import DEFAULT_SHARD_TIMEOUT

    options = [
        _ray_address_option(
            "With a shard set (--index SET): open each shard in an actor on a Ray cluster (a bare --ray: one on this "
            "machine's cores; auto, HOST:PORT, ray://HOST:10001 as for `index --ray`). Without it the shards answer here."
        ),
        click.option(
            "--shard-timeout",
            type=click.FloatRange(min=0.1),
            default=DEFAULT_SHARD_TIMEOUT,
            show_default=True,
            metavar="SECONDS",
            help="With a shard set: how long each round of a search waits for its shards; one that has not answered is named in the "
            'results ("shards": {"answered": 2, "of": 3, "missing": [...]}).',
        ),
    ]
    return _stacked(options, function)


def _open(index_dir: str | None, **engine: Any) -> Any:
    """The index (or shard set) named, opened for search (``engine``: what lawsearch.open_index takes)."""
    from .search.sharded import open_index

    return open_index(_found(index_dir), **engine)


def _stacked(options: list[Any], function: Any) -> Any:
    """``function`` under ``options``, the first one listed first in --help."""
    for option in reversed(options):
        function = option(function)
    return function


def _read_limit_options() -> list[Any]:
    """What reading one PDF, Word or HTML file may cost (it is read in a worker process under these limits)."""
    from .read.sandbox import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, DEFAULT_SECONDS_PER_MB

    return [
        click.option(
            "--read-memory-mb",
            type=click.IntRange(min=64),
            default=DEFAULT_MEMORY_MB,
            show_default=True,
            help="Memory (address space) one PDF, Word or HTML file may take to read; a file over it is listed as failed.",
        ),
        click.option(
            "--read-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=DEFAULT_SECONDS,
            show_default=True,
            metavar="SECONDS",
            help=f"Time one such file may take to read, plus {DEFAULT_SECONDS_PER_MB:.0f} s per MB; a file over it is listed as failed.",
        ),
    ]


def _with_read_limits(function: Any) -> Any:
    return _stacked(_read_limit_options(), function)


def _read_limits(options: dict[str, Any]) -> Any:
    """The ReadLimits of the --read-* options (taken out of ``options``)."""
    from .read.sandbox import ReadLimits

    return ReadLimits(memory_mb=options.pop("read_memory_mb"), seconds=options.pop("read_timeout"))


EXIT_ERROR = 1


class _ModeChoice(click.Choice[str]):
    """``--mode``: a click.Choice of the search modes (``lawsearch.search.ranking.MODES``, a light module), listed in
    --help and completed by the shell. An unknown mode is the one-line error of the Python and web APIs, with exit 1:
    ``error: unknown mode 'fuzzy'; choose one of lexical, dense, hybrid``."""

    def __init__(self) -> None:
        from .search.ranking import MODES

        super().__init__(MODES)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return checks.choice("mode", value, self.choices)  # an ArgumentError, which _Group prints as one line


class _Group(click.Group):
    """Turns a LawsearchError anywhere below into ``error: <message>`` on stderr, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LawsearchError as exc:
            click.echo(f"error: {printable(exc)}", err=True)  # messages name files and quote input
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lawsearch")
@click.option("--color/--no-color", default=None, help="Colour the output [default: only on a terminal, never when NO_COLOR is set].")
@click.pass_context
def main(ctx: click.Context, color: bool | None) -> None:
    """Search Chinese government rule-of-law reports (法治政府建设年度报告).

    \b
    Examples:
      lawsearch index seeds/                                   # build indexes/default from a folder
      lawsearch search "哪些地区建立了调解员联盟" --by-region    # the regions that did it, with evidence
      lawsearch search '"调解员联盟"' --mode lexical --json      # an exact phrase, as JSON
      lawsearch info                                           # what the index holds
      lawsearch chunks seeds/000_e216814a7c54799f.txt          # how one report is read and split
      lawsearch serve                                          # a search page at http://127.0.0.1:8000/

    The index is --index DIR, else $LAWSEARCH_INDEX, else ./indexes/default.
    """
    if color is None and os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        color = False
    ctx.color = color  # None: click decides (colour on a terminal, plain text into a pipe or file)


def _dump_json(data: Any) -> None:
    click.echo(dumps_json(data, indent=2))  # json.dumps escapes controls; dumps_json also lone surrogates


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: {report: {...}, chunks: [...]}.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=20),
    default=DEFAULT_MAX_CHARS,
    show_default=True,
    help="Split paragraphs longer than this at sentence ends.",
)
@click.option(
    "--min-chars",
    type=click.IntRange(min=0),
    default=DEFAULT_MIN_CHARS,
    show_default=True,
    help="Merge paragraphs shorter than this with a neighbour under the same heading.",
)
@click.option("--dropped", "show_dropped", is_flag=True, help="Also list every line the reader removed, with the rule that removed it.")
@_with_read_limits
def chunks(file: str, as_json: bool, max_chars: int, min_chars: int, show_dropped: bool, **read_options: Any) -> None:
    """Show how one report is read: its metadata, then each chunk with its heading path.

    \b
    Examples:
      lawsearch chunks seeds/001_a27f8d567ac8393e.txt
      lawsearch chunks saved_page.html --dropped        # what was removed as page chrome, and why
      lawsearch chunks report.html --json | jq '.chunks[].heading_path'
      lawsearch chunks report.txt --max-chars 300
    """
    from .read import parse_report

    parsed = parse_report(file, max_chars=max_chars, min_chars=min_chars, limits=_read_limits(read_options))
    if as_json:
        _dump_json(parsed.to_dict(dropped=show_dropped))
        return
    meta = parsed.meta
    click.secho(printable(meta.title), bold=True)
    details = meta.to_dict()
    for label in (
        "region",
        "level",
        "agency",
        "kind",
        "year",
        "published",
        "subtitle",
        "delivered",
        "speaker_office",
        "speaker",
        "signed_by",
        "signed",
        "doc_number",
        "index_number",
    ):
        value = meta.region_label if label == "region" else details.get(label)
        if value is not None or label in ("region", "level", "agency", "kind", "year", "published"):
            click.echo(f"  {label:<15}{printable(value) if value is not None else '—'}")
    click.echo(f"  {'report':<15}{printable(meta.report_id)}")
    click.echo(f"  {'source':<15}{printable(parsed.report.source)} ({parsed.report.encoding})")
    click.echo(f"  {'chunks':<15}{len(parsed.chunks)}")
    click.echo(f"  {'dropped lines':<15}{len(parsed.dropped)}" + ("" if show_dropped or not parsed.dropped else "  (--dropped lists them)"))
    if show_dropped and parsed.dropped:
        click.echo()
        width = max(len(line.rule) for line in parsed.dropped)
        for line in parsed.dropped:
            click.echo(f"  {line.number:>5}  " + click.style(f"{line.rule:<{width}}", fg="yellow") + f"  {printable(line.text)}")
    for chunk in parsed.chunks:
        click.echo()
        path = " › ".join(chunk.heading_path) or "(before the first heading)"
        click.secho(printable(f"[{chunk.id}] {path}"), fg="cyan")
        click.echo(printable(chunk.text, keep="\n"))


def _embedder_options(function: Any) -> Any:
    """Options of the writer shared by index and add: the embedder and how it runs, chunking, which files to index."""
    options = [
        click.option(
            "--model",
            default=None,
            help="Embedder for a new index: the bundled e5-small-q4 (default), or a sentence-transformers model by local "
            "path or hub name. An existing index keeps its model: naming another is refused, unless "
            "`lawsearch index DIR --rebuild --model M` re-embeds every report with M.",
        ),
        click.option("--device", help="Where a sentence-transformers model runs: cpu, cuda, cuda:1 … (default: its choice)."),
        click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True, help="Passages embedded at a time."),
        click.option(
            "--vectors",
            type=click.Choice(VECTOR_TIMES),
            default="auto",
            show_default=True,
            help="When new reports get their vectors: now (in this commit), later (commit the words alone, searchable at "
            "once; `lawsearch embed` makes the vectors, here or on another machine), auto (now, unless there are more than "
            f"{LEXICAL_FIRST_PASSAGES:,} passages to embed: then the words are committed first and the vectors follow, "
            "committed batch by batch).",
        ),
        click.option(
            "--lexical",
            type=click.Choice(("whoosh", "tantivy")),
            default=None,
            help="The word index of a new index (or of --rebuild): whoosh (default: $LAWSEARCH_LEXICAL, else whoosh) or "
            "tantivy, about three times faster to build at thousands of reports. An existing index keeps its own.",
        ),
        click.option("--query-prefix", help="Override the prefix put before queries (e5: 'query: ', bge-zh: its instruction)."),
        click.option("--passage-prefix", help="Override the prefix put before passages (e5: 'passage: ')."),
        click.option(
            "--allow-download",
            is_flag=True,
            help="Let a hub name be downloaded (by default only local folders and the local hub cache are used).",
        ),
        click.option(
            "--max-chars",
            type=click.IntRange(min=20),
            default=DEFAULT_MAX_CHARS,
            show_default=True,
            help="Split paragraphs longer than this.",
        ),
        click.option(
            "--min-chars",
            type=click.IntRange(min=0),
            default=DEFAULT_MIN_CHARS,
            show_default=True,
            help="Merge paragraphs shorter than this.",
        ),
        click.option(
            "--max-file-mb",
            type=click.FloatRange(min=0, min_open=True),
            default=DEFAULT_MAX_FILE_BYTES / 1e6,
            show_default=True,
            help="Skip (and list) report files larger than this many megabytes.",
        ),
        click.option(
            "--include-all",
            is_flag=True,
            help="Index files that do not look like reports too (mostly not Chinese, or short without numbered sections).",
        ),
        click.option(
            "--max-chunks",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_CHUNKS,
            show_default=True,
            help="Refuse (and list) a report that splits into more chunks than this.",
        ),
        *_read_limit_options(),
        *_ray_options(),
    ]
    return _writer_options(_stacked(options, function))


def _writer(index_dir: str, options: dict[str, Any], shards: int | None = None) -> Any:
    from .index.sharded_writer import writer_for

    quiet = options.pop("quiet")
    max_file_bytes = int(options.pop("max_file_mb") * 1e6)
    return writer_for(index_dir, shards, progress=not quiet, max_file_bytes=max_file_bytes, read_limits=_read_limits(options), **options)


@contextmanager
def _json_errors(as_json: bool, index_dir: Callable[[], str | None], summary: Any = None) -> Iterator[None]:
    """With --json an error is still one JSON object on stdout — ``{"index", "ok": false, "error"}`` and what ``summary``
    holds so far (each file that failed, and why) — beside the one-line error on stderr; exit 1."""
    try:
        yield
    except LawsearchError as exc:
        if not as_json:
            raise
        click.echo(f"error: {printable(exc)}", err=True)
        _dump_json({"index": index_dir(), "ok": False, "error": str(exc), **(summary.to_dict() if summary is not None else {})})
        sys.exit(EXIT_ERROR)


def _report_update(summary: Any, index_dir: str, as_json: bool) -> None:
    """Print what an update did (stderr, or JSON on stdout) and exit 1 when some files failed."""
    if as_json:
        _dump_json({"index": index_dir, **summary.to_dict()})
    else:
        click.echo(
            printable(f"{index_dir}: {summary.line()}")
            + (f"; {summary.chunks} chunks written" if summary.generation else "; nothing to change"),
            err=True,
        )
        stats = summary.embedding
        if stats.texts:
            rate = f" ({stats.passages_per_second:.1f} passages/s)" if stats.embedded else ""
            click.echo(
                f"embedded {stats.embedded} passage(s) in {stats.seconds:.1f} s{rate}, {stats.cached} from the cache, with {printable(summary.embedder)}",
                err=True,
            )
        for note in summary.notes:
            click.echo(f"note: {printable(note)}", err=True)
        for path, reason in summary.failed:
            click.echo(f"failed: {printable(path)}: {printable(reason)}", err=True)
    if summary.failed:
        sys.exit(EXIT_ERROR)


@main.command()
@click.argument("src", required=False, type=click.Path(exists=True, path_type=str))
@click.option("--rebuild", is_flag=True, help="Re-read and re-index every report (vectors still come from the cache).")
@click.option("--upgrade", is_flag=True, help="Rebuild an index of an older format from its recorded report files (no SRC).")
@click.option(
    "--shards",
    type=click.IntRange(2, 256),
    default=None,
    metavar="N",
    help="Make a new index a shard set: the reports split by id into N indexes (INDEX/shard-0 …), searched as one "
    "(search, serve, eval with --index INDEX; --ray to put the shards on a Ray cluster). A set keeps its N.",
)
@_embedder_options
def index(src: str | None, index_dir: str, rebuild: bool, upgrade: bool, shards: int | None, as_json: bool, **options: Any) -> None:
    """Build or refresh the index from a folder (or one file) of reports.

    Only new, changed (by sha256) and removed reports are processed; with nothing changed it
    touches nothing. Files that cannot be read (special files, link loops, files over
    --max-file-mb, undecodable names …) are listed with their reasons and skipped (exit 1);
    what was indexed before stays. A file that is gone, or a link whose target vanished, is a
    removed report. Each update is committed in one atomic switch: searches see the old index or
    the new one, never half of one, and a crash leaves the last committed index.

    A file that is not a report (a README, a short note) is skipped with a note, without changing the
    exit status; --include-all indexes it anyway. A file that is the same report as one indexed (saved
    from another site, or in another format) is recorded as another source of it, not indexed twice.
    Lines that recur across the reports (site chrome) are learned from the folder and dropped.

    --rebuild re-reads every report of SRC and also those added from elsewhere (`lawsearch add`), from
    their recorded files; one whose file is gone is kept as it was when the chunking stays, else dropped
    and listed. It needs no readable manifest: an index whose manifest is damaged is rebuilt from SRC and
    the damaged generation set aside, not deleted. With --json every outcome, errors included, is one
    JSON object on stdout.

    \b
    Examples:
      lawsearch index seeds/
      lawsearch index reports/ --index indexes/hrss --max-chars 400
      lawsearch index --upgrade --index indexes/old        # after a lawsearch upgrade changed the format
      lawsearch index seeds/ --index indexes/bge --model BAAI/bge-small-zh-v1.5 --device cuda
      lawsearch index seeds/ --index indexes/mine --model ~/models/my-model --passage-prefix "passage: "
      lawsearch index ~/reports --index indexes/all --lexical tantivy --vectors later   # thousands of reports
      lawsearch index ~/reports --index indexes/all --ray                # read and embed on a local Ray cluster
      lawsearch index ~/reports --index indexes/set --shards 3           # three shards, searched as one
    """
    from .index.writer import UpdateSummary

    summary = UpdateSummary()
    with _json_errors(as_json, lambda: index_dir, summary):
        index_dir = _target(index_dir)
        if upgrade:
            if src is not None or rebuild:
                raise LawsearchError("--upgrade re-reads the index's own recorded report files: give no SRC and no --rebuild")
            _writer(index_dir, options, shards).upgrade(summary)
        elif src is None:
            raise LawsearchError("give a folder or file of reports (SRC), or --upgrade")
        else:
            _writer(index_dir, options, shards).sync_folder(src, rebuild=rebuild, summary=summary)
    _report_update(summary, index_dir, as_json)


@main.command()
@_writer_options
@click.option("--device", help="Where a sentence-transformers model runs: cpu, cuda, cuda:1 … (default: its choice).")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True, help="Passages embedded at a time.")
@_with_ray_options
def embed(
    index_dir: str | None, wait: float, quiet: bool, as_json: bool, device: str | None, batch_size: int, ray: str | None, ray_gpus: float
) -> None:
    """Make the vectors of reports indexed without them, batch by batch.

    `lawsearch index --vectors later` commits the words alone (searchable at once); a large
    `index` does so by itself and embeds after. What is embedded is committed about once a
    minute: searches see coverage grow, Ctrl-C keeps every commit (and every vector made, in the
    embedding cache), and the next `embed` goes on from there. `lawsearch info` shows how far it
    has got. The index's own model is used; --device runs it on a GPU.

    \b
    Examples:
      lawsearch index reports/ --vectors later && lawsearch embed
      lawsearch embed --index indexes/all --device cuda --batch-size 128
      lawsearch embed --index indexes/all --ray=auto                     # on the Ray cluster started here
    """
    from .index.sharded_writer import writer_for
    from .index.writer import UpdateSummary

    summary = UpdateSummary()
    with _json_errors(as_json, lambda: index_dir, summary):
        index_dir = _found(index_dir)
        writer = writer_for(index_dir, progress=not quiet, wait=wait, device=device, batch_size=batch_size, ray=ray, ray_gpus=ray_gpus)
        writer.embed_pending(summary)
    if as_json:
        _dump_json({"index": index_dir, **summary.to_dict()})
        return
    stats = summary.embedding
    rate = f" ({stats.passages_per_second:.1f} passages/s)" if stats.embedded else ""
    done = "every report has its vectors" if not summary.pending else f"{summary.pending:,} report(s) still without vectors"
    click.echo(printable(f"{index_dir}: embedded {stats.embedded:,} passage(s){rate}, {stats.cached:,} from the cache; {done}"), err=True)
    for note in summary.notes:
        click.echo(printable(f"note: {note}"), err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@_embedder_options
def add(files: tuple[str, ...], index_dir: str, as_json: bool, **options: Any) -> None:
    """Add report files to the index; a file whose id is indexed replaces it. The id of a file inside a folder
    the index was built from is its path below that folder without extension (as `index` gives it), else its name
    without extension.

    \b
    Examples:
      lawsearch add new/005_nanshan_2023.txt
      lawsearch add corrected/002_e3a39e3814c16024.txt --index indexes/hrss
    """
    from .index.writer import UpdateSummary

    summary = UpdateSummary()
    with _json_errors(as_json, lambda: index_dir, summary):
        index_dir = _target(index_dir)
        _writer(index_dir, options).add_files(files, summary)
    _report_update(summary, index_dir, as_json)


@main.command()
@click.argument("report_ids", nargs=-1, required=True)
@_writer_options
def remove(report_ids: tuple[str, ...], index_dir: str | None, wait: float, quiet: bool, as_json: bool) -> None:
    """Remove reports (by id, as `lawsearch info` lists them) from the index.

    \b
    Examples:
      lawsearch remove 002_e3a39e3814c16024
      lawsearch remove 002_e3a39e3814c16024 --wait 60 -q     # after a running `lawsearch index` is done
    """
    from .index.folder import IndexFolder
    from .index.sharded_writer import writer_for
    from .index.shardset import is_shard_set
    from .index.writer import UpdateSummary

    summary = UpdateSummary()
    with _json_errors(as_json, lambda: index_dir, summary):
        index_dir = _target(index_dir)  # a writer never falls back to another index than the one it was told
        if not is_shard_set(index_dir):
            IndexFolder(index_dir).current()  # no index there: say so (and make no folder)
        writer_for(index_dir, wait=wait, progress=not quiet).remove(report_ids, summary)
    _report_update(summary, index_dir, as_json)


@main.command(name="eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@index_option
@click.option("--modes", default="lexical,dense,hybrid", show_default=True, help="Comma-separated modes to evaluate.")
@click.option(
    "--fusion",
    default=None,
    help="Hybrid fusion: score (default: the 0–1 score of words, characters and sentence vectors), convex or rrf of the raw lists.",
)
@click.option("--dense-weight", type=click.FloatRange(0.0, 1.0), default=None, help="Weight of the dense list in hybrid mode.")
@click.option("--per-query", is_flag=True, help="Also list each query's figures.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(
    gold: tuple[str, ...],
    index_dir: str | None,
    modes: str,
    fusion: str | None,
    dense_weight: float | None,
    per_query: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Evaluate the index on gold files: hit@1/5/10, MRR@10, nDCG@10 per mode and query kind, the floor's two
    sides (questions nothing answers with no hit; answerable ones with a hit), and for 哪些地区 questions whether the
    expected regions lead and the answer set's F1, overall and per kind.

    Passage gold lines: {"id", "query", "kind", "relevant": [{"doc": REPORT_ID, "contains": TEXT}]}; a hit is
    relevant when its report is DOC and its text contains TEXT. Region gold lines: {"id", "query", "kind",
    "regions": [...]} (kind optional).

    \b
    Examples:
      lawsearch eval eval/seeds-dev.jsonl eval/seeds-dev-regions.jsonl
      lawsearch eval eval/seeds-dev.jsonl --modes hybrid --fusion rrf --json
    """
    from tqdm import tqdm

    from .engine import check_options
    from .evaluate import CUTOFF, evaluate, format_report, read_gold

    chosen = [mode.strip() for mode in modes.split(",") if mode.strip()] or [modes]
    for mode in chosen:
        check_options(mode=mode)
    method = check_options(fusion=fusion)  # the default when none is given
    records = [record for path in gold for record in read_gold(path)]
    index_dir = _found(index_dir)
    with (
        _open(index_dir) as engine,
        tqdm(total=len(records) * len(chosen), desc="eval", unit="query", file=sys.stderr, disable=quiet, leave=False) as bar,
    ):

        def search(query: str, mode: str) -> Any:
            bar.set_postfix_str(mode, refresh=False)
            bar.update()
            return engine.search(query, mode=mode, top_k=CUTOFF, fusion=method, dense_weight=dense_weight)

        report = evaluate(search, records, chosen)
    if as_json:
        _dump_json({"index": index_dir, "queries": len(records), "fusion": method, "dense_weight": dense_weight, **report.to_dict()})
        return
    click.echo(f"{len(records)} queries, fusion {method}, dense weight {dense_weight if dense_weight is not None else 'default'}")
    click.echo(format_report(report))
    if per_query:
        for row in report.per_query:
            figures = "  ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k not in ("id", "mode", "kind")
            )
            click.echo(f"{row['mode']:<8}{row['id'] or '':<8}{row['kind']:<12}{figures}")


@main.command()
@click.option(
    "--repair", is_flag=True, help="Repair a damaged index: re-point CURRENT, or rebuild damaged parts from the recorded report files."
)
@_writer_options
def check(index_dir: str | None, repair: bool, wait: float, quiet: bool, as_json: bool) -> None:
    """Verify the index: the CURRENT pointer, the manifest, the checksum of every file, and that the
    manifest, the chunk files, the lexical and the dense index hold the same chunks. Exit 1 on any problem.

    With --repair: point CURRENT at the newest generation that verifies; when that one is damaged,
    re-read its damaged reports from their recorded files (vectors from the embedding cache) into a
    new generation, and list the reports that had to be dropped because their file is gone. When no
    manifest can be read, rebuild from the report files the damaged one still names; when it names
    none, say so (then `lawsearch index DIR --rebuild` rebuilds from the folder). Damaged generations
    are set aside, never deleted. Then verify again. With --json an error is a JSON object too.

    \b
    Examples:
      lawsearch check
      lawsearch check --index indexes/hrss --json
      lawsearch check --repair
    """
    from .verify import verify_index

    repaired = None
    with _json_errors(as_json, lambda: index_dir):
        index_dir = _target(index_dir) if repair else _found(index_dir)
        if repair:
            from .index.sharded_writer import writer_for

            repaired = writer_for(index_dir, wait=wait, progress=not quiet and not as_json).repair()
        problems, chunks = verify_index(index_dir)
    if as_json:
        _dump_json(
            {
                "index": index_dir,
                "ok": not problems,
                "chunks": chunks,
                "problems": problems,
                **({"repair": repaired.to_dict()} if repaired is not None else {}),
            }
        )
    else:
        if repaired is not None:
            _echo_repair(repaired)
        for problem in problems:
            click.echo(f"problem: {printable(problem)}", err=True)
        click.echo(printable(f"{index_dir}: {'ok' if not problems else f'{len(problems)} problem(s)'}, {chunks} chunks"))
        if problems and not repair:
            click.echo(printable(f"run `lawsearch check --repair --index {index_dir}` to repair it"), err=True)
    if problems or (repaired is not None and repaired.dropped):  # a dropped report is a loss the exit status shows
        sys.exit(EXIT_ERROR)


def _echo_repair(summary: Any) -> None:
    """What ``check --repair`` found and did, on stderr."""
    for problem in summary.problems:
        click.echo(f"found: {printable(problem)}", err=True)
    for note in summary.notes:
        click.echo(f"repair: {printable(note)}", err=True)
    if summary.action == "sound":
        click.echo(f"repair: nothing to repair ({summary.generation} verifies)", err=True)
    elif summary.action == "repointed":
        click.echo(f"repair: CURRENT now names {summary.generation}, the newest generation that verifies", err=True)
    else:
        click.echo(
            f"repair: rebuilt as {summary.generation}; re-read {len(summary.reread)} report(s) from their files"
            + (f": {printable(', '.join(summary.reread))}" if summary.reread else ""),
            err=True,
        )
    for report_id, reason in summary.dropped:
        click.echo(f"dropped: {printable(report_id)}: {printable(reason)}", err=True)


def _render_answer(answers: Any, explain: bool) -> None:
    """The answer to a 哪些… question first: the regions that answer with one evidence line each, then the related
    regions that do not, and how many regions of that level the index holds."""
    if answers.answer:
        click.secho(f"Answer: {answers.coverage}", bold=True)
    else:
        click.secho(f"No region answers ({answers.coverage}).", bold=True)
    for number, answer in enumerate(answers.answer, start=1):
        label = f"{answer.region} ({answer.region_parent})" if answer.region_parent else answer.region
        click.echo(click.style(f"{number:>2}. {printable(label)}", bold=True) + "  " + click.style(f"{answer.score:.3f}", fg="green"))
        _render_hits(list(answer.evidence[:1]), indent="    ", explain=explain)
    if answers.related:
        names = ", ".join(f"{printable(a.region)} {a.score:.2f}" for a in answers.related[:8])
        more = f" … and {len(answers.related) - 8} more" if len(answers.related) > 8 else ""
        click.echo(click.style("Related, not answering: ", dim=True) + names + more)


def _render_hits(hits: list[Any], indent: str = "", explain: bool = False) -> None:
    """Hits for people; every piece of report text goes through printable() (a report must not drive the terminal)."""
    for rank, hit in enumerate(hits, start=1):
        where = printable(" · ".join(str(x) for x in (hit.region or "(region unknown)", hit.year) if x))
        click.echo(
            f"{indent}{rank:>2}. "
            + click.style(f"{hit.score:.3f}", fg="green")
            + f"  {where}  "
            + click.style(printable(hit.report_id), dim=True)
        )
        if explain:
            raw = [
                f"{name} rank {r} score {sc:.4f}"
                for name, r, sc in (("BM25F", hit.lexical_rank, hit.lexical_score), ("cosine", hit.dense_rank, hit.dense_score))
                if r is not None
            ]
            held = " · ".join(printable(term) for term in hit.focal_terms) or "none"
            raw.append(f"focal terms in its best sentence: {held} (share {hit.focal:.2f})")
            click.echo(f"{indent}    " + click.style("; ".join(raw), dim=True))
        if hit.heading_path:
            click.echo(f"{indent}    " + click.style(printable(" › ".join(hit.heading_path)), fg="cyan"))
        styled = "".join(
            click.style(printable(segment), bold=True, fg="yellow") if marked else printable(segment)
            for segment, marked in hit.snippet_parts
        )
        click.echo(f"{indent}    {styled}")


@main.command()
@click.argument("query", required=False)
@index_option
@click.option(
    "--mode", type=_ModeChoice(), default="hybrid", show_default=True, help="lexical (BM25F), dense (embeddings) or hybrid (both fused)."
)
@click.option("--top-k", "-k", type=click.IntRange(min=1, max=100), default=10, show_default=True, help="How many hits (1–100).")
@click.option("--region", multiple=True, help="Only reports of this region (滨江, 滨江区, or its city 杭州); repeat for any of several.")
@click.option("--year", type=int, multiple=True, help="Only reports on this year; repeat for any of several.")
@click.option("--kind", type=click.Choice(KINDS), multiple=True, help="Only reports of this kind; repeat for any of several.")
@click.option("--level", type=click.Choice(LEVELS), multiple=True, help="Only reports of bodies at this level; repeat for any of several.")
@click.option("--by-region", is_flag=True, help="Group the answer by region: which regions did it, with their best evidence.")
@click.option(
    "--fusion",
    default=None,
    help="Hybrid fusion: score (default: the 0–1 score of words, characters and sentence vectors), convex or rrf of the raw lists.",
)
@click.option("--dense-weight", type=click.FloatRange(0.0, 1.0), default=None, help="Weight of the dense list in hybrid mode.")
@click.option(
    "--no-floor",
    is_flag=True,
    help="Show the nearest passages even when none matches well (no relevance floor, no question floor).",
)
@click.option("--model", help="Only to check: fail unless the index was built with this model (search always uses the index's own).")
@click.option("--device", help="Where a sentence-transformers query model runs (cpu, cuda …).")
@click.option(
    "--batch",
    "batch",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    help='File of queries (UTF-8; one a line, or JSON lines with "query" and e.g. "id", echoed back; - for stdin); '
    "prints one JSON answer a line (see below).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--explain", is_flag=True, help="Also show each hit's raw retriever ranks and scores (BM25F, cosine of its best sentence).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "csv"]),
    default=None,
    help="csv: one row per hit with its report's metadata (with --by-region: one row per region). json: as --json.",
)
@_shard_options
def search(
    query: str | None,
    index_dir: str | None,
    mode: str,
    top_k: int,
    region: tuple[str, ...],
    year: tuple[int, ...],
    kind: tuple[str, ...],
    level: tuple[str, ...],
    by_region: bool,
    fusion: str | None,
    dense_weight: float | None,
    no_floor: bool,
    model: str | None,
    device: str | None,
    batch: str | None,
    as_json: bool,
    explain: bool,
    output_format: str | None,
    ray: str | None,
    shard_timeout: float,
) -> None:
    """Search the index. Quote a phrase ("调解员联盟") to require it exactly.

    Scores are on one 0–1 scale (hits and regions alike): jieba words, Han characters and the best sentence's
    meaning, combined with weights chosen by cross-validation (lawsearch/search/ranking.py). A passage that matches
    neither by words nor by meaning well enough is not shown, and in dense and hybrid mode a question whose nearest
    passages are all about as near as each other gets none (unless one sentence names every key term of it): the
    answer is then "no passage matches well" (exit 0); --no-floor shows the nearest passages anyway. --explain adds
    the raw BM25F and cosine values and the key (focal) terms a hit's best sentence holds.

    A query longer than {cap} characters is cut to its first {cap} (a note on stderr; in JSON
    "query_truncated": {{"from": N, "to": {cap}}}); control characters and undecodable bytes in it are
    replaced.

    With --batch, each non-blank line gets one JSON line: the line's fields other than "query" (e.g.
    "id"), then the result ({{"query", "mode", "hits", "regions"}}) or {{"query", "error"}} for a query that
    cannot be run. Fields named like a result field ({fields}) come back under "input" instead.

    Filters: several values of one (--region 滨江 --region 罗湖) are alternatives; different filters must
    all hold. A region or year the index holds no report of is an error that names the closest it holds.
    A line that is not UTF-8, not a JSON object or has no "query" string gets {{"line": N, "error": ...}}.
    Exit status 1 when any line failed.

    \b
    Examples:
      lawsearch search "哪些地区建立了调解员联盟" --by-region
      lawsearch search "行政复议" --region 滨江 --year 2022 --top-k 5
      lawsearch search "执法" --region 滨江 --region 南昌县 --year 2022 --year 2023
      lawsearch search "就业" --kind 政府工作报告 --level province
      lawsearch search '"三项制度" 执法' --mode lexical --json
      lawsearch search --batch questions.txt > answers.jsonl
      lawsearch search "哪些省份提出了发展低空经济" --by-region --format csv > regions.csv
      lawsearch search "调解员联盟" --index indexes/set --ray --shard-timeout 5   # a shard set on Ray
    """
    from .engine import check_options

    if batch is None and (query is None or not query.strip()):
        raise QueryError("empty query (give a QUERY or --batch FILE)")
    if batch is not None and query is not None:
        raise QueryError("give either a QUERY or --batch FILE, not both")
    method = check_options(fusion=fusion)  # the default when none is given; modes, kinds and levels are click Choices
    lines = read_batch(batch) if batch is not None else []
    options: SearchOptions = {
        "mode": mode,
        "top_k": top_k,
        "region": region or None,
        "year": year or None,
        "kind": kind or None,
        "level": level or None,
        "fusion": method,
        "dense_weight": dense_weight,
        "apply_floor": not no_floor,
    }
    with _open(index_dir, ray=ray, timeout=shard_timeout, model=model, device=device) as engine:
        if batch is not None:
            failed = 0
            for text, ok in answer_lines(engine, lines, options):
                failed += not ok
                click.echo(text)
            if failed:
                click.echo(f'error: {failed} of {len(lines)} queries failed (see their "error" fields)', err=True)
                sys.exit(EXIT_ERROR)
            return
        assert query is not None
        results = engine.search(query, by_region=by_region, **options)
    for note in results.notes:  # e.g. that the query was cut
        click.echo(f"note: {printable(note)}", err=True)
    if as_json or output_format == "json":
        click.echo(results.to_json(indent=2, explain=explain))
        return
    if output_format == "csv":
        click.echo(results.to_csv(by_region=by_region), nl=False)
        return
    if results.answers is not None:
        _render_answer(results.answers, explain)
        if by_region or not results.hits:
            return
        click.echo()
    if not results.hits:
        click.echo("no passage matches well (nothing cleared the relevance floor; --no-floor shows the nearest passages)")
        return
    if by_region:
        for number, group in enumerate(results.by_region(), start=1):
            label = f"{group.region} ({group.region_parent})" if group.region_parent else group.region
            click.echo(click.style(f"{number}. {printable(label)}", bold=True) + f"  {group.score:.3f}")
            _render_hits(list(group.hits), indent="   ", explain=explain)
        return
    _render_hits(results.hits, explain=explain)


search.help = (search.help or "").format(cap=MAX_QUERY_CHARS, fields=", ".join(BATCH_RESULT_FIELDS))


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info(index_dir: str | None, as_json: bool) -> None:
    """Describe an index: embedder, analyzer, counts, the years and kinds of its reports, and the reports.

    \b
    Examples:
      lawsearch info
      lawsearch info --index indexes/hrss --json
    """
    from .index.folder import IndexFolder
    from .index.shardset import ShardSet, describe_set, is_shard_set

    index_dir = _found(index_dir)
    data = describe_set(ShardSet.read(index_dir)) if is_shard_set(index_dir) else IndexFolder(index_dir).describe()
    if as_json:
        _dump_json(data)
        return
    for key in ("index", "generation", "reports", "chunks", "created", "updated", "analyzer", "lexical"):
        click.echo(f"{key:<11}{printable(data[key])}")
    for shard in data.get("shards", []):
        click.echo(printable(f"{'shard':<11}{shard['name']}: {shard['reports']:,} reports ({shard['generation']})"))
    click.echo(f"{'embedder':<11}{printable(data['embedder'].get('id'))} (dim {printable(data['embedder'].get('dim'))})")
    covered = data["dense_coverage"]
    left = covered["of"] - covered["reports"]
    click.echo(
        f"{'vectors':<11}for {covered['reports']:,} of {covered['of']:,} reports ({covered['chunks']:,} of {covered['chunks_of']:,} chunks)"
        + (f"; {left:,} still to embed: run `lawsearch embed`" if left else "")
    )
    base = data.get("vector_base")
    if base and "error" not in base:
        click.echo(
            f"{'base':<11}{base['vectors']:,} vectors in one saved {base['kind']} index, mapped at open ({base['dead']:,} of removed "
            f"or changed reports, skipped); {base['from_report_files']:,} read from report files"
        )
        if "recall_at_10" in base:
            click.echo(
                f"{'':<11}approximate: an inverted file of {base['lists']:,} lists, {base['nprobe']} searched; recall@10 against "
                f"exact search {base['recall_at_10']:.3f} ({base['recall_queries']} of its vectors as queries)"
            )
    for key in ("years", "kinds"):
        counts = ", ".join(f"{row['name'] if row['name'] is not None else 'unknown'} ({row['reports']})" for row in data[key])
        click.echo(f"{key:<11}{printable(counts) or '—'}")
    for report in data["report_list"]:
        click.echo(
            printable(
                f"  {report['id']}  {report['region'] or '—'}  {report['year'] or '—'}  {report['chunks']:>3} chunks  {report['title']}"
            )
        )


@main.command()
@click.argument("chunk_id")
@index_option
@click.option(
    "--context",
    "-C",
    type=click.IntRange(min=0, max=50),
    default=0,
    show_default=True,
    help="Also show this many neighbouring chunks on each side.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: {chunk, report, before, after}.")
def show(chunk_id: str, index_dir: str | None, context: int, as_json: bool) -> None:
    """Show one chunk (a hit's chunk_id) with its heading path, its report's metadata and, with
    --context N, the N chunks before and after it: a passage in context.

    \b
    Examples:
      lawsearch show '000_e216814a7c54799f#011'
      lawsearch show '000_e216814a7c54799f#011' --context 2
      lawsearch show '000_e216814a7c54799f#011' --json | jq .report.agency
    """
    with _open(index_dir) as engine:
        data = engine.chunk(chunk_id, context)
    if as_json:
        _dump_json(data)
        return
    report = data["report"]
    click.secho(printable(report.get("title") or report["id"]), bold=True)
    for label in ("region", "region_parent", "level", "agency", "kind", "year", "published", "source"):
        if report.get(label) is not None:
            click.echo(f"  {label:<15}{printable(report[label])}")
    for chunk in (*data["before"], data["chunk"], *data["after"]):
        chosen = chunk is data["chunk"]
        click.echo()
        path = " › ".join(chunk["heading_path"]) or "(before the first heading)"
        click.secho(printable(f"{'▶ ' if chosen else ''}[{chunk['id']}] {path}"), fg="cyan", bold=chosen)
        click.secho(printable(chunk["text"], keep="\n"), dim=not chosen)


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def regions(index_dir: str | None, as_json: bool) -> None:
    """List the regions, years, kinds and levels the index holds reports of, with report counts.

    What a 哪些… answer is measured against: an empty answer means none of these did it.

    \b
    Examples:
      lawsearch regions
      lawsearch regions --index indexes/provincial --json
    """
    from .index.holdings import holdings
    from .index.shardset import held_reports

    index_dir = _found(index_dir)
    data = holdings(held_reports(index_dir))
    if as_json:
        _dump_json({"index": index_dir, **data})
        return
    for title, key in (("regions", "regions"), ("years", "years"), ("kinds", "kinds"), ("levels", "levels")):
        click.secho(f"{title} ({len(data[key])})", bold=True)
        for row in data[key]:
            label = row["name"] if key != "regions" else (f"{row['name']} ({row['parent']})" if row["parent"] else row["name"])
            extra = f"  {row['level'] or '—'}" if key == "regions" else ""
            click.echo(f"  {printable(str(label)):<28}{row['reports']:>4} report(s){extra}")


@main.command()
@index_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: every interface — anyone who can reach this machine can read the index).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Searches run at once.")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this host name or address (repeatable). Without it only 127.0.0.1, "
    "localhost, [::1] and --host are answered; other Host headers get 421 (a guard against DNS rebinding).",
)
@_shard_options
def serve(
    index_dir: str | None, host: str, port: int, threads: int, allow_hosts: tuple[str, ...], ray: str | None, shard_timeout: float
) -> None:
    """Serve a local search page and a JSON API over the index, until Ctrl-C.

    The index is opened once and kept warm; when `lawsearch index`/`add`/`remove` commit a new
    generation, the next request searches it (no restart). Pages: / (search; a 哪些… question gets
    its answer panel), /report/ID (a report with its passages; links from hits land on them).
    JSON: /api/search?q=…&mode=&k=&region=&year=&kind=&level=&by_region= (as `search --json`),
    /api/reports (as `info --json`, paths shown relative), /api/regions (as `regions --json`),
    /api/chunk/ID?context=N. Only requests for 127.0.0.1, localhost, [::1], --host and each
    --allow-host name are answered.

    \b
    Examples:
      lawsearch serve                                   # then open http://127.0.0.1:8000/
      lawsearch serve --index indexes/provincial --port 8080
      lawsearch serve --host 0.0.0.0 --allow-host search.example.org
      lawsearch serve --index indexes/set --ray=auto       # a shard set's shards on the Ray cluster
      curl 'http://127.0.0.1:8000/api/search?q=调解员联盟&k=3'
    """
    import socket

    from .web.hosts import host_name

    bad = [name for name in (host, *allow_hosts) if host_name(name) is None]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not a host name or IP address", param_hint="--host" if bad[0] == host else "--allow-host")
    index_dir = _found(index_dir)

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a port in TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise LawsearchError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port or --host") from None
    from .web.app import create_app

    app = create_app(
        index_dir, threads=threads, allowed_hosts=[host, *allow_hosts], ray=ray, shard_timeout=shard_timeout
    )  # opens and warms the index: a missing or damaged one fails here
    import uvicorn

    from .web.protocol import Utf8TargetH11Protocol

    shown = f"[{host}]" if ":" in host else host
    click.echo(f"lawsearch: serving {printable(index_dir)} at http://{shown}:{port}/  (Ctrl-C to stop)", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"note: listening on {host}: other machines can reach this page", err=True)
        if host_name(host) in ("0.0.0.0", "::") and not allow_hosts:
            click.echo(
                "note: only requests for 127.0.0.1, localhost and [::1] are answered; add the names others use "
                "with --allow-host NAME (this machine's name or address)",
                err=True,
            )
    uvicorn.run(app, host=host, port=port, log_level="warning", http=Utf8TargetH11Protocol)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
