"""Markdown read as Markdown: the text a reader sees, one paragraph a line, and the headings the markup declares.

The file is parsed with markdown-it-py (CommonMark with GFM tables; linear in the input, with its own caps on
nesting and on table cells) and its tokens are laid out as lines:

- ``#`` headings become lines of their own and *styled headings* (``(text, rank)``, see :func:`heading_ranks`);
- paragraphs keep their source lines: a line break in a report is a paragraph break (Markdown's joining of
  lines is for hard-wrapped prose, which these reports are not), and ``<br>`` is one too;
- inline markup goes: ``**``/``*``/``_`` emphasis, ``~~``, links (their text stays), images (dropped: the
  picture is not in the text), inline HTML and comments; a paragraph that is emphasis only
  (``**一、2018年工作回顾**``) is its words, for the heading grammar to find the ``一、``;
- an ordered list item keeps its number (``1. 加强…``: the heading grammar numbers with it); a bullet loses its mark;
- a table is read as rows, one line a row (a ``<br>`` inside a cell joins its parts), as
  :mod:`lawsearch.read.tables` reads one: under a column header, each value after its column's label
  (``指标：铁路；单位：亿吨；绝对数：44.6``), the header row an empty line and caption rows above it
  (``表1 2013年年末人口数及其构成``, ``单位：万人``: in these collections the first row often holds them) lines of
  their own; a table without a column header (one row of labels over one of values, label/value pairs, a column
  of names) has its non-empty cells joined by ``；``. Either way a row is punctuated, so it is never taken for a
  heading or a title; a pipe table the parser refused is read the same way;
- code blocks are their text; HTML blocks are their text (tags and comments out); a thematic break is nothing;
- a list whose items (nearly all) come again in the document outside lists, as headings or paragraphs of their
  own, is its table of contents and is left out: its items would be read as the headings they name, and the page
  stage would drop the real headings as repeats of them;
- footnotes (``“清四乱”[^1]`` … ``[^1]: 河湖“清四乱”：是指…``) lose their marks and keep their notes as paragraphs;
- indented code is off: Chinese reports indent paragraphs, which CommonMark would read as code; link reference
  definitions are off too: in these reports ``[^1]: …`` is a note, which CommonMark would hide as a link target.

Each block starts on the line it starts on in the source (blank lines fill in), so that line numbers of the text
still point into the file.

>>> source = "## 一、2018年工作回顾\\n\\n**（一）经济**\\n\\n| 指标 | 数值<br>（亿元） |\\n| --- | --- |\\n| GDP | 100 |"
>>> text, headings = markdown_text(source)
>>> text.split("\\n")
['一、2018年工作回顾', '', '（一）经济', '', '指标；数值（亿元）', '', 'GDP；100']
>>> headings
(('一、2018年工作回顾', 1),)
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from .headings import MAX_HEADING_CHARS, PUNCTUATED, numbered_rank
from .tables import CELL_SEPARATOR, table_lines
from .wrap import join_wrapped

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Unnumbered ``#`` headings rank below every numbered form (一、 is 1) and below a title line (0), so the numbered
# headings and titles of a section nest inside the Markdown heading that opens it: ``#`` is -6 … ``######`` -1.
_RANK_OFFSET = -7
# A run of asterisks emphasis did not pair (``**- 指 标`` … ``1.0**``): a broken mark, never report text.
_STRAY_STRONG = re.compile(r"\*{2,}")
# A footnote's mark in the text (``“清四乱”[^1]``) or before its note (``[^1]: 河湖“清四乱”：是指…``).
_FOOTNOTE_MARK = re.compile(r"\[\^[^\[\]\s]{1,20}\](?::[ \t]*)?")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*+)?[^<>]*>")  # possessive: an unclosed ``<aaa…`` fails in one pass
# Elements whose end (or start) breaks a line, as a browser lays them out.
_LINE_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_HIDDEN_BLOCK = re.compile(r"^\s*<(?:script|style|textarea)\b", re.IGNORECASE)
_WORD = re.compile(r"\w")
_DELIMITER_ROW = re.compile(r"^[\s|:\-]+$")
_NOT_COMPARED = re.compile(r"[\s\u3000。．.，,、；;：:！!？?]+")
# A list is a table of contents when this many items or more, and this share of them, come again in the document.
MIN_CONTENTS_ITEMS = 3
CONTENTS_SHARE = 0.8


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # imported here: only Markdown reports need it

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable(["code", "reference"])


def markdown_text(markdown: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """``(text, styled_headings)`` of a Markdown document (see the module docstring)."""
    tokens = _parser().parse(markdown)
    closing = _closing_tokens(tokens)
    words = {i: _inline_text(token) for i, token in enumerate(tokens) if token.type == "inline"}
    headings = [(text, level) for text, level, styled in _headings(tokens, words) if styled]
    seen = _lines_outside_lists(tokens, words)
    out = _Lines()
    prefixes: list[str] = []  # the mark of each open list item, used by its first line
    row: list[str] | None = None
    table: list[tuple[int, list[str]]] | None = None  # (source line, cells) of each row of the open table
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.map is not None and token.type != "inline" and table is None:
            out.start_at(token.map[0])
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open") and _is_table_of_contents(words, i, closing[i], seen):
            i = closing[i] + 1
            continue
        if kind == "list_item_open":
            prefixes.append(f"{token.info}{token.markup} " if token.info else "")
        elif kind == "list_item_close":
            prefixes.pop()
        elif kind == "heading_open":
            out.add(words.get(i + 1, "").replace("\n", " ").strip(), prefixes)
            i = closing[i]
        elif kind == "inline" and row is not None:
            row.append(_cell_text(words[i]))
        elif kind == "inline":
            for line in _pipe_rows(token.content) or words[i].split("\n"):
                out.add(line.strip(), prefixes)
        elif kind == "table_open":
            table = []
        elif kind == "tr_open" and table is not None:  # markdown-it opens rows only inside a table
            row = []
            table.append((token.map[0] if token.map else -1, row))
        elif kind == "tr_close":
            row = None
        elif kind == "table_close" and table is not None:
            for (start, _), line in zip(table, _rows_text([cells for _, cells in table]), strict=True):
                out.start_at(start)
                out.add(line, prefixes)
            table = None
        elif kind in ("fence", "code_block"):
            for line in token.content.rstrip("\n").split("\n"):
                out.add(line.rstrip(), prefixes)
        elif kind == "html_block":
            for line in _html_text(token.content).split("\n"):
                out.add(line.strip(), prefixes)
        i += 1
    _keep_abandoned_tail(markdown, tokens, out)
    return "\n".join(out.lines), heading_ranks(headings)


def _keep_abandoned_tail(markdown: str, tokens: Sequence[Token], out: _Lines) -> None:
    """Keep the lines the parser abandoned. markdown-it stops reading a document where blocks nest past its limit
    (lists or quotes twenty deep) and drops the rest; no report nests so, but no file's words are lost silently
    either: the lines after the last block read are kept as they are written (stray ``**`` out)."""
    end = max((token.map[1] for token in tokens if token.map is not None and token.nesting == 0), default=0)
    tail = markdown.split("\n")[end:] if end < markdown.count("\n") + 1 else []
    if not any(_WORD.search(line) for line in tail):
        return
    out.start_at(end)
    for line in tail:
        out.add(_STRAY_STRONG.sub("", line).strip() if _WORD.search(line) else "", [])


class _Lines:
    """Output lines, each block starting on its source line where the output has not run past it."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def start_at(self, line: int) -> None:
        if len(self.lines) < line:
            self.lines.extend([""] * (line - len(self.lines)))

    def add(self, line: str, prefixes: list[str]) -> None:
        if prefixes and prefixes[-1] and line:
            line, prefixes[-1] = prefixes[-1] + line, ""
        self.lines.append(line)


