"""Routing: which protocol serves which path, per version profile.

| path | protocol |
|---|---|
| ``POST /xmlrpc/<service>`` | XML-RPC, legacy string faults |
| ``POST /xmlrpc/2/<service>`` | XML-RPC, int faults |
| ``POST /jsonrpc`` | JSON-RPC ``dispatch_rpc`` |
| ``POST /json/2/<model>/<method>`` | JSON-2 (19 only) |
| ``GET|POST /doc-bearer/<model>.json`` | model document (19 only) |
| ``/web/version``, ``/json/version`` (19) | version JSON |
| ``/web/webclient/version_info``, ``/web/session/*``, ``/web/dataset/call_kw*``, ``/web/database/list`` | JSON-RPC web routes |

Injected HTTP statuses become the page a proxy would send, with ``Retry-After``; resets propagate
to the HTTP layer, which drops the connection.
"""

from __future__ import annotations

import functools
import math

from odoosim.wire import json2, jsonrpc, web, xmlrpc
from odoosim.wire.core import CallContext, HttpStatusFault, RpcCore
from odoosim.wire.http import Request, Response, json_response, text_response, werkzeug_page

_PROXY_PAGES = {
    429: "429 Too Many Requests",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}


class WireApp:
    """Callable ``Request -> Response`` serving every endpoint of one simulated Odoo."""

    def __init__(self, core: RpcCore) -> None:
        self.core = core
        self.sessions = web.Sessions()
        self._rpc_route = jsonrpc.rpc_route(core)
        bind = functools.partial
        self._web_routes: dict[str, jsonrpc.Route] = {
            "/web/webclient/version_info": bind(web.version_info, core),
            "/web/database/list": bind(web.database_list, core),
            "/web/session/authenticate": bind(web.authenticate, core, self.sessions),
            "/web/session/get_session_info": bind(web.get_session_info, core, self.sessions),
            "/web/session/destroy": bind(web.destroy, core, self.sessions),
            "/web/dataset/call_kw": bind(web.call_kw, core, self.sessions),
        }

    def __call__(self, request: Request) -> Response:
        ctx = CallContext(protocol="http")
        try:
            return self._route(ctx, request)
        except HttpStatusFault as fault:
            ctx.error = f"http {fault.status}"
            return _proxy_page(fault)
        finally:
            self.core.finish(ctx)

    def _route(self, ctx: CallContext, request: Request) -> Response:
        path, core = request.path, self.core
        if path.startswith("/xmlrpc/"):
            if request.method != "POST":
                return werkzeug_page(405, "The method is not allowed for the requested URL.")
            rest = path[len("/xmlrpc/") :]
            legacy = not rest.startswith("2/")
            service = rest if legacy else rest[2:]
            if not service or "/" in service:
                return werkzeug_page(404, "The requested URL was not found on the server.")
            ctx.protocol = "xmlrpc" if legacy else "xmlrpc/2"
            return xmlrpc.handle(core, ctx, request, service, legacy)
        if path == "/jsonrpc":
            ctx.protocol = "jsonrpc"
            return jsonrpc.serve(core, ctx, request, self._rpc_route)
        if path in ("/web/version", "/json/version") and (
            path == "/web/version" or core.version == "19"
        ):
            return json_response(
                {
                    "version_info": core.version_payload()["server_version_info"],
                    "version": core.server_version,
                }
            )
        route = self._web_routes.get(path)
        if route is None and path.startswith("/web/dataset/call_kw/"):
            route = self._web_routes["/web/dataset/call_kw"]
        if route is not None:
            ctx.protocol = "web"
            return jsonrpc.serve(core, ctx, request, route)
        if core.version == "19":
            if path == "/json/2" or path.startswith("/json/2/"):
                parts = path[len("/json/2/") :].split("/") if path != "/json/2" else []
                ctx.protocol = "json2"
                if request.method == "POST" and len(parts) == 2 and all(parts):
                    return json2.handle_call(core, ctx, request, parts[0], parts[1])
                return json_response(
                    {
                        "name": "werkzeug.exceptions.NotFound",
                        "message": "Did you mean POST /json/2/<model>/<method>?",
                        "arguments": ["Did you mean POST /json/2/<model>/<method>?", 404],
                        "context": {},
                        "debug": "",
                    },
                    status=404,
                )
            if path.startswith("/doc-bearer/") and path.endswith(".json"):
                model = path[len("/doc-bearer/") : -len(".json")]
                if model and "/" not in model and model != "index":
                    return json2.handle_doc(core, ctx, request, model)
        if path == "/web/health":
            return json_response({"status": "pass"})
        return werkzeug_page(404, "The requested URL was not found on the server.")


def _proxy_page(fault: HttpStatusFault) -> Response:
    title = _PROXY_PAGES.get(fault.status, str(fault.status))
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    response = text_response(fault.status, html)
    if fault.retry_after is not None:
        response.headers.append(("Retry-After", str(math.ceil(fault.retry_after))))
    return response
