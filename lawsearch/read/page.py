"""The page stage: decoded lines in; body lines, front and back matter, and every dropped line (with why) out.

A saved page is the report's body wrapped in chrome. The body is found by position and shape, not by words:
it runs from the first line that reads as prose (a long line with clause punctuation, or a numbered heading)
to the last one. Around it, lines describe the report (title, subtitle, speaker, page fields, signature: kept
as front matter) or the site (short button and navigation lines, breadcrumbs, captions, related-article tails:
dropped). Inside it, only lines no report sentence can be are dropped: footers and button rows, a second copy of
the body and the short lines between the two copies, a date with the time of day (when the page was posted), and
short unpunctuated lines that recur across the corpus (:mod:`.boilerplate`).

>>> page = read_page("首页\\n>\\n要闻\\n某某县2023年工作总结\\n来源：某某日报\\n2023年，全县上下认真贯彻落实各项部署，经济运行稳中有进。\\n扫一扫在手机打开当前页")
>>> page.text
'2023年，全县上下认真贯彻落实各项部署，经济运行稳中有进。'
>>> page.front.title, page.front.fields
('某某县2023年工作总结', {'来源': '某某日报'})
>>> [(d.number, d.rule) for d in page.dropped]
[(1, 'breadcrumb'), (2, 'breadcrumb'), (3, 'breadcrumb'), (4, 'title'), (5, 'page field'), (7, 'footer')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import chrome
from .front import FrontMatter, is_title_like, parse_date, parse_speaker, signature_at_end, split_subtitle_speaker, subtitle_continues
from .frontmatter import canonical_key
from .headings import is_date_line, is_numbered_heading
from .kinds import kind_of_title
from .simplify import simplified

# A line that reads as prose: this long, with clause or sentence punctuation.
_PROSE_CHARS = 30
_PROSE_PUNCTUATION = re.compile(r"[，,。；;！!？?]")
_SENTENCE_PUNCTUATION = re.compile(r"[。；;！!？?]")
_SENTENCE_END = re.compile(r"[。！!？?][”’\"」』）)]*$")
# Outside the body, lines this short (counting letters and digits only) are page furniture: buttons, labels, widgets.
_UI_CHARS = 4
# After the body, lines up to this long that are not the signature belong to the page, not the report.
_TAIL_CHARS = 12
# A second copy of a line this long on one page is the page repeating the body.
_REPEAT_CHARS = 20
_REPEATED = "repeated on this page"
# Two copies of the body on one page: runs of at least this many lines, the later repeating the earlier line for line.
_COPY_LINES = 3
_MAX_CAPTION_CHARS = 60
# 记者 某某 摄 / 新华社记者 某某某摄 / 摄影：某某 / 图片来源：…: the credit of a photo. A sentence that merely
# mentions a 记者 (组织新闻记者培训3期。) is no caption.
_CAPTION = re.compile(r"[\u3400-\u9fff]{2,4}\s*摄[)）]?$|^(?:摄影|图片来源|图片|图)\s*[:：/]")
_RELATED = re.compile(r"^(?:相关|延伸|推荐|更多)[\u3400-\u9fff]{0,4}\s*[:：]?$")
# A date standing alone (2026-02-09, 2026年02月10日), with the time of day a page shows it was posted (09:45:30,
# 07时41分) or not. A line that is a date and a time is the page's, never the report's: no report signs or heads
# anything with the minute.
_DATE = r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = (
    r"(?:\s*(?:星期|周)[一二三四五六日天])?\s*(?:[上下]午\s*)?"
    r"\d{1,2}\s*(?::\s*\d{2}(?:\s*:\s*\d{2})?|时\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?)"
)
_DATETIME = re.compile(rf"^\s*{_DATE}(?:{_TIME})?\s*$")
_DATE_AND_TIME = re.compile(rf"^\s*[(（\[【]?{_DATE}{_TIME}[)）\]】]?\s*$")
_MEANINGFUL = re.compile(r"[\w]")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class LineStatistics(Protocol):
    """What the page stage asks of the corpus statistics (see :class:`.boilerplate.Boilerplate`)."""

    def is_boilerplate(self, line: str) -> bool: ...


@dataclass(frozen=True)
class DroppedLine:
    """A line the reader removed: its number in the decoded text (from 1), the line, and the rule."""

    number: int
    text: str
    rule: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.number, "text": self.text, "rule": self.rule}


@dataclass
class Page:
    """The body of a report (one paragraph a line), what surrounds it, and what was removed."""

    text: str
    front: FrontMatter
    dropped: list[DroppedLine] = field(default_factory=list)


def remove_invisible_characters(text: str) -> str:
    """Drop zero-width spaces, joiners, stray byte-order marks and soft hyphens that scraped pages carry."""
    return _INVISIBLE.sub("", text)


def _meaningful_chars(line: str) -> int:
    return len(_MEANINGFUL.findall(line))


def _is_prose(line: str) -> bool:
    return len(line) >= _PROSE_CHARS and bool(_PROSE_PUNCTUATION.search(line))


def _is_body_line(line: str) -> bool:
    """A line only a report body has: prose, or a numbered heading followed by words."""
    return _is_prose(line) or (is_numbered_heading(line) and _meaningful_chars(line) > 2)


def _is_last_body_line(line: str) -> bool:
    return _is_body_line(line) or (len(line) >= 15 and bool(_SENTENCE_PUNCTUATION.search(line))) or len(line) >= 40


class _Marker:
    """The lines of one page and the rule, if any, that drops each."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.rule: list[str | None] = [None] * len(lines)

    def kept(self, start: int = 0, stop: int | None = None) -> list[int]:
        stop = len(self.lines) if stop is None else stop
        return [i for i in range(start, stop) if self.rule[i] is None and self.lines[i]]

    def drop(self, index: int, rule: str) -> None:
        if self.rule[index] is None:
            self.rule[index] = rule


