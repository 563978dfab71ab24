"""The visible text of an HTML page, one block element per line, read with the Lexbor HTML5 parser.

The page is parsed as a browser parses it (selectolax's Lexbor backend) and the tree is walked without
recursion, so nesting depth never matters to the walk. Elements a reader does not see (script, style,
noscript, iframe, form controls, page-level header/footer/nav …) are left out. Text is laid out as a
browser lays it out: whitespace collapsed, no space added around inline elements (Chinese text must not
get any), a line break dropped between two Chinese characters.

A table is read as :mod:`lawsearch.read.tables` reads one: under a column header, a row a line, each value after
its column's label (a cell spanning ``colspan`` columns fills the first, the others blank). A table without a column
header (label/value pairs such as ``索引号：``, a row of links), one with a cell spanning rows (``rowspan``: the
cells below would shift under the wrong labels) or one with a table inside it, is laid out as a browser shows it: a row a line, the cells of a row separated by a tab (a cell
holding paragraphs breaks its row where they break).

A tree builder does work in proportion to the depth of the open elements for many tags, so a page nested
tens of thousands deep would take minutes; :func:`lawsearch.htmlnesting.limit_nesting` flattens what lies
deeper than a browser would nest (Chrome stops at 512) before parsing, which leaves ordinary pages untouched.

>>> page_text("<p>一、<b>主要</b>举措</p><ul><li>学法7次。</li></ul><table><tr><td>索引号：</td><td>123</td></tr></table>")
'一、主要举措\\n学法7次。\\n索引号：\\t123'
>>> page_text("<table><tr><th>指标<th>单位<th>绝对数<tr><td>铁路<td>亿吨<td>44.6<tr><td>公路<td>亿吨<td>342.6</table>")
'指标：铁路；单位：亿吨；绝对数：44.6\\n指标：公路；单位：亿吨；绝对数：342.6'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .htmlnesting import limit_nesting
from .tables import MAX_CELL_CHARS, MAX_SPAN, MAX_TABLE_CELLS, table_lines

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

# Never shown, or shown only when the page fails to load (noscript, iframe and object fallbacks).
SKIPPED_ELEMENTS = frozenset(
    {
        "head",
        "title",
        "script",
        "style",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "noframes",
        "noembed",
        "template",
        "svg",
        "math",
        "canvas",
        "object",
        "embed",
        "applet",
        "audio",
        "video",
        "map",
        "nav",
        "rp",
        "rt",
        "button",
        "input",
        "select",
        "option",
        "optgroup",
        "datalist",
        "textarea",
        "output",
        "progress",
        "meter",
        "dialog",
    }
)
# A page's own header and footer (logo, menus, copyright) are chrome; inside an article they belong to it.
PAGE_CHROME_ELEMENTS = frozenset({"header", "footer"})
_SECTIONING = frozenset({"article", "main", "section", "aside"})
BLOCK_ELEMENTS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dir",
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
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "listing",
        "main",
        "menu",
        "ol",
        "p",
        "plaintext",
        "pre",
        "search",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "xmp",
        "br",
    }
)
CELL_ELEMENTS = frozenset({"td", "th"})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})
_PREFORMATTED = frozenset({"pre", "listing", "plaintext", "xmp"})
_LEAVE_BREAKS = BLOCK_ELEMENTS - {"br", "hr"}

_HTML_SPACE = re.compile(r"([ \t\n\r\f]+)")


def _is_wide(ch: str) -> bool:
    """A Chinese (or other East Asian wide) character, between which a source line break is no space (CSS Text 3)."""
    return unicodedata.east_asian_width(ch) in ("W", "F") and not ("\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff")


class _Lines:
    """Text laid out in lines: whitespace collapsed as a browser collapses it, blocks as line breaks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.gap = ""  # what separates the next text from the line so far: "", " ", "\n" (a source line break) or "\t"

    def _add(self, token: str) -> None:
        if self.parts and self.gap:
            if self.gap == "\n":
                self.parts.append("" if _is_wide(self.parts[-1][-1]) and _is_wide(token[0]) else " ")
            else:
                self.parts.append(self.gap)
        self.parts.append(token)
        self.gap = ""

    def _space(self, run: str) -> None:
        if self.gap != "\t":
            self.gap = "\n" if "\n" in run or self.gap == "\n" else " "

    def text(self, text: str) -> None:
        """Flowing text: runs of HTML whitespace collapse to one space (or nothing, see _is_wide)."""
        for index, piece in enumerate(_HTML_SPACE.split(text)):
            if index % 2:
                self._space(piece)
            elif piece:
                self._add(piece)

    def preformatted(self, text: str) -> None:
        """Text of a <pre>: spaces kept, each source line its own line."""
        for index, line in enumerate(text.split("\n")):
            if index:
                self.line_break()
            if line:
                self._add(line)

    def cell(self) -> None:
        """A new table cell on the same row."""
        if self.parts:
            self.gap = "\t"

    def line(self, text: str) -> None:
        """A whole line of its own (a row of a table read with its headers)."""
        self.line_break()
        if text:
            self.lines.append(text)

    def line_break(self) -> None:
        if self.parts:
            self.lines.append("".join(self.parts).strip())
        self.parts = []
        self.gap = ""

    def result(self) -> str:
        self.line_break()
        return "\n".join(line for line in self.lines if line)


