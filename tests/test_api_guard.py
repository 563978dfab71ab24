"""The LawSearch API refuses arguments of the wrong type, and a closed LawSearch, with one-line LawsearchErrors.

An index of three seeds embedded by the fake HashEmbedder (fast, deterministic): these tests are about the
arguments and the closed state, not about ranking.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawsearch.cli import main
from lawsearch.engine import MAX_TOP_K, LawSearch
from lawsearch.errors import ArgumentError, ClosedError, LawsearchError, QueryError
from lawsearch.index.folder import IndexFolder
from lawsearch.index.writer import IndexWriter, UpdateSummary
from lawsearch.search.results import Results

from .conftest import SEED_FILES
from .fakes import HashEmbedder

BINJIANG = SEED_FILES[0].stem
CLOSED = re.escape("this LawSearch is closed; open the index again with LawSearch.open(")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the first three seeds with the fake embedder; copy it to change it."""
    root = tmp_path_factory.mktemp("api-guard")
    src = root / "reports"
    src.mkdir()
    for seed in SEED_FILES[:3]:
        shutil.copy(seed, src / seed.name)
    LawSearch.build(src, root / "index", embedder=HashEmbedder()).close()
    return root / "index"


@pytest.fixture(scope="module")
def fake_engine(built: Path) -> Iterator[LawSearch]:
    engine = LawSearch.open(built, embedder=HashEmbedder())
    yield engine
    engine.close()


@pytest.fixture
def own_index(built: Path, tmp_path: Path) -> Path:
    """A copy of the built index, free to change."""
    return Path(shutil.copytree(built, tmp_path / "index", ignore=shutil.ignore_patterns("READERS")))


# -- argument types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_k": 2.5}, "top_k must be a whole number from 1 to 100, not float 2.5"),
        ({"top_k": "5"}, "top_k must be a whole number from 1 to 100, not str '5'"),
        ({"top_k": True}, "top_k must be a whole number from 1 to 100, not bool True"),
        ({"top_k": 0}, "top_k must be a whole number from 1 to 100, not int 0"),
        ({"top_k": MAX_TOP_K + 1}, "top_k must be a whole number from 1 to 100, not int 101"),
        ({"top_k": 10**5000}, "top_k must be a whole number from 1 to 100, not int (too long to show)"),
        ({"year": 2022.7}, "year must be a number such as 2022 (int, or text of one) from 1 to 9999, not float 2022.7"),
        ({"year": "abc"}, "year must be a number such as 2022 (int, or text of one) from 1 to 9999, not str 'abc'"),
        ({"year": True}, "year must be a number such as 2022 (int, or text of one) from 1 to 9999, not bool True"),
        ({"year": [2022, None]}, "year must be a number such as 2022 (int, or text of one) from 1 to 9999, not NoneType None"),
        (
            {"year": 10**30},
            "year must be a number such as 2022 (int, or text of one) from 1 to 9999, not int 1000000000000000000000000000000",
        ),
        ({"year": b"2022"}, "year must be a year (int) or a list of them, not bytes b'2022'"),
        ({"region": 5}, "region must be text (str) or a list of them, not int 5"),
        ({"region": b"x"}, "region must be text (str) or a list of them, not bytes b'x'"),
        ({"region": ["滨江", 3]}, "region must be text (str) or a list of them, not list ['滨江', 3] holding int 3"),
        ({"kind": 5}, "kind must be text (str) or a list of them, not int 5"),
        ({"level": ["city", None]}, "level must be text (str) or a list of them, not list ['city', None] holding NoneType None"),
        ({"mode": 3}, "mode must be one of lexical, dense, hybrid, not int 3"),
        ({"mode": None}, "mode must be one of lexical, dense, hybrid, not NoneType None"),
        ({"mode": "fuzzy"}, "unknown mode 'fuzzy'; choose one of lexical, dense, hybrid"),
        ({"fusion": 1}, "fusion must be one of score, convex, rrf, not int 1"),
        ({"dense_weight": "0.5"}, "dense_weight must be a number from 0 to 1, not str '0.5'"),
        ({"dense_weight": float("nan")}, "dense_weight must be a number from 0 to 1, not float nan"),
        ({"dense_weight": True}, "dense_weight must be a number from 0 to 1, not bool True"),
        ({"apply_floor": "no"}, "apply_floor must be True or False, not str 'no'"),
        ({"by_region": 1}, "by_region must be True or False, not int 1"),
    ],
)
def test_search_names_the_argument_its_type_and_what_it_takes(fake_engine: LawSearch, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ArgumentError, match=f"^{re.escape(message)}$") as raised:
        fake_engine.search("执法", **kwargs)
    assert isinstance(raised.value, QueryError)  # the CLI's batch and the web answer it as a bad request


