"""``sale`` (+ ``sale_stock`` when stock is installed): quotations, sales orders, lines."""

from __future__ import annotations

from typing import Any

from odoosim.exceptions import UserError
from odoosim.models.common import next_name
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Date,
    Datetime,
    Field,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import ModelDef, ModelMethod, RegistryBuilder

INVOICE_STATUS = [
    ("upselling", "Upselling Opportunity"),
    ("invoiced", "Fully Invoiced"),
    ("to invoice", "To Invoice"),
    ("no", "Nothing to Invoice"),
]


def _company_currency(env: Env) -> Any:
    row = env.db.conn.execute("SELECT currency_id FROM res_company ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else False


def _order_create(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("name", "New") in ("New", "/", False, None):
        vals["name"] = next_name(env, "sale.order", "S")
    partner = vals.get("partner_id")
    if partner:
        vals.setdefault("partner_invoice_id", partner)
        vals.setdefault("partner_shipping_id", partner)


def _line_create(env: Env, vals: dict[str, Any]) -> None:
    if not vals.get("name") and vals.get("product_id"):
        vals["name"] = (
            env.db.names("product.product", [vals["product_id"]]).get(vals["product_id"]) or ""
        )
    if vals.get("display_type") and not vals.get("name"):
        vals["name"] = ""
    if "price_subtotal" not in vals:
        qty = float(vals.get("product_uom_qty", 1.0) or 0.0)
        price = float(vals.get("price_unit", 0.0) or 0.0)
        disc = float(vals.get("discount", 0.0) or 0.0)
        vals["price_subtotal"] = round(qty * price * (1 - disc / 100.0), 2)
        vals.setdefault("price_total", vals["price_subtotal"])


def _recompute_totals(env: Env, order_ids: list[int]) -> None:
    """Order amounts follow their lines (stored computed in Odoo)."""
    db = env.db
    for oid in order_ids:
        if (
            db.conn.execute("SELECT 1 FROM sale_order_line WHERE order_id = ?", [oid]).fetchone()
            is None
        ):
            continue  # no lines: keep the amounts as given
        untaxed, total = db.conn.execute(
            "SELECT COALESCE(SUM(price_subtotal), 0), COALESCE(SUM(price_total), 0) "
            "FROM sale_order_line WHERE order_id = ?",
            [oid],
        ).fetchone()
        db.conn.execute(
            "UPDATE sale_order SET amount_untaxed = ?, amount_total = ?, amount_tax = ? WHERE id = ?",
            [untaxed, total, round(total - untaxed, 2), oid],
        )


def _order_changed(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if "order_line" in vals:
        _recompute_totals(env, ids)


def _line_changed(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    orders = [
        r[0]
        for r in env.db.conn.execute(
            f"SELECT DISTINCT order_id FROM sale_order_line WHERE id IN ({','.join(map(str, ids))})"
        )
    ]
    _recompute_totals(env, orders)


def _confirm(env: Env, model: str, ids: list[int]) -> Any:
    db = env.db
    db.access.check(env, model, "write")
    db.ensure_exist(env, db.models[model], ids)
    for _rid, name, state in db.conn.execute(
        f"SELECT id, name, state FROM sale_order WHERE id IN ({','.join(map(str, ids))})"
    ).fetchall():
        if state not in ("draft", "sent"):
            raise UserError(
                f"The following orders are not in a state requiring confirmation: {name}"
            )
    _recompute_totals(env, ids)
    db.write(env.sudo(), "sale.order", ids, {"state": "sale", "date_order": db.now()})
    return True


def _simple(vals: dict[str, Any], check: str | None = None) -> ModelMethod:
    def action(env: Env, model: str, ids: list[int]) -> Any:
        db = env.db
        db.access.check(env, model, "write")
        db.ensure_exist(env, db.models[model], ids)
        if check == "not_locked" and env.version >= 17:
            locked = db.conn.execute(
                f"SELECT name FROM sale_order WHERE locked = 1 AND id IN ({','.join(map(str, ids))})"
            ).fetchone()
            if locked:
                raise UserError(
                    f"You cannot cancel a locked order ({locked[0]}). Please unlock it first."
                )
        db.write(env.sudo(), model, ids, vals)
        return True

    return ModelMethod(action, [], access="write")


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    if v == 16:
        states = [
            ("draft", "Quotation"),
            ("sent", "Quotation Sent"),
            ("sale", "Sales Order"),
            ("done", "Locked"),
            ("cancel", "Cancelled"),
        ]
    else:
        states = [
            ("draft", "Quotation"),
            ("sent", "Quotation Sent"),
            ("sale", "Sales Order"),
            ("cancel", "Cancelled"),
        ]
    order: dict[str, Field] = {
        "name": Char("Order Reference", required=True, default="New", index=True),
        "origin": Char("Source Document"),
        "client_order_ref": Char("Customer Reference"),
        "reference": Char("Payment Ref."),
        "state": Selection(states, "Status", default="draft", index=True),
        "date_order": Datetime(
            "Order Date", required=True, default=lambda env: env.db.now(), index=True
        ),
        "validity_date": Date("Expiration"),
        "commitment_date": Datetime("Delivery Date"),
        "expected_date": Datetime(
            "Expected Date",
            sql=lambda a: (
                f"(SELECT datetime({a}.date_order, '+' || CAST(CAST(MIN(l.customer_lead) * 86400 AS INTEGER) AS TEXT) "
                f"|| ' seconds') FROM sale_order_line l WHERE l.order_id = {a}.id "
                "AND l.display_type IS NULL)"
            ),
            nosearch=True,
            help="Delivery date you can promise to the customer, computed from the minimum lead time of the order lines.",
        ),
        "partner_id": Many2one("res.partner", "Customer", required=True, index=True),
        "partner_invoice_id": Many2one("res.partner", "Invoice Address", required=True),
        "partner_shipping_id": Many2one("res.partner", "Delivery Address", required=True),
        "user_id": Many2one("res.users", "Salesperson", default=lambda env: env.uid, index=True),
        "company_id": Many2one("res.company", "Company", required=True, default=1, index=True),
        # computed from the company and stored in Odoo: stored here, filled on create
        "currency_id": Many2one("res.currency", "Currency", default=_company_currency),
        "payment_term_id": Many2one("account.payment.term", "Payment Terms"),
        "note": Html("Terms and conditions"),
        "amount_untaxed": Monetary("Untaxed Amount", default=0.0),
        "amount_tax": Monetary("Taxes", default=0.0),
        "amount_total": Monetary("Total", default=0.0),
        "invoice_status": Selection(INVOICE_STATUS, "Invoice Status", default="no"),
        "order_line": One2many("sale.order.line", "order_id", "Order Lines"),
        "invoice_ids": Many2many(
            "account.move",
            string="Invoices",
            pairs=(
                "SELECT DISTINCT sol.order_id AS owner, aml.move_id AS target "
                "FROM sale_order_line sol "
                "JOIN sale_order_line_invoice_rel r ON r.order_line_id = sol.id "
                "JOIN account_move_line aml ON aml.id = r.invoice_line_id"
            ),
        ),
        "invoice_count": Integer(
            "Invoice Count",
            sql=lambda a: (
                "(SELECT COUNT(DISTINCT aml.move_id) FROM sale_order_line sol "
                "JOIN sale_order_line_invoice_rel r ON r.order_line_id = sol.id "
                f"JOIN account_move_line aml ON aml.id = r.invoice_line_id WHERE sol.order_id = {a}.id)"
            ),
        ),
    }
    if v >= 17:
        order["locked"] = Boolean("Locked", default=False)
    methods = {
        "action_confirm": ModelMethod(_confirm, [], access="write"),
        "action_cancel": _simple({"state": "cancel"}, "not_locked"),
        "action_draft": _simple({"state": "draft"}),
        "action_quotation_sent": _simple({"state": "sent"}),
    }
    if v == 16:
        methods["action_done"] = _simple({"state": "done"})
        methods["action_unlock"] = _simple({"state": "sale"})
    else:
        methods["action_lock"] = _simple({"locked": True})
        methods["action_unlock"] = _simple({"locked": False})
    if reg.has("stock"):
        order.update(
            picking_ids=One2many("stock.picking", "sale_id", "Transfers"),
            delivery_count=Integer(
                "Delivery Orders",
                sql=lambda a: f"(SELECT COUNT(*) FROM stock_picking sp WHERE sp.sale_id = {a}.id)",
            ),
            warehouse_id=Many2one("stock.warehouse", "Warehouse", default=1),
            picking_policy=Selection(
                [("direct", "As soon as possible"), ("one", "When all products are ready")],
                "Shipping Policy",
                default="direct",
                required=True,
            ),
            effective_date=Datetime("Effective Date"),
        )
        if v >= 17:
            order["delivery_status"] = Selection(
                [
                    ("pending", "Not Delivered"),
                    ("started", "Started"),
                    ("partial", "Partially Delivered"),
                    ("full", "Fully Delivered"),
                ],
                "Delivery Status",
            )
    reg.model(
        ModelDef(
            "crm.team",
            "Sales Team",
            {
                "name": Char("Sales Team", required=True),
                "active": Boolean("Active", default=True),
                "sequence": Integer("Sequence", default=10),
                "company_id": Many2one("res.company", "Company"),
                "user_id": Many2one("res.users", "Team Leader"),
            },
            app="sales_team",
            order="sequence ASC, create_date DESC, id DESC",
        )
    )
    reg.model(
        ModelDef(
            "crm.tag",
            "CRM Tag",
            {"name": Char("Tag Name", required=True), "color": Integer("Color")},
            app="sales_team",
            order="name",
        )
    )
    order["team_id"] = Many2one("crm.team", "Sales Team", index=True)
    order["tag_ids"] = Many2many("crm.tag", "sale_order_tag_rel", "order_id", "tag_id", "Tags")
    reg.model(
        ModelDef(
            "sale.order",
            "Sales Order",
            order,
            app="sale",
            order="date_order desc, id desc",
            mail_thread=True,
            on_create=_order_create,
            after_change=_order_changed,
            load_fill={"partner_invoice_id": "partner_id", "partner_shipping_id": "partner_id"},
            methods=methods,
        )
    )
    uom = "product_uom" if v <= 18 else "product_uom_id"
    tax = "tax_id" if v <= 18 else "tax_ids"
    display_types = [("line_section", "Section"), ("line_note", "Note")]
    if v >= 19:
        display_types.insert(1, ("line_subsection", "Subsection"))
    line: dict[str, Field] = {
        "order_id": Many2one(
            "sale.order", "Order Reference", required=True, ondelete="cascade", index=True
        ),
        "sequence": Integer("Sequence", default=10),
        "display_type": Selection(display_types, "Display Type"),
        "name": Text("Description", required=True),
        "product_id": Many2one("product.product", "Product", index=True, ondelete="restrict"),
        "product_template_id": Many2one(
            "product.template", "Product Template", related="product_id.product_tmpl_id"
        ),
        "product_uom_qty": Float("Quantity", default=1.0),
        uom: Many2one("uom.uom", "Unit of Measure", default=1),
        tax: Many2many(
            "account.tax",
            "account_tax_sale_order_line_rel",
            "sale_order_line_id",
            "account_tax_id",
            "Taxes",
        ),
        "price_unit": Float("Unit Price", default=0.0),
        "discount": Float("Discount (%)", default=0.0),
        "price_subtotal": Monetary("Subtotal", default=0.0),
        "price_tax": Float("Total Tax", default=0.0),
        "price_total": Monetary("Total", default=0.0),
        "qty_delivered": Float("Delivery Quantity", default=0.0),
        "qty_delivered_method": Selection(
            [
                ("manual", "Manual"),
                ("analytic", "Analytic From Expenses"),
                ("stock_move", "Stock Moves"),
            ],
            "Method to update delivered qty",
            default="stock_move" if reg.has("stock") else "manual",
        ),
        "qty_invoiced": Float("Invoiced Quantity", default=0.0),
        "qty_to_invoice": Float("Quantity To Invoice", default=0.0),
        "invoice_status": Selection(INVOICE_STATUS, "Invoice Status", default="no"),
        "invoice_lines": Many2many(
            "account.move.line",
            "sale_order_line_invoice_rel",
            "order_line_id",
            "invoice_line_id",
            "Invoice Lines",
        ),
        "customer_lead": Float("Lead Time", default=0.0),
        "state": Selection(states, "Order Status", related="order_id.state"),
        "company_id": Many2one("res.company", "Company", related="order_id.company_id"),
        "currency_id": Many2one("res.currency", "Currency", related="order_id.currency_id"),
        "order_partner_id": Many2one("res.partner", "Customer", related="order_id.partner_id"),
        "salesman_id": Many2one("res.users", "Salesperson", related="order_id.user_id"),
    }
    if reg.has("stock"):
        line["move_ids"] = One2many("stock.move", "sale_line_id", "Stock Moves")
        line["route_id"] = Integer("Route", sql=lambda a: "NULL")
    reg.model(
        ModelDef(
            "sale.order.line",
            "Sales Order Line",
            line,
            app="sale",
            order="order_id, sequence, id",
            display_sql=lambda a: (
                f"(SELECT so.name FROM sale_order so WHERE so.id = {a}.order_id) || ' - ' || "
                f"COALESCE({a}.name, '')"
            ),
            name_depends=("sale.order",),
            on_create=_line_create,
            on_write=_line_write,
            after_change=_line_changed,
        )
    )
    reg.extend("account.move", team_id=Many2one("crm.team", "Sales Team"))
    reg.extend(
        "account.move.line",
        sale_line_ids=Many2many(
            "sale.order.line",
            "sale_order_line_invoice_rel",
            "invoice_line_id",
            "order_line_id",
            "Sales Order Lines",
        ),
    )
    if reg.has("stock"):
        reg.extend(
            "stock.picking",
            sale_id=Many2one("sale.order", "Sales Order", index=True),
        )
        reg.extend(
            "stock.move",
            sale_line_id=Many2one("sale.order.line", "Sale Line", index=True),
        )
    reg.extend(
        "res.partner",
        sale_order_ids=One2many("sale.order", "partner_id", "Sales Order"),
        sale_order_count=Integer(
            "Sale Order Count",
            sql=lambda a: f"(SELECT COUNT(*) FROM sale_order so WHERE so.partner_id = {a}.id)",
        ),
    )
    reg.extend(
        "product.template",
        sale_line_warn=Selection(
            [("no-message", "No Message"), ("warning", "Warning"), ("block", "Blocking Message")],
            "Sales Order Line Warning",
            default="no-message",
        ),
        invoice_policy=Selection(
            [("order", "Ordered quantities"), ("delivery", "Delivered quantities")],
            "Invoicing Policy",
            default="order",
        ),
    )


def _line_write(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if {"product_uom_qty", "price_unit", "discount"} & set(vals) and "price_subtotal" not in vals:
        for rid, qty, price, disc in env.db.conn.execute(
            "SELECT id, product_uom_qty, price_unit, discount FROM sale_order_line WHERE id IN "
            f"({','.join(map(str, ids))})"
        ).fetchall():
            qty = float(vals.get("product_uom_qty", qty) or 0.0)
            price = float(vals.get("price_unit", price) or 0.0)
            disc = float(vals.get("discount", disc) or 0.0)
            sub = round(qty * price * (1 - disc / 100.0), 2)
            env.db.conn.execute(
                "UPDATE sale_order_line SET price_subtotal = ?, price_total = ? WHERE id = ?",
                [sub, sub, rid],
            )