def _mark_single_lines(page: _Marker) -> None:
    """Rules that judge a line alone, anywhere on the page."""
    for i in page.kept():
        line = page.lines[i]
        if chrome.is_footer_line(line):
            page.drop(i, "footer")
        elif chrome.is_button_row(line):
            page.drop(i, "buttons")
        elif len(line) <= _MAX_CAPTION_CHARS and _CAPTION.search(line) and not _is_long_sentence(line):
            page.drop(i, "photo caption")


def _is_long_sentence(line: str) -> bool:
    """A caption credit is short; a sentence that merely mentions a 记者 is prose and stays."""
    return len(line) > 40 and bool(_SENTENCE_PUNCTUATION.search(line[:-1]))


def _mark_breadcrumbs(page: _Marker) -> None:
    """``当前位置：首页 > 栏目 > 正文`` on one line or spread over several (a separator line, then the next crumb)."""
    kept = page.kept()
    in_crumb = False
    for position, i in enumerate(kept):
        line = page.lines[i]
        next_line = page.lines[kept[position + 1]] if position + 1 < len(kept) else ""
        starts = chrome.starts_breadcrumb(line) or (chrome.is_home_link(line) and chrome.is_crumb_separator(next_line))
        continues = in_crumb and (
            chrome.is_crumb_separator(line)
            or chrome.continues_breadcrumb(line)
            or (chrome.is_crumb_separator(page.lines[kept[position - 1]]) and len(line) <= 20)
        )
        in_crumb = bool(starts or continues)
        if in_crumb:
            page.drop(i, "breadcrumb")


def _body_bounds(page: _Marker) -> tuple[int, int]:
    """Index of the first and last line of the body; (len, -1) when nothing reads as a body."""
    kept = page.kept()
    first = next((i for i in kept if _is_body_line(page.lines[i]) and not _is_front_line(page.lines[i])), len(page.lines))
    last = next((i for i in reversed(kept) if i >= first and _is_last_body_line(page.lines[i])), -1)
    return first, last


def _is_front_line(line: str) -> bool:
    return split_subtitle_speaker(line) is not None


def _mark_related_tail(page: _Marker, first: int) -> None:
    """Everything from a ``相关报道：`` line in the last part of the page is links to other pages."""
    kept = page.kept(first)
    for position, i in enumerate(kept):
        if position > len(kept) // 2 and _RELATED.match(page.lines[i]):
            for j in kept[position:]:
                page.drop(j, "related links")
            return


