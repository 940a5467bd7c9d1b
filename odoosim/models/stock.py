"""``stock``: locations, warehouses, quants, transfers (pickings and moves), reordering rules;
stock quantities on products (computed in SQL, searchable)."""

from __future__ import annotations

from typing import Any

from odoosim.models.common import state_action
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Datetime,
    Field,
    Float,
    Integer,
    Many2one,
    One2many,
    Selection,
)
from odoosim.orm.model import ModelDef, RegistryBuilder

INTERNAL = "(SELECT sl.id FROM stock_location sl WHERE sl.usage = 'internal')"
OPEN_MOVE = "m.state NOT IN ('draft', 'done', 'cancel')"


def _qty_available(a: str) -> str:
    return (
        f"COALESCE((SELECT SUM(q.quantity) FROM stock_quant q WHERE q.product_id = {a}.id "
        f"AND q.location_id IN {INTERNAL}), 0.0)"
    )


def _reserved(a: str) -> str:
    return (
        f"COALESCE((SELECT SUM(q.reserved_quantity) FROM stock_quant q WHERE q.product_id = {a}.id "
        f"AND q.location_id IN {INTERNAL}), 0.0)"
    )


def _incoming(a: str) -> str:
    return (
        f"COALESCE((SELECT SUM(m.product_uom_qty) FROM stock_move m WHERE m.product_id = {a}.id "
        f"AND {OPEN_MOVE} AND m.location_dest_id IN {INTERNAL} "
        f"AND m.location_id NOT IN {INTERNAL}), 0.0)"
    )


def _outgoing(a: str) -> str:
    return (
        f"COALESCE((SELECT SUM(m.product_uom_qty) FROM stock_move m WHERE m.product_id = {a}.id "
        f"AND {OPEN_MOVE} AND m.location_id IN {INTERNAL} "
        f"AND m.location_dest_id NOT IN {INTERNAL}), 0.0)"
    )


