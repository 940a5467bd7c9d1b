"""Smoke run of ``benchmarks/bench_odoosim.py`` on a small demo (numbers are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_on_a_small_demo() -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/bench_odoosim.py", "--orders", "500", "--page-size", "100",
         "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["orders"] == 500
    assert result["fields"] == 20
    assert result["rows"] == 500  # keyset paging saw every order exactly once
    assert result["pages"] == 6  # 5 full pages and an empty last one
    assert result["server_ms_median"] > 0 and result["decode_ms_median"] > 0
