"""The RPC core shared by every protocol: services, authentication, faults, statistics.

The protocol modules (``xmlrpc``, ``jsonrpc``, ``json2``, ``web``) only decode a request, call
:class:`RpcCore` and encode the answer or the error.  Everything Odoo does between the two —
``odoo.http.dispatch_rpc`` with its ``common`` / ``db`` / ``object`` services, the credential check
of ``object`` calls, the admin-only pseudo-model ``odoosim.control`` — lives here, so the four
protocols behave alike by construction.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from odoosim import exceptions as oe
from odoosim.faults import Decision, Faults
from odoosim.wire.errors import unknown_database
from odoosim.wire.stats import CallRecord, Stats

ADMIN_UID = 2
CONTROL_MODEL = "odoosim.control"

VERSION_INFO: dict[str, list[Any]] = {
    "16": [16, 0, 0, "final", 0, ""],
    "17": [17, 0, 0, "final", 0, ""],
    "18": [18, 0, 0, "final", 0, ""],
    "19": [19, 0, 0, "final", 0, ""],
}


class Backend(Protocol):
    """What the wire layer needs from :class:`odoosim.orm.Database` (docs/internals.md §1)."""

    def authenticate(self, login: str, password: str) -> int | bool: ...

    def uid_for_api_key(self, key: str) -> int | None: ...

    def execute_kw(
        self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any: ...

    def method_info(self, model: str, method: str) -> Any: ...


class ConnectionReset(Exception):
    """Fault: the HTTP layer must drop the connection with a TCP reset, sending nothing."""


class HttpStatusFault(Exception):
    """Fault: the HTTP layer must answer with this status, as a proxy or rate limiter would."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"injected HTTP {status}")
        self.status = status
        self.retry_after = retry_after


@dataclass
class CallContext:
    """What one HTTP request turned out to call; filled in while dispatching, for the stats."""

    protocol: str
    service: str | None = None
    method: str | None = None
    model: str | None = None
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)


