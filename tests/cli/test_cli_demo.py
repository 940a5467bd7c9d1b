"""``svcsync demo`` as the README's first command runs it: counts non-zero, stable across runs.

Default size (300 orders, Odoo 17 profile), run as a subprocess like a user would, in the default
suite: it takes a few seconds and is the product's first impression.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from helpers import run_cli

SUMMARY = re.compile(
    r"found (\d+) problems \((\d+) planted in the demo data\): (\d+) tickets, (\d+) reorder "
    r"requests, (\d+) flags, (\d+) activities"
)
PLACED = re.compile(r"^(ticket|reorder|flag|activity)\s+([a-z_.]+)\s+(.+?)\s+(\d+)\s{2,}")


def _demo(*extra: str) -> tuple[str, float]:
    started = time.monotonic()
    proc = run_cli("demo", *extra, timeout=180)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc.stdout, elapsed


def _plain_counts(stdout: str) -> dict[str, int]:
    match = SUMMARY.search(stdout)
    assert match, stdout[-3000:]
    found, _planted, tickets, reorders, flags, activities = map(int, match.groups())
    return {
        "findings": found,
        "tickets": tickets,
        "reorders": reorders,
        "flags": flags,
        "activities": activities,
    }


def _check_json(report: dict[str, Any]) -> None:
    counts = report["counts"]
    assert counts["tickets"] > 0 and counts["reorders"] > 0 and counts["flags"] > 0, counts
    placed = report["in_odoo"]
    assert all(p["model"] and p["id"] > 0 and p["name"] for p in placed)
    assert {"ticket", "reorder", "flag"} <= {p["kind"] for p in placed}
    # Each kind lands on the Odoo model an ERP user opens to see it.
    models = {(p["kind"], p["model"]) for p in placed}
    assert ("ticket", "helpdesk.ticket") in models
    assert ("reorder", "purchase.order") in models
    assert {m for k, m in models if k == "flag"} <= {"res.partner", "sale.order", "account.move"}


def test_demo_default_size_under_a_minute_twice_same_counts() -> None:
    # First run: the README's plain command, as a human reads it.
    text, elapsed = _demo()
    assert elapsed < 60, f"svcsync demo took {elapsed:.1f} s"
    counts = _plain_counts(text)
    assert counts["tickets"] > 0 and counts["reorders"] > 0 and counts["flags"] > 0, counts
    assert "where they are now in Odoo" in text
    placed_text = [
        (m.group(1), m.group(2), m.group(3), int(m.group(4)))
        for m in map(PLACED.match, text.splitlines())
        if m
    ]
    assert len(placed_text) == sum(v for k, v in counts.items() if k != "findings")

    # Second run, for scripts: the same counts and the same records in Odoo.
    out, elapsed2 = _demo("--json")
    assert elapsed2 < 60, f"svcsync demo --json took {elapsed2:.1f} s"
    report = json.loads(out)
    _check_json(report)
    assert report["planted_problems"] > 0
    assert report["counts"] == counts
    assert [(p["kind"], p["model"], p["name"], p["id"]) for p in report["in_odoo"]] == placed_text
