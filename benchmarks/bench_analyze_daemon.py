"""Incremental against full analysis in a daemon-like loop (``jobs.analyze``), printed.

The demo company (``--orders``) is mirrored into a SQLite state store as a sync would
(``bench_analysis.fill_store``).  Then, cycle after cycle, ``--share`` of the orders change in
the mirror (delivered, promise moved or cancelled, as ``bench_analysis.change_orders`` does)
and the clock moves ``--step`` minutes; each cycle is analysed three ways on copies of the same
state: incremental with the company kept in the process (the daemon), incremental in a fresh
process (``svcsync run --once``: the mirror read once, the clock scanned), and full.  Every
cycle checks that the incremental findings equal the full ones.

Usage: ``.venv/bin/python benchmarks/bench_analyze_daemon.py [--orders 5000] [--cycles 5]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_analysis import TENANT, change_orders, fill_store  # noqa: E402

from jobs import analyze as an  # noqa: E402
from jobs.state import MirrorRow, Store, open_store  # noqa: E402
from service.model import Finding  # noqa: E402
from service.rules import QUALITY, build  # noqa: E402


def _mirror(store: Store, changes: dict[str, dict[int, Any]], now: datetime) -> int:
    rows = [
        MirrorRow(model, rid, now.strftime("%Y-%m-%d %H:%M:%S"), rec.model_dump_json())
        for model, recs in changes.items()
        for rid, rec in recs.items()
    ]
    store.commit_page(TENANT, "bench", rows=rows, state={"v": 1})
    return len(rows)


def _comparable(findings: list[Finding]) -> dict[str, Any]:
    return {
        f.key: (f.severity, f.evidence.get("level"))
        if f.rule == QUALITY
        else f.model_dump_json(exclude={"detected_at"})
        for f in findings
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.01, help="orders changed per cycle")
    parser.add_argument("--step", type=float, default=5.0, help="minutes between cycles")
    ns = parser.parse_args()
    today = date(2026, 11, 22)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rules = build()
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        db = Path(tmp) / "state.db"
        url = f"sqlite:///{db}"
        print(f"building the {ns.orders}-order company and its mirror ...", flush=True)
        c = fill_store(ns.orders, ns.seed, today, url)["counts"]
        print(
            f"  {c.get('sale.order', 0)} orders, {c.get('sale.order.line', 0)} order lines, "
            f"{c.get('account.move', 0)} invoices, {sum(c.values())} mirror rows"
        )
        store = open_store(url)
        t0 = time.perf_counter()
        first, _ = an.analyze(store, TENANT, rules, now=now)
        print(f"first (full) analysis: {time.perf_counter() - t0:.2f} s, {first.findings} open")
        print()
        print(
            f"{'cycle':>5} {'changed':>8} {'subjects':>9} {'timed':>6} {'daemon s':>9} "
            f"{'fresh s':>8} {'full s':>7} {'daemon/full':>12} {'equal':>6}"
        )
        ratios = []
        for cycle in range(1, ns.cycles + 1):
            now += timedelta(minutes=ns.step)
            snap = an.load_company(store, TENANT)
            changes = change_orders(snap, ns.share, ns.seed + cycle, now)
            del snap
            n = _mirror(store, changes, now)
            store.close()
            # The same state three times: a copy for the fresh process and one for the full.
            for name in ("fresh", "full"):
                shutil.copy(db, Path(tmp) / f"{name}.db")
            store = open_store(url)
            t0 = time.perf_counter()
            inc, inc_open = an.analyze(store, TENANT, rules, now=now)
            t_inc = time.perf_counter() - t0
            assert inc.cached and not inc.full, inc.counts()
            kept = dict(an._CACHE)
            an.forget()
            fresh_store = open_store(f"sqlite:///{Path(tmp) / 'fresh.db'}")
            t0 = time.perf_counter()
            _fresh, fresh_open = an.analyze(fresh_store, TENANT, rules, now=now, cache=False)
            t_fresh = time.perf_counter() - t0
            fresh_store.close()
            full_store = open_store(f"sqlite:///{Path(tmp) / 'full.db'}")
            t0 = time.perf_counter()
            _full, full_open = an.analyze(
                full_store, TENANT, rules, now=now, full=True, cache=False
            )
            t_full = time.perf_counter() - t0
            full_store.close()
            an._CACHE.clear()
            an._CACHE.update(kept)
            equal = _comparable(inc_open) == _comparable(full_open) == _comparable(fresh_open)
            ratios.append(t_inc / t_full)
            print(
                f"{cycle:>5} {n:>8} {inc.subjects:>9} {inc.timed:>6} {t_inc:>9.3f} "
                f"{t_fresh:>8.2f} {t_full:>7.2f} {t_inc / t_full:>12.3f} {equal!s:>6}",
                flush=True,
            )
        store.close()
    print()
    print(
        f"daemon incremental / full, median of {len(ratios)} cycles: "
        f"{sorted(ratios)[len(ratios) // 2]:.3f}"
    )


if __name__ == "__main__":
    main()
