"""The sync commands as a user runs them (subprocesses) against odoosim over real HTTP.

One simulated demo company per module; the tests run in file order like an admin would:
install the plugin, dry-run, run, run again, look at status and findings, run the daemon.
"""

from __future__ import annotations

import json
import signal
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from helpers import (
    KEY_VAR,
    admin_client,
    run_cli,
    sim_env,
    start_logged,
    wait_for_runs,
    write_config,
)

from connector import OdooClient
from odoosim import SimServer

WRITE_MODELS = (
    "helpdesk.ticket",
    "project.task",
    "purchase.order",
    "purchase.order.line",
    "mail.activity",
    "mail.message",
)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="17", dataset="demo", orders=120, seed=11) as server:
        yield server


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("svcsync-run")


@pytest.fixture(scope="module")
def config(sim: SimServer, workdir: Path) -> Path:
    return write_config(workdir / "svcsync.toml", sim, workdir / "state.db")


@pytest.fixture(scope="module")
def admin(sim: SimServer) -> Iterator[OdooClient]:
    with admin_client(sim) as client:
        yield client


def _odoo_counts(client: OdooClient) -> dict[str, int]:
    counts = {}
    for model in WRITE_MODELS:
        try:
            counts[model] = client.search_count(model, [])
        except Exception:  # an app this profile lacks
            counts[model] = -1
    counts["ir.model.data/svcsync"] = client.search_count(
        "ir.model.data", [("module", "=", "svcsync")]
    )
    for model in ("res.partner", "sale.order", "account.move"):
        counts[f"{model}/flagged"] = client.search_count(
            model, [("x_svc_flag", "in", ["amber", "red"])]
        )
    return counts


def test_erp_install(sim: SimServer, config: Path) -> None:
    proc = run_cli("erp", "install", "--login", "admin", "--config", str(config), env=sim_env(sim))
    assert proc.returncode == 0, proc.stderr
    assert "plugin installed" in proc.stdout


def _last_writes(client: OdooClient) -> dict[str, tuple[str, int] | None]:
    """The newest (write_date, id) per model svcsync writes into: any write moves it."""
    out: dict[str, tuple[str, int] | None] = {}
    for model in (*WRITE_MODELS, "res.partner", "sale.order", "account.move", "ir.model.data"):
        try:
            rows = client.search_read(
                model, [], ["write_date"], order="write_date desc, id desc", limit=1
            )
        except Exception:  # an app this profile lacks
            rows = []
        out[model] = (rows[0]["write_date"], rows[0]["id"]) if rows else None
    return out


