"""Fixtures for the connector's tests against odoosim over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def sim17() -> Iterator[Any]:
    from odoosim import SimServer

    with SimServer(odoo_version="17", dataset="demo", orders=40, seed=3) as sim:
        yield sim


@pytest.fixture(scope="module")
def sim19() -> Iterator[Any]:
    from odoosim import SimServer

    with SimServer(odoo_version="19", dataset="demo", orders=30, seed=4) as sim:
        yield sim


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.slow`` tests of connector/ are opt-in: they run only with ``-m slow``."""
    if "slow" in (config.getoption("-m") or ""):
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords and here in Path(str(item.fspath)).parents:
            item.add_marker(skip)
