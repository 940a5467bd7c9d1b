"""Acceptance with the real rule engine: every planted problem of the demo becomes visible in
Odoo (ticket, activity, RFQ line or flag), counted over RPC; a second cycle creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobs_sim import admin_client, duplicates, install_plugin, odoo_counts, tenant_for

from connector.client import OdooClient
from jobs.actions import token
from jobs.cycle import run_cycle
from jobs.state import Store
from odoosim import SimServer
from service.model import finding_key

service_rules = pytest.importorskip("service.rules", reason="service/rules not written yet")

FLAG_MODELS = {"res.partner", "sale.order", "account.move"}


def _rules() -> Any:
    try:
        from service.config import RulesConfig  # type: ignore[import-not-found]
    except ImportError:
        from svcsync.sections import RulesConfig
    return service_rules.build(RulesConfig())


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=300, seed=7) as server:
        yield server


def _visible(admin: OdooClient, p: dict[str, Any]) -> list[str]:
    key = finding_key(p["rule"], p["model"], p["id"])
    where: list[str] = []
    if admin.search_count("helpdesk.ticket", [("description", "ilike", f"svcsync finding {key}")]):
        where.append("ticket")
    if admin.search_count("mail.activity", [("summary", "ilike", token(key))]):
        where.append("activity")
    if admin.search_count("purchase.order.line", [("name", "ilike", token(key))]):
        where.append("rfq line")
    if p["model"] in FLAG_MODELS:
        (row,) = admin.read(p["model"], [p["id"]], ["x_svc_flag"])
        if row["x_svc_flag"] in ("amber", "red"):
            where.append(f"flag {row['x_svc_flag']}")
    return where


def test_every_planted_problem_is_visible_in_odoo(sim: Any, store: Store) -> None:
    admin = admin_client(sim)
    install_plugin(admin)
    tenant = tenant_for(sim, rules=_rules(), page_size=1000)
    first = run_cycle(tenant, store)
    assert first.status == "ok", first.errors
    missing = [
        f"{p['rule']} {p['model']},{p['id']}"
        for p in sim.manifest["planted"]
        if not _visible(admin, p)
    ]
    assert missing == []
    counts = odoo_counts(admin)
    second = run_cycle(tenant, store)
    assert second.status == "ok", second.errors
    assert second.push.get("created", 0) == 0
    assert odoo_counts(admin) == counts
    assert duplicates(admin) == {"tickets": [], "rfq_lines": [], "activities": []}
    admin.close()