def _mark_repeats(page: _Marker) -> None:
    """A second copy of the body on one page (pages that print it twice): a long line seen before, and the lines
    around it that follow the earlier copy line for line (its headings); an adjacent repeat of a line is one too.
    Then the short lines between the two copies (:func:`_mark_between_copies`)."""
    kept = page.kept()
    first_seen: dict[str, int] = {}
    copy_of: int | None = None  # position in ``kept`` of the earlier line the current copy follows
    source: dict[int, int] = {}  # position in ``kept`` of each repeated line → position of the line it repeats
    for position, i in enumerate(kept):
        line = page.lines[i]
        if copy_of is not None and copy_of < position and page.lines[kept[copy_of]] == line:
            page.drop(i, _REPEATED)
            source[position] = copy_of
            copy_of += 1
            continue
        copy_of = None
        earlier = first_seen.get(line)
        if earlier is not None and (len(line) >= _REPEAT_CHARS or earlier == position - 1):
            page.drop(i, _REPEATED)
            source[position] = earlier
            copy_of = earlier + 1
            back, front = position - 1, earlier - 1
            while back > earlier and front >= 0 and page.lines[kept[back]] == page.lines[kept[front]]:
                page.rule[kept[back]] = _REPEATED
                source.setdefault(back, front)
                back, front = back - 1, front - 1
        first_seen.setdefault(line, position)
    _mark_between_copies(page, kept, source)


def _mark_between_copies(page: _Marker, kept: list[int], source: dict[int, int]) -> None:
    """Where a run of at least ``_COPY_LINES`` lines is followed, after a gap, by a run of as many lines repeating
    them, the gap is the page's furniture between two copies (打印本页, 责任编辑, the title and posting time over the
    printable copy …) when none of its lines reads as body text (:func:`_is_body_line`)."""
    repeats = set(source)
    copied = set(source.values()) - repeats
    position = 0
    while position < len(kept):
        if position in repeats or position in copied:
            position += 1
            continue
        gap_end = position
        while gap_end < len(kept) and gap_end not in repeats and gap_end not in copied:
            gap_end += 1
        before = _run_length(copied, position - 1, -1)
        after = _run_length(repeats, gap_end, 1)
        if (
            before >= _COPY_LINES
            and after >= _COPY_LINES
            and source[gap_end] < position
            and not any(_is_body_line(page.lines[kept[p]]) for p in range(position, gap_end))
        ):
            for p in range(position, gap_end):
                page.drop(kept[p], "between two copies")
        position = gap_end


def _run_length(positions: set[int], start: int, step: int) -> int:
    """How many consecutive positions from ``start`` (going by ``step``) are in ``positions``."""
    length = 0
    while start + step * length in positions:
        length += 1
    return length


def _mark_page_dates(page: _Marker) -> None:
    """A line that is a date and a time of day anywhere on the page (``2026年02月10日 07时41分``) is when the page was
    posted, never a line of the report, and never a heading. (Above the body :func:`_read_front` reads it first.)"""
    for i in page.kept():
        if _DATE_AND_TIME.match(page.lines[i]):
            page.drop(i, "page date")


def _read_front(page: _Marker, first: int, front: FrontMatter) -> None:
    """Lines before the body: title, subtitle, speaker and page fields become front matter; furniture goes."""
    kept = page.kept(0, first)
    pending_label: str | None = None
    skip: set[int] = set()
    for position, i in enumerate(kept):
        if i in skip:
            continue
        line = page.lines[i]
        if pending_label is not None:
            label, pending_label = pending_label, None
            if _took_field_value(page, i, label, front):
                continue
        if lone_label := chrome.lone_label(line):
            page.drop(i, "page field")
            pending_label = lone_label
            continue
        if fields := chrome.header_fields(line):
            for name, value in fields:
                front.fields.setdefault(name, value)
            page.drop(i, "page field")
            continue
        if _DATETIME.match(line):
            front.page_date = front.page_date or parse_date(line)
            page.drop(i, "page field")
            continue
        joined, used = line, [i]
        if subtitle_continues(line) and position + 1 < len(kept):
            joined, used = line + page.lines[kept[position + 1]], [i, kept[position + 1]]
        if found := split_subtitle_speaker(joined):
            subtitle, speaker = found
            if front.subtitle is None:
                front.subtitle, front.delivered, front.venue = subtitle.text, subtitle.delivered, subtitle.venue
            if speaker and front.speaker is None:
                front.speaker_office, front.speaker = speaker
            for j in used:
                page.drop(j, "subtitle")
            skip.update(used)
            continue
        if speaker := parse_speaker(line):
            if front.speaker is None:
                front.speaker_office, front.speaker = speaker
            page.drop(i, "speaker")
            continue
        if is_title_like(line) and kind_of_title(simplified(line)):
            if front.title is None:
                front.title = line
            if front.page_title is None:
                front.page_title = line
            page.drop(i, "title")
            continue
        if _meaningful_chars(line) <= _UI_CHARS and first < len(page.lines):
            page.drop(i, "short line before the body")