class RpcCore:
    """One database served under one name, for one Odoo version profile."""

    def __init__(
        self,
        backend: Backend,
        *,
        version: str,
        database: str,
        faults: Faults,
        stats: Stats,
        stopping: threading.Event | None = None,
    ) -> None:
        if version not in VERSION_INFO:
            raise ValueError(f"unknown Odoo version {version!r}; expected one of 16, 17, 18, 19")
        self.backend = backend
        self.version = version
        self.database = database
        self.faults = faults
        self.stats = stats
        self.stopping = stopping or threading.Event()

    # -- version -----------------------------------------------------------------------------

    @property
    def server_version(self) -> str:
        return f"{self.version}.0"

    def version_payload(self) -> dict[str, Any]:
        """``common.version()`` (``RPC_VERSION_1``)."""
        return {
            "server_version": self.server_version,
            "server_version_info": list(VERSION_INFO[self.version]),
            "server_serie": self.server_version,
            "protocol_version": 1,
        }

    # -- bookkeeping -------------------------------------------------------------------------

    def finish(self, ctx: CallContext) -> None:
        """Record a finished RPC call in the stats (requests that were not RPC calls are not)."""
        if ctx.service is None or ctx.method is None:
            return
        self.stats.record(
            CallRecord(
                protocol=ctx.protocol,
                service=ctx.service,
                method=ctx.method,
                model=ctx.model,
                seconds=time.perf_counter() - ctx.started,
                error=ctx.error,
            )
        )

    def apply_faults(self, model: str | None, method: str) -> Decision:
        """Draw and apply the pre-call faults; the caller applies serialization/late commit."""
        if model == CONTROL_MODEL:
            return Decision()  # the control model must stay reachable to clear faults
        decision = self.faults.decide(model, method)
        if decision.is_clean:
            return decision
        if decision.latency_seconds:
            self.stopping.wait(decision.latency_seconds)
        if decision.hang_seconds:
            self.stopping.wait(decision.hang_seconds)
        if decision.reset:
            raise ConnectionReset()
        if decision.http_status is not None:
            raise HttpStatusFault(decision.http_status, decision.retry_after)
        return decision

    # -- authentication ----------------------------------------------------------------------

    def check_database(self, name: Any) -> None:
        if name != self.database:
            raise unknown_database(str(name))

    def login(self, db: Any, login: Any, password: Any) -> int | bool:
        """``common.login`` / ``authenticate``: the uid, or False on bad credentials."""
        self.check_database(db)
        if not isinstance(login, str) or not isinstance(password, str) or not password:
            return False
        uid = self.backend.authenticate(login, password)
        return uid if uid else False

    def check_credentials(self, uid: Any, password: Any) -> int:
        """``security.check``: the uid if the (uid, password-or-API-key) pair is valid.

        Checked on every call, as Odoo does, so a changed password or a revoked key takes
        effect at once.
        """
        try:
            uid = int(uid)
        except (TypeError, ValueError):
            raise oe.AccessDenied() from None
        if not isinstance(password, str) or not password:
            raise oe.AccessDenied()
        if self._password_matches(uid, password):
            return uid
        raise oe.AccessDenied()

    def _password_matches(self, uid: int, password: str) -> bool:
        for name in ("check_password", "check_credentials"):
            checker: Callable[[int, str], bool] | None = getattr(self.backend, name, None)
            if checker is not None:
                return bool(checker(uid, password))
        if self.backend.uid_for_api_key(password) == uid:
            return True
        login = self._login_of(uid)
        return login is not None and self.backend.authenticate(login, password) == uid

    def _login_of(self, uid: int) -> str | None:
        try:
            rows = self.backend.execute_kw(
                ADMIN_UID,
                "res.users",
                "read",
                [[uid], ["login"]],
                {"context": {"active_test": False}},
            )
        except oe.OdooError:
            return None
        if rows and isinstance(rows, list) and isinstance(rows[0].get("login"), str):
            return str(rows[0]["login"])
        return None

    # -- dispatch_rpc ------------------------------------------------------------------------

    def dispatch_rpc(self, ctx: CallContext, service: Any, method: Any, params: Any) -> Any:
        """``odoo.http.dispatch_rpc(service, method, params)``."""
        if not isinstance(params, list | tuple):
            raise TypeError(f"params must be a list, not {type(params).__name__}")
        params = list(params)
        handlers: dict[str, Callable[[CallContext, str, list[Any]], Any]] = {
            "common": self._common,
            "db": self._db,
            "object": self._object,
        }
        ctx.service = str(service)
        ctx.method = str(method)
        # KeyError, like Odoo's dispatch table lookup, for an unknown service.
        handler = handlers[service]
        return handler(ctx, str(method), params)

    def _common(self, ctx: CallContext, method: str, params: list[Any]) -> Any:
        self.apply_faults(None, method)
        if method == "version":
            return self.version_payload()
        if method == "login":
            db, login, password = _arity("login", params, 3)
            return self.login(db, login, password)
        if method == "authenticate":
            db, login, password, _user_agent_env = _arity("authenticate", params, 4)
            return self.login(db, login, password)
        if method == "about":
            info = "See http://openerp.com"
            if params and params[0]:
                return [info, self.server_version]
            return info
        raise KeyError(f"exp_{method}")

    def _db(self, ctx: CallContext, method: str, params: list[Any]) -> Any:
        self.apply_faults(None, method)
        if method == "list":
            return [self.database]
        if method == "server_version":
            return self.server_version
        if method == "db_exist":
            (name,) = _arity("db_exist", params, 1)
            return name == self.database
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        if method in {
            "create_database",
            "duplicate_database",
            "drop",
            "dump",
            "restore",
            "rename",
            "change_admin_password",
            "migrate_databases",
            "list_countries",
        }:
            # These need the master password, which odoosim never accepts.
            raise oe.AccessDenied()
        raise KeyError(f"exp_{method}")

    def _object(self, ctx: CallContext, method: str, params: list[Any]) -> Any:
        if len(params) < 3:
            raise IndexError("list index out of range")
        db, uid, password = params[0], params[1], params[2]
        self.check_database(db)
        uid = self.check_credentials(uid, password)
        if method == "execute_kw":
            if len(params) < 6:
                raise TypeError(
                    "execute_kw() missing required positional arguments: "
                    "'model', 'method' and 'args'"
                )
            model, meth, args = params[3], params[4], params[5]
            kwargs = params[6] if len(params) > 6 else {}
            if kwargs is None or kwargs is False:
                kwargs = {}
        elif method == "execute":
            if len(params) < 5:
                raise TypeError("execute() missing required positional arguments")
            model, meth, args, kwargs = params[3], params[4], params[5:], {}
        else:
            raise NameError(f"Method not available {method}")
        if not isinstance(args, list | tuple):
            raise TypeError(f"args must be a list, not {type(args).__name__}")
        if not isinstance(kwargs, dict):
            raise TypeError(f"kwargs must be a dict, not {type(kwargs).__name__}")
        return self.call_model(ctx, uid, str(model), str(meth), list(args), dict(kwargs))

    # -- model calls -------------------------------------------------------------------------

    def call_model(
        self,
        ctx: CallContext,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> Any:
        """One ORM call as an authenticated user, with faults applied (one transaction)."""
        ctx.service = ctx.service or "object"
        ctx.model, ctx.method = model, method
        decision = self.apply_faults(model, method)
        if model == CONTROL_MODEL:
            return self._control(uid, method, args, kwargs)
        if decision.serialization_failure:
            # As Odoo after MAX_TRIES_ON_CONCURRENCY_FAILURE: nothing was written.
            raise oe.SerializationFailure()
        if decision.late_commit_seconds and method in LATE_COMMIT_METHODS:
            return self._execute_late(uid, model, method, args, kwargs, decision)
        return self.backend.execute_kw(uid, model, method, args, kwargs)

    def _execute_late(
        self,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        decision: Decision,
    ) -> Any:
        """Run a create/write whose rows get ``write_date = now - late_commit_seconds``.

        The ORM stamps dates from ``Database.clock``; shifting it inside an outer transaction
        (re-entrant, holding the database lock) keeps other calls on the real clock.
        """
        transaction = getattr(self.backend, "transaction", None)
        clock = getattr(self.backend, "clock", None)
        if transaction is None or clock is None:
            raise NotImplementedError("this database cannot simulate late commits (no clock)")
        shift = dt.timedelta(seconds=decision.late_commit_seconds)
        backend: Any = self.backend
        with transaction():
            backend.clock = lambda: clock() - shift
            try:
                return self.backend.execute_kw(uid, model, method, args, kwargs)
            finally:
                backend.clock = clock

    # -- odoosim.control ---------------------------------------------------------------------

    def _control(self, uid: int, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Admin-only pseudo-model to change faults and read stats while the server runs."""
        kwargs = {key: value for key, value in kwargs.items() if key != "context"}
        if uid != ADMIN_UID:
            raise oe.AccessError(
                f"You are not allowed to access '{CONTROL_MODEL}' records.\n\n"
                "Only the administrator (uid 2) can change odoosim faults or read its stats."
            )
        if method == "set_faults":
            values = args[0] if args else kwargs.get("faults", {})
            if not isinstance(values, dict):
                raise oe.ValidationError("set_faults expects a dict of fault settings")
            try:
                self.faults.update(values)
            except ValueError as exc:
                raise oe.ValidationError(str(exc)) from None
            return self.faults.snapshot()
        if method == "clear_faults":
            self.faults.clear()
            return True
        if method == "get_faults":
            return self.faults.snapshot()
        if method == "get_stats":
            return self.stats.summary()
        if method == "reset_stats":
            self.stats.reset()
            return True
        raise AttributeError(f"The method '{CONTROL_MODEL}.{method}' does not exist")

    def control_params(self, method: str) -> tuple[list[str], bool] | None:
        """(parameter names, is_model) of a control method, for JSON-2 and /doc-bearer."""
        return CONTROL_METHODS.get(method)


LATE_COMMIT_METHODS = frozenset({"create", "write"})
CONTROL_METHODS: dict[str, tuple[list[str], bool]] = {
    "set_faults": (["faults"], True),
    "clear_faults": ([], True),
    "get_faults": ([], True),
    "get_stats": ([], True),
    "reset_stats": ([], True),
}


def _arity(name: str, params: list[Any], count: int) -> list[Any]:
    if len(params) != count:
        raise TypeError(
            f"exp_{name}() takes {count} positional arguments but {len(params)} were given"
        )
    return params
