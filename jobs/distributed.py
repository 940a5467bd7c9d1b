"""Many machines: the daemon's cycle and sweep as procrastinate tasks on the PostgreSQL state store.

``svcsync daemon`` (jobs/scheduler) runs one machine.  To spread tenants over several machines the
same callables (``jobs.cycle.run_cycle`` and ``run_sweep``) run as tasks of procrastinate, a
PostgreSQL job queue, in the database of the state store.  Nothing here is a queue of our own:

* one job per (tenant, stream group): task ``svcsync.cycle`` and ``svcsync.sweep`` with
  ``lock=f"{tenant}:{group}"`` — procrastinate never starts a job while another job holding the
  same lock is running, on any worker, so one (tenant, group) never runs twice at once (cycle and
  sweep share it: both pull the same streams);
* ``queueing_lock`` — ``f"{tenant}:{group}"`` for the cycle, ``f"{tenant}:{group}:sweep"`` for the
  sweep — so the queue never holds two waiting copies of the same job (a second defer is a no-op,
  like APScheduler's ``coalesce``) while a sweep is never dropped because a cycle is waiting;
* periodic tasks at ``[schedule] pull_interval_seconds`` / ``sweep_interval_hours`` (every worker
  runs procrastinate's periodic deferrer; the database defers each tick once);
* the fencing epochs stay: inside the task ``run_cycle`` takes the jobs/state leases under a holder
  unique to the job (``host:pid:nonce:job<id>``), so a worker that lost its lease — it stalled,
  its job was handed to another worker, the lease expired and was taken — has its next commit
  refused (``StaleLeaseError``), exactly as for two daemons;
* a job left ``doing`` by a worker that died (no heartbeat) would hold its lock forever: the
  periodic ``svcsync.recover_stalled`` task puts it back in the queue (or fails it when a newer
  copy is already waiting), so the (tenant, group) runs again.

The procrastinate schema lives in the state store's database, in the first schema of the
connection's ``search_path``; ``Distributed.ensure_schema`` applies it when it is missing.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jobs import cycle
from jobs import streams as st
from jobs.state import Store, open_store

_logger = logging.getLogger(__name__)

QUEUE = "svcsync"
DEFAULT_GROUP = "all"
CYCLE_TASK = "svcsync.cycle"
SWEEP_TASK = "svcsync.sweep"
RECOVER_TASK = "svcsync.recover_stalled"
RECOVER_CRON = "* * * * *"  # every minute
STALLED_AFTER_SECONDS = 60.0
"""A worker without a heartbeat for this long is dead: its running jobs are recovered."""
_SCHEMA_LOCK = 7150002  # pg_advisory_xact_lock key (jobs/state migrates under 7150001)

_DIVISORS_60 = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_DIVISORS_24 = (1, 2, 3, 4, 6, 8, 12)


class DistributedError(Exception):
    """The distributed worker cannot run with this configuration."""


class CycleFailed(Exception):
    """A run ended ``failed``: raised so procrastinate records the job as failed."""


def conninfo(url: str) -> str:
    """A libpq conninfo string for the SQLAlchemy URL of the state store.

    ``postgresql+psycopg://user@host:5432/db?options=-csearch_path%3Dx`` →
    ``host=host port=5432 user=user dbname=db options='-csearch_path=x'``.
    """
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.engine import make_url

    if not url.startswith(("postgresql", "postgres:")):
        raise DistributedError(
            "the distributed worker runs on a PostgreSQL state store: set [state] url to "
            "postgresql+psycopg://user@host/db (it is "
            f"{url.split(':', 1)[0]!r})"
        )
    parsed = make_url(url)
    params: dict[str, Any] = {}
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = parsed.port
    if parsed.username:
        params["user"] = parsed.username
    if parsed.password:
        params["password"] = parsed.password
    if parsed.database:
        params["dbname"] = parsed.database
    for key, value in parsed.query.items():
        params[key] = ",".join(value) if isinstance(value, tuple) else value
    return make_conninfo("", **params)


def cron_for(seconds: float) -> tuple[str, int]:
    """The cron expression (6th column: seconds) for "every ``seconds``", and its real period.

    Cron steps must divide the minute, hour or day; an interval that does not is rounded down to
    the nearest one that does (a run more often than configured is harmless: pulls are
    incremental, analysis keeps its own ``analyze_interval_seconds``).  24 h and more: daily.
    """
    s = max(1, int(seconds))
    if s < 60:
        step = max(d for d in _DIVISORS_60 if d <= s)
        return f"* * * * * */{step}", step
    if s < 3600:
        step = max(d for d in _DIVISORS_60 if d <= s // 60)
        return f"*/{step} * * * * 0", step * 60
    if s < 86400:
        step = max(d for d in _DIVISORS_24 if d <= s // 3600)
        return f"0 */{step} * * * 0", step * 3600
    return "0 0 * * * 0", 86400


def lock_name(tenant: str, group: str = DEFAULT_GROUP) -> str:
    """The procrastinate ``lock`` of a (tenant, stream group): one run at a time, any worker."""
    return f"{tenant}:{group}"


def queueing_lock_name(tenant: str, group: str = DEFAULT_GROUP, kind: str = "cycle") -> str:
    """At most one waiting job per (tenant, group, kind)."""
    return lock_name(tenant, group) if kind == "cycle" else f"{lock_name(tenant, group)}:{kind}"


def _check_groups(
    groups: Mapping[str, Sequence[str] | None] | None,
) -> dict[str, tuple[str, ...] | None]:
    if not groups:
        return {DEFAULT_GROUP: None}
    out: dict[str, tuple[str, ...] | None] = {}
    for name, names in groups.items():
        if not name or ":" in name:
            raise DistributedError(f"stream group name {name!r}: use a non-empty name without ':'")
        if names is None:
            out[name] = None
            continue
        try:
            out[name] = tuple(s.name for s in st.select(names))
        except ValueError as exc:
            raise DistributedError(f"stream group {name!r}: {exc}") from None
        if not out[name]:
            raise DistributedError(f"stream group {name!r} has no stream")
    return out


class Distributed:
    """A procrastinate ``App`` whose tasks run svcsync cycles and sweeps for ``tenants``.

    One per process (worker or deferrer).  ``groups`` splits each tenant's streams into groups
    run as separate jobs (default: one group ``all`` with every stream, like the daemon's one job
    per tenant); mind the pull order (``jobs.streams.STREAMS``) when splitting: a group whose
    mapper needs another group's lookups must not run first.  ``cycle_options`` are passed to
    ``run_cycle`` (e.g. ``after_page``); ``on_report`` receives every ``RunReport``.
    """

    def __init__(
        self,
        tenants: Sequence[cycle.Tenant],
        state_url: str,
        *,
        groups: Mapping[str, Sequence[str] | None] | None = None,
        periodic: bool = True,
        on_report: Callable[[cycle.RunReport], None] | None = None,
        cycle_options: Mapping[str, Any] | None = None,
        pool_size: int = 4,
    ) -> None:
        try:
            from procrastinate import App, PsycopgConnector
        except ImportError as exc:
            raise DistributedError(
                f"the distributed worker needs procrastinate ({exc}): "
                "pip install 'svcsync[distributed]'"
            ) from None

        names = [t.name for t in tenants]
        if len(set(names)) != len(names):
            raise DistributedError(f"tenant names must be unique: {', '.join(names)}")
        self.tenants: dict[str, cycle.Tenant] = {t.name: t for t in tenants}
        self.groups = _check_groups(groups)
        self.state_url = state_url
        self.conninfo = conninfo(state_url)
        self.on_report = on_report
        self.cycle_options = dict(cycle_options or {})
        self.stop_event = threading.Event()
        """Set by ``stop()``: the running cycles commit their page and return."""
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._opened = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self.app = App(
            connector=PsycopgConnector(
                conninfo=self.conninfo, min_size=1, max_size=max(2, pool_size)
            ),
            worker_defaults={"queues": [QUEUE], "delete_jobs": "successful"},
        )
        task = self.app.task
        self.cycle_task: Any = task(name=CYCLE_TASK, queue=QUEUE, pass_context=True)(
            self._cycle_job
        )
        self.sweep_task: Any = task(name=SWEEP_TASK, queue=QUEUE, pass_context=True)(
            self._sweep_job
        )
        self.recover_task: Any = task(
            name=RECOVER_TASK, queue=QUEUE, queueing_lock=RECOVER_TASK, pass_context=True
        )(self._recover_stalled)
        if periodic:
            self._register_periodic()

    # ------------------------------------------------------------------ schedule

    def _register_periodic(self) -> None:
        registry = self.app.periodic_registry
        for tenant in self.tenants.values():
            s = tenant.schedule
            for group in self.groups:
                for kind, task, every in (
                    ("cycle", self.cycle_task, float(s.pull_interval_seconds)),
                    ("sweep", self.sweep_task, float(s.sweep_interval_hours) * 3600),
                ):
                    cron, real = cron_for(every)
                    if real != int(every):
                        _logger.warning(
                            "tenant %s: %s every %d s is not a cron step; running every %d s",
                            tenant.name,
                            kind,
                            int(every),
                            real,
                        )
                    registry.register_task(
                        task=task,
                        cron=cron,
                        periodic_id=lock_name(tenant.name, group),
                        configure_kwargs={
                            "lock": lock_name(tenant.name, group),
                            "queueing_lock": queueing_lock_name(tenant.name, group, kind),
                            "task_kwargs": {"tenant": tenant.name, "group": group},
                        },
                    )
        registry.register_task(
            task=self.recover_task, cron=RECOVER_CRON, periodic_id="", configure_kwargs={}
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def store(self) -> Store:
        """The state store (opened and migrated on first use; shared by the job threads)."""
        with self._lock:
            if self._store is None:
                self._store = open_store(self.state_url)
            return self._store

    def ensure_schema(self) -> bool:
        """Apply procrastinate's schema when its tables are missing; True when it was applied.

        Under an advisory lock, so workers starting together apply it once.  Upgrading
        procrastinate to a release with new migrations means applying those
        (``procrastinate schema --migrations-path``) before starting the new workers.
        """
        import psycopg
        from procrastinate.schema import SchemaManager

        with psycopg.connect(self.conninfo, connect_timeout=10) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is not None and row[0] is not None:
                return False
            conn.execute(SchemaManager.get_schema())
            _logger.info("applied the procrastinate schema to the state store")
            return True

    def open(self) -> Distributed:
        """Open the synchronous connection pool used by ``defer``."""
        with self._lock:
            if not self._opened:
                self.app.open()
                self._opened = True
        return self

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self.app.close()
                self._opened = False
            if self._store is not None:
                self._store.close()
                self._store = None

    def __enter__(self) -> Distributed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ deferring

    def defer(self, tenant: str, group: str = DEFAULT_GROUP, *, kind: str = "cycle") -> int | None:
        """Queue a cycle (or ``kind="sweep"``) of ``tenant``'s ``group``; the job id, or None
        when the same job is already waiting (its ``queueing_lock``)."""
        from procrastinate.exceptions import AlreadyEnqueued

        if tenant not in self.tenants:
            raise DistributedError(f"no tenant {tenant!r} (tenants: {', '.join(self.tenants)})")
        if group not in self.groups:
            raise DistributedError(f"no stream group {group!r} (groups: {', '.join(self.groups)})")
        if kind not in ("cycle", "sweep"):
            raise DistributedError(f"kind is cycle or sweep, not {kind!r}")
        self.open()
        task = self.cycle_task if kind == "cycle" else self.sweep_task
        deferrer = task.configure(
            lock=lock_name(tenant, group), queueing_lock=queueing_lock_name(tenant, group, kind)
        )
        try:
            return int(deferrer.defer(tenant=tenant, group=group))
        except AlreadyEnqueued:
            return None

    def defer_all(self, *, kind: str = "cycle") -> dict[str, int | None]:
        """Queue one job per (tenant, group) now; ``{lock: job id or None}``."""
        return {
            lock_name(t, g): self.defer(t, g, kind=kind) for t in self.tenants for g in self.groups
        }

    # ------------------------------------------------------------------ the tasks

    def _cycle_job(
        self, context: Any, tenant: str, group: str = DEFAULT_GROUP, timestamp: int | None = None
    ) -> None:
        self._execute(cycle.run_cycle, context, tenant, group)

    def _sweep_job(
        self, context: Any, tenant: str, group: str = DEFAULT_GROUP, timestamp: int | None = None
    ) -> None:
        self._execute(cycle.run_sweep, context, tenant, group)

    def _execute(
        self, fn: Callable[..., cycle.RunReport], context: Any, tenant: str, group: str
    ) -> None:
        job = self.tenants.get(tenant)
        if job is None:
            raise DistributedError(
                f"job for tenant {tenant!r}, which this worker's configuration does not have"
            )
        if group not in self.groups:
            raise DistributedError(f"job for stream group {group!r}, unknown to this worker")
        streams = self.groups[group]
        # A holder per job: two jobs (threads, workers, a recovered job and its stale original)
        # never share a lease, so the epoch fences each of them.
        holder = f"{cycle.HOLDER}:job{context.job.id}"
        report = fn(
            job,
            self.store,
            streams=list(streams) if streams is not None else None,
            holder=holder,
            stop=self.stop_event,
            **self.cycle_options,
        )
        _logger.info(
            "tenant %s %s (%s): %s (%d open findings)",
            tenant,
            report.kind,
            group,
            report.status,
            report.open_findings,
        )
        if self.on_report is not None:
            self.on_report(report)
        if report.status == "failed":
            raise CycleFailed(f"{tenant} {report.kind} {group}: " + "; ".join(report.errors))

    async def _recover_stalled(self, context: Any, timestamp: int | None = None) -> None:
        """Jobs left ``doing`` by dead workers: back to the queue (or failed if a newer copy
        already waits), so their lock is free again."""
        from procrastinate.exceptions import ProcrastinateException
        from procrastinate.jobs import Status

        manager = self.app.job_manager
        for job in await manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER_SECONDS
        ):
            if job.task_name == RECOVER_TASK:
                continue
            try:
                await manager.retry_job(job)
                _logger.warning("job %s (%s) of a dead worker queued again", job.id, job.lock)
            except ProcrastinateException:
                await manager.finish_job(job, status=Status.FAILED, delete_job=False)
                _logger.warning("job %s (%s) of a dead worker marked failed", job.id, job.lock)

    # ------------------------------------------------------------------ the worker

    def run_worker(
        self,
        *,
        concurrency: int | None = None,
        wait: bool = True,
        name: str | None = None,
        install_signal_handlers: bool = False,
        **options: Any,
    ) -> None:
        """Run a procrastinate worker on the ``svcsync`` queue until ``stop()`` (or, with
        ``wait=False``, until the queue is empty).  With ``install_signal_handlers`` (main thread
        only) SIGTERM / SIGINT call ``stop()``: the running cycles finish their page, the worker
        waits for them and returns."""
        self.stop_event.clear()
        if concurrency is None:
            concurrency = max(1, len(self.tenants) * len(self.groups))
        options = {
            "concurrency": concurrency,
            "wait": wait,
            "name": name or f"svcsync-{cycle.HOLDER}",
            **options,
            "install_signal_handlers": False,
        }
        asyncio.run(self._serve(install_signal_handlers, options))

    async def _serve(self, signals: bool, options: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        async with self.app.open_async():
            worker = asyncio.create_task(self.app.run_worker_async(**options))
            with self._lock:
                self._loop, self._worker_task = loop, worker
            if self.stop_event.is_set():  # stop() came before the task existed
                worker.cancel()
            handled: list[signal.Signals] = []
            if signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, self.stop)
                    handled.append(sig)
            try:
                await asyncio.wait([worker])
            finally:
                for sig in handled:
                    loop.remove_signal_handler(sig)
                with self._lock:
                    self._loop, self._worker_task = None, None
            error = None if worker.cancelled() else worker.exception()
            if error is not None:
                raise error

    def stop(self) -> None:
        """Ask the worker to stop (any thread): the running cycles commit their current page and
        return, then the worker exits.  Jobs not started stay queued for another worker."""
        self.stop_event.set()
        with self._lock:
            loop, worker = self._loop, self._worker_task
        if loop is not None and worker is not None:
            loop.call_soon_threadsafe(worker.cancel)


def run_worker(
    tenants: Sequence[cycle.Tenant],
    state_url: str,
    *,
    groups: Mapping[str, Sequence[str] | None] | None = None,
    concurrency: int | None = None,
    on_report: Callable[[cycle.RunReport], None] | None = None,
) -> None:
    """``svcsync worker``: apply the queue schema if missing, then run a worker (cycles, sweeps
    and the periodic schedule) until SIGTERM / SIGINT.  Start one per machine."""
    dist = Distributed(tenants, state_url, groups=groups, on_report=on_report)
    try:
        dist.store  # noqa: B018 - open and migrate the state store before taking jobs
        dist.ensure_schema()
        dist.run_worker(concurrency=concurrency, install_signal_handlers=True)
    finally:
        dist.close()


def defer_now(
    tenants: Sequence[cycle.Tenant],
    state_url: str,
    *,
    kind: str = "cycle",
    groups: Mapping[str, Sequence[str] | None] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, int | None]:
    """Queue one job per (tenant, group) now (``svcsync worker --defer``); a job already waiting
    is not queued twice (None in the result)."""
    wanted = set(only) if only is not None else None
    chosen = [t for t in tenants if wanted is None or t.name in wanted]
    with Distributed(chosen, state_url, groups=groups, periodic=False) as dist:
        dist.ensure_schema()
        return dist.defer_all(kind=kind)
