"""Text that is safe to print: reports, file names and queries must not drive the user's terminal.

A report can hold escape sequences (ESC [ 2 J clears the screen, OSC 0;title BEL retitles the window),
C1 controls (U+009B is a one-character CSI on some terminals) and bidi overrides (U+202E turns the rest
of a line around), and a file name can hold bytes that are not UTF-8 (Python keeps them as lone
surrogates, which cannot even be written to a UTF-8 stream).

Everything lawsearch prints for people goes through ``printable``, which shows such characters as
visible escapes, the way Python writes them in a string literal:

- control characters (Unicode category Cc: C0, DEL, C1) as ``\\x1b``, ``\\x7f``, ``\\x9b``; tab, newline
  and carriage return as ``\\t``, ``\\n``, ``\\r`` unless kept (``keep="\\n"`` for multi-line text);
- format characters (Cf: bidi controls, zero-width characters, BOM …) and the line and paragraph
  separators U+2028/U+2029 as ``\\u202e``, ``\\u2028`` (``\\U000e0001`` above U+FFFF);
- an undecodable byte of a file name (a lone surrogate U+DC80–U+DCFF, from surrogateescape) as that
  byte, ``\\xff``; any other lone surrogate as ``\\udXXX``.

Backslashes already in the text are left as they are: the escapes are for reading, not for decoding.

JSON output goes through ``dumps_json``: ``json.dumps(ensure_ascii=False)`` escapes C0 controls
(ESC is ``\\u001b``), and ``dumps_json`` also writes DEL, C1, format characters and U+2028/U+2029 as
``\\uXXXX`` escapes, so the JSON text holds no raw control or format character and still decodes to
exactly the original text. Lone surrogates, which json.dumps leaves in raw (and which then fail to
encode), become the visible escape as text (the string ``\\xff``), so every JSON line lawsearch prints is
valid UTF-8 that any JSON parser accepts.

>>> printable("a\\x1b[2Jb\\u202ec\\udcff")
'a\\\\x1b[2Jb\\\\u202ec\\\\xff'
>>> printable("line one\\nline two\\tend", keep="\\n")
'line one\\nline two\\\\tend'
>>> dumps_json({"path": "bad\\udcff.txt", "text": "\\x1b[2J\\u202e"})
'{"path": "bad\\\\\\\\xff.txt", "text": "\\\\u001b[2J\\\\u202e"}'
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Ranges that hold no character of an escaped category (tests/test_terminal.py checks each code point):
# Latin-1 but the soft hyphen, general punctuation but U+200B–U+200F/U+2028–U+202F/U+2060–, CJK symbols
# and punctuation, kana and ideographs, full-width forms. With letters, digits and printable ASCII they
# are the characters never looked at, so the check by category runs only for the rare suspect.
SAFE_RANGES = "\u00a0-\u00ac\u00ae-\u00ff\u2010-\u2027\u2030-\u205e\u2e80-\u9fff\uff00-\uffef"
_SUSPECT = re.compile(rf"[^\w !-~{SAFE_RANGES}]")
_JSON_SUSPECT = re.compile(rf"[^\w !-~\n{SAFE_RANGES}]")  # a raw newline in json.dumps output is indentation


def escape_char(ch: str) -> str:
    """The visible escape of one character (see the module's description)."""
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(ch: str) -> bool:
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES


def printable(text: object, keep: str = "") -> str:
    """``text`` (str() of it) with control, format and line-separator characters and lone surrogates as
    visible escapes; ``keep`` names characters to leave as they are, e.g. ``"\\n"`` for multi-line text."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():  # the common case, checked at C speed
        return text

    def escape(match: re.Match[str]) -> str:
        ch = match.group()
        return escape_char(ch) if ch not in keep and _needs_escape(ch) else ch

    return _SUSPECT.sub(escape, text)


def _json_escape(match: re.Match[str]) -> str:
    ch = match.group()
    if not _needs_escape(ch):
        return ch
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate: its visible escape, as JSON string content
        return escape_char(ch).replace("\\", "\\\\")
    units = ch.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))


def dumps_json(data: Any, indent: int | None = None, **options: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=indent, **options)`` with no raw control or format
    character and no lone surrogate in it (see the module's description)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, **options)
    # Outside strings json.dumps writes only ASCII, spaces and newlines, none of which is touched.
    return _JSON_SUSPECT.sub(_json_escape, text)
