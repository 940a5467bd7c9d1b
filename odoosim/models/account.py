"""``account``: journal entries (invoices, credit notes, bills) and their lines."""

from __future__ import annotations

from typing import Any

from odoosim.exceptions import UserError
from odoosim.models.common import next_name
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Date,
    Field,
    Float,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import ModelDef, ModelMethod, RegistryBuilder

MOVE_TYPES = [
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
]
PREFIX = {
    "out_invoice": "INV",
    "out_refund": "RINV",
    "in_invoice": "BILL",
    "in_refund": "RBILL",
    "out_receipt": "RCPT",
    "in_receipt": "RCPT",
    "entry": "MISC",
}


def _move_create(env: Env, vals: dict[str, Any]) -> None:
    vals.setdefault("move_type", env.context.get("default_move_type", "entry"))
    if not vals.get("journal_id"):
        kind = "purchase" if str(vals["move_type"]).startswith("in_") else "sale"
        row = env.db.conn.execute(
            "SELECT id FROM account_journal WHERE type = ? ORDER BY id LIMIT 1", [kind]
        ).fetchone()
        if row:
            vals["journal_id"] = row[0]
    if vals.get("partner_id") and "commercial_partner_id" not in vals:
        vals["commercial_partner_id"] = _commercial(env, vals["partner_id"])
    if not vals.get("invoice_date_due") and vals.get("invoice_date"):
        vals["invoice_date_due"] = vals["invoice_date"]
    if "amount_residual" not in vals and "amount_total" in vals:
        vals["amount_residual"] = vals["amount_total"]


