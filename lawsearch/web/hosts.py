"""The Host a request names, checked: ``lawsearch serve`` answers only the names it was started for.

A page on another site can make a visitor's browser send requests to 127.0.0.1 by pointing its own name at that
address (DNS rebinding); the browser then takes the answers for that site's own and lets its scripts read them.
Such requests carry the attacker's name in ``Host``. So a request is answered only when its Host is 127.0.0.1,
localhost or [::1], the address the server listens on (``--host``), or a name given with ``--allow-host``; with
any port or none. Any other name gets 421 (Misdirected Request), a Host that is missing, repeated or not a host
name gets 400: JSON ``{"error": …}`` under ``/api/``, a short page elsewhere.

>>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("[0:0:0:0:0:0:0:1]"), host_name("127.0.0.1")
('localhost', '::1', '::1', '127.0.0.1')
>>> host_name("attacker.example."), host_name("a b"), host_name("[::1"), host_name("x:80:80")
('attacker.example', None, None, None)
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, Iterable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("lawsearch.serve")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{0,5}")
_LOGGED_AT_MOST = 64


def host_name(value: str) -> str | None:
    """The name part of a Host header (or of a ``--host`` / ``--allow-host`` value), as compared: lowercased, one
    trailing dot dropped, an IP address in its canonical form, IPv6 without brackets; None when it is not one."""
    value = value.strip().lower()
    if value.startswith("["):  # [v6] or [v6]:port
        inside, bracket, port = value[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and _PORT.fullmatch(port[1:]))):
            return None
        return _address(inside) if ":" in inside else None
    if value.count(":") > 1:  # a bare IPv6 address, as --host ::1 is written
        return _address(value)
    name, _, port = value.partition(":")
    if not _PORT.fullmatch(port):
        return None
    name = name[:-1] if name.endswith(".") else name
    address = _address(name)
    if address is not None:
        return address
    return name if _NAME.fullmatch(name) else None


def _address(text: str) -> str | None:
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return None


def allowed_names(extra: Iterable[str] = ()) -> frozenset[str]:
    """The loopback names and ``extra`` (the listening address, ``--allow-host`` names), as compared; a ValueError
    naming one that is not a host name."""
    names = set(LOOPBACK_NAMES)
    for value in extra:
        name = host_name(value)
        if name is None:
            raise ValueError(f"{value!r} is not a host name or IP address")
        names.add(name)
    return frozenset(names)


Refusal = Callable[[Request, int, str], Awaitable[Response]]


class HostCheck:
    """ASGI middleware: requests whose Host is not one of ``names`` are refused by ``refuse(request, status, message)``."""

    def __init__(self, app: ASGIApp, names: frozenset[str], refuse: Refusal) -> None:
        self.app = app
        self.names = names
        self.refuse = refuse
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).getlist("host")
        name = host_name(given[0]) if len(given) == 1 else None
        if name in self.names:
            await self.app(scope, receive, send)
            return
        if name is None:
            status, message = 400, "a request needs one Host header that names this server"
        else:
            status, message = (
                421,
                (
                    f"this server does not answer for the host {name!r}; it answers for the names it "
                    "was started for (`lawsearch serve --allow-host NAME` adds one)"
                ),
            )
            if name not in self._logged and len(self._logged) < _LOGGED_AT_MOST:
                self._logged.add(name)
                log.warning("refused a request for host %r (not 127.0.0.1, localhost, [::1], --host or --allow-host)", name)
        response = await self.refuse(Request(scope), status, message)
        await response(scope, receive, send)
