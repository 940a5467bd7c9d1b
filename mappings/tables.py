"""Odoo → service model: one declarative table per Odoo model, version-aware (16–19).

Version differences handled here (``odoo-protocol.md`` §6, §10):
- ``sale.order.state``: 16 has ``done`` (locked); 17+ have a separate ``locked`` boolean.
- ``sale.order.delivery_status`` exists from 17 (16 not confirmed: not read).
- product "storable": 16/17 ``type == 'product'``; 18+ ``is_storable``.
- ``stock.move`` done quantity: 16 ``quantity_done``; 17+ ``quantity``.
- repair parts: 16 ``repair.line`` records; 17+ ``stock.move`` with ``repair_line_type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.model import (
    Customer,
    Delivery,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Orderpoint,
    OrderState,
    Product,
    Quant,
    Repair,
    StockMove,
    SupplierInfo,
)

from .core import (
    MapContext,
    Mapping_,
    bad_value,
    boolean,
    convert_m2o_id,
    integer,
    m2o_id,
    m2o_name,
    number,
    odoo_date,
    odoo_datetime,
    text,
    x2many,
)

# --------------------------------------------------------------------------- computed values


def _storable(raw: Mapping[str, Any], mapped: dict[str, Any], ctx: MapContext) -> bool:
    if ctx.major >= 18:
        return bool(raw.get("is_storable"))
    return raw.get("type") == "product"


def _order_state(raw: Mapping[str, Any], mapped: dict[str, Any], ctx: MapContext) -> OrderState:
    state = raw.get("state")
    if state in ("draft", "sent"):
        return OrderState.draft
    if state in ("sale", "done"):  # 'done' is 16's locked confirmed order
        return OrderState.confirmed
    if state == "cancel":
        return OrderState.cancelled
    raise bad_value(f"unknown sale.order state {state!r}")


def _order_locked(raw: Mapping[str, Any], mapped: dict[str, Any], ctx: MapContext) -> bool:
    if ctx.major <= 16:
        return raw.get("state") == "done"
    return bool(raw.get("locked"))


def _move_kind(raw: Mapping[str, Any], mapped: dict[str, Any], ctx: MapContext) -> str:
    """incoming / outgoing / internal / repair, from the source and destination location usages.

    ``ctx.lookups['location_usage']`` (location id → usage) is prefetched by the caller: a move
    whose locations are unknown there is a mapping error, not a silent "internal".
    """
    if mapped.get("repair_id"):
        return "repair"
    usages = ctx.lookups.get("location_usage")
    if usages is None:
        raise bad_value("location usages were not prefetched (lookups['location_usage'])")
    src = usages.get(convert_m2o_id(raw.get("location_id")) or 0)
    dst = usages.get(convert_m2o_id(raw.get("location_dest_id")) or 0)
    if src is None or dst is None:
        raise bad_value("source or destination location unknown")
    if src != "internal" and dst == "internal":
        return "incoming"
    if src == "internal" and dst != "internal":
        return "outgoing"
    return "internal"


def _repair_line_kind(raw: Mapping[str, Any], mapped: dict[str, Any], ctx: MapContext) -> str:
    return "repair"


# --------------------------------------------------------------------------- tables

PARTNER = Mapping_(
    "res.partner",
    Customer,
    (
        text("name", required=True),
        m2o_id("commercial_partner_id", "commercial_id", required=True),
        m2o_id("parent_id"),
        boolean("is_company"),
        text("email"),
        x2many("category_id", "category_ids"),
        boolean("active"),
        odoo_datetime("write_date"),
    ),
)

PRODUCT = Mapping_(
    "product.product",
    Product,
    (
        text("name", required=True),
        text("default_code"),
        m2o_id("product_tmpl_id", required=True),
        number("standard_price", "unit_cost"),
        number("list_price"),
        boolean("active"),
        odoo_datetime("write_date"),
    ),
    computed={"storable": _storable},
    extra_fields={"16": ("type",), "17": ("type",), "18": ("is_storable",), "19": ("is_storable",)},
)

SUPPLIER_INFO = Mapping_(
    "product.supplierinfo",
    SupplierInfo,
    (
        m2o_id("partner_id", "vendor_id", required=True),
        m2o_name("partner_id", "vendor_name"),
        m2o_id("product_tmpl_id", required=True),
        m2o_id("product_id"),
        number("min_qty"),
        number("price"),
        number("delay", "lead_time_days"),
        integer("sequence"),
    ),
)

QUANT = Mapping_(
    "stock.quant",
    Quant,
    (
        m2o_id("product_id", required=True),
        m2o_id("location_id", required=True),
        number("quantity"),
        number("reserved_quantity", "reserved"),
        odoo_datetime("write_date"),
    ),
)

ORDERPOINT = Mapping_(
    "stock.warehouse.orderpoint",
    Orderpoint,
    (
        m2o_id("product_id", required=True),
        m2o_id("location_id", required=True),
        number("product_min_qty", "min_qty"),
        number("product_max_qty", "max_qty"),
        number("qty_multiple", "multiple"),
    ),
)

SALE_ORDER = Mapping_(
    "sale.order",
    Order,
    (
        m2o_id("partner_id", "customer_id", required=True),
        m2o_id("partner_invoice_id", "invoice_partner_id"),
        m2o_id("partner_shipping_id", "shipping_partner_id"),
        odoo_datetime("date_order", required=True),
        odoo_datetime("commitment_date"),
        odoo_datetime("expected_date"),
        number("amount_untaxed"),
        number("amount_total"),
        m2o_name("currency_id", "currency"),
        text("invoice_status"),
        text("delivery_status", by_version={"16": None}),
        odoo_datetime("effective_date"),
        x2many("order_line", "line_ids"),
        x2many("invoice_ids"),
        odoo_datetime("write_date"),
    ),
    computed={"state": _order_state, "locked": _order_locked},
    extra_fields={"*": ("state",), "17": ("locked",), "18": ("locked",), "19": ("locked",)},
    name_field="name",
)

SALE_ORDER_LINE = Mapping_(
    "sale.order.line",
    OrderLine,
    (
        m2o_id("order_id", required=True),
        m2o_id("product_id"),
        text("name", "description"),
        number("product_uom_qty", "qty_ordered"),
        number("qty_delivered"),
        number("qty_invoiced"),
        number("price_unit"),
        number("discount"),
        number("price_subtotal"),
        odoo_datetime("write_date"),
    ),
)

INVOICE = Mapping_(
    "account.move",
    Invoice,
    (
        text("move_type", "kind", required=True),
        text("state", required=True),
        text("payment_state"),
        m2o_id("partner_id", "customer_id", required=True),
        m2o_id("commercial_partner_id", "commercial_customer_id"),
        odoo_date("invoice_date"),
        odoo_date("invoice_date_due", "due_date"),
        number("amount_untaxed"),
        number("amount_total"),
        number("amount_residual"),
        m2o_name("currency_id", "currency"),
        text("invoice_origin", "origin"),
        text("ref", "customer_ref"),
        m2o_id("reversed_entry_id"),
        x2many("invoice_line_ids", "line_ids"),
        odoo_datetime("write_date"),
    ),
    name_field="name",
)

INVOICE_LINE = Mapping_(
    "account.move.line",
    InvoiceLine,
    (
        m2o_id("move_id", "invoice_id", required=True),
        m2o_id("product_id"),
        text("name", "description"),
        number("quantity"),
        number("price_unit"),
        number("price_subtotal"),
        x2many("sale_line_ids"),
        odoo_datetime("write_date"),
    ),
)

PICKING = Mapping_(
    "stock.picking",
    Delivery,
    (
        text("picking_type_code", "kind", required=True),
        text("state", required=True),
        m2o_id("sale_id", "order_id", optional=True),
        m2o_id("partner_id"),
        text("origin"),
        odoo_datetime("scheduled_date"),
        odoo_datetime("date_deadline", "deadline"),
        odoo_datetime("date_done"),
        odoo_datetime("write_date"),
    ),
    name_field="name",
)

STOCK_MOVE = Mapping_(
    "stock.move",
    StockMove,
    (
        m2o_id("product_id", required=True),
        number("product_uom_qty", "quantity"),
        number("quantity", "quantity_done", by_version={"16": "quantity_done"}),
        text("state", required=True),
        m2o_id("picking_id"),
        m2o_id("sale_line_id", optional=True),
        m2o_id("repair_id", optional=True),
        text("repair_line_type", by_version={"16": None}, optional=True),
        m2o_id("location_id"),
        m2o_id("location_dest_id"),
        odoo_datetime("date"),
        odoo_datetime("write_date"),
    ),
    computed={"kind": _move_kind},
)

REPAIR_LINE = Mapping_(
    "repair.line",  # 16 only: repair parts (17+ use stock.move with repair_line_type)
    StockMove,
    (
        m2o_id("product_id", required=True),
        number("product_uom_qty", "quantity"),
        text("state", required=True),
        m2o_id("repair_id", required=True),
        text("type", "repair_line_type"),
        odoo_datetime("write_date"),
    ),
    computed={"kind": _repair_line_kind},
)

REPAIR = Mapping_(
    "repair.order",
    Repair,
    (
        m2o_id("partner_id", "customer_id"),
        m2o_id("product_id"),
        text("state", required=True),
        odoo_datetime("schedule_date", optional=True),
        odoo_datetime("create_date"),
        odoo_datetime("write_date"),
    ),
    name_field="name",
)

TABLES: dict[str, Mapping_[Any]] = {
    t.odoo_model: t
    for t in (
        PARTNER,
        PRODUCT,
        SUPPLIER_INFO,
        QUANT,
        ORDERPOINT,
        SALE_ORDER,
        SALE_ORDER_LINE,
        INVOICE,
        INVOICE_LINE,
        PICKING,
        STOCK_MOVE,
        REPAIR_LINE,
        REPAIR,
    )
}


def table_for(model: str) -> Mapping_[Any]:
    try:
        return TABLES[model]
    except KeyError:
        raise KeyError(f"no mapping table for Odoo model {model!r}") from None


def required_fields(version: str, models: list[str] | None = None) -> dict[str, list[str]]:
    """``{model: [field, ...]}`` that must exist on a server of ``version`` (for discovery)."""
    major = MapContext("", version).major
    out: dict[str, list[str]] = {}
    for name, table in TABLES.items():
        if models is not None and name not in models:
            continue
        if name == "repair.line" and major >= 17:
            continue
        out[name] = table.required_fields(version)
    return out