def test_dry_run_writes_nothing(sim: SimServer, config: Path, admin: OdooClient) -> None:
    before, writes_before = _odoo_counts(admin), _last_writes(admin)
    sim.stats.reset()
    proc = run_cli(
        "run", "--once", "--dry-run", "--config", str(config), "--json", env=sim_env(sim)
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["dry_run"] is True
    assert sum(len(t["plan"]) for t in plan["tenants"]) > 0, plan
    # Checked over RPC: nothing created, nothing changed, and no writing method was even called.
    assert _odoo_counts(admin) == before
    assert _last_writes(admin) == writes_before
    for method in ("create", "write", "unlink", "message_post", "action_feedback"):
        assert sim.stats.count(method=method) == 0, method


def _planned_rules(config: Path, env: dict[str, str]) -> dict[str, int]:
    """Rule -> number of planned actions of a ``run --once --dry-run`` (nothing is written)."""
    proc = run_cli("run", "--once", "--dry-run", "--config", str(config), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    counts: dict[str, int] = {}
    for tenant in json.loads(proc.stdout)["tenants"]:
        for action in tenant["plan"]:
            rule = str(action["key"]).split(":")[1]
            counts[rule] = counts.get(rule, 0) + 1
    return counts


def test_thresholds_in_the_toml_reach_the_rules(sim: SimServer, workdir: Path) -> None:
    """TOML (and its SVCSYNC_RULES__ override) -> settings -> service.rules.build -> findings."""
    default = write_config(workdir / "rules-default.toml", sim, workdir / "rules-default.db")
    base = _planned_rules(default, sim_env(sim))
    assert base.get("billing.overdue", 0) > 0 and base.get("orders.stuck", 0) > 0, base

    doc = tomllib.loads(default.read_text())
    doc["state"]["url"] = f"sqlite:///{workdir / 'rules-changed.db'}"
    doc["rules"] = {"billing": {"overdue_days": 100_000}}
    changed = workdir / "rules-changed.toml"
    changed.write_text(tomli_w.dumps(doc))
    env = {**sim_env(sim), "SVCSYNC_RULES__ORDERS__STUCK_DAYS": "100000"}
    after = _planned_rules(changed, env)
    assert "billing.overdue" not in after, after  # from the file
    assert "orders.stuck" not in after, after  # from the environment
    assert after.get("billing.amount_mismatch") == base.get("billing.amount_mismatch")


def test_run_once_pushes_and_second_run_duplicates_nothing(
    sim: SimServer, config: Path, admin: OdooClient
) -> None:
    before = _odoo_counts(admin)
    first = run_cli("run", "--once", "--config", str(config), env=sim_env(sim))
    assert first.returncode == 0, first.stderr
    after_first = _odoo_counts(admin)
    created = {k: after_first[k] - before[k] for k in before}
    assert created["ir.model.data/svcsync"] > 0
    assert created["purchase.order.line"] > 0
    assert sum(v for k, v in created.items() if k.endswith("/flagged")) > 0
    second = run_cli("run", "--once", "--config", str(config), env=sim_env(sim))
    assert second.returncode == 0, second.stderr
    after_second = _odoo_counts(admin)
    for model in (
        "helpdesk.ticket",
        "purchase.order.line",
        "mail.activity",
        "ir.model.data/svcsync",
    ):
        assert after_second[model] == after_first[model], model


def test_status_json(sim: SimServer, config: Path) -> None:
    proc = run_cli("status", "--json", "--config", str(config), env=sim_env(sim))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    (tenant,) = report["tenants"]
    assert tenant["tenant"] == "main"
    assert tenant["last_run"]["status"] == "ok"
    streams = {s["stream"]: s for s in tenant["streams"]}
    assert "orders" in streams and streams["orders"]["cursor"] is not None
    # Lag is the time since the stream was last synced, not the age of Odoo's newest record.
    assert streams["orders"]["synced_at"] == tenant["last_run"]["ended_at"]
    assert 0 <= streams["orders"]["lag_seconds"] < 600
    assert tenant["runs_finished"] >= 2 and tenant["last_run"]["errors"] == []
    assert tenant["mirror"]


def test_findings_json(sim: SimServer, config: Path) -> None:
    proc = run_cli("findings", "--json", "--config", str(config), env=sim_env(sim))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["findings"]
    assert rows and {"key", "rule", "severity", "subject_model", "subject_id"} <= set(rows[0])
    opened = json.loads(
        run_cli("findings", "--open", "--json", "--config", str(config), env=sim_env(sim)).stdout
    )["findings"]
    assert {r["key"] for r in opened} <= {r["key"] for r in rows}
    assert all(r["status"] == "open" for r in opened)


def test_daemon_runs_two_cycles_then_stops_on_sigterm(sim: SimServer, workdir: Path) -> None:
    cfg = workdir / "daemon.toml"
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
        "state": {"url": f"sqlite:///{workdir / 'daemon.db'}"},
        "schedule": {"pull_interval_seconds": 5, "analyze_interval_seconds": 5},
    }
    cfg.write_text(tomli_w.dumps(doc))
    log_path = workdir / "daemon.log"
    proc = start_logged(
        ["daemon", "--config", str(cfg), "--log-format", "json", "--log-level", "info"],
        sim_env(sim),
        log_path,
    )
    try:
        wait_for_runs(proc, cfg, sim_env(sim), log_path, runs=2)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        proc.wait(timeout=10)
        stopped_in = time.monotonic() - started
        logs = log_path.read_text()
        assert stopped_in < 10, logs[-3000:]
        assert proc.returncode == 0, logs[-3000:]
        assert "Traceback" not in logs
        records = [json.loads(line) for line in logs.splitlines() if line.strip()]
        assert any("daemon stopped" in r["message"] for r in records)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_one_tenant_refused_does_not_stop_the_other(sim: SimServer, workdir: Path) -> None:
    cfg = workdir / "two.toml"
    base = {"url": sim.url, "database": sim.database, "login": sim.bot_login}
    doc: dict[str, Any] = {
        "erp": [
            {"name": "broken", **base, "api_key_env": "SVCSYNC_TEST_WRONG_KEY"},
            {"name": "main", **base, "api_key_env": KEY_VAR},
        ],
        "state": {"url": f"sqlite:///{workdir / 'two.db'}"},
    }
    cfg.write_text(tomli_w.dumps(doc))
    env = {**sim_env(sim), "SVCSYNC_TEST_WRONG_KEY": "wrong-key-123456"}
    proc = run_cli("run", "--once", "--config", str(cfg), "--json", env=env)
    assert proc.returncode == 3, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("svcsync:")]
    assert len(lines) == 1 and "broken" in lines[0] and "login refused" in lines[0]
    assert "wrong-key-123456" not in proc.stdout + proc.stderr
    by_name = {t["tenant"]: t for t in json.loads(proc.stdout)["tenants"]}
    assert by_name["broken"]["status"] == "failed"
    assert by_name["main"]["status"] == "ok" and by_name["main"]["streams"]


def test_json_logs_are_one_object_per_line(sim: SimServer, config: Path, workdir: Path) -> None:
    ok = run_cli(
        "run", "--once", "--config", str(config), "--log-format", "json", "--log-level", "info",
        env=sim_env(sim),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    records = [json.loads(line) for line in ok.stderr.splitlines() if line.strip()]
    cycle = [r for r in records if r.get("kind") == "cycle" and r.get("tenant") == "main"]
    assert cycle and cycle[-1]["status"] == "ok" and cycle[-1]["level"] == "info"
    # A refused tenant: the failure line is a JSON record too, with the exit code.
    doc = tomllib.loads(config.read_text())
    doc["state"]["url"] = f"sqlite:///{workdir / 'json-logs.db'}"
    bad = workdir / "json-logs.toml"
    bad.write_text(tomli_w.dumps(doc))
    refused = run_cli(
        "run", "--once", "--config", str(bad), "--log-format", "json",
        env={**sim_env(sim), KEY_VAR: "wrong-key-0000"},
    )  # fmt: skip
    assert refused.returncode == 3
    (line,) = [json.loads(x) for x in refused.stderr.splitlines() if x.strip()]
    assert (
        line["level"] == "error" and line["exit_code"] == 3 and "login refused" in line["message"]
    )
    assert "wrong-key-0000" not in refused.stderr
