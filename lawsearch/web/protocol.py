"""The HTTP/1.1 protocol of ``lawsearch serve``: uvicorn's h11 protocol, taking raw UTF-8 in the request line.

``curl 'http://127.0.0.1:8000/api/search?q=调解员联盟'`` sends the query's UTF-8 bytes as they are. h11 reads a
request target as visible ASCII only (RFC 9112) and uvicorn answers anything else with a plain-text
``400 Invalid HTTP request received.``; httptools (llhttp) refuses those bytes too, and has no leniency for them.
So the bytes 0x80–0xFF of a request line are percent-encoded before h11 reads it — what a browser sends for the
same URL. The query string is then decoded as strict UTF-8 (``lawsearch.web.params``): UTF-8 searches, other bytes
(GBK, say) get the JSON 400 that names the parameter. Nothing else of a request is touched.

The rewrite applies to a request line that starts when the connection waits for a request with nothing buffered:
every request of a client that waits for each answer (curl, browsers, keep-alive or not). A request pipelined
behind another in one packet is read by h11 as sent.

>>> percent_encode_high_bytes("GET /api/search?q=调解&k=3 HTTP/1.1\\r\\n".encode())
b'GET /api/search?q=%E8%B0%83%E8%A7%A3&k=3 HTTP/1.1\\r\\n'
"""

from __future__ import annotations

import re

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_HIGH = re.compile(rb"[\x80-\xff]")


def percent_encode_high_bytes(line: bytes) -> bytes:
    """``line`` with every byte 0x80–0xFF written as ``%XX``."""
    return _HIGH.sub(lambda m: b"%%%02X" % m.group()[0], line)


class Utf8TargetH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the request line's bytes 0x80–0xFF percent-encoded (see the module docstring)."""

    _in_request_line = False  # the request line began in an earlier packet and has not ended

    def data_received(self, data: bytes) -> None:
        if self._in_request_line or (self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]):
            end = data.find(b"\n")
            line, rest = (data, b"") if end < 0 else (data[: end + 1], data[end + 1 :])
            self._in_request_line = end < 0
            data = percent_encode_high_bytes(line) + rest
        super().data_received(data)