def _took_field_value(page: _Marker, index: int, label: str, front: FrontMatter) -> bool:
    """Whether the line after a lone ``来源：`` label is its value (a short line that is not a label or a widget)."""
    line = page.lines[index]
    if len(line) <= 30 and not chrome.lone_label(line) and not _is_prose(line) and not re.search(r"[【】\[\]]", line):
        front.fields.setdefault(label, line.strip())
        page.drop(index, "page field")
        return True
    front.fields.setdefault(label, "")
    return False


def _read_tail(page: _Marker, last: int, front: FrontMatter) -> None:
    """Lines after the body: the signature (body and date) becomes back matter; short page furniture goes."""
    kept = page.kept(last + 1)
    tail = [page.lines[i] for i in kept]
    date_at = next((p for p, line in enumerate(tail) if is_date_line(line)), None)
    if date_at is not None:
        signed_by, signed, size = signature_at_end(tail[: date_at + 1])
        if size and (signed_by or date_at == 0):
            front.signed_by, front.signed = signed_by, signed
            for position in range(date_at + 1 - size, date_at + 1):
                page.drop(kept[position], "signature")
    for i in page.kept(last + 1):
        line = page.lines[i]
        if _meaningful_chars(line) <= _TAIL_CHARS and not is_numbered_heading(line) and not _SENTENCE_END.search(line):
            page.drop(i, "after the report ends")


def _mark_boilerplate(page: _Marker, statistics: LineStatistics, first: int, last: int) -> None:
    """Lines that recur across the corpus. Inside the body only lines that cannot be headings (punctuated or tiny)."""
    reports_with = getattr(statistics, "reports_with", None)
    for i in page.kept():
        line = page.lines[i]
        if is_numbered_heading(line) or not statistics.is_boilerplate(line):
            continue
        if first <= i <= last and is_title_like(line) and _meaningful_chars(line) > _UI_CHARS:
            continue
        count = reports_with(line) if callable(reports_with) else None
        page.drop(i, f"recurs in {count} reports" if count else "recurs across reports")


def take_front_fields(front: FrontMatter, front_fields: Sequence[tuple[str, str]]) -> None:
    """File the fields of a report's own front matter (:mod:`.frontmatter`) into ``front``: its title is the
    report's title (the publisher's label, ahead of any title line of the page), its date the page date when it
    reads as one; every field is kept under its key as written and, for a known key, under the field it names
    (``来源`` also as ``source``).

    >>> front = FrontMatter()
    >>> take_front_fields(front, [("title", "白城市政府工作报告"), ("来源", "白城日报"), ("date", "2021-01-12")])
    >>> front.title, front.page_date, front.fields["source"], front.fields["来源"]
    ('白城市政府工作报告', datetime.date(2021, 1, 12), '白城日报', '白城日报')
    """
    for key, value in front_fields:
        name = canonical_key(key)
        if name == "title" and front.title is None:
            front.title = value
        elif name == "date" and front.page_date is None:
            front.page_date = parse_date(value)
        front.fields.setdefault(key, value)
        if name is not None:
            front.fields.setdefault(name, value)


def read_page(text: str, boilerplate: LineStatistics | None = None, front_fields: Sequence[tuple[str, str]] = ()) -> Page:
    """Split decoded report text into body, front and back matter, and dropped lines (see the module docstring);
    ``front_fields`` are the report's own front matter, taken in first (:func:`take_front_fields`)."""
    lines = [remove_invisible_characters(line).strip() for line in text.split("\n")]
    page = _Marker(lines)
    front = FrontMatter()
    take_front_fields(front, front_fields)
    _mark_breadcrumbs(page)
    _mark_single_lines(page)
    _mark_repeats(page)
    first, last = _body_bounds(page)
    _mark_related_tail(page, first)
    first, last = _body_bounds(page)
    _read_front(page, first, front)
    if last >= 0:
        _read_tail(page, last, front)
    _mark_page_dates(page)
    if boilerplate is not None:
        _mark_boilerplate(page, boilerplate, first, last)
    body = [line for line, rule in zip(lines, page.rule, strict=True) if rule is None and line]
    dropped = [DroppedLine(i + 1, lines[i], rule) for i, rule in enumerate(page.rule) if rule is not None]
    return Page(text="\n".join(body), front=front, dropped=dropped)


def clean_text(text: str) -> str:
    """The body of ``text`` alone (see :func:`read_page`)."""
    return read_page(text).text


def page_fields(text: str) -> dict[str, str]:
    """Values of the page fields around the body, e.g. ``{"公开日期": "2021-02-22 10:51"}``."""
    return read_page(text).front.fields
