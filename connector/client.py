"""``OdooClient``: the one object that talks to Odoo (docs/internals.md §4).

It adds to odoo-client-lib what production needs: explicit timeouts and connection reuse on every
transport (``connector.transport``), the server's own ``search_read`` in one RPC per page,
keyset streaming, retry of transient failures only, one error table (``connector.errors``),
discovery at connect time, and writes that are safe to repeat.

Idempotence of ``ensure`` — the guarantee we actually give
----------------------------------------------------------
``ensure(model, xml_id, values, marker=...)`` binds one Odoo record to the external id
``svcsync.<xml_id>`` (``ir.model.data``). Over RPC "create the record" and "create its external
id" are two calls in two transactions, so a crash (or a lost answer) between them leaves a record
without its external id. Therefore:

1. look up ``svcsync.<xml_id>``; if it exists, update the record (``update=True``) and return it;
2. otherwise, if a *marker* is known — ``(field, token)``, a value unique to this xml id that the
   create writes into the record (an ``origin``, ``ref``, ``name`` or a token in a description) —
   search for a record carrying it (archived ones included); if found, create the missing external
   id for it and return it: this is the recovery after a crash between the two calls;
3. otherwise create the record, then its external id.

A marker searched with ``ilike`` (a token inside a longer text such as a description) only
counts where the field holds the token as a whole, delimited word (``marker_in``): the ``ilike``
candidates are read back and checked, so the token ``finding x:1`` never recovers the record of
``finding x:12``. Fixed-length, bracketed tokens (``[svc-<12 hex>]``, ``jobs.actions.token``) are
what svcsync writes.

``ensure_many(model, [(xml_id, values, marker), ...])`` gives the same guarantee for a batch in
a constant number of calls: one ``ir.model.data`` search for all the external ids, one marker
search for the unbound ones, one ``create`` with the list of values, one ``ir.model.data``
create with the list of external ids. A crash between the last two leaves records whose
markers the next call finds.

With a marker, repeated and crash-interrupted calls leave exactly one record. Without a marker
(no field can hold a token) only step 1 protects: a crash inside the window of step 3 can leave
one orphan record that a later call does not see. ``DEFAULT_MARKERS`` gives the natural marker
of the models svcsync creates when the caller passes none. A create whose answer is lost (read
timeout after sending) is never re-sent blindly: the ``TransientError`` reaches the caller, and
its next ``ensure`` finds the record by its marker. Two processes ensuring the same xml id at the
same moment are not protected here: svcsync's leases keep one writer per tenant.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from connector import paging
from connector.capabilities import PUSH_RIGHTS, Capabilities
from connector.errors import (
    AccessError,
    AuthError,
    CallContext,
    ConfigError,
    ConnectorError,
    HTTPStatusFailure,
    NotFoundError,
    TransientError,
    UnreachableError,
    ValidationError,
    classify,
)
from connector.retry import RateLimiter, decide
from connector.settings import ConnectionSettings
from connector.transport import (
    Json2Transport,
    JsonRpcTransport,
    RpcTransport,
    XmlRpcTransport,
    http_client,
    ssl_context,
)

_logger = logging.getLogger(__name__)

MODULE = "svcsync"

# Methods that are safe to re-send after a failure whose outcome is unknown: reads, and writes
# whose repetition has the same effect (write of the same values; unlink ignores missing ids).
IDEMPOTENT_METHODS = frozenset(
    {
        "search_read",
        "read",
        "search",
        "search_count",
        "fields_get",
        "name_search",
        "read_group",
        "formatted_read_group",
        "check_access_rights",
        "has_access",
        "context_get",
        "default_get",
        "write",
        "unlink",
        "get_external_id",
    }
)

# The natural marker field per model for ``ensure`` when the caller passes none: a value the
# create writes that identifies the record (see the module docstring).
# Only models whose name is itself the identity qualify; tickets and RFQs need an explicit token.
DEFAULT_MARKERS: dict[str, str] = {
    "res.partner.category": "name",
    "mail.activity.type": "name",
}

# Markers searched with "=" (others with "ilike", the token being part of a longer text).
_EXACT_MARKERS = frozenset({"origin", "name", "ref", "x_svc_key", "client_order_ref"})

# What may continue a marker token: an ``ilike`` hit next to one of these is a longer token.
_TOKEN_CHAR = r"[\w.:/\-]"

_XML_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,120}$")

FIELD_ATTRIBUTES = ["type", "string", "relation", "selection", "required", "readonly", "store"]
_TICKET_PROBES = ("helpdesk.ticket", "project.task", "repair.order", "res.partner")


class MissingFieldsError(NotFoundError):
    """Models or fields svcsync's mappings need are missing on the server."""

    def __init__(self, message: str, missing: list[tuple[str, str | None]], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.missing = missing


class UnknownDatabaseError(AuthError):
    """The configured database does not exist on the server."""


def xml_name(key: str) -> str:
    """Check an external-id name (the part after ``svcsync.``); raises ``ValueError``."""
    if not _XML_NAME.match(key):
        raise ValueError(
            f"external id name {key!r} must be 1-121 characters of letters, digits, _ . -"
        )
    return key


def marker_in(text: Any, token: str) -> bool:
    """Whether ``text`` holds ``token`` as a whole, delimited word (not as the start or the end
    of a longer token): ``"... x:1</p>"`` holds ``x:1``, ``"... x:12</p>"`` does not."""
    if not token or not isinstance(text, str):
        return False
    edge_l = "" if re.match(_TOKEN_CHAR, token[0]) is None else f"(?<!{_TOKEN_CHAR})"
    edge_r = "" if re.match(_TOKEN_CHAR, token[-1]) is None else f"(?!{_TOKEN_CHAR})"
    return re.search(edge_l + re.escape(token) + edge_r, text) is not None


EnsureItem = tuple[str, Mapping[str, Any], tuple[str, str] | None]
"""``(xml_id, values, marker)`` for ``OdooClient.ensure_many``."""


class OdooClient:
    """A connection to one Odoo database; no I/O until ``connect()``.

    Not thread-safe (its transport keeps one connection): use one client per thread or tenant.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        transport_factory: Callable[[str], RpcTransport | Json2Transport] | None = None,
    ) -> None:
        """``clock``/``sleep``/``rng`` and ``transport_factory(protocol)`` are seams for tests."""
        self.settings = settings
        self._factory = transport_factory
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        if clock is time.monotonic and sleep is time.sleep:
            # One limit per ERP: every client of this url and database shares the budget.
            self._limiter = RateLimiter.for_erp(
                settings.url, settings.database, settings.calls_per_second
            )
        else:
            self._limiter = RateLimiter(settings.calls_per_second, clock, sleep)
        self._key: str | None = None
        self._transport: RpcTransport | Json2Transport | None = None
        self._uid: int | None = None
        self._version: str | None = None
        self._major = 0
        self._caps: Capabilities | None = None
        self._model_ids: dict[str, int] = {}
        self.protocol: str | None = None

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"OdooClient(url={s.url!r}, database={s.database!r}, login={s.login!r}, "
            f"protocol={self.protocol or s.protocol!r})"
        )

    # ---------------------------------------------------------------------------------------
    # lifecycle

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def capabilities(self) -> Capabilities:
        if self._caps is None:
            raise ConfigError(f"not connected: call connect() first ({self._ctx().where()})")
        return self._caps

    @property
    def uid(self) -> int | None:
        return self._uid

    @property
    def version_major(self) -> int:
        return self._major

    def connect(
        self,
        required_fields: Mapping[str, Sequence[str]] | None = None,
        rights: Mapping[str, Sequence[str]] | None = None,
    ) -> Capabilities:
        """Log in and discover the server; raise if a required model or field is missing.

        ``required_fields``: ``{model: [field, ...]}`` the mappings read (derived from their
        tables). ``rights``: ``{model: [operation, ...]}`` to check for the user; by default
        ``read`` on every required model plus svcsync's push rights (``PUSH_RIGHTS``) on the
        models present.
        """
        self.close()
        self._key = self.settings.resolve_api_key()
        self._open_transport()
        self._login()
        self._caps = self._discover(dict(required_fields or {}), rights)
        return self._caps

    def _ctx(self, model: str | None = None, method: str | None = None) -> CallContext:
        s = self.settings
        return CallContext(s.url, s.database, s.login, model, method, self._version)

    def _secrets(self) -> tuple[str, ...]:
        return (self._key,) if self._key else ()

    def _tls(self) -> Any:
        s = self.settings
        return ssl_context(s.verify_tls, s.ca_bundle) if s.tls else None

    def _http(self, headers: dict[str, str] | None = None) -> httpx.Client:
        s = self.settings
        return http_client(
            s.base_url,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            tls=self._tls(),
            headers=headers,
        )

    def _make_transport(self, protocol: str) -> RpcTransport | Json2Transport:
        if self._factory is not None:
            return self._factory(protocol)
        s = self.settings
        if protocol == "xmlrpc":
            return XmlRpcTransport(
                s.base_url,
                connect_timeout=s.connect_timeout,
                read_timeout=s.read_timeout,
                tls=self._tls(),
            )
        if protocol == "jsonrpc":
            return JsonRpcTransport(self._http(), s.base_url)
        assert self._key is not None
        headers = {
            "Authorization": f"Bearer {self._key}",
            "Content-Type": "application/json; charset=utf-8",
            "X-Odoo-Database": s.database,
        }
        return Json2Transport(self._http(headers), s.base_url)

    def _open_transport(self) -> None:
        wanted: str = self.settings.protocol
        if wanted == "json2":
            self._set_version(self._web_version())
            if self._major < 19:
                raise ConfigError(
                    f"protocol json2 needs Odoo 19 or later; this server runs {self._version} "
                    f"({self._ctx().where()}); set protocol to auto or jsonrpc"
                )
            self._transport = self._make_transport("json2")
        else:
            first = "xmlrpc" if wanted == "xmlrpc" else "jsonrpc"
            self._transport = self._make_transport(first)
            info = self._with_retry(
                self._ctx(method="version"),
                lambda: self._send("common", "version"),
                idempotent=True,
            )
            self._set_version(info)
            if wanted == "auto" and self._major >= 19:
                # JSON-RPC is deprecated on 19 ("removal in Odoo 20"): move to JSON-2.
                self._transport.close()
                self._transport = self._make_transport("json2")
                wanted = "json2"
            else:
                wanted = first
        self.protocol = wanted
        _logger.debug(
            "connected transport %s to %s (Odoo %s)", wanted, self.settings.url, self._version
        )

    def _web_version(self) -> dict[str, Any]:
        def get() -> Any:
            with self._http() as client:
                response = client.get("/web/version")
                if response.status_code != 200:
                    raise HTTPStatusFailure(response.status_code, response.text, response.headers)
                return response.json()

        info = self._with_retry(self._ctx(method="version"), get, idempotent=True)
        return {
            "server_version": info.get("version"),
            "server_version_info": info.get("version_info"),
        }

    def _set_version(self, info: Any) -> None:
        if not isinstance(info, dict):
            raise ConnectorError(f"unexpected version answer ({self._ctx().where()})")
        self._version = str(info.get("server_version") or "")
        vinfo = info.get("server_version_info") or []
        head = vinfo[0] if vinfo else self._version
        match = re.search(r"(\d+)", str(head))
        if not match:
            raise ConnectorError(
                f"cannot read the Odoo version from {self._version!r} ({self._ctx().where()})"
            )
        self._major = int(match.group(1))

    def _send(self, service: str, method: str, *args: Any) -> Any:
        transport = self._transport
        assert transport is not None and not isinstance(transport, Json2Transport)
        return transport.send(service, method, *args)

    # ---------------------------------------------------------------------------------------
    # login

    def _login(self) -> None:
        s = self.settings
        ctx = self._ctx(method="login")
        if isinstance(self._transport, Json2Transport):
            try:
                self._rpc("res.users", "context_get", idempotent=True, log_ctx=ctx)
            except (AuthError, NotFoundError) as exc:
                self._raise_login_failure(exc)
            uids = self._rpc(
                "res.users",
                "search",
                args=[[("login", "=", s.login)]],
                kwargs={"limit": 1},
                json2={"domain": [["login", "=", s.login]], "limit": 1},
                idempotent=True,
            )
            self._uid = uids[0] if uids else None
            return
        try:
            uid = self._with_retry(
                ctx,
                lambda: self._send("common", "authenticate", s.database, s.login, self._key, {}),
                idempotent=True,
            )
        except (AuthError, NotFoundError) as exc:
            self._raise_login_failure(exc)
        except ConnectorError as exc:
            if isinstance(exc, TransientError):
                raise
            # An unknown database makes some servers fail inside authenticate.
            self._raise_login_failure(exc)
        if not uid:
            self._raise_login_failure(None)
        self._uid = int(uid)

    def _raise_login_failure(self, cause: ConnectorError | None) -> None:
        ctx = self._ctx(method="login")
        databases = self._list_databases()
        if databases is not None and self.settings.database not in databases:
            raise UnknownDatabaseError(
                f"database {self.settings.database!r} does not exist on the server "
                f"({ctx.where()}); fix [[erp]] database",
                context=ctx.as_dict(),
            ) from None
        detail = f": {cause.message.split(' (url=')[0]}" if cause is not None else ""
        raise AuthError(
            f"login refused{detail} ({ctx.where()}); check the login and the API key "
            "(its source, not its value) and that the key belongs to that user",
            context=ctx.as_dict(),
        ) from None

    def _list_databases(self) -> list[str] | None:
        """Database names from the ``db`` service, or ``None`` if the server hides them."""
        transport = self._transport
        temp: JsonRpcTransport | None = None
        if isinstance(transport, Json2Transport) or transport is None:
            temp = JsonRpcTransport(self._http(), self.settings.base_url)
            transport = temp
        try:
            names = transport.send("db", "list")
        except Exception:
            # list_db = False, or the protocol is gone: we simply cannot tell.
            return None
        finally:
            if temp is not None:
                temp.close()
        return [str(n) for n in names] if isinstance(names, list) else None

    # ---------------------------------------------------------------------------------------
    # the call path: retry, rate limit, classification

    def _with_retry(self, ctx: CallContext, fn: Callable[[], Any], *, idempotent: bool) -> Any:
        start = self._clock()
        attempt = 0
        while True:
            attempt += 1
            self._limiter.wait()
            began = self._clock()
            try:
                result = fn()
            except Exception as exc:
                err = classify(exc, ctx, self._secrets())
                if err is None:
                    raise
                if not isinstance(err, TransientError):
                    raise err from None
                if err.maybe_processed and not idempotent:
                    raise type(err)(
                        f"{err.message}; not retried because {ctx.method} may already have been "
                        "applied — the caller must check before repeating it",
                        context=err.context,
                        retry_after=err.retry_after,
                        maybe_processed=True,
                    ) from None
                decision = decide(
                    attempt, self._clock() - start, self.settings.retry, self._rng, err.retry_after
                )
                if not decision.retry:
                    raise type(err)(
                        f"{err.message}; {decision.reason}",
                        context=err.context,
                        retry_after=err.retry_after,
                        maybe_processed=err.maybe_processed,
                    ) from None
                _logger.warning(
                    "transient failure on %s.%s (attempt %d), retrying in %.2fs: %s",
                    ctx.model or "common",
                    ctx.method,
                    attempt,
                    decision.delay,
                    err.message,
                )
                self._sleep(decision.delay)
                continue
            _logger.debug(
                "rpc %s.%s ok in %.3fs", ctx.model or "common", ctx.method, self._clock() - began
            )
            return result

    def _context(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        ctx: dict[str, Any] = {}
        if self.settings.company_ids:
            # Company scoping: without it an RPC user sees all its companies (odoo-protocol §3).
            ctx["allowed_company_ids"] = list(self.settings.company_ids)
        if extra:
            ctx.update(extra)
        return ctx

    def _rpc(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        json2: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        log_ctx: CallContext | None = None,
    ) -> Any:
        """One RPC. ``args``/``kwargs`` for XML-RPC and JSON-RPC ``execute_kw`` (``ids`` first
        when given); ``json2`` is the named-argument body for JSON-2 (defaults to ``kwargs``)."""
        transport = self._transport
        if transport is None:
            raise ConfigError(f"not connected: call connect() first ({self._ctx().where()})")
        ctx = log_ctx or self._ctx(model, method)
        call_context = self._context(context)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if isinstance(transport, Json2Transport):
            if args and json2 is None:
                raise TypeError(
                    f"{model}.{method}: JSON-2 takes named arguments only; pass keyword arguments"
                )
            body = dict(json2 if json2 is not None else (kwargs or {}))
            if ids is not None:
                body["ids"] = list(ids)
            if call_context:
                body["context"] = call_context
            return self._with_retry(
                ctx, lambda: transport.call(model, method, body), idempotent=idempotent
            )
        positional = ([list(ids)] if ids is not None else []) + list(args)
        kw = dict(kwargs or {})
        if call_context:
            kw["context"] = call_context
        s = self.settings
        return self._with_retry(
            ctx,
            lambda: transport.send(
                "object", "execute_kw", s.database, self._uid, self._key, model, method,
                positional, kw,
            ),
            idempotent=idempotent,
        )  # fmt: skip

    # ---------------------------------------------------------------------------------------
    # reading

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The server's ``search_read`` in one RPC (odoolib's helper makes two)."""
        if not fields:
            # fields=[] reads every field, computed ones included: slow and version-fragile.
            raise ValueError(f"search_read on {model} needs an explicit field list")
        named: dict[str, Any] = {"domain": _wire_domain(domain), "fields": list(fields)}
        if offset:
            named["offset"] = offset
        if limit is not None:
            named["limit"] = limit
        if order:
            named["order"] = order
        result = self._rpc(model, "search_read", kwargs=named, context=context)
        if not isinstance(result, list):
            raise ConnectorError(
                f"search_read returned {type(result).__name__}, not a list "
                f"({self._ctx(model, 'search_read').where()})"
            )
        return result

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        *,
        order: str | None = None,
        limit: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        wire = _wire_domain(domain)
        options: dict[str, Any] = {}
        if limit is not None:
            options["limit"] = limit
        if order:
            options["order"] = order
        # The domain goes positionally: its parameter is named ``args`` on 16, ``domain`` after.
        return list(
            self._rpc(
                model,
                "search",
                args=[wire],
                kwargs=options,
                json2={"domain": wire, **options},
                context=context,
            )
        )

    def search_count(
        self, model: str, domain: Sequence[Any], context: Mapping[str, Any] | None = None
    ) -> int:
        wire = _wire_domain(domain)
        return int(
            self._rpc(model, "search_count", args=[wire], json2={"domain": wire}, context=context)
        )

    def stream(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        after: tuple[str, int] | None = None,
        page_size: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``model`` ordered ``write_date asc, id asc``, strictly after ``after``.

        One ``search_read`` per page, keyset-paged on ``(write_date, id)``; only one page is
        held at a time. ``after=(ts, 0)`` starts inclusively at ``ts``. A failure raises; it
        never ends the stream early as if there were no more rows.
        """
        limit = page_size or self.settings.page_size
        wanted = paging.with_paging_fields(fields)
        cursor = after
        while True:
            page = self.search_read(
                model,
                paging.keyset_domain(domain, cursor),
                wanted,
                order=paging.ORDER,
                limit=limit,
                context=context,
            )
            if not page:
                return
            try:
                last = paging.key_of(page[-1])
            except ValueError as exc:
                raise ConnectorError(f"{exc} ({self._ctx(model, 'search_read').where()})") from None
            if cursor is not None and last <= cursor:
                raise ConnectorError(
                    f"server ignored the keyset order (page ends at {last}, cursor {cursor}) "
                    f"({self._ctx(model, 'search_read').where()})"
                )
            yield page
            if len(page) < limit:
                return
            cursor = last

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        context: Mapping[str, Any] | None = None,
        batch_size: int | None = None,
    ) -> list[dict[str, Any]]:
        """Rows for ``ids`` in batches, in the order asked; ids that no longer exist are skipped."""
        if not fields:
            raise ValueError(f"read on {model} needs an explicit field list")
        size = batch_size or self.settings.page_size
        unique = list(dict.fromkeys(int(i) for i in ids))
        rows: dict[int, dict[str, Any]] = {}
        for start in range(0, len(unique), size):
            batch = unique[start : start + size]
            result = self._rpc(
                model,
                "read",
                ids=batch,
                args=[list(fields)],
                json2={"fields": list(fields)},
                context=context,
            )
            if isinstance(result, dict):  # a single row from a lenient server
                result = [result]
            for row in result:
                rows[row["id"]] = row
        return [rows[i] for i in unique if i in rows]

    def fields_get(
        self, model: str, attributes: Sequence[str] = tuple(FIELD_ATTRIBUTES)
    ) -> dict[str, dict[str, Any]]:
        return dict(self._rpc(model, "fields_get", kwargs={"attributes": list(attributes)}))

    # ---------------------------------------------------------------------------------------
    # writing

    def create(
        self,
        model: str,
        vals: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Create one record (dict → id) or several (list → ids) in one call.

        An order with its lines is one dict with ``order_line: [[0, 0, {...}], ...]``.
        """
        single = isinstance(vals, Mapping)
        vals_list = [_clean(vals)] if isinstance(vals, Mapping) else [_clean(v) for v in vals]
        # Values go positionally: create(vals_list=...) as a keyword fails on 16/17.
        result = self._rpc(
            model,
            "create",
            args=[vals_list[0] if single else vals_list],
            json2={"vals_list": vals_list},
            context=context,
        )
        ids = result if isinstance(result, list) else [result]
        if single:
            return int(ids[0])
        return [int(i) for i in ids]

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
    ) -> bool:
        return bool(
            self._rpc(
                model,
                "write",
                ids=list(ids),
                args=[_clean(vals)],
                json2={"vals": _clean(vals)},
                context=context,
            )
        )

    def unlink(
        self, model: str, ids: Sequence[int], context: Mapping[str, Any] | None = None
    ) -> bool:
        if not ids:
            return True
        return bool(self._rpc(model, "unlink", ids=list(ids), context=context))

    def call(
        self, model: str, method: str, ids: Sequence[int] | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        """Call any public method; record methods get ``ids``, model methods ``ids=None``.

        On JSON-2 only keyword arguments can be sent (positional ones need ``/doc-bearer``).
        """
        context = kwargs.pop("context", None)
        return self._rpc(
            model,
            method,
            ids=ids,
            args=args,
            kwargs=kwargs,
            context=context,
            idempotent=method in IDEMPOTENT_METHODS,
        )

    def message_post(self, model: str, res_id: int, body_html: str) -> int:
        """Post an internal note (HTML) on a record's chatter; returns the message id."""
        named: dict[str, Any] = {
            "body": body_html,
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_note",
        }
        if self._major >= 18:
            # Over RPC a str body is escaped unless flagged as HTML (18+, "for RPC calls").
            named["body_is_html"] = True
        result = self._rpc(model, "message_post", ids=[res_id], kwargs=named)
        # 16/17 downgrade the recordset to an int, 18/19 (and JSON-2) return [id].
        return int(result[0] if isinstance(result, list) else result)

    def model_id(self, model: str) -> int:
        """The ``ir.model`` id of ``model`` (cached), e.g. for ``mail.activity.res_model_id``."""
        if model not in self._model_ids:
            rows = self.search_read("ir.model", [("model", "=", model)], ["id"], limit=1)
            if not rows:
                raise NotFoundError(
                    f"model {model} is not installed ({self._ctx('ir.model', 'search_read').where()})"
                )
            self._model_ids[model] = int(rows[0]["id"])
        return self._model_ids[model]

    def activity_done(self, activity_ids: Sequence[int], feedback: str = "") -> None:
        """Mark activities done (``action_feedback``); missing activities count as done."""
        existing = self.search("mail.activity", [("id", "in", list(activity_ids))])
        if existing:
            self.call("mail.activity", "action_feedback", existing, feedback=feedback)

    # ---------------------------------------------------------------------------------------
    # external ids

    def find_external_id(self, name: str) -> tuple[str, int, int] | None:
        """``(model, res_id, ir.model.data id)`` of ``svcsync.<name>``, or ``None``."""
        rows = self.search_read(
            "ir.model.data",
            [("module", "=", MODULE), ("name", "=", xml_name(name))],
            ["model", "res_id"],
            limit=1,
        )
        if not rows:
            return None
        return str(rows[0]["model"]), int(rows[0]["res_id"]), int(rows[0]["id"])

    def bind_external_id(self, name: str, model: str, res_id: int) -> int:
        """Create ``svcsync.<name>`` pointing at ``model,res_id`` (noupdate: we own it)."""
        return int(
            self.create(
                "ir.model.data",
                {
                    "module": MODULE,
                    "name": xml_name(name),
                    "model": model,
                    "res_id": res_id,
                    "noupdate": True,
                },
            )
        )

    def ensure(
        self,
        model: str,
        xml_id: str,
        values: Mapping[str, Any],
        *,
        marker: tuple[str, str] | None = None,
        match: Sequence[Any] | None = None,
        update: bool = True,
    ) -> tuple[int, bool]:
        """The record bound to ``svcsync.<xml_id>``: created once, updated afterwards.

        Returns ``(id, created)``; ``created`` is False when an existing record was bound or
        recovered. See the module docstring for the exact guarantee: ``marker=(field, token)``
        (``token`` must be part of ``values[field]``) or ``match`` (a domain finding the record a
        previous attempt created) is what makes it crash-safe.
        """
        name = xml_name(xml_id.removeprefix(f"{MODULE}."))
        found = self.find_external_id(name)
        if found is not None:
            bound_model, res_id, imd_id = found
            if bound_model != model:
                raise ConfigError(
                    f"external id {MODULE}.{name} points at {bound_model}, not {model} "
                    f"({self._ctx(model, 'ensure').where()})"
                )
            if self.search(model, [("id", "=", res_id)], context={"active_test": False}):
                if update and values:
                    self.write(model, [res_id], values)
                return res_id, False
            # The record was deleted behind a stale external id: drop it and start over.
            self.unlink("ir.model.data", [imd_id])
        if match is not None:
            candidates = self.search(
                model, match, order="id asc", limit=1, context={"active_test": False}
            )
            recovered = candidates[0] if candidates else None
        else:
            recovered = self._recover(model, [(name, values, marker)]).get(name)
        if recovered is not None:
            _logger.info("ensure: recovered %s,%d for %s.%s", model, recovered, MODULE, name)
            self._bind(name, model, recovered)
            if update and values:
                self.write(model, [recovered], values)
            return recovered, False
        res_id = int(self.create(model, values))
        self._bind(name, model, res_id)
        return res_id, True

    def ensure_many(
        self,
        model: str,
        items: Sequence[EnsureItem],
        *,
        update: bool = True,
        batch_size: int = 100,
    ) -> list[tuple[int, bool]]:
        """``ensure`` for many records of one model in a constant number of calls per batch.

        ``items`` are ``(xml_id, values, marker)``; returns ``(id, created)`` in their order.
        Per batch of ``batch_size``: one ``ir.model.data`` search for every external id, one
        existence check of the bound records, one marker search for the unbound ones (each
        candidate confirmed by ``marker_in``), one ``create`` with the list of values, one
        ``ir.model.data`` create with the list of new external ids; plus one ``write`` per
        record that exists and is updated. Crash-safe like ``ensure``: a crash between the
        ``create`` and the external ids leaves records the next call recovers by marker.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out: list[tuple[int, bool]] = []
        for i in range(0, len(items), batch_size):
            out.extend(self._ensure_batch(model, items[i : i + batch_size], update))
        return out

    def _ensure_batch(
        self, model: str, items: Sequence[EnsureItem], update: bool
    ) -> list[tuple[int, bool]]:
        names = [xml_name(x.removeprefix(f"{MODULE}.")) for x, _, _ in items]
        if len(set(names)) != len(names):
            raise ValueError(f"ensure_many({model}): the same external id twice in one batch")
        rows = self.search_read(
            "ir.model.data",
            [("module", "=", MODULE), ("name", "in", names)],
            ["name", "model", "res_id"],
        )
        bound: dict[str, tuple[int, int]] = {}
        for r in rows:
            if str(r["model"]) != model:
                raise ConfigError(
                    f"external id {MODULE}.{r['name']} points at {r['model']}, not {model} "
                    f"({self._ctx(model, 'ensure').where()})"
                )
            bound[str(r["name"])] = (int(r["res_id"]), int(r["id"]))
        result: dict[str, tuple[int, bool]] = {}
        if bound:
            alive = set(
                self.search(
                    model,
                    [("id", "in", sorted({rid for rid, _ in bound.values()}))],
                    context={"active_test": False},
                )
            )
            stale = [imd for rid, imd in bound.values() if rid not in alive]
            if stale:  # records deleted behind their external ids: drop those, start over
                self.unlink("ir.model.data", stale)
            result = {n: (rid, False) for n, (rid, _) in bound.items() if rid in alive}
        todo = [(n, it) for n, it in zip(names, items, strict=True) if n not in result]
        recovered = self._recover(model, [(n, it[1], it[2]) for n, it in todo])
        fresh = [(n, it) for n, it in todo if n not in recovered]
        created: list[int] = []
        if fresh:
            created = [int(x) for x in self.create(model, [dict(it[1]) for _, it in fresh])]
        new_ids = {n: rid for n, rid in recovered.items()}
        new_ids.update({n: rid for (n, _), rid in zip(fresh, created, strict=True)})
        self._bind_many(model, new_ids)
        for n, rid in recovered.items():
            _logger.info("ensure: recovered %s,%d for %s.%s", model, rid, MODULE, n)
            result[n] = (rid, False)
        result.update({n: (rid, True) for (n, _), rid in zip(fresh, created, strict=True)})
        if update:
            for n, (_, values, _) in zip(names, items, strict=True):
                rid, was_created = result[n]
                if not was_created and values:
                    self.write(model, [rid], values)
        return [result[n] for n in names]

    def _recover(
        self, model: str, items: Sequence[tuple[str, Mapping[str, Any], tuple[str, str] | None]]
    ) -> dict[str, int]:
        """Records an earlier, interrupted call created for these external ids, found by their
        markers in one search: ``{name: id}`` (the oldest matching record; each record at most
        once)."""
        wanted: list[tuple[str, str, str]] = []
        for name, values, marker in items:
            found = self._marker(model, name, values, marker)
            if found is not None:
                wanted.append((name, *found))
        if not wanted:
            return {}
        terms = [
            (field, "=" if field in _EXACT_MARKERS else "ilike", token)
            for _, field, token in wanted
        ]
        domain: list[Any] = ["|"] * (len(terms) - 1) + terms
        fields = sorted({field for _, field, _ in wanted})
        rows = self.search_read(
            model, domain, ["id", *fields], order="id asc", context={"active_test": False}
        )
        out: dict[str, int] = {}
        taken: set[int] = set()
        for name, field, token in wanted:
            for r in rows:
                rid = int(r["id"])
                value = r.get(field)
                hit = value == token if field in _EXACT_MARKERS else marker_in(value, token)
                if hit and rid not in taken:
                    out[name] = rid
                    taken.add(rid)
                    break
        return out

    def _bind_many(self, model: str, ids: Mapping[str, int]) -> None:
        if not ids:
            return
        rows = [
            {"module": MODULE, "name": n, "model": model, "res_id": rid, "noupdate": True}
            for n, rid in ids.items()
        ]
        try:
            self.create("ir.model.data", rows)
        except ValidationError:
            # (module, name) is unique: a row may exist from a create whose answer was lost.
            for n, rid in ids.items():
                self._bind(n, model, rid)

    def _bind(self, name: str, model: str, res_id: int) -> None:
        """Bind, tolerating a bind that an earlier attempt made after its answer was lost."""
        try:
            self.bind_external_id(name, model, res_id)
        except ValidationError:
            # (module, name) is unique: the row may exist from a create whose answer was lost.
            found = self.find_external_id(name)
            if found is None or found[:2] != (model, res_id):
                raise

    def _marker(
        self,
        model: str,
        name: str,
        values: Mapping[str, Any],
        marker: tuple[str, str] | None,
    ) -> tuple[str, str] | None:
        """``(field, token)`` to recover the record by, checked against ``values``."""
        if marker is None and DEFAULT_MARKERS.get(model) in values:
            field = DEFAULT_MARKERS[model]
            marker = (field, str(values[field]))
        if marker is None:
            return None
        field, token = marker
        value = values.get(field)
        ok = value == token if field in _EXACT_MARKERS else marker_in(value, token)
        if not ok:
            raise ValueError(
                f"ensure({model}, {name}): marker token {token!r} must be "
                + (
                    f"values[{field!r}]"
                    if field in _EXACT_MARKERS
                    else f"a whole word of values[{field!r}]"
                )
            )
        return field, token

    # ---------------------------------------------------------------------------------------
    # discovery

    def _discover(
        self, required: dict[str, Sequence[str]], rights: Mapping[str, Sequence[str]] | None
    ) -> Capabilities:
        apps: frozenset[str] | None
        try:
            rows = self.search_read(
                "ir.module.module", [("state", "=", "installed")], ["name"], order="name asc"
            )
            apps = frozenset(str(r["name"]) for r in rows)
        except (AccessError, NotFoundError):
            apps = None
        fields: dict[str, dict[str, Any]] = {}
        missing_models: set[str] = set()
        for model in dict.fromkeys([*required, *_TICKET_PROBES]):
            try:
                fields[model] = self.fields_get(model)
            except NotFoundError:
                missing_models.add(model)
        missing: list[tuple[str, str | None]] = []
        for model, names in required.items():
            if model in missing_models:
                missing.append((model, None))
                continue
            missing.extend((model, f) for f in names if f not in fields[model])
        if missing:
            listing = ", ".join(f"{m}.{f}" if f else f"{m} (model)" for m, f in missing)
            ctx = self._ctx(method="fields_get")
            raise MissingFieldsError(
                f"the server lacks what the mappings need: {listing} — Odoo {self._version}; "
                f"install the module providing it or adjust the mapping ({ctx.where()})",
                missing,
                context=ctx.as_dict(),
            )
        ticket_model: str | None = None
        flavour: Any = None
        if "helpdesk.ticket" in fields:
            ticket_model = "helpdesk.ticket"
            team = fields["helpdesk.ticket"].get("team_id", {})
            flavour = "enterprise" if team.get("relation") == "helpdesk.team" else "oca"
        elif "project.task" in fields:
            ticket_model, flavour = "project.task", "project"
        wanted: dict[str, list[str]] = {m: ["read"] for m in required}
        if rights is None:
            for model, ops in PUSH_RIGHTS.items():
                if model in fields or model not in _TICKET_PROBES:
                    wanted[model] = list(dict.fromkeys([*wanted.get(model, []), *ops]))
        else:
            for model, more in rights.items():
                wanted[model] = list(dict.fromkeys([*wanted.get(model, []), *more]))
        checked: dict[tuple[str, str], bool] = {}
        for model, operations in wanted.items():
            if model in missing_models:
                continue
            try:
                for op in operations:
                    checked[(model, op)] = self.has_right(model, op)
            except NotFoundError:
                # e.g. purchase.order on a server without the purchase app
                missing_models.add(model)
        return Capabilities(
            server_version=self._version or "",
            version_major=self._major,
            protocol=self.protocol or "",
            uid=self._uid,
            apps=apps,
            fields=fields,
            missing_models=frozenset(missing_models),
            ticket_model=ticket_model,
            ticket_flavour=flavour,
            repair="repair.order" in fields,
            rights=checked,
        )

    def has_right(self, model: str, operation: str) -> bool:
        """Whether the user holds ``operation`` on ``model`` (ACL level)."""
        if self._major >= 18:
            try:
                # 18 adds has_access; 19 recommends it (empty ids = model level).
                return bool(self._rpc(model, "has_access", ids=[], kwargs={"operation": operation}))
            except NotFoundError:
                pass
        try:
            return bool(
                self._rpc(
                    model,
                    "check_access_rights",
                    kwargs={"operation": operation, "raise_exception": False},
                )
            )
        except AccessError:
            return False


def _clean(vals: Mapping[str, Any]) -> dict[str, Any]:
    """Values with ``None`` as ``False``: Odoo's empty value, and XML-RPC cannot send ``None``."""
    return {k: _none_to_false(v) for k, v in vals.items()}


def _none_to_false(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, Mapping):
        return {k: _none_to_false(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_none_to_false(v) for v in value]
    return value


def _wire_domain(domain: Sequence[Any]) -> list[Any]:
    """Tuples as lists: JSON does it anyway, and XML-RPC marshals tuples as arrays too."""
    return [list(t) if isinstance(t, tuple) else t for t in domain]


__all__ = [
    "DEFAULT_MARKERS",
    "MODULE",
    "EnsureItem",
    "MissingFieldsError",
    "OdooClient",
    "UnknownDatabaseError",
    "UnreachableError",
    "marker_in",
    "xml_name",
]
