"""Front matter of a text report: fields that describe the file, written above its text, never part of it.

Two forms are read, both only at the very top of a .txt or .md report:

- a **YAML block**: a ``---`` first line, ``key: value`` lines, a closing ``---`` (or ``...``) line, read with
  ``yaml.safe_load``. A block YAML cannot read (``title: 某市政府工作报告: 市长``) is still dropped when every line
  in it is a ``key: value`` line (or a ``- item`` under one); a block of anything else stays text.
- a **header block**: consecutive short ``key: value`` / ``key：value`` lines of known keys (:data:`KNOWN_KEYS`:
  title/标题, source/url/链接/来源, date/日期/时间, author/作者, tags/关键词) followed by a blank line.

Fields come back as ``(key, value)`` pairs in the order written, keys as written, values as one string (a list
is joined with spaces; nested mappings are left out). The block's lines are blanked, not removed, so that line
numbers in the rest of the text still point into the file.

>>> fields, text = split_front_matter("---\\ntitle: 白城市政府工作报告（2021年1月12日 李明伟）\\n---\\n\\n各位代表：")
>>> fields, text.split("\\n")
((('title', '白城市政府工作报告（2021年1月12日 李明伟）'),), ['', '', '', '', '各位代表：'])
>>> split_front_matter("标题：某县2023年工作总结\\n来源：某县人民政府\\n\\n2023年，全县……")[0]
(('标题', '某县2023年工作总结'), ('来源', '某县人民政府'))
>>> canonical_key("链接"), canonical_key("Title"), canonical_key("索引号")
('source', 'title', None)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

FrontFields = tuple[tuple[str, str], ...]

# What a header block may hold: each written key and the field it is (an English or Chinese name for the same field).
KNOWN_KEYS: dict[str, str] = {
    "title": "title",
    "标题": "title",
    "题目": "title",
    "source": "source",
    "url": "source",
    "link": "source",
    "链接": "source",
    "原文链接": "source",
    "来源": "source",
    "出处": "source",
    "date": "date",
    "日期": "date",
    "时间": "date",
    "发布日期": "date",
    "发布时间": "date",
    "author": "author",
    "作者": "author",
    "tags": "tags",
    "标签": "tags",
    "keywords": "tags",
    "关键词": "tags",
}
# A front-matter block is a few lines of fields; one longer than this is not front matter (and is never scanned on).
MAX_BLOCK_LINES = 100
MAX_BLOCK_CHARS = 20_000
# A header line is a label and a short value; a longer line is text.
MAX_HEADER_LINE_CHARS = 200
_FENCE = "---"
_YAML_END = ("---", "...")
# ``key: value`` or ``key：value``: a label of up to 40 characters, a colon, the value.
_KEY_VALUE = re.compile(r"^([^\s:：#\-][^:：]{0,39}?)\s*[:：]\s*(.*)$")
_LIST_ITEM = re.compile(r"^\s+-\s+\S|^-\s+\S")


def canonical_key(key: str) -> str | None:
    """The field a written key names (``title``, ``source``, ``date``, ``author``, ``tags``), or None."""
    return KNOWN_KEYS.get(key.strip().lower())


def split_front_matter(text: str) -> tuple[FrontFields, str]:
    """``(fields, text)``: the front matter at the top of ``text`` (see the module docstring) and the text with the
    block's lines blanked; ``((), text)`` when the text opens with none."""
    head = text[:MAX_BLOCK_CHARS]
    lines = head.split("\n", MAX_BLOCK_LINES + 1)[: MAX_BLOCK_LINES + 1]
    found = _yaml_block(lines) if lines[0].lstrip("\ufeff").rstrip() == _FENCE else _header_block(lines)
    if found is None:
        return (), text
    fields, size = found
    rest = text.split("\n", size)
    return fields, "\n" * size + (rest[size] if len(rest) > size else "")


def _yaml_block(lines: list[str]) -> tuple[FrontFields, int] | None:
    """The fields of a ``---`` … ``---`` block and how many lines it takes; None when it does not close."""
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _YAML_END), None)
    if end is None:
        return None
    body = lines[1:end]
    fields = _yaml_fields("\n".join(body))
    if fields is None:
        fields = _loose_fields(body)
    if fields is None:
        return None
    return fields, end + 1


def _yaml_fields(body: str) -> FrontFields | None:
    """The fields of a YAML mapping; None when YAML cannot read it as one."""
    import yaml  # imported here: only reports with a YAML block need it

    try:
        data = yaml.safe_load(body) if body.strip() else {}
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    fields = []
    for key, value in data.items():
        text = _field_text(value)
        if key is not None and text:
            fields.append((str(key).strip(), text))
    return tuple(fields)


def _field_text(value: Any) -> str:
    """A YAML value as one string: scalars as written, a list of scalars joined by spaces, anything else empty."""
    if isinstance(value, list):
        return " ".join(part for item in value if not isinstance(item, (list, dict)) and (part := _field_text(item)))
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _loose_fields(body: list[str]) -> FrontFields | None:
    """Fields of a block YAML could not read, when every line is ``key: value`` or a ``- item`` under a key (the
    items joined by spaces); None when any line is something else."""
    fields: list[list[str]] = []
    for line in body:
        if not line.strip():
            continue
        if fields and _LIST_ITEM.match(line):
            item = line.strip()[1:].strip()
            fields[-1][1] = f"{fields[-1][1]} {item}".strip()
            continue
        m = _KEY_VALUE.match(line.strip())
        if not m:
            return None
        fields.append([m.group(1).strip(), m.group(2).strip()])
    return tuple((key, _unquoted(value)) for key, value in fields if value)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _header_block(lines: list[str]) -> tuple[FrontFields, int] | None:
    """Leading ``key: value`` lines of known keys ended by a blank line, and how many lines they take; None when the
    text does not open with such a block."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    fields: list[tuple[str, str]] = []
    for i in range(start, len(lines)):
        line = lines[i].lstrip("\ufeff").strip()
        if not line:
            return (tuple(fields), i) if fields else None
        m = _KEY_VALUE.match(line)
        if len(line) > MAX_HEADER_LINE_CHARS or not m or canonical_key(m.group(1)) is None:
            return None
        if value := m.group(2).strip():
            fields.append((m.group(1).strip(), value))
        else:
            return None  # ``来源：`` with its value on the next line: the page stage reads that form
    return None
