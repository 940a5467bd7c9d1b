"""SIGTERM ends the daemon after the current page; two runners never pull one stream at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobs_fakes import FakeClient, fake_connection, put_companies
from pydantic import SecretStr

from connector.settings import ConnectionSettings
from jobs import cursor
from jobs.cycle import Tenant, run_cycle
from jobs.state import Store, open_store

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_commits_the_current_page_and_exits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("daemon_child.py")), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        store = open_store(url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not store.mirror_counts("d"):
            time.sleep(0.1)  # wait until at least one page is committed
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "stopped" in out
    (run,) = store.runs("d")
    assert run.status == "interrupted"
    state = cursor.load(store.get_cursor("d", "partners"))
    committed = store.mirror_counts("d")["res.partner"]
    assert 0 < committed < 3000 and committed % 100 == 0
    assert state["position"] is not None  # resumes after the last committed page
    store.close()


class Watched(FakeClient):
    """Records how many pulls of each model run at the same moment."""

    active: dict[str, int]
    overlap: list[str]
    lock = threading.Lock()

    def stream(self, model: str, *a: Any, **kw: Any) -> Iterator[list[dict[str, Any]]]:
        with self.lock:
            self.active[model] = self.active.get(model, 0) + 1
            if self.active[model] > 1:
                self.overlap.append(model)
        try:
            for page in super().stream(model, *a, **kw):
                time.sleep(0.05)
                yield page
        finally:
            with self.lock:
                self.active[model] -= 1


def test_two_runners_on_one_store_never_pull_the_same_stream_at_once(
    store: Store, store_url: str
) -> None:
    watched = Watched()
    watched.active, watched.overlap = {}, []
    put_companies(watched, 300)
    tenant = Tenant(
        name="t",
        connection=fake_connection("t"),
        rules=lambda _s, _n: [],
        client_factory=lambda _s: watched,  # type: ignore[arg-type,return-value]
    )
    second = open_store(store_url)  # another "daemon": its own engine on the same store
    reports: list[Any] = []
    threads = [
        threading.Thread(target=lambda s=s, h=h: reports.append(run_cycle(tenant, s, holder=h)))
        for s, h in ((store, "daemon-a"), (second, "daemon-b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    second.close()
    assert watched.overlap == []
    assert all(r.status == "ok" for r in reports), [r.errors for r in reports]
    assert store.mirror_counts("t") == {"res.partner": 300}
    assert any("partners" in r.streams for r in reports)


def test_a_due_sweep_runs_inside_the_next_cycle(store: Store) -> None:
    from jobs.config import ScheduleConfig

    client = FakeClient()
    ids = [
        client.put(
            "res.partner",
            {
                "name": f"P{i}",
                "display_name": f"P{i}",
                "commercial_partner_id": [1, "Co"],
                "is_company": True,
                "active": True,
            },
        )
        for i in range(3)
    ]
    tenant = Tenant(
        name="w",
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069", database="w", login="bot", api_key=SecretStr("k")
        ),
        rules=lambda _s, _n: [],
        schedule=ScheduleConfig(sweep_interval_hours=0.0002),  # 0.72 s
        client_factory=lambda _s: client,  # type: ignore[arg-type,return-value]
    )
    first = run_cycle(tenant, store, streams=["partners"])
    assert first.streams["partners"].get("deleted") is None  # clock starts at the first pull
    client.drop("res.partner", ids[0])
    time.sleep(0.8)
    second = run_cycle(tenant, store, streams=["partners"])
    assert second.streams["partners"]["deleted"] == 1


def test_a_failing_rule_is_recorded_as_a_failed_run_and_raised(store: Store) -> None:
    import pytest

    def broken(_snap: Any, _now: Any) -> list[Any]:
        raise ZeroDivisionError("division by zero in a rule")

    tenant = Tenant(
        name="b",
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069", database="b", login="bot", api_key=SecretStr("k")
        ),
        rules=broken,
        client_factory=lambda _s: FakeClient(),  # type: ignore[arg-type,return-value]
    )
    with pytest.raises(ZeroDivisionError):
        run_cycle(tenant, store)
    (run,) = store.runs("b")
    assert run.status == "failed" and "ZeroDivisionError" in run.errors[0]
