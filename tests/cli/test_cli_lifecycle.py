"""The rest of an admin's day, run as subprocesses against odoosim: ``run --stream``,
``run --full``, per-stream ``status``, a failing run's exit code, ``init`` answering prompts
on a terminal, and ``erp uninstall`` after real cycles."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import admin_client, run_cli, sim_env, svcsync_argv, write_config

from connector import OdooClient
from odoosim import SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="18", dataset="demo", orders=100, seed=21) as server:
        yield server


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("svcsync-lifecycle")


@pytest.fixture(scope="module")
def config(sim: SimServer, workdir: Path) -> Path:
    return write_config(workdir / "svcsync.toml", sim, workdir / "state.db")


@pytest.fixture(scope="module")
def admin(sim: SimServer) -> Iterator[OdooClient]:
    with admin_client(sim) as client:
        yield client


def _status(sim: SimServer, config: Path) -> dict[str, dict]:
    done = run_cli("status", "--json", "--config", str(config), env=sim_env(sim))
    assert done.returncode == 0, done.stderr
    tenant = json.loads(done.stdout)["tenants"][0]
    return {s["stream"]: s for s in tenant["streams"]}


def test_a_stream_alone_then_all_then_full(sim: SimServer, config: Path, admin: OdooClient) -> None:
    install = run_cli(
        "erp", "install", "--login", "admin", "--config", str(config), env=sim_env(sim)
    )
    assert install.returncode == 0, install.stderr

    one = run_cli(
        "run", "--once", "--stream", "orders", "--json", "--config", str(config), env=sim_env(sim)
    )
    assert one.returncode == 0, one.stderr
    tenant = json.loads(one.stdout)["tenants"][0]
    assert set(tenant["streams"]) == {"orders"}
    orders = admin.search_count("sale.order", [])
    assert tenant["streams"]["orders"]["read"] == orders
    assert set(_status(sim, config)) == {"orders"}

    every = run_cli("run", "--once", "--json", "--config", str(config), env=sim_env(sim))
    assert every.returncode == 0, every.stderr
    streams = _status(sim, config)
    assert {"orders", "order_lines", "invoices", "partners", "moves"} <= set(streams)
    assert streams["partners"]["last_counts"]["read"] > 0
    assert streams["partners"]["last_error"] is None

    # Incremental: nothing changed, so the next run reads only the lookback overlap; --full
    # re-reads every record of every stream whatever the cursors say.
    full = run_cli("run", "--once", "--full", "--json", "--config", str(config), env=sim_env(sim))
    assert full.returncode == 0, full.stderr
    read = json.loads(full.stdout)["tenants"][0]["streams"]
    assert read["orders"]["read"] == orders
    assert (
        read["partners"]["read"]
        >= admin.search_count("res.partner", [], context={"active_test": False}) - 5
    )  # the bot's source filter may leave out a few structural partners
    again = run_cli("run", "--once", "--json", "--config", str(config), env=sim_env(sim))
    assert again.returncode == 0, again.stderr
    tenants = json.loads(again.stdout)["tenants"][0]
    assert tenants["push"].get("created", 0) == 0, tenants["push"]


def test_a_stream_failing_mid_run_exits_1_and_status_names_the_stream(
    sim: SimServer, config: Path
) -> None:
    sim.faults.update(
        http_status=503, retry_after=0, models=["stock.move"], methods=["search_read"]
    )
    try:
        failed = run_cli(
            "run", "--once", "--stream", "moves", "--config", str(config), env=sim_env(sim)
        )
    finally:
        sim.faults.clear()
    # Connected, but one stream's pages kept failing (503 past the retry budget): the cycle is
    # partial, which is exit 1 (3 is kept for an ERP that refuses the connection itself).
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "moves" in failed.stderr and "Traceback" not in failed.stderr
    moves = _status(sim, config)["moves"]
    assert moves["last_error"] and "503" in moves["last_error"]


def test_uninstall_after_real_cycles_leaves_nothing(
    sim: SimServer, config: Path, admin: OdooClient
) -> None:
    assert admin.search_count("ir.model.data", [("module", "=", "svcsync")]) > 0
    done = run_cli(
        "erp", "uninstall", "--login", "admin", "--config", str(config), env=sim_env(sim)
    )
    assert done.returncode == 0, done.stderr
    assert admin.search_count("ir.model.fields", [("name", "like", "x_svc_")]) == 0
    assert admin.search_count("ir.ui.view", [("name", "ilike", "svcsync")]) == 0
    plugin_ids = admin.search_read(
        "ir.model.data",
        [("module", "=", "svcsync"), ("model", "in", ["ir.model.fields", "ir.ui.view"])],
        ["name"],
    )
    assert plugin_ids == []


def test_init_asks_on_a_terminal_and_writes_a_config_that_loads(tmp_path: Path) -> None:
    target = tmp_path / "asked.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCSYNC_")}
    pid, fd = pty.fork()
    if pid == 0:  # the child: svcsync init on a terminal
        argv = svcsync_argv("init", "--config", str(target))
        os.execvpe(argv[0], argv, env)
    answers = iter(["https://odoo.example.com", "prod", "", "MY_KEY_VAR"])
    seen = ""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1024).decode(errors="replace")
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            seen += chunk
            if seen.rstrip().endswith(":"):
                os.write(fd, (next(answers, "") + "\n").encode())
                seen += "\n"
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    for question in ("Odoo URL", "Odoo database", "bot user login", "environment variable"):
        assert question in seen, seen
    text = target.read_text()
    assert 'url = "https://odoo.example.com"' in text and 'database = "prod"' in text
    assert 'login = "svcsync-bot"' in text and 'api_key_env = "MY_KEY_VAR"' in text
    check = subprocess.run(
        svcsync_argv("status", "--config", str(target)),
        capture_output=True,
        text=True,
        env={**env, "MY_KEY_VAR": "x" * 40},
        timeout=60,
    )
    # The config loads (no config error); there is simply no state yet.
    assert check.returncode == 2 and "config error" not in check.stderr, check.stderr
