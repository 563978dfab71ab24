"""What one line of page chrome looks like: the line rules the page stage (:mod:`.page`) applies.

Each predicate judges a single line; where a line stands (before, inside or after the body) is the page
stage's business.

>>> is_button_row("【打印本页】【关闭本页】"), is_footer_line("版权所有：某某市人民政府"), starts_breadcrumb("当前位置：首页 > 工作动态")
(True, True, True)
"""

from __future__ import annotations

import re

HEADER_LABELS = (
    "索引号",
    "信息索引号",
    "公开方式",
    "公开范围",
    "公开时限",
    "公开形式",
    "文号",
    "发文字号",
    "公开日期",
    "发布日期",
    "发文日期",
    "成文日期",
    "生成日期",
    "生效日期",
    "发布时间",
    "发布单位",
    "发布机构",
    "发文机关",
    "发文单位",
    "所属机构",
    "主题分类",
    "体裁分类",
    "组配分类",
    "服务对象分类",
    "主题词",
    "信息来源",
    "来源",
    "作者",
    "浏览次数",
    "阅读次数",
    "点击数",
    "点击量",
    "访问量",
    "浏览量",
    "字号",
    "有效性",
    "时间",
    "发表时间",
    "更新时间",
    "阅读量",
    "编辑",
    "责任编辑",
    "审核",
    "稿源",
)
_LABEL = "|".join(sorted(map(re.escape, HEADER_LABELS), key=len, reverse=True))
# A label is followed by a colon, or, in pages that lay the header out as a table, by a wide gap.
_FIELD = re.compile(rf"({_LABEL})(?:\s*[:：]\s*|\s{{2,}}|\t\s*)")
_HEADER_LINE = re.compile(rf"^\s*(?:{_LABEL})(?:\s*[:：]|\s{{2,}}|\t)")
# A label standing alone, its value on the next line: ``发表时间：`` / ``2026-02-09 09:45:30``.
_LONE_LABEL = re.compile(rf"^\s*({_LABEL})\s*[:：]?\s*$")
_MAX_CHROME_LINE_CHARS = 200

_CRUMB_SEPARATOR = r"(?:>>|>|»|›|＞|→)"
_BREADCRUMB_START = re.compile(
    rf"^\s*(?:(?:当前位置|您当前的位置|您现在的位置|你现在的位置|您的位置|你的位置|所在位置|您所在的位置|你所在的位置)\s*[:：]?"
    rf"|首页\s*{_CRUMB_SEPARATOR})"
)
_BREADCRUMB_CONTINUATION = re.compile(rf"^\s*{_CRUMB_SEPARATOR}")
# Patterns that repeat a group over a line keep it linear: the alternatives of a repeated group
# never share a prefix (longest first), and whitespace and repeats are possessive (``\s*+``, ``++``), so
# a line that fails to match is not retried in every way of splitting it (``首页  首页  …主办单位``).
_SEPARATOR = r"[|｜丨/]"


def _words(*words: str) -> str:
    """An alternation of literal words, longest first, so no word is tried after a shorter prefix of it."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_SHARE_TARGETS = _words("微信", "微博", "QQ", "QQ空间", "朋友圈", "新浪微博", "腾讯微博", "人人网", "豆瓣")
_FOOTER_START = re.compile(
    r"^\s*+(版权所有(?:\s|[:：©(（]|$)|Copyright|©|网站标识码|政府网站标识码|扫一扫在手机|用手机扫描|手机扫一扫"
    rf"|分享到\s*+(?:[:：]|$|(?:{_SHARE_TARGETS}|\s|[|｜丨/、])++$)"
    r"|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]?ICP备|.{0,4}公网安备"
    r"|(?:主办|承办|协办|维护|主办单位|承办单位|维护单位|技术支持|上一篇|下一篇|相关链接)\s*+[:：])",
    re.IGNORECASE,
)
_NAV_WORDS = _words("首页", "联系我们", "网站地图", "网站声明", "关于我们", "返回顶部", "隐私声明", "使用帮助", "无障碍", "English")
# One or more navigation words, each followed by spaces and at most one separator: 首页 | 网站地图 | 联系我们.
_NAV_ROW = re.compile(rf"\s*+(?>(?:{_NAV_WORDS})\s*+{_SEPARATOR}?\s*+)++")
_BUTTON = re.compile(r"【[^】]{1,12}】|〖[^〗]{1,12}〗|\[[^\]]{1,12}\]")
_BUTTON_WORDS = re.compile(
    rf"(?:{_words('打印', '关闭', '收藏', '返回', '字体', '字号', '大', '中', '小', '默认', '顶部', '分享', '纠错', '本页', '本文', '此页', '窗口')}"
    rf"|\s|{_SEPARATOR})++"
)


def is_button_row(line: str) -> bool:
    """A row of UI buttons such as ``【打印本页】 【关闭本页】`` or ``【字体：大 中 小】``."""
    stripped = line.strip()
    if not stripped or len(line) > _MAX_CHROME_LINE_CHARS:
        return False
    if not _BUTTON.search(stripped):
        return bool(re.search(r"[|｜丨]", stripped)) and _BUTTON_WORDS.fullmatch(stripped) is not None
    inner = _BUTTON.sub(lambda m: m.group(0)[1:-1], stripped).replace("：", "").replace(":", "")
    rest = _BUTTON.sub("", stripped).strip()
    return _BUTTON_WORDS.fullmatch(inner) is not None and (not rest or _BUTTON_WORDS.fullmatch(rest) is not None)


def is_footer_line(line: str) -> bool:
    """Copyright, ICP, 公网安备, 网站标识码, 分享到, 扫一扫 and similar footer lines, and navigation rows."""
    return len(line) <= _MAX_CHROME_LINE_CHARS and bool(_FOOTER_START.match(line) or _NAV_ROW.fullmatch(line))


def starts_breadcrumb(line: str) -> bool:
    """``当前位置：…`` or ``首页 > …``."""
    return len(line) <= _MAX_CHROME_LINE_CHARS and bool(_BREADCRUMB_START.match(line))


def continues_breadcrumb(line: str) -> bool:
    """``>> 栏目 >> 正文``: a line that starts with a crumb separator."""
    return len(line) <= _MAX_CHROME_LINE_CHARS and bool(_BREADCRUMB_CONTINUATION.match(line))


def is_crumb_separator(line: str) -> bool:
    """A line that is nothing but a crumb separator (``>``), as pages that lay crumbs out one per line have."""
    return bool(re.fullmatch(rf"\s*{_CRUMB_SEPARATOR}\s*", line))


def is_home_link(line: str) -> bool:
    return line.strip() in ("首页", "网站首页", "主页")


def lone_label(line: str) -> str | None:
    """The label of a page-field line whose value is on the next line (``发表时间：``), else None."""
    if len(line) > 20:
        return None
    m = _LONE_LABEL.match(line)
    return m.group(1) if m else None


def header_fields(line: str) -> list[tuple[str, str]]:
    """``[(label, value)]`` of a page-field line such as ``索引号: 0025/2021-65504 公开方式: 主动公开``; [] otherwise.

    >>> header_fields("文号: 公开日期: 2021-02-22 10:51")
    [('文号', ''), ('公开日期', '2021-02-22 10:51')]
    """
    if len(line) > _MAX_CHROME_LINE_CHARS or not _HEADER_LINE.match(line):
        return []
    matches = list(_FIELD.finditer(line))
    fields = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        fields.append((match.group(1), line[match.end() : end].strip()))
    return fields
