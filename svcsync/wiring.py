"""Builds the other packages' objects from svcsync settings (the only place that knows both)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from connector import ConnectionSettings, OdooClient
from connector.errors import ConnectorError
from svcsync.sections import TenantConfig

if TYPE_CHECKING:
    from jobs.analyze import Rules
    from jobs.cycle import Tenant
    from svcsync.settings import Settings


class UsageError(Exception):
    """A flag names something that does not exist (exit 2)."""


def connection_settings(
    tenant: TenantConfig, api_key: SecretStr, *, login: str | None = None
) -> ConnectionSettings:
    """The connector's settings for ``tenant`` with its resolved API key (and maybe another login)."""
    values = tenant.model_dump(exclude={"name", "api_key_env", "api_key_file", "api_key"})
    if login is not None:
        values["login"] = login
    return ConnectionSettings(**values, api_key=api_key)


def list_findings(
    settings: Settings, *, open_only: bool, tenant: str | None = None
) -> list[dict[str, Any]]:
    """Findings from the state store, newest first."""
    from jobs.state import open_store

    store = open_store(settings.state.url)
    try:
        return store.findings(tenant, status="open" if open_only else None)
    finally:
        store.close()


def bound_records(settings: Settings) -> list[dict[str, Any]]:
    """Every record svcsync created or bound in Odoo, per the state store's bindings."""
    from jobs.state import open_store

    store = open_store(settings.state.url)
    try:
        return [row for t in settings.erp for row in store.bindings_like(t.name, "")]
    finally:
        store.close()


# --------------------------------------------------------------------------- cycles


def build_rules(settings: Settings) -> Rules:
    """The service rules with this config's ``[rules.*]`` thresholds, as jobs/analyze calls them."""
    from service.rules import build

    rules: Rules = build(settings.rules)
    return rules


def build_tenant(settings: Settings, index: int, api_key: SecretStr) -> Tenant:
    """The jobs ``Tenant`` for ``[[erp]]`` entry ``index`` with its resolved key."""
    from jobs.cycle import Tenant

    cfg = settings.erp[index]
    return Tenant(
        name=cfg.name,
        connection=connection_settings(cfg, api_key),
        rules=build_rules(settings),
        schedule=settings.schedule,
        push=settings.push,
        notify=settings.notify,
    )


ProgressFn = Callable[[str, int, int | None], None]


class _CycleProgress:
    """Turns the cycle's events into ``(label, records, total)`` updates for the progress UI."""

    def __init__(self, tenant: str, client: OdooClient, page_size: int, show: ProgressFn) -> None:
        self.tenant = tenant
        self.client = client
        self.page_size = page_size
        self.show = show
        self.stream: str | None = None
        self.total: int | None = None
        self.read = 0

    def event(self, name: str, data: dict[str, Any]) -> None:
        if name == "stream":
            self._close()
            from jobs.streams import BY_NAME

            self.stream = str(data.get("stream"))
            self.read = 0
            stream = BY_NAME.get(self.stream)
            try:
                # One count per stream, only to draw the bar and its ETA.
                self.total = (
                    self.client.search_count(stream.model, list(stream.domain)) if stream else None
                )
            except ConnectorError:
                self.total = None
            self.show(self._label(), 0, self.total)
        elif name in ("analyze", "done"):
            self._close()

    def after_page(self, stream: str, page: int) -> None:
        self.read = page * self.page_size
        if self.total is not None:
            self.read = min(self.read, self.total)
        self.show(self._label(), self.read, self.total)

    def _close(self) -> None:
        if self.stream is not None:
            done = self.total if self.total is not None else self.read
            self.show(self._label(), done, self.total if self.total is not None else done)
        self.stream = None

    def _label(self) -> str:
        return f"{self.tenant}/{self.stream}"


