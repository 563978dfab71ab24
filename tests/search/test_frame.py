"""The 哪些… frame takes the question word and its place noun, never the topic words that begin with that noun."""

from __future__ import annotations

import pytest

from lawsearch.search.analysis import split_question_frame
from lawsearch.search.answers import level_asked


@pytest.mark.parametrize(
    ("question", "frame", "rest", "level"),
    [
        ("哪些区级融媒体中心建成", "哪些", "区级融媒体中心建成", None),
        ("哪些县级医院建成了胸痛中心", "哪些", "县级医院建成了胸痛中心", None),
        ("哪些省级部门出台了方案", "哪些", "省级部门出台了方案", None),
        ("哪些城市群推进了协同发展", "哪些", "城市群推进了协同发展", None),
        ("哪个市辖区人口最多", "哪个", "市辖区人口最多", None),
        ("哪些州县开展了调解", "哪些州县", "开展了调解", "county"),
        ("哪些盟市推行河长制", "哪些盟市", "推行河长制", "city"),
        ("哪座城市举办了亚运会", "哪座城市", "举办了亚运会", "city"),
        ("哪些省份的报告提到低空经济", "哪些省份的报告提到", "低空经济", "province"),
        ("哪些市场主体受益", "哪些", "市场主体受益", None),
    ],
)
def test_the_frame_and_the_level(question: str, frame: str, rest: str, level: str | None) -> None:
    frames, remainder = split_question_frame(question)
    assert frames == (frame,) and remainder.strip() == rest
    assert level_asked(question) == level