def _closing_tokens(tokens: Sequence[Token]) -> dict[int, int]:
    """The index of the token that closes each opening token."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(index)
        elif token.nesting == -1 and stack:
            closing[stack.pop()] = index
    return closing


def _headings(tokens: Sequence[Token], words: dict[int, str]) -> list[tuple[str, int, bool]]:
    """``(text, level, styled)`` of each heading. A heading underlined with ``---``/``===`` (setext) is styled only
    when it reads as one (short, without sentence punctuation): a ``---`` under a paragraph is more often a rule the
    writer set without a blank line."""
    found = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = words.get(index + 1, "").replace("\n", " ").strip()
        setext = token.markup in ("=", "-")
        styled = bool(text) and (not setext or (len(text) <= MAX_HEADING_CHARS and not PUNCTUATED.search(text)))
        found.append((text, int(token.tag[1]), styled))
    return found


def heading_ranks(headings: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """The rank the chunker gives each Markdown heading ``(text, level)``; smaller ranks enclose larger ones.

    A numbered heading keeps the rank of its number (``一、`` 1, ``（一）`` 2 …; the chunker reads it so anyway). An
    unnumbered one ranks ``level - 7`` (``#`` -6 … ``######`` -1), outside every numbered heading and title line, so
    that what follows nests inside it; under a numbered Markdown heading it ranks one below its parent instead.

    >>> heading_ranks([("第一篇　指导方针", 2), ("第一章　指导方针", 3), ("一、总体要求", 4), ("专栏", 5)])
    (('第一篇　指导方针', -5), ('第一章　指导方针', -4), ('一、总体要求', 1), ('专栏', 2))
    """
    ranked = []
    stack: list[tuple[int, int, bool]] = []  # (level, rank, under a numbered heading) of the open headings
    for text, level in headings:
        while stack and stack[-1][0] >= level:
            stack.pop()
        numbered = numbered_rank(text)
        under_numbered = numbered is not None or bool(stack and stack[-1][2])
        if numbered is not None:
            rank = numbered
        elif under_numbered:
            rank = stack[-1][1] + 1
        else:
            rank = level + _RANK_OFFSET
        stack.append((level, rank, under_numbered))
        ranked.append((text, rank))
    return tuple(ranked)


def _comparable(line: str) -> str:
    """A line as a table of contents and a heading both write it: without spaces and punctuation."""
    return _NOT_COMPARED.sub("", line)


def _lines_outside_lists(tokens: Sequence[Token], words: dict[int, str]) -> Counter[str]:
    """The lines of headings, paragraphs and table cells outside every list, as :func:`_comparable` writes them."""
    seen: Counter[str] = Counter()
    depth = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif depth == 0 and index in words:
            seen.update(_comparable(line) for line in words[index].split("\n"))
    return seen


def _is_table_of_contents(words: dict[int, str], start: int, end: int, seen: Counter[str]) -> bool:
    """Whether the list from ``start`` to ``end`` is a table of contents: three items or more, nearly all of which
    the document writes again outside its lists, as a heading or a paragraph of their own (a list repeated as a
    list, as compilations of documents do, is content)."""
    items = [_comparable(words[i].split("\n", 1)[0]) for i in range(start, end) if i in words]
    items = [item for item in items if item]
    repeated = sum(1 for item in items if seen[item])
    return len(items) >= MIN_CONTENTS_ITEMS and repeated >= CONTENTS_SHARE * len(items)


def _inline_text(token: Token) -> str:
    """The words of an inline token: markup out, line breaks (soft, hard, ``<br>``) as ``\\n``."""
    parts: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            parts.append(_FOOTNOTE_MARK.sub("", _STRAY_STRONG.sub("", child.content)))
        elif kind == "code_inline":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "html_inline":
            match = _TAG.match(child.content)
            if match and (match.group(2) or "").lower() in _LINE_TAGS:
                parts.append("\n")
        # emphasis, strikethrough and link marks carry no words; an image's words describe a picture not in the text
    return "".join(parts)


def _cell_text(words: str) -> str:
    """A table cell's words on one line: its lines joined, with a space only between two Latin letters or digits."""
    return join_wrapped(piece.strip() for piece in words.split("\n"))


def _rows_text(rows: Sequence[Sequence[str]]) -> list[str]:
    """One line for each row of a table: with their headers when it has a column header, else its non-empty cells
    joined by ``；``."""
    return table_lines(rows) or [CELL_SEPARATOR.join(cell for cell in cells if cell) for cells in rows]


def _pipe_rows(paragraph: str) -> list[str] | None:
    """The rows of a paragraph that is a pipe table the parser refused (its header and its ``| --- |`` row count
    different columns, or a stray ``**`` opens its first row), read as a table is (its ``| --- |`` row an empty
    line); None for any other paragraph."""
    lines = [line.strip().strip("*").strip() for line in paragraph.split("\n")]
    if len(lines) < 2 or not all(len(line) >= 2 and line[0] == "|" and line[-1] == "|" for line in lines):
        return None
    rows: list[list[str] | None] = []
    for line in lines:
        if _DELIMITER_ROW.match(line):
            rows.append(None)
            continue
        words = _inline_text(_parser().parseInline(line[1:-1])[0])  # one parse a row: markup is never split by cells
        rows.append([_cell_text(cell) for cell in words.split("|")])
    read = iter(_rows_text([cells for cells in rows if cells is not None]))
    return ["" if cells is None else next(read) for cells in rows]


def _html_text(block: str) -> str:
    """The words of an HTML block: comments and tags out (a tag that breaks a line breaks it), entities decoded;
    nothing of a script, style or textarea."""
    if _HIDDEN_BLOCK.match(block):
        return ""
    block = _without_comments(block)
    block = _TAG.sub(lambda m: "\n" if (m.group(2) or "").lower() in _LINE_TAGS else "", block)
    return html.unescape(block)


def _without_comments(block: str) -> str:
    """``block`` with every ``<!-- … -->`` removed (an unclosed one runs to the end), in one pass."""
    kept: list[str] = []
    position = 0
    while (start := block.find("<!--", position)) != -1:
        kept.append(block[position:start])
        end = block.find("-->", start + 4)
        position = len(block) if end == -1 else end + 3
    kept.append(block[position:])
    return "".join(kept)


_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
# No two space runs meet (``[ \t]*\|?[ \t]*`` would try every split of a long run of spaces: quadratic).
_TABLE_DELIMITER = re.compile(r"^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+(?:\|[ \t]*)?$", re.MULTILINE)
MIN_MARKDOWN_HEADINGS = 3


def looks_like_markdown(text: str) -> bool:
    """Whether plain text (a .txt report) is written in Markdown: it has a pipe table (a ``| --- | --- |`` row under
    a row of cells) or three ``#`` heading lines or more. Both are structures plain text does not make by chance;
    lesser signs (a ``**`` pair, a ``1.`` list, a line starting ``>``) are common in scraped pages, whose ``>``
    breadcrumbs and ``|`` separators Markdown would swallow, so a .txt without them stays plain text.

    >>> looks_like_markdown("# 一、总体情况\\n正文。\\n## （一）学法\\n正文。\\n## （二）用法\\n正文。")
    True
    >>> looks_like_markdown("首页\\n>\\n要闻\\n|\\n一、总体情况\\n**全年**学法7次。")
    False
    """
    headings = 0
    for _ in _ATX_HEADING.finditer(text):
        headings += 1
        if headings >= MIN_MARKDOWN_HEADINGS:
            return True
    for match in _TABLE_DELIMITER.finditer(text):
        if match.start() > 0:
            previous = text[text.rfind("\n", 0, match.start() - 1) + 1 : match.start() - 1]
            if "|" in previous:
                return True
    return False
