"""Page cases seen on provincial reports as scraped, rebuilt from the real pages of tests/corpus/provincial-2026.

- A subtitle led by any dash (―― U+2015 as on the 青海 page, — – ─ － - ~ …, single or doubled) is the subtitle: front
  matter, never a heading, and the year of a 政府工作报告 whose title has none is the year it was delivered.
- A page that prints the body twice (as on the 四川 page) with its furniture between (责任编辑, 打印本页, 关闭窗口, the
  title and the time it was posted over the second copy): one copy is kept, none of the furniture, and the posting
  time heads nothing.

Neither the 青海 nor the 四川 page is in the corpus: each case is a real page of it changed the way those pages differ
(its subtitle's dashes replaced; its body printed a second time), so the rest is real input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lawsearch.read import ParsedReport, parse_report
from lawsearch.read.front import SUBTITLE_DASHES, parse_subtitle, split_subtitle_speaker, subtitle_continues
from lawsearch.read.meta import extract_meta
from lawsearch.read.page import read_page

from ..conftest import ROOT
from .coverage import body_coverage, excepted_lines

PROVINCIAL = ROOT / "tests" / "corpus" / "provincial-2026"
PROVINCIAL_FILES = sorted(PROVINCIAL.glob("*.txt"))
FURNITURE = ("打印本页", "关闭窗口", "责任编辑")
DATE_TIME = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?\s*\d{1,2}\s*[:时]\s*\d{2}")
# Every character a page may lead a subtitle with, as itself and doubled (―― is how the 青海 page writes it).
DASH_LEADS = [dash * n for dash in SUBTITLE_DASHES for n in (1, 2)] + ["—―", "— —", "――――"]


def _with_text(tmp_path: Path, source: Path, text: str) -> Path:
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def _redashed(text: str, lead: str) -> str:
    """The page with its subtitle led by ``lead`` instead of ——."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if re.match(r"^——(?:19|20)\d{2}年\d{1,2}月\d{1,2}日在", line))
    lines[at] = lead + lines[at][2:]
    return "\n".join(lines)


# --- 1. a subtitle led by any dash -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", DASH_LEADS, ids=lambda lead: "+".join(f"U{ord(c):04X}" for c in lead))
def test_any_dash_leads_a_subtitle(lead: str) -> None:
    subtitle = parse_subtitle(f"{lead}2026年1月27日在某某省第十四届人民代表大会第四次会议上")
    assert subtitle is not None and subtitle.text.startswith(lead)
    assert (subtitle.delivered.isoformat(), subtitle.venue) == ("2026-01-27", "某某省第十四届人民代表大会第四次会议")
    found = split_subtitle_speaker(f"{lead}2026年1月27日在某某省第十四届人民代表大会第四次会议上 省长 王一二")
    assert found is not None and found[1] == ("省长", "王一二")
    assert subtitle_continues(f"{lead}2026年1月26日在某某省第十四届")  # broken over two lines, as the 广东 page has it


@pytest.mark.parametrize("lead", DASH_LEADS, ids=lambda lead: "+".join(f"U{ord(c):04X}" for c in lead))
def test_a_dash_led_subtitle_is_front_matter_and_dates_the_report(lead: str) -> None:
    page = read_page(
        "\n".join(
            [
                "政府工作报告",
                f"{lead}2026年1月27日在某某省第十四届",
                "人民代表大会第四次会议上",
                "省长 王一二",
                "各位代表：",
                "现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。",
                "一、2025年工作回顾",
                "2025年是极不平凡的一年，全省上下攻坚克难，经济运行稳中有进，各项事业取得新的进展。",
            ]
        )
    )
    assert page.front.subtitle == f"{lead}2026年1月27日在某某省第十四届人民代表大会第四次会议上"
    assert (page.front.delivered.isoformat(), page.front.speaker) == ("2026-01-27", "王一二")
    assert page.text.split("\n")[0].startswith("现在，我代表省人民政府")
    assert extract_meta("r", page.text, page.front).year == 2026  # not 2025, the year the body looks back on


def test_a_dash_and_a_date_without_a_venue_is_no_subtitle() -> None:
    assert parse_subtitle("――2025年全省经济运行情况") is None
    assert parse_subtitle("-2026年1月27日") is None


# --- 1 and 3. the 青海 page: its subtitle led by ―― ---------------------------------------------------------------


