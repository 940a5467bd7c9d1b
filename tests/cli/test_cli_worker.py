"""``svcsync worker`` (scale-out on the PostgreSQL state store) driven as a user would."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from helpers import KEY_VAR, run_cli, start_logged, wait_for_runs, write_config

from odoosim import SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="17", dataset="demo", orders=60, seed=3) as server:
        yield server


def _env(sim: SimServer) -> dict[str, str]:
    assert sim.bot_api_key
    return {KEY_VAR: sim.bot_api_key}


def _pg_config(path: Path, sim: SimServer, pg_url: str) -> Path:
    doc: dict[str, Any] = {
        "erp": [
            {
                "name": "main",
                "url": sim.url,
                "database": sim.database,
                "login": sim.bot_login,
                "api_key_env": KEY_VAR,
            }
        ],
        "state": {"url": pg_url},
        "schedule": {"pull_interval_seconds": 60, "analyze_interval_seconds": 60},
    }
    path.write_text(tomli_w.dumps(doc))
    return path


def test_worker_refuses_a_sqlite_state_store(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "state.db")
    done = run_cli("worker", "--config", str(cfg), env=_env(sim))
    assert done.returncode == 2, done.stderr
    assert "PostgreSQL" in done.stderr and "Traceback" not in done.stderr


def test_worker_flags_that_need_defer_are_usage_errors(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "state.db")
    done = run_cli("worker", "--sweep", "--config", str(cfg), env=_env(sim))
    assert done.returncode == 2 and "--defer" in done.stderr


def test_defer_queues_one_job_then_a_worker_runs_it_and_stops_on_sigterm(
    sim: SimServer, tmp_path: Path, pg_url: str
) -> None:
    cfg = _pg_config(tmp_path / "worker.toml", sim, pg_url)
    first = run_cli("worker", "--defer", "--json", "--config", str(cfg), env=_env(sim))
    assert first.returncode == 0, first.stderr
    queued = json.loads(first.stdout)["queued"]
    assert list(queued) == ["main:all"] and isinstance(queued["main:all"], int)
    again = run_cli("worker", "--defer", "--config", str(cfg), env=_env(sim))
    assert again.returncode == 0, again.stderr
    assert "main:all: already queued" in again.stdout  # the queueing lock: never two waiting

    log_path = tmp_path / "worker.log"
    proc = start_logged(
        ["worker", "--config", str(cfg), "--log-format", "json"], _env(sim), log_path
    )
    try:
        wait_for_runs(proc, cfg, _env(sim), log_path, runs=1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        assert proc.returncode == 0, log_path.read_text()[-3000:]
        assert "Traceback" not in log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    found = run_cli("findings", "--open", "--json", "--config", str(cfg), env=_env(sim))
    assert found.returncode == 0, found.stderr
    rules = {f["rule"] for f in json.loads(found.stdout)["findings"]}
    assert len(rules) >= 5, f"a worker cycle on the demo company found too little: {rules}"
