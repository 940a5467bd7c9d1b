"""Fixtures of the jobs/ tests: a state store on SQLite and on PostgreSQL, and the admin
client of a module's simulator with the ERP plugin installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jobs_sim import admin_client, install_plugin

from connector import OdooClient
from jobs.state import Store, open_store


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def admin(sim: Any) -> Iterator[OdooClient]:
    """The administrator of the module's ``sim`` (each module defines its own simulator), with
    the ERP plugin's fields, activity type and tag installed: what the push writes to."""
    client = admin_client(sim)
    install_plugin(client)
    yield client
    client.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.slow`` tests of jobs/ are opt-in: they run only with ``-m slow``."""
    if "slow" in (config.getoption("-m") or ""):
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords and here in item.path.parents:
            item.add_marker(skip)
