"""One sync cycle for one tenant: pull → analyze → push (→ notify), logged as a run.

``run_cycle`` is the one callable the CLI (``svcsync sync``), the scheduler and the tests share.
Each stream is pulled under its own lease ``<tenant>:<stream>`` (another run — a second daemon on
the same state store, or this daemon's sweep job — skips what this one holds, with a note),
analysis under ``<tenant>:analyze`` and, inside it, the push under ``<tenant>:push``, so two runs
never push (create Odoo records for) one tenant at once.  The lease holder is the run itself
(``job_holder()``: ``host:pid:nonce:run-<id>``), never just the process, so one process's two
runs fence each other like two daemons do; every fenced write renews the lease it was made under.
A failing stream is recorded in the run and the cycle goes on with the others; the next cycle
catches up from the stream's cursor.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connector.errors import ConnectorError
from connector.settings import ConnectionSettings
from jobs import analyze as an
from jobs import notify as nt
from jobs import push as ps
from jobs import streams as st
from jobs.config import NotifyConfig, PushConfig, ScheduleConfig
from jobs.gateway import Gateway
from jobs.pull import PullContext, StreamResult, pull_stream, sweep_stream
from jobs.state import Lease, StaleLeaseError, Store

_logger = logging.getLogger(__name__)

# Set by SIGTERM (jobs.scheduler): the current page is committed, then the cycle stops.
STOP = threading.Event()

# This process (``host:pid:nonce``); a lease holder is one run of it (``job_holder``).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

SKIPPED = "another run holds its lease (a second daemon, or this tenant's other job)"


def job_holder(job: str | None = None) -> str:
    """A lease holder for one running job: ``HOLDER:<job>`` (default a fresh ``run-<nonce>``).

    The host and pid stay first, so a holder whose process died on this host is recognised.
    """
    return f"{HOLDER}:{job or 'run-' + uuid.uuid4().hex[:10]}"


Progress = Callable[[str, dict[str, Any]], None]
GatewayFactory = Callable[[ConnectionSettings], Gateway]


def _default_factory(settings: ConnectionSettings) -> Gateway:
    from connector.client import OdooClient

    return OdooClient(settings)


@dataclass
class Tenant:
    """One Odoo database and how svcsync treats it (built by ``svcsync`` from its settings)."""

    name: str
    connection: ConnectionSettings
    rules: an.Rules
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    push: PushConfig = field(default_factory=PushConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    client_factory: GatewayFactory = _default_factory


@dataclass
class RunReport:
    """What one cycle did; ``status`` is ok / partial / failed / interrupted."""

    tenant: str
    run_id: int | None
    kind: str
    status: str = "ok"
    started_at: str = ""
    ended_at: str = ""
    streams: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped_streams: dict[str, str] = field(default_factory=dict)
    # When this run held each lease it worked under: {stream | "analyze" | "push": [t0, t1]}
    # (Unix seconds, inside the lease's holding), kept in the run's counts.
    held: dict[str, list[float]] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    push: dict[str, int] = field(default_factory=dict)
    plan: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notified: int = 0
    errors: list[str] = field(default_factory=list)
    open_findings: int = 0
    interrupted: bool = False

    def counts(self) -> dict[str, Any]:
        return {
            "streams": self.streams,
            "skipped_streams": self.skipped_streams,
            "held": self.held,
            "analysis": self.analysis,
            "push": self.push,
            "planned": len(self.plan),
            "notified": self.notified,
            "open_findings": self.open_findings,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "run_id": self.run_id,
            "kind": self.kind,
            "status": self.status,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            **self.counts(),
            "plan": self.plan,
            "notes": self.notes,
            "errors": self.errors,
            "interrupted": self.interrupted,
        }


@contextmanager
def leased(
    store: Store, name: str, ttl: float, holder: str, *, dry_run: bool = False
) -> Iterator[Lease | None]:
    """Hold lease ``name`` for the block (``None``: another holder has it); released after."""
    if dry_run:
        # A dry run writes nothing, not even a lease; it reads and plans only.
        yield Lease(name, holder, 0, 0.0)
        return
    lease = store.acquire_lease(name, holder, ttl)
    try:
        yield lease
    finally:
        if lease is not None:
            try:
                store.release_lease(lease)
            except Exception:
                _logger.warning("could not release lease %s", name)


@contextmanager
def _timed(report: RunReport, what: str) -> Iterator[None]:
    t0 = time.time()
    try:
        yield
    finally:
        report.held[what] = [round(t0, 3), round(time.time(), 3)]


def _connect(tenant: Tenant, gateway: Gateway | None) -> tuple[Gateway, bool]:
    if gateway is not None:
        return gateway, False
    client = tenant.client_factory(tenant.connection)
    required = {s.model: ["id", "write_date"] for s in st.STREAMS if not s.optional}
    client.connect(required_fields=required)  # type: ignore[attr-defined]
    return client, True


def _required_missing(gw: Gateway, streams: Sequence[st.Stream], version: str) -> list[str]:
    caps = gw.capabilities
    missing: list[str] = []
    for s in streams:
        table = s.table
        if table is None or not caps.has_model(s.model):
            continue
        have = caps.fields.get(s.model, {})
        if not have:
            continue
        missing.extend(f"{s.model}.{f}" for f in table.required_fields(version) if f not in have)
    return missing


def run_cycle(
    tenant: Tenant,
    store: Store,
    *,
    dry_run: bool = False,
    full: bool = False,
    streams: Iterable[str] | None = None,
    sweep: bool = False,
    pull: bool = True,
    analyze: bool = True,
    progress: Progress | None = None,
    gateway: Gateway | None = None,
    stop: threading.Event | None = None,
    now: datetime | None = None,
    holder: str | None = None,
    after_page: Callable[[str, int], None] | None = None,
) -> RunReport:
    """Pull (and sweep), analyze, push and notify for one tenant; never raises for Odoo faults:
    they are recorded in the run and in the report (``status`` partial or failed).

    ``holder`` names this run in the leases (default: a fresh ``job_holder()``); two calls
    must never share one, or they would not fence each other."""
    stop = stop or STOP
    holder = holder or job_holder()
    emit = progress or (lambda _e, _d: None)
    kind = "dry-run" if dry_run else ("sweep" if sweep else "cycle")
    report = RunReport(tenant.name, None, kind, started_at=_now())
    if not dry_run:
        report.run_id = store.start_run(tenant.name, kind)
    gw: Gateway | None = None
    own = False
    ttl = float(tenant.schedule.lease_seconds)
    try:
        gw, own = _connect(tenant, gateway)
        caps = gw.capabilities
        version = str(caps.version_major)
        chosen = [s for s in st.select(streams) if s.runs_on(caps.version_major, caps.fields)]
        missing = _required_missing(gw, chosen, version)
        if missing:
            raise ConnectorError(
                "the server lacks fields the mappings read: " + ", ".join(missing[:20])
            )
        if pull and not dry_run:
            _pull_all(
                tenant,
                store,
                gw,
                chosen,
                report,
                full,
                sweep,
                stop,
                emit,
                ttl,
                holder,
                after_page,
                version,
            )
        if stop.is_set():
            report.interrupted = True
        elif analyze:
            _analyze_and_push(tenant, store, gw, report, dry_run, full, emit, ttl, holder, now)
    except StaleLeaseError as exc:
        report.errors.append(str(exc))
    except ConnectorError as exc:
        report.errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        # A bug (in a rule, a mapping...): the run is recorded as failed, then it propagates.
        report.errors.append(f"internal error: {type(exc).__name__}: {exc}")
        report.status = "failed"
        report.ended_at = _now()
        if report.run_id is not None:
            store.finish_run(report.run_id, "failed", report.counts(), report.errors)
        raise
    finally:
        if own and gw is not None:
            close = getattr(gw, "close", None)
            if close is not None:
                close()
    report.ended_at = _now()
    if report.errors:
        report.status = "partial" if report.streams or report.analysis else "failed"
    elif report.interrupted:
        report.status = "interrupted"  # SIGTERM: committed pages kept, resumed next run
    if report.run_id is not None:
        store.finish_run(report.run_id, report.status, report.counts(), report.errors)
    emit("done", {"status": report.status})
    return report


def _pull_all(
    tenant: Tenant,
    store: Store,
    gw: Gateway,
    chosen: Sequence[st.Stream],
    report: RunReport,
    full: bool,
    sweep: bool,
    stop: threading.Event,
    emit: Progress,
    ttl: float,
    holder: str,
    after_page: Callable[[str, int], None] | None,
    version: str,
) -> None:
    for stream in chosen:
        if stop.is_set():
            report.interrupted = True
            return
        with leased(store, f"{tenant.name}:{stream.name}", ttl, holder) as lease:
            if lease is None:
                report.skipped_streams[stream.name] = SKIPPED
                continue
            with _timed(report, stream.name):
                if _pull_one(
                    tenant,
                    store,
                    gw,
                    stream,
                    lease,
                    report,
                    full,
                    sweep,
                    stop,
                    emit,
                    after_page,
                    version,
                ):
                    return


def _pull_one(
    tenant: Tenant,
    store: Store,
    gw: Gateway,
    stream: st.Stream,
    lease: Lease,
    report: RunReport,
    full: bool,
    sweep: bool,
    stop: threading.Event,
    emit: Progress,
    after_page: Callable[[str, int], None] | None,
    version: str,
) -> bool:
    """Pull (and sweep when due) one stream under its lease; True when interrupted."""
    ctx = PullContext(
        tenant.name,
        gw,
        store,
        version,
        lookback=float(tenant.schedule.lookback_seconds),
        page_size=tenant.connection.page_size,
        lease_for=_const(lease),
        run_id=report.run_id,
        stop=stop,
        server_fields=gw.capabilities.fields,
        after_page=after_page,
    )
    emit("stream", {"stream": stream.name, "model": stream.model})
    try:
        res: StreamResult = pull_stream(ctx, stream, full=full)
        if _sweep_due(store, tenant, stream.name, sweep, lease) and not stop.is_set():
            swept = sweep_stream(ctx, stream)
            if not swept.interrupted:
                res.deleted, res.archived = swept.deleted, swept.archived
                store.set_cursor(
                    tenant.name,
                    f"@sweep:{stream.name}",
                    {"v": 1, "at": time.time()},
                    lease=lease,
                )
    except (ConnectorError, StaleLeaseError) as exc:
        report.errors.append(f"{stream.name}: {type(exc).__name__}: {exc}")
        return False
    report.streams[stream.name] = res.counts()
    if res.quarantined:
        report.notes.append(f"{stream.name}: {res.quarantined} record(s) quarantined")
    if res.interrupted:
        report.interrupted = True
        return True
    return False


def _sweep_due(store: Store, tenant: Tenant, stream: str, forced: bool, lease: Lease) -> bool:
    """Sweep when asked, or when the last sweep of this stream is older than the interval
    (a sweep skipped because another runner held the stream is made up by the next cycle).
    A stream never swept starts its clock now: right after its first pull there is nothing
    to find."""
    if forced:
        return True
    marker = store.get_cursor(tenant.name, f"@sweep:{stream}")
    if marker is None:
        store.set_cursor(tenant.name, f"@sweep:{stream}", {"v": 1, "at": time.time()}, lease=lease)
        return False
    return time.time() - float(marker.get("at", 0.0)) >= tenant.schedule.sweep_interval_hours * 3600


def _analyze_and_push(
    tenant: Tenant,
    store: Store,
    gw: Gateway,
    report: RunReport,
    dry_run: bool,
    full: bool,
    emit: Progress,
    ttl: float,
    holder: str,
    now: datetime | None,
) -> None:
    # The push runs inside the analysis lease: a run that analysed pushes what it found before
    # another run may analyse again, and the push lease keeps any other pusher out.
    with leased(store, f"{tenant.name}:analyze", ttl, holder, dry_run=dry_run) as lease:
        if lease is None:
            report.notes.append("analysis and push skipped: another run is analysing this tenant")
            return
        with _timed(report, "analyze"):
            _analyze_then_push(
                tenant, store, gw, report, dry_run, full, emit, ttl, holder, now, lease
            )


def _analyze_then_push(
    tenant: Tenant,
    store: Store,
    gw: Gateway,
    report: RunReport,
    dry_run: bool,
    full: bool,
    emit: Progress,
    ttl: float,
    holder: str,
    now: datetime | None,
    lease: Lease,
) -> None:
    emit("analyze", {})
    if dry_run:
        # Nothing is written: the rules run on the mirror as it is.
        snap = an.load_snapshot(store, tenant.name)
        findings = list(tenant.rules(snap, now or datetime.now(UTC)))
        resolved: list[str] = []
        open_keys = {f.key for f in findings}
        resolved = [k for k in store.open_findings(tenant.name) if k not in open_keys]
        report.analysis = {"open": len(findings), "would_resolve": len(resolved)}
    else:
        # Every write of the analysis (findings, analysed marks, @analyze) is fenced.
        areport, findings = an.analyze(
            store.fenced(lease),
            tenant.name,
            tenant.rules,
            now=now,
            full=full,
            min_interval=float(tenant.schedule.analyze_interval_seconds),
            full_every=tenant.schedule.analyze_full_interval_hours * 3600,
        )
        resolved = areport.resolved
        report.analysis = areport.counts()
    report.open_findings = len(findings)
    with leased(store, f"{tenant.name}:push", ttl, holder, dry_run=dry_run) as please:
        if please is None:
            report.notes.append("push skipped: another run is pushing for this tenant")
            return
        emit("push", {"findings": len(findings)})
        try:
            with _timed(report, "push"):
                preport = ps.push(
                    tenant.name,
                    gw,
                    # Queue, complete and fail are all fenced (and renew the push lease).
                    store if dry_run else store.fenced(please),
                    findings,
                    resolved,
                    tenant.push,
                    lease=please,
                    dry_run=dry_run,
                )
        except ps.PushError as exc:
            report.errors.append(str(exc))
            return
        report.plan = preport.planned
        report.notes.extend(preport.notes)
        if not dry_run:
            report.push = preport.counts()
            report.errors.extend(preport.errors)
    if not dry_run and tenant.notify.webhooks:
        # Delivery is kept per (webhook, finding): a failing webhook re-sends to nobody else.
        # Under the analysis lease, and its marks fenced by it.
        nrep = nt.deliver(tenant.name, store.fenced(lease), tenant.notify)
        report.notified = nrep.sent
        report.errors.extend(nrep.errors)
    elif not dry_run:
        # Without webhooks there is nobody to tell: mark them so a later webhook gets only news.
        store.fenced(lease).mark_notified(tenant.name, [f.key for f in findings])


def _const(lease: Lease) -> Callable[[str], Lease | None]:
    return lambda _name: lease


def run_sweep(tenant: Tenant, store: Store, **kw: Any) -> RunReport:
    """The daily id-set sweep (deleted / archived records), then analysis and push."""
    return run_cycle(tenant, store, sweep=True, **kw)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def status(store: Store, tenants: Sequence[str]) -> list[dict[str, Any]]:
    """What ``svcsync status`` prints, one dict per tenant."""
    return [store.status(t) for t in tenants]


def findings(
    store: Store, tenant: str | None = None, *, status: str | None = "open", rule: str | None = None
) -> list[dict[str, Any]]:
    """What ``svcsync findings`` prints."""
    return store.findings(tenant, status=status, rule=rule)
