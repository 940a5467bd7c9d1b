"""Leases per running job: a cycle and a sweep of one tenant never run the same work twice.

Against odoosim over real HTTP, state on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jobs_fakes import FakeClient, fake_connection, put_companies
from jobs_sim import duplicates, odoo_counts, tenant_for

from connector.client import OdooClient
from jobs.config import ScheduleConfig
from jobs.cycle import RunReport, Tenant, run_cycle, run_sweep
from jobs.state import Store
from odoosim import SimServer


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=60, seed=11) as server:
        yield server


def _together(*calls: Any) -> list[RunReport]:
    """Start the calls at the same instant in threads; their reports in call order."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, fn: Any) -> None:
        barrier.wait()
        try:
            out[i] = fn()
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return out


def test_cycle_and_sweep_started_together_never_duplicate_nor_expire_each_other(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    # The daemon's two jobs of one tenant, in one process, with the default holder.
    sim.faults.update(latency_ms=15)  # widen the window in which both are at work
    tenant = tenant_for(sim, page_size=100)
    cyc, swp = _together(lambda: run_cycle(tenant, store), lambda: run_sweep(tenant, store))
    sim.faults.clear()
    for rep in (cyc, swp):
        assert not any("StaleLeaseError" in e or "stale" in e for e in rep.errors), rep.errors
        assert rep.status == "ok", rep.errors
    assert duplicates(admin) == {"tickets": [], "rfq_lines": [], "activities": []}
    # No stream was pulled by both at once: one of them skipped it, saying so.
    skipped = set(cyc.skipped_streams) | set(swp.skipped_streams)
    assert skipped, "neither run noticed the other"
    both = set(cyc.streams) & set(swp.streams)
    assert not both & skipped
    reasons = {**cyc.skipped_streams, **swp.skipped_streams}.values()
    assert all("another run holds its lease" in why for why in reasons)
    # The data equals one run: a fresh cycle finds nothing to create.
    counts = odoo_counts(admin)
    again = run_cycle(tenant, store)
    assert again.status == "ok", again.errors
    assert again.push.get("created", 0) == 0
    assert odoo_counts(admin) == counts
    assert counts["tickets"] == len(
        [f for f in store.findings("main") if f["rule"] == "orders.late"]
    )


class _SlowPages(FakeClient):
    def stream(self, *a: Any, **kw: Any) -> Iterator[list[dict[str, Any]]]:
        for page in super().stream(*a, **kw):
            time.sleep(0.35)
            yield page


def test_a_pull_longer_than_the_lease_ttl_keeps_its_lease(store: Store) -> None:
    client = _SlowPages()
    put_companies(client, 700)
    tenant = Tenant(
        name="slow",
        connection=fake_connection("slow"),
        rules=lambda _s, _n: [],
        # 1 s (below the config's floor of 10 s) against a 2.5 s pull: each page renews it.
        schedule=ScheduleConfig.model_construct(lease_seconds=1),
        client_factory=lambda _s: client,  # type: ignore[arg-type,return-value]
    )
    rep = run_cycle(tenant, store, streams=["partners"])
    assert rep.status == "ok", rep.errors
    assert rep.streams["partners"]["read"] == 700
    assert store.mirror_counts("slow") == {"res.partner": 700}