@pytest.mark.parametrize("query", [None, b"\xe6\x89\xa7\xe6\xb3\x95", 5, ["执法"]])
def test_a_query_that_is_not_text_is_refused(fake_engine: LawSearch, query: Any) -> None:
    with pytest.raises(ArgumentError, match=f"^query must be text \\(str\\), not {type(query).__name__} "):
        fake_engine.search(query)


def test_reasonable_values_are_taken(fake_engine: LawSearch) -> None:
    def ids(**kwargs: Any) -> list[str]:
        return [hit.chunk_id for hit in fake_engine.search("执法", **{"mode": "lexical", "top_k": 20, **kwargs})]

    everything = ids()
    assert everything and ids(top_k=np.int64(20)) == everything
    in_2022 = ids(year=2022)
    assert in_2022 and ids(year="2022") == ids(year=" 2022年") == ids(year=np.int64(2022)) == ids(year=[2022]) == in_2022
    assert set(ids(year=(2020, "2022"))) >= set(in_2022)
    assert ids(region="滨江") == ids(region=("滨江",)) == ids(region=(name for name in ["滨江"])) == ids(region={"滨江"})
    assert ids(region=[]) == ids(year=[]) == everything
    assert ids(kind=["法治政府建设年度报告"], level={"county", "city"})
    assert len(fake_engine.search("执法", fusion=None, dense_weight=1)) > 0  # None: the default fusion; an int weight
    assert len(fake_engine.search("执法", top_k=MAX_TOP_K, apply_floor=False)) > len(everything)


def test_open_and_build_take_str_pathlike_and_bytes_paths(built: Path, tmp_path: Path) -> None:
    for path in (built, str(built), os.fsencode(built)):
        with LawSearch.open(path, embedder=HashEmbedder()) as engine:
            assert engine.folder.root == built
    src = tmp_path / "one"
    src.mkdir()
    shutil.copy(SEED_FILES[0], src)
    with LawSearch.build(os.fsencode(src), os.fsencode(tmp_path / "index"), embedder=HashEmbedder()) as engine:
        assert list(engine.manifest.reports) == [BINJIANG] and engine.folder.root == tmp_path / "index"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda built: LawSearch.open(5), "index_dir must be a path (str or os.PathLike), not int 5"),
        (lambda built: LawSearch.open(f"{built}\0x"), "index_dir must not contain a NUL character, not str"),
        (lambda built: LawSearch.open(built, model=5), "model must be text (str) or None, not int 5"),
        (lambda built: LawSearch.open(built, device=b"cpu"), "device must be text (str) or None, not bytes b'cpu'"),
        (
            lambda built: LawSearch.open(built, embedder="hash"),
            "embedder must be an Embedder (with .spec and .embed_queries) or None, not str 'hash'",
        ),
        (lambda built: LawSearch.build(None, built), "src must be a path (str or os.PathLike), not NoneType None"),
        (lambda built: LawSearch.build(SEED_FILES[0], [built]), "index_dir must be a path (str or os.PathLike), not list [PosixPath("),
        (lambda built: LawSearch.build(SEED_FILES[0], built, rebuild="yes"), "rebuild must be True or False, not str 'yes'"),
        (lambda built: LawSearch.build(SEED_FILES[0], built, summary={}), "summary must be an UpdateSummary or None, not dict {}"),
        (lambda built: LawSearch.build(SEED_FILES[0], built, batch_size=2.0), "batch_size must be a whole number 1 or more, not float 2.0"),
        (
            lambda built: LawSearch.build(SEED_FILES[0], built, colour=True),
            "build() takes no option 'colour'; its options are model, embedder, ",
        ),
    ],
)
def test_open_and_build_check_their_arguments_before_touching_the_index(built: Path, call: Callable[[Path], Any], message: str) -> None:
    generation = IndexFolder(built).current()
    with pytest.raises(ArgumentError, match="^" + re.escape(message)):
        call(built)
    assert IndexFolder(built).current() == generation


