"""Connector errors, and the one table that classifies every Odoo failure.

The tree says what the caller must do::

    ConnectorError                 base; message names url, database, login (never the key)
     ├── TransientError            retry later (timeouts, resets, 429/502/503/504, serialization)
     │    └── UnreachableError     the host did not accept a connection at all (CLI exits 3)
     ├── AuthError                 wrong key / login / database: stop, fix the config
     ├── AccessError               the bot user lacks a right: names model, operation, right
     ├── NotFoundError             model, field or method missing on this server (+ version)
     ├── ValidationError           Odoo refused the values (its message)
     ├── RecordError               one record is the problem (deleted, locked): skip, report
     └── ConfigError               our own configuration is wrong: stop, tell the admin

Classification works in two steps: each protocol's raw failure is reduced to a ``Failure``
(the Odoo exception class name as ``data.name`` would spell it, the message, an HTTP status,
a Retry-After), then ``ERROR_TABLE`` — one ordered list of rows — picks the error class. We key on
the class name (JSON-RPC ``data.name``, the legacy XML-RPC fault-code prefix, the ``/xmlrpc/2``
int code, the JSON-2 status and ``name``), never on the JSON-RPC ``code`` which Odoo documents as
arbitrary (200 on 16–18, 0 on 19).
"""

from __future__ import annotations

import email.utils
import re
import socket
import ssl
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx


