"""XML-RPC endpoints: ``/xmlrpc/<service>`` (legacy string faults) and ``/xmlrpc/2/<service>``.

As in ``odoo/addons/base/controllers/rpc.py``: the body is parsed with
``xmlrpc.client.loads(data, use_datetime=True)``, the answer is marshalled by Odoo's marshaller
(dates and datetimes as strings, bytes as text, control characters stripped, ``None`` refused,
which turns into a fault), and every answer — faults included — is HTTP 200 ``text/xml``.
"""

from __future__ import annotations

import xmlrpc.client
from datetime import date, datetime
from typing import Any

from odoosim.wire.core import CallContext, ConnectionReset, HttpStatusFault, RpcCore
from odoosim.wire.errors import exception_name, xmlrpc_fault_int, xmlrpc_fault_string
from odoosim.wire.http import Request, Response

# 0 to 31, excluding tab, newline and carriage return (XML 1.0 refuses them).
_CONTROL_CHARACTERS = dict.fromkeys(set(range(32)) - {9, 10, 13})


def _odoo_values(value: Any) -> Any:
    """Apply ``OdooMarshaller``'s conversions before Python's marshaller runs.

    Dates and datetimes become Odoo strings, bytes become text, control characters are removed
    from strings; ``None`` is left alone so the marshaller refuses it as Odoo's does.
    """
    if isinstance(value, str):
        return value.translate(_CONTROL_CHARACTERS)
    if isinstance(value, dict):
        return {str(key): _odoo_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_odoo_values(item) for item in value]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bytes):
        return value.decode()
    return value


def dumps(params: tuple[Any, ...] | xmlrpc.client.Fault) -> bytes:
    if not isinstance(params, xmlrpc.client.Fault):
        params = tuple(_odoo_values(list(params)))
    response = xmlrpc.client.Marshaller(encoding="utf-8", allow_none=False).dumps(params)
    return f'<?xml version="1.0"?>\n<methodResponse>\n{response}\n</methodResponse>\n'.encode()


def handle(
    core: RpcCore, ctx: CallContext, request: Request, service: str, legacy: bool
) -> Response:
    """Serve one XML-RPC call; ``legacy`` selects the string fault codes of ``/xmlrpc``."""
    try:
        try:
            params, method = xmlrpc.client.loads(request.body, use_datetime=True)
        except Exception:
            ctx.service, ctx.method = service, "<unparsable>"
            raise
        result = core.dispatch_rpc(ctx, service, method, list(params))
        body = dumps((result,))
    except Exception as exc:
        if isinstance(exc, ConnectionReset | HttpStatusFault):
            raise
        ctx.error = exception_name(exc)
        if legacy:
            code_text, text = xmlrpc_fault_string(exc)
            body = dumps(xmlrpc.client.Fault(code_text, text))  # type: ignore[arg-type]
        else:
            code, text = xmlrpc_fault_int(exc)
            body = dumps(xmlrpc.client.Fault(code, text))
    # "Connection: close": odoolib builds a new ServerProxy per call and never closes it, so a
    # kept-alive socket would linger until garbage collection (a ResourceWarning in every test
    # using it).  A new connection per XML-RPC call is what odoolib gets from most setups anyway.
    return Response(200, body, "text/xml; charset=utf-8", close=True)
