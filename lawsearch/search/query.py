"""Query text as every search receives it: cleaned of what cannot be searched, and cut to a bounded length.

The engine's ``search`` runs each query through ``prepare_query``, so the command line, ``--batch``,
notebooks and any other caller get the same treatment:

- lone surrogates (``\\udcff`` from an argument or file that is not UTF-8; half of a pair) become U+FFFD,
  a pair of surrogates becomes the character it stands for;
- control characters other than whitespace (NUL, ESC, DEL, C1 controls …) become a space;
- the text is cut to ``MAX_QUERY_CHARS`` characters. Questions about reports are short; a longer
  query costs time (the embedder reads all of it) and adds nothing a passage could match.

Matching is not changed: NFKC and segmentation are applied later, as before.

>>> prepare_query("调解员\\x1b[2J联盟\\udcff").text
'调解员 [2J联盟�'
>>> prepared = prepare_query("调" * 40_000)
>>> len(prepared.text), prepared.truncated
(200, (40000, 200))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A long question is 50–100 characters. The embedder's time grows faster than the length (bundled e5-small on
# 2 cores, warm: 100 characters ≈ 0.1 s, 200 ≈ 0.2–0.3 s, 500 ≈ 0.5–0.8 s, 1,000 ≈ 1.3 s), so 200 keeps every
# query, however long it came in, well under a second in every mode.
MAX_QUERY_CHARS = 200

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL, except the whitespace ones (\t \n \v \f \r, \x1c–\x1f, \x85), which separate words.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


@dataclass(frozen=True)
class PreparedQuery:
    """The text to search and, when it was cut, ``truncated = (original length, kept length)``."""

    text: str
    truncated: tuple[int, int] | None = None

    @property
    def note(self) -> str | None:
        """One line for the user when the query was cut, else None."""
        return truncation_note(self.truncated)


def truncation_note(truncated: tuple[int, int] | None) -> str | None:
    """``query cut to 500 of 40000 characters`` (None when nothing was cut)."""
    if truncated is None:
        return None
    original, kept = truncated
    return f"query cut to {kept} of {original} characters"


def clean_text(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and non-whitespace control characters as spaces.

    The result always encodes to UTF-8.

    >>> clean_text("a\\ud83d\\ude00b\\udcffc\\x00d\\te")
    'a😀b�c d\\te'
    """
    if _SURROGATE.search(text):
        # UTF-16 round trip: a high+low pair becomes its character, each lone half one U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROL.sub(" ", text)


def prepare_query(query: str, max_chars: int = MAX_QUERY_CHARS) -> PreparedQuery:
    """Clean ``query`` (see ``clean_text``), strip it and cut it to ``max_chars`` characters."""
    text = clean_text(query).strip()
    if len(text) <= max_chars:
        return PreparedQuery(text)
    return PreparedQuery(text[:max_chars], (len(text), max_chars))
