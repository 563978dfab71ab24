"""The kinds of document lawsearch tells apart: one closed set, kept here and nowhere else.

A kind is read from the title when the report has one, else from its first headings and opening paragraph.
Kinds are tried in order, the most specific first (a 法治政府建设年度报告 is also a 报告).

>>> kind_of_title("某某县2023年法治政府建设年度报告")
'法治政府建设年度报告'
>>> kind_of_title("2026年政府工作报告")
'政府工作报告'
>>> kind_of_title("关于印发某某实施方案的通知")
'通知'
>>> kind_of_title("会议纪要") is None
True
"""

from __future__ import annotations

import re

OTHER = "其他"
# (kind, what a title of that kind says), most specific first.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("法治政府建设年度报告", re.compile(r"法治(?:政府)?建设.{0,12}(?:报告|情况|总结)|依法行政.{0,8}(?:报告|情况)")),
    ("政府信息公开工作年度报告", re.compile(r"政府信息公开.{0,8}报告")),
    # 某省人民政府2002年工作报告 too: a government's report with its year between.
    ("政府工作报告", re.compile(r"政府(?:[0-9０-９〇零○一二三四五六七八九]{4}\s*年度?)?工作报告")),
    ("国民经济和社会发展计划报告", re.compile(r"国民经济和社会发展.{0,12}计划.{0,12}报告")),
    ("预算报告", re.compile(r"预算.{0,12}报告|决算.{0,8}报告")),
    ("规划", re.compile(r"规划(?:纲要)?(?:（[^）]*）)?$|规划纲要|五年计划(?:纲要|摘要)?(?:（[^）]*）)?$|远景目标纲要$")),
    ("通知", re.compile(r"通知$")),
    ("意见", re.compile(r"意见$")),
    ("实施方案", re.compile(r"方案$")),
    ("工作要点", re.compile(r"(?:工作)?要点$|工作计划$")),
    ("工作总结", re.compile(r"总结")),
    ("工作报告", re.compile(r"报告$|情况$")),
)
KINDS: tuple[str, ...] = tuple(kind for kind, _ in _KIND_PATTERNS) + (OTHER,)
# Kinds that look back on a year (the year they are on is the year they review) rather than ahead.
RETROSPECTIVE = frozenset({"法治政府建设年度报告", "政府信息公开工作年度报告", "工作总结", "工作报告"})


def kind_of_title(title: str) -> str | None:
    """The kind a title names, or None when it names none of them."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(title):
            return kind
    return None


# The government's address to a congress session, as a work report opens: 我代表省人民政府，向大会报告工作 /
# 我代表国务院向第一届全国人民代表大会第五次会议，提出关于…的报告.
_GOVERNMENT_ADDRESS = re.compile(r"我代表[^，。；,;]{0,16}?(?:人民政府|国务院)[^。；;]{0,60}?(?:大会|会议)")
# Kinds a title may give a report that is, by its delivery, the government's work report to the congress (一九五八年度
# 国民经济计划草案的报告, 第七个五年计划的报告 delivered by the head of government in the work report's place).
GENERIC_CONGRESS_KINDS = frozenset({"工作报告", "国民经济和社会发展计划报告", "规划"})


def is_government_address(opening: str) -> bool:
    """Whether an opening is the government's address to a congress session (the opening of a work report).

    >>> is_government_address("现在，我代表省人民政府，向大会报告工作，请予审议。")
    True
    >>> is_government_address("受市人民政府委托，现将2023年预算执行情况报告如下，请予审议。")
    False
    """
    return bool(_GOVERNMENT_ADDRESS.search(opening))


def kind_of_opening(lines: list[str]) -> str | None:
    """The kind the first headings and the opening paragraph name (for reports without a title line): only the
    specific kinds count here, a bare 报告 in a paragraph says nothing."""
    text = "\n".join(lines)
    for kind, pattern in _KIND_PATTERNS[:2]:
        if pattern.search(text):
            return kind
    if re.search(r"法治(?:政府)?建设", text):
        return "法治政府建设年度报告"
    return None