@pytest.mark.parametrize("source", PROVINCIAL_FILES, ids=lambda path: path.stem)
def test_a_real_page_with_a_horizontal_bar_subtitle(tmp_path: Path, source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    if not re.search(r"^——(?:19|20)\d{2}年", text, re.M):
        pytest.skip("this page leads its subtitle with a bracket")
    original = parse_report(source)
    parsed = parse_report(_with_text(tmp_path, source, _redashed(text, "――")))
    front = parsed.meta.front
    assert front["subtitle"] == "――" + original.meta.front["subtitle"][2:]
    assert (front["delivered"], front["venue"], front["speaker"]) == (
        original.meta.front["delivered"],
        original.meta.front["venue"],
        original.meta.front["speaker"],
    )
    assert parsed.meta.year == 2026
    assert [(c.heading_path, c.text) for c in parsed.chunks] == [(c.heading_path, c.text) for c in original.chunks]
    assert not any("――" in heading for chunk in parsed.chunks for heading in chunk.heading_path)


def test_the_year_of_a_report_titled_without_one_comes_from_its_horizontal_bar_subtitle(tmp_path: Path) -> None:
    """The 广东 page, like the 青海 one, is titled 政府工作报告 and shows no posting date: the subtitle alone says
    2026; unread, the body's 2025年工作回顾 decided the year."""
    source = PROVINCIAL / "2026_广东省_政府工作报告.txt"
    parsed = parse_report(_with_text(tmp_path, source, _redashed(source.read_text(encoding="utf-8"), "――")))
    assert (parsed.meta.title, parsed.meta.published) == ("政府工作报告", None)
    assert parsed.meta.front["delivered"] == "2026-01-26" and parsed.meta.year == 2026
    assert [line.rule for line in parsed.dropped if line.text.startswith("――")] == ["subtitle"]


# --- 2. the 四川 page: the body printed twice, furniture between ----------------------------------------------------


def _printed_twice(text: str, parsed: ParsedReport, shown: str) -> str:
    """The page, then the site's furniture, the title and posting time of the printable copy, the body again (from the
    title line to the last line of the body, as the page has them) and the buttons once more. ``shown`` "half": the
    page shows only the first half of the body before the furniture, and the printable copy has all of it."""
    lines = text.split("\n")
    body = parsed.cleaned_text.split("\n")
    body_lines = {line.strip() for line in body}
    start = next(i for i, line in enumerate(lines) if line.strip() == parsed.meta.title)
    end = max(i for i, line in enumerate(lines) if line.strip() in body_lines)
    if shown == "half":
        half = lines.index(body[len(body) // 2])
        first = lines[:half]
    else:
        first = lines
    return "\n".join(
        [
            *first,
            "责任编辑：张某某",
            "打印本页",
            "关闭窗口",
            parsed.meta.title,
            "2026年02月10日 07时41分",
            *lines[start : end + 1],
            "【打印本页】",
            "【关闭窗口】",
        ]
    )


@pytest.fixture(scope="module")
def printed_twice(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[ParsedReport, ParsedReport]]:
    pages = {}
    for shown in ("all", "half"):
        folder = tmp_path_factory.mktemp(f"printed-twice-{shown}")
        for source in PROVINCIAL_FILES:
            original = parse_report(source)
            text = _printed_twice(source.read_text(encoding="utf-8"), original, shown)
            pages[source.stem, shown] = (original, parse_report(_with_text(folder, source, text)))
    return pages


TWICE = [(path.stem, shown) for shown in ("all", "half") for path in PROVINCIAL_FILES]


@pytest.mark.parametrize("case", TWICE, ids=lambda case: "-".join(case))
def test_a_page_printing_the_body_twice_is_read_as_once(
    printed_twice: dict[tuple[str, str], tuple[ParsedReport, ParsedReport]], case: tuple[str, str]
) -> None:
    original, twice = printed_twice[case]
    for chunk in twice.chunks:
        assert not any(word in chunk.text for word in FURNITURE), f"{chunk.id} keeps furniture"
        assert not any(DATE_TIME.search(heading) for heading in chunk.heading_path), f"{chunk.id}: {chunk.heading_path}"
    assert [(c.heading_path, c.text) for c in twice.chunks] == [(c.heading_path, c.text) for c in original.chunks]
    assert twice.meta == original.meta
    coverage = body_coverage(twice.report.text, twice.chunks, excepted=excepted_lines(twice.dropped))
    assert coverage.share >= 0.995, coverage.missing[:5]


@pytest.mark.parametrize("case", TWICE, ids=lambda case: "-".join(case))
def test_each_sentence_of_a_body_printed_twice_is_in_one_chunk(
    printed_twice: dict[tuple[str, str], tuple[ParsedReport, ParsedReport]], case: tuple[str, str]
) -> None:
    original, twice = printed_twice[case]
    paragraphs = [line for line in original.cleaned_text.split("\n") if len(line) > 60]
    sentences = [re.split(r"(?<=。)", paragraph)[0] for paragraph in (paragraphs[0], paragraphs[len(paragraphs) // 2], paragraphs[-1])]
    for sentence in sentences:
        assert len(sentence) > 10
        assert sum(chunk.text.count(sentence) for chunk in twice.chunks) == 1, sentence


def test_the_furniture_between_two_copies_is_dropped_by_its_place() -> None:
    body = [
        "一、总体情况",
        "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。",
        "二、主要做法",
        "坚持依法行政，健全重大行政决策程序制度，严格执行合法性审查和集体讨论决定。",
        "三、下一步打算",
        "继续深化行政执法体制改革，健全行政裁量权基准制度，提升执法质量和效能。",
    ]
    between = ["责任编辑：张某", "分享本文", "某某县人民政府办公室", "2026年02月10日 07时41分"]
    page = read_page("\n".join(["某某县2025年法治政府建设年度报告", *body, *between, *body]))
    assert page.text.split("\n") == body
    assert [(line.text, line.rule) for line in page.dropped if line.text in between] == [(line, "between two copies") for line in between]


def test_lines_between_two_passages_of_one_report_stay() -> None:
    """Two short runs that happen to repeat are no copies of the body, and prose between copies is no furniture."""
    lines = [
        "一、总体情况",
        "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。",
        "重点工作",
        "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。",
        "二、下一步打算",
        "继续深化行政执法体制改革，健全行政裁量权基准制度，提升执法质量和效能。",
    ]
    page = read_page("\n".join(lines))
    assert "重点工作" in page.text.split("\n")


@pytest.mark.parametrize(
    "line",
    [
        "2026年02月10日 07时41分",
        "2026-02-10 07:41",
        "2026-02-10 07:41:05",
        "2026年2月10日07:41",
        "2026/02/10 07:41",
        "2026年02月10日 星期二 07:41",
        "（2026年02月10日 07时41分）",
    ],
)
def test_a_date_and_time_of_day_inside_the_body_is_the_page_s_never_a_heading(line: str) -> None:
    page = read_page(
        "\n".join(
            [
                "一、总体情况",
                "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。",
                line,
                "继续深化行政执法体制改革，健全行政裁量权基准制度，提升执法质量和效能。",
                "二、下一步打算",
                "坚持依法行政，健全重大行政决策程序制度，严格执行合法性审查和集体讨论决定。",
            ]
        )
    )
    assert line not in page.text.split("\n")
    assert [d.rule for d in page.dropped if d.text == line] == ["page date"]


def test_a_signing_date_stays() -> None:
    page = read_page(
        "\n".join(
            ["一、总体情况", "全年共办理行政复议案件二十件，较上年增长百分之十，全部依法按期办结。", "某某县人民政府", "2026年2月10日"]
        )
    )
    assert (page.front.signed_by, page.front.signed.isoformat()) == ("某某县人民政府", "2026-02-10")


def test_a_posting_time_in_hours_and_minutes_above_the_body_dates_the_page() -> None:
    page = read_page(
        "\n".join(
            [
                "2026年四川省政府工作报告",
                "2026年02月10日 07时41分",
                "来源：四川日报",
                "现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。",
                "一、2025年工作回顾",
                "2025年是极不平凡的一年，全省上下攻坚克难，经济运行稳中有进。",
            ]
        )
    )
    assert page.front.page_date.isoformat() == "2026-02-10"
    assert [(d.text, d.rule) for d in page.dropped][:2] == [
        ("2026年四川省政府工作报告", "title"),
        ("2026年02月10日 07时41分", "page field"),
    ]
    assert extract_meta("r", page.text, page.front).published.isoformat() == "2026-02-10"


@pytest.mark.parametrize("lead", DASH_LEADS, ids=lambda lead: "+".join(f"U{ord(c):04X}" for c in lead))
def test_the_heading_grammar_reads_every_dash_alike(lead: str) -> None:
    """A paragraph led by a dash and a short sentence (——经济实力实现整体跃升。…) leads as a run-in heading whatever
    the dash; a short dash-led line standing alone is a heading candidate like any other."""
    from lawsearch.read.headings import is_unnumbered_heading, lead_sentence

    text = "经济实力实现整体跃升。顶住多重超预期因素影响，统筹发展和安全，走出昂扬向上的发展曲线。"
    assert lead_sentence(lead + text) == lead + "经济实力实现整体跃升"
    assert is_unnumbered_heading(lead + "经济实力实现整体跃升") == is_unnumbered_heading("——经济实力实现整体跃升")
