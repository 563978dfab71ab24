"""The Starlette application of ``lawsearch serve``: pages for people, JSON for scripts.

Pages (server-rendered, they work without JavaScript):

- ``/`` — a search box with mode and filters; ``/?q=…`` — the answer panel of a 哪些… question, then the hits, each
  with the question's focal terms (:mod:`lawsearch.search.focal`) its best sentence holds and those it lacks;
- ``/report/{id}`` — a report rebuilt from its chunks, each under its anchor (``#chunk-011``); ``?hit=CHUNK&q=…``
  marks the passage a search led to.

JSON (the same shapes as the command line's ``--json``):

- ``/api/search?q=&mode=&k=&region=&year=&kind=&level=&by_region=&explain=`` — as ``lawsearch search --json``;
- ``/api/reports`` — as ``lawsearch info --json``; ``/api/regions`` — as ``lawsearch regions --json``;
- ``/api/chunk/{id}?context=N`` — a chunk, its report's metadata and N neighbours on each side.

A request lawsearch cannot serve as asked is a 4xx with ``{"error": …}`` (a page with the message for people),
never a stack trace. Searches run in a pool of threads, so one slow query does not hold up the others.

Only requests whose Host names this server are answered (:mod:`lawsearch.web.hosts`: 127.0.0.1, localhost, [::1]
and the names ``create_app`` is given); others get 421. No answer shows a path of the machine: the index is named
by its folder's name, a report's source by its path from the parent of the folder that holds every source
(``seeds/000_e21….txt``), or by its own folder's name and its file name where that folder is ``/`` or shallow,
see :class:`PublicPaths`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .._version import __version__
from ..engine import MODES, LawSearch
from ..errors import LawsearchError, NotFoundError, QueryError
from ..index.folder import Manifest
from ..index.holdings import holdings
from ..models import LEVELS
from ..read.kinds import KINDS
from ..search.corpus import chunk_anchor
from ..search.fanout import DEFAULT_SHARD_TIMEOUT
from ..search.query import MAX_QUERY_CHARS
from ..search.snippet import snippet_parts
from ..terminal import dumps_json
from .hosts import HostCheck, allowed_names
from .live import LiveIndex
from .params import DEFAULT_PAGE_K, MAX_K, BadRequest, parse_query_string, search_request

log = logging.getLogger("lawsearch.serve")
STATIC = Path(__file__).parent / "static"
DEFAULT_THREADS = 8


def json_response(data: Any, status: int = 200) -> Response:
    """JSON as the command line writes it (UTF-8, no raw control characters, lone surrogates escaped)."""
    return Response(dumps_json(data, indent=None), status_code=status, media_type="application/json")


def _resolved(path: Path) -> str:
    """``path`` with its links resolved; as it is where that cannot be done (a loop of links)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)


