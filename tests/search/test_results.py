import sys

import pytest

from lawsearch.search.hits import Hit
from lawsearch.search.results import UNKNOWN_REGION, Results, group_by_region


def _hit(chunk_id: str, region: str | None, parent: str | None, score: float, text: str = "全年开展调解工作。") -> Hit:
    return Hit(
        chunk_id=chunk_id,
        report_id=chunk_id.split("#")[0],
        region=region,
        region_parent=parent,
        year=2022,
        agency=None,
        title="报告",
        heading_path=("一、工作",),
        text=text,
        score=score,
        match_terms=("调解",),
    )


def test_places_of_one_name_in_different_cities_stay_apart_and_unknown_comes_last() -> None:
    hits = [
        _hit("a#0", None, None, 0.99),
        _hit("b#0", "鼓楼区", "南京市", 0.9),
        _hit("c#0", "鼓楼区", "福州市", 0.8),
        _hit("b#1", "鼓楼区", "南京市", 0.5),
    ]
    groups = group_by_region(hits)
    assert [(g.region, g.region_parent) for g in groups] == [("鼓楼区", "南京市"), ("鼓楼区", "福州市"), (UNKNOWN_REGION, None)]
    assert groups[0].score == pytest.approx(0.9 + (1 - 0.9) * 0.1 * 0.5)  # more evidence: a little closer to 1
    assert all(0 <= g.score <= 1 and g.score >= g.hits[0].score for g in groups)
    assert [h.chunk_id for h in groups[0].hits] == ["b#0", "b#1"]


def test_html_escapes_report_text_and_marks_only_matches() -> None:
    results = Results("调解", "lexical", [_hit("a#0", "滨江区", "杭州市", 1.0, text="<script>x</script>&<mark>开展调解工作")])
    html = results._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>") == html.count("</mark>") == 1
    assert "&lt;mark&gt;" in html
    assert results.to_dataframe().loc[0, "snippet"] == "<script>x</script>&<mark>开展调解工作"


def test_to_dataframe_without_pandas_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from lawsearch.errors import LawsearchError
    from lawsearch.search.answers import answer_set

    hits = [_hit("b#0", "鼓楼区", "南京市", 0.9), _hit("c#0", "鼓楼区", "福州市", 0.8)]
    results = Results("调解", "hybrid", hits)
    assert len(results.to_dataframe()) == 2  # with pandas
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    for frame_of in (results.to_dataframe, answer_set(hits, "any", 2).to_dataframe):
        with pytest.raises(LawsearchError, match=r"pip install 'lawsearch\[pandas\]'"):
            frame_of()
