"""Numbers as reports write them: full-width digits and Chinese-numeral years and dates."""

from __future__ import annotations

import re

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT = "〇零○Ｏ一二三四五六七八九"
_CN_YEAR = re.compile(f"([{_CN_DIGIT}]{{4}})(\\s*年)")
_CN_MONTH_DAY = re.compile(f"(\\d{{4}}\\s*年\\s*)([{_CN_DIGIT}十]{{1,3}})(\\s*月\\s*)([{_CN_DIGIT}十]{{1,3}})(\\s*日)")


def _cn_small_number(text: str) -> int | None:
    """一 … 三十一 → 1 … 31."""
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CN_DIGITS.get(tens, -99) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -99) if ones else 0)
    return value if 0 < value < 100 else None


def normalise_numbers(text: str) -> str:
    """Full-width digits and Chinese-numeral years and dates as ASCII digits, for reading years and dates.

    >>> normalise_numbers("二〇二一年一月二十日，２０２０年度")
    '2021年1月20日，2020年度'
    """
    text = text.translate(_FULLWIDTH_DIGITS)
    text = _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group(1)) + m.group(2), text)

    def month_day(m: re.Match[str]) -> str:
        month, day = _cn_small_number(m.group(2)), _cn_small_number(m.group(4))
        if month is None or day is None:
            return m.group(0)
        return f"{m.group(1)}{month}{m.group(3)}{day}{m.group(5)}"

    return _CN_MONTH_DAY.sub(month_day, text)
