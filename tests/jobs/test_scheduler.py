"""Scheduler wiring and tenant isolation, with the gateway fake."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobs_fakes import FakeClient, put_companies
from pydantic import SecretStr

from connector.settings import ConnectionSettings
from jobs import cycle
from jobs.config import ScheduleConfig
from jobs.scheduler import build_scheduler
from jobs.state import open_store


def tenant(name: str, client: FakeClient) -> cycle.Tenant:
    return cycle.Tenant(
        name=name,
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069", database=name, login="bot", api_key=SecretStr("k")
        ),
        rules=lambda _snap, _now: [],
        schedule=ScheduleConfig(pull_interval_seconds=5, misfire_grace_seconds=30),
        client_factory=lambda _settings: client,  # type: ignore[arg-type,return-value]
    )


def test_jobs_are_single_instance_coalesced_with_grace(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    sched = build_scheduler([tenant("a", FakeClient()), tenant("b", FakeClient())], store)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"a:cycle", "a:sweep", "b:cycle", "b:sweep"}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time == 30
    assert jobs["a:sweep"].trigger.interval.total_seconds() == 24 * 3600
    store.close()


def test_a_slow_tenant_does_not_stall_the_others(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    slow, fast = FakeClient(connect_delay=3.0), FakeClient()
    done: dict[str, float] = {}
    got = threading.Event()
    t0 = time.monotonic()

    def on_report(rep: cycle.RunReport) -> None:
        done.setdefault(rep.tenant, time.monotonic() - t0)
        if rep.tenant == "fast":
            got.set()

    cycle.STOP.clear()
    sched = build_scheduler(
        [tenant("slow", slow), tenant("fast", fast)], store, on_report=on_report
    )
    runner = threading.Thread(target=sched.start, daemon=True)
    runner.start()
    try:
        assert got.wait(10), "the fast tenant never ran"
        assert "slow" not in done  # still connecting while the fast one finished
        assert done["fast"] < 3.0
    finally:
        cycle.STOP.set()
        sched.shutdown(wait=True)
        cycle.STOP.clear()
        runner.join(10)
    runs = {r.tenant: r.status for r in store.runs()}
    assert runs["fast"] == "ok"
    store.close()


def test_a_hung_odoo_does_not_stall_another_tenant(tmp_path: Path) -> None:
    from jobs_sim import tenant_for

    from connector.settings import RetrySettings
    from odoosim import SimServer

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    retry = RetrySettings(attempts=1, base=0.1, cap=0.1, total=5.0)
    with (
        SimServer(odoo_version="17", dataset="demo", orders=30, seed=1) as sick,
        SimServer(odoo_version="17", dataset="demo", orders=30, seed=2) as well,
    ):
        sick.faults.update(hang_seconds=30, hang_rate=1.0, methods=["search_read"])
        tenants = [
            tenant_for(
                sick,
                name="sick",
                rules=lambda _s, _n: [],
                conn={"read_timeout": 2.0, "retry": retry},
            ),
            tenant_for(well, name="well", rules=lambda _s, _n: []),
        ]
        done: dict[str, cycle.RunReport] = {}
        at: dict[str, float] = {}
        both = threading.Event()

        def on_report(rep: cycle.RunReport) -> None:
            done.setdefault(rep.tenant, rep)
            at.setdefault(rep.tenant, time.monotonic())
            if len(done) == 2:
                both.set()

        cycle.STOP.clear()
        sched = build_scheduler(tenants, store, on_report=on_report)
        runner = threading.Thread(target=sched.start, daemon=True)
        t0 = time.monotonic()
        runner.start()
        try:
            assert both.wait(60)
        finally:
            cycle.STOP.set()
            sick.faults.clear()
            sched.shutdown(wait=True)
            cycle.STOP.clear()
            runner.join(10)
        assert done["well"].status == "ok"
        assert done["sick"].status == "failed"
        assert at["well"] < at["sick"]  # served while the other tenant's call was hanging
        assert time.monotonic() - t0 < 60
    store.close()


class _Counting(FakeClient):
    """Records the most pulls running at one moment, over every model."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0

    def stream(self, *a: Any, **kw: Any) -> Iterator[list[dict[str, Any]]]:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            for page in super().stream(*a, **kw):
                time.sleep(0.05)
                yield page
        finally:
            with self.lock:
                self.active -= 1


def test_a_tenants_cycle_and_sweep_due_together_take_turns(tmp_path: Path) -> None:
    # Both jobs fire in the same second (as the defaults make them do once a day): the second
    # waits for the first instead of racing it, and neither skips a stream.
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    client = _Counting()
    put_companies(client, 300)
    t = tenant("t", client)
    t.schedule = ScheduleConfig(
        pull_interval_seconds=3600, sweep_interval_hours=1 / 3600, misfire_grace_seconds=30
    )
    t.connection = t.connection.model_copy(update={"page_size": 100})
    reports: list[cycle.RunReport] = []
    both = threading.Event()

    def on_report(rep: cycle.RunReport) -> None:
        reports.append(rep)
        if {r.kind for r in reports} >= {"cycle", "sweep"}:
            both.set()

    cycle.STOP.clear()
    sched = build_scheduler([t], store, on_report=on_report)
    runner = threading.Thread(target=sched.start, daemon=True)
    runner.start()
    try:
        assert both.wait(30), [r.kind for r in reports]
    finally:
        cycle.STOP.set()
        sched.shutdown(wait=True)
        cycle.STOP.clear()
        runner.join(10)
    assert client.most == 1
    for rep in reports:
        assert rep.status in ("ok", "interrupted"), rep.errors
        assert rep.skipped_streams == {}
        assert not any("another run" in n for n in rep.notes), rep.notes
    store.close()
