"""``run_daemon`` over a slow gateway fake, for the SIGTERM test (test_daemon.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jobs_fakes import FakeClient
from pydantic import SecretStr

from connector.settings import ConnectionSettings
from jobs.cycle import Tenant
from jobs.scheduler import run_daemon
from jobs.state import open_store


class Slow(FakeClient):
    def stream(self, *a: Any, **kw: Any) -> Iterator[list[dict[str, Any]]]:
        for page in super().stream(*a, **kw):
            time.sleep(0.4)
            yield page


def main() -> None:
    client = Slow()
    for i in range(3000):
        client.put(
            "res.partner",
            {
                "name": f"P{i}",
                "display_name": f"P{i}",
                "commercial_partner_id": [1, "Co"],
                "is_company": True,
                "active": True,
            },
        )
        if i % 7 == 0:
            client.tick(1)
    tenant = Tenant(
        name="d",
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069",
            database="d",
            login="bot",
            api_key=SecretStr("k"),
            page_size=100,
        ),
        rules=lambda _s, _n: [],
        client_factory=lambda _s: client,  # type: ignore[arg-type,return-value]
    )
    store = open_store(sys.argv[1])
    print("ready", flush=True)
    run_daemon([tenant], store)
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
