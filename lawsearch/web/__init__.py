"""``lawsearch serve``: a local web page and a JSON API over one index.

- ``live``: the index the server searches, kept warm and swapped when a writer commits a new generation;
- ``params``: query strings checked and turned into search options (a bad one is a 400 with a message);
- ``app``: the Starlette application — pages rendered with Jinja2 from ``templates/``, JSON under ``/api``.

>>> from lawsearch.web import create_app                      # doctest: +SKIP
>>> app = create_app("indexes/default")                         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See :func:`lawsearch.web.app.create_app` (imported on first call: Starlette loads only when serving)."""
    from .app import create_app as create

    return create(*args, **kwargs)