class PublicPaths:
    """Paths as the server shows them: the index by its folder's name, a report's source by its path from the parent
    of the folder that holds every recorded source of the generation (so it starts with that folder's name).

    That common folder is used only when it lies at least ``MIN_BASE_DEPTH`` folders below the root: sources in
    unrelated folders (seeds in /home/u/seeds, a report added from /tmp) share only ``/`` or a shallow folder, and
    a path from there would show the machine's layout; each source is then shown as its folder's name and its own.

    >>> paths = PublicPaths("/srv/x/indexes/seeds", ["/home/u/seeds/a.txt", "/home/u/seeds/sub/b.pdf"])
    >>> paths.index, paths.source("/home/u/seeds/sub/b.pdf"), paths.message("no chunk 'q' in /srv/x/indexes/seeds")
    ('seeds', 'seeds/sub/b.pdf', "no chunk 'q' in seeds")
    >>> PublicPaths("/srv/idx", ["/home/u/seeds/a.txt", "/tmp/x.pdf"]).source("/home/u/seeds/a.txt")
    'seeds/a.txt'
    """

    MIN_BASE_DEPTH = 3  # /home/u/seeds: a folder of sources; /, /tmp or /home/u: the machine's own folders

    def __init__(self, index_root: str | Path, sources: Iterable[str]) -> None:
        root = Path(index_root)
        self.index = Path(os.path.abspath(root)).name  # "." and ".." named as the folder they are
        forms = {str(root), os.path.abspath(root), _resolved(root)} - {"", "."}
        # Longest first, so that the absolute form is replaced whole before a relative form it ends with.
        alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        # A whole path only: not inside a longer name (/srv/idx2, my/srv/idx), but before "/", a space, a quote or a
        # closing full stop.
        self._root_pattern = re.compile(rf"(?<![\w.~/-])(?:{alternatives})(?=/|\.?(?![\w.~-]))") if forms else None
        folders = {PurePath(os.path.normpath(source)).parent for source in sources if source}
        self.base: PurePath | None = None
        if folders and all(folder.is_absolute() for folder in folders):
            common = PurePath(os.path.commonpath([str(folder) for folder in folders]))
            if len(common.parts) - 1 >= self.MIN_BASE_DEPTH:
                self.base = common.parent

    @classmethod
    def of(cls, index_root: str | Path, manifest: Manifest) -> PublicPaths:
        """The paths of one generation: every report's source and other sources."""
        return cls(
            index_root,
            [
                source
                for entry in manifest.reports.values()
                for source in (entry.source, *(item.get("source") or "" for item in entry.also_sources))
            ],
        )

    def source(self, path: str | None) -> str | None:
        """``path`` from the parent of the common folder; else its folder's name and its own (a relative path: its
        name alone)."""
        if not path:
            return path
        pure = PurePath(os.path.normpath(path))
        if not pure.is_absolute():
            return pure.name
        if self.base is not None:
            try:
                return pure.relative_to(self.base).as_posix()
            except ValueError:
                pass
        return pure.relative_to(pure.parent.parent).as_posix()

    def message(self, text: str) -> str:
        """An error message with the index's path, as given and absolute, replaced by its name."""
        return self._root_pattern.sub(lambda _: self.index, text) if self._root_pattern else text

    def report(self, meta: dict[str, Any]) -> dict[str, Any]:
        """A report's metadata (``engine.report``/``engine.chunk``) with its sources shown relative."""
        return {
            **meta,
            **({"source": self.source(meta["source"])} if "source" in meta else {}),
            **({"also_sources": [self.source(s) for s in meta["also_sources"]]} if "also_sources" in meta else {}),
        }

    def info(self, info: dict[str, Any]) -> dict[str, Any]:
        """``lawsearch info --json`` as the server shows it: the same keys, the index named and sources relative."""
        return {**info, "index": self.index, "report_list": [self.report(report) for report in info["report_list"]]}


