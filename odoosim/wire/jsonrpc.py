"""JSON-RPC: ``/jsonrpc`` and the ``type='json'`` web routes (``JsonRPCDispatcher``).

Envelope as in ``odoo/http.py``: ``{"jsonrpc": "2.0", "id": <request id>, "result": ...}`` or
``"error": {...}`` (``code`` 200 on 16–18, 0 on 19), always HTTP 200.  On 16–18 the ``result``
key is left out when the result is ``None``; 19 always writes it.  A body that is not JSON gets a
plain 400 "Invalid JSON data", and a JSON value that is not an object 400 "Invalid JSON-RPC data".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from odoosim.wire.core import CallContext, ConnectionReset, HttpStatusFault, RpcCore
from odoosim.wire.errors import exception_name, jsonrpc_error
from odoosim.wire.http import (
    Request,
    Response,
    dispatcher_mismatch,
    json_response,
    text_response,
)

# A JSON-RPC route: (ctx, params, request) -> (result, extra response headers).
Route = Callable[[CallContext, dict[str, Any], Request], tuple[Any, list[tuple[str, str]]]]


def envelope(
    version: str,
    request_id: Any,
    *,
    result: Any = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    response: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        response["error"] = error
    elif result is not None or version == "19":
        response["result"] = result
    return response


_JSON_MIMETYPES = ("application/json", "application/json-rpc")


def serve(core: RpcCore, ctx: CallContext, request: Request, route: Route) -> Response:
    """Decode a JSON-RPC request, run ``route`` with its params and encode the answer."""
    if request.mimetype not in _JSON_MIMETYPES:
        # JsonRPCDispatcher.is_compatible_with: the mimetype alone (an empty body is no excuse)
        rule = (
            "/web/dataset/call_kw"
            if request.path.startswith("/web/dataset/call_kw/")
            else request.path
        )
        route_type = "jsonrpc" if core.version == "19" else "json"
        return dispatcher_mismatch(core.version, rule, route_type, ", ".join(_JSON_MIMETYPES))
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        return text_response(400, "Invalid JSON data")
    if not isinstance(payload, dict):
        return text_response(400, "Invalid JSON-RPC data")
    request_id = payload.get("id")
    headers: list[tuple[str, str]] = []
    try:
        params = payload.get("params", {})
        if not isinstance(params, dict):
            # Odoo does dict(params): a list of pairs works, anything else is an error.
            params = dict(params)
        result, headers = route(ctx, params, request)
        body = envelope(core.version, request_id, result=result)
    except (ConnectionReset, HttpStatusFault):
        raise
    except Exception as exc:
        ctx.error = exception_name(exc)
        body = envelope(core.version, request_id, error=jsonrpc_error(exc, core.version))
    return json_response(body, headers=headers)


def rpc_route(core: RpcCore) -> Route:
    """``/jsonrpc``: ``dispatch_rpc(service, method, args)``."""

    def route(
        ctx: CallContext, params: dict[str, Any], request: Request
    ) -> tuple[Any, list[tuple[str, str]]]:
        missing = [name for name in ("service", "method", "args") if name not in params]
        if missing:
            ctx.service, ctx.method = "jsonrpc", "<invalid>"
            names = " and ".join(repr(name) for name in missing)
            raise TypeError(
                f"RPC.jsonrpc() missing {len(missing)} required positional argument"
                f"{'s' if len(missing) > 1 else ''}: {names}"
            )
        return core.dispatch_rpc(ctx, params["service"], params["method"], params["args"]), []

    return route
