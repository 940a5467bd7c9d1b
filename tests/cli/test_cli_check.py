"""``svcsync check`` against odoosim over real HTTP, run as a subprocess like a user would."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import KEY_VAR, run_cli, write_config

from odoosim import SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="17", dataset="empty") as server:
        yield server


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_check_with_the_bot_user_is_ready(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db")
    proc = run_cli("check", "--config", str(cfg), "--json", env={KEY_VAR: sim.bot_api_key})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["ready"] is True
    rights = [c for c in report["checks"] if c["area"] == "right"]
    assert any(c["subject"] == "sale.order: read" and c["ok"] for c in rights)
    assert any(c["subject"] == "purchase.order: create" and c["ok"] for c in rights)
    assert all(c["ok"] is not False for c in report["checks"])
    assert sim.bot_api_key not in proc.stdout + proc.stderr


def test_check_plain_output_is_a_table_with_marks(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db")
    proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: sim.bot_api_key})
    assert proc.returncode == 0, proc.stderr
    assert "✓" in proc.stdout and "sale.order: read" in proc.stdout
    assert proc.stdout.rstrip().endswith("ready: every right and mapped field is in place")


def test_wrong_key_is_one_line_exit_3(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db")
    proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: "not-the-key-0123456789"})
    assert proc.returncode == 3
    line = _one_line(proc.stderr)
    assert "login refused" in line and sim.bot_login in line and "API key" in line
    assert "not-the-key-0123456789" not in proc.stderr


def test_unreachable_host_is_one_line_exit_3(sim: SimServer, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db", url=f"http://127.0.0.1:{port}")
    proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: sim.bot_api_key})
    assert proc.returncode == 3
    line = _one_line(proc.stderr)
    assert "unreachable" in line and str(port) in line


def test_unknown_database_is_one_line_exit_3(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db", database="nosuchdb")
    proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: sim.bot_api_key})
    assert proc.returncode == 3
    line = _one_line(proc.stderr)
    assert "nosuchdb" in line and "does not exist" in line


def test_tls_failure_is_one_line_exit_3(sim: SimServer, tmp_path: Path) -> None:
    # https:// to a plain-HTTP port: the handshake fails like an untrusted or broken certificate.
    url = sim.url.replace("http://", "https://")
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db", url=url)
    proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: sim.bot_api_key})
    assert proc.returncode == 3
    line = _one_line(proc.stderr)
    assert "TLS failure" in line and "ca_bundle" in line


@pytest.mark.parametrize(
    ("model", "op"),
    [
        ("purchase.order", "create"),  # reorder requests
        ("stock.location", "read"),  # a helper stream, not a mapped model
        ("res.partner", "write"),  # service flags on customers
    ],
)
def test_missing_right_is_one_line_naming_it_and_the_fix(
    sim: SimServer, tmp_path: Path, model: str, op: str
) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db")
    sim.db.set_access(sim.bot_login, model, op, False)
    try:
        proc = run_cli("check", "--config", str(cfg), env={KEY_VAR: sim.bot_api_key})
    finally:
        sim.db.set_access(sim.bot_login, model, op, True)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    line = _one_line(proc.stderr)
    assert f"{model}: {op}" in line and "fix:" in line and sim.bot_login in line
    assert "✗" in proc.stdout


def test_debug_logs_never_show_the_key(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db")
    for fmt in ("human", "json"):
        proc = run_cli(
            "check",
            "--config",
            str(cfg),
            "--log-level",
            "debug",
            "--log-format",
            fmt,
            env={KEY_VAR: sim.bot_api_key},
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stderr, "debug logging produced nothing: the test would prove nothing"
        assert sim.bot_api_key not in proc.stdout + proc.stderr


def test_key_file_readable_by_others_is_a_warning_not_a_failure(
    sim: SimServer, tmp_path: Path
) -> None:
    key = tmp_path / "bot.key"
    key.write_text(sim.bot_api_key + "\n")
    key.chmod(0o644)
    cfg = write_config(tmp_path / "c.toml", sim, tmp_path / "s.db", api_key_file=str(key))
    text = cfg.read_text().replace(f'api_key_env = "{KEY_VAR}"\n', "")
    cfg.write_text(text)
    proc = run_cli("check", "--config", str(cfg), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [r for r in json.loads(proc.stdout)["checks"] if r["area"] == "security"]
    assert rows and rows[0]["ok"] is None and rows[0]["fix"] == f"chmod 600 {key}"
    assert sim.bot_api_key not in proc.stdout + proc.stderr
