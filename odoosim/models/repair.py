"""``repair``: repair orders and their parts.

16: parts are ``operations`` (one2many ``repair.line``: ``type`` add/remove).
17+: parts are ``move_ids`` (one2many ``stock.move`` with ``repair_line_type``).
"""

from __future__ import annotations

from typing import Any

from odoosim.models.common import next_name, state_action
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Date,
    Datetime,
    Field,
    Float,
    Html,
    Many2one,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import ModelDef, RegistryBuilder


def _create(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("name", "New") in ("New", "/", False, None):
        vals["name"] = next_name(env, "repair.order", "RO/" if env.version == 16 else "WH/RO/")


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    if v == 16:
        states = [
            ("draft", "Quotation"),
            ("confirmed", "Confirmed"),
            ("ready", "Ready to Repair"),
            ("under_repair", "Under Repair"),
            ("2binvoiced", "To be Invoiced"),
            ("invoice_except", "Invoice Exception"),
            ("done", "Repaired"),
            ("cancel", "Cancelled"),
        ]
    else:
        states = [
            ("draft", "New"),
            ("confirmed", "Confirmed"),
            ("under_repair", "Under Repair"),
            ("done", "Repaired"),
            ("cancel", "Cancelled"),
        ]
    fields: dict[str, Field] = {
        "name": Char("Repair Reference", default="New", index=True),
        "product_id": Many2one("product.product", "Product to Repair"),
        "product_qty": Float("Product Quantity", default=1.0),
        "partner_id": Many2one("res.partner", "Customer", index=True),
        "state": Selection(states, "Status", default="draft", index=True),
        "location_id": Many2one("stock.location", "Location", default=lambda env: _stock(env)),
        "user_id": Many2one("res.users", "Responsible", default=lambda env: env.uid),
        "company_id": Many2one("res.company", "Company", default=1),
        "internal_notes": Html("Internal Notes"),
        "priority": Selection([("0", "Normal"), ("1", "Urgent")], default="0"),
        "schedule_date": Datetime("Scheduled Date", default=lambda env: env.db.now()),
        "location_dest_id": Many2one("stock.location", "Delivery Location"),
        "product_uom": Many2one("uom.uom", "Product Unit of Measure", default=1),
        "description": Char("Repair Description"),
    }
    if v == 16:
        fields.update(
            guarantee_limit=Date("Warranty Expiration"),
            invoice_method=Selection(
                [
                    ("none", "No Invoice"),
                    ("b4repair", "Before Repair"),
                    ("after_repair", "After Repair"),
                ],
                "Invoice Method",
                default="none",
            ),
            operations=One2many("repair.line", "repair_id", "Parts"),
            quotation_notes=Text("Quotation Notes"),
            partner_invoice_id=Many2one("res.partner", "Invoicing Address"),
            invoiced=Boolean("Invoiced"),
        )
    else:
        fields.update(
            move_ids=One2many("stock.move", "repair_id", "Parts"),
            parts_availability_state=Selection(
                [("available", "Available"), ("expected", "Expected"), ("late", "Late")],
                "Parts Availability State",
            ),
            parts_location_id=Many2one("stock.location", "Parts Location"),
            recycle_location_id=Many2one("stock.location", "Recycled Parts Destination Location"),
            picking_type_id=Many2one("stock.picking.type", "Operation Type"),
            under_warranty=Boolean("Under Warranty"),
        )
        if reg.has("sale"):
            fields["sale_order_id"] = Many2one("sale.order", "Sale Order")
    reg.model(
        ModelDef(
            "repair.order",
            "Repair Order",
            fields,
            app="repair",
            order="priority desc, create_date desc",
            mail_thread=True,
            on_create=_create,
            methods={
                "action_validate": state_action({"state": "confirmed"}, ("draft",)),
                "action_repair_start": state_action({"state": "under_repair"}),
                "action_repair_end": state_action({"state": "done"}),
                "action_repair_cancel": state_action({"state": "cancel"}),
            },
        )
    )
    if v == 16:
        reg.model(
            ModelDef(
                "repair.line",
                "Repair Line (parts)",
                {
                    "name": Text("Description", required=True),
                    "repair_id": Many2one(
                        "repair.order",
                        "Repair Order Reference",
                        required=True,
                        ondelete="cascade",
                        index=True,
                    ),
                    "type": Selection(
                        [("add", "Add"), ("remove", "Remove")], "Type", default="add", required=True
                    ),
                    "product_id": Many2one("product.product", "Product", required=True),
                    "product_uom_qty": Float("Quantity", default=1.0, required=True),
                    "product_uom": Many2one("uom.uom", "Product Unit of Measure", default=1),
                    "price_unit": Float("Unit Price", default=0.0),
                    "price_subtotal": Float("Subtotal", default=0.0),
                    "location_id": Many2one("stock.location", "Source Location"),
                    "location_dest_id": Many2one("stock.location", "Dest. Location"),
                    "state": Selection(
                        [
                            ("draft", "Draft"),
                            ("confirmed", "Confirmed"),
                            ("done", "Done"),
                            ("cancel", "Cancelled"),
                        ],
                        default="draft",
                    ),
                    "move_id": Many2one("stock.move", "Inventory Move"),
                    "company_id": Many2one(
                        "res.company", "Company", related="repair_id.company_id"
                    ),
                },
                app="repair",
                order="id",
                on_create=_line_name,
            )
        )
    reg.extend(
        "stock.move",
        repair_id=Many2one("repair.order", "Repair Order", index=True, ondelete="cascade"),
    )
    if v >= 17:
        reg.extend(
            "stock.move",
            repair_line_type=Selection(
                [("add", "Add"), ("remove", "Remove"), ("recycle", "Recycle")], "Type"
            ),
        )


def _line_name(env: Env, vals: dict[str, Any]) -> None:
    if not vals.get("name") and vals.get("product_id"):
        vals["name"] = (
            env.db.names("product.product", [vals["product_id"]]).get(vals["product_id"]) or ""
        )


def _stock(env: Env) -> Any:
    row = env.db.conn.execute(
        "SELECT lot_stock_id FROM stock_warehouse ORDER BY id LIMIT 1"
    ).fetchone()
    return row[0] if row and row[0] else False