class ConnectorError(Exception):
    """Base of every connector error; ``str()`` is a complete sentence for a human."""

    def __init__(self, message: str, *, context: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = dict(context or {})

    def __str__(self) -> str:
        return self.message


class TransientError(ConnectorError):
    """Worth retrying later: the server or network failed, not the request."""

    def __init__(
        self,
        message: str,
        *,
        context: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
        maybe_processed: bool = False,
    ) -> None:
        super().__init__(message, context=context)
        self.retry_after = retry_after
        # True when the request may have reached Odoo and committed (read timeout, reset after
        # sending): a non-idempotent call must not be blindly re-sent.
        self.maybe_processed = maybe_processed


class UnreachableError(TransientError):
    """No TCP/TLS connection could be made: wrong host/port, server down, firewall."""


class AuthError(ConnectorError):
    """Login refused: wrong login or key, unknown database, key without RPC scope."""


class AccessError(ConnectorError):
    """The bot user lacks a right; ``model``, ``operation`` and ``right`` say which."""

    def __init__(
        self,
        message: str,
        *,
        context: Mapping[str, Any] | None = None,
        model: str | None = None,
        operation: str | None = None,
        right: str | None = None,
    ) -> None:
        super().__init__(message, context=context)
        self.model = model
        self.operation = operation
        self.right = right


class NotFoundError(ConnectorError):
    """A model, field or method does not exist on this server (version or apps differ)."""


class ValidationError(ConnectorError):
    """Odoo refused the values (constraint, required field, user error)."""


class RecordError(ConnectorError):
    """One record is the problem (deleted, locked): skip it and report it."""


class ConfigError(ConnectorError):
    """Our configuration is wrong; the message says which key to fix."""


# --------------------------------------------------------------------------------------------
# Step 1: reduce a raw failure to a Failure


@dataclass(frozen=True)
class Failure:
    """A protocol-neutral description of one failed call."""

    name: str  # e.g. "odoo.exceptions.AccessError", "http.503", "transport.timeout"
    message: str = ""
    status: int | None = None
    retry_after: float | None = None
    maybe_processed: bool = True
    debug: str = field(default="", repr=False)


class Json2HTTPError(Exception):
    """A non-200 answer of ``/json/2`` (raised by our JSON-2 transport, classified here)."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class HTTPStatusFailure(Exception):
    """A non-200 HTTP answer on ``/jsonrpc`` or ``/xmlrpc`` (proxy errors, 429/503...)."""

    def __init__(self, status: int, text: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.text = text
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}


# Legacy /xmlrpc/<service> string fault codes (odoo/addons/base/controllers/rpc.py,
# xmlrpc_handle_exception_string), checked as prefixes.
_LEGACY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("warning -- AccessError", "odoo.exceptions.AccessError"),
    ("warning -- MissingError", "odoo.exceptions.MissingError"),
    ("warning -- UserError", "odoo.exceptions.UserError"),
    ("warning -- Warning", "odoo.exceptions.RedirectWarning"),
    ("AccessDenied", "odoo.exceptions.AccessDenied"),
)

# /xmlrpc/2 int fault codes (xmlrpc_handle_exception_int).
_INT_FAULTS = {
    2: "odoo.exceptions.UserError",
    3: "odoo.exceptions.AccessDenied",
    4: "odoo.exceptions.AccessError",
}

# A fault 1 (or a legacy "other" fault) carries a traceback; its last lines name the class.
_TRACEBACK_NAMES: tuple[tuple[str, str], ...] = (
    ("SerializationFailure", "psycopg2.errors.SerializationFailure"),
    ("could not serialize access", "psycopg2.errors.SerializationFailure"),
    ("LockNotAvailable", "psycopg2.errors.LockNotAvailable"),
    ("could not obtain lock", "psycopg2.errors.LockNotAvailable"),
    ("DeadlockDetected", "psycopg2.errors.DeadlockDetected"),
    ("AttributeError", "builtins.AttributeError"),
    ("ValueError", "builtins.ValueError"),
    ("KeyError", "builtins.KeyError"),
    ("TypeError", "builtins.TypeError"),
)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    # HTTP-date form (RFC 9110 §10.2.3), as some proxies and load balancers send it.
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _plain(text: str) -> str:
    """A short one-line version of an error page (proxies answer 502/503 with HTML)."""
    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if title:
        text = title.group(1)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())[:200]


def _from_traceback(text: str) -> str:
    for needle, name in _TRACEBACK_NAMES:
        if needle in text:
            return name
    return "builtins.Exception"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def reduce_failure(exc: BaseException) -> Failure | None:
    """Describe ``exc`` as a ``Failure``, or ``None`` when it is not an RPC failure (a bug)."""
    if isinstance(exc, xmlrpc.client.Fault):
        code, text = exc.faultCode, str(exc.faultString or "")
        if isinstance(code, int):
            if code in _INT_FAULTS:
                return Failure(_INT_FAULTS[code], text)
            return Failure(_from_traceback(text), _last_line(text), debug=text)
        code_s = str(code)
        for prefix, name in _LEGACY_PREFIXES:
            if code_s.startswith(prefix):
                message = code_s[len(prefix) :].strip() or text
                return Failure(name, message)
        return Failure(_from_traceback(text + "\n" + code_s), code_s.strip(), debug=text)
    if isinstance(exc, Json2HTTPError):
        body = exc.body
        name = message = ""
        if isinstance(body, dict):
            name = str(body.get("name") or "")
            message = str(body.get("message") or "")
        elif isinstance(body, str):
            message = _plain(body)
        if not name:
            name = _JSON2_STATUS_NAMES.get(exc.status, f"http.{exc.status}")
        if exc.status in (429, 502, 503, 504):
            name = f"http.{exc.status}"
        return Failure(
            name,
            message,
            status=exc.status,
            retry_after=_retry_after(exc.headers),
            maybe_processed=exc.status not in (429, 503),
        )
    if isinstance(exc, HTTPStatusFailure):
        return Failure(
            f"http.{exc.status}",
            _plain(exc.text),
            status=exc.status,
            retry_after=_retry_after(exc.headers),
            maybe_processed=exc.status not in (429, 503),
        )
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return Failure(
            f"http.{exc.errcode}",
            str(exc.errmsg),
            status=exc.errcode,
            retry_after=_retry_after(dict(exc.headers.items()) if exc.headers else {}),
            maybe_processed=exc.errcode not in (429, 503),
        )
    error = getattr(exc, "error", None)  # odoolib.tools.JsonRPCException
    if type(exc).__name__ == "JsonRPCException" and isinstance(error, dict):
        data = error.get("data") or {}
        name = str(data.get("name") or "")
        message = str(data.get("message") or error.get("message") or "")
        if not name:
            # Only werkzeug errors lack data.name; the code is then an HTTP status.
            name = f"http.{error.get('code')}"
        return Failure(name, message, debug=str(data.get("debug") or ""))
    # Transport failures. Order matters: ConnectTimeout is a TimeoutException too, and httpx
    # reports a refused certificate as a ConnectError caused by an SSLError.
    if isinstance(exc, httpx.ConnectError) and (
        isinstance(exc.__cause__ or exc.__context__, ssl.SSLError) or "SSL" in str(exc)
    ):
        return Failure("transport.tls", str(exc), maybe_processed=False)
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | ConnectionRefusedError):
        return Failure(
            "transport.unreachable", str(exc) or type(exc).__name__, maybe_processed=False
        )
    if isinstance(exc, socket.gaierror):
        return Failure(
            "transport.unreachable", f"cannot resolve host ({exc.strerror})", maybe_processed=False
        )
    if isinstance(exc, ssl.SSLError | httpx.ProxyError):
        return Failure("transport.tls", str(exc), maybe_processed=False)
    if isinstance(exc, httpx.TimeoutException | TimeoutError | socket.timeout):
        return Failure("transport.timeout", "no answer within the read timeout")
    if isinstance(
        exc,
        httpx.RemoteProtocolError
        | httpx.ReadError
        | httpx.WriteError
        | ConnectionError
        | xmlrpc.client.ResponseError
        | EOFError,
    ):
        return Failure("transport.reset", f"connection dropped ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError | OSError):
        return Failure("transport.error", f"{type(exc).__name__}: {exc}")
    return None


_JSON2_STATUS_NAMES = {
    400: "http.400",
    401: "werkzeug.exceptions.Unauthorized",
    403: "odoo.exceptions.AccessError",
    404: "werkzeug.exceptions.NotFound",
    409: "odoo.exceptions.LockError",
    415: "http.415",
    422: "odoo.exceptions.UserError",
}


# --------------------------------------------------------------------------------------------
# Step 2: the table


@dataclass(frozen=True)
class Row:
    """``name`` matches ``Failure.name`` exactly (or as a prefix when it ends with '*');
    ``pattern`` (regex, optional) must also match the message."""

    name: str
    error: type[ConnectorError]
    pattern: str | None = None
    what: str = ""

    def matches(self, failure: Failure) -> bool:
        if self.name.endswith("*"):
            if not failure.name.startswith(self.name[:-1]):
                return False
        elif failure.name != self.name:
            return False
        if self.pattern is None:
            return True
        return re.search(self.pattern, failure.message + "\n" + failure.debug, re.I) is not None


ERROR_TABLE: tuple[Row, ...] = (
    Row("transport.unreachable", UnreachableError, what="server unreachable"),
    Row("transport.timeout", TransientError, what="timed out"),
    Row("transport.reset", TransientError, what="connection reset"),
    Row("transport.tls", ConfigError, what="TLS failure (check verify_tls / ca_bundle)"),
    Row("transport.error", TransientError, what="network error"),
    Row("http.429", TransientError, what="rate limited (HTTP 429)"),
    Row("http.502", TransientError, what="bad gateway (HTTP 502)"),
    Row("http.503", TransientError, what="service unavailable (HTTP 503)"),
    Row("http.504", TransientError, what="gateway timeout (HTTP 504)"),
    Row("psycopg2.errors.SerializationFailure", TransientError, what="serialization failure"),
    Row("psycopg2.errors.LockNotAvailable", TransientError, what="lock not available"),
    Row("psycopg2.errors.DeadlockDetected", TransientError, what="deadlock"),
    Row("odoo.exceptions.ConcurrencyError", TransientError, what="concurrency failure"),
    Row("odoo.exceptions.AccessDenied", AuthError, what="login refused"),
    Row("werkzeug.exceptions.Unauthorized", AuthError, what="API key refused"),
    Row("http.401", AuthError, what="API key refused"),
    Row("odoo.exceptions.AccessError", AccessError, what="access refused"),
    Row("odoo.exceptions.MissingError", RecordError, what="record missing"),
    Row("odoo.exceptions.LockError", RecordError, what="record locked"),
    Row("odoo.exceptions.UserError", NotFoundError, r"Object \S+ doesn't exist", "unknown model"),
    Row(
        "odoo.exceptions.UserError", NotFoundError, r"model '[^']+' does not exist", "unknown model"
    ),
    Row("odoo.exceptions.UserError", NotFoundError, r"^Invalid field", "unknown field"),
    Row("odoo.exceptions.UserError", RecordError, r"Record does not exist", "record missing"),
    Row("odoo.exceptions.ValidationError", ValidationError, what="values refused"),
    Row("odoo.exceptions.RedirectWarning", ValidationError, what="values refused"),
    Row("odoo.exceptions.UserError", ValidationError, what="refused by Odoo"),
    Row("builtins.AttributeError", NotFoundError, what="unknown method"),
    Row("builtins.ValueError", NotFoundError, r"Invalid field", "unknown field"),
    Row("builtins.KeyError", NotFoundError, what="unknown field or model"),
    Row("werkzeug.exceptions.NotFound", NotFoundError, what="not found"),
    Row("http.404", NotFoundError, what="endpoint not found (protocol not served?)"),
    Row("builtins.TypeError", ValidationError, what="bad arguments"),
    Row("http.400", ValidationError, what="bad request"),
    Row("werkzeug.exceptions.BadRequest", ValidationError, what="bad request"),
    Row("werkzeug.exceptions.UnsupportedMediaType", ValidationError, what="bad content type"),
    Row("werkzeug.exceptions.Forbidden", AccessError, what="access refused"),
    Row("http.415", ValidationError, what="bad content type"),
    Row("http.*", TransientError, what="unexpected HTTP status"),
    Row("*", ConnectorError, what="server error"),
)


def lookup(failure: Failure) -> Row:
    """The first table row matching ``failure`` (the last row matches everything).

    A JSON-2 error whose ``name`` the table does not know falls back to its HTTP status.
    """
    for row in ERROR_TABLE:
        if row.matches(failure):
            if row.name == "*" and failure.status in _JSON2_STATUS_NAMES:
                by_status = Failure(_JSON2_STATUS_NAMES[failure.status], failure.message)
                if by_status.name != failure.name:
                    return lookup(by_status)
            return row
    raise AssertionError("ERROR_TABLE must end with a catch-all row")


# --------------------------------------------------------------------------------------------
# Step 3: build the error with a message that says where and what to do


# Which ACL right an RPC method needs (ir.model.access perm_*); anything else is a method call.
_RIGHT_OF_METHOD = {
    "search_read": "read",
    "read": "read",
    "search": "read",
    "search_count": "read",
    "fields_get": "read",
    "name_search": "read",
    "read_group": "read",
    "formatted_read_group": "read",
    "create": "create",
    "write": "write",
    "unlink": "unlink",
    "message_post": "write",
}


def right_for(method: str) -> str:
    """The ``ir.model.access`` right a method needs (``write`` for business methods)."""
    return _RIGHT_OF_METHOD.get(method, "write")


@dataclass(frozen=True)
class CallContext:
    """Where a call went; every error message names these (never the key)."""

    url: str
    database: str
    login: str
    model: str | None = None
    method: str | None = None
    odoo_version: str | None = None

    def where(self) -> str:
        parts = [f"url={self.url}", f"database={self.database}", f"login={self.login}"]
        if self.model:
            parts.append(f"model={self.model}")
        if self.method:
            parts.append(f"operation={self.method}")
        if self.odoo_version:
            parts.append(f"odoo={self.odoo_version}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


_ADVICE: dict[type[ConnectorError], str] = {
    UnreachableError: "check the url and that the server is running and reachable",
    AuthError: "check login, database and the API key (its source, not its value)",
    AccessError: "grant the right to the svcsync user in Odoo (Settings > Users > Groups)",
    NotFoundError: "install the module or fix the field/model name for this Odoo version",
    ConfigError: "fix the [[erp]] settings",
}


_ROLLED_BACK = ("psycopg2.errors.", "odoo.exceptions.ConcurrencyError")


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove every secret from ``text`` (servers may echo arguments in tracebacks)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def classify(
    exc: BaseException, ctx: CallContext, secrets: tuple[str, ...] = ()
) -> ConnectorError | None:
    """The ``ConnectorError`` for a raw failure, or ``None`` if ``exc`` is not an RPC failure."""
    if isinstance(exc, ConnectorError):
        return exc
    failure = reduce_failure(exc)
    if failure is None:
        return None
    row = lookup(failure)
    detail = scrub(failure.message, secrets).strip()
    if len(detail) > 500:
        detail = detail[:500] + "…"
    cls = row.error
    head = row.what if not detail else f"{row.what}: {detail}"
    advice = _ADVICE.get(cls)
    tail = f" ({ctx.where()})" + (f"; {advice}" if advice else "")
    if cls is AccessError and (
        (ctx.method or "").startswith("_") or "cannot be called remotely" in detail
    ):
        return AccessError(
            f"Odoo refuses to run {ctx.method!r} over RPC: {detail}{tail}",
            context=ctx.as_dict(),
            model=ctx.model,
            operation=ctx.method,
            right=None,
        )
    if cls is AccessError:
        right = right_for(ctx.method or "")
        message = (
            f"access refused: user {ctx.login!r} lacks the {right!r} right on model "
            f"{ctx.model!r} needed for {ctx.method!r}"
            + (f" — Odoo says: {detail}" if detail else "")
            + tail
        )
        return AccessError(
            message, context=ctx.as_dict(), model=ctx.model, operation=ctx.method, right=right
        )
    if issubclass(cls, TransientError):
        # Odoo rolls the transaction back on serialization/lock failures: nothing was applied.
        rolled_back = failure.name.startswith(_ROLLED_BACK)
        return cls(
            head + tail,
            context=ctx.as_dict(),
            retry_after=failure.retry_after,
            maybe_processed=failure.maybe_processed and not rolled_back,
        )
    return cls(head + tail, context=ctx.as_dict())
