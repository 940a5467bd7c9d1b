"""Shared helpers for the CLI tests: run ``svcsync`` as a user would, write configs."""

from __future__ import annotations

import os
import subprocess
import sys
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