@dataclass
class _Walk:
    """What the walk is inside of: <pre> (keeps spaces), article/main/section/aside (keeps header and footer)."""

    out: _Lines = field(default_factory=_Lines)
    preformatted: int = 0
    sectioning: int = 0

    def enter(self, tag: str) -> bool:
        """Handle an element's start; False when its content is not shown."""
        if tag in SKIPPED_ELEMENTS or (tag in PAGE_CHROME_ELEMENTS and not self.sectioning):
            return False
        if tag in BLOCK_ELEMENTS:
            self.out.line_break()
        elif tag in CELL_ELEMENTS:
            self.out.cell()
        self.preformatted += tag in _PREFORMATTED
        self.sectioning += tag in _SECTIONING
        return True

    def leave(self, tag: str) -> None:
        if tag in _LEAVE_BREAKS:
            self.out.line_break()
        self.preformatted -= tag in _PREFORMATTED
        self.sectioning -= tag in _SECTIONING

    def table(self, node: LexborNode) -> bool:
        """Read a table with its headers (see :mod:`lawsearch.read.tables`); False, writing nothing, when it has none
        and its content is to be walked as any other."""
        if self.preformatted:
            return False
        rows = _table_rows(node, self.sectioning)
        lines = table_lines(rows) if rows is not None else None
        if lines is None:
            return False
        for line in lines:
            self.out.line(line)
        return True

    def text(self, text: str) -> None:
        if self.preformatted:
            self.out.preformatted(text)
        else:
            self.out.text(text)


def tree_text(root: LexborNode, sectioning: int = 0) -> str:
    """The visible text under ``root``, walking the tree in document order with an explicit stack of the elements it
    is inside of (below ``root``; ``sectioning``: how many article/main/section/aside elements ``root`` is inside).
    A node without a tag name (selectolax gives None for non-element nodes it does not name; HTML parsing makes
    none) holds no text, as a ``-comment`` does not."""
    walk = _Walk(sectioning=sectioning)
    node: LexborNode | None = root
    inside: list[str] = []
    while node is not None:
        tag = node.tag
        if tag == "-text":
            walk.text(node.text_content or "")
        elif tag is not None and not tag.startswith("-") and walk.enter(tag):
            child = node.first_child
            if tag == "table" and node is not root and walk.table(node):
                child = None  # read with its headers
            if child is not None:
                node = child
                inside.append(tag)
                continue
            walk.leave(tag)
        while node is not None:  # on to the next sibling, leaving each parent that has none
            if not inside:
                node = None
                break
            sibling = node.next
            if sibling is not None:
                node = sibling
                break
            node = node.parent
            walk.leave(inside.pop())
    return walk.out.result()


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.first_child
    while child is not None:
        yield child
        child = child.next


def _contains(node: LexborNode, tag: str) -> bool:
    """Whether an element named ``tag`` lies below ``node`` (a walk with an explicit stack, stopping at the first)."""
    stack = list(_children(node))
    while stack:
        below = stack.pop()
        if below.tag == tag:
            return True
        stack.extend(_children(below))
    return False


def _colspan(cell: LexborNode) -> int:
    value = (cell.attributes.get("colspan") or "").strip()
    return min(max(int(value), 1), MAX_SPAN) if value.isascii() and value.isdigit() else 1


def _table_rows(table: LexborNode, sectioning: int) -> list[list[str]] | None:
    """The rows of ``table`` as cell texts, its caption a row of one cell; a cell spanning columns is followed by
    blanks. None for a table with a table inside it, a cell spanning rows, a cell of prose, or more than
    MAX_TABLE_CELLS cells."""
    if _contains(table, "table"):
        return None
    rows: list[list[str]] = []
    cells = 0
    for part in _children(table):
        if part.tag == "caption":
            rows.append([tree_text(part, sectioning)])
            continue
        for row in _children(part) if part.tag in _ROW_GROUPS else ():
            if row.tag != "tr":
                continue
            texts: list[str] = []
            for cell in _children(row):
                if cell.tag not in CELL_ELEMENTS:
                    continue
                if (cell.attributes.get("rowspan") or "1").strip() not in ("", "1"):
                    return None  # a cell spanning rows shifts the rows below it: read the table as before
                span = _colspan(cell)
                cells += span
                text = tree_text(cell, sectioning)
                if cells > MAX_TABLE_CELLS or len(text) > MAX_CELL_CHARS:
                    return None
                texts.append(text)
                texts.extend([""] * (span - 1))
            rows.append(texts)
    return rows


class UnreadableHTML(Exception):
    """The HTML parser gave up on a page."""


def page_text(html: str) -> str:
    """The visible text of a page, one block element per line (see the module docstring).

    Raises UnreadableHTML when the parser fails on the page.
    """
    from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, SelectolaxError  # only HTML reports need it

    data = limit_nesting(html).encode("utf-8", errors="replace")  # "replace": a lone surrogate cannot be encoded
    try:
        # WO_EVENTS: no <selectedcontent> mirroring, whose cost grows with every <option>; scripting: <noscript> is text.
        parser = LexborHTMLParser(data, options=LexborDocumentOptions.WO_EVENTS, scripting=True)
    except (SelectolaxError, RuntimeError) as exc:
        raise UnreadableHTML(str(exc)) from None
    root = parser.root
    return tree_text(root) if root is not None else ""
