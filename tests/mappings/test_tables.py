"""Mapping tables on records shaped as each Odoo version returns them over RPC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mappings import MapContext, MappingError, map_all, required_fields, table_for
from service.model import Invoice, InvoiceKind, Order, OrderState, Product, StockMove

VERSIONS = ["16", "17", "18", "19"]


def ctx(version: str, **lookups: dict[int, Any]) -> MapContext:
    return MapContext(tenant="acme", version=version, lookups=lookups)


def sale_order(version: str, **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": 42,
        "name": "S00042",
        "partner_id": [7, "Azure Interior"],
        "partner_invoice_id": [8, "Azure Interior, Invoicing"],
        "partner_shipping_id": False,
        "state": "sale",
        "date_order": "2026-11-01 09:30:00",
        "commitment_date": False,
        "expected_date": "2026-11-05 10:00:00",
        "amount_untaxed": 100.0,
        "amount_total": 121.0,
        "currency_id": [1, "EUR"],
        "invoice_status": "to invoice",
        "effective_date": False,
        "order_line": [1, 2],
        "invoice_ids": [],
        "write_date": "2026-11-02 08:00:00",
    }
    if version != "16":
        rec["locked"] = False
        rec["delivery_status"] = "pending"
    rec.update(over)
    return rec


@pytest.mark.parametrize("version", VERSIONS)
def test_sale_order_maps_on_every_version(version: str) -> None:
    order = table_for("sale.order").map(sale_order(version), ctx(version))
    assert isinstance(order, Order)
    assert order.ref.name == "S00042" and order.ref.tenant == "acme" and order.ref.id == 42
    assert order.customer_id == 7 and order.invoice_partner_id == 8
    assert order.shipping_partner_id is None  # False → None
    assert order.state is OrderState.confirmed and not order.locked
    assert order.commitment_date is None
    assert order.promised_date == datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    assert order.currency == "EUR"
    assert order.line_ids == (1, 2)
    assert order.delivery_status == (None if version == "16" else "pending")


def test_sixteen_done_is_a_locked_confirmed_order() -> None:
    order = table_for("sale.order").map(sale_order("16", state="done"), ctx("16"))
    assert order.state is OrderState.confirmed and order.locked


def test_seventeen_locked_flag() -> None:
    order = table_for("sale.order").map(sale_order("17", locked=True), ctx("17"))
    assert order.state is OrderState.confirmed and order.locked


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("partner_id", False, "a value is required"),
        ("date_order", "2026-11-01T09:30:00Z", "expected 'YYYY-MM-DD HH:MM:SS'"),
        ("amount_total", "121", "expected a number"),
        ("order_line", [1, "x"], "expected a list of ids"),
        ("state", "weird", "unknown sale.order state"),
    ],
)
def test_malformed_order_names_model_id_and_field(field: str, value: Any, problem: str) -> None:
    with pytest.raises(MappingError) as err:
        table_for("sale.order").map(sale_order("17", **{field: value}), ctx("17"))
    assert err.value.model == "sale.order" and err.value.record_id == 42
    assert err.value.field == field
    assert problem in str(err.value) and "sale.order id=42" in str(err.value)


def test_missing_required_field_is_a_mapping_error() -> None:
    rec = sale_order("17")
    del rec["partner_id"]
    with pytest.raises(MappingError, match="partner_id"):
        table_for("sale.order").map(rec, ctx("17"))


@pytest.mark.parametrize(
    ("version", "raw", "storable"),
    [
        ("16", {"type": "product"}, True),
        ("17", {"type": "consu"}, False),
        ("18", {"type": "consu", "is_storable": True}, True),
        ("19", {"type": "consu", "is_storable": False}, False),
    ],
)
def test_product_storable_per_version(version: str, raw: dict[str, Any], storable: bool) -> None:
    rec = {
        "id": 5,
        "display_name": "[SP-1] Pump seal",
        "name": "Pump seal",
        "default_code": "SP-1",
        "product_tmpl_id": [5, "Pump seal"],
        "standard_price": 12.5,
        "list_price": 20.0,
        "active": True,
        "write_date": "2026-10-01 00:00:00",
        **raw,
    }
    product = table_for("product.product").map(rec, ctx(version))
    assert isinstance(product, Product)
    assert product.storable is storable and product.unit_cost == 12.5
    fields = table_for("product.product").fields(version)
    assert ("is_storable" in fields) is (version in ("18", "19"))
    assert ("type" in fields) is (version in ("16", "17"))


@pytest.mark.parametrize("version", VERSIONS)
def test_invoice_and_credit_note(version: str) -> None:
    rec = {
        "id": 9,
        "name": "RINV/2026/0003",
        "move_type": "out_refund",
        "state": "posted",
        "payment_state": "blocked" if version in ("18", "19") else "not_paid",
        "partner_id": [7, "Azure Interior"],
        "commercial_partner_id": [7, "Azure Interior"],
        "invoice_date": "2026-11-01",
        "invoice_date_due": "2026-12-01",
        "amount_untaxed": 10.0,
        "amount_total": 12.1,
        "amount_residual": 12.1,
        "currency_id": [1, "EUR"],
        "invoice_origin": False,
        "ref": False,
        "reversed_entry_id": [3, "INV/2026/0001"],
        "invoice_line_ids": [30],
        "write_date": "2026-11-01 12:00:00",
    }
    inv = table_for("account.move").map(rec, ctx(version))
    assert isinstance(inv, Invoice)
    assert inv.kind is InvoiceKind.refund and inv.posted
    assert inv.due_date == date(2026, 12, 1) and inv.reversed_entry_id == 3
    assert inv.origin is None and inv.customer_ref is None


def test_stock_move_kind_from_prefetched_location_usages() -> None:
    usages = {1: "supplier", 2: "internal", 3: "customer"}
    base = {
        "id": 70,
        "display_name": "WH/IN/0001",
        "product_id": [5, "Pump seal"],
        "product_uom_qty": 10.0,
        "quantity": 4.0,
        "state": "assigned",
        "picking_id": [11, "WH/IN/0001"],
        "date": "2026-11-03 00:00:00",
        "write_date": "2026-11-03 00:00:00",
    }
    incoming = table_for("stock.move").map(
        {**base, "location_id": [1, "V"], "location_dest_id": [2, "S"]},
        ctx("17", location_usage=usages),
    )
    assert isinstance(incoming, StockMove)
    assert incoming.kind == "incoming" and incoming.quantity_done == 4.0
    outgoing = table_for("stock.move").map(
        {**base, "location_id": [2, "S"], "location_dest_id": [3, "C"]},
        ctx("17", location_usage=usages),
    )
    assert outgoing.kind == "outgoing"
    with pytest.raises(MappingError, match="location"):
        table_for("stock.move").map(
            {**base, "location_id": [99, "?"], "location_dest_id": [3, "C"]},
            ctx("17", location_usage=usages),
        )


def test_sixteen_stock_move_reads_quantity_done() -> None:
    fields16 = table_for("stock.move").fields("16")
    fields17 = table_for("stock.move").fields("17")
    assert "quantity_done" in fields16 and "repair_line_type" not in fields16
    assert "quantity_done" not in fields17 and "quantity" in fields17


def test_optional_columns_only_when_the_server_has_them() -> None:
    without_repair = table_for("stock.move").fields("17", available={"product_id", "state"})
    assert "repair_id" not in without_repair and "sale_line_id" not in without_repair
    assert "repair_id" in table_for("stock.move").fields("17", available={"repair_id"})
    assert "repair_id" not in required_fields("17")["stock.move"]


def test_repair_parts_on_sixteen_are_repair_lines() -> None:
    assert "repair.line" in required_fields("16")
    assert "repair.line" not in required_fields("17")
    part = table_for("repair.line").map(
        {
            "id": 3,
            "display_name": "Seal",
            "product_id": [5, "Seal"],
            "product_uom_qty": 2.0,
            "state": "confirmed",
            "repair_id": [4, "RMA/0004"],
            "type": "add",
            "write_date": "2026-11-01 00:00:00",
        },
        ctx("16"),
    )
    assert isinstance(part, StockMove)
    assert part.kind == "repair" and part.repair_id == 4 and part.repair_line_type == "add"


def test_field_lists_are_explicit_and_start_with_id() -> None:
    for version in VERSIONS:
        for model, fields in required_fields(version).items():
            assert fields[0] == "id", model
            assert "write_date" in fields, model
            assert len(fields) == len(set(fields)), model


def test_map_all_keeps_errors_apart_and_goes_on() -> None:
    good = sale_order("17")
    bad = sale_order("17", id=43, partner_id=False)
    mapped, errors = map_all({"sale.order": [good, bad], "ir.cron": [{"id": 1}]}, ctx("17"))
    assert [o.ref.id for o in mapped["sale.order"]] == [42]
    assert "ir.cron" not in mapped
    assert len(errors) == 1 and errors[0].record_id == 43
