"""``erp uninstall`` then ``erp install``: the next cycle puts back what the plugin carried.

Over real HTTP against odoosim, with the installed ``svcsync`` command and SQLite state.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import admin_client, run_cli, sim_env, write_config

from connector import OdooClient
from jobs.state import open_store
from odoosim import SimServer

FLAGGED = ("res.partner", "sale.order", "account.move")


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="17", dataset="demo", orders=80, seed=5) as server:
        yield server


@pytest.fixture
def admin(sim: SimServer) -> Iterator[OdooClient]:
    with admin_client(sim) as client:
        yield client


def _cli(sim: SimServer, config: Path, *args: str) -> None:
    done = run_cli(*args, "--config", str(config), env=sim_env(sim), timeout=300)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])


def _seen(admin: OdooClient) -> dict[str, int]:
    """What an ERP user sees of svcsync, counted over RPC."""
    admin.connect()  # rediscover: the x_svc_ fields come and go
    out = {
        "tickets": admin.search_count(
            "helpdesk.ticket", [("description", "ilike", "svcsync finding")]
        ),
        "activities": admin.search_count("mail.activity", [("summary", "ilike", "[svc-")]),
    }
    for model in FLAGGED:
        have = admin.capabilities.fields.get(model, {})
        out[f"flags:{model}"] = (
            admin.search_count(model, [("x_svc_flag", "in", ["amber", "red"])])
            if "x_svc_flag" in have
            else 0
        )
    tags = admin.search("res.partner.category", [("name", "=", "Service: at risk")])
    out["tagged"] = admin.search_count("res.partner", [("category_id", "in", tags)]) if tags else 0
    return out


def test_reinstall_after_uninstall_gets_flags_activities_and_tag_back(
    sim: SimServer, admin: OdooClient, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "svcsync.toml", sim, tmp_path / "state.db")
    _cli(sim, config, "erp", "install", "--login", "admin")
    _cli(sim, config, "run")
    first = _seen(admin)
    assert first["activities"] and first["tagged"] and first["tickets"]
    assert sum(first[f"flags:{m}"] for m in FLAGGED), first

    # A run pushing for the tenant right now (its push lease held by a live process): the
    # plugin is removed from Odoo, but its bindings are not forgotten under that push; the
    # message says to repeat the uninstall, which then forgets them.
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        busy = store.acquire_lease("main:push", f"{socket.gethostname()}:{os.getpid()}:x:run", 600)
        assert busy is not None
        refused = run_cli(
            "erp", "uninstall", "--login", "admin", "--config", str(config), env=sim_env(sim),
            timeout=300,
        )  # fmt: skip
        assert refused.returncode == 1, (refused.stdout[-2000:], refused.stderr[-2000:])
        assert "lease main:push is held" in refused.stderr, refused.stderr
        assert "svcsync erp uninstall` again" in refused.stderr, refused.stderr
        assert store.bindings_like("main", "flag:"), "the bindings were forgotten under a push"
        store.release_lease(busy)
    finally:
        store.close()
    _cli(sim, config, "erp", "uninstall", "--login", "admin")
    gone = _seen(admin)
    assert gone["activities"] == 0 and gone["tagged"] == 0
    assert all(gone[f"flags:{m}"] == 0 for m in FLAGGED)

    _cli(sim, config, "erp", "install", "--login", "admin")
    _cli(sim, config, "run")
    assert _seen(admin) == first  # everything back, no ticket twice
    _cli(sim, config, "run")
    assert _seen(admin) == first
