"""The error table: every protocol's raw failure shape → the connector error class.

Shapes are literals built from odoo-protocol.md §2 (legacy and int XML-RPC faults, JSON-RPC
error objects with code 200 on 16–18 and 0 on 19, JSON-2 statuses and bodies) plus transport
failures.
"""

from __future__ import annotations

import socket
import xmlrpc.client

import httpx
import pytest
from odoolib.tools import JsonRPCException

from connector.errors import (
    ERROR_TABLE,
    AccessError,
    AuthError,
    CallContext,
    ConfigError,
    ConnectorError,
    HTTPStatusFailure,
    Json2HTTPError,
    NotFoundError,
    RecordError,
    TransientError,
    UnreachableError,
    ValidationError,
    classify,
)

KEY = "0123456789abcdef0123456789abcdef01234567"
CTX = CallContext("http://erp.example:8069", "prod", "svcsync-bot", "sale.order", "search_read")
TB = 'Traceback (most recent call last):\n  File "odoo/service/model.py", line 1\n'


def jsonrpc(name: str, message: str, code: int = 200) -> JsonRPCException:
    return JsonRPCException(
        {
            "code": code,
            "message": "Odoo Server Error",
            "data": {
                "name": name,
                "debug": TB + name,
                "message": message,
                "arguments": [message],
                "context": {},
            },
        }
    )


def json2(status: int, name: str, message: str, **headers: str) -> Json2HTTPError:
    body = {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""}
    return Json2HTTPError(status, body, headers)


