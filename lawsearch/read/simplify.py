"""Traditional characters read as simplified, so 黑龍江省 and 政府工作報告 match the gazetteer and the kinds.

>>> simplified("黑龍江省人民政府工作報告")
'黑龙江省人民政府工作报告'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc  # imported here: only reading needs it

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` in simplified characters (OpenCC t2s); simplified text comes back unchanged."""
    return _converter().convert(text) if text else text
