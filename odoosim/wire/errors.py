"""Exceptions → each protocol's error shape, as real Odoo renders them (``odoo-protocol.md`` §2).

* legacy XML-RPC ``/xmlrpc/<service>``: string fault codes (``xmlrpc_handle_exception_string``);
* XML-RPC ``/xmlrpc/2/<service>``: int fault codes 1–4, a traceback for code 1;
* JSON-RPC: the ``error`` object of ``JsonRPCDispatcher.handle_error`` (``code`` 200, 0 on 19);
* JSON-2 (19): an HTTP status and ``{name, message, arguments, context, debug}``.

Besides the classes of :mod:`odoosim.exceptions` the wire layer raises a few errors real Odoo
raises from werkzeug or psycopg2; they are defined here with the ``odoo_name`` Odoo reports.
"""

from __future__ import annotations

import traceback
from typing import Any

from odoosim import exceptions as oe


class HTTPError(Exception):
    """A werkzeug HTTPException (``werkzeug.exceptions.<Name>``) with its status code."""

    code = 500
    werkzeug_name = "InternalServerError"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    @property
    def odoo_name(self) -> str:
        return f"werkzeug.exceptions.{self.werkzeug_name}"


class BadRequest(HTTPError):
    code, werkzeug_name = 400, "BadRequest"


class Unauthorized(HTTPError):
    code, werkzeug_name = 401, "Unauthorized"


class Forbidden(HTTPError):
    code, werkzeug_name = 403, "Forbidden"


class NotFound(HTTPError):
    code, werkzeug_name = 404, "NotFound"


class MethodNotAllowed(HTTPError):
    code, werkzeug_name = 405, "MethodNotAllowed"


class UnsupportedMediaType(HTTPError):
    code, werkzeug_name = 415, "UnsupportedMediaType"


class UnprocessableEntity(HTTPError):
    code, werkzeug_name = 422, "UnprocessableEntity"


class OperationalError(Exception):
    """psycopg2's error for a database that does not exist (what Odoo lets through)."""

    odoo_name = "psycopg2.OperationalError"


class SessionExpired(Exception):
    """``odoo.http.SessionExpiredException``: a session route called without a valid session."""

    odoo_name = "odoo.http.SessionExpiredException"

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


def unknown_database(name: str) -> OperationalError:
    return OperationalError(f'FATAL:  database "{name}" does not exist')


def exception_name(exc: BaseException) -> str:
    """``data.name`` of the error: Odoo's ``module.ClassName`` of the exception."""
    name = getattr(exc, "odoo_name", None)
    if isinstance(name, str):
        return name
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def exception_message(exc: BaseException) -> str:
    if isinstance(exc, HTTPError):
        return exc.description
    if isinstance(exc, KeyError) and exc.args:
        return repr(exc.args[0])
    return str(exc)


def exception_arguments(exc: BaseException) -> list[Any]:
    if isinstance(exc, HTTPError):
        return [exc.description, exc.code]
    return [arg if isinstance(arg, str | int | float | bool) else repr(arg) for arg in exc.args]


def format_traceback(exc: BaseException) -> str:
    """The traceback text Odoo puts in ``debug`` / fault 1, ending with Odoo's class name."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{exception_name(exc)}: {exc}\n"


def xmlrpc_fault_int(exc: BaseException) -> tuple[int, str]:
    """``/xmlrpc/2``: ``xmlrpc_handle_exception_int`` (the order of tests matters)."""
    if isinstance(exc, oe.RedirectWarning):
        return 2, str(exc)
    if isinstance(exc, oe.AccessError):
        return 4, str(exc)
    if isinstance(exc, oe.AccessDenied):
        return 3, str(exc)
    if isinstance(exc, oe.UserError):
        return 2, str(exc)
    return 1, format_traceback(exc)


def xmlrpc_fault_string(exc: BaseException) -> tuple[str, str]:
    """``/xmlrpc``: ``xmlrpc_handle_exception_string`` (odoolib's endpoint)."""
    if isinstance(exc, oe.RedirectWarning):
        return "warning -- Warning\n\n" + str(exc), ""
    if isinstance(exc, oe.MissingError):
        return "warning -- MissingError\n\n" + str(exc), ""
    if isinstance(exc, oe.AccessError):
        return "warning -- AccessError\n\n" + str(exc), ""
    if isinstance(exc, oe.AccessDenied):
        return "AccessDenied", str(exc)
    if isinstance(exc, oe.UserError):
        return "warning -- UserError\n\n" + str(exc), ""
    return exception_message(exc), format_traceback(exc)


def jsonrpc_error(exc: BaseException, version: str) -> dict[str, Any]:
    """The ``error`` member of a JSON-RPC response (``serialize_exception`` key order)."""
    code, message = (0 if version == "19" else 200), "Odoo Server Error"
    if isinstance(exc, NotFound):
        code, message = 404, "404: Not Found"
    elif isinstance(exc, SessionExpired):
        code, message = 100, "Odoo Session Expired"
    return {
        "code": code,
        "message": message,
        "data": {
            "name": exception_name(exc),
            "debug": format_traceback(exc),
            "message": exception_message(exc),
            "arguments": exception_arguments(exc),
            "context": {},
        },
    }


def json2_error(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of a JSON-2 error (``Json2Dispatcher.handle_error``, 19)."""
    if isinstance(exc, HTTPError):
        status = exc.code
    elif isinstance(exc, oe.UserError | oe.AccessDenied | oe.LockError):
        status = exc.http_status
    else:
        status = 500
    body = {
        "name": exception_name(exc),
        "message": exception_message(exc),
        "arguments": exception_arguments(exc),
        "context": {},
        "debug": format_traceback(exc),
    }
    return status, body
