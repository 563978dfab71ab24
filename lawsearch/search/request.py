"""A search request, checked: the arguments of ``LawSearch.search`` (and of the CLI, the web page and batch lines)
made into one typed value, or an ArgumentError (a QueryError) that names the argument.

>>> request = SearchRequest.checked("调解员联盟", mode="lexical", top_k=5, region="滨江区")
>>> request.mode, request.top_k, request.fusion, request.scope.regions
('lexical', 5, 'score', ('滨江区',))
>>> check_options("lexical"), check_options(fusion="rrf")
('score', 'rrf')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import checks
from .ranking import DEFAULT_FUSION, DEFAULT_MODE, FUSION_METHODS, MODES
from .scope import Scope

MAX_TOP_K = 100  # as the web's k; a bigger top_k would only make every list longer than anyone reads

_NOT_GIVEN: Any = object()


def check_options(mode: Any = _NOT_GIVEN, fusion: Any = None) -> str:
    """The fusion method to use (``fusion``, None: the default); a QueryError (ArgumentError) for a mode or fusion
    method lawsearch does not have. A mode left out is not checked; a mode of None is an error, as in ``search``."""
    if mode is not _NOT_GIVEN:
        checks.choice("mode", mode, MODES)
    return DEFAULT_FUSION if fusion is None else checks.choice("fusion", fusion, FUSION_METHODS)


@dataclass(frozen=True)
class SearchRequest:
    """What to search for and how (each field as :meth:`checked` takes it)."""

    query: str
    mode: str = DEFAULT_MODE
    top_k: int = 10
    scope: Scope = Scope()
    fusion: str = DEFAULT_FUSION
    dense_weight: float | None = None
    apply_floor: bool = True
    by_region: bool = False

    @classmethod
    def checked(
        cls,
        query: Any,
        mode: Any = DEFAULT_MODE,
        top_k: Any = 10,
        region: str | Iterable[str] | None = None,
        year: int | str | Iterable[int | str] | None = None,
        fusion: Any = DEFAULT_FUSION,
        dense_weight: Any = None,
        kind: str | Iterable[str] | None = None,
        level: str | Iterable[str] | None = None,
        apply_floor: Any = True,
        by_region: Any = False,
    ) -> SearchRequest:
        """The request of these arguments, each checked in this order (the first one wrong is the error).

        ``query`` text (cleaned and cut to ``MAX_QUERY_CHARS`` characters when searched); ``mode`` one of MODES;
        ``top_k`` a whole number from 1 to MAX_TOP_K; ``region``/``kind``/``level`` text or a list of texts; ``year`` a
        whole number (or text of one, "2022") or a list of them; ``fusion`` one of FUSION_METHODS (None: the default);
        ``dense_weight`` a number from 0 to 1 or None; ``apply_floor`` and ``by_region`` True or False. Anything else
        is an ArgumentError (a QueryError) that names the argument, the type and value given and what it takes; bools
        are not numbers here. A region or year the index holds no report of is a QueryError when searched, naming the
        closest ones it holds (``no report of region 滨江县; did you mean 滨江区?``)."""
        checks.text("query", query)
        fusion = check_options(mode, fusion)
        top_k = checks.whole_number("top_k", top_k, 1, MAX_TOP_K)
        if dense_weight is not None:
            dense_weight = checks.real_number("dense_weight", dense_weight, 0.0, 1.0)
        checks.flag("apply_floor", apply_floor)
        checks.flag("by_region", by_region)
        scope = Scope.of(region=region, year=year, kind=kind, level=level)
        return cls(query, mode, top_k, scope, fusion, dense_weight, apply_floor, by_region)
