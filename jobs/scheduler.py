"""``svcsync daemon``: APScheduler 3.x wiring, kept small — jobs are the plain cycle callables.

Per tenant two jobs: the cycle (pull + analyze + push) every ``pull_interval_seconds`` and the
sweep every ``sweep_interval_hours``.  ``max_instances=1`` and ``coalesce=True`` mean a slow run is
never doubled and missed runs collapse into one; ``misfire_grace_time`` lets a run that starts a
little late still run.  Tenants are isolated: each job has its own thread in the pool and every
RPC is bounded by the connector's timeouts, so one tenant's outage cannot stall the others.  A
second daemon on the same state store skips the streams whose lease this one holds.

A tenant's cycle and sweep jobs (which both start about a second apart once a day with the
defaults) take turns on a per-tenant lock: the second one waits for the first to finish instead of
racing it.  Each run also takes its leases under its own holder (``jobs.cycle.job_holder``), so
the leases fence them even without the lock.

SIGTERM / SIGINT set ``jobs.cycle.STOP``: the running page is committed, the cycle stops, the
scheduler shuts down waiting for the jobs to return.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs import cycle
from jobs.state import Store

_logger = logging.getLogger(__name__)


def _job(
    fn: Callable[..., cycle.RunReport],
    tenant: cycle.Tenant,
    store: Store,
    on_report: Callable[[cycle.RunReport], None] | None,
    turn: threading.Lock | None = None,
    **kw: Any,
) -> Callable[[], None]:
    turn = turn or threading.Lock()

    def run() -> None:
        if cycle.STOP.is_set():
            return
        with turn:  # the tenant's other job finishes first
            if cycle.STOP.is_set():
                return
            try:
                report = fn(tenant, store, **kw)
            except Exception:  # a bug in one tenant's run must not kill the scheduler thread
                _logger.exception("run for tenant %s failed", tenant.name)
                return
        _logger.info(
            "tenant %s %s: %s (%d open findings)",
            tenant.name,
            report.kind,
            report.status,
            report.open_findings,
        )
        if on_report is not None:
            on_report(report)

    return run


def build_scheduler(
    tenants: Sequence[cycle.Tenant],
    store: Store,
    *,
    on_report: Callable[[cycle.RunReport], None] | None = None,
    start_now: bool = True,
) -> BlockingScheduler:
    """A ``BlockingScheduler`` with a cycle job and a sweep job per tenant."""
    if not tenants:
        raise ValueError("no tenant to schedule: add an [[erp]] block to the configuration")
    sched = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=max(2, 2 * len(tenants)))},
        timezone=UTC,
    )
    first = datetime.now(UTC) + timedelta(seconds=1)
    for t in tenants:
        s = t.schedule
        turn = threading.Lock()  # the tenant's cycle and sweep never run at the same time
        common = {
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": s.misfire_grace_seconds,
            "replace_existing": True,
        }
        sched.add_job(
            _job(cycle.run_cycle, t, store, on_report, turn),
            "interval",
            seconds=s.pull_interval_seconds,
            id=f"{t.name}:cycle",
            name=f"svcsync cycle {t.name}",
            next_run_time=first if start_now else None,
            **common,
        )
        sched.add_job(
            _job(cycle.run_sweep, t, store, on_report, turn),
            "interval",
            seconds=int(s.sweep_interval_hours * 3600),
            id=f"{t.name}:sweep",
            name=f"svcsync sweep {t.name}",
            **common,
        )
    return sched


def install_signal_handlers(sched: BlockingScheduler) -> None:
    """SIGTERM/SIGINT: finish the current page, then stop (main thread only)."""

    def stop(signum: int, _frame: Any) -> None:
        _logger.info("signal %d: finishing the current page, then stopping", signum)
        cycle.STOP.set()
        # shutdown() waits for running jobs; call it off the signal frame.
        threading.Thread(target=sched.shutdown, kwargs={"wait": True}, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def run_daemon(
    tenants: Sequence[cycle.Tenant],
    store: Store,
    *,
    on_report: Callable[[cycle.RunReport], None] | None = None,
) -> None:
    """Block running the schedule until SIGTERM/SIGINT."""
    cycle.STOP.clear()
    sched = build_scheduler(tenants, store, on_report=on_report)
    install_signal_handlers(sched)
    sched.start()
