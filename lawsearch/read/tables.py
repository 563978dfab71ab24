"""A table read as rows with their headers: one line a row, each value after the label of its column.

The Markdown, HTML and Word readers hand a table here as rows of cell strings; :func:`table_lines` says whether it
has a column header and, when it has, writes each row as ``label：value；label：value …``, so that a figure keeps
the words that say what it is (``产量：2618.3`` rather than a bare ``2618.3`` three cells away from ``产量``). A table
without a column header gets None, and its reader lays it out as it lays out any table.

The rule is read from the table's shape, never from its words:

- leading rows with at most one non-empty cell (a caption cell spanning the table, ``表1 2013年年末人口数及其构成``,
  or a unit line, ``单位：万人``) are *caption lines*, kept as lines of their own;
- the next row is the *column header* when the table has two columns or more, the row has two non-empty cells or
  more, each a short label (at most :data:`MAX_LABEL_CHARS` characters; not ending in a colon: ``索引号：`` labels
  the value beside it, not a column; not a number, though a year such as ``2001`` heads a column of figures by the
  year, and not years alone), and below it are two rows or more of two values or more, and a column whose label
  heads values that all hold a figure (a table of names alone, or of a page's label/value pairs, has none);
- no cell may be prose (over :data:`MAX_CELL_CHARS` characters): a table holding paragraphs lays out a page.

A body row is then written cell by cell, each non-empty cell as ``label：value`` under the label of its column, or
as the bare value where that label is empty (a first column that names the row writes ``指标：铁路`` when the header
labels it, ``铁路`` when the corner cell is blank). A row that fills as many cells as the header has labels but runs
past the last of them (a cell shifted right by a blank, as scraped tables shift them) pairs its values with the
labels in order. A row of one non-empty cell (a section name, a note) is that cell alone. The header row itself
becomes an empty line: its labels are in every row.

>>> table_lines([
...     ["表1 货物运输量", "", ""],
...     ["指标", "单位", "绝对数"],
...     ["货物运输总量", "亿吨", "463.4"],
...     ["  铁路", "亿吨", "44.6"],
... ])
['表1 货物运输量', '', '指标：货物运输总量；单位：亿吨；绝对数：463.4', '指标：铁路；单位：亿吨；绝对数：44.6']
>>> table_lines([["", "年末数", "比重%"], ["全国总人口", "136072", "100.0"], ["其中：城镇", "73111", "53.73"]])
['', '全国总人口；年末数：136072；比重%：100.0', '其中：城镇；年末数：73111；比重%：53.73']
>>> table_lines([["索引号：", "123"], ["发布机构：", "某局"], ["发布日期：", "2022-01-01"]]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .wrap import join_wrapped

CELL_SEPARATOR = "；"  # between the cells of a row
LABEL_SEPARATOR = "："  # between a column's label and a cell's value
MAX_LABEL_CHARS = 24  # a column header is short: 比上年增长（%）, 城镇新增就业人数（万人）
MAX_CELL_CHARS = 2000  # a cell longer than this is a page: the table lays out a page, it does not tabulate
MAX_SPAN = 1000  # columns one cell may span (browsers cap colspan here; Word allows 63 columns)
MAX_TABLE_CELLS = 100_000  # columns spanned, over all rows: a larger table is laid out cell by cell
MIN_BODY_ROWS = 2  # rows of two values or more under the header
MIN_COLUMNS = 2

_NUMBER = re.compile(r"[-+−–—]?[0-9０-９][0-9０-９,，.．]*[%％‰]?")
# A year, or a span of years, heads a column of figures by the year (``2001``, ``1998-2002``): a label, not a value.
_YEARS = re.compile(r"(?:19|20)[0-9]{2}(?:[-－–—~～](?:19|20)[0-9]{2})?")
_SPACE_RUN = re.compile(r"[ \t\r\u3000\u00a0]+")
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_FIGURE = re.compile(r"[0-9０-９]")
_COLON = ("：", ":")
_SPACES = " \t\r\n\u3000\u00a0"


def table_lines(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """One line for each row of a table with a column header, in order (caption lines as they are, the header row
    empty, body rows as ``label：value；…``); None for a table without one (see the module docstring). A cell's
    line breaks are joined as wrapped lines are."""
    table = [[cell_text(cell) for cell in row] for row in rows]
    if max((len(row) for row in table), default=0) < MIN_COLUMNS or any(len(cell) > MAX_CELL_CHARS for row in table for cell in row):
        return None
    start = 0
    while start < len(table) and _filled(table[start]) <= 1:
        start += 1
    if start == len(table) or not _is_header(table[start], table[start + 1 :]):
        return None
    header = table[start]
    lines = [_only(row) for row in table[:start]] + [""]
    lines.extend(_row_line(header, row) for row in table[start + 1 :])
    return lines


def cell_text(cell: str) -> str:
    """A cell's words on one line: its lines joined as wrapped lines are (a space only between two Latin letters or
    digits), a run of spaces one space, and none between two Chinese characters (``指　　标`` spaced out to fill a
    column is ``指标``).

    >>> cell_text(" 单　位\\n（万人） "), cell_text("GDP\\n2025  年")
    ('单位（万人）', 'GDP 2025 年')
    """
    line = join_wrapped(piece.strip(_SPACES) for piece in cell.split("\n"))
    return _SPACE_RUN.sub(lambda m: _gap(line, m.start(), m.end()), line)


def _gap(line: str, start: int, end: int) -> str:
    """What a run of spaces from ``start`` to ``end`` in ``line`` becomes: nothing between two wide characters."""
    wide = 0 < start and end < len(line) and _WIDE.match(line[start - 1]) and _WIDE.match(line[end])
    return "" if wide else " "


def _filled(row: Sequence[str]) -> int:
    return sum(1 for cell in row if cell)


def _only(row: Sequence[str]) -> str:
    """The words of a row of at most one non-empty cell."""
    return next((cell for cell in row if cell), "")


def _is_label(cell: str) -> bool:
    """A column label: short, not a figure (a year is a label), not ending in a colon."""
    return len(cell) <= MAX_LABEL_CHARS and not cell.endswith(_COLON) and (not _NUMBER.fullmatch(cell) or _is_years(cell))


def _is_years(cell: str) -> bool:
    return _YEARS.fullmatch(cell) is not None


def _is_header(header: Sequence[str], body: Sequence[Sequence[str]]) -> bool:
    """Whether ``header`` labels the columns of ``body`` (see the module docstring)."""
    labels = [cell for cell in header if cell]
    if len(labels) < MIN_COLUMNS or not all(_is_label(cell) for cell in labels) or all(map(_is_years, labels)):
        return False
    rows = [row for row in body if _filled(row) >= MIN_COLUMNS]
    if len(rows) < MIN_BODY_ROWS:
        return False
    for column, label in enumerate(header):
        values = [row[column] for row in rows if column < len(row) and row[column]]
        if label and len(values) >= MIN_BODY_ROWS and all(_FIGURE.search(value) for value in values):
            return True
    return False


def _row_line(header: Sequence[str], row: Sequence[str]) -> str:
    """A body row as ``label：value；…`` under ``header`` (see the module docstring)."""
    filled = [(column, cell) for column, cell in enumerate(row) if cell]
    if len(filled) <= 1:
        return filled[0][1] if filled else ""
    labels = [label for label in header if label]
    last = max(column for column, label in enumerate(header) if label)
    if len(filled) == len(labels) and filled[-1][0] > last:
        pairs = list(zip(labels, (cell for _, cell in filled), strict=True))
    else:
        pairs = [(header[column] if column < len(header) else "", cell) for column, cell in filled]
    return CELL_SEPARATOR.join(f"{label}{LABEL_SEPARATOR}{value}" if label else value for label, value in pairs)
