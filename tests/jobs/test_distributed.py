"""jobs/distributed: the cycle and sweep as procrastinate tasks on the PostgreSQL state store.

Real PostgreSQL (the ``pg_url`` fixture: a fresh schema per test, where the procrastinate schema
is applied too) and odoosim over HTTP.  Workers run in threads, each with its own procrastinate
``App`` and connection pool, as separate machines would.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from jobs_sim import admin_client, install_plugin, tenant_for
from pydantic import SecretStr
from sqlalchemy import update

from connector.settings import ConnectionSettings
from jobs import distributed as dj
from jobs.config import ScheduleConfig
from jobs.cycle import RunReport, Tenant, run_cycle
from jobs.state import leases, open_store
from odoosim import SimServer

SEED = 11
ORDERS = 40
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# `svcsync worker` in a child process: jobs.distributed.run_worker (signal handlers, schema,
# periodic schedule) over a slow in-memory Odoo with 3000 partners.
WORKER_CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[2])
    from jobs_fakes import FakeClient
    from pydantic import SecretStr
    from connector.settings import ConnectionSettings
    from jobs.config import ScheduleConfig
    from jobs.cycle import Tenant
    from jobs.distributed import run_worker

    class Slow(FakeClient):
        def stream(self, *a, **kw):
            for page in super().stream(*a, **kw):
                time.sleep(0.3)
                yield page

    client = Slow()
    for i in range(3000):
        client.put("res.partner", {"name": f"P{i}", "display_name": f"P{i}",
                   "commercial_partner_id": [1, "Co"], "is_company": True, "active": True})
        if i % 7 == 0:
            client.tick(1)
    tenant = Tenant(
        name="d",
        connection=ConnectionSettings(url="http://127.0.0.1:8069", database="d", login="bot",
                                      api_key=SecretStr("k"), page_size=100),
        rules=lambda _s, _n: [],
        schedule=ScheduleConfig(pull_interval_seconds=5),
        client_factory=lambda _s: client,
    )
    print("ready", flush=True)
    run_worker([tenant], sys.argv[1])
    print("stopped", flush=True)
    """
)


# --------------------------------------------------------------------------- helpers


def _offline_tenant(name: str, **schedule: Any) -> Tenant:
    """A tenant whose Odoo is never contacted (for tests that only queue jobs)."""
    return Tenant(
        name=name,
        connection=ConnectionSettings(
            url="http://127.0.0.1:9",
            database="none",
            login="bot",
            api_key=SecretStr("x"),
        ),
        rules=lambda _snap, _now: iter(()),
        schedule=ScheduleConfig(**schedule),
    )


def _jobs(pg_url: str) -> list[tuple[str, str, str | None, str | None, str]]:
    """(task, status, lock, queueing_lock, tenant) of every procrastinate job in this schema."""
    with psycopg.connect(dj.conninfo(pg_url)) as conn:
        rows = conn.execute(
            "SELECT task_name, status::text, lock, queueing_lock, args->>'tenant' "
            "FROM procrastinate_jobs ORDER BY id"
        ).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _unfinished(pg_url: str) -> int:
    with psycopg.connect(dj.conninfo(pg_url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        ).fetchone()
    assert row is not None
    return int(row[0])


class WorkerThread:
    """``Distributed.run_worker`` in a thread; an exception there fails the test."""

    def __init__(self, dist: dj.Distributed, name: str, **options: Any) -> None:
        self.dist = dist
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, kwargs={"name": name, **options}, name=name, daemon=True
        )

    def _run(self, **options: Any) -> None:
        try:
            self.dist.run_worker(**options)
        except BaseException as exc:  # reported by join()
            self.error = exc

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def join(self, timeout: float = 60) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"worker {self.thread.name} did not stop"
        if self.error is not None:
            raise self.error


@dataclass
class Span:
    lock: str  # tenant:group
    worker: str
    job: int
    start: float
    end: float


