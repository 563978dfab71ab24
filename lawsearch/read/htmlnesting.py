"""Bounding how deep an HTML page nests before it is parsed.

An HTML5 tree builder does work in proportion to the depth of its stack of open elements for most tags
(scope checks, reopening formatting elements), so a page of 200,000 nested ``<div>`` — a few hundred kilobytes —
keeps a parser busy for minutes, and ``<p><b id=1>x</p><p><b id=2>x</p>…`` makes it build a tree that grows with
the square of the page. :func:`limit_nesting` reads the tags once, follows a model of the parser's stack of open
elements (HTML Standard §13.2), and removes the tags that would open elements deeper than a browser would nest:
an ordinary page comes back unchanged.

>>> limit_nesting("<div><p>正文</p></div>")
'<div><p>正文</p></div>'
>>> deep = limit_nesting("<div>" * 1000 + "正文")
>>> deep.count("<div>"), deep.count("<br>"), deep.endswith("正文")
(253, 747, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DEPTH = 256  # open elements (Chrome stops nesting at 512); pages nest a few dozen deep
MAX_FORMATTING = 16  # open or reopenable b/font/… elements: the parser reopens them in every block that follows
MAX_ATTRIBUTES = 256  # the parser compares each attribute of an element with those before it

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "param",
        "keygen",
        "frame",
        "basefont",
        "bgsound",
        "image",
    }
)
_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}
_FORMATTING = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"})
_FOREIGN = "~"  # prefix of svg and MathML element names in the model
# Elements of svg and MathML in which HTML is parsed again.
_INTEGRATION = frozenset(_FOREIGN + name for name in ("foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"))
# HTML start tags that end svg or MathML content.
_BREAKOUT = frozenset(
    {
        "b",
        "big",
        "blockquote",
        "body",
        "br",
        "center",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "head",
        "hr",
        "i",
        "img",
        "li",
        "listing",
        "menu",
        "meta",
        "nobr",
        "ol",
        "p",
        "pre",
        "ruby",
        "s",
        "small",
        "span",
        "strong",
        "strike",
        "sub",
        "sup",
        "table",
        "tt",
        "u",
        "ul",
        "var",
        *_HEADINGS,
    }
)
# Lexbor also stops scope searches at <select>.
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "select"}) | _INTEGRATION
_MARKERS = frozenset({"applet", "caption", "marquee", "object", "template", "td", "th"})
_SPECIAL = (
    frozenset(
        {
            "address",
            "applet",
            "area",
            "article",
            "aside",
            "base",
            "basefont",
            "bgsound",
            "blockquote",
            "body",
            "br",
            "button",
            "caption",
            "center",
            "col",
            "colgroup",
            "dd",
            "details",
            "dir",
            "div",
            "dl",
            "dt",
            "embed",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "frame",
            "frameset",
            "head",
            "header",
            "hgroup",
            "hr",
            "html",
            "iframe",
            "img",
            "input",
            "keygen",
            "li",
            "link",
            "listing",
            "main",
            "marquee",
            "menu",
            "meta",
            "nav",
            "noembed",
            "noframes",
            "noscript",
            "object",
            "ol",
            "p",
            "param",
            "plaintext",
            "pre",
            "script",
            "search",
            "section",
            "select",
            "source",
            "style",
            "summary",
            "table",
            "tbody",
            "td",
            "template",
            "textarea",
            "tfoot",
            "th",
            "thead",
            "title",
            "tr",
            "track",
            "ul",
            "wbr",
            "xmp",
            *_HEADINGS,
        }
    )
    | _INTEGRATION
)
_CLOSES_P = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hgroup",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "search",
        "section",
        "summary",
        "ul",
        "pre",
        "listing",
        "table",
        "hr",
        "xmp",
        "plaintext",
        "li",
        "dd",
        "dt",
        *_HEADINGS,
    }
)
# End tags that close their element when it is in scope, whatever is open inside it.
_CLOSED_IN_SCOPE = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "button",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "header",
        "hgroup",
        "listing",
        "main",
        "menu",
        "nav",
        "ol",
        "pre",
        "search",
        "section",
        "summary",
        "ul",
        "applet",
        "marquee",
        "object",
        "p",
        "li",
        "dd",
        "dt",
    }
)
_TABLE_PARTS = ("tbody", "thead", "tfoot")
_TABLE_STRUCTURE = frozenset({"td", "th", "tr", "caption", "col", "colgroup", *_TABLE_PARTS})
_MERGED = frozenset({"html", "head", "body"})  # made once by the parser; later tags only add attributes
_NO_REOPEN = (
    _CLOSES_P
    | _TABLE_STRUCTURE
    | _MERGED
    | {
        "table",
        "frameset",
        "frame",
        "rb",
        "rt",
        "rp",
        "rtc",
        "base",
        "basefont",
        "bgsound",
        "link",
        "meta",
        "param",
        "source",
        "track",
        *_RAW_TEXT,
    }
)
_ITEM_SEARCH_SKIPS = frozenset({"address", "div", "p"})
# Hidden elements whose end tag is required: removed for depth, their content goes with them.
HIDDEN_CONTAINERS = frozenset(
    {
        "nav",
        "svg",
        "math",
        "select",
        "button",
        "object",
        "applet",
        "template",
        "audio",
        "video",
        "canvas",
        "map",
        "dialog",
        "datalist",
        "output",
        "progress",
        "meter",
    }
)
# A removed block start tag leaves a line break.
LINE_BREAKING = frozenset(_CLOSES_P | _TABLE_STRUCTURE | {"article", "aside", "body", "caption", "html", "legend", "main"})

_MARKUP = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*)|(!--)|[!?/])")
# The rest of a tag up to its ">": attribute values in quotes may hold ">". Each alternative starts with its own
# characters and the repeat is possessive, so a tag is read in one pass.
_TAG_REST = re.compile(r"""(?:[^>"'=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+)|["'])*+>?""")
_ATTRIBUTE_START = re.compile(r"[\t\n\f\r /][^\t\n\f\r />=]")


class _Stack:
    """Names on a stack with, per name and per kind, the places where they stand (so lookups cost nothing)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, list[int]] = {}
        self.scopes: list[int] = [-1]  # elements that end a search "in scope"
        self.specials: list[int] = [-1]  # elements that end a search for any other end tag
        self.item_stops: list[int] = [-1]  # special elements other than address, div and p: they end an li/dd/dt search
        self.html: list[int] = [-1]  # HTML (not svg or MathML) elements
        self._kinds_of: dict[str, tuple[list[int], ...]] = {}

    def top(self) -> str:
        return self.names[-1] if self.names else ""

    def index(self, name: str) -> int:
        places = self.where.get(name)
        return places[-1] if places else -1

    def _kinds(self, name: str) -> tuple[list[int], ...]:
        """The kind lists that note where ``name`` stands."""
        kinds = self._kinds_of.get(name)
        if kinds is None:
            kinds = self._kinds_of[name] = tuple(self._find_kinds(name))
        return kinds

    def _find_kinds(self, name: str) -> list[list[int]]:
        kinds = []
        if name in _SCOPE:
            kinds.append(self.scopes)
        if name in _SPECIAL:
            kinds.append(self.specials)
            if name not in _ITEM_SEARCH_SKIPS:
                kinds.append(self.item_stops)
        if not name.startswith(_FOREIGN):
            kinds.append(self.html)
        return kinds

    def push(self, name: str) -> None:
        index = len(self.names)
        self.names.append(name)
        self.where.setdefault(name, []).append(index)
        for kind in self._kinds(name):
            kind.append(index)

    def pop(self) -> str:
        name = self.names.pop()
        self.where[name].pop()
        for kind in self._kinds(name):
            kind.pop()
        return name


class _OpenElements(_Stack):
    """A model of the parser's stack of open elements, good enough to bound its depth.

    It keeps the rules that close elements (end tags in scope, implied ends of p, li, cells and rows, svg and MathML
    content ended by HTML), and counts formatting elements closed early as still open, since the parser reopens them
    (at most three alike, its "Noah's Ark" rule). Where it cannot follow the parser it errs towards deeper.
    """

    def __init__(self) -> None:
        super().__init__()
        self.formatting: list[str] = []  # the start tag of each formatting element on the stack
        self.reopenable: list[dict[str, int]] = [{}]  # formatting elements closed early, by start tag, per marker level
        self.started = False  # text or an element in the body: a <frameset> may come too late
        self.frameset_page = False  # a page of frames, where nothing else counts
        self.framesets = 0  # open <frameset>s, which nest as deep as a page of frames may

    def depth(self) -> int:
        """The most elements the parser may have open; 3: the html, head and body a page may lack."""
        level = self.reopenable[-1]
        return max(len(self.names) + (sum(level.values()) if level else 0), self.framesets) + 3

    def formatting_count(self) -> int:
        return len(self.formatting) + sum(self.reopenable[-1].values())

    def in_scope(self, name: str, *extra: str) -> bool:
        """Whether ``name`` is open with no scope boundary (table, cell …, or one of ``extra``) open inside it."""
        index = self.index(name)
        return index > self.scopes[-1] and all(index > self.index(other) for other in extra)

    def in_foreign(self) -> bool:
        """Whether a start tag now is read as svg or MathML."""
        top = self.top()
        return top.startswith(_FOREIGN) and top not in _INTEGRATION

    def open(self, name: str, key: str) -> None:
        self.started = True
        self.push(name)
        if name in _MARKERS:
            self.reopenable.append({})
        if name in _FORMATTING:
            self.formatting.append(key)

    def close(self, early: bool) -> str:
        name = self.pop()
        if name in _MARKERS:
            self.reopenable.pop()
        if name in _FORMATTING:
            key = self.formatting.pop()
            level = self.reopenable[-1]
            if early and level.get(key, 0) < 3:
                level[key] = level.get(key, 0) + 1
        return name

    def close_until(self, name: str) -> None:
        """Close up to and including the last open ``name``, if one is open."""
        if self.index(name) >= 0:
            while self.close(early=self.top() != name) != name:
                pass

    def reopen(self) -> None:
        """Text and most inline start tags make the parser reopen the formatting elements closed early."""
        level = self.reopenable[-1]
        if any(level.values()):
            self.reopenable[-1] = {}
            for key, count in level.items():
                for _ in range(count):
                    self.open(key.split(" ", 1)[0], key)

    def forget(self, name: str) -> bool:
        """An end tag for a formatting element closed early: the parser stops reopening it. False if none is."""
        level = self.reopenable[-1]
        for key, count in level.items():
            if count and key.split(" ", 1)[0] == name:
                level[key] = count - 1
                return True
        return False

    def holds_raw_text(self, name: str) -> bool:
        """Whether the content of this start tag is text, not markup (script, style …; not in svg or a frameset)."""
        return name in _RAW_TEXT_END and not self.in_foreign() and (not self.framesets or name == "noframes")

    def text(self) -> None:
        self.started = True
        if not self.in_foreign():
            self.reopen()

    def start(self, name: str, key: str, self_closing: bool) -> None:
        """What a start tag opens and closes."""
        started, self.started = self.started, self.started or name not in _MERGED  # before this tag, and after
        if self.in_foreign() and not self.frameset_page:
            if name not in _BREAKOUT:
                if not self_closing:
                    self.open(_FOREIGN + name, key)
                return
            while self.in_foreign():
                self.close(early=False)
        if name == "frameset":  # taken or not by the parser, depending on what came before: counted apart
            self.frameset_page = self.frameset_page or not started
            self.framesets += 1
        elif self.frameset_page:
            return
        elif name in ("svg", "math"):
            self.reopen()
            if not self_closing:
                self.open(_FOREIGN + name, key)
        elif name in _VOID:
            self._close_implied(name)
            if name not in _NO_REOPEN:
                self.reopen()
        elif name == "select" and self._select_is_current():
            self.close_until("select")  # a select in a select ends it
        elif not (name in _MERGED or (name in _TABLE_STRUCTURE and not self.in_table())):
            self._close_implied(name)
            if name not in _NO_REOPEN:
                self.reopen()
            self.open(name, key)

    def _select_is_current(self) -> bool:
        """Whether the current element is a select, or an option or optgroup in one."""
        for name in reversed(self.names[-3:]):
            if name == "select":
                return True
            if name not in ("option", "optgroup"):
                return False
        return False

    def in_table(self) -> bool:
        return self.in_table_scope("table")

    def in_table_scope(self, name: str) -> bool:
        """Whether ``name`` is open in the current table (no table or template open inside it)."""
        return self.index(name) > max(self.index("table") if name != "table" else -1, self.index("template"))

    def _close_implied(self, name: str) -> None:
        """The elements a start tag closes before it opens its own."""
        if name in _TABLE_STRUCTURE:
            self._close_table_parts(name)
        if name == "table" and self.index("table") > max(map(self.index, ("td", "th", "caption", "template"))):
            self.close_until("table")  # a table in a table (not in a cell) closes it
        self._close_items(name)
        if name in _CLOSES_P and self.in_scope("p", "button"):
            self.close_until("p")
        if name in ("a", "nobr"):
            self.end(name)  # an open one is closed first, as by its end tag
        if name == "button" and self.in_scope(name):
            self.close_until(name)

    def _close_table_parts(self, name: str) -> None:
        """A row, cell or section closes the open cell (and row, and section); missing rows and bodies are added."""
        if self.in_table_scope("td") or self.in_table_scope("th"):
            self.close_until("td" if self.index("td") > self.index("th") else "th")
        if name in ("tr", *_TABLE_PARTS) and self.in_table_scope("tr"):
            self.close_until("tr")
        if name in _TABLE_PARTS:
            for part in _TABLE_PARTS:
                if self.in_table_scope(part):
                    self.close_until(part)
        if name in ("td", "th") and not self.in_table_scope("tr"):
            self.start("tr", "tr", False)
        if name == "tr" and not any(self.in_table_scope(part) for part in _TABLE_PARTS):
            self.open("tbody", "tbody")

    def _close_items(self, name: str) -> None:
        """List items, definitions, headings and options close the one open before them."""
        if name == "li" and 0 <= self.index("li") >= self.item_stops[-1]:
            self.close_until("li")
        if name in ("dd", "dt") and 0 <= max(self.index("dd"), self.index("dt")) >= self.item_stops[-1]:
            self.close_until("dd" if self.index("dd") > self.index("dt") else "dt")
        if name in _HEADINGS and self.top() in _HEADINGS:
            self.close(early=False)
        if name in ("option", "optgroup") and self.top() == "option":
            self.close(early=False)

    def end(self, name: str) -> None:
        """What an end tag closes."""
        if name == "frameset":
            self.framesets -= self.framesets > 0
            return
        if self.frameset_page:
            return
        if self.top().startswith(_FOREIGN):
            if name in ("br", "p"):
                while self.in_foreign():
                    self.close(early=False)
            elif self.index(_FOREIGN + name) > self.html[-1]:
                self.close_until(_FOREIGN + name)
                return
        self._end_html(name)

    def _end_html(self, name: str) -> None:
        """What an end tag closes among HTML elements."""
        if name in _FORMATTING:
            # The parser closes the last such element it lists, or moves it below a block (the depth stays the
            # same), or forgets it when it was closed early. Closed here only when that is sure: the current
            # element, listed (the parser lists three alike at most), and no reopenable one it could mean instead.
            if self.top() == name and self.formatting.count(self.formatting[-1]) <= 3 and not self.forget(name):
                self.close(early=False)
        elif name in _TABLE_STRUCTURE or name == "table":
            if self.in_table_scope(name):
                self.close_until(name)
        elif name in _HEADINGS:
            open_headings = [heading for heading in _HEADINGS if self.in_scope(heading)]
            if open_headings:
                self.close_until(max(open_headings, key=self.index))
        elif name in _CLOSED_IN_SCOPE:
            extra = ("button",) if name == "p" else ("ol", "ul") if name == "li" else ()
            if self.in_scope(name, *extra):
                self.close_until(name)
        elif name == "select":
            if 0 <= self.index("select") >= self.scopes[-1]:
                self.close_until("select")
        elif name not in _MERGED and name not in ("br", "form") and 0 <= self.index(name) >= self.specials[-1]:
            self.close_until(name)  # any other end tag closes its element when no special element is open inside it


@dataclass
class _Edits:
    """Replacements of parts of the page source, applied in one pass."""

    html: str
    pieces: list[str] = field(default_factory=list)
    done: int = 0

    def replace(self, start: int, end: int, text: str) -> None:
        self.pieces += [self.html[self.done : start], text]
        self.done = end

    def result(self) -> str:
        if not self.pieces:
            return self.html
        return "".join(self.pieces) + self.html[self.done :]


def _tag_end(html: str, start: int) -> int:
    """Where the tag whose attributes begin at ``start`` ends (after its ">"), or -1 when the page ends inside it."""
    rest = _TAG_REST.match(html, start)
    assert rest is not None  # every part of the pattern is optional: it matches, if only the empty string
    end = rest.end()
    return end if html[end - 1 : end] == ">" else -1


def _markup_end(html: str, match: re.Match[str]) -> int:
    """The end of a comment, doctype or stray ``</``; the page's end when it is not closed."""
    if match.group(3):
        start = match.end()
        if html.startswith(">", start) or html.startswith("->", start):
            return html.index(">", start) + 1
        end = html.find("-->", start)
        return len(html) if end < 0 else end + 3
    end = html.find(">", match.end())
    return len(html) if end < 0 else end + 1


def _raw_text_end(html: str, name: str, position: int) -> int:
    """The end of the script, style, textarea … whose text starts at ``position`` (after its end tag)."""
    closing = _RAW_TEXT_END[name].search(html, position)
    end = -1 if closing is None else _tag_end(html, closing.start() + 2 + len(name))
    return len(html) if end < 0 else end


def _element_end(html: str, name: str, position: int) -> int:
    """The end of the element ``name`` whose start tag ended at ``position`` (nested ones of that name counted);
    the page's end when it is not closed."""
    level = 1
    while level:
        match = _MARKUP.search(html, position)
        if match is None:
            return len(html)
        if not match.group(2):
            position = _markup_end(html, match)
            continue
        position = _tag_end(html, match.end())
        if position < 0:
            return len(html)
        tag = match.group(2).lower()
        if tag == name:
            level += -1 if match.group(1) else 1
        elif not match.group(1) and tag in _RAW_TEXT_END:
            position = _raw_text_end(html, tag, position)
    return position


def _too_many_attributes(attributes: str) -> bool:
    return len(attributes) > 2 * MAX_ATTRIBUTES and len(_ATTRIBUTE_START.findall(attributes)) > MAX_ATTRIBUTES


def _opens_element(stack: _OpenElements, name: str, self_closing: bool) -> bool:
    """Whether a start tag adds an element to the stack (void and self-closed svg elements do not)."""
    if stack.in_foreign() and name not in _BREAKOUT:
        return not self_closing
    return name not in _VOID and not (name in ("svg", "math") and self_closing)


def _over_limit(stack: _OpenElements, name: str) -> bool:
    return stack.depth() >= MAX_DEPTH or (name in _FORMATTING and stack.formatting_count() >= MAX_FORMATTING)


def limit_nesting(html: str) -> str:
    """``html`` without the start tags that would open elements deeper than MAX_DEPTH (or more than MAX_FORMATTING
    formatting elements), and without the attributes of tags that have more than MAX_ATTRIBUTES.

    A removed block tag leaves a <br>, so its text still starts a line; a removed element whose content is not
    shown (nav, select, svg …) goes with its content. A page within the limits comes back unchanged.
    """
    stack = _OpenElements()
    edits = _Edits(html)
    position = 0
    while (match := _MARKUP.search(html, position)) is not None:
        if match.start() > position:
            stack.text()
        if not match.group(2):
            position = _markup_end(html, match)
            continue
        end = _tag_end(html, match.end())
        if end < 0:
            break
        name, position = match.group(2).lower(), end
        if match.group(1):
            stack.end(name)
        elif stack.holds_raw_text(name):  # kept at any depth: it closes at once, and its text is not shown
            _strip_attributes(edits, html, match, end)
            position = _raw_text_end(html, name, end)
        elif _opens_element(stack, name, html[end - 2] == "/") and _over_limit(stack, name):
            position = _remove_start_tag(edits, html, match, end)
        else:
            _strip_attributes(edits, html, match, end)
            stack.start(name, f"{name} {html[match.end() : end - 1].lower()}" if name in _FORMATTING else name, html[end - 2] == "/")
            if name == "plaintext":
                break
    return edits.result()


def _strip_attributes(edits: _Edits, html: str, match: re.Match[str], end: int) -> None:
    """A start tag with more than MAX_ATTRIBUTES attributes loses them all: none of them shows in the text."""
    if _too_many_attributes(html[match.end() : end]):
        edits.replace(match.start(), end, f"<{match.group(2)}>")


def _remove_start_tag(edits: _Edits, html: str, match: re.Match[str], end: int) -> int:
    """Remove a start tag (and the content of a hidden element); where reading goes on."""
    name = match.group(2).lower()
    if name in HIDDEN_CONTAINERS:
        position = _element_end(html, name, end)
        edits.replace(match.start(), position, "")
        return position
    edits.replace(match.start(), end, "<br>" if name in LINE_BREAKING else "")
    return end