def run_cycles(
    settings: Settings,
    keys: Mapping[str, SecretStr],
    *,
    tenant: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    streams: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """One cycle for each selected tenant (in order); returns ``{"dry_run", "tenants": [...]}``.

    ``keys`` maps tenant name to its API key.  A tenant's failure is recorded in its report and
    the other tenants still run.  With ``dry_run`` the streams are still pulled into the local
    mirror (nothing is written into Odoo), so the plan reflects Odoo as it is now.
    """
    from jobs import cycle
    from jobs.state import open_store

    if streams:
        from jobs.streams import select

        try:
            select(streams)
        except ValueError as exc:
            raise UsageError(f"--stream: {exc}") from None
    store = open_store(settings.state.url)
    reports: list[dict[str, Any]] = []
    try:
        for index, cfg in enumerate(settings.erp):
            if tenant is not None and cfg.name != tenant:
                continue
            job = build_tenant(settings, index, keys[cfg.name])
            with OdooClient(job.connection) as client:
                try:
                    client.connect(required_fields=_required(client))
                except ConnectorError as exc:
                    # One tenant's outage must not stop the others: record it and go on.
                    reports.append(_failed(cfg.name, "dry-run" if dry_run else "cycle", exc))
                    continue
                hooks = (
                    _CycleProgress(cfg.name, client, cfg.page_size, progress) if progress else None
                )
                common: dict[str, Any] = {
                    "gateway": client,
                    "streams": streams,
                    "progress": hooks.event if hooks else None,
                    "after_page": hooks.after_page if hooks else None,
                }
                if dry_run:
                    # Refresh the mirror first (local writes only), then plan without writing.
                    pulled = cycle.run_cycle(job, store, full=full, analyze=False, **common)
                    report = cycle.run_cycle(job, store, dry_run=True, **common)
                    report.streams = pulled.streams
                    report.errors = [*pulled.errors, *report.errors]
                    if pulled.status != "ok":
                        report.status = pulled.status
                else:
                    report = cycle.run_cycle(job, store, full=full, **common)
            reports.append(report.as_dict())
    finally:
        store.close()
    return {"dry_run": dry_run, "tenants": reports}


def _failed(tenant: str, kind: str, exc: ConnectorError) -> dict[str, Any]:
    """A report for a tenant whose cycle could not start (same keys as ``RunReport.as_dict``)."""
    from svcsync.exitcodes import exit_code_for

    return {
        "tenant": tenant,
        "run_id": None,
        "kind": kind,
        "status": "failed",
        "streams": {},
        "analysis": {},
        "push": {},
        "plan": [],
        "notes": [],
        "open_findings": 0,
        "errors": [f"{type(exc).__name__}: {exc}"],
        "exit_code": exit_code_for(exc),
    }


def _required(client: OdooClient) -> dict[str, list[str]]:
    """What a cycle needs at connect time (same as jobs' own connect: non-optional streams)."""
    from jobs.streams import STREAMS

    return {s.model: ["id", "write_date"] for s in STREAMS if not s.optional}


def run_daemon(settings: Settings, keys: Mapping[str, SecretStr]) -> None:
    """Run the scheduler for every tenant until SIGTERM / SIGINT (jobs/scheduler)."""
    from jobs.scheduler import run_daemon as jobs_daemon
    from jobs.state import open_store

    tenants = [build_tenant(settings, i, keys[t.name]) for i, t in enumerate(settings.erp)]
    store = open_store(settings.state.url)
    try:
        jobs_daemon(tenants, store)
    finally:
        store.close()


def run_worker(
    settings: Settings, keys: Mapping[str, SecretStr], *, concurrency: int | None = None
) -> None:
    """``svcsync worker``: run queued cycles on the PostgreSQL state store (jobs/distributed)."""
    from jobs.distributed import run_worker as jobs_worker

    tenants = [
        build_tenant(settings, i, keys[t.name])
        for i, t in enumerate(settings.erp)
        if t.name in keys
    ]
    jobs_worker(tenants, settings.state.url, concurrency=concurrency)


def defer_jobs(
    settings: Settings,
    keys: Mapping[str, SecretStr],
    *,
    kind: str = "cycle",
    tenant: str | None = None,
) -> dict[str, int | None]:
    """``svcsync worker --defer``: queue one job per tenant now; ``{lock: job id or None}``."""
    from jobs.distributed import defer_now

    tenants = [
        build_tenant(settings, i, keys[t.name])
        for i, t in enumerate(settings.erp)
        if t.name in keys
    ]
    return defer_now(tenants, settings.state.url, kind=kind, only=[tenant] if tenant else None)
