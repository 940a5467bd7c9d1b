"""The connector benchmark runs end to end on a tiny dataset (timings are not checked here)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_connector.py"


def test_benchmark_runs_on_a_small_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_connector", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--orders", "30", "--repeat", "1", "--page-size", "10"]) == 0
    out = capsys.readouterr().out
    assert "jsonrpc  rows=30" in out and "xmlrpc   rows=30" in out and "ratio" in out


@pytest.mark.slow
def test_benchmark_ratio_at_50000_orders(capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance run (minutes): connector / bare odoolib <= 1.10 on jsonrpc and xmlrpc."""
    spec = importlib.util.spec_from_file_location("bench_connector", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--orders", "50000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    ratios = [float(m) for m in re.findall(r"ratio\s+([\d.]+)\s+\(target", out)]
    assert len(ratios) == 2 and max(ratios) <= 1.10, out
