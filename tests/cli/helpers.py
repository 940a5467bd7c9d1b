"""Shared helpers for the CLI tests: run ``svcsync`` as a user would, write configs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomli_w

BIN = Path(sys.executable).parent / "svcsync"
KEY_VAR = "SVCSYNC_TEST_BOT_KEY"


def svcsync_argv(*args: str) -> list[str]:
    """The installed console script when present (what a user runs), else ``python -m``."""
    if BIN.exists():
        return [str(BIN), *args]
    return [sys.executable, "-m", "svcsync.cli", *args]


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SVCSYNC_")}
    full_env.update(env or {})
    return subprocess.run(
        svcsync_argv(*args), capture_output=True, text=True, timeout=timeout, env=full_env
    )


def write_config(path: Path, sim: Any, state: Path, **tenant: Any) -> Path:
    """A config for the bot user of a running ``SimServer``; ``tenant`` overrides keys."""
    entry: dict[str, Any] = {
        "name": "main",
        "url": sim.url,
        "database": sim.database,
        "login": sim.bot_login,
        "api_key_env": KEY_VAR,
        "read_timeout": 30.0,
    }
    entry.update(tenant)
    doc = {"erp": [entry], "state": {"url": f"sqlite:///{state}"}}
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def sim_env(sim: Any) -> dict[str, str]:
    """The environment a config from ``write_config`` needs: the bot's and the admin's keys."""
    return {KEY_VAR: sim.bot_api_key, "SVCSYNC_ADMIN_API_KEY": sim.admin_password}


@contextmanager
def admin_client(sim: Any) -> Iterator[Any]:
    """An ``OdooClient`` logged in as the simulator's administrator (to count over RPC)."""
    from pydantic import SecretStr

    from connector import ConnectionSettings, OdooClient

    settings = ConnectionSettings(
        url=sim.url,
        database=sim.database,
        login=sim.admin_login,
        api_key=SecretStr(sim.admin_password),
    )
    with OdooClient(settings) as client:
        client.connect()
        yield client


def start_logged(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[str]:
    """``svcsync <args>`` in the background, stderr to ``log_path`` (a full pipe nobody reads
    while waiting would block it), with a clean ``SVCSYNC_*`` environment plus ``env``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SVCSYNC_")}
    full_env.update(env)
    with log_path.open("w") as log_file:
        return subprocess.Popen(
            svcsync_argv(*args),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            text=True,
            env=full_env,
        )


def wait_for_runs(
    proc: subprocess.Popen[str],
    config: Path,
    env: dict[str, str],
    log_path: Path,
    runs: int,
    timeout: float = 120,
) -> None:
    """Poll ``svcsync status --json`` until ``runs`` cycles finished (the process must live)."""
    deadline = time.monotonic() + timeout
    finished = 0
    while time.monotonic() < deadline and finished < runs:
        time.sleep(1)
        assert proc.poll() is None, log_path.read_text()[-3000:]
        status = run_cli("status", "--json", "--config", str(config), env=env)
        if status.returncode == 0:
            finished = int(json.loads(status.stdout)["tenants"][0]["runs_finished"])
    assert finished >= runs, (
        f"no {runs} cycle(s) in {timeout:.0f} s:\n" + log_path.read_text()[-3000:]
    )
