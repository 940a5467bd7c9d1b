"""Sync benchmarks (issue 5), printed side by side in one run:

1. full initial sync of the N-order demo through ``jobs`` (mapping + mirror + cursor commits)
   against bare paged ``search_read`` of the same models, domains and fields (target <= 1.3).
   Both sides page the same way (keyset on ``(write_date, id)``, ``PAGE`` rows, the connector's
   ``stream``) and run in a child process of their own, apart from the simulator: the bare side
   is the floor the sync cannot go below, with nothing but the RPCs and their decoding;
2. ``search_read`` calls in a cycle with no changes, per stream, counted by odoosim (target <= 1);
3. peak memory of the sync process at N orders against N/10 orders (target <= 1.3).

Usage: ``.venv/bin/python benchmarks/bench_sync.py [--orders 50000] [--small 5000] [--repeat 3]``.
The sync runs in a child process so its memory (VmHWM) is measured apart from the simulator's.
On a shared two-core machine one pair of runs varies by +-15%: sync and bare run ``--repeat``
times each, alternating which goes first, and the medians are compared (every pair is printed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from connector.client import OdooClient  # noqa: E402
from connector.settings import ConnectionSettings  # noqa: E402

PAGE = 1000


def _settings(url: str, db: str, login: str, key: str) -> ConnectionSettings:
    return ConnectionSettings(
        url=url, database=db, login=login, api_key=SecretStr(key), page_size=PAGE, read_timeout=600
    )


def child(args: dict[str, Any]) -> None:
    """Run one pull-only cycle; print its seconds (peak RSS comes from the parent's wait4)."""
    from jobs.config import ScheduleConfig
    from jobs.cycle import Tenant, run_cycle
    from jobs.state import open_store

    tenant = Tenant(
        name="bench",
        connection=_settings(args["url"], args["db"], args["login"], args["key"]),
        rules=lambda _s, _n: [],
        schedule=ScheduleConfig(lookback_seconds=int(args["lookback"])),
    )
    store = open_store(args["store"])
    marks: dict[str, float] = {}

    def progress(event: str, _data: dict[str, Any]) -> None:
        marks.setdefault(event, time.perf_counter())

    t0 = time.perf_counter()
    report = run_cycle(tenant, store, analyze=False, progress=progress)
    seconds = time.perf_counter() - t0
    connect = marks.get("stream", t0) - t0  # login + discovery, before the first stream
    print(
        json.dumps(
            {
                "seconds": seconds,
                "connect_s": connect,
                "hwm_kb": _vm_hwm_kb(),
                "status": report.status,
                "errors": report.errors,
            }
        )
    )


def _vm_hwm_kb() -> int | None:
    """Peak RSS of this process image (``VmHWM``).  Not ``ru_maxrss``: Linux carries that
    across ``exec``, so a child forked from the big simulator would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_child(args: dict[str, Any], mode: str = "--child") -> dict[str, Any]:
    """Run ``child`` (or ``bare_child`` with ``--bare``) in a subprocess; return what it printed."""
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            [sys.executable, __file__, mode, json.dumps(args)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=str(ROOT),
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        proc.returncode = proc.wait()
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"sync child failed: {err.read()[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def bare_pull(client: OdooClient, version: str) -> tuple[float, int]:
    """Paged search_read of the same models, domains, fields and paging as the sync (keyset on
    ``(write_date, id)``, ``PAGE`` rows, ``active_test`` off), nothing else: the floor."""
    from jobs.streams import STREAMS

    caps = client.capabilities
    t0 = time.perf_counter()
    rows = 0
    for s in STREAMS:
        if not s.runs_on(caps.version_major, caps.fields):
            continue
        fields = s.fields(version, list(caps.fields.get(s.model, {})) or None)
        context = {"active_test": False, **s.context}
        for page in client.stream(s.model, list(s.domain), fields, page_size=PAGE, context=context):
            rows += len(page)
    return time.perf_counter() - t0, rows


def bare_child(args: dict[str, Any]) -> None:
    """``bare_pull`` in a process of its own (as the sync runs): print seconds and rows."""
    client = OdooClient(_settings(args["url"], args["db"], args["login"], args["key"]))
    caps = client.connect()
    seconds, rows = bare_pull(client, str(caps.version_major))
    client.close()
    print(json.dumps({"seconds": seconds, "rows": rows}))


def measure(
    orders: int, workdir: Path, *, full: bool, lookback: int, repeat: int = 1
) -> dict[str, Any]:
    """Sync (and with ``full`` the bare side, ``repeat`` times each, alternating which goes
    first) against one simulator; the no-change cycle on the last sync's store."""
    from jobs.streams import STREAMS
    from odoosim import SimServer

    t0 = time.perf_counter()
    with SimServer(odoo_version="17", dataset="demo", orders=orders, seed=7) as sim:
        built = time.perf_counter() - t0

        def args_for(run: int) -> dict[str, Any]:
            return {
                "url": sim.url,
                "db": sim.database,
                "login": sim.bot_login,
                "key": sim.bot_api_key,
                "store": f"sqlite:///{workdir / f'bench-{orders}-{run}.db'}",
                "lookback": lookback,
            }

        out: dict[str, Any] = {"orders": orders, "sim_build_s": built, "syncs": [], "bares": []}
        args = args_for(0)
        for run in range(repeat if full else 1):
            args = args_for(run)
            sides = ["sync", "bare"] if full else ["sync"]
            for side in sides if run % 2 == 0 else sides[::-1]:
                if side == "sync":
                    out["syncs"].append(run_child(args))
                else:
                    bare = run_child(args, "--bare")
                    out["bares"].append(bare["seconds"])
                    out["rows"] = bare["rows"]
        synced_at = time.monotonic()
        out["sync"] = out["syncs"][0]
        if full:
            client = OdooClient(_settings(sim.url, sim.database, sim.bot_login, sim.bot_api_key))
            caps = client.connect()
            # A cycle with no change, as between two scheduled runs: once the lookback has
            # elapsed, one run re-reads the window and settles it; the next one is measured.
            time.sleep(max(0.0, lookback + 1 - (time.monotonic() - synced_at)))
            run_child(args)
            sim.stats.reset()
            again = run_child(args)
            out["nochange_s"] = again["seconds"]
            out["nochange_calls"] = {
                s.name: sim.stats.count(method="search_read", model=s.model)
                for s in STREAMS
                if s.runs_on(caps.version_major, caps.fields)
            }
            client.close()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument(
        "--lookback",
        type=int,
        default=180,
        help="[schedule] lookback_seconds; the no-change cycle waits this long first",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="sync and bare runs each, alternating (the median pair is the figure)",
    )
    parser.add_argument("--child")
    parser.add_argument("--bare")
    ns = parser.parse_args()
    if ns.child:
        child(json.loads(ns.child))
        return
    if ns.bare:
        bare_child(json.loads(ns.bare))
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = measure(ns.orders, Path(tmp), full=True, lookback=ns.lookback, repeat=ns.repeat)
        small = measure(ns.small, Path(tmp), full=False, lookback=ns.lookback)
    syncs = [s["seconds"] for s in big["syncs"]]
    pulls = [s["seconds"] - s["connect_s"] for s in big["syncs"]]
    bares = big["bares"]
    print(f"rows pulled at {ns.orders} orders: {big['rows']} (lookback {ns.lookback} s)")
    sync_s, bare_s, pull_s = _median(syncs), _median(bares), _median(pulls)
    print(
        f"full initial sync: jobs {sync_s:.2f} s vs bare search_read {bare_s:.2f} s "
        f"-> ratio {sync_s / bare_s:.2f} (target <= 1.3); without login and discovery "
        f"{pull_s:.2f} s -> ratio {pull_s / bare_s:.2f}"
    )
    if len(syncs) > 1:
        print(
            f"  medians of {len(syncs)} runs each, alternating; per pair: "
            + ", ".join(f"{s:.2f}/{b:.2f}={s / b:.2f}" for s, b in zip(syncs, bares, strict=True))
        )
    worst = max(big["nochange_calls"].values())
    print(
        f"no-change cycle: {big['nochange_s']:.2f} s, search_read per stream "
        f"{big['nochange_calls']} -> max {worst} (target <= 1)"
    )
    rss_b, rss_s = big["sync"]["hwm_kb"], small["sync"]["hwm_kb"]
    if rss_b and rss_s:
        print(
            f"peak RSS: {rss_b / 1024:.1f} MiB at {ns.orders} vs {rss_s / 1024:.1f} MiB at "
            f"{ns.small} -> ratio {rss_b / rss_s:.2f} (target <= 1.3)"
        )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


if __name__ == "__main__":
    main()