def test_add_and_remove_check_their_arguments_before_writing(own_index: Path) -> None:
    with LawSearch.open(own_index, embedder=HashEmbedder()) as engine:
        generation = engine.generation
        with pytest.raises(
            ArgumentError,
            match=r"^paths must each be a path \(str or os.PathLike\), not list \['a.txt', 'b.txt'\]; "
            r"pass several as add\(a, b\) or add\(\*paths\)$",
        ):
            engine.add(["a.txt", "b.txt"])
        with pytest.raises(ArgumentError, match=r"^paths must be a path \(str or os.PathLike\), not int 5$"):
            engine.add(5)
        with pytest.raises(ArgumentError, match="^include_all must be True or False, not str 'yes'$"):
            engine.add(SEED_FILES[3], include_all="yes")
        with pytest.raises(ArgumentError, match="^add\\(\\) takes no option 'embedder'; its options are model, device, "):
            engine.add(SEED_FILES[3], embedder=HashEmbedder())  # the engine passes its own
        with pytest.raises(ArgumentError, match=r"^report ids must each be text \(str\), not list \[.*\]; pass several as remove\(a, b\)"):
            engine.remove([BINJIANG])
        with pytest.raises(ArgumentError, match=r"^report ids must each be text \(str\), not bytes b'x'$"):
            engine.remove(b"x")
        with pytest.raises(ArgumentError, match="^wait must be a number from 0 to inf, not str '5'$"):
            engine.remove(BINJIANG, wait="5")
        assert IndexFolder(own_index).current() == generation and BINJIANG in engine.manifest.reports
        added = engine.add(os.fsencode(SEED_FILES[3]))  # bytes: decoded as the OS does
        assert added.added == [SEED_FILES[3].stem] and SEED_FILES[3].stem in engine.manifest.reports


def test_reading_and_describing_methods_check_their_arguments(fake_engine: LawSearch) -> None:
    chunk_id = next(iter(fake_engine.manifest.reports[BINJIANG].chunk_ids))
    assert fake_engine.chunk(chunk_id, np.int64(1))["after"]
    for call, message in [
        (lambda: fake_engine.chunk(5), "chunk_id must be text (str), not int 5"),
        (lambda: fake_engine.chunk(chunk_id, 1.5), "context must be a whole number 0 or more, not float 1.5"),
        (lambda: fake_engine.chunk(chunk_id, True), "context must be a whole number 0 or more, not bool True"),
        (lambda: fake_engine.chunk(chunk_id, -1), "context must be a whole number 0 or more, not int -1"),
        (lambda: fake_engine.report(None), "report_id must be text (str), not NoneType None"),
        (lambda: fake_engine.regions_indexed(3), "level must be one of any, national, province, city, county, not int 3"),
        (lambda: fake_engine.regions_indexed("town"), "unknown level 'town'; choose one of any, national, province, city, county"),
        (lambda: fake_engine.embed_query(b"x"), "query must be text (str), not bytes b'x'"),
        (lambda: LawSearch.named(None), "query must be text (str), not NoneType None"),
    ]:
        with pytest.raises(ArgumentError, match=f"^{re.escape(message)}$"):
            call()


def test_the_command_line_says_the_top_k_limit_as_a_usage_error(built: Path) -> None:
    result = CliRunner().invoke(main, ["search", "执法", "--index", str(built), "--mode", "lexical", "--top-k", "500"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--top-k' / '-k': 500 is not in the range 1<=x<=100." in result.output, result.output


def test_the_command_line_shows_an_argument_error_as_one_line(built: Path) -> None:
    result = CliRunner().invoke(main, ["search", "执法", "--index", str(built), "--mode", "lexical", "--year", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "error: year must be a number such as 2022 (int, or text of one) from 1 to 9999, not int 0"
    ], result.output


_VALID = st.sampled_from(
    [
        "lexical",
        "dense",
        "hybrid",
        "score",
        "rrf",
        "convex",
        1,
        10,
        100,
        2022,
        "2022",
        "2020年",
        "滨江",
        "杭州",
        "city",
        "county",
        "法治政府建设年度报告",
        0.5,
        0.0,
        True,
        False,
        None,
    ]
)
_ATOM = st.one_of(
    _VALID,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=6),
    st.complex_numbers(),
    st.decimals(),
    st.fractions(),
    st.just(object()),
    st.just(np.int64(3)),
    st.just(np.float32(0.5)),
)
_JUNK = st.one_of(
    _ATOM,
    st.lists(_ATOM, max_size=3),
    st.tuples(_ATOM),
    st.frozensets(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=3), _ATOM, max_size=2),
)
_QUERIES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["执法", "哪些地区建立了调解员联盟", '"调解员联盟"', '"', "\udcff", "\x00", "的", "AND OR NOT (", "*?", "调解" * 300]),
    _JUNK,
)
_OPTIONS = ("mode", "top_k", "region", "year", "fusion", "dense_weight", "kind", "level", "apply_floor", "by_region")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=_QUERIES, options=st.fixed_dictionaries({}, optional={name: _JUNK for name in _OPTIONS}))
def test_any_junk_gives_results_or_a_lawsearch_error(fake_engine: LawSearch, query: Any, options: dict[str, Any]) -> None:
    try:
        results = fake_engine.search(query, **options)
    except LawsearchError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert isinstance(results, Results) and len(results) <= 100