class Recorder:
    """A procrastinate task middleware recording when each job ran, per lock and worker."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._mutex = threading.Lock()

    def __call__(self, call_next: Any, context: Any, worker: Any) -> Any:
        start = time.monotonic()
        try:
            return call_next()
        finally:
            end = time.monotonic()
            with self._mutex:
                args = context.job.task_kwargs
                key = f"{args['tenant']}:{args['group']}"  # not job.lock: what ran, not how
                self.spans.append(Span(key, str(worker.worker_name), context.job.id, start, end))


def _overlaps(spans: list[Span]) -> list[tuple[Span, Span]]:
    out = []
    ordered = sorted(spans, key=lambda s: s.start)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start < a.end:
                out.append((a, b))
    return out


def _sim(seed: int, orders: int = ORDERS) -> SimServer:
    return SimServer(odoo_version="17", dataset="demo", orders=orders, seed=seed)


def _with_plugin(sim: Any) -> Any:
    admin = admin_client(sim)
    install_plugin(admin)
    admin.close()
    return sim


@pytest.fixture
def sim() -> Iterator[Any]:
    with _sim(SEED + 1) as server:
        yield _with_plugin(server)


@pytest.fixture
def three_sims() -> Iterator[tuple[Any, Any, Any]]:
    """Three tenants, each on its own Odoo (one Odoo per tenant, as in production)."""
    with _sim(SEED) as a, _sim(SEED + 1) as b, _sim(SEED + 2) as c:
        yield _with_plugin(a), _with_plugin(b), _with_plugin(c)


# --------------------------------------------------------------------------- no database


def test_conninfo_from_the_sqlalchemy_url() -> None:
    info = dj.conninfo(
        "postgresql+psycopg://svc@db.internal:6432/state?options=-csearch_path%3Dt_1"
        "&sslmode=require"
    )
    parsed = psycopg.conninfo.conninfo_to_dict(info)
    assert parsed == {
        "host": "db.internal",
        "port": "6432",
        "user": "svc",
        "dbname": "state",
        "options": "-csearch_path=t_1",
        "sslmode": "require",
    }
    # A password given by environment URL is kept, quoted for libpq.
    parsed = psycopg.conninfo.conninfo_to_dict(dj.conninfo("postgresql://u:p%20w@h/db"))
    assert parsed["password"] == "p w"
    with pytest.raises(dj.DistributedError, match="PostgreSQL state store"):
        dj.conninfo("sqlite:///state.db")


def test_interval_to_cron() -> None:
    assert dj.cron_for(5) == ("* * * * * */5", 5)
    assert dj.cron_for(300) == ("*/5 * * * * 0", 300)  # the default pull interval
    assert dj.cron_for(24 * 3600) == ("0 0 * * * 0", 86400)  # the default sweep
    assert dj.cron_for(7200) == ("0 */2 * * * 0", 7200)
    # Not a cron step: rounded down (never less often than configured).
    assert dj.cron_for(420) == ("*/6 * * * * 0", 360)
    assert dj.cron_for(7) == ("* * * * * */6", 6)
    assert dj.cron_for(3 * 86400) == ("0 0 * * * 0", 86400)


def test_periodic_tasks_and_locks_follow_the_config() -> None:
    tenants = [
        _offline_tenant("main", pull_interval_seconds=60, sweep_interval_hours=6),
        _offline_tenant("b"),
    ]
    dist = dj.Distributed(
        tenants,
        "postgresql+psycopg://postgres@127.0.0.1/test",
        groups={"master": ["partners", "products"], "sales": ["orders", "order_lines"]},
    )
    got = {
        (task, pid): (
            p.cron,
            p.configure_kwargs.get("lock"),
            p.configure_kwargs.get("queueing_lock"),
        )
        for (task, pid), p in dist.app.periodic_registry.periodic_tasks.items()
    }
    assert got[(dj.CYCLE_TASK, "main:master")] == ("*/1 * * * * 0", "main:master", "main:master")
    assert got[(dj.SWEEP_TASK, "main:sales")] == (
        "0 */6 * * * 0",
        "main:sales",
        "main:sales:sweep",
    )
    assert got[(dj.CYCLE_TASK, "b:sales")] == ("*/5 * * * * 0", "b:sales", "b:sales")
    assert got[(dj.RECOVER_TASK, "")][0] == dj.RECOVER_CRON
    assert len(got) == 2 * 2 * 2 + 1
    with pytest.raises(dj.DistributedError, match="unknown stream"):
        dj.Distributed(tenants, "postgresql://h/db", groups={"x": ["nope"]})
    with pytest.raises(dj.DistributedError, match="unique"):
        dj.Distributed([tenants[0], tenants[0]], "postgresql://h/db")


# --------------------------------------------------------------------------- PostgreSQL


def test_deferring_the_same_job_twice_queues_one(pg_url: str) -> None:
    dist = dj.Distributed([_offline_tenant("main"), _offline_tenant("b")], pg_url, periodic=False)
    with dist:
        assert dist.ensure_schema() is True
        assert dist.ensure_schema() is False  # idempotent: a second worker starting
        first = dist.defer("main")
        assert first is not None
        assert dist.defer("main") is None  # already waiting: not queued twice
        assert dist.defer("b") is not None  # another tenant: its own job
        sweep = dist.defer("main", kind="sweep")
        assert sweep is not None  # a waiting cycle does not swallow the sweep...
        assert dist.defer("main", kind="sweep") is None  # ...but one sweep waits at most
        with pytest.raises(dj.DistributedError, match="no tenant"):
            dist.defer("ghost")
    assert _jobs(pg_url) == [
        (dj.CYCLE_TASK, "todo", "main:all", "main:all", "main"),
        (dj.CYCLE_TASK, "todo", "b:all", "b:all", "b"),
        (dj.SWEEP_TASK, "todo", "main:all", "main:all:sweep", "main"),
    ]


def test_jobs_of_a_dead_worker_are_recovered(pg_url: str) -> None:
    """A job left ``doing`` by a worker without heartbeat would hold its lock forever."""
    dist = dj.Distributed([_offline_tenant("main"), _offline_tenant("b")], pg_url, periodic=False)
    with dist:
        dist.ensure_schema()
        stuck_main = dist.defer("main")
        stuck_b = dist.defer("b")
        with psycopg.connect(dist.conninfo, autocommit=True) as conn:
            row = conn.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '1 hour') RETURNING id"
            ).fetchone()
            assert row is not None
            conn.execute(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = ANY(%s)",
                (row[0], [stuck_main, stuck_b]),
            )
        newer = dist.defer("main")  # a newer cycle of "main" already waits
        assert newer is not None
    dist.close()

    async def recover() -> None:
        async with dist.app.open_async():
            await dist._recover_stalled(None)

    asyncio.run(recover())
    by_id = {}
    with psycopg.connect(dist.conninfo) as conn:
        for job_id, status in conn.execute("SELECT id, status::text FROM procrastinate_jobs"):
            by_id[job_id] = status
    assert by_id == {stuck_main: "failed", stuck_b: "todo", newer: "todo"}


def test_two_workers_never_run_one_tenant_at_once_and_match_one_machine(
    pg_url: str, three_sims: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    names = ("main", "other", "third")
    tenants = [tenant_for(s, n) for s, n in zip(three_sims, names, strict=True)]
    reports: list[RunReport] = []
    mutex = threading.Lock()

    def keep(report: RunReport) -> None:
        with mutex:
            reports.append(report)

    recorder = Recorder()
    machines = [dj.Distributed(tenants, pg_url, periodic=False, on_report=keep) for _ in "ab"]
    deferrer = dj.Distributed(tenants, pg_url, periodic=False)
    workers: list[WorkerThread] = []
    try:
        deferrer.ensure_schema()
        workers = [
            WorkerThread(
                m,
                f"w{i}",
                # Spare slots: without the lock a waiting copy of a running job would start.
                concurrency=2,
                fetch_job_polling_interval=0.2,
                task_middleware=[recorder],
            ).start()
            for i, m in enumerate(machines)
        ]
        # Keep both (tenant) jobs queued while they run: a waiting copy is allowed next to a
        # running one, so without the lock a free worker would start it at once.
        queued = 0
        until = time.monotonic() + 8
        while time.monotonic() < until:
            queued += sum(deferrer.defer(t) is not None for t in names)
            time.sleep(0.05)
        deadline = time.monotonic() + 60
        while _unfinished(pg_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _unfinished(pg_url) == 0, "the queue did not drain"
    finally:
        for m in machines:
            m.stop()
        for w in workers:
            w.join()
        for d in (*machines, deferrer):
            d.close()

    spans = recorder.spans
    assert len(spans) == queued
    for lock in (f"{n}:all" for n in names):
        mine = [s for s in spans if s.lock == lock]
        assert len(mine) >= 2, f"{lock} ran {len(mine)} time(s)"
        assert _overlaps(mine) == [], f"{lock} ran twice at once"
    # Not vacuous: runs overlapped (on different tenants) and both machines took jobs (three
    # tenants can run at once, a worker has two slots).
    assert {s.worker for s in spans} == {"w0", "w1"}
    assert _overlaps(spans), "the workers never ran in parallel"
    assert reports and all(r.status == "ok" for r in reports), [r.errors for r in reports]
    # Every job succeeded (procrastinate deletes successful jobs: nothing is left).
    assert _jobs(pg_url) == []

    # The same Odoo data synced by one machine gives the same mirror and findings.
    with _sim(SEED) as ref_sim:
        _with_plugin(ref_sim)
        ref = open_store(f"sqlite:///{tmp_path / 'one-machine.db'}")
        try:
            for _ in range(2):
                assert run_cycle(tenant_for(ref_sim, "main"), ref).status == "ok"
            expected = (ref.mirror_counts("main"), len(ref.findings("main")))
        finally:
            ref.close()
    store = open_store(pg_url)
    try:
        got = (store.mirror_counts("main"), len(store.findings("main")))
        runs = store.runs("main", limit=1000)
    finally:
        store.close()
    assert expected[1] > 0
    assert got == expected
    assert len(runs) == len([s for s in spans if s.lock == "main:all"])


@pytest.fixture
def big_sim() -> Iterator[Any]:
    """Enough stock moves for two pages of 100 (the smallest page size)."""
    with _sim(SEED, orders=90) as server:
        yield _with_plugin(server)


def test_a_worker_whose_lease_went_stale_has_its_commit_refused(pg_url: str, big_sim: Any) -> None:
    paused, resume = threading.Event(), threading.Event()

    def after_page(stream: str, page: int) -> None:
        if stream == "moves" and page == 1:
            paused.set()
            assert resume.wait(30)

    reports: list[RunReport] = []
    tenant = tenant_for(big_sim, "main", page_size=100)
    dist = dj.Distributed(
        [tenant],
        pg_url,
        periodic=False,
        on_report=reports.append,
        cycle_options={"after_page": after_page},
    )
    store = open_store(pg_url)
    worker: WorkerThread | None = None
    try:
        dist.ensure_schema()
        job_id = dist.defer("main")
        worker = WorkerThread(dist, "slow", wait=False).start()
        assert paused.wait(30), "the job never reached the first page of stock moves"
        # The worker stalls; meanwhile its lease expires and another runner takes it.
        with store.engine.begin() as conn:
            (holder, epoch) = conn.execute(
                leases.select()
                .with_only_columns(leases.c.holder, leases.c.epoch)
                .where(leases.c.name == "main:moves")
            ).one()
            conn.execute(update(leases).where(leases.c.name == "main:moves").values(expires_at=0.0))
        assert holder.endswith(f":job{job_id}")
        intruder = store.acquire_lease("main:moves", "elsewhere:1:other", 600)
        assert intruder is not None and intruder.epoch == epoch + 1
        cursor_before = store.get_cursor("main", "moves")
        mirrored_before = store.mirror_counts("main").get("stock.move", 0)
        resume.set()
        worker.join()
    finally:
        resume.set()
        dist.close()
    try:
        (report,) = reports
        assert report.status == "partial"
        stale = [e for e in report.errors if e.startswith("moves: StaleLeaseError")]
        assert stale and "is stale" in stale[0], report.errors
        assert "moves" not in report.streams
        assert "pickings" in report.streams and "repairs" in report.streams  # the others went on
        # Nothing the stale worker tried after losing the lease was committed.
        assert store.get_cursor("main", "moves") == cursor_before
        assert store.mirror_counts("main").get("stock.move", 0) == mirrored_before == 100
        # The runner that holds the lease now is untouched.
        assert store.renew_lease(intruder, 600).epoch == intruder.epoch
    finally:
        store.close()


def test_periodic_schedule_runs_cycles_without_deferring(pg_url: str, sim: Any) -> None:
    reports: list[RunReport] = []
    got_one = threading.Event()

    def keep(report: RunReport) -> None:
        reports.append(report)
        got_one.set()

    tenant = tenant_for(sim, "other", schedule=ScheduleConfig(pull_interval_seconds=5))
    dist = dj.Distributed([tenant], pg_url, on_report=keep)
    worker = None
    try:
        dist.ensure_schema()
        worker = WorkerThread(dist, "ticker", fetch_job_polling_interval=0.2).start()
        assert got_one.wait(30), "no periodic cycle ran"
    finally:
        dist.stop()
        if worker is not None:
            worker.join()
        dist.close()
    assert reports[0].kind == "cycle" and reports[0].status == "ok", reports[0].errors


def test_sigterm_stops_the_worker_after_the_current_page(pg_url: str) -> None:
    """The worker process runs the periodic cycle by itself; SIGTERM commits the running page,
    ends the run ``interrupted`` and exits 0, leaving no job ``doing`` (no lock held)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_CHILD, pg_url, str(HERE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )
    store = None
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if store is None:
                try:
                    store = open_store(pg_url, migrate=False)
                    store.version()
                except Exception:  # the child has not created the tables yet
                    if store is not None:
                        store.close()
                    store = None
            if store is not None and store.mirror_counts("d"):
                break
            time.sleep(0.2)
        assert store is not None and store.mirror_counts("d"), "no page was committed"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    try:
        assert proc.returncode == 0, err[-3000:]
        assert "stopped" in out
        (run,) = store.runs("d")
        assert run.status == "interrupted"
        committed = store.mirror_counts("d")["res.partner"]
        assert 0 < committed < 3000 and committed % 100 == 0
    finally:
        store.close()
    assert [j for j in _jobs(pg_url) if j[1] == "doing"] == []
