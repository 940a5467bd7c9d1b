"""Helpers for the jobs/ tests that talk to odoosim over real HTTP."""

from __future__ import annotations

from collections import Counter
from typing import Any

from jobs_rules import simple_rules
from pydantic import SecretStr

from connector.client import OdooClient
from connector.settings import ConnectionSettings
from jobs.config import PushConfig, ScheduleConfig
from jobs.cycle import Tenant
from jobs.state import Store
from jobs.streams import STREAMS


def bot_settings(sim: Any, **kw: Any) -> ConnectionSettings:
    return ConnectionSettings(
        url=sim.url,
        database=sim.database,
        login=sim.bot_login,
        api_key=SecretStr(sim.bot_api_key),
        **kw,
    )


def admin_client(sim: Any) -> OdooClient:
    client = OdooClient(
        ConnectionSettings(
            url=sim.url,
            database=sim.database,
            login=sim.admin_login,
            api_key=SecretStr(sim.admin_password),
            # JSON-2 (19) takes API keys only; the admin here logs in with its password.
            protocol="jsonrpc",
        )
    )
    client.connect()
    return client


def tenant_for(sim: Any, name: str = "main", rules: Any = simple_rules, **kw: Any) -> Tenant:
    return Tenant(
        name=name,
        connection=bot_settings(sim, page_size=kw.pop("page_size", 200), **kw.pop("conn", {})),
        rules=rules,
        schedule=kw.pop("schedule", ScheduleConfig()),
        push=kw.pop("push", PushConfig()),
        **kw,
    )


def install_plugin(admin: OdooClient) -> None:
    """The ERP plugin's fields, activity type and tag (what the push writes to).

    The full ``install`` also adds views; where the simulator lacks a standard view the rest is
    installed item by item, so these tests depend only on what the push uses.
    """
    from connector.erp_plugin import ErpPlugin, install
    from connector.errors import NotFoundError

    try:
        install(admin)
        return
    except NotFoundError:
        pass
    for item in ErpPlugin(admin).plan():
        if item.model == "ir.ui.view":
            continue
        admin.ensure(item.model, item.name, item.values(), match=item.match, update=item.update)
    admin.connect()  # rediscover: x_svc_flag now exists


def odoo_counts(admin: OdooClient) -> dict[str, int]:
    """What svcsync made in Odoo, counted over RPC."""
    tickets = admin.search_count("helpdesk.ticket", [("description", "ilike", "svcsync finding")])
    rfqs = admin.search_count("purchase.order", [("origin", "=like", "svcsync:%")])
    lines = admin.search_count("purchase.order.line", [("order_id.origin", "=like", "svcsync:%")])
    activities = admin.search_count("mail.activity", [("summary", "ilike", "[svc-")])
    return {"tickets": tickets, "rfqs": rfqs, "rfq_lines": lines, "activities": activities}


def duplicates(admin: OdooClient) -> dict[str, list[str]]:
    """Markers that occur on more than one ticket, RFQ line or activity."""
    out: dict[str, list[str]] = {}
    rows = admin.search_read(
        "helpdesk.ticket", [("description", "ilike", "svcsync finding")], ["description"]
    )
    c = Counter(str(r["description"]).rsplit("svcsync finding", 1)[-1][:120] for r in rows)
    out["tickets"] = [k for k, n in c.items() if n > 1]
    rows = admin.search_read(
        "purchase.order.line", [("order_id.origin", "=like", "svcsync:%")], ["name"]
    )
    c = Counter(str(r["name"]).rsplit("[svc-", 1)[-1] for r in rows)
    out["rfq_lines"] = [k for k, n in c.items() if n > 1]
    rows = admin.search_read("mail.activity", [("summary", "ilike", "[svc-")], ["summary"])
    c = Counter(str(r["summary"]) for r in rows)
    out["activities"] = [k for k, n in c.items() if n > 1]
    return out


def mirror_matches(store: Store, tenant: str, admin: OdooClient, version: str) -> list[str]:
    """Differences between odoosim's records and the mirror (id and write_date per stream)."""
    problems: list[str] = []
    for s in STREAMS:
        if s.optional and not admin.capabilities.has_model(s.model):
            continue
        if s.versions and int(version) not in s.versions:
            continue
        odoo = {
            int(r["id"]): str(r["write_date"])
            for r in admin.search_read(
                s.model, list(s.domain), ["id", "write_date"], context={"active_test": False}
            )
        }
        mirrored = store.mirror_index(tenant, s.model)
        quarantined = {q["id"] for q in store.quarantined(tenant) if q["model"] == s.model}
        missing = set(odoo) - set(mirrored) - quarantined
        extra = set(mirrored) - set(odoo)
        if missing:
            problems.append(f"{s.model}: {len(missing)} missing, e.g. {sorted(missing)[:5]}")
        if extra:
            problems.append(f"{s.model}: {len(extra)} not in Odoo, e.g. {sorted(extra)[:5]}")
        stale = [i for i in set(odoo) & set(mirrored) if odoo[i] != mirrored[i]]
        if stale:
            problems.append(f"{s.model}: {len(stale)} stale rows, e.g. {sorted(stale)[:5]}")
    return problems