# -- after close() ---------------------------------------------------------------------------------


def _public_calls(tmp_path: Path) -> dict[str, Callable[[LawSearch], Any]]:
    """Every public method of LawSearch but close, called with good arguments."""
    new = tmp_path / "new.txt"
    shutil.copy(SEED_FILES[3], new)
    return {
        "search lexical": lambda e: e.search("执法", mode="lexical"),
        "search dense": lambda e: e.search("执法", mode="dense"),
        "search hybrid": lambda e: e.search("哪些地区建立了调解员联盟"),
        "add": lambda e: e.add(new),
        "remove": lambda e: e.remove(BINJIANG),
        "chunk": lambda e: e.chunk(f"{BINJIANG}#001"),
        "report": lambda e: e.report(BINJIANG),
        "info": lambda e: e.info(),
        "embed": lambda e: e.embed(),
        "dense_coverage": lambda e: e.dense_coverage,
        "check": lambda e: e.check(),
        "warm": lambda e: e.warm(),
        "embed_query": lambda e: e.embed_query("执法"),
        "embedder": lambda e: e.embedder,
        "regions_indexed": lambda e: e.regions_indexed("any"),
        "signals": lambda e: e.signals("执法", None, {}, {}, None),
        "with": lambda e: e.__enter__(),
    }


def test_the_method_list_covers_every_public_method(tmp_path: Path) -> None:
    public = {name for name in dir(LawSearch) if not name.startswith("_")}
    not_bound = {"open", "build", "named", "closed", "close"}  # class and static methods, the state itself, close
    covered = {name.split()[0] for name in _public_calls(tmp_path)}
    assert public - not_bound == covered - {"with"}


@pytest.mark.parametrize("pruned", [False, True], ids=["closed", "closed-and-pruned"])
def test_every_method_of_a_closed_lawsearch_says_it_is_closed(own_index: Path, tmp_path: Path, pruned: bool) -> None:
    engine = LawSearch.open(own_index, embedder=HashEmbedder())
    engine.search("执法", mode="dense")  # loaded and used before
    old = engine.generation
    engine.close()
    engine.close()  # twice is fine
    if pruned:  # another writer commits twice, then deletes the generation this engine had open
        writer = IndexWriter(own_index, embedder=HashEmbedder())
        writer.remove([SEED_FILES[1].stem])
        writer.add_files([SEED_FILES[1]])
        IndexFolder(own_index).remove_stale_generations(grace=0.0)
        assert not old.exists()
    current = IndexFolder(own_index).current()
    for name, call in _public_calls(tmp_path).items():
        with pytest.raises(ClosedError, match=CLOSED + re.escape(repr(str(own_index)))):
            call(engine)
        assert IndexFolder(own_index).current() == current, f"{name} wrote to the index after close"
    assert "new" not in IndexFolder(own_index).read_manifest(current).reports
    assert engine.closed and repr(engine).endswith(", closed)")


def test_the_context_manager_closes_and_an_open_engine_keeps_working(own_index: Path) -> None:
    with LawSearch.open(own_index, embedder=HashEmbedder()) as engine:
        assert len(engine.search("执法")) > 0
        summary = engine.add(SEED_FILES[3])  # add and remove reload: the engine stays open
        assert isinstance(summary, UpdateSummary) and not engine.closed
        assert engine.report(SEED_FILES[3].stem)["chunks"]
    assert engine.closed
    with pytest.raises(ClosedError):
        engine.search("执法")
    with pytest.raises(ClosedError):
        with engine:
            pass
