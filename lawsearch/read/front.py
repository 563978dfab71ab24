"""Front and back matter of a report: the lines around the body that describe it rather than belong to it.

Recognised by the grammar such lines follow in Chinese official documents, not by names:

- a **subtitle** says when and where a report was delivered: ``——2026年1月27日在某省第十四届人民代表大会第四次会议上``
  (a dash or bracket lead, a date, 在…上);
- a **speaker** line is an office ending in a head's title and a personal name: ``省长 王某某``, ``某市市长 龚 正``;
- a **signature** closes a report: the issuing body's name on one line, the date on the next;
- a **title** is a short line without sentence punctuation that names a kind of document (see :mod:`.kinds`).

>>> parse_subtitle("——2026年1月27日在某某省第十四届人民代表大会第四次会议上")
Subtitle(text='——2026年1月27日在某某省第十四届人民代表大会第四次会议上', delivered=datetime.date(2026, 1, 27), venue='某某省第十四届人民代表大会第四次会议')
>>> parse_speaker("某某省人民政府省长　王一二")
('某某省人民政府省长', '王一二')
>>> parse_speaker("各位代表：") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .headings import PUNCTUATED, is_date_line, is_numbered_heading
from .numbers import normalise_numbers

_HAN = r"\u3400-\u9fff"
_SPACE = r"[ \t\u3000\u00a0]"
# What leads a subtitle: a run of any dash (— U+2014, ― U+2015, – U+2013, ‒, ‐, ‑, ─ ━ box drawing, － ﹣ ﹘ full and
# small forms, ⸺ ⸻, - and ~ ～ as typed), single or doubled, or an opening bracket.
SUBTITLE_DASHES = "-~\u2010\u2011\u2012\u2013\u2014\u2015\u2500\u2501\u2e3a\u2e3b\ufe58\ufe63\uff0d\uff5e"
_SUBTITLE_LEAD = rf"(?:[{SUBTITLE_DASHES}](?:{_SPACE}?[{SUBTITLE_DASHES}]){{0,5}}|[(（])"
_SUBTITLE = re.compile(
    rf"^{_SUBTITLE_LEAD}?{_SPACE}*((?:19|20)\d{{2}})\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日"
    rf"{_SPACE}*在(.{{2,60}}?)上{_SPACE}*(?:的(?:讲话|报告|发言))?[)）]?{_SPACE}*(.*)$"
)
_SUBTITLE_START = re.compile(rf"^{_SUBTITLE_LEAD}{_SPACE}*(?:19|20)\d{{2}}\s*年.*在")
# An office is a body or place followed by the title of its head (省长, 市长, 主席, 主任, 局长 …): every such title ends
# in one of these characters. A name is two to four Han characters, sometimes spaced (龚 正).
_OFFICE_END = "长席任记"
_SPEAKER = re.compile(rf"^(?P<office>[{_HAN}]{{0,24}}[{_OFFICE_END}]){_SPACE}+(?P<name>[{_HAN}](?:{_SPACE}?[{_HAN}]){{1,3}})$")
# Written without a space (上海市市长杨雄, 市长于幼军) the split needs the title itself: a unit's head (省长, 市长, 区长,
# 局长, 厅长 …), 主席, 主任 or 书记 — so ``经济平稳增长态势`` (增长) or ``市长任某某`` (长任) split no wrong way —
# and the name is two or three characters after it (the longest office that ends in a title).
_SPEAKER_UNSPACED = re.compile(
    rf"^(?P<office>[{_HAN}]{{0,22}}(?:[省市区县州盟旗乡镇局厅院部委署处]长|主席|主任|书记))(?P<name>[{_HAN}]{{2,3}})$"
)
_SIGNATURE_NAME = re.compile(rf"^[{_HAN}（）()·\s]{{4,40}}$")
MAX_TITLE_CHARS = 60


@dataclass(frozen=True)
class Subtitle:
    text: str
    delivered: date | None
    venue: str


@dataclass
class FrontMatter:
    """What the lines around the body say about the report; each field None when the report does not show it."""

    title: str | None = None
    subtitle: str | None = None
    venue: str | None = None
    delivered: date | None = None
    speaker: str | None = None
    speaker_office: str | None = None
    signed_by: str | None = None
    signed: date | None = None
    page_date: date | None = None  # a date standing alone above the body, as pages show when they were posted
    fields: dict[str, str] = field(default_factory=dict)
    # The first title line the page shows. It is ``title`` unless the report's own front matter gave the title (the
    # publisher's label, :mod:`.frontmatter`); the metadata then reads both (``政府工作报告`` labels a page whose title
    # line says whose and when).
    page_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subtitle": self.subtitle,
            "venue": self.venue,
            "delivered": self.delivered.isoformat() if self.delivered else None,
            "speaker": self.speaker,
            "speaker_office": self.speaker_office,
            "signed_by": self.signed_by,
            "signed": self.signed.isoformat() if self.signed else None,
            "doc_number": self.fields.get("文号") or self.fields.get("发文字号") or None,
            "index_number": self.fields.get("索引号") or self.fields.get("信息索引号") or None,
        }


def parse_date(text: str) -> date | None:
    """The first date in ``text`` (2026年1月27日, 2026-01-27, 二〇二六年一月二十七日), or None."""
    m = re.search(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", normalise_numbers(text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_subtitle(line: str) -> Subtitle | None:
    """A ``——date在…会议上`` line (the speaker may follow on the same line; see :func:`split_subtitle_speaker`)."""
    stripped = normalise_numbers(line.strip())
    if len(stripped) > 120:
        return None
    m = _SUBTITLE.match(stripped)
    if not m:
        return None
    try:
        delivered: date | None = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        delivered = None
    venue = m.group(4).strip()
    return Subtitle(text=line.strip()[: len(line.strip()) - len(m.group(5))].strip(), delivered=delivered, venue=venue)


def subtitle_continues(line: str) -> bool:
    """A subtitle start that the page broke over two lines (``——2026年1月26日在某省第十四届`` / ``人民代表大会…上``)."""
    stripped = line.strip()
    return bool(_SUBTITLE_START.match(normalise_numbers(stripped))) and parse_subtitle(stripped) is None and len(stripped) <= 60


def split_subtitle_speaker(line: str) -> tuple[Subtitle, tuple[str, str] | None] | None:
    """A subtitle, and the speaker when the same line carries one after it."""
    subtitle = parse_subtitle(line)
    if subtitle is None:
        return None
    rest = line.strip()[len(subtitle.text) :].strip()
    return subtitle, parse_speaker(rest) if rest else None


def parse_speaker(line: str) -> tuple[str, str] | None:
    """``(office, name)`` of a line such as ``某省省长 王某`` or ``某市市长 龚 正``, or written without a space
    (``某市市长王一二``); None for anything else.

    >>> parse_speaker("上海市市长杨雄"), parse_speaker("市长于幼军"), parse_speaker("经济平稳增长态势")
    (('上海市市长', '杨雄'), ('市长', '于幼军'), None)
    """
    stripped = line.strip().strip("（）()")
    m = _SPEAKER.match(stripped) or _SPEAKER_UNSPACED.match(stripped)
    if not m:
        return None
    office = m.group("office")
    if len(office) < 2:
        return None
    return office, re.sub(rf"{_SPACE}+", " ", m.group("name"))


def is_title_like(line: str) -> bool:
    """A short line with no sentence punctuation that is not a numbered heading or a date."""
    stripped = line.strip()
    return (
        0 < len(stripped) <= MAX_TITLE_CHARS
        and not PUNCTUATED.search(stripped)
        and not is_numbered_heading(stripped)
        and not is_date_line(stripped)
    )


def signature_at_end(lines: list[str]) -> tuple[str | None, date | None, int]:
    """The signature closing ``lines``: ``(body, date, how many lines it takes)``; ``(None, None, 0)`` when none.

    >>> signature_at_end(["正文。", "某某县人力资源和社会保障局", "2023年11月21日"])
    ('某某县人力资源和社会保障局', datetime.date(2023, 11, 21), 2)
    """
    if not lines or not is_date_line(lines[-1]):
        return None, None, 0
    signed = parse_date(lines[-1])
    body_lines: list[str] = []
    for line in reversed(lines[:-1][-2:]):
        stripped = line.strip()
        if not _SIGNATURE_NAME.match(stripped) or is_numbered_heading(stripped):
            break
        body_lines.insert(0, stripped)
    return (" ".join(body_lines) or None), signed, 1 + len(body_lines)
