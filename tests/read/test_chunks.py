import re

import pytest

from lawsearch.read import ParsedReport
from lawsearch.read.chunks import chunk_text
from lawsearch.read.headings import parse_heading

from ..conftest import SEED_FILES

NESTED = """某区人社局2022年法治政府建设情况报告
2022年,我局扎实推进法治建设。
一、主要举措
(一)统筹谋划
1.夯实基础。继续发挥领导小组作用,全年召开专题会议4次,研究部署法治建设重点任务,推动各项工作落到实处。
(1)建立清单
制定责任清单,做到任务清晰、责任明确,全年共梳理责任事项56项,逐项明确牵头科室和完成时限。
2.规范决策。一是严格决策规则。二是严格文件管理。
（二）严格管理
推进清廉建设,组织班子成员签订廉政责任书,严格落实一岗双责,全年开展廉政教育3次。
二、存在不足
三、下一步安排
持续推进法治人社建设,全面提升依法行政能力。
"""


def test_heading_paths_follow_the_heading_stack() -> None:
    chunks = chunk_text("r", NESTED, min_chars=0)
    paths = {c.text.split("。")[0]: c.heading_path for c in chunks}
    title = "某区人社局2022年法治政府建设情况报告"
    assert paths["2022年,我局扎实推进法治建设"] == (title,)
    assert paths["1.夯实基础"] == (title, "一、主要举措", "(一)统筹谋划", "1.夯实基础")
    assert paths["制定责任清单,做到任务清晰、责任明确,全年共梳理责任事项56项,逐项明确牵头科室和完成时限"] == (
        title,
        "一、主要举措",
        "(一)统筹谋划",
        "1.夯实基础",
        "(1)建立清单",
    )
    assert paths["2.规范决策"] == (title, "一、主要举措", "(一)统筹谋划", "2.规范决策")
    assert paths["推进清廉建设,组织班子成员签订廉政责任书,严格落实一岗双责,全年开展廉政教育3次"] == (
        title,
        "一、主要举措",
        "（二）严格管理",
    )
    assert paths["持续推进法治人社建设,全面提升依法行政能力"] == (title, "三、下一步安排")


def test_inline_enumeration_stays_in_its_paragraph() -> None:
    chunks = chunk_text("r", NESTED, min_chars=0)
    decision = next(c for c in chunks if c.text.startswith("2.规范决策"))
    assert "一是严格决策规则。二是严格文件管理。" in decision.text


def test_heading_with_nothing_under_it_is_kept_as_a_chunk() -> None:
    chunks = chunk_text("r", NESTED, min_chars=0)
    empty = [c for c in chunks if c.text == "二、存在不足"]
    assert len(empty) == 1
    assert empty[0].heading_path[-1] == "二、存在不足"


def test_long_paragraph_splits_at_sentence_ends_within_the_limit() -> None:
    sentence = "全面落实行政执法公示制度和执法全过程记录制度，确保执法行为规范有序。"
    text = "一、执法\n" + sentence * 30
    chunks = chunk_text("r", text, max_chars=200)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk.text) <= 200
        assert chunk.text.endswith("。")
        assert chunk.heading_path == ("一、执法",)
    assert "".join(c.text for c in chunks) == sentence * 30


def test_sentence_longer_than_the_limit_is_still_split() -> None:
    text = "一、执法\n" + "，".join(["依法依规处置劳资纠纷"] * 80) + "。"
    chunks = chunk_text("r", text, max_chars=100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == text.split("\n", 1)[1]


def test_short_neighbours_under_one_heading_merge_but_not_across_headings() -> None:
    text = "一、甲\n短句一。\n短句二。\n二、乙\n短句三。"
    chunks = chunk_text("r", text, min_chars=80)
    assert [c.text for c in chunks] == ["短句一。\n短句二。", "短句三。"]
    assert [c.heading_path for c in chunks] == [("一、甲",), ("二、乙",)]


def test_signature_is_not_filed_under_the_last_section() -> None:
    text = "一、工作\n全年开展执法检查12次。\n武汉市人力资源和社会保障局\n2023年3月9日"
    chunks = chunk_text("r", text)
    assert chunks[-1].text == "武汉市人力资源和社会保障局\n2023年3月9日"
    assert chunks[-1].heading_path == ()


def test_chunk_ids_are_stable_and_ordered() -> None:
    first = chunk_text("000_abc", NESTED)
    second = chunk_text("000_abc", NESTED)
    assert [c.id for c in first] == [c.id for c in second]
    assert [c.ordinal for c in first] == list(range(len(first)))
    assert first[0].id == "000_abc#000"
    assert len({c.id for c in first}) == len(first)


@pytest.mark.parametrize("seed", [p.stem for p in SEED_FILES])
@pytest.mark.parametrize("max_chars", [500, 120])
def test_chunks_cover_the_cleaned_text(parsed_seeds: dict[str, ParsedReport], seed: str, max_chars: int) -> None:
    """Chunk texts are exact slices; what lies between them is whitespace or standalone heading lines of the next chunk."""
    parsed = parsed_seeds[seed]
    text = parsed.cleaned_text
    chunks = chunk_text(seed, text, max_chars=max_chars)
    assert chunks, "a seed gave no chunks"
    cursor = 0
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text) <= max_chars
        assert chunk.start >= cursor, "chunks overlap or are out of order"
        gap_lines = [line.strip() for line in text[cursor : chunk.start].split("\n") if line.strip()]
        for line in gap_lines:
            assert line in chunk.heading_path, f"{seed}: text {line!r} is in no chunk"
        cursor = chunk.end
    assert not text[cursor:].strip(), f"{seed}: text after the last chunk is lost"


def test_seed_heading_paths_have_the_expected_shape(parsed_seeds: dict[str, ParsedReport]) -> None:
    chunks = parsed_seeds["003_31027cef6ae4fb1c"].chunks
    service = next(c for c in chunks if "人才引进工作制度" in c.text)
    assert service.heading_path == ("一、2022年法治政府建设的主要措施和成效", "(三)深层次优化法治化营商环境", "1.推动服务升级")
    for parsed in parsed_seeds.values():
        for chunk in parsed.chunks:
            for heading in chunk.heading_path:
                assert not re.match(r"^[一二三四五六七八九十]是", heading), f"inline enumeration taken as heading: {heading}"
            numbered = [parse_heading(h).rank for h in chunk.heading_path if parse_heading(h)]
            assert numbered == sorted(numbered), f"heading ranks out of order in {chunk.id}: {chunk.heading_path}"


def test_runs_of_short_lines_are_body_not_headings() -> None:
    text = "一、主要工作\n（一）执法\n全年办理案件情况如下\n行政处罚案件12件\n行政复议案件3件\n以上案件均依法办结。"
    chunks = chunk_text("r", text, min_chars=0)
    assert all(c.heading_path == ("一、主要工作", "（一）执法") for c in chunks)
    assert [c.text for c in chunks] == ["全年办理案件情况如下", "行政处罚案件12件", "行政复议案件3件", "以上案件均依法办结。"]


def test_lone_short_line_before_body_is_a_subheading() -> None:
    text = "二、下一步\n推动服务升级\n全面更新完善人才引进工作制度。\n加强阳光监督\n严格落实双公示工作要求。"
    chunks = chunk_text("r", text, min_chars=0)
    assert [c.heading_path for c in chunks] == [("二、下一步", "推动服务升级"), ("二、下一步", "加强阳光监督")]
