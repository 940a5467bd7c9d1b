"""Every command the README shows, run as a user would (subprocess) against odoosim.

The README's commands are taken from its shell blocks; the URL and database of the quickstart
are pointed at a running simulator, and each command must exit 0.  Long-running ones (daemon,
``demo --keep-running``, ``sim serve``) are started, seen ready, and stopped with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import KEY_VAR, run_cli, svcsync_argv
from test_cli_readme import readme_command_lines

from odoosim import SimServer

LONG_RUNNING = {"daemon", "sim"}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="17", dataset="demo", orders=60, seed=5) as server:
        yield server


def _adapt(argv: list[str], sim: SimServer, config: Path) -> list[str]:
    out = []
    for word in argv:
        if word == "https://odoo.example.com":
            word = sim.url
        elif word == "production":
            word = sim.database
        out.append(word)
    if out[0] not in ("demo", "sim"):
        out += ["--config", str(config)]
    if out[0] == "demo":
        out += ["--orders", "60"]  # the README's default size runs in the slow suite
    return out


def _env(sim: SimServer) -> dict[str, str]:
    return {
        "SVCSYNC_ERP_MAIN_API_KEY": sim.bot_api_key,
        KEY_VAR: sim.bot_api_key,
        "SVCSYNC_ADMIN_API_KEY": sim.admin_password,
    }


def _popen(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SVCSYNC_")}
    full.update(env)
    return subprocess.Popen(
        svcsync_argv(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full
    )


def test_every_readme_command_runs(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "svcsync.toml"
    monkeypatch.chdir(tmp_path)  # the state file `svcsync init` configures lands here
    ran = []
    for argv in readme_command_lines():
        if argv[0] in LONG_RUNNING or "--keep-running" in argv:
            continue
        cmd = _adapt(argv, sim, config)
        proc = run_cli(*cmd, env=_env(sim), timeout=120)
        assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr
        ran.append(cmd[0])
    assert {"init", "check", "erp", "run", "demo"} <= set(ran)


def test_demo_keep_running_prints_how_to_connect_then_stops(tmp_path: Path) -> None:
    proc = _popen(["demo", "--keep-running", "--orders", "40"], {})
    try:
        seen = []
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        text = "".join(seen)
        assert "Connect with" in text and "url" in text and "svcsync status --config" in text
        # The bot user's API key (40 hex characters) is in a file the printed config names.
        assert "bot.key" in text and not re.search(r"\b[0-9a-f]{40}\b", text)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_sim_serve_prints_its_ready_line() -> None:
    proc = _popen(["sim", "serve", "--port", "0", "--dataset", "empty"], {})
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["url"].startswith("http://127.0.0.1:") and ready["bot_login"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
