"""The demo generator: deterministic, sized, dated relative to today, consistent, per version."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from odoosim.datasets import Dataset, demo, empty
from odoosim.datasets.base import structural_records

TODAY = date(2026, 11, 22)
RULES = {
    "billing.amount_mismatch",
    "billing.over_invoiced",
    "billing.not_invoiced",
    "billing.duplicate_invoice",
    "billing.wrong_partner",
    "billing.overdue",
    "billing.refund_pileup",
    "orders.late",
    "orders.stuck",
    "orders.unservable",
    "repairs.parts_missing",
    "inventory.reorder",
    "inventory.overstock",
}


@cache
def dataset(
    seed: int = 7, orders: int = 300, version: str = "17", plant: bool = True, today: date = TODAY
) -> Dataset:
    return demo.generate(seed, orders, version, today, plant=plant)


def dump(ds: Dataset) -> str:
    return json.dumps(ds.records, sort_keys=True)


def by_id(ds: Dataset, model: str) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in ds.records[model]}


# ---- determinism and size ---------------------------------------------------------------


def test_same_seed_gives_identical_records_and_manifest() -> None:
    a = demo.generate(7, 300, "17", TODAY)
    b = demo.generate(7, 300, "17", TODAY)
    assert dump(a) == dump(b)
    assert a.manifest == b.manifest


def test_different_seed_gives_a_different_company() -> None:
    a, b = dataset(seed=7), dataset(seed=8)
    assert dump(a) != dump(b)
    names = lambda ds: [p["name"] for p in ds.records["res.partner"]]  # noqa: E731
    assert names(a) != names(b)


def test_size_follows_orders() -> None:
    small, big = dataset(orders=300), dataset(orders=1000)
    assert small.count("sale.order") == 300
    assert big.count("sale.order") == 1000
    customers = [p for p in small.records["res.partner"] if p["customer_rank"]]
    assert 25 <= len(customers) <= 35  # ~orders/10 companies
    assert small.count("product.product") >= 60
    assert big.count("product.product") > small.count("product.product")


def test_dates_move_with_today_and_nothing_else_does() -> None:
    a = dataset(today=TODAY)
    b = dataset(today=TODAY + timedelta(days=10))
    fmt = "%Y-%m-%d %H:%M:%S"
    shifted = 0
    for model, rows in a.records.items():
        for ra, rb in zip(rows, b.records[model], strict=True):
            for key, va in ra.items():
                vb = rb[key]
                if isinstance(va, str) and len(va) == 19 and va[4] == "-" and va[13] == ":":
                    delta = datetime.strptime(vb, fmt) - datetime.strptime(va, fmt)
                    assert delta == timedelta(days=10), (model, key)
                    shifted += 1
                elif isinstance(va, str) and len(va) == 10 and va[4] == va[7] == "-":
                    assert date.fromisoformat(vb) - date.fromisoformat(va) == timedelta(days=10)
                    shifted += 1
                else:
                    assert va == vb, (model, ra["id"], key)
    assert shifted > 1000
    keys = lambda ds: [(p["rule"], p["id"], p["name"]) for p in ds.manifest["planted"]]  # noqa: E731
    assert keys(a) == keys(b)
    orders = a.records["sale.order"]
    oldest = min(datetime.strptime(o["date_order"], fmt).date() for o in orders)
    assert (TODAY - oldest).days <= 180
    assert all(datetime.strptime(o["date_order"], fmt).date() <= TODAY for o in orders)


def test_plant_false_is_the_same_company_without_problems() -> None:
    planted, clean = dataset(plant=True), dataset(plant=False)
    assert clean.manifest is not None and clean.manifest["planted"] == []
    assert planted.records["res.partner"] == clean.records["res.partner"]
    assert [p["name"] for p in planted.records["product.template"]] == [
        p["name"] for p in clean.records["product.template"]
    ]


# ---- manifest ---------------------------------------------------------------------------


def test_manifest_plants_every_rule_at_least_three_times() -> None:
    ds = dataset()
    m = ds.manifest
    assert m is not None
    assert (m["seed"], m["orders"], m["odoo_version"], m["today"]) == (7, 300, "17", "2026-11-22")
    counts = Counter(p["rule"] for p in m["planted"])
    assert set(counts) == RULES
    assert min(counts.values()) >= 3
    keys = [(p["rule"], p["model"], p["id"]) for p in m["planted"]]
    assert len(keys) == len(set(keys))


def test_plants_scale_with_size() -> None:
    counts = Counter(p["rule"] for p in dataset(orders=1000).manifest["planted"])  # type: ignore[index]
    assert counts["orders.late"] >= 10
    assert counts["billing.overdue"] >= 10


def test_manifest_entries_name_real_records() -> None:
    ds = dataset()
    assert ds.manifest is not None
    for plant in ds.manifest["planted"]:
        row = by_id(ds, plant["model"]).get(plant["id"])
        assert row is not None, plant
        expected = row.get("name")
        if plant["model"] == "product.product":
            tmpl = by_id(ds, "product.template")[row["product_tmpl_id"]]
            expected = f"[{tmpl['default_code']}] {tmpl['name']}"
        assert plant["name"] == expected
        assert plant["note"]


def test_manifest_is_json_serialisable() -> None:
    ds = dataset()
    assert json.loads(json.dumps(ds.manifest)) == ds.manifest


# ---- consistency of the records ---------------------------------------------------------


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_amounts_and_quantities_are_consistent(version: str) -> None:
    ds = dataset(version=version)
    done_field = "quantity"
    sols = by_id(ds, "sale.order.line")
    lines_by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sl in sols.values():
        lines_by_order[sl["order_id"]].append(sl)
        assert sl["price_subtotal"] == round(
            sl["product_uom_qty"] * sl["price_unit"] * (1 - sl["discount"] / 100), 2
        )
    for order in ds.records["sale.order"]:
        lines = lines_by_order[order["id"]]
        assert order["amount_untaxed"] == pytest.approx(sum(x["price_subtotal"] for x in lines))
        assert order["amount_total"] == pytest.approx(order["amount_untaxed"] + order["amount_tax"])
    delivered: dict[int, float] = defaultdict(float)
    pickings = by_id(ds, "stock.picking")
    for mv in ds.records["stock.move"]:
        if mv.get("sale_line_id") and mv["state"] == "done":
            assert pickings[mv["picking_id"]]["state"] == "done"
            delivered[mv["sale_line_id"]] += mv[done_field]
    services = {
        p["id"]
        for p in ds.records["product.product"]
        if by_id(ds, "product.template")[p["product_tmpl_id"]]["type"] == "service"
    }
    for sl in sols.values():
        if sl["product_id"] not in services:
            assert sl["qty_delivered"] == delivered[sl["id"]], sl
    invoiced: dict[int, float] = defaultdict(float)
    moves = by_id(ds, "account.move")
    lines_by_move: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ln in ds.records["account.move.line"]:
        lines_by_move[ln["move_id"]].append(ln)
        if moves[ln["move_id"]]["state"] == "posted":
            for s in ln["sale_line_ids"]:
                sign = -1 if moves[ln["move_id"]]["move_type"] == "out_refund" else 1
                invoiced[s] += sign * ln["quantity"]
    for sl in sols.values():
        assert sl["qty_invoiced"] == invoiced[sl["id"]], sl
    for move in moves.values():
        lines = lines_by_move[move["id"]]
        assert move["amount_untaxed"] == pytest.approx(sum(x["price_subtotal"] for x in lines))
        assert move["amount_total"] == pytest.approx(move["amount_untaxed"] + move["amount_tax"])
        state = move["payment_state"]
        if state in ("paid", "in_payment"):
            assert move["amount_residual"] == 0
        elif state == "not_paid":
            assert move["amount_residual"] == move["amount_total"]
        else:
            assert state == "partial" and 0 < move["amount_residual"] < move["amount_total"]


def test_invoices_link_to_their_orders() -> None:
    ds = dataset()
    sols = by_id(ds, "sale.order.line")
    orders = by_id(ds, "sale.order")
    linked = 0
    for ln in ds.records["account.move.line"]:
        for s in ln["sale_line_ids"]:
            move = by_id(ds, "account.move")[ln["move_id"]]
            assert move["invoice_origin"] == orders[sols[s]["order_id"]]["name"]
            linked += 1
    assert linked > 200


def test_customers_are_companies_with_invoice_and_delivery_contacts() -> None:
    ds = dataset()
    partners = by_id(ds, "res.partner")
    companies = [p for p in partners.values() if p["is_company"] and p["customer_rank"]]
    children = [p for p in partners.values() if p["parent_id"]]
    assert {c["type"] for c in children} >= {"contact", "invoice", "delivery"}
    for c in children:
        assert partners[c["parent_id"]]["is_company"]
        assert c["commercial_partner_id"] == c["parent_id"]
    for order in ds.records["sale.order"]:
        inv = partners[order["partner_invoice_id"]]
        assert inv["commercial_partner_id"] in {c["id"] for c in companies}
    vendors = [p for p in partners.values() if p["supplier_rank"]]
    assert len(vendors) >= 5


def test_products_have_suppliers_lead_times_and_demand_patterns() -> None:
    ds = dataset()
    sellers = defaultdict(list)
    for s in ds.records["product.supplierinfo"]:
        sellers[s["product_tmpl_id"]].append(s)
        assert s["delay"] > 0 and s["price"] > 0 and s["min_qty"] >= 1
    storable = [t for t in ds.records["product.template"] if t["type"] == "product"]
    assert len(storable) >= 60
    assert all(sellers[t["id"]] for t in storable)
    spares = [t for t in storable if t["default_code"].startswith("SP-")]
    assert len(spares) >= 20
    # Intermittent spare parts: most days without demand.
    product_of_tmpl = {p["product_tmpl_id"]: p["id"] for p in ds.records["product.product"]}
    days: dict[int, set[str]] = defaultdict(set)
    orders = by_id(ds, "sale.order")
    for sl in ds.records["sale.order.line"]:
        days[sl["product_id"]].add(orders[sl["order_id"]]["date_order"][:10])
    spare_days = [len(days[product_of_tmpl[t["id"]]]) for t in spares]
    assert max(spare_days) < 90


# ---- version profiles -------------------------------------------------------------------


def test_version_16_names() -> None:
    ds = dataset(version="16")
    states = {o["state"] for o in ds.records["sale.order"]}
    assert "done" in states  # 16 "Locked"
    assert "locked" not in ds.records["sale.order"][0]
    assert "delivery_status" not in ds.records["sale.order"][0]
    assert {t["detailed_type"] for t in ds.records["product.template"]} == {
        "product",
        "consu",
        "service",
    }
    assert "product_uom" in ds.records["sale.order.line"][0]
    assert "tax_id" in ds.records["sale.order.line"][0]
    assert ds.count("repair.line") > 0
    # 16's quantity_done is the ORM's alias of the stored quantity
    assert "quantity" in ds.records["stock.move"][0]


def test_version_17_names() -> None:
    ds = dataset(version="17")
    assert "done" not in {o["state"] for o in ds.records["sale.order"]}
    assert any(o["locked"] for o in ds.records["sale.order"])
    assert {o["delivery_status"] for o in ds.records["sale.order"]} >= {"full", "pending"}
    assert ds.count("repair.line") == 0
    parts = [m for m in ds.records["stock.move"] if m.get("repair_line_type") == "add"]
    assert parts and all(m["repair_id"] for m in parts)


def test_version_18_names() -> None:
    ds = dataset(version="18")
    tmpl = ds.records["product.template"]
    assert "detailed_type" not in tmpl[0]
    assert {t["type"] for t in tmpl} == {"consu", "service"}
    assert sum(1 for t in tmpl if t["is_storable"]) >= 60


def test_version_19_names() -> None:
    ds = dataset(version="19")
    line = ds.records["sale.order.line"][0]
    assert "product_uom_id" in line and "tax_ids" in line
    assert "product_uom" not in line and "tax_id" not in line


def test_unknown_version_and_bad_size_are_refused() -> None:
    from odoosim.datasets import DatasetError

    with pytest.raises(DatasetError, match="odoo_version must be one of 16, 17, 18, 19"):
        demo.generate(1, 300, "15", TODAY)
    with pytest.raises(DatasetError, match="orders must be an integer >= 30"):
        demo.generate(1, 5, "17", TODAY)


# ---- empty ------------------------------------------------------------------------------


def test_empty_dataset_is_the_structure_only() -> None:
    ds = empty.generate("18")
    assert ds.manifest is None
    assert ds.records == structural_records("18")
    assert "sale.order" not in ds.records
    # Company, warehouse, locations, units, taxes and journals are the ORM's base data.
    assert [loc["usage"] for loc in ds.records["stock.location"]] == ["production"]
    assert {c["name"] for c in ds.records["product.category"]} >= {"Spare Parts", "Equipment"}
    assert "stock.picking.type" in ds.records
    assert "stock.picking.type" not in empty.generate("16").records  # 16 repairs: no type


def test_invoice_and_delivery_statuses_follow_the_quantities() -> None:
    ds = dataset(version="17")
    tmpl = by_id(ds, "product.template")
    kind = {p["id"]: tmpl[p["product_tmpl_id"]]["type"] for p in ds.records["product.product"]}
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sl in ds.records["sale.order.line"]:
        lines[sl["order_id"]].append(sl)
    for order in ds.records["sale.order"]:
        sols = lines[order["id"]]
        if order["state"] != "sale":
            assert order["invoice_status"] == "no" and order["delivery_status"] is False
            continue
        for sl in sols:
            basis = (
                sl["product_uom_qty"]
                if kind[sl["product_id"]] == "service"
                else (sl["qty_delivered"])
            )
            assert sl["qty_to_invoice"] == basis - sl["qty_invoiced"]
        statuses = {sl["invoice_status"] for sl in sols}
        expected = (
            "to invoice"
            if "to invoice" in statuses
            else ("invoiced" if statuses == {"invoiced"} else "no")
        )
        assert order["invoice_status"] == expected
        goods = [sl for sl in sols if kind[sl["product_id"]] != "service"]
        delivered = sum(sl["qty_delivered"] for sl in goods)
        ordered = sum(sl["product_uom_qty"] for sl in goods)
        status = "full" if delivered == ordered else "partial" if delivered else "pending"
        assert order["delivery_status"] == status, order["name"]
