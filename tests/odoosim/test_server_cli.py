"""``python -m odoosim serve`` as a subprocess: the ready line, serving, SIGTERM/SIGINT, bad flags."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xmlrpc.client
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "odoosim", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _ready(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"odoosim exited before its ready line: {err}")
    return dict(json.loads(line))


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["serve", "--odoo-version", "15"], "--odoo-version: invalid choice: '15'"),
        (["serve", "--port", "70000"], "a port is 0..65535"),
        (["serve", "--fault", "latency=5"], "unknown fault 'latency'"),
        (["serve", "--fault", "reset_rate=2"], "between 0 and 1"),
        (["serve", "--orders", "many"], "expected a whole number"),
        (["serve", "--dataset", "/nonexistent/odoosim.json"], "--dataset"),
        (["serve", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_flags_exit_2_with_a_clear_message(argv: list[str], fragment: str) -> None:
    from odoosim.cli import main

    proc = _spawn(*argv)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert fragment in err
    assert out == ""
    assert main is not None  # the module imports without side effects


def test_serve_prints_one_json_line_serves_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    proc = _spawn(
        "serve", "--port", "0", "--dataset", "empty", "--odoo-version", "18",
        "--database", "acme", "--fault", "latency_ms=1",
    )  # fmt: skip
    try:
        ready = _ready(proc)
        assert sorted(ready) == sorted(
            ["url", "database", "admin_login", "admin_password", "bot_login", "bot_api_key",
             "odoo_version", "manifest"]
        )  # fmt: skip
        assert ready["database"] == "acme"
        assert ready["odoo_version"] == "18"
        assert (ready["admin_login"], ready["admin_password"]) == ("admin", "admin")
        assert ready["bot_login"] == "svcsync-bot"
        assert len(ready["bot_api_key"]) == 40
        assert ready["manifest"] is None
        common = xmlrpc.client.ServerProxy(f"{ready['url']}/xmlrpc/2/common")
        with common:
            assert common.version()["server_version"] == "18.0"
            assert common.login("acme", ready["bot_login"], ready["bot_api_key"]) > 0
        assert httpx.get(f"{ready['url']}/web/version").json()["version"] == "18.0"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the ready line


def test_serve_demo_writes_the_manifest_and_stops_on_sigint() -> None:
    proc = _spawn("serve", "--port", "0", "--orders", "40", "--seed", "3")
    try:
        ready = _ready(proc)
        manifest_path = ready["manifest"]
        assert manifest_path and Path(manifest_path).is_file()
        manifest = json.loads(Path(manifest_path).read_text())
        assert (manifest["seed"], manifest["orders"]) == (3, 40)
        assert ready["odoo_version"] == "17"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err


def test_serve_a_dataset_file_takes_its_version(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps(
            {"odoo_version": "16", "records": {"res.partner": [{"id": 500, "name": "File Co"}]}}
        )
    )
    proc = _spawn("serve", "--port", "0", "--dataset", str(path))
    try:
        ready = _ready(proc)
        assert ready["odoo_version"] == "16"
        payload = {
            "jsonrpc": "2.0",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [ready["database"], 2, "admin", "res.partner", "search_read",
                         [[["name", "=", "File Co"]]], {"fields": ["name"]}],
            },
        }  # fmt: skip
        rows = httpx.post(f"{ready['url']}/jsonrpc", json=payload).json()["result"]
        assert rows == [{"id": 500, "name": "File Co"}]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err


def test_a_malformed_dataset_file_is_refused_naming_the_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"odoo_version": "17", "records": {"res.partner": [{"name": "x"}]}}))
    proc = _spawn("serve", "--port", "0", "--dataset", str(path))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "res.partner record #0" in err and "'id'" in err


def test_a_dataset_with_an_unknown_field_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "unknown_field.json"
    records = {"res.partner": [{"id": 501, "name": "x", "colour": "blue"}]}
    path.write_text(json.dumps({"odoo_version": "17", "records": records}))
    proc = _spawn("serve", "--port", "0", "--dataset", str(path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "argument --dataset" in err and "colour" in err and "res.partner" in err
    assert out == ""
