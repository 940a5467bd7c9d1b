"""Planted problems as a client sees them: loaded by the ORM, read back over real HTTP.

The records are fetched with odoo-client-lib from a running ``SimServer`` (``search_read``
with explicit fields, as svcsync's connector does), turned into the dataset shape and judged by
``odoosim.datasets.verify``: every planted problem fires, nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import odoolib
import pytest

from odoosim import SimServer
from odoosim.datasets import demo, empty
from odoosim.datasets.verify import evaluate, normalize
from odoosim.orm.database import Database

TODAY = date(2026, 11, 22)

# What the reference check reads, per model (field names per version where they differ).
FIELDS: dict[str, list[str]] = {
    "res.partner": ["name", "parent_id", "commercial_partner_id", "is_company"],
    "product.template": ["name", "default_code", "type", "standard_price"],
    "product.product": ["product_tmpl_id", "default_code"],
    "product.supplierinfo": ["product_tmpl_id", "partner_id", "delay", "sequence", "min_qty"],
    "stock.location": ["usage", "name"],
    "stock.quant": ["product_id", "location_id", "quantity", "reserved_quantity"],
    "stock.warehouse.orderpoint": ["product_id", "product_min_qty", "product_max_qty"],
    "stock.picking": ["name", "state", "sale_id", "date_done", "scheduled_date"],
    "stock.move": [
        "product_id",
        "product_uom_qty",
        "state",
        "location_id",
        "location_dest_id",
        "date",
        "picking_id",
        "sale_line_id",
        "repair_id",
        "repair_line_type",
    ],
    "sale.order": [
        "name",
        "state",
        "date_order",
        "commitment_date",
        "partner_id",
        "partner_invoice_id",
        "amount_untaxed",
        "amount_total",
    ],
    "sale.order.line": [
        "order_id",
        "product_id",
        "product_uom_qty",
        "qty_delivered",
        "qty_invoiced",
        "price_unit",
        "discount",
        "customer_lead",
    ],
    "account.move": [
        "name",
        "move_type",
        "state",
        "partner_id",
        "ref",
        "invoice_origin",
        "invoice_date",
        "invoice_date_due",
        "amount_untaxed",
        "amount_total",
        "amount_residual",
        "payment_state",
    ],
    "account.move.line": ["move_id", "product_id", "quantity", "price_unit", "sale_line_ids"],
    "repair.order": ["name", "state", "partner_id", "schedule_date"],
    "repair.line": ["repair_id", "type", "product_id", "product_uom_qty", "state"],
}


def fields_for(model: str, version: str) -> list[str]:
    fields = list(FIELDS[model])
    v = int(version)
    if model == "product.template":
        fields += ["detailed_type"] if v <= 17 else ["is_storable"]
    if model == "stock.move" and v == 16:
        fields = [f for f in fields if f != "repair_line_type"]
    return fields


def fetch(conn: Any, version: str) -> dict[str, list[dict[str, Any]]]:
    """Everything the check needs, read page by page over RPC."""
    out: dict[str, list[dict[str, Any]]] = {}
    for model in FIELDS:
        if model == "repair.line" and version != "16":
            continue
        rows: list[dict[str, Any]] = []
        proxy = conn.get_model(model)
        domain: list[Any] = (
            [("move_type", "in", ["out_invoice", "out_refund"])]
            if (model == "account.move")
            else []
        )
        context = {"active_test": False}
        while True:
            page = proxy.search_read(
                domain,
                fields_for(model, version),
                offset=len(rows),
                limit=2000,
                order="id asc",
                context=context,
            )
            rows += page
            if len(page) < 2000:
                break
        out[model] = normalize(rows)
    # x2many come back as id lists already; account.move.line needs only posted invoices'.
    return out


@pytest.fixture(scope="module", params=["16", "19"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[SimServer, str]]:
    version = request.param
    with SimServer(odoo_version=version, dataset="demo", orders=300, seed=7, today=TODAY) as sim:
        yield sim, version


def test_server_manifest_is_the_generators(served: tuple[SimServer, str]) -> None:
    sim, version = served
    expected = demo.generate(7, 300, version, TODAY).manifest
    assert sim.manifest == expected
    assert sim.manifest_path is not None


def test_planted_problems_are_found_over_rpc_and_nothing_else(
    served: tuple[SimServer, str],
) -> None:
    sim, version = served
    # As svcsync reads it: the least-privilege bot with its API key (XML-RPC on 16).
    conn = odoolib.get_connection(
        hostname=sim.host,
        port=sim.port,
        protocol="xmlrpc" if version == "16" else "jsonrpc",
        database=sim.database,
        login=sim.bot_login,
        password=sim.bot_api_key,
    )
    records = fetch(conn, version)
    assert len(records["sale.order"]) == 300
    assert sim.manifest is not None
    planted = {(p["rule"], p["model"], p["id"]) for p in sim.manifest["planted"]}
    strict = {f.key for f in evaluate(records, version, TODAY, "strict")}
    assert planted - strict == set()
    broad = evaluate(records, version, TODAY, "broad")
    assert [f for f in broad if f.key not in planted] == []


def test_bot_reads_a_planted_order_and_its_stock(served: tuple[SimServer, str]) -> None:
    sim, _version = served
    conn = odoolib.get_connection(
        hostname=sim.host,
        port=sim.port,
        protocol="jsonrpc",
        database=sim.database,
        login=sim.bot_login,
        password=sim.bot_api_key,
    )
    assert sim.manifest is not None
    late = next(p for p in sim.manifest["planted"] if p["rule"] == "orders.late")
    [order] = conn.get_model("sale.order").read([late["id"]], ["name", "state"])
    assert order["name"] == late["name"]
    assert order["state"] == "sale"
    reorder = next(p for p in sim.manifest["planted"] if p["rule"] == "inventory.reorder")
    [prod] = conn.get_model("product.product").read(
        [reorder["id"]], ["qty_available", "incoming_qty", "virtual_available"]
    )
    assert prod["incoming_qty"] == 0
    assert prod["virtual_available"] <= prod["qty_available"]


# ---- ORM loading (in-process, through execute_kw) ------------------------------------------


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_orm_loads_every_version_and_answers_queries(version: str) -> None:
    ds = demo.generate(7, 300, version, TODAY)
    db = Database(version, None, "demo")
    db.load_records(ds.records)

    def call(model: str, method: str, *args: Any, **kw: Any) -> Any:
        return db.execute_kw(2, model, method, list(args), kw)

    assert call("sale.order", "search_count", []) == 300
    confirmed = ["sale", "done"] if version == "16" else ["sale"]
    n_confirmed = sum(1 for o in ds.records["sale.order"] if o["state"] in confirmed)
    assert call("sale.order", "search_count", [("state", "in", confirmed)]) == n_confirmed
    storable = (
        [("type", "=", "product")]
        if int(version) <= 17
        else [("type", "=", "consu"), ("is_storable", "=", True)]
    )
    assert call("product.product", "search_count", storable) >= 60
    invoices = call(
        "account.move",
        "search_read",
        [("move_type", "=", "out_invoice")],
        fields=["amount_total", "partner_id"],
        limit=5,
    )
    assert len(invoices) == 5 and isinstance(invoices[0]["partner_id"], list)
    overstock = next(p for p in ds.manifest["planted"] if p["rule"] == "inventory.overstock")  # type: ignore[index]
    [prod] = call("product.product", "read", [overstock["id"]], fields=["qty_available"])
    quant = next(q for q in ds.records["stock.quant"] if q["product_id"] == overstock["id"])
    assert prod["qty_available"] == quant["quantity"]


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_orm_loads_the_empty_dataset(version: str) -> None:
    db = Database(version, None, "empty")
    db.load_records(empty.generate(version).records)
    names = db.execute_kw(2, "product.category", "search_read", [[]], {"fields": ["name"]})
    assert {"All", "Spare Parts"} <= {c["name"] for c in names}


@pytest.mark.parametrize("apps", [{"sale"}, {"sale", "stock"}, {"account"}, {"repair", "sale"}])
def test_demo_follows_the_installed_apps(apps: set[str]) -> None:
    ds = demo.generate(7, 300, "17", TODAY, apps=apps)
    Database("17", apps, "demo").load_records(ds.records)
    assert ds.manifest is not None
    planted = {(p["rule"], p["model"], p["id"]) for p in ds.manifest["planted"]}
    assert planted
    assert planted <= {f.key for f in evaluate(ds.records, "17", TODAY, "strict")}
    assert {f.key for f in evaluate(ds.records, "17", TODAY, "broad")} <= planted
    if "repair" not in apps:
        assert "repair.order" not in ds.records
        assert not any(p["rule"].startswith("repairs.") for p in ds.manifest["planted"])
