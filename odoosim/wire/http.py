"""HTTP/1.1 plumbing: request and response values, and the threaded keep-alive server.

The server is the standard library's ``ThreadingHTTPServer`` with ``protocol_version =
"HTTP/1.1"`` (keep-alive), one thread per connection.  Each response is written with a single
``send`` (status line, headers and body together) and ``TCP_NODELAY``, so small answers do not
wait for Nagle / delayed-ACK timers.  Routing lives in :mod:`odoosim.wire.app`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson

from odoosim.wire.core import ConnectionReset

MAX_CONTENT_LENGTH = 128 * 1024 * 1024  # Odoo's DEFAULT_MAX_CONTENT_LENGTH


@dataclass
class Request:
    """One HTTP request as the routes see it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def mimetype(self) -> str:
        return self.header("content-type").split(";", 1)[0].strip().lower()

    @property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):
            jar.load(self.header("cookie"))
        return {key: morsel.value for key, morsel in jar.items()}


@dataclass
class Response:
    """One HTTP response; ``headers`` keep their order (Content-Length is added on send)."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False  # answer with "Connection: close" and close after sending


def json_response(
    payload: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    """Odoo's ``make_json_response``: UTF-8 JSON (non-ASCII kept), JSON content type."""
    return Response(status, dump_json(payload), "application/json; charset=utf-8", headers or [])


def dump_json(payload: Any) -> bytes:
    """Encode like Odoo's ``json.dumps(..., ensure_ascii=False, default=json_default)``.

    orjson does it about seven times faster than the standard library, which keeps the server's
    cost per page below the client's decode cost (benchmarks/bench_odoosim.py).  Datetimes go
    through ``_json_default`` so they keep Odoo's ``YYYY-MM-DD HH:MM:SS`` format.
    """
    try:
        return orjson.dumps(payload, default=_json_default, option=_ORJSON_OPTIONS)
    except TypeError:
        # Integers beyond 64 bits and other values orjson refuses: the standard encoder.
        return json.dumps(payload, ensure_ascii=False, default=_json_default).encode()


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _json_default(value: Any) -> Any:
    """Odoo's ``date_utils.json_default``: dates as Odoo strings, bytes as text, sets as lists."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def text_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode(), "text/html; charset=utf-8", headers or [])


def werkzeug_page(
    status: int, description: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """The HTML page werkzeug renders for an HTTPException (``description`` already HTML)."""
    phrase = HTTPStatus(status).phrase
    html = (
        "<!doctype html>\n<html lang=en>\n"
        f"<title>{status} {phrase}</title>\n<h1>{phrase}</h1>\n<p>{description}</p>\n"
    )
    return text_response(status, html, headers)


def markup_escape(text: str) -> str:
    """``markupsafe.escape`` (what werkzeug applies to an exception description), then its
    ``\\n`` -> ``<br>``."""
    for char, entity in (
        ("&", "&amp;"),
        (">", "&gt;"),
        ("<", "&lt;"),
        ("'", "&#39;"),
        ('"', "&#34;"),
    ):
        text = text.replace(char, entity)
    return text.replace("\n", "<br>")


def dispatcher_mismatch(version: str, rule: str, route_type: str, accept: str) -> Response:
    """``Request._set_request_dispatcher`` refusing a request whose Content-Type the route's
    dispatcher does not take (``odoo/http.py``): 16-18 raise ``BadRequest`` (400), the 19 series
    ``UnsupportedMediaType`` (415) with an ``Accept`` header listing the dispatcher's mimetypes.
    Raised before any dispatcher is chosen, so the default ``HttpDispatcher`` renders it: the
    werkzeug HTML page.  Only ``http`` is compatible with a non-JSON request."""
    description = markup_escape(
        f"Request inferred type is compatible with ['http'] but {rule!r} is type={route_type!r}."
    )
    if version == "19":
        return werkzeug_page(415, description, [("Accept", accept)])
    return werkzeug_page(400, description)


Handler = Callable[[Request], Response]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"
    server: SimHTTPServer

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: tests and the demo read stdout; the access log would drown it.
        return

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text else 0
        except ValueError:
            self._send(werkzeug_page(400, "Invalid Content-Length"))
            return
        if length > MAX_CONTENT_LENGTH:
            self._send(werkzeug_page(413, "The data value transmitted exceeds the capacity limit."))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=url.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        try:
            response = self.server.handler(request)
        except ConnectionReset:
            self._reset()
            return
        self._send(response)

    def _send(self, response: Response) -> None:
        if response.close:
            self.close_connection = True
        phrase = HTTPStatus(response.status).phrase if response.status in _STATUSES else ""
        lines = [
            f"HTTP/1.1 {response.status} {phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = b"" if self.command == "HEAD" else response.body
        try:
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed worker or proxy does."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


_STATUSES = {status.value for status in HTTPStatus}


class SimHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP/1.1 server bound to one address, dispatching to ``handler``."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: Handler) -> None:
        self.handler = handler
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close idle keep-alive connections so their threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