CASES: list[tuple[str, BaseException, type[ConnectorError]]] = [
    # legacy /xmlrpc/<service> string fault codes (what odoolib's endpoint returns)
    (
        "xmlrpc-legacy access denied",
        xmlrpc.client.Fault("AccessDenied", "Access Denied"),
        AuthError,
    ),
    (
        "xmlrpc-legacy access error",
        xmlrpc.client.Fault(
            "warning -- AccessError\n\nYou are not allowed to access 'Sales Order'", ""
        ),
        AccessError,
    ),
    (
        "xmlrpc-legacy missing",
        xmlrpc.client.Fault(
            "warning -- MissingError\n\nRecord does not exist or has been deleted.", ""
        ),
        RecordError,
    ),
    (
        "xmlrpc-legacy unknown model",
        xmlrpc.client.Fault("warning -- UserError\n\nObject foo.bar doesn't exist", ""),
        NotFoundError,
    ),
    (
        "xmlrpc-legacy user error",
        xmlrpc.client.Fault(
            "warning -- UserError\n\nThe operation cannot be completed: a mandatory field is not set.",
            "",
        ),
        ValidationError,
    ),
    (
        "xmlrpc-legacy redirect",
        xmlrpc.client.Fault("warning -- Warning\n\n('Configure a journal', 1, 'Go')", ""),
        ValidationError,
    ),
    (
        "xmlrpc-legacy serialization",
        xmlrpc.client.Fault(
            "could not serialize access due to concurrent update",
            TB + "psycopg2.errors.SerializationFailure: could not serialize access",
        ),
        TransientError,
    ),
    (
        "xmlrpc-legacy lock",
        xmlrpc.client.Fault(
            'could not obtain lock on row in relation "sale_order"',
            TB + "psycopg2.errors.LockNotAvailable",
        ),
        TransientError,
    ),
    (
        "xmlrpc-legacy unknown method",
        xmlrpc.client.Fault(
            "The method 'frobnicate' does not exist on the model 'sale.order'",
            TB + "AttributeError: The method 'frobnicate' does not exist",
        ),
        NotFoundError,
    ),
    (
        "xmlrpc-legacy invalid field",
        xmlrpc.client.Fault(
            "Invalid field 'x_nope' on model 'sale.order'",
            TB + "ValueError: Invalid field 'x_nope' on model 'sale.order'",
        ),
        NotFoundError,
    ),
    # /xmlrpc/2 int fault codes
    ("xmlrpc2 fault 3", xmlrpc.client.Fault(3, "Access Denied"), AuthError),
    (
        "xmlrpc2 fault 4",
        xmlrpc.client.Fault(4, "You are not allowed to access 'Sales Order' (sale.order) records."),
        AccessError,
    ),
    (
        "xmlrpc2 fault 2 unknown model",
        xmlrpc.client.Fault(2, "Object foo.bar doesn't exist"),
        NotFoundError,
    ),
    (
        "xmlrpc2 fault 2 missing",
        xmlrpc.client.Fault(
            2, "Record does not exist or has been deleted.\n(Record: sale.order(99999,), User: 2)"
        ),
        RecordError,
    ),
    ("xmlrpc2 fault 2 user error", xmlrpc.client.Fault(2, "Invalid date"), ValidationError),
    (
        "xmlrpc2 fault 1 serialization",
        xmlrpc.client.Fault(
            1,
            TB
            + "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
        ),
        TransientError,
    ),
    (
        "xmlrpc2 fault 1 attribute",
        xmlrpc.client.Fault(
            1, TB + "AttributeError: type object 'sale.order' has no attribute 'frob'"
        ),
        NotFoundError,
    ),
    (
        "xmlrpc2 fault 1 other",
        xmlrpc.client.Fault(1, TB + "ZeroDivisionError: division by zero"),
        ConnectorError,
    ),
    (
        "xmlrpc http 503",
        xmlrpc.client.ProtocolError("h:1/xmlrpc/object", 503, "Service Unavailable", {}),
        TransientError,
    ),  # type: ignore[arg-type]
    (
        "xmlrpc http 404",
        xmlrpc.client.ProtocolError("h:1/xmlrpc/object", 404, "Not Found", {}),
        NotFoundError,
    ),  # type: ignore[arg-type]
    # JSON-RPC: data.name decides; code 200 (16-18) and 0 (19) must not matter
    (
        "jsonrpc access denied 16",
        jsonrpc("odoo.exceptions.AccessDenied", "Access Denied"),
        AuthError,
    ),
    (
        "jsonrpc access denied 19",
        jsonrpc("odoo.exceptions.AccessDenied", "Access Denied", code=0),
        AuthError,
    ),
    (
        "jsonrpc access error",
        jsonrpc(
            "odoo.exceptions.AccessError",
            "You are not allowed to access 'Contact' (res.partner) records.",
        ),
        AccessError,
    ),
    (
        "jsonrpc missing",
        jsonrpc("odoo.exceptions.MissingError", "Record does not exist or has been deleted."),
        RecordError,
    ),
    (
        "jsonrpc validation",
        jsonrpc("odoo.exceptions.ValidationError", "The operation cannot be completed"),
        ValidationError,
    ),
    (
        "jsonrpc user error unknown model",
        jsonrpc("odoo.exceptions.UserError", "Object foo.bar doesn't exist"),
        NotFoundError,
    ),
    (
        "jsonrpc user error",
        jsonrpc("odoo.exceptions.UserError", "You cannot delete a posted entry", code=0),
        ValidationError,
    ),
    (
        "jsonrpc serialization",
        jsonrpc(
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
        ),
        TransientError,
    ),
    (
        "jsonrpc lock",
        jsonrpc("psycopg2.errors.LockNotAvailable", "could not obtain lock"),
        TransientError,
    ),
    (
        "jsonrpc attribute",
        jsonrpc(
            "builtins.AttributeError", "The method 'frob' does not exist on the model 'sale.order'"
        ),
        NotFoundError,
    ),
    (
        "jsonrpc invalid field",
        jsonrpc("builtins.ValueError", "Invalid field 'x_nope' on model 'sale.order'"),
        NotFoundError,
    ),
    (
        "jsonrpc type error",
        jsonrpc("builtins.TypeError", "search_read() got an unexpected keyword argument 'x'"),
        ValidationError,
    ),
    (
        "jsonrpc werkzeug 404",
        JsonRPCException({"code": 404, "message": "404: Not Found", "data": {}}),
        NotFoundError,
    ),
    ("jsonrpc http 502", HTTPStatusFailure(502, "Bad Gateway"), TransientError),
    (
        "jsonrpc http 429",
        HTTPStatusFailure(429, "Too Many Requests", {"Retry-After": "3"}),
        TransientError,
    ),
    # JSON-2 (19): status + name
    ("json2 401", json2(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"), AuthError),
    ("json2 401 bare string", Json2HTTPError(401, "Invalid apikey"), AuthError),
    (
        "json2 403",
        json2(403, "odoo.exceptions.AccessError", "You are not allowed to create 'Ticket'"),
        AccessError,
    ),
    (
        "json2 404 model",
        json2(404, "werkzeug.exceptions.NotFound", "the model 'foo.bar' does not exist"),
        NotFoundError,
    ),
    (
        "json2 404 missing record",
        json2(404, "odoo.exceptions.MissingError", "Record does not exist or has been deleted."),
        RecordError,
    ),
    ("json2 409 lock", json2(409, "odoo.exceptions.LockError", "locked"), RecordError),
    (
        "json2 422 validation",
        json2(422, "odoo.exceptions.ValidationError", "bad value"),
        ValidationError,
    ),
    (
        "json2 422 binding",
        json2(422, "builtins.TypeError", "got an unexpected keyword argument 'x'"),
        ValidationError,
    ),
    (
        "json2 500 serialization",
        json2(500, "psycopg2.errors.SerializationFailure", "could not serialize"),
        TransientError,
    ),
    ("json2 503", Json2HTTPError(503, "busy", {"Retry-After": "2"}), TransientError),
    (
        "json2 422 unknown name",
        json2(422, "werkzeug.exceptions.UnprocessableEntity", "unexpected keyword 'bogus'"),
        ValidationError,
    ),
    (
        "json2 400",
        json2(400, "werkzeug.exceptions.BadRequest", "could not parse the body as json"),
        ValidationError,
    ),
    # transport failures
    ("connect refused", httpx.ConnectError("[Errno 111] Connection refused"), UnreachableError),
    (
        "tls refused (httpx)",
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        ConfigError,
    ),
    ("connect timeout", httpx.ConnectTimeout("timed out"), UnreachableError),
    ("socket refused", ConnectionRefusedError(111, "Connection refused"), UnreachableError),
    ("dns", socket.gaierror(-2, "Name or service not known"), UnreachableError),
    ("read timeout", httpx.ReadTimeout("timed out"), TransientError),
    ("socket timeout", TimeoutError("timed out"), TransientError),
    ("reset", ConnectionResetError(104, "Connection reset by peer"), TransientError),
    ("httpx remote protocol", httpx.RemoteProtocolError("Server disconnected"), TransientError),
]


@pytest.mark.parametrize(("shape", "raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_shape_is_classified(shape: str, raw: BaseException, expected: type) -> None:
    err = classify(raw, CTX, (KEY,))
    assert err is not None, shape
    assert type(err) is expected, f"{shape}: {type(err).__name__}: {err}"
    text = str(err)
    for part in ("url=http://erp.example:8069", "database=prod", "login=svcsync-bot"):
        assert part in text
    assert KEY not in text


def test_transient_flags_retry_after_and_processing() -> None:
    err = classify(HTTPStatusFailure(503, "busy", {"Retry-After": "7"}), CTX)
    assert isinstance(err, TransientError)
    assert err.retry_after == 7.0
    assert err.maybe_processed is False  # 503 means the request was not handled
    timeout = classify(httpx.ReadTimeout("t"), CTX)
    assert isinstance(timeout, TransientError) and timeout.maybe_processed is True


def test_retry_after_as_an_http_date_is_honoured() -> None:
    import email.utils
    from datetime import UTC, datetime, timedelta

    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    err = classify(HTTPStatusFailure(503, "busy", {"Retry-After": later}), CTX)
    assert isinstance(err, TransientError)
    assert err.retry_after is not None and 25 <= err.retry_after <= 31
    past = email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    gone = classify(HTTPStatusFailure(429, "slow down", {"retry-after": past}), CTX)
    assert isinstance(gone, TransientError) and gone.retry_after == 0.0
    junk = classify(HTTPStatusFailure(503, "busy", {"Retry-After": "soon"}), CTX)
    assert isinstance(junk, TransientError) and junk.retry_after is None


def test_access_error_names_model_operation_and_right() -> None:
    ctx = CallContext("http://h:8069", "db", "bot", "helpdesk.ticket", "create")
    err = classify(xmlrpc.client.Fault(4, "not allowed"), ctx)
    assert isinstance(err, AccessError)
    assert (err.model, err.operation, err.right) == ("helpdesk.ticket", "create", "create")
    assert "'create' right on model 'helpdesk.ticket'" in str(err)


def test_private_method_is_not_reported_as_a_missing_right() -> None:
    ctx = CallContext("http://h:8069", "db", "bot", "res.partner", "_private")
    err = classify(
        xmlrpc.client.Fault(
            4, "Private methods (such as res.partner._private) cannot be called remotely."
        ),
        ctx,
    )
    assert isinstance(err, AccessError) and err.right is None
    assert "refuses to run '_private' over RPC" in str(err)


def test_secret_echoed_by_the_server_is_scrubbed() -> None:
    raw = xmlrpc.client.Fault(2, f"bad call execute_kw('prod', 7, '{KEY}', ...)")
    err = classify(raw, CTX, (KEY,))
    assert err is not None and KEY not in str(err) and "***" in str(err)


def test_tls_failure_is_a_config_error() -> None:
    import ssl

    err = classify(ssl.SSLCertVerificationError("certificate verify failed"), CTX)
    assert isinstance(err, ConfigError)


def test_programming_errors_are_not_swallowed() -> None:
    assert classify(KeyError("x"), CTX) is None
    assert classify(ZeroDivisionError(), CTX) is None


def test_the_table_ends_with_a_catch_all() -> None:
    assert ERROR_TABLE[-1].name == "*"
