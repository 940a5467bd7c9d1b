"""Acceptance with the real rule engine over real HTTP, state on SQLite and on PostgreSQL
(the ``store`` fixture): every planted problem of the demo shows in Odoo where its rule says
(ticket, activity, RFQ line, flag), counted over RPC; a second cycle creates nothing; a
problem fixed in Odoo over RPC is resolved by the next cycle (activity done, flag back to
green, note on the ticket)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobs_sim import tenant_for

from connector.client import OdooClient
from jobs.actions import token
from jobs.cycle import Tenant, run_cycle
from jobs.state import Store
from odoosim import SimServer
from service.actions import ACTIVITY, FLAG, REORDER, RULE_ACTIONS, TICKET, Plan, plan
from service.model import Finding, finding_key

service_rules = pytest.importorskip("service.rules", reason="service/rules not written yet")

FLAG_MODELS = ("res.partner", "sale.order", "account.move")
# Every model svcsync creates records in (the ERP plugin's own records included).
CREATED_IN = (
    "helpdesk.ticket",
    "purchase.order",
    "purchase.order.line",
    "mail.activity",
    "mail.message",
    "ir.model.data",
)
ALL = {"active_test": False}


def _rules() -> Any:
    from service.config import RulesConfig

    return service_rules.build(RulesConfig())


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=300, seed=7) as server:
        yield server


def _tenant(sim: Any) -> Tenant:
    return tenant_for(sim, rules=_rules(), page_size=1000)


def _tag(admin: OdooClient) -> int:
    found = admin.find_external_id("partner_tag_service_at_risk")
    assert found is not None, "the ERP plugin's partner tag is missing"
    return found[1]


def census(admin: OdooClient) -> dict[str, Any]:
    """Everything svcsync writes in Odoo, read over RPC: record counts of every model it
    creates in, and the flags, reasons and tags it writes on existing records."""
    out: dict[str, Any] = {m: admin.search_count(m, [], context=ALL) for m in CREATED_IN}
    out["ir.model.data svcsync"] = admin.search_count("ir.model.data", [("module", "=", "svcsync")])
    for model in FLAG_MODELS:
        rows = admin.search_read(
            model, [("x_svc_flag", "!=", False)], ["x_svc_flag", "x_svc_reason"], context=ALL
        )
        out[f"{model} flags"] = {int(r["id"]): (r["x_svc_flag"], r["x_svc_reason"]) for r in rows}
    out["tagged partners"] = sorted(
        admin.search("res.partner", [("category_id", "in", [_tag(admin)])], context=ALL)
    )
    return out


def _open(store: Store) -> list[Finding]:
    return [Finding.model_validate(v) for v in store.open_findings("main").values()]


def _flags_match_the_plan(admin: OdooClient, wanted: Plan) -> None:
    """Odoo shows exactly the flags the open findings ask for (every other flag is green),
    and the "Service: at risk" tag on exactly the red partners."""
    expect = {(q.subject.model, q.subject.id): q.level.value for q in wanted.flags}
    shown: dict[tuple[str, int], str] = {}
    for model in FLAG_MODELS:
        for r in admin.search_read(
            model, [("x_svc_flag", "in", ["amber", "red"])], ["x_svc_flag", "x_svc_reason"]
        ):
            shown[(model, int(r["id"]))] = str(r["x_svc_flag"])
            assert r["x_svc_reason"], f"{model},{r['id']} is flagged without a reason"
    assert shown == expect
    red = sorted(rid for (m, rid), level in expect.items() if m == "res.partner" and level == "red")
    assert sorted(admin.search("res.partner", [("category_id", "in", [_tag(admin)])])) == red


def _where_it_shows(admin: OdooClient, p: dict[str, Any], f: Finding, wanted: Plan) -> list[str]:
    """What is missing in Odoo for one planted problem (empty: it shows everywhere)."""
    key, mark = f.key, token(f.key)
    wants = RULE_ACTIONS[p["rule"]]
    problems: list[str] = []
    tickets = admin.search_read(
        "helpdesk.ticket", [("description", "ilike", f"svcsync finding {key}")], ["name"]
    )
    no_supplier = [t for t in tickets if str(t["name"]).startswith("No supplier set")]
    if TICKET in wants and len(tickets) != 1:
        problems.append(f"{len(tickets)} tickets")
    if ACTIVITY in wants:
        n = admin.search_count(
            "mail.activity",
            [("res_model", "=", p["model"]), ("res_id", "=", p["id"]), ("summary", "ilike", mark)],
        )
        if n != 1:
            problems.append(f"{n} activities on the subject")
    if REORDER in wants:
        request = next((r for r in wanted.reorders if r.finding_key == key), None)
        product = f.evidence.get("product_id")
        if request is not None:
            lines = admin.search_read(
                "purchase.order.line",
                [("name", "ilike", f"[{mark}]")],
                ["order_id", "product_id", "product_qty"],
            )
            if len(lines) != 1:
                problems.append(f"{len(lines)} RFQ lines")
            else:
                (line,) = lines
                (po,) = admin.read(
                    "purchase.order", [line["order_id"][0]], ["state", "origin", "partner_id"]
                )
                if po["state"] != "draft" or key not in str(po["origin"]):
                    problems.append(f"RFQ {po['state']} with origin {po['origin']!r}")
                if po["partner_id"][0] != f.evidence.get("vendor_id"):
                    problems.append(f"RFQ to {po['partner_id']}, not the finding's vendor")
                if line["product_id"][0] != product or line["product_qty"] != request.quantity:
                    problems.append(f"line {line['product_id']} x {line['product_qty']}")
        elif not no_supplier:
            # Covered by the product's own reorder (service.actions.plan, one per product).
            own = finding_key("inventory.reorder", "product.product", int(str(product)))
            if not any(r.finding_key == own for r in wanted.reorders):
                problems.append("no RFQ line, no covering reorder, no 'no supplier' ticket")
    if FLAG in wants:
        refs = [r for r in (f.subject, f.customer) if r is not None and r.model in FLAG_MODELS]
        if not refs:
            problems.append("nothing to flag")
        for ref in refs:
            (row,) = admin.read(ref.model, [ref.id], ["x_svc_flag"])
            if row["x_svc_flag"] not in ("amber", "red"):
                problems.append(f"{ref.model},{ref.id} flag {row['x_svc_flag']}")
    return problems


def test_every_planted_problem_shows_once_and_a_fix_resolves_it(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    tenant = _tenant(sim)
    planted = sim.manifest["planted"]
    assert len({p["rule"] for p in planted}) == 13
    before = census(admin)

    first = run_cycle(tenant, store)
    assert first.status == "ok", first.errors
    assert first.push["failed"] == 0
    found = {f.key: f for f in _open(store)}
    wanted = plan(found.values())
    missing: dict[str, list[str]] = {}
    for p in planted:
        key = finding_key(p["rule"], p["model"], p["id"])
        if key not in found:
            missing[key] = ["not found by the rules"]
        elif problems := _where_it_shows(admin, p, found[key], wanted):
            missing[key] = problems
    assert missing == {}
    _flags_match_the_plan(admin, wanted)
    # Every action once, nothing more (counted over RPC against the plan).
    after = census(admin)
    assert after["helpdesk.ticket"] - before["helpdesk.ticket"] == len(wanted.tickets)
    assert after["mail.activity"] - before["mail.activity"] == len(wanted.activities)
    assert after["purchase.order.line"] - before["purchase.order.line"] == len(wanted.reorders)
    vendors = {r.vendor_id for r in wanted.reorders}
    assert after["purchase.order"] - before["purchase.order"] == len(vendors)
    assert {
        r["state"]
        for r in admin.search_read("purchase.order", [("origin", "=like", "svcsync:%")], ["state"])
    } == {"draft"}

    second = run_cycle(tenant, store)
    assert second.status == "ok", second.errors
    assert second.push["created"] == 0 and second.push["failed"] == 0
    assert census(admin) == after

    # Fix three planted problems in Odoo over RPC, one per kind of action.
    late = _fixable_late_order(admin, planted, wanted)
    overdue = _only_finding_on(planted, wanted, "billing.overdue")
    repair = next(p for p in planted if p["rule"] == "repairs.parts_missing")
    admin.write("sale.order", [late["id"]], {"commitment_date": "2099-01-01 00:00:00"})
    admin.write("account.move", [overdue["id"]], {"invoice_date_due": "2099-01-01"})
    admin.call("repair.order", "action_repair_cancel", [repair["id"]])
    keys = {
        k: finding_key(p["rule"], p["model"], p["id"])
        for k, p in (("late", late), ("overdue", overdue), ("repair", repair))
    }
    ticket = store.binding("main", f"ticket:{keys['late']}")
    activity = store.binding("main", f"activity:{keys['overdue']}")
    assert ticket is not None and activity is not None
    rfq_lines = census(admin)["purchase.order.line"]

    third = run_cycle(tenant, store)
    assert third.status == "ok", third.errors
    resolved = {f["key"] for f in store.findings("main", status="resolved")}
    assert set(keys.values()) <= resolved
    # Note on the ticket, activity done, flags back to green.
    notes = admin.search_read(
        "mail.message",
        [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket["odoo_id"])],
        ["body"],
    )
    assert sum("no longer finds" in str(m["body"]) for m in notes) == 1
    assert admin.search_count("mail.activity", [("id", "=", activity["odoo_id"])]) == 0
    assert admin.search_count("mail.activity", [("summary", "ilike", token(keys["overdue"]))]) == 0
    for model, rid in (("sale.order", late["id"]), ("account.move", overdue["id"])):
        (row,) = admin.read(model, [rid], ["x_svc_flag", "x_svc_reason"])
        assert (row["x_svc_flag"], row["x_svc_reason"]) == ("green", False), (model, rid)
    _flags_match_the_plan(admin, plan(_open(store)))
    # The repair's RFQ line stays where a buyer may already be working on it.
    assert census(admin)["purchase.order.line"] == rfq_lines
    settled = {f["key"] for f in store.findings("main", status="resolved")}
    quiet = run_cycle(tenant, store)
    assert quiet.status == "ok" and quiet.push["created"] == 0
    late_resolved = {f["key"] for f in store.findings("main", status="resolved")} - settled
    assert quiet.push["resolved"] == 0, (late_resolved, third.push, third.as_dict())


def _only_finding_on(planted: list[dict[str, Any]], wanted: Plan, rule: str) -> dict[str, Any]:
    """A planted problem that is the only open finding flagging its subject."""
    flags = {(q.subject.model, q.subject.id): q.finding_keys for q in wanted.flags}
    for p in planted:
        key = finding_key(p["rule"], p["model"], p["id"])
        if p["rule"] == rule and flags.get((p["model"], p["id"])) == (key,):
            return p
    raise AssertionError(f"no planted {rule} is alone on its record")


def _fixable_late_order(
    admin: OdooClient, planted: list[dict[str, Any]], wanted: Plan
) -> dict[str, Any]:
    """A planted late order alone on its record that has delivered something (so a new
    promise date does not make it a stuck order instead)."""
    flags = {(q.subject.model, q.subject.id): q.finding_keys for q in wanted.flags}
    for p in planted:
        key = finding_key(p["rule"], p["model"], p["id"])
        if p["rule"] != "orders.late" or flags.get(("sale.order", p["id"])) != (key,):
            continue
        lines = admin.search_read(
            "sale.order.line", [("order_id", "=", p["id"])], ["qty_delivered"]
        )
        if any(float(r["qty_delivered"] or 0) > 0 for r in lines):
            return p
    raise AssertionError("no planted late order has delivered part of its lines")


def test_a_stock_finding_without_a_supplier_gets_a_ticket_saying_so(
    sim: Any, admin: OdooClient, store: Store
) -> None:
    """The push never guesses a vendor: with the supplier of a repair's missing part removed
    in Odoo, the repair's reorder becomes a ticket saying no supplier is set (not a failure,
    not an RFQ line without a vendor)."""
    repair = next(p for p in sim.manifest["planted"] if p["rule"] == "repairs.parts_missing")
    key = finding_key(repair["rule"], repair["model"], repair["id"])
    parts = admin.search_read("stock.move", [("repair_id", "=", repair["id"])], ["product_id"])
    products = sorted({int(r["product_id"][0]) for r in parts})
    templates = [
        int(r["product_tmpl_id"][0])
        for r in admin.read("product.product", products, ["product_tmpl_id"])
    ]
    infos = admin.search("product.supplierinfo", [("product_tmpl_id", "in", templates)])
    assert infos
    admin.unlink("product.supplierinfo", infos)

    first = run_cycle(_tenant(sim), store)
    assert first.status == "ok", first.errors
    assert first.push["failed"] == 0
    f = {x.key: x for x in _open(store)}[key]
    assert "vendor_id" not in f.evidence and f.evidence["product_id"] in products
    own = finding_key("inventory.reorder", "product.product", int(str(f.evidence["product_id"])))
    tickets = admin.search_read(
        "helpdesk.ticket", [("name", "=like", "No supplier set%")], ["name", "description"]
    )
    about = [t for t in tickets if key in str(t["description"]) or own in str(t["description"])]
    assert len(about) == 1, tickets
    assert "No supplier is set" in str(about[0]["description"])
    assert admin.search_count("purchase.order.line", [("name", "ilike", token(key))]) == 0
    assert admin.search_count("purchase.order", [("partner_id", "=", False)]) == 0
    again = run_cycle(_tenant(sim), store)
    assert again.status == "ok" and again.push["created"] == 0
