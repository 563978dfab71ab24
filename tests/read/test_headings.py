import pytest

from lawsearch.read.headings import is_unnumbered_heading, parse_heading, signature_size


@pytest.mark.parametrize(
    ("line", "rank", "text"),
    [
        ("一、2022年法治政府建设的主要举措和成效", 1, "一、2022年法治政府建设的主要举措和成效"),
        ("十二、其他工作", 1, "十二、其他工作"),
        ("(一)统筹谋划,打牢法治人社基础", 2, "(一)统筹谋划,打牢法治人社基础"),
        ("（三）深层次优化法治化营商环境", 2, "（三）深层次优化法治化营商环境"),
        ("1.推动服务升级", 3, "1.推动服务升级"),
        ("2、完善政策配套", 3, "2、完善政策配套"),
        ("3．推进放管服改革", 3, "3．推进放管服改革"),
        ("2. 认真办理代表建议", 3, "2. 认真办理代表建议"),
        ("10.“民工维权”创新速裁模式", 3, "10.“民工维权”创新速裁模式"),
        ("(1)完善窗口设施", 4, "(1)完善窗口设施"),
        ("（2）建立案例发布机制", 4, "（2）建立案例发布机制"),
    ],
)
def test_each_numbered_heading_form_on_its_own_line(line: str, rank: int, text: str) -> None:
    heading = parse_heading(line)
    assert heading is not None
    assert (heading.rank, heading.text, heading.inline) == (rank, text, False)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("1.夯实法治建设基础。继续发挥以局党委书记为组长的领导小组作用。", "1.夯实法治建设基础"),
        (
            "(一)加强党的领导,深入贯彻习近平法治思想。将学习宣传贯彻党的二十大精神作为首要政治任务。",
            "(一)加强党的领导,深入贯彻习近平法治思想",
        ),
        ("一、工作成效：全年办结案件27件。", "一、工作成效"),
        ("（2）主要做法：一是建立台账。", "（2）主要做法"),
    ],
)
def test_heading_that_begins_a_paragraph_ends_at_the_first_full_stop_or_colon(line: str, text: str) -> None:
    heading = parse_heading(line)
    assert heading is not None and heading.inline
    assert heading.text == text


def test_overlong_first_sentence_gives_its_first_clause_as_heading() -> None:
    line = "3.“真金白银”助企减负增效迅速落实中央、省市各项社保减免降费缓缴政策,兑现企业失业保险、工伤保险费率下调、阶段性企业社保费减免、困难企业社保费缓缴等政策。"
    heading = parse_heading(line)
    assert heading is not None and heading.inline
    assert heading.text == "3.“真金白银”助企减负增效迅速落实中央、省市各项社保减免降费缓缴政策"


@pytest.mark.parametrize(
    "line",
    [
        "一是严格决策规则。涉及人、财、物等重大问题通过局班子成员集体讨论决定。",
        "二是严格规范性文件管理。",
        "2022年,全局共收到行政许可申请1348件。",
        "1.5万名劳动者签订了电子劳动合同。",
        "全年办结案件27件。",
    ],
)
def test_enumerations_years_and_decimals_are_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_unnumbered_heading_is_a_short_unpunctuated_line() -> None:
    assert is_unnumbered_heading("上虞区人社局2020年度法治政府建设情况报告")
    assert is_unnumbered_heading("推动服务升级")
    assert not is_unnumbered_heading("全年办结案件27件。")
    assert not is_unnumbered_heading("2023年3月9日")
    assert not is_unnumbered_heading("一是抓好党风廉政建设")
    assert not is_unnumbered_heading("这是一段没有标点但是很长很长很长很长很长很长很长很长很长很长很长很长很长很长的正文内容")


def test_signature_is_the_closing_bureau_and_date() -> None:
    assert signature_size(["正文。", "武汉市人力资源和社会保障局", "2023年3月9日"]) == 2
    assert signature_size(["正文。", "2023年3月9日"]) == 1
    assert signature_size(["正文。", "最后一段。"]) == 0


@pytest.mark.parametrize("line", ["三、四月份受疫情影响,案件有所增加。", "一、二季度完成目标任务。"])
def test_numeral_ranges_are_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_closing_parenthesis_numbering_is_a_heading() -> None:
    assert parse_heading("1）完善窗口设施") is not None
    assert parse_heading("１）完善窗口设施") is not None


def test_chinese_numeral_date_signs_a_report() -> None:
    assert signature_size(["正文。", "西湖区人力资源和社会保障局", "二〇二一年一月二十日"]) == 2
