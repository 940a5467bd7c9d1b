"""One ``svcsync daemon``-like process against odoosim, for test_two_daemons.py.

argv: state URL, odoosim URL, database, bot login, bot API key.  Runs ``jobs.scheduler.run_daemon``
for tenant ``main`` with short intervals until SIGTERM; prints one JSON line per finished run.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jobs_rules import simple_rules
from pydantic import SecretStr

from connector.settings import ConnectionSettings
from jobs.config import ScheduleConfig
from jobs.cycle import RunReport, Tenant
from jobs.scheduler import run_daemon
from jobs.state import open_store

_out = threading.Lock()


def main() -> None:
    state_url, url, database, login, key = sys.argv[1:6]
    tenant = Tenant(
        name="main",
        connection=ConnectionSettings(
            url=url, database=database, login=login, api_key=SecretStr(key), page_size=100
        ),
        rules=simple_rules,
        # Cycles every 5 s and a sweep every 9 s: both daemons' jobs keep meeting.
        schedule=ScheduleConfig(
            pull_interval_seconds=5, analyze_interval_seconds=5, sweep_interval_hours=0.0025
        ),
    )
    store = open_store(state_url)

    def on_report(rep: RunReport) -> None:
        line = {
            "pid": os.getpid(),
            "run_id": rep.run_id,
            "kind": rep.kind,
            "status": rep.status,
            "streams": sorted(rep.streams),
            "skipped": sorted(rep.skipped_streams),
            "held": rep.held,
            "notes": rep.notes,
            "errors": rep.errors,
        }
        with _out:
            print(json.dumps(line), flush=True)

    print("ready", flush=True)
    run_daemon([tenant], store, on_report=on_report)
    store.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