def _move_write(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if vals.get("partner_id"):
        vals["commercial_partner_id"] = _commercial(env, vals["partner_id"])


def _move_totals(env: Env, ids: list[int]) -> None:
    """Invoice amounts follow their product lines (stored computed in Odoo)."""
    for mid in ids:
        untaxed, total, count = env.db.conn.execute(
            "SELECT COALESCE(SUM(price_subtotal), 0), COALESCE(SUM(price_total), 0), COUNT(*) "
            "FROM account_move_line WHERE move_id = ? AND display_type = 'product'",
            [mid],
        ).fetchone()
        if not count:
            continue  # no lines: keep the amounts as given
        env.db.conn.execute(
            "UPDATE account_move SET amount_untaxed = ?, amount_total = ?, amount_tax = ?, "
            "amount_residual = CASE WHEN payment_state IN ('paid', 'reversed') THEN 0 ELSE ? END "
            "WHERE id = ?",
            [untaxed, total, round(total - untaxed, 2), total, mid],
        )


def _move_changed(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if "invoice_line_ids" in vals or "line_ids" in vals:
        _move_totals(env, ids)


def _line_changed(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if {"price_subtotal", "price_total", "quantity", "price_unit", "move_id", "display_type"} & set(
        vals
    ):
        moves = [
            r[0]
            for r in env.db.conn.execute(
                f"SELECT DISTINCT move_id FROM account_move_line WHERE id IN ({','.join(map(str, ids))})"
            )
        ]
        _move_totals(env, moves)


def _commercial(env: Env, partner_id: int) -> int:
    row = env.db.conn.execute(
        "SELECT CASE WHEN is_company OR parent_id IS NULL THEN id ELSE parent_id END "
        "FROM res_partner WHERE id = ?",
        [partner_id],
    ).fetchone()
    return int(row[0]) if row else partner_id


def _action_post(env: Env, model: str, ids: list[int]) -> Any:
    db = env.db
    db.access.check(env, model, "write")
    db.ensure_exist(env, db.models[model], ids)
    rows = db.conn.execute(
        "SELECT id, name, state, move_type, invoice_date, date, partner_id FROM account_move "
        f"WHERE id IN ({','.join(map(str, ids))})"
    ).fetchall()
    for rid, name, state, move_type, invoice_date, date, partner_id in rows:
        if state != "draft":
            raise UserError(f"The entry {name or '/'} (id {rid}) is already posted.")
        if move_type != "entry" and not partner_id:
            raise UserError(
                "The field 'Customer' is required, please complete it to validate the Customer Invoice."
            )
        today = db.now()[:10]
        vals: dict[str, Any] = {"state": "posted"}
        if move_type != "entry" and not invoice_date:
            vals["invoice_date"] = today
        if not date:
            vals["date"] = invoice_date or today
        if not name or name == "/":
            year = (invoice_date or date or today)[:4]
            vals["name"] = next_name(
                env, "account.move", f"{PREFIX.get(move_type, 'MISC')}/{year}/"
            )
        db.write(env.sudo(), "account.move", [rid], vals)
    # Real Odoo 16-19 end action_post with ``return False`` (after the optional wizard action);
    # checked against odoo/odoo addons/account/models/account_move.py.
    return False


def _set_state(state: str, from_states: tuple[str, ...]) -> ModelMethod:
    def action(env: Env, model: str, ids: list[int]) -> Any:
        db = env.db
        db.access.check(env, model, "write")
        db.ensure_exist(env, db.models[model], ids)
        db.write(env.sudo(), model, ids, {"state": state})
        return True

    return ModelMethod(action, [], access="write")


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    reg.model(
        ModelDef(
            "account.account",
            "Account",
            {
                "name": Char("Account Name", required=True),
                "code": Char("Code", required=True),
                "account_type": Selection(
                    [
                        ("asset_receivable", "Receivable"),
                        ("liability_payable", "Payable"),
                        ("income", "Income"),
                        ("expense", "Expenses"),
                        ("asset_current", "Current Assets"),
                        ("liability_current", "Current Liabilities"),
                    ],
                    "Type",
                ),
                "reconcile": Boolean("Allow Reconciliation"),
                "company_id": Many2one("res.company", "Company"),
            },
            app="account",
            order="code, id",
            display_sql=lambda a: f"{a}.code || ' ' || {a}.name",
        )
    )
    reg.model(
        ModelDef(
            "account.journal",
            "Journal",
            {
                "name": Char("Journal Name", required=True),
                "code": Char("Short Code", required=True),
                "type": Selection(
                    [
                        ("sale", "Sales"),
                        ("purchase", "Purchase"),
                        ("cash", "Cash"),
                        ("bank", "Bank"),
                        ("general", "Miscellaneous"),
                    ],
                    required=True,
                ),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company", default=1),
                "currency_id": Many2one("res.currency", "Currency"),
                "sequence": Integer("Sequence", default=10),
            },
            app="account",
            order="sequence, type, code",
        )
    )
    reg.model(
        ModelDef(
            "account.tax",
            "Tax",
            {
                "name": Char("Tax Name", required=True),
                "amount": Float("Amount", default=0.0),
                "amount_type": Selection(
                    [("percent", "Percentage of Price"), ("fixed", "Fixed")], default="percent"
                ),
                "type_tax_use": Selection(
                    [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
                    default="sale",
                ),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company", default=1),
            },
            app="account",
            order="id",
        )
    )
    reg.model(
        ModelDef(
            "account.payment.term",
            "Payment Terms",
            {
                "name": Char("Payment Terms", required=True),
                "active": Boolean("Active", default=True),
                "note": Text("Description on the Invoice"),
            },
            app="account",
            order="name",
        )
    )
    payment_states = [
        ("not_paid", "Not Paid"),
        ("in_payment", "In Payment"),
        ("paid", "Paid"),
        ("partial", "Partially Paid"),
        ("reversed", "Reversed"),
        ("invoicing_legacy", "Invoicing App Legacy"),
    ]
    if v >= 18:
        payment_states.insert(5, ("blocked", "Blocked"))
    move: dict[str, Field] = {
        "name": Char("Number", default="/", index=True),
        "ref": Char("Reference"),
        "date": Date("Date", index=True, default=lambda env: env.db.now()[:10]),
        "state": Selection(
            [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
            "Status",
            required=True,
            default="draft",
        ),
        "move_type": Selection(MOVE_TYPES, "Type", required=True, default="entry"),
        "journal_id": Many2one("account.journal", "Journal"),
        "company_id": Many2one("res.company", "Company", default=1),
        "currency_id": Many2one(
            "res.currency", "Currency", default=lambda env: _company_currency(env)
        ),
        "partner_id": Many2one("res.partner", "Partner", ondelete="restrict", index=True),
        "commercial_partner_id": Many2one("res.partner", "Commercial Entity", index=True),
        "invoice_date": Date("Invoice/Bill Date", index=True),
        "invoice_date_due": Date("Due Date", index=True),
        "invoice_origin": Char("Origin"),
        "invoice_user_id": Many2one("res.users", "Salesperson"),
        "invoice_payment_term_id": Many2one("account.payment.term", "Payment Terms"),
        "payment_reference": Char("Payment Reference"),
        "narration": Field("html", "Terms and Conditions"),
        "amount_untaxed": Monetary("Untaxed Amount", default=0.0),
        "amount_tax": Monetary("Tax", default=0.0),
        "amount_total": Monetary("Total", default=0.0),
        "amount_residual": Monetary("Amount Due"),
        "amount_untaxed_signed": Monetary(
            "Untaxed Amount Signed",
            sql=lambda a: (
                f"CASE WHEN {a}.move_type IN ('out_refund','in_invoice','in_receipt') THEN -{a}.amount_untaxed ELSE {a}.amount_untaxed END"
            ),
        ),
        "amount_total_signed": Monetary(
            "Total Signed",
            sql=lambda a: (
                f"CASE WHEN {a}.move_type IN ('out_refund','in_invoice','in_receipt') THEN -{a}.amount_total ELSE {a}.amount_total END"
            ),
        ),
        "amount_residual_signed": Monetary(
            "Amount Due Signed",
            sql=lambda a: (
                f"CASE WHEN {a}.move_type IN ('out_refund','in_invoice','in_receipt') THEN -{a}.amount_residual ELSE {a}.amount_residual END"
            ),
        ),
        "payment_state": Selection(payment_states, "Payment Status", default="not_paid"),
        "reversed_entry_id": Many2one("account.move", "Reversal of", index=True),
        "reversal_move_id": One2many("account.move", "reversed_entry_id", "Reversal Move"),
        "line_ids": One2many("account.move.line", "move_id", "Journal Items"),
        "invoice_line_ids": One2many(
            "account.move.line",
            "move_id",
            "Invoice lines",
            pairs=(
                "SELECT move_id AS owner, id AS target FROM account_move_line "
                "WHERE display_type IN ('product', 'line_section', 'line_note')"
            ),
        ),
    }
    # The "to review" flag: 16/17 boolean ``to_check``, 18 boolean ``checked`` (inverted
    # meaning), 19 selection ``review_state`` (the 19 search view filters todo/anomaly).
    if v <= 17:
        move["to_check"] = Boolean("To Check")
    elif v == 18:
        move["checked"] = Boolean("Reviewed")
    else:
        move["review_state"] = Selection(
            [("todo", "To Review"), ("reviewed", "Reviewed"), ("anomaly", "Anomaly")],
            "Review Status",
        )
    if v >= 18:
        move["origin_payment_id"] = Integer("Payment", sql=lambda a: "NULL")
        move["matched_payment_ids"] = Many2many(
            "account.move",
            string="Matched Payments",
            pairs="SELECT 0 AS owner, 0 AS target WHERE 0",
        )
    else:
        move["payment_id"] = Integer("Payment", sql=lambda a: "NULL")
    order = (
        "date desc, name desc, id desc"
        if v == 16
        else "date desc, name desc, invoice_date desc, id desc"
    )
    reg.model(
        ModelDef(
            "account.move",
            "Journal Entry",
            move,
            app="account",
            order=order,
            mail_thread=True,
            display_sql=lambda a: (
                f"CASE WHEN {a}.name IS NULL OR {a}.name = '/' THEN "
                f"CASE {a}.move_type WHEN 'out_invoice' THEN 'Draft Invoice' "
                f"WHEN 'out_refund' THEN 'Draft Credit Note' WHEN 'in_invoice' THEN 'Draft Bill' "
                f"WHEN 'in_refund' THEN 'Draft Vendor Credit Note' ELSE 'Draft Entry' END "
                f"|| ' (* ' || {a}.id || ')' ELSE {a}.name END"
            ),
            on_create=_move_create,
            on_write=_move_write,
            after_change=_move_changed,
            methods={
                "action_post": ModelMethod(_action_post, [], access="write"),
                "button_draft": _set_state("draft", ("posted", "cancel")),
                "button_cancel": _set_state("cancel", ("draft",)),
            },
        )
    )
    reg.model(
        ModelDef(
            "account.move.line",
            "Journal Item",
            {
                "move_id": Many2one(
                    "account.move", "Journal Entry", required=True, ondelete="cascade", index=True
                ),
                "move_name": Char("Number", related="move_id.name"),
                "parent_state": Char("Status", related="move_id.state"),
                "date": Date("Date", related="move_id.date"),
                "sequence": Integer("Sequence", default=10),
                "name": Char("Label"),
                "product_id": Many2one("product.product", "Product", index=True),
                "product_uom_id": Many2one("uom.uom", "Unit of Measure"),
                "quantity": Float("Quantity", default=1.0),
                "price_unit": Float("Unit Price", default=0.0),
                "discount": Float("Discount (%)", default=0.0),
                "price_subtotal": Monetary("Subtotal", default=0.0),
                "price_total": Monetary("Total", default=0.0),
                "tax_ids": Many2many(
                    "account.tax",
                    "account_move_line_account_tax_rel",
                    "account_move_line_id",
                    "account_tax_id",
                    "Taxes",
                ),
                "display_type": Selection(
                    [
                        ("product", "Product"),
                        ("cogs", "Cost of Goods Sold"),
                        ("tax", "Tax"),
                        ("discount", "Discount"),
                        ("rounding", "Rounding"),
                        ("payment_term", "Payment Term"),
                        ("line_section", "Section"),
                        ("line_note", "Note"),
                        ("epd", "Early Payment Discount"),
                    ],
                    "Display Type",
                    default="product",
                ),
                "account_id": Many2one("account.account", "Account", index=True),
                "partner_id": Many2one("res.partner", "Partner", index=True),
                "currency_id": Many2one("res.currency", "Currency"),
                "company_id": Many2one("res.company", "Company", related="move_id.company_id"),
                "debit": Monetary("Debit", default=0.0),
                "credit": Monetary("Credit", default=0.0),
                "balance": Monetary("Balance", default=0.0),
                "amount_residual": Monetary("Residual Amount", default=0.0),
                "reconciled": Boolean("Reconciled"),
            },
            app="account",
            order="date desc, move_name desc, id",
            display_sql=lambda a: f"COALESCE({a}.name, '')",
            on_create=_line_create,
            after_change=_line_changed,
        )
    )


def _line_create(env: Env, vals: dict[str, Any]) -> None:
    if "price_subtotal" not in vals and ("quantity" in vals or "price_unit" in vals):
        qty = float(vals.get("quantity", 1.0) or 0.0)
        price = float(vals.get("price_unit", 0.0) or 0.0)
        disc = float(vals.get("discount", 0.0) or 0.0)
        vals["price_subtotal"] = round(qty * price * (1 - disc / 100.0), 2)
        vals.setdefault("price_total", vals["price_subtotal"])
    if vals.get("move_id") and not vals.get("partner_id"):
        row = env.db.conn.execute(
            "SELECT partner_id FROM account_move WHERE id = ?", [vals["move_id"]]
        ).fetchone()
        if row and row[0]:
            vals["partner_id"] = row[0]


def _company_currency(env: Env) -> Any:
    row = env.db.conn.execute("SELECT currency_id FROM res_company ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else False