class Site:
    """The handlers, bound to one live index, a thread pool and the templates."""

    def __init__(self, live: LiveIndex, threads: int = DEFAULT_THREADS) -> None:
        self.live = live
        self.limiter = anyio.CapacityLimiter(threads)
        self.templates = Environment(
            loader=PackageLoader("lawsearch.web", "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
        )
        self.templates.globals.update(version=__version__, report_url=report_url, chunk_anchor=chunk_anchor)
        self.templates.filters["marked"] = marked
        self._paths: dict[str, PublicPaths] = {}  # by generation name
        self._paths_lock = threading.Lock()

    def paths(self, engine: LawSearch) -> PublicPaths:
        """How the paths of ``engine``'s generation are shown (computed once a generation)."""
        with self._paths_lock:
            paths = self._paths.get(engine.generation.name)
            if paths is None:
                paths = self._paths[engine.generation.name] = PublicPaths.of(engine.folder.root, engine.manifest)
                if len(self._paths) > 8:  # generations come and go while serving: keep the latest few
                    del self._paths[next(iter(self._paths))]
            return paths

    async def run(self, function: Callable[[LawSearch], Any]) -> Any:
        """``function(engine)`` in the thread pool, with the current engine held for its length."""

        def call() -> Any:
            with self.live.use() as engine:
                return function(engine)

        return await anyio.to_thread.run_sync(call, limiter=self.limiter)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.templates.get_template(name).render(**context), status_code=status)

    # -- pages ---------------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        form: dict[str, Any] = {"q": "", "mode": "hybrid", "k": DEFAULT_PAGE_K}
        try:
            search = search_request(request.scope["query_string"], default_k=DEFAULT_PAGE_K, require_query=False)
            form = {
                "q": search.query,
                "mode": search.mode,
                "k": search.top_k,
                "region": "、".join(search.region),
                "year": search.year,
                "kind": search.kind,
                "level": search.level,
                "by_region": search.by_region,
            }
            if not search.query.strip():
                return self.page("search.html", **await self.run(partial(_page_context, form)))

            def answer(engine: LawSearch) -> dict[str, Any]:  # the results and the header from one generation
                results = engine.search(search.query, **search.options())
                return {"results": results, "question_terms": results.focal_terms, **_page_context(form, engine)}

            context = await self.run(answer)
        except (BadRequest, QueryError) as exc:
            return self.page("search.html", status=400, error=str(exc), **await self.run(partial(_page_context, form)))
        json_url = "/api/search?" + request.scope["query_string"].decode("latin-1")
        return self.page("search.html", json_url=json_url, **context)

    async def report(self, request: Request) -> Response:
        report_id = request.path_params["report_id"]
        try:
            values = parse_query_string(request.scope["query_string"])
        except BadRequest as exc:
            return self.page("error.html", status=400, message=str(exc))
        hit = (values.get("hit") or [""])[-1]
        query = (values.get("q") or [""])[-1]

        def read(engine: LawSearch) -> tuple[dict[str, Any], tuple[str, ...]]:
            terms = engine.lexical.parse_query(query[:MAX_QUERY_CHARS]).terms if query.strip() else ()
            report = engine.report(report_id)
            return {**report, "report": self.paths(engine).report(report["report"])}, terms

        try:
            report, terms = await self.run(read)
        except NotFoundError as exc:
            return self.page("error.html", status=404, message=self.public_message(exc))
        hit = hit if any(chunk["id"] == hit for chunk in report["chunks"]) else ""
        return self.page("report.html", report=report["report"], chunks=with_new_headings(report["chunks"]), hit=hit, terms=terms, q=query)

    # -- JSON ----------------------------------------------------------------------------------------

    async def api_search(self, request: Request) -> Response:
        try:
            search = search_request(request.scope["query_string"])
            results = await self.run(lambda engine: engine.search(search.query, **search.options()))
        except (BadRequest, QueryError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(results.to_dict(explain=search.explain))

    async def api_reports(self, request: Request) -> Response:
        return json_response(await self.run(lambda engine: self.paths(engine).info(engine.info())))

    async def api_regions(self, request: Request) -> Response:
        return json_response(
            await self.run(lambda engine: {"index": self.paths(engine).index, **holdings(engine.manifest.reports.values())})
        )

    async def api_chunk(self, request: Request) -> Response:
        try:
            values = parse_query_string(request.scope["query_string"])
            text = (values.get("context") or ["0"])[-1]
            if not (text.isascii() and text.isdigit()):
                raise BadRequest(f"context must be a whole number 0 or more, got {text!r}")
            context = min(int(text), 50)
            chunk_id = request.path_params["chunk_id"]

            def read(engine: LawSearch) -> dict[str, Any]:
                data = engine.chunk(chunk_id, context)
                return {**data, "report": self.paths(engine).report(data["report"])}

            return json_response(await self.run(read))
        except BadRequest as exc:
            return json_response({"error": str(exc)}, status=400)
        except NotFoundError as exc:
            return json_response({"error": self.public_message(exc)}, status=404)

    # -- errors --------------------------------------------------------------------------------------

    def public_message(self, exc: Exception) -> str:
        """An error's message with the index's absolute path replaced by the index's name."""
        return PublicPaths(self.live.folder.root, ()).message(str(exc))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = exc.detail if isinstance(exc, HTTPException) else "internal error (see the server's log)"
        if status == 404:
            message = f"no page at {request.url.path}"
        if isinstance(exc, LawsearchError):
            status, message = 503, self.public_message(exc)
        if status >= 500:
            log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return await self.error(request, status, message)

    async def error(self, request: Request, status: int, message: str) -> Response:
        """``{"error": message}`` under /api/, the error page elsewhere."""
        if request.url.path.startswith("/api/"):
            return json_response({"error": message}, status=status)
        return self.page("error.html", status=status, message=message)


def _page_context(form: dict[str, Any], engine: LawSearch) -> dict[str, Any]:
    """What every search page shows besides results: the form as filled, and what the index holds."""
    return {
        "form": form,
        "modes": MODES,
        "kinds": KINDS,
        "levels": LEVELS,
        "max_k": MAX_K,
        "held": holdings(engine.manifest.reports.values()),
        "reports": len(engine.manifest.reports),
        "chunks": engine.manifest.chunk_count,
        "generation": engine.generation.name,
    }


def report_url(report_id: str, hit: str | None = None, q: str | None = None) -> str:
    """The page of a report; with ``hit`` the link lands on that chunk and marks it (and ``q``'s terms in it).

    >>> report_url("000_e21#x", "000_e21#x#011", "调解")
    '/report/000_e21%23x?hit=000_e21%23x%23011&q=%E8%B0%83%E8%A7%A3#chunk-011'
    """
    url = "/report/" + quote(report_id, safe="")
    if hit:
        url += "?" + urlencode({"hit": hit, **({"q": q} if q else {})}) + "#" + chunk_anchor(hit)
    return url


def with_new_headings(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each chunk with ``new_headings``: the (depth, heading) of its path that the chunk before did not open.

    >>> [c["new_headings"] for c in with_new_headings([{"heading_path": ["一"]}, {"heading_path": ["一", "(一)"]}, {"heading_path": ["二"]}])]
    [[(0, '一')], [(1, '(一)')], [(0, '二')]]
    """
    before: list[str] = []
    shown = []
    for chunk in chunks:
        path = list(chunk["heading_path"])
        shown.append(
            {**chunk, "new_headings": [(depth, heading) for depth, heading in enumerate(path) if path[: depth + 1] != before[: depth + 1]]}
        )
        before = path
    return shown


def marked(text: str, terms: tuple[str, ...] = ()) -> list[tuple[str, bool]]:
    """All of ``text`` as (segment, marked) parts, the query's terms marked (for templates)."""
    return snippet_parts(text, terms, width=len(text) + 1)


def create_app(
    index_dir: str | Path,
    *,
    check_every: float = 1.0,
    warm: bool = True,
    threads: int = DEFAULT_THREADS,
    live: LiveIndex | None = None,
    allowed_hosts: Sequence[str] = (),
    ray: str | None = None,
    shard_timeout: float = DEFAULT_SHARD_TIMEOUT,
) -> Starlette:
    """The application over the index in ``index_dir`` (opened now: a missing or damaged index fails here).

    It answers requests whose Host is 127.0.0.1, localhost, [::1] or one of ``allowed_hosts`` (the address it
    listens on, names given with ``--allow-host``); a ValueError names one of these that is not a host name. A shard
    set's shards answer here, or with ``ray`` on that Ray cluster, within ``shard_timeout`` seconds a search."""
    names = allowed_names(allowed_hosts)
    site = Site(live or LiveIndex(index_dir, check_every=check_every, warm=warm, ray=ray, shard_timeout=shard_timeout), threads)
    routes = [
        Route("/", site.home),
        Route("/report/{report_id:path}", site.report),
        Route("/api/search", site.api_search),
        Route("/api/reports", site.api_reports),
        Route("/api/regions", site.api_regions),
        Route("/api/chunk/{chunk_id:path}", site.api_chunk),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        site.live.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: site.http_error, Exception: site.http_error},
        lifespan=lifespan,
        middleware=[Middleware(HostCheck, names=names, refuse=site.error)],
    )
    app.state.site = site
    return app