def _location_create(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("complete_name"):
        return
    name = vals.get("name") or ""
    parent = vals.get("location_id")
    if parent:
        row = env.db.conn.execute(
            "SELECT COALESCE(complete_name, name) FROM stock_location WHERE id = ?", [parent]
        ).fetchone()
        if row and row[0]:
            vals["complete_name"] = f"{row[0]}/{name}"
            return
    vals["complete_name"] = name


PICKING_STATES = [
    ("draft", "Draft"),
    ("waiting", "Waiting Another Operation"),
    ("confirmed", "Waiting"),
    ("assigned", "Ready"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
]
MOVE_STATES = [
    ("draft", "New"),
    ("waiting", "Waiting Another Move"),
    ("confirmed", "Waiting Availability"),
    ("partially_available", "Partially Available"),
    ("assigned", "Available"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
]


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    codes = [("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")]
    if v >= 17 and reg.has("repair"):
        codes.append(("repair_operation", "Repair"))
    reg.model(
        ModelDef(
            "stock.location",
            "Inventory Locations",
            {
                "name": Char("Location Name", required=True),
                "complete_name": Char("Full Location Name", index=True),
                "active": Boolean("Active", default=True),
                "usage": Selection(
                    [
                        ("supplier", "Vendor Location"),
                        ("view", "View"),
                        ("internal", "Internal Location"),
                        ("customer", "Customer Location"),
                        ("inventory", "Inventory Loss"),
                        ("production", "Production"),
                        ("transit", "Transit Location"),
                    ],
                    "Location Type",
                    required=True,
                    default="internal",
                    index=True,
                ),
                "location_id": Many2one("stock.location", "Parent Location", ondelete="cascade"),
                "child_ids": One2many("stock.location", "location_id", "Contains"),
                "warehouse_id": Many2one("stock.warehouse", "Warehouse"),
                "company_id": Many2one("res.company", "Company"),
                "barcode": Char("Barcode"),
            },
            app="stock",
            order="complete_name, id",
            display_sql=lambda a: f"COALESCE({a}.complete_name, {a}.name)",
            parent_name="location_id",
            on_create=_location_create,
        )
    )
    reg.model(
        ModelDef(
            "stock.warehouse",
            "Warehouse",
            {
                "name": Char("Warehouse", required=True),
                "code": Char("Short Name", required=True),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company", default=1),
                "partner_id": Many2one("res.partner", "Address"),
                "view_location_id": Many2one("stock.location", "View Location"),
                "lot_stock_id": Many2one("stock.location", "Location Stock"),
                "sequence": Integer("Sequence", default=10),
            },
            app="stock",
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "stock.picking.type",
            "Picking Type",
            {
                "name": Char("Operation Type", required=True),
                "code": Selection(
                    list(codes),
                    "Type of Operation",
                    required=True,
                ),
                "sequence_code": Char("Sequence Prefix"),
                "warehouse_id": Many2one("stock.warehouse", "Warehouse"),
                "default_location_src_id": Many2one("stock.location", "Default Source Location"),
                "default_location_dest_id": Many2one(
                    "stock.location", "Default Destination Location"
                ),
                "active": Boolean("Active", default=True),
                "sequence": Integer("Sequence", default=10),
                "company_id": Many2one("res.company", "Company", default=1),
            },
            app="stock",
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "stock.quant",
            "Quants",
            {
                "product_id": Many2one(
                    "product.product", "Product", required=True, ondelete="restrict", index=True
                ),
                "product_tmpl_id": Many2one(
                    "product.template", "Product Template", related="product_id.product_tmpl_id"
                ),
                "location_id": Many2one(
                    "stock.location", "Location", required=True, ondelete="restrict", index=True
                ),
                "lot_id": Integer("Lot/Serial Number", sql=lambda a: "NULL"),
                "package_id": Integer("Package", sql=lambda a: "NULL"),
                "owner_id": Many2one("res.partner", "Owner"),
                "company_id": Many2one("res.company", "Company", default=1),
                "quantity": Float("Quantity", default=0.0, readonly=True),
                "reserved_quantity": Float("Reserved Quantity", default=0.0, readonly=True),
                "available_quantity": Float(
                    "Available Quantity",
                    sql=lambda a: f"({a}.quantity - {a}.reserved_quantity)",
                    nosearch=True,
                ),
                "inventory_quantity": Float("Counted Quantity"),
                "inventory_diff_quantity": Float("Difference"),
                "in_date": Datetime("Incoming Date", default=lambda env: env.db.now()),
                "value": Float(
                    "Value",
                    sql=lambda a: (
                        f"({a}.quantity * COALESCE((SELECT pt.standard_price FROM product_product pp "
                        "JOIN product_template pt ON pt.id = pp.product_tmpl_id "
                        f"WHERE pp.id = {a}.product_id), 0.0))"
                    ),
                ),
            },
            app="stock",
            order="id",
            display_sql=lambda a: (
                f"(SELECT COALESCE(l.complete_name, l.name) FROM stock_location l WHERE l.id = {a}.location_id)"
            ),
            name_depends=("stock.location",),
        )
    )
    reg.model(
        ModelDef(
            "stock.warehouse.orderpoint",
            "Minimum Inventory Rule",
            {
                "name": Char("Name", required=True, default=lambda env: _op_name(env)),
                "trigger": Selection([("auto", "Auto"), ("manual", "Manual")], default="auto"),
                "active": Boolean("Active", default=True),
                "warehouse_id": Many2one(
                    "stock.warehouse", "Warehouse", default=1, ondelete="cascade"
                ),
                "location_id": Many2one(
                    "stock.location",
                    "Location",
                    required=True,
                    ondelete="cascade",
                    default=lambda env: _stock_location(env),
                ),
                "product_id": Many2one(
                    "product.product", "Product", required=True, ondelete="cascade", index=True
                ),
                "product_tmpl_id": Many2one(
                    "product.template", "Product Template", related="product_id.product_tmpl_id"
                ),
                "product_min_qty": Float("Min Quantity", default=0.0),
                "product_max_qty": Float("Max Quantity", default=0.0),
                "qty_multiple": Float("Multiple Quantity", default=1.0),
                "company_id": Many2one("res.company", "Company", default=1),
                "qty_forecast": Float(
                    "Forecast",
                    sql=lambda a: (
                        f"(SELECT {_qty_available('pp')} + {_incoming('pp')} - {_outgoing('pp')} "
                        f"FROM product_product pp WHERE pp.id = {a}.product_id)"
                    ),
                    nosearch=True,
                ),
                "qty_to_order": Float("To Order", default=0.0),
                "lead_days_date": Field(
                    "date", "Lead Days Date", sql=lambda a: "NULL", nosearch=True
                ),
            },
            app="stock",
            order="location_id, company_id, id",
        )
    )
    reg.model(
        ModelDef(
            "stock.picking",
            "Transfer",
            {
                "name": Char("Reference", default="/", index=True),
                "origin": Char("Source Document", index=True),
                "note": Field("html", "Notes"),
                "state": Selection(PICKING_STATES, "Status", default="draft", index=True),
                "scheduled_date": Datetime(
                    "Scheduled Date", default=lambda env: env.db.now(), index=True
                ),
                "date_deadline": Datetime("Deadline"),
                "date_done": Datetime("Date of Transfer"),
                "date": Datetime("Creation Date", default=lambda env: env.db.now()),
                "location_id": Many2one("stock.location", "Source Location", required=True),
                "location_dest_id": Many2one(
                    "stock.location", "Destination Location", required=True
                ),
                "picking_type_id": Many2one("stock.picking.type", "Operation Type", required=True),
                "picking_type_code": Selection(
                    list(codes),
                    "Type of Operation",
                    related="picking_type_id.code",
                ),
                "partner_id": Many2one("res.partner", "Contact", index=True),
                "company_id": Many2one("res.company", "Company", default=1),
                "user_id": Many2one("res.users", "Responsible"),
                "move_ids": One2many("stock.move", "picking_id", "Stock Moves"),
                "priority": Selection([("0", "Normal"), ("1", "Urgent")], default="0"),
                "backorder_id": Many2one("stock.picking", "Back Order of"),
                "move_type": Selection(
                    [("direct", "As soon as possible"), ("one", "When all products are ready")],
                    "Shipping Policy",
                    default="direct",
                    required=True,
                ),
            },
            app="stock",
            order="priority desc, scheduled_date asc, id desc",
            mail_thread=True,
            methods={
                "action_cancel": state_action({"state": "cancel"}),
                "action_assign": state_action(
                    {"state": "assigned"}, ("draft", "confirmed", "waiting", "assigned")
                ),
                "action_confirm": state_action({"state": "confirmed"}, ("draft",)),
            },
        )
    )
    reg.model(
        ModelDef(
            "stock.move",
            "Stock Move",
            {
                "name": Char("Description"),
                "reference": Char("Reference", related="picking_id.name"),
                "origin": Char("Source Document"),
                "sequence": Integer("Sequence", default=10),
                "priority": Selection([("0", "Normal"), ("1", "Urgent")], default="0"),
                "date": Datetime("Date Scheduled", default=lambda env: env.db.now(), index=True),
                "date_deadline": Datetime("Deadline"),
                "product_id": Many2one("product.product", "Product", required=True, index=True),
                "product_uom_qty": Float("Demand", default=0.0),
                "product_qty": Float("Real Quantity", sql=lambda a: f"{a}.product_uom_qty"),
                "quantity": Float("Quantity", default=0.0),
                "product_uom": Many2one("uom.uom", "UoM", default=1),
                "location_id": Many2one(
                    "stock.location", "Source Location", required=True, index=True
                ),
                "location_dest_id": Many2one(
                    "stock.location", "Destination Location", required=True, index=True
                ),
                "partner_id": Many2one("res.partner", "Destination Address"),
                "picking_id": Many2one("stock.picking", "Transfer", index=True),
                "picking_type_id": Many2one("stock.picking.type", "Operation Type"),
                "state": Selection(MOVE_STATES, "Status", default="draft", index=True),
                "company_id": Many2one("res.company", "Company", default=1),
                "price_unit": Float("Unit Price"),
            },
            app="stock",
            order="sequence, id",
            name_depends=("stock.picking",),
            display_sql=lambda a: (
                f"COALESCE((SELECT sp.name FROM stock_picking sp WHERE sp.id = {a}.picking_id) "
                f"|| ' - ', '') || COALESCE({a}.name, '')"
            ),
        )
    )
    if v >= 17:
        reg.models["stock.move"].fields["picked"] = Boolean("Picked", default=False)
    if v <= 17:
        # 16/17 name the done quantity quantity_done; 17 also has `quantity`
        reg.models["stock.move"].fields["quantity_done"] = Float(
            "Quantity Done", sql=lambda a: f"{a}.quantity"
        )
    reg.extend(
        "product.product",
        qty_available=Float("Quantity On Hand", sql=_qty_available),
        free_qty=Float(
            "Free To Use Quantity", sql=lambda a: f"({_qty_available(a)} - {_reserved(a)})"
        ),
        incoming_qty=Float("Incoming", sql=_incoming),
        outgoing_qty=Float("Outgoing", sql=_outgoing),
        virtual_available=Float(
            "Forecasted Quantity",
            sql=lambda a: f"({_qty_available(a)} + {_incoming(a)} - {_outgoing(a)})",
        ),
        stock_quant_ids=One2many("stock.quant", "product_id", "Stock Quants"),
        orderpoint_ids=One2many("stock.warehouse.orderpoint", "product_id", "Minimum Stock Rules"),
    )
    reg.extend(
        "product.template",
        qty_available=Float(
            "Quantity On Hand",
            sql=lambda a: (
                f"(SELECT COALESCE(SUM({_qty_available('pp')}), 0.0) FROM product_product pp "
                f"WHERE pp.product_tmpl_id = {a}.id)"
            ),
        ),
    )


def _op_name(env: Env) -> str:
    row = env.db.conn.execute("SELECT COUNT(*) FROM stock_warehouse_orderpoint").fetchone()
    return f"OP/{int(row[0]) + 1:05d}"


def _stock_location(env: Env) -> Any:
    row = env.db.conn.execute(
        "SELECT lot_stock_id FROM stock_warehouse ORDER BY id LIMIT 1"
    ).fetchone()
    return row[0] if row and row[0] else False
