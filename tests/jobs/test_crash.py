"""Crash safety: a sync subprocess SIGKILLed at seeded points, then restarted.

After the restart: the mirror equals odoosim's data, no ticket / RFQ line / activity exists
twice, and no cursor is ahead of the stored data.  A few seeds run by default; ``-m slow`` runs
all 24.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jobs_sim import admin_client, duplicates, install_plugin, mirror_matches, tenant_for

from connector.client import OdooClient
from jobs import cursor as cur
from jobs.cycle import run_cycle
from jobs.state import Store, open_store
from jobs.streams import STREAMS
from odoosim import SimServer

CHILD = Path(__file__).with_name("crash_child.py")
ALL_SEEDS = list(range(24))
FAST_SEEDS = [0, 7, 13]


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=40, seed=5) as server:
        admin = admin_client(server)
        install_plugin(admin)
        admin.close()
        yield server


def _child(sim: Any, store_url: str, kill_at: int) -> subprocess.CompletedProcess[str]:
    args = {
        "url": sim.url,
        "database": sim.database,
        "login": sim.bot_login,
        "key": sim.bot_api_key,
        "store": store_url,
        "kill_at": kill_at,
        "page_size": 100,
    }
    return subprocess.run(
        [sys.executable, str(CHILD), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=str(Path(__file__).resolve().parents[2]),
    )


def _no_cursor_ahead(store: Store, admin: OdooClient) -> list[str]:
    """Every Odoo row at or before a stream's committed position is in the mirror."""
    problems = []
    for s in STREAMS:
        state = store.get_cursor("crash", s.name)
        if state is None or not admin.capabilities.has_model(s.model):
            continue
        key = cur.after_key(cur.load(state))
        if key is None:
            continue
        rows = admin.search_read(
            s.model,
            [*s.domain, ("write_date", "<=", key[0])],
            ["id", "write_date"],
            context={"active_test": False},
        )
        index = store.mirror_index("crash", s.model)
        quarantined = {q["id"] for q in store.quarantined("crash") if q["model"] == s.model}
        behind = [
            r["id"]
            for r in rows
            if (r["write_date"], r["id"]) <= key
            and r["id"] not in index
            and r["id"] not in quarantined
        ]
        if behind:
            problems.append(f"{s.name}: cursor {key} ahead of missing ids {behind[:5]}")
    return problems


def _run_seed(sim: Any, tmp_path: Path, seed: int, store_url: str | None = None) -> None:
    store_url = store_url or f"sqlite:///{tmp_path / f'crash-{seed}.db'}"
    rng = random.Random(seed)
    # Count the events of an uninterrupted run once per module (cached on the sim object).
    if not hasattr(sim, "_crash_events"):
        probe = _child(sim, f"sqlite:///{tmp_path / 'probe.db'}", 0)
        assert probe.returncode == 0, probe.stderr[-2000:]
        sim._crash_events = json.loads(probe.stdout.strip().splitlines()[-1])["events"]
    kill_at = rng.randint(1, max(1, int(sim._crash_events)))
    killed = _child(sim, store_url, kill_at)
    assert killed.returncode == -9, (kill_at, killed.returncode, killed.stderr[-2000:])
    again = _child(sim, store_url, 0)
    assert again.returncode == 0, again.stderr[-2000:]
    store = open_store(store_url)
    admin = admin_client(sim)
    try:
        # The restarted run's push wrote flags after its pull; one more pull brings them in,
        # then the mirror must equal Odoo exactly.
        settle = run_cycle(tenant_for(sim, name="crash"), store, analyze=False)
        assert settle.status == "ok", settle.errors
        assert mirror_matches(store, "crash", admin, "17") == []
        assert _no_cursor_ahead(store, admin) == []
        assert duplicates(admin) == {"tickets": [], "rfq_lines": [], "activities": []}
        assert store.pending("crash") == [], again.stdout[-3000:]
    finally:
        admin.close()
        store.close()


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_sigkill_at_a_seeded_point_loses_and_duplicates_nothing(
    sim: Any, tmp_path: Path, seed: int
) -> None:
    _run_seed(sim, tmp_path, seed)


def test_sigkill_with_state_on_postgresql(sim: Any, tmp_path: Path, pg_url: str) -> None:
    _run_seed(sim, tmp_path, 3, pg_url)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [s for s in ALL_SEEDS if s not in FAST_SEEDS])
def test_sigkill_all_seeds(sim: Any, tmp_path: Path, seed: int) -> None:
    _run_seed(sim, tmp_path, seed)
