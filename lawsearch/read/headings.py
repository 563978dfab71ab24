"""The heading grammar of Chinese government reports, and the signature that closes them.

Numbered forms, outermost first: ``一、`` › ``(一)`` / ``（一）`` › ``1.`` / ``1、`` / ``1．`` › ``(1)`` / ``（1）``.
A heading may stand on its own line or begin a paragraph, in which case the heading is the
part up to the first ``。`` or ``：``. Inline enumerations (一是…二是…) are not headings.

>>> parse_heading("1.夯实法治建设基础。继续发挥……")
Heading(rank=3, text='1.夯实法治建设基础', inline=True)
>>> parse_heading("一是严格决策规则。") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十百零〇"
NUMBERED_FORMS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_NUM}]+\s*、(?![{_CN_NUM}]+\s*[、月季年])")),  # not 三、四月份 / 一、二季度
    (2, re.compile(rf"^[(（]\s*[{_CN_NUM}]+\s*[)）]")),
    (3, re.compile(r"^\d{1,3}\s*[.、．](?![\d.．])")),
    (4, re.compile(r"^[(（]\s*\d{1,3}\s*[)）]")),
    (4, re.compile(r"^\d{1,3}\s*[)）]")),
)
TITLE_RANK = 0
MAX_HEADING_CHARS = 60
MAX_UNNUMBERED_HEADING_CHARS = 40

_HEADING_END = re.compile(r"[。：:！？!?]")
_CLAUSE_END = re.compile(r"[，,；;]")
PUNCTUATED = re.compile(r"[。！？!?；;，,：:]")  # a line with any of these is prose, not a heading or title
_DATE_LINE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}-\d{1,2}-\d{1,2}"
    r"|[〇零○一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)\s*$"
)
_MAX_SIGNATURE_NAME_CHARS = 40
_HAN = re.compile(r"[\u3400-\u9fff]")
_APPENDIX = re.compile(r"^(?:附件|附录|附表)\s*[0-9一二三四五六七八九十]{0,3}\s*[:：]?$")
_LEAD = re.compile(r"^(?![一二三四五六七八九十]+是)([^，,、；;：:。！？!?（）()]{4,20})。(?=\s*\S.{19})")


@dataclass(frozen=True)
class Heading:
    """A recognised heading: its rank (smaller = outer), text with its number, and whether body text follows on its line."""

    rank: float
    text: str
    inline: bool


def numbered_rank(line: str) -> int | None:
    """The rank of a numbered heading form at the start of ``line``, or None."""
    stripped = line.strip()
    for rank, pattern in NUMBERED_FORMS:
        if pattern.match(stripped):
            return rank
    return None


def is_numbered_heading(line: str) -> bool:
    return numbered_rank(line) is not None


def parse_heading(line: str) -> Heading | None:
    """A numbered heading at the start of ``line``, or None."""
    stripped = line.strip()
    rank = numbered_rank(stripped)
    if rank is None:
        return None
    end = _HEADING_END.search(stripped)
    sentence = stripped[: end.start()] if end else stripped
    inline = end is not None and bool(stripped[end.end() :].strip())
    if len(sentence) > MAX_HEADING_CHARS:
        clause = _CLAUSE_END.search(sentence)
        sentence = sentence[: clause.start()] if clause and clause.start() <= MAX_HEADING_CHARS else sentence[:MAX_HEADING_CHARS] + "…"
        inline = True
    return Heading(rank=rank, text=sentence.strip(), inline=inline)


def is_unnumbered_heading(line: str) -> bool:
    """A short line standing alone with no punctuation, such as a title or an unnumbered sub-heading."""
    stripped = line.strip()
    return (
        0 < len(stripped) <= MAX_UNNUMBERED_HEADING_CHARS
        and len(_HAN.findall(stripped)) >= 2
        and not PUNCTUATED.search(stripped)
        and not _DATE_LINE.match(stripped)
        and not re.match(rf"^[{_CN_NUM}]是", stripped)
    )


def is_appendix_marker(line: str) -> bool:
    """``附件1`` / ``附件：`` / ``附录二``: a line that opens an appendix, a top-level section of its own."""
    return bool(_APPENDIX.match(line.strip()))


def lead_sentence(line: str) -> str | None:
    """The short first sentence that leads a paragraph as a bold run-in heading does (``促进高质量充分就业。实施…``):
    four to twenty characters without a comma, then the paragraph goes on. None when the line has no such lead, and
    for enumerations (一是…二是…), which argue one point rather than open a topic.

    >>> lead_sentence("促进高质量充分就业。实施稳岗扩容提质行动，城镇新增就业不少于28万人。")
    '促进高质量充分就业'
    >>> lead_sentence("全年新增就业2万人，完成目标。") is None
    True
    """
    m = _LEAD.match(line.strip())
    return m.group(1) if m else None


def is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line))


def signature_size(lines: list[str]) -> int:
    """How many of the last non-empty ``lines`` sign the report (issuing body and date); 0 when it ends otherwise."""
    if not lines or not is_date_line(lines[-1]):
        return 0
    size = 1
    while size < min(3, len(lines)):
        line = lines[-size - 1].strip()
        if len(line) > _MAX_SIGNATURE_NAME_CHARS or PUNCTUATED.search(line) or is_numbered_heading(line):
            break
        size += 1
    return size
