"""Issue 5 acceptance: two daemons on one PostgreSQL state store never run one stream at once.

Two real processes run ``jobs.scheduler.run_daemon`` (the ``svcsync daemon`` loop) against one
odoosim over HTTP and one PostgreSQL store, with short intervals.  Every run records in the runs
table when it held each lease (``counts["held"]``); no two runs' intervals of one (tenant, stream)
— or of the tenant's analysis or push — overlap, both processes did work, one skipped what the
other held, and Odoo ends up exactly as after one run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jobs_sim import (
    duplicates,
    mirror_matches,
    odoo_counts,
    tenant_for,
)

from connector.client import OdooClient
from jobs.cycle import run_cycle
from jobs.state import open_store
from odoosim import SimServer

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("daemon_sim_child.py")


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=60, seed=11) as server:
        yield server


class Daemon:
    def __init__(self, pg_url: str, sim: Any) -> None:
        argv = [sys.executable, str(CHILD), pg_url, sim.url, sim.database]
        self.proc = subprocess.Popen(
            [*argv, sim.bot_login, sim.bot_api_key],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(ROOT),
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                self.ready.set()
            self.lines.append(line.strip())

    @property
    def reports(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in list(self.lines) if x.startswith("{")]

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return int(self.proc.returncode), err


def _overlaps(intervals: list[tuple[float, float, int]]) -> list[str]:
    """Pairs of runs whose intervals overlap (sorted by start, against the latest end so far)."""
    out = []
    latest: tuple[float, int] | None = None
    for t0, t1, run in sorted(intervals):
        if latest is not None and t0 < latest[0]:
            out.append(f"run {run} started at {t0} before run {latest[1]} ended at {latest[0]}")
        if latest is None or t1 > latest[0]:
            latest = (t1, run)
    return out


def test_two_daemon_processes_on_one_postgres_store(
    sim: Any, admin: OdooClient, pg_url: str
) -> None:
    sim.faults.update(latency_ms=8)  # a cycle takes a few seconds: the daemons keep meeting
    daemons = [Daemon(pg_url, sim), Daemon(pg_url, sim)]
    try:
        for d in daemons:
            assert d.ready.wait(60), d.lines
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            reports = [r for d in daemons for r in d.reports]
            worked = [any(r["streams"] for r in d.reports) for d in daemons]
            skipped = [r for r in reports if r["skipped"]]
            if all(worked) and skipped and len(reports) >= 6:
                break
            time.sleep(0.5)
    finally:
        results = [d.stop() for d in daemons]
        sim.faults.clear()
    for code, err in results:
        assert code == 0, err[-3000:]
    for d in daemons:
        assert "stopped" in d.lines, d.lines[-5:]

    by_pid = {d.proc.pid: d.reports for d in daemons}
    # Both processes did work, and one of them skipped a stream the other held.
    for pid, reports in by_pid.items():
        assert any(r["streams"] for r in reports), (pid, reports)
    reports = [r for rs in by_pid.values() for r in rs]
    assert any(r["skipped"] for r in reports), reports
    for r in reports:
        assert r["status"] in ("ok", "interrupted"), r
        assert not any("Stale" in e or "stale" in e for e in r["errors"]), r

    # The runs table: per (tenant, stream) — and the tenant's analysis and push — no overlap.
    store = open_store(pg_url)
    try:
        runs = store.runs("main", limit=10_000)
        assert {r.id for r in runs} >= {r["run_id"] for r in reports}
        held: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        for run in runs:
            for what, (t0, t1) in (run.counts.get("held") or {}).items():
                held[what].append((float(t0), float(t1), run.id))
        assert len(held) > 5 and any(len(v) > 1 for v in held.values())
        for what, intervals in held.items():
            assert _overlaps(intervals) == [], what
        # Streams were pulled by the two processes (not all by one).
        streams_by = [{s for r in rs for s in r["streams"]} for rs in by_pid.values()]
        assert all(streams_by)

        # Odoo holds what one run makes: nothing twice, and a last cycle finds nothing to do.
        assert duplicates(admin) == {"tickets": [], "rfq_lines": [], "activities": []}
        counts = odoo_counts(admin)
        last = run_cycle(tenant_for(sim), store)
        assert last.status == "ok", last.errors
        assert last.push.get("created", 0) == 0
        assert odoo_counts(admin) == counts
        late = [f for f in store.findings("main") if f["rule"] == "orders.late"]
        assert counts["tickets"] == len(late) > 0
        assert mirror_matches(store, "main", admin, "17") == []
    finally:
        store.close()
