"""JSON-2 (Odoo 19): ``POST /json/2/<model>/<method>`` and ``/doc-bearer/<model>.json``.

Follows ``addons/rpc/controllers/json2.py`` and ``Json2Dispatcher`` of the 19 series: a bearer API
key (scheme matched case-insensitively), ``X-Odoo-Database``, a JSON object of named arguments plus
``ids`` and ``context``; recordsets come back as id lists, so ``create`` always answers a list.
Errors are ``{name, message, arguments, context, debug}`` with the status of the exception
(400 bad JSON, 401 key, 403 access, 404 model/method, 415 content type, 422 binding, 500 other).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from odoosim import exceptions as oe
from odoosim.wire.core import (
    ADMIN_UID,
    CONTROL_MODEL,
    CallContext,
    ConnectionReset,
    HttpStatusFault,
    RpcCore,
)
from odoosim.wire.errors import (
    BadRequest,
    NotFound,
    Unauthorized,
    UnprocessableEntity,
    exception_name,
    json2_error,
)
from odoosim.wire.http import (
    Request,
    Response,
    dispatcher_mismatch,
    dump_json,
    json_response,
    werkzeug_page,
)
from odoosim.wire.methods import MethodSpec, model_exists, resolve_method

_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
_NOT_AUTHENTICATED = 'User not authenticated, use the "Authorization" header'


def _bearer_uid(core: RpcCore, request: Request) -> int:
    header = request.header("authorization")
    if not header:
        raise Unauthorized(_NOT_AUTHENTICATED)
    match = _BEARER.match(header)
    if not match:
        raise Unauthorized(_NOT_AUTHENTICATED)
    uid = core.backend.uid_for_api_key(match.group(1).strip())
    if not uid:
        raise Unauthorized("Invalid apikey")
    return int(uid)


def _database_selected(core: RpcCore, request: Request) -> bool:
    name = request.header("x-odoo-database")
    return not name or name == core.database


def _error(ctx: CallContext, exc: BaseException) -> Response:
    ctx.error = exception_name(exc)
    status, body = json2_error(exc)
    return json_response(body, status=status)


def handle_call(
    core: RpcCore, ctx: CallContext, request: Request, model: str, method: str
) -> Response:
    """``web_json_2_rpc``."""
    if not _database_selected(core, request):
        return werkzeug_page(404, "The requested URL was not found on the server.")
    if request.body and request.mimetype != "application/json":
        # Json2Dispatcher.is_compatible_with: application/json, or no body at all
        return dispatcher_mismatch(
            core.version, "/json/2/<model>/<method>", "json2", "application/json"
        )
    ctx.service, ctx.model, ctx.method = "object", model, method
    try:
        uid = _bearer_uid(core, request)
        params = _parse_body(request)
        ids = params.pop("ids", None) or []
        context = params.pop("context", None) or {}
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise UnprocessableEntity("ids must be a list of integers")
        spec = _method_spec(core, uid, model, method)
        if spec.is_model and ids:
            raise UnprocessableEntity(f"cannot call {model}.{method} with ids")
        _bind(spec, params)
        args: list[Any] = [] if spec.is_model else [ids]
        kwargs = {**params, "context": context} if context else dict(params)
        result = core.call_model(ctx, uid, model, method, args, kwargs)
        if method == "create" and isinstance(result, int) and not isinstance(result, bool):
            result = [result]  # every recordset becomes a list of ids on JSON-2
    except (ConnectionReset, HttpStatusFault):
        raise
    except Exception as exc:
        return _error(ctx, exc)
    return json_response(result)


def _parse_body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise BadRequest(f"could not parse the body as json: {exc.args[0]}") from None
    if not isinstance(payload, dict):
        raise BadRequest("could not parse the body, expecting a json object")
    return payload


def _method_spec(core: RpcCore, uid: int, model: str, method: str) -> MethodSpec:
    if model == CONTROL_MODEL:
        control = core.control_params(method)
        if control is None:
            raise NotFound(f"The method '{model}.{method}' does not exist")
        names, is_model = control
        return MethodSpec(params=tuple((name, False) for name in names), is_model=is_model)
    if not model_exists(core, model):
        raise NotFound(f"the model {model!r} does not exist")
    if method.startswith("_"):
        raise oe.AccessError(
            f"Private methods (such as '{model}.{method}') cannot be called remotely."
        )
    spec = resolve_method(core, model, method)
    if spec is None:
        raise NotFound(f"The method '{model}.{method}' does not exist")
    return spec


def _bind(spec: MethodSpec, params: dict[str, Any]) -> None:
    """``inspect.signature(func).bind(records, **kwargs)``: the TypeError texts Python gives."""
    known = None if spec.var_keyword else {name for name, _required in spec.params}
    for name in params:
        if known is not None and name not in known:
            raise UnprocessableEntity(f"got an unexpected keyword argument {name!r}")
    for name, required in spec.params:
        if required and name not in params:
            raise UnprocessableEntity(f"missing a required argument: {name!r}")


def handle_doc(core: RpcCore, ctx: CallContext, request: Request, model: str) -> Response:
    """``/doc-bearer/<model>.json``: the model document odoolib reads for positional calls."""
    if not _database_selected(core, request):
        return werkzeug_page(404, "The requested URL was not found on the server.")
    try:
        uid = _bearer_uid(core, request)
        if not _can_read_doc(core, uid):
            raise oe.AccessError(
                "You are not allowed to access the API documentation "
                "(group 'api_doc.group_allow_doc')."
            )
        if not model_exists(core, model):
            raise NotFound(f"the model {model!r} does not exist")
        document = _model_document(core, uid, model)
    except Exception as exc:
        return _error(ctx, exc)
    body = dump_json(document)
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    if request.header("if-none-match") == etag:
        return Response(304, b"", "application/json; charset=utf-8", [("ETag", etag)])
    return Response(
        200,
        body,
        "application/json; charset=utf-8",
        [("ETag", etag), ("Cache-Control", "no-cache, private")],
    )


def _can_read_doc(core: RpcCore, uid: int) -> bool:
    has_group = getattr(core.backend, "has_group", None)
    if callable(has_group):
        return bool(has_group(uid, "api_doc.group_allow_doc")) or uid == ADMIN_UID
    return uid == ADMIN_UID


def _model_document(core: RpcCore, uid: int, model: str) -> dict[str, Any]:
    from odoosim.wire.methods import list_methods

    fields = core.backend.execute_kw(ADMIN_UID, model, "fields_get", [], {})
    for spec in fields.values():
        spec.setdefault("module", "base")
    names = core.backend.execute_kw(
        ADMIN_UID, "ir.model", "search_read", [[["model", "=", model]], ["name"]], {}
    )
    methods: dict[str, Any] = {}
    for name, spec in list_methods(core, model):
        parameters = {
            pname: ({"name": pname} if required else {"name": pname, "default": None})
            for pname, required in spec.params
        }
        signature = ", ".join(
            pname if required else f"{pname}=None" for pname, required in spec.params
        )
        methods[name] = {
            "signature": f"({'' if spec.is_model else 'self, '}{signature})".replace(
                "(self, )", "(self)"
            ),
            "parameters": parameters,
            "return": {},
            "raise": {},
            "doc": spec.doc,
            "api": ["model"] if spec.is_model else [],
            "model": model,
            "module": "base",
        }
    return {
        "model": model,
        "name": names[0]["name"] if names else model,
        "doc": None,
        "fields": fields,
        "methods": methods,
    }
