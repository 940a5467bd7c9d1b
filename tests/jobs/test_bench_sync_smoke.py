"""Smoke run of ``benchmarks/bench_sync.py`` on a small demo: it runs end to end and its
non-timing targets hold (timings are printed, not asserted: the machines are shared)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sync_benchmark_runs_on_a_small_demo() -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/bench_sync.py", "--orders", "600", "--small", "150",
         "--lookback", "1", "--repeat", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"full initial sync: jobs [\d.]+ s vs bare search_read [\d.]+ s", out), out
    assert "medians of 2 runs each, alternating" in out, out
    # Every stream read, each at most once in a cycle with no change.
    calls = re.search(r"search_read per stream \{(.*)\} -> max (\d+)", out)
    assert calls is not None, out
    assert calls.group(1).count(":") >= 12 and calls.group(2) == "1", out
    assert re.search(r"peak RSS: [\d.]+ MiB at 600 vs [\d.]+ MiB at 150", out), out
