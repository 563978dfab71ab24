"""The ``lawsearch`` command line. Each command does one call and renders it; errors become one line and exit 1."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from . import __version__
from .chunk import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS
from .errors import LawsearchError

EXIT_ERROR = 1


class _Group(click.Group):
    """Turns a LawsearchError anywhere below into ``error: <message>`` on stderr, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LawsearchError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lawsearch")
def main() -> None:
    """Search Chinese government rule-of-law reports (法治政府建设年度报告).

    \b
    Examples:
      lawsearch chunks seeds/000_e216814a7c54799f.txt          # how one report is read and split
      lawsearch chunks seeds/002_e3a39e3814c16024.txt --json   # the same, as JSON for scripts
    """


def _dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: {report: {...}, chunks: [...]}.")
@click.option("--max-chars", type=click.IntRange(min=20), default=DEFAULT_MAX_CHARS, show_default=True, help="Split paragraphs longer than this at sentence ends.")
@click.option("--min-chars", type=click.IntRange(min=0), default=DEFAULT_MIN_CHARS, show_default=True, help="Merge paragraphs shorter than this with a neighbour under the same heading.")
def chunks(file: str, as_json: bool, max_chars: int, min_chars: int) -> None:
    """Show how one report is read: its metadata, then each chunk with its heading path.

    \b
    Examples:
      lawsearch chunks seeds/001_a27f8d567ac8393e.txt
      lawsearch chunks report.html --json | jq '.chunks[].heading_path'
      lawsearch chunks report.txt --max-chars 300
    """
    from .pipeline import parse_report

    parsed = parse_report(file, max_chars=max_chars, min_chars=min_chars)
    if as_json:
        _dump_json(parsed.to_dict())
        return
    meta = parsed.meta
    click.secho(meta.title, bold=True)
    for label, value in (
        ("report", meta.report_id),
        ("region", meta.region_label),
        ("agency", meta.agency),
        ("year", meta.year),
        ("published", meta.published.isoformat() if meta.published else None),
        ("source", f"{parsed.report.source} ({parsed.report.encoding})"),
    ):
        click.echo(f"  {label:<10}{value if value is not None else '—'}")
    click.echo(f"  {'chunks':<10}{len(parsed.chunks)}")
    for chunk in parsed.chunks:
        click.echo()
        path = " › ".join(chunk.heading_path) or "(before the first heading)"
        click.secho(f"[{chunk.id}] {path}", fg="cyan")
        click.echo(chunk.text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
