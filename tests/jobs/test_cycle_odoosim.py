"""Acceptance of the cycle against odoosim over real HTTP, state on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobs_sim import (
    admin_client,
    duplicates,
    install_plugin,
    mirror_matches,
    odoo_counts,
    tenant_for,
)

from connector.client import OdooClient
from connector.settings import RetrySettings
from jobs.cycle import run_cycle, run_sweep
from jobs.state import Store
from odoosim import SimServer

ORDERS = 60


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=ORDERS, seed=11) as server:
        yield server


def test_cycle_pushes_every_finding_once_and_resolves_what_was_fixed(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = tenant_for(sim)
    first = run_cycle(tenant, store)
    assert first.status == "ok", first.errors
    found = {f["key"]: f for f in store.findings("main")}
    assert found, "the stand-in rules found nothing on the demo company"
    after_first = odoo_counts(admin)
    late = [f for f in found.values() if f["rule"] == "orders.late"]
    reorders = [f for f in found.values() if f["rule"] == "inventory.reorder"]
    overdue = [f for f in found.values() if f["rule"] == "billing.overdue"]
    assert after_first["tickets"] == len(late)
    assert after_first["activities"] == len(overdue)
    assert after_first["rfq_lines"] == len([f for f in reorders if f["rule"]])
    for f in late:
        (order,) = admin.read("sale.order", [f["subject_id"]], ["x_svc_flag"])
        assert order["x_svc_flag"] == "red"
    rfq_states = {
        r["state"]
        for r in admin.search_read("purchase.order", [("origin", "=like", "svcsync:%")], ["state"])
    }
    assert rfq_states <= {"draft"}

    second = run_cycle(tenant, store)
    assert second.status == "ok", second.errors
    assert second.push["created"] == 0
    # The flags written by the first push came back through the pull; nothing is missing.
    assert mirror_matches(store, "main", admin, "17") == []
    assert odoo_counts(admin) == after_first
    assert duplicates(admin) == {"tickets": [], "rfq_lines": [], "activities": []}

    # Fix one late order in Odoo: promise it for next month.
    target = late[0]
    ticket = store.binding("main", f"ticket:{target['key']}")
    assert ticket is not None
    notes_before = admin.search_count(
        "mail.message", [("model", "=", ticket["odoo_model"]), ("res_id", "=", ticket["odoo_id"])]
    )
    admin.write("sale.order", [target["subject_id"]], {"commitment_date": "2099-01-01 00:00:00"})
    third = run_cycle(tenant, store)
    assert third.status == "ok", third.errors
    assert third.push["resolved"] >= 1
    assert target["key"] in {f["key"] for f in store.findings("main", status="resolved")}
    (order,) = admin.read("sale.order", [target["subject_id"]], ["x_svc_flag"])
    assert order["x_svc_flag"] == "green"
    notes_after = admin.search_count(
        "mail.message", [("model", "=", ticket["odoo_model"]), ("res_id", "=", ticket["odoo_id"])]
    )
    assert notes_after == notes_before + 1
    assert odoo_counts(admin)["tickets"] == after_first["tickets"]


def test_dry_run_plans_everything_and_writes_nothing(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = tenant_for(sim)
    run_cycle(tenant, store, pull=True, dry_run=True)  # no pull in a dry run: empty mirror
    assert store.findings("main") == [] and store.runs() == []
    # With a mirror, the plan lists the creates; still nothing written anywhere.
    tenant_pull = tenant_for(sim, rules=lambda _s, _n: [])
    run_cycle(tenant_pull, store)
    before = odoo_counts(admin)
    plan = run_cycle(tenant, store, dry_run=True)
    assert plan.plan and {p["op"] for p in plan.plan} == {"create"}
    assert odoo_counts(admin) == before
    assert store.findings("main") == []


def test_sweep_finds_deleted_and_archived_partners(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = tenant_for(sim, rules=lambda _s, _n: [])
    a = admin.create("res.partner", {"name": "Gone Soon"})
    b = admin.create("res.partner", {"name": "Archived Soon"})
    run_cycle(tenant, store, streams=["partners"])
    admin.unlink("res.partner", [a])
    admin.write("res.partner", [b], {"active": False})
    rep = run_sweep(tenant, store, streams=["partners"])
    assert rep.status == "ok", rep.errors
    index = store.mirror_index("main", "res.partner")
    assert a not in index and b in index
    live = dict(store.iter_mirror("main", "res.partner"))
    assert b not in live  # archived: kept, but inactive


def test_a_page_boundary_inside_identical_write_dates_loses_nothing(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = tenant_for(sim, rules=lambda _s, _n: [], page_size=100)
    run_cycle(tenant, store, streams=["partners"])
    ids = admin.create("res.partner", [{"name": f"Same stamp {i}"} for i in range(230)])
    stamps = {r["write_date"] for r in admin.read("res.partner", ids, ["write_date"])}
    assert len(stamps) <= 2  # one create call: (nearly) one write_date for all
    rep = run_cycle(tenant, store, streams=["partners"])
    assert rep.status == "ok", rep.errors
    assert set(ids) <= set(store.mirror_index("main", "res.partner"))


def test_a_late_commit_90s_behind_the_cursor_is_picked_up(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = tenant_for(sim, rules=lambda _s, _n: [])
    run_cycle(tenant, store, streams=["partners"])
    sim.faults.update(late_commit_seconds=90, models=["res.partner"])
    late = admin.create("res.partner", {"name": "Committed late"})
    sim.faults.clear()
    (row,) = admin.read("res.partner", [late], ["write_date"])
    cursor = store.get_cursor("main", "partners")
    assert cursor is not None and row["write_date"] < cursor["high"]
    run_cycle(tenant, store, streams=["partners"])
    assert late in store.mirror_index("main", "res.partner")


def test_faults_are_recorded_and_the_next_run_catches_up(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    retry = RetrySettings(attempts=3, base=0.1, cap=1.0, total=20.0)
    tenant = tenant_for(sim, rules=lambda _s, _n: [], conn={"read_timeout": 1.0, "retry": retry})
    sim.faults.update(hang_seconds=3, hang_rate=1.0, models=["sale.order"], methods=["search_read"])
    bad = run_cycle(tenant, store)
    assert bad.status == "partial" and any("orders" in e for e in bad.errors)
    assert store.runs()[0].status == "partial"
    sim.faults.clear()
    sim.faults.update(http_status=503, http_status_count=2, retry_after=1)
    good = run_cycle(tenant, store)
    assert good.status == "ok", good.errors
    sim.faults.clear()
    sim.faults.update(serialization_rate=1.0, models=["account.move"], methods=["search_read"])
    third = run_cycle(tenant, store)
    sim.faults.clear()
    assert third.status == "partial" and any("invoices" in e for e in third.errors)
    sim.faults.update(reset_rate=1.0, models=["stock.picking"], methods=["search_read"])
    reset = run_cycle(tenant, store)
    sim.faults.clear()
    assert reset.status == "partial" and any("pickings" in e for e in reset.errors)
    assert [r.status for r in store.runs("main")][:2] == ["partial", "partial"]
    fourth = run_cycle(tenant, store)
    assert fourth.status == "ok", fourth.errors
    assert mirror_matches(store, "main", admin, "17") == []


def test_a_second_runner_skips_streams_whose_lease_is_held(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    held = store.acquire_lease("main:orders", "other-daemon", ttl=60)
    assert held is not None
    rep = run_cycle(tenant_for(sim, rules=lambda _s, _n: []), store, holder="this-daemon")
    assert "orders" in rep.skipped_streams and "orders" not in rep.streams
    assert store.get_cursor("main", "orders") is None


@pytest.mark.parametrize("version", ["16", "18", "19"])
def test_other_version_profiles_sync_and_push_once(version: str, tmp_path: Any) -> None:
    from jobs.state import open_store

    with SimServer(odoo_version=version, dataset="demo", orders=30, seed=3) as server:
        admin = admin_client(server)
        install_plugin(admin)
        store = open_store(f"sqlite:///{tmp_path / 'v.db'}")
        tenant = tenant_for(server)
        first = run_cycle(tenant, store)
        assert first.status == "ok", first.errors
        assert first.push["created"] > 0
        second = run_cycle(tenant, store)
        assert second.status == "ok" and second.push["created"] == 0
        assert mirror_matches(store, "main", admin, version) == []
        store.close()
        admin.close()


@pytest.mark.parametrize("target", ["activities", "project.task"])
def test_ticket_target_without_a_helpdesk(target: str, tmp_path: Any) -> None:
    from jobs.config import PushConfig
    from jobs.state import open_store

    apps = {"sale", "stock", "purchase", "account", "mail", "repair", "product"}
    if target == "project.task":
        apps.add("project")
    with SimServer(odoo_version="17", dataset="demo", orders=40, seed=3, apps=apps) as server:
        admin = admin_client(server)
        install_plugin(admin)
        push = PushConfig(activity_user="admin")
        if target == "project.task":
            admin.create("project.project", {"name": "Service issues"})
            push = PushConfig(project="Service issues")
        store = open_store(f"sqlite:///{tmp_path / 't.db'}")
        rep = run_cycle(tenant_for(server, push=push), store)
        assert rep.status == "ok", rep.errors
        late = [f for f in store.findings("main") if f["rule"] == "orders.late"]
        assert late
        if target == "activities":
            assert any("activities only" in n for n in rep.notes)
            ids = []
            for f in late:
                bound = store.binding("main", f"activity:{f['key']}")
                assert bound is not None
                ids.append(bound["odoo_id"])
            users = {r["user_id"][0] for r in admin.read("mail.activity", ids, ["user_id"])}
            assert users == {admin.uid}  # [push] activity_user = "admin"
        else:
            tasks = admin.search_read(
                "project.task", [("description", "ilike", "svcsync finding")], ["project_id"]
            )
            assert len(tasks) == len(late)
            assert {t["project_id"][1] for t in tasks} == {"Service issues"}
        store.close()
        admin.close()


def test_tickets_go_to_the_configured_helpdesk_team(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    from jobs.config import PushConfig

    team = admin.create("helpdesk.ticket.team", {"name": "Customer Care"})
    rep = run_cycle(tenant_for(sim, push=PushConfig(team="Customer Care")), store)
    assert rep.status == "ok", rep.errors
    tickets = admin.search_read(
        "helpdesk.ticket", [("description", "ilike", "svcsync finding")], ["team_id"]
    )
    assert tickets and {t["team_id"][0] for t in tickets} == {team}
    wrong = run_cycle(tenant_for(sim, push=PushConfig(team="Nobody")), store)
    assert wrong.status == "partial" and "no helpdesk.ticket.team" in wrong.errors[0]


def test_every_planted_problem_shows_in_odoo_where_its_rule_says(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    from jobs_rules import manifest_rules

    from jobs.actions import ACTIVITY, FLAG, REORDER, RULE_ACTIONS, TICKET, token
    from service.model import finding_key

    planted = sim.manifest["planted"]
    assert len({p["rule"] for p in planted}) >= 13
    rep = run_cycle(tenant_for(sim, rules=manifest_rules(planted)), store)
    assert rep.status == "ok", rep.errors
    missing: list[str] = []
    for p in planted:
        key = finding_key(p["rule"], p["model"], p["id"])
        wants = RULE_ACTIONS[p["rule"]]
        seen = set()
        if admin.search_count(
            "helpdesk.ticket", [("description", "ilike", f"svcsync finding {key}")]
        ):
            seen.add(TICKET)
        if admin.search_count("mail.activity", [("summary", "ilike", token(key))]):
            seen.add(ACTIVITY)
        if admin.search_count("purchase.order.line", [("name", "ilike", token(key))]):
            seen.add(REORDER)
        flag_on = p["model"]
        if p["model"] == "repair.order":  # repairs flag their customer
            flag_on = "res.partner"
        if flag_on in ("res.partner", "sale.order", "account.move"):
            target = p["id"]
            if p["model"] == "repair.order":
                (row,) = admin.read("repair.order", [p["id"]], ["partner_id"])
                target = row["partner_id"][0]
            (row,) = admin.read(flag_on, [target], ["x_svc_flag"])
            if row["x_svc_flag"] == "red":
                seen.add(FLAG)
        if not wants <= seen:
            missing.append(f"{key}: wants {sorted(wants)}, Odoo shows {sorted(seen)}")
    assert missing == []
    again = run_cycle(tenant_for(sim, rules=manifest_rules(planted)), store)
    assert again.status == "ok" and again.push["created"] == 0


def test_reorders_go_on_one_draft_rfq_per_vendor_and_never_into_a_confirmed_one(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    """One draft RFQ per vendor, created with its lines, merged into while it is a draft,
    never confirmed by svcsync; once a buyer confirms or cancels it, the next reorder opens a
    new draft and the handled RFQ is never written to again (over real HTTP)."""
    from datetime import UTC, datetime

    from jobs.actions import token
    from service.model import ErpRef, Finding, Severity, finding_key

    infos = admin.search_read(
        "product.supplierinfo", [], ["partner_id", "product_tmpl_id", "price"], order="id asc"
    )
    by_vendor: dict[int, list[int]] = {}
    for si in infos:
        by_vendor.setdefault(int(si["partner_id"][0]), []).append(int(si["product_tmpl_id"][0]))
    vendor, templates = max(by_vendor.items(), key=lambda kv: (len(kv[1]), -kv[0]))
    products = admin.search("product.product", [("product_tmpl_id", "in", templates)], order="id")
    assert len(products) >= 4, "the demo needs a vendor supplying four products"
    a, b, c, d = products[:4]
    now = datetime.now(UTC)

    def need(pid: int, qty: float) -> Finding:
        return Finding(
            key=finding_key("inventory.reorder", "product.product", pid),
            rule="inventory.reorder",
            severity=Severity.warning,
            subject=ErpRef(tenant="main", model="product.product", id=pid, name=f"P{pid}"),
            evidence={"product_id": pid, "quantity": qty, "vendor_id": vendor, "price_unit": 2.0},
            message=f"P{pid} is short.",
            detected_at=now,
        )

    wanted: dict[int, Finding] = {}
    tenant = tenant_for(sim, rules=lambda _s, _n: list(wanted.values()))
    runs = iter(range(100))

    def cycle(**needs: float) -> None:
        # A change in Odoo, so the analysis runs now rather than at its next interval.
        admin.write("res.partner", [vendor], {"name": f"Vendor (run {next(runs)})"})
        wanted.clear()
        for name, qty in needs.items():
            pid = {"a": a, "b": b, "c": c, "d": d}[name]
            wanted[pid] = need(pid, qty)
        rep = run_cycle(tenant, store)
        assert rep.status == "ok", rep.errors
        assert rep.push["failed"] == 0, rep.errors

    def rfqs() -> list[dict[str, Any]]:
        return admin.search_read(
            "purchase.order",
            [("origin", "=like", "svcsync:%"), ("partner_id", "=", vendor)],
            ["state", "origin", "order_line"],
            order="id asc",
        )

    def line(pid: int) -> list[dict[str, Any]]:
        mark = token(finding_key("inventory.reorder", "product.product", pid))
        return admin.search_read(
            "purchase.order.line",
            [("name", "ilike", f"[{mark}]")],
            ["order_id", "product_id", "product_qty"],
        )

    cycle(a=5)
    (first,) = rfqs()
    assert first["state"] == "draft" and len(first["order_line"]) == 1
    cycle(a=5, b=7)  # merged into the open draft, origin names both findings
    (first,) = rfqs()
    assert len(first["order_line"]) == 2
    assert f"product.product:{a}" in first["origin"] and f"product.product:{b}" in first["origin"]
    cycle(a=9, b=7)  # the request grew: its draft line follows, no second line
    (la,) = line(a)
    assert la["product_qty"] == 9 and la["order_id"][0] == first["id"]

    admin.call("purchase.order", "button_confirm", [first["id"]])  # a buyer confirms it
    confirmed_lines = admin.search_read(
        "purchase.order.line", [("order_id", "=", first["id"])], ["product_qty", "name"]
    )
    cycle(a=12, b=7, c=3)  # c opens a new draft; a is never ordered twice nor rewritten
    first_now, second = rfqs()
    assert first_now["state"] == "purchase" and second["state"] == "draft"
    assert [ln["order_id"][0] for ln in line(c)] == [second["id"]]
    assert len(line(a)) == 1 and len(line(b)) == 1
    assert (
        admin.search_read(
            "purchase.order.line", [("order_id", "=", first["id"])], ["product_qty", "name"]
        )
        == confirmed_lines
    )

    admin.call("purchase.order", "button_cancel", [second["id"]])  # a buyer cancels it
    cycle(a=12, b=7, c=4, d=2)
    states = [r["state"] for r in rfqs()]
    assert states == ["purchase", "cancel", "draft"]
    third = rfqs()[2]
    assert [ln["order_id"][0] for ln in line(d)] == [third["id"]]
    assert len(third["order_line"]) == 1 and len(line(c)) == 1  # c is not re-ordered
    quiet_before = admin.search_count("purchase.order.line", [])
    cycle(a=12, b=7, c=4, d=2)
    assert admin.search_count("purchase.order.line", []) == quiet_before
    assert [r["state"] for r in rfqs()] == ["purchase", "cancel", "draft"]  # never confirmed
