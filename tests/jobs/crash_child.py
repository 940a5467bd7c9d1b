"""A sync run in a subprocess that SIGKILLs itself at a seeded point (used by test_crash.py).

Usage: python crash_child.py '<json args>' — url, database, login, key, store, seed, kill_at.
Kill points count: each page fetched (before its commit: mid-page), each page committed, and
each Odoo write returned (before the local commit: between "created in Odoo" and "recorded").
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jobs_rules import simple_rules
from pydantic import SecretStr

from connector.client import OdooClient
from connector.settings import ConnectionSettings
from jobs.cycle import Tenant, run_cycle
from jobs.state import open_store

EVENTS = [0]
KILL_AT = [0]


def tick() -> None:
    EVENTS[0] += 1
    if KILL_AT[0] and EVENTS[0] >= KILL_AT[0]:
        os.kill(os.getpid(), signal.SIGKILL)


class Killing:
    """Delegates to the real client; counts events and dies at the chosen one."""

    WRITES = ("ensure", "ensure_many", "create", "write", "message_post", "activity_done")

    def __init__(self, client: OdooClient) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name not in self.WRITES:
            return real

        def call(*a: Any, **kw: Any) -> Any:
            result = real(*a, **kw)
            tick()
            return result

        return call

    @property
    def capabilities(self) -> Any:
        return self._client.capabilities

    def stream(self, *a: Any, **kw: Any) -> Iterator[list[dict[str, Any]]]:
        for page in self._client.stream(*a, **kw):
            tick()
            yield page


def main() -> None:
    args = json.loads(sys.argv[1])
    KILL_AT[0] = int(args["kill_at"])
    tenant = Tenant(
        name="crash",
        connection=ConnectionSettings(
            url=args["url"],
            database=args["database"],
            login=args["login"],
            api_key=SecretStr(args["key"]),
            page_size=int(args.get("page_size", 100)),
        ),
        rules=simple_rules,
        client_factory=lambda s: Killing(OdooClient(s)),  # type: ignore[arg-type,return-value]
    )
    store = open_store(args["store"])
    report = run_cycle(tenant, store, after_page=lambda _s, _n: tick())
    print(json.dumps({"status": report.status, "events": EVENTS[0], "errors": report.errors}))


if __name__ == "__main__":
    main()
