"""The web-client routes clients use besides the RPC endpoints.

``/web/version`` (plain JSON), and the JSON-RPC routes ``/web/webclient/version_info``,
``/web/session/authenticate`` (sets the ``session_id`` cookie), ``/web/session/get_session_info``,
``/web/session/destroy``, ``/web/dataset/call_kw[/<model>/<method>]`` (needs the session) and
``/web/database/list``.  OdooRPC uses ``version_info`` to detect the server.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from odoosim import exceptions as oe
from odoosim.wire.core import ADMIN_UID, CallContext, RpcCore
from odoosim.wire.errors import SessionExpired
from odoosim.wire.http import Request

SESSION_COOKIE = "session_id"
SESSION_MAX_AGE = 7 * 24 * 3600


class Sessions:
    """Web sessions of one server: session id → uid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uids: dict[str, int] = {}

    def open(self, uid: int) -> str:
        sid = secrets.token_hex(20)
        with self._lock:
            self._uids[sid] = uid
        return sid

    def uid(self, sid: str | None) -> int | None:
        if not sid:
            return None
        with self._lock:
            return self._uids.get(sid)

    def close(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._uids.pop(sid, None)


def _cookie(sid: str) -> tuple[str, str]:
    return (
        "Set-Cookie",
        f"{SESSION_COOKIE}={sid}; Max-Age={SESSION_MAX_AGE}; HttpOnly; Path=/; SameSite=Lax",
    )


def _user_context(core: RpcCore, uid: int) -> dict[str, Any]:
    try:
        context = core.backend.execute_kw(uid, "res.users", "context_get", [], {})
    except Exception:
        context = None
    if not isinstance(context, dict):
        context = {"lang": "en_US", "tz": "UTC"}
    return {**context, "uid": uid}


def session_info(core: RpcCore, uid: int, login: str) -> dict[str, Any]:
    """A trimmed ``ir.http.session_info()``: the keys clients read."""
    name, partner_id, company_id = login, False, 1
    try:
        rows = core.backend.execute_kw(
            ADMIN_UID, "res.users", "read", [[uid], ["name", "partner_id", "company_id"]], {}
        )
        if rows:
            name = rows[0].get("name") or login
            partner = rows[0].get("partner_id")
            partner_id = partner[0] if isinstance(partner, list) else partner
            company = rows[0].get("company_id")
            company_id = company[0] if isinstance(company, list) else company or 1
    except oe.OdooError:
        pass
    return {
        "uid": uid,
        "is_system": uid == ADMIN_UID,
        "is_admin": uid == ADMIN_UID,
        "user_context": _user_context(core, uid),
        "db": core.database,
        "server_version": core.server_version,
        "server_version_info": core.version_payload()["server_version_info"],
        "name": name,
        "username": login,
        "partner_id": partner_id,
        "company_id": company_id,
        "web.base.url": "",
    }


def version_info(
    core: RpcCore, ctx: CallContext, params: dict[str, Any], request: Request
) -> tuple[Any, list[tuple[str, str]]]:
    return core.version_payload(), []


def database_list(
    core: RpcCore, ctx: CallContext, params: dict[str, Any], request: Request
) -> tuple[Any, list[tuple[str, str]]]:
    return [core.database], []


def authenticate(
    core: RpcCore, sessions: Sessions, ctx: CallContext, params: dict[str, Any], request: Request
) -> tuple[Any, list[tuple[str, str]]]:
    """``/web/session/authenticate(db, login, password)``."""
    ctx.service, ctx.method = "web", "authenticate"
    core.apply_faults(None, "authenticate")
    db, login, password = params.get("db"), params.get("login"), params.get("password")
    if db != core.database:
        raise oe.AccessError("Database not found.")
    uid = core.login(db, login, password)
    if not uid:
        raise oe.AccessDenied()
    sid = sessions.open(int(uid))
    return session_info(core, int(uid), str(login)), [_cookie(sid)]


def get_session_info(
    core: RpcCore, sessions: Sessions, ctx: CallContext, params: dict[str, Any], request: Request
) -> tuple[Any, list[tuple[str, str]]]:
    sid = request.cookies.get(SESSION_COOKIE)
    uid = sessions.uid(sid)
    if uid is None:
        raise SessionExpired()
    return session_info(core, uid, ""), []


def destroy(
    core: RpcCore, sessions: Sessions, ctx: CallContext, params: dict[str, Any], request: Request
) -> tuple[Any, list[tuple[str, str]]]:
    sessions.close(request.cookies.get(SESSION_COOKIE))
    return None, []


def call_kw(
    core: RpcCore,
    sessions: Sessions,
    ctx: CallContext,
    params: dict[str, Any],
    request: Request,
) -> tuple[Any, list[tuple[str, str]]]:
    """``/web/dataset/call_kw``: params ``{model, method, args, kwargs}`` as the session user."""
    ctx.service = "web"
    uid = sessions.uid(request.cookies.get(SESSION_COOKIE))
    if uid is None:
        raise SessionExpired()
    model, method = params.get("model"), params.get("method")
    if not isinstance(model, str) or not isinstance(method, str):
        raise TypeError("call_kw() missing required arguments: 'model' and 'method'")
    args = params.get("args") or []
    kwargs = params.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise TypeError("call_kw() expects args as a list and kwargs as an object")
    return core.call_model(ctx, uid, model, method, args, kwargs), []
