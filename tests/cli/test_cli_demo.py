"""``svcsync demo`` as the README's first command runs it: counts non-zero, stable across runs."""

from __future__ import annotations

import json
import time

import pytest
from helpers import run_cli

# The cycle needs the service rules (service/rules); without them these tests cannot run.
pytest.importorskip("service.rules", reason="service/rules is not available yet")


def _demo(*extra: str) -> tuple[dict, float]:
    started = time.monotonic()
    proc = run_cli("demo", "--json", *extra, timeout=180)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout), elapsed


def _check(report: dict) -> None:
    counts = report["counts"]
    assert counts["tickets"] > 0, counts
    assert counts["reorders"] > 0, counts
    assert counts["flags"] > 0, counts
    placed = report["in_odoo"]
    assert all(p["model"] and p["id"] > 0 and p["name"] for p in placed)
    kinds = {p["kind"] for p in placed}
    assert {"ticket", "reorder", "flag"} <= kinds


def test_demo_small_twice_same_counts() -> None:
    first, _ = _demo("--orders", "120")
    _check(first)
    second, _ = _demo("--orders", "120")
    assert second["counts"] == first["counts"]
    assert [(p["kind"], p["model"], p["name"]) for p in second["in_odoo"]] == [
        (p["kind"], p["model"], p["name"]) for p in first["in_odoo"]
    ]


@pytest.mark.slow
def test_demo_default_size_under_a_minute_and_stable(request: pytest.FixtureRequest) -> None:
    if "slow" not in str(request.config.getoption("markexpr") or ""):
        pytest.skip("opt-in: pytest -m slow")
    first, elapsed = _demo()
    _check(first)
    assert elapsed < 60, f"svcsync demo took {elapsed:.1f} s"
    assert first["planted_problems"] > 0
    second, _ = _demo()
    assert second["counts"] == first["counts"]
