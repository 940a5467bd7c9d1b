"""``purchase``: requests for quotation / purchase orders and their lines."""

from __future__ import annotations

from typing import Any

from odoosim.models.common import next_name, state_action
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Char,
    Datetime,
    Field,
    Float,
    Html,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import ModelDef, RegistryBuilder


def _order_create(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("name", "New") in ("New", "/", False, None):
        vals["name"] = next_name(env, "purchase.order", "P")


def _line_create(env: Env, vals: dict[str, Any]) -> None:
    if not vals.get("name") and vals.get("product_id"):
        vals["name"] = (
            env.db.names("product.product", [vals["product_id"]]).get(vals["product_id"]) or ""
        )
    if "price_subtotal" not in vals:
        sub = round(
            float(vals.get("product_qty", 1.0) or 0) * float(vals.get("price_unit", 0) or 0), 2
        )
        vals["price_subtotal"] = sub
        vals.setdefault("price_total", sub)


def _totals(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    for oid in ids:
        untaxed, total = env.db.conn.execute(
            "SELECT COALESCE(SUM(price_subtotal), 0), COALESCE(SUM(price_total), 0) "
            "FROM purchase_order_line WHERE order_id = ?",
            [oid],
        ).fetchone()
        env.db.conn.execute(
            "UPDATE purchase_order SET amount_untaxed = ?, amount_total = ?, amount_tax = ? "
            "WHERE id = ?",
            [untaxed, total, round(total - untaxed, 2), oid],
        )


def _line_totals(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    orders = [
        r[0]
        for r in env.db.conn.execute(
            f"SELECT DISTINCT order_id FROM purchase_order_line WHERE id IN ({','.join(map(str, ids))})"
        )
    ]
    _totals(env, orders, {})


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    states = [
        ("draft", "RFQ"),
        ("sent", "RFQ Sent"),
        ("to approve", "To Approve"),
        ("purchase", "Purchase Order"),
        ("done", "Locked"),
        ("cancel", "Cancelled"),
    ]
    order: dict[str, Field] = {
        "name": Char("Order Reference", required=True, default="New", index=True),
        "origin": Char("Source Document"),
        "partner_ref": Char("Vendor Reference"),
        "date_order": Datetime("Order Deadline", required=True, default=lambda env: env.db.now()),
        "date_approve": Datetime("Confirmation Date"),
        "date_planned": Datetime("Expected Arrival"),
        "partner_id": Many2one("res.partner", "Vendor", required=True, index=True),
        "currency_id": Many2one(
            "res.currency",
            "Currency",
            default=lambda env: env.db.conn.execute(
                "SELECT currency_id FROM res_company ORDER BY id LIMIT 1"
            ).fetchone()[0],
        ),
        "state": Selection(states, "Status", default="draft", index=True),
        "order_line": One2many("purchase.order.line", "order_id", "Order Lines"),
        "notes": Html("Terms and Conditions"),
        "user_id": Many2one("res.users", "Buyer", default=lambda env: env.uid),
        "company_id": Many2one("res.company", "Company", required=True, default=1),
        "amount_untaxed": Monetary("Untaxed Amount", default=0.0),
        "amount_tax": Monetary("Taxes", default=0.0),
        "amount_total": Monetary("Total", default=0.0),
        "invoice_status": Selection(
            [
                ("no", "Nothing to Bill"),
                ("to invoice", "Waiting Bills"),
                ("invoiced", "Fully Billed"),
            ],
            "Billing Status",
            default="no",
        ),
    }
    if v >= 18:
        order["locked"] = Field("boolean", "Locked", default=False)
    reg.model(
        ModelDef(
            "purchase.order",
            "Purchase Order",
            order,
            app="purchase",
            order="date_order desc, id desc",
            mail_thread=True,
            on_create=_order_create,
            after_change=lambda env, ids, vals: (
                _totals(env, ids, vals) if "order_line" in vals else None
            ),
            methods={
                "button_confirm": state_action(
                    lambda env, ids: {"state": "purchase", "date_approve": env.db.now()},
                    ("draft", "sent"),
                ),
                "button_cancel": state_action({"state": "cancel"}),
                "button_draft": state_action({"state": "draft"}, ("cancel",)),
            },
        )
    )
    uom = "product_uom" if v <= 18 else "product_uom_id"
    reg.model(
        ModelDef(
            "purchase.order.line",
            "Purchase Order Line",
            {
                "order_id": Many2one(
                    "purchase.order",
                    "Order Reference",
                    required=True,
                    ondelete="cascade",
                    index=True,
                ),
                "sequence": Field("integer", "Sequence", default=10),
                "name": Text("Description", required=True),
                "product_id": Many2one("product.product", "Product", index=True),
                "product_qty": Float("Quantity", default=1.0),
                "product_uom_qty": Float("Total Quantity", sql=lambda a: f"{a}.product_qty"),
                uom: Many2one("uom.uom", "Unit of Measure", default=1),
                "price_unit": Float("Unit Price", default=0.0),
                "price_subtotal": Monetary("Subtotal", default=0.0),
                "price_total": Monetary("Total", default=0.0),
                "taxes_id" if v <= 18 else "tax_ids": Many2many(
                    "account.tax",
                    "account_tax_purchase_order_line_rel",
                    "purchase_order_line_id",
                    "account_tax_id",
                    "Taxes",
                ),
                "date_planned": Datetime("Expected Arrival"),
                "qty_received": Float("Received Qty", default=0.0),
                "qty_invoiced": Float("Billed Qty", default=0.0),
                "partner_id": Many2one("res.partner", "Partner", related="order_id.partner_id"),
                "state": Selection(states, "Status", related="order_id.state"),
                "company_id": Many2one("res.company", "Company", related="order_id.company_id"),
                "display_type": Selection([("line_section", "Section"), ("line_note", "Note")]),
            },
            app="purchase",
            order="order_id, sequence, id",
            display_sql=lambda a: (
                f"(SELECT po.name FROM purchase_order po WHERE po.id = {a}.order_id) || ': ' || "
                f"COALESCE({a}.name, '')"
            ),
            name_depends=("purchase.order",),
            on_create=_line_create,
            after_change=_line_totals,
        )
    )
    if reg.has("stock"):
        reg.extend("stock.picking", purchase_id=Many2one("purchase.order", "Purchase Orders"))
        reg.extend(
            "stock.move", purchase_line_id=Many2one("purchase.order.line", "Purchase Order Line")
        )
    reg.extend(
        "account.move.line", purchase_line_id=Many2one("purchase.order.line", "Purchase Order Line")
    )
