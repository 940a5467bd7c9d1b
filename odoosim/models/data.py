"""The records every database starts with (what Odoo's module data installs).

Ids are stable (documented in ``docs/internals.md`` §1): partners 1-4, users 1 (``__system__``),
2 (``admin``), 3 (``svcsync-bot``), company 1, currencies EUR 1 / USD 2, stock locations 1-8
(WH/Stock is 8), warehouse 1, activity types 1-5 (To-Do is 4).  Datasets use ids above these.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from odoosim.models import all_modules, installed_modules
from odoosim.models.views import standard_views

if TYPE_CHECKING:
    from odoosim.orm.database import Database


def bootstrap(db: Database) -> None:
    env = db.env(1, su=True)

    def make(model: str, vals: dict[str, Any], xmlid: str | None = None) -> int:
        rid = db.create(env, model, vals)
        if xmlid:
            db.set_xmlid(xmlid, model, rid, noupdate=True)
        return rid

    _ir_rows(db)
    make(
        "res.currency",
        {"name": "EUR", "full_name": "Euro", "symbol": "€", "position": "after"},
        "base.EUR",
    )
    make(
        "res.currency",
        {"name": "USD", "full_name": "United States dollar", "symbol": "$", "position": "before"},
        "base.USD",
    )
    make(
        "res.partner",
        {"name": "My Company", "is_company": True, "email": "info@example.com"},
        "base.main_partner",
    )
    make(
        "res.partner",
        {"name": "OdooBot", "email": "odoobot@example.com", "active": False},
        "base.partner_root",
    )
    make(
        "res.partner",
        {"name": "Mitchell Admin", "email": "admin@example.com"},
        "base.partner_admin",
    )
    make("res.partner", {"name": "svcsync-bot", "email": "svcsync-bot@example.com"}, None)
    make("res.company", {"partner_id": 1, "currency_id": 2}, "base.main_company")
    db.conn.execute("UPDATE res_partner SET company_id = 1 WHERE id IN (1, 3, 4)")
    make("res.users", {"login": "__system__", "partner_id": 2, "active": False}, "base.user_root")
    make("res.users", {"login": "admin", "partner_id": 3}, "base.user_admin")
    make("res.users", {"login": "svcsync-bot", "partner_id": 4}, None)
    db.conn.execute("UPDATE res_users SET _password = 'admin' WHERE id = 2")
    # the bot logs in with API keys; its password is unguessable on purpose
    db.conn.execute("UPDATE res_users SET _password = ? WHERE id = 3", [secrets.token_hex(24)])
    db.access.grant_bot(3)

    make("mail.message.subtype", {"name": "Discussions", "sequence": 0}, "mail.mt_comment")
    make(
        "mail.message.subtype", {"name": "Note", "internal": True, "sequence": 100}, "mail.mt_note"
    )
    make(
        "mail.message.subtype",
        {"name": "Activities", "internal": True, "sequence": 90},
        "mail.mt_activities",
    )
    for name, icon, xid, seq in (
        ("Email", "fa-envelope", "mail.mail_activity_data_email", 3),
        ("Call", "fa-phone", "mail.mail_activity_data_call", 2),
        ("Meeting", "fa-users", "mail.mail_activity_data_meeting", 4),
        ("To-Do", "fa-check", "mail.mail_activity_data_todo", 1),
        ("Upload Document", "fa-upload", "mail.mail_activity_data_upload_document", 25),
    ):
        make(
            "mail.activity.type",
            {
                "name": name,
                "icon": icon,
                "sequence": seq,
                "delay_count": 5 if name == "To-Do" else 0,
            },
            xid,
        )

    if "product.product" in db.models:
        if db.version_int <= 18:
            make("uom.category", {"name": "Unit"}, "uom.product_uom_categ_unit")
            make("uom.category", {"name": "Working Time"}, "uom.uom_categ_wtime")
            make("uom.uom", {"name": "Units", "category_id": 1}, "uom.product_uom_unit")
            make("uom.uom", {"name": "Hours", "category_id": 2}, "uom.product_uom_hour")
        else:
            make("uom.uom", {"name": "Units"}, "uom.product_uom_unit")
            make("uom.uom", {"name": "Hours"}, "uom.product_uom_hour")
        make(
            "product.category",
            {"name": "All", "complete_name": "All"},
            "product.product_category_all",
        )
    if "account.move" in db.models:
        make(
            "account.account",
            {
                "name": "Account Receivable",
                "code": "121000",
                "account_type": "asset_receivable",
                "reconcile": True,
            },
            None,
        )
        make(
            "account.account",
            {"name": "Product Sales", "code": "400000", "account_type": "income"},
            None,
        )
        make(
            "account.account",
            {
                "name": "Account Payable",
                "code": "211000",
                "account_type": "liability_payable",
                "reconcile": True,
            },
            None,
        )
        make(
            "account.account",
            {"name": "Expenses", "code": "600000", "account_type": "expense"},
            None,
        )
        make(
            "account.journal",
            {"name": "Customer Invoices", "code": "INV", "type": "sale", "sequence": 5},
            None,
        )
        make(
            "account.journal",
            {"name": "Vendor Bills", "code": "BILL", "type": "purchase", "sequence": 6},
            None,
        )
        make(
            "account.journal",
            {"name": "Bank", "code": "BNK1", "type": "bank", "sequence": 10},
            None,
        )
        make("account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "sale"}, None)
        make("account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "purchase"}, None)
        make(
            "account.payment.term",
            {"name": "Immediate Payment"},
            "account.account_payment_term_immediate",
        )
        make("account.payment.term", {"name": "30 Days"}, "account.account_payment_term_30days")
    if "crm.team" in db.models:
        make("crm.team", {"name": "Sales", "sequence": 0}, "sales_team.team_sales_department")
    if "stock.location" in db.models:
        locations: tuple[tuple[str, str, int | None, str | None], ...] = (
            ("Physical Locations", "view", None, "stock.stock_location_locations"),
            ("Partners", "view", None, "stock.stock_location_locations_partner"),
            ("Virtual Locations", "view", None, "stock.stock_location_locations_virtual"),
            ("Vendors", "supplier", 2, "stock.stock_location_suppliers"),
            ("Customers", "customer", 2, "stock.stock_location_customers"),
            ("Inventory adjustment", "inventory", 3, "stock.stock_location_inventory"),
            ("WH", "view", 1, None),
            ("Stock", "internal", 7, "stock.stock_location_stock"),
        )
        for lname, usage, parent, lxid in locations:
            make(
                "stock.location",
                {"name": lname, "usage": usage, "location_id": parent or False},
                lxid,
            )
        make(
            "stock.warehouse",
            {
                "name": "YourCompany",
                "code": "WH",
                "view_location_id": 7,
                "lot_stock_id": 8,
                "partner_id": 1,
            },
            "stock.warehouse0",
        )
        db.conn.execute("UPDATE stock_location SET warehouse_id = 1 WHERE id IN (7, 8)")
        make(
            "stock.picking.type",
            {
                "name": "Receipts",
                "code": "incoming",
                "sequence_code": "IN",
                "warehouse_id": 1,
                "default_location_src_id": 4,
                "default_location_dest_id": 8,
            },
            "stock.picking_type_in",
        )
        make(
            "stock.picking.type",
            {
                "name": "Delivery Orders",
                "code": "outgoing",
                "sequence_code": "OUT",
                "warehouse_id": 1,
                "default_location_src_id": 8,
                "default_location_dest_id": 5,
            },
            "stock.picking_type_out",
        )
        make(
            "stock.picking.type",
            {
                "name": "Internal Transfers",
                "code": "internal",
                "sequence_code": "INT",
                "warehouse_id": 1,
                "default_location_src_id": 8,
                "default_location_dest_id": 8,
            },
            "stock.picking_type_internal",
        )
    if "helpdesk.ticket" in db.models:
        for name, seq, closed, unattended, xid in (
            ("New", 1, False, True, "helpdesk_mgmt.helpdesk_ticket_stage_new"),
            ("In Progress", 2, False, False, "helpdesk_mgmt.helpdesk_ticket_stage_in_progress"),
            ("Awaiting", 3, False, False, "helpdesk_mgmt.helpdesk_ticket_stage_awaiting"),
            ("Done", 4, True, False, "helpdesk_mgmt.helpdesk_ticket_stage_done"),
            ("Cancelled", 5, True, False, "helpdesk_mgmt.helpdesk_ticket_stage_cancelled"),
        ):
            make(
                "helpdesk.ticket.stage",
                {
                    "name": name,
                    "sequence": seq,
                    "closed": closed,
                    "unattended": unattended,
                    "fold": closed,
                },
                xid,
            )
        make(
            "helpdesk.ticket.team",
            {"name": "Helpdesk", "user_ids": [(6, 0, [2])]},
            "helpdesk_mgmt.helpdesk_team_1",
        )
    if "project.task" in db.models:
        for name, seq in (("New", 1), ("In Progress", 2), ("Done", 3)):
            make("project.task.type", {"name": name, "sequence": seq}, None)
        make("project.project", {"name": "Internal"}, None)
    for xid, model, name, arch in standard_views(db.version_int, db.apps):
        vtype = arch.lstrip().split(">")[0].split()[0].lstrip("<").rstrip("/")
        make(
            "ir.ui.view",
            {
                "name": name,
                "model": model,
                "type": vtype,
                "arch_db": arch,
                "priority": 16,
                "mode": "primary",
            },
            xid,
        )


def _ir_rows(db: Database) -> None:
    """ir.model, ir.model.fields (+ selections) and ir.module.module, in bulk."""
    now = db.now()
    cur = db.conn.cursor()
    installed = set(installed_modules(db.apps))
    cur.executemany(
        "INSERT INTO ir_module_module (name, shortdesc, state, latest_version, application, "
        "sequence, create_uid, write_uid, create_date, write_date) VALUES (?, ?, ?, ?, ?, 100, 1, 1, ?, ?)",
        [
            (
                m,
                m.replace("_", " ").title(),
                "installed" if m in installed else "uninstalled",
                f"{db.version}.0.1.0" if m in installed else None,
                1
                if m
                in (
                    "sale_management",
                    "account",
                    "stock",
                    "purchase",
                    "repair",
                    "helpdesk_mgmt",
                    "project",
                )
                else 0,
                now,
                now,
            )
            for m in all_modules()
        ],
    )
    data_rows = []
    for mdef in db.models.values():
        cur.execute(
            "INSERT INTO ir_model (name, model, state, transient, modules, create_uid, write_uid, "
            "create_date, write_date) VALUES (?, ?, 'base', 0, ?, 1, 1, ?, ?)",
            [mdef.description, mdef.name, mdef.app, now, now],
        )
        mid = cur.lastrowid
        data_rows.append((mdef.app, f"model_{mdef.table}", "ir.model", mid))
        for fname, fld in mdef.fields.items():
            cur.execute(
                "INSERT INTO ir_model_fields (name, model, model_id, field_description, help, ttype, "
                "relation, relation_field, relation_table, column1, column2, required, readonly, "
                '"index", translate, copied, store, on_delete, state, create_uid, write_uid, '
                "create_date, write_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 'base', 1, 1, ?, ?)",
                [
                    fname,
                    mdef.name,
                    mid,
                    fld.string,
                    fld.help or None,
                    fld.type,
                    fld.relation,
                    fld.inverse_name if fld.type == "one2many" else None,
                    fld.relation_table,
                    fld.column1,
                    fld.column2,
                    int(fld.required),
                    int(fld.readonly),
                    int(fld.index),
                    int(fld.translate),
                    int(fld.store),
                    fld.ondelete if fld.type == "many2one" else None,
                    now,
                    now,
                ],
            )
            fid = cur.lastrowid
            if fld.type == "selection" and fld.selection:
                cur.executemany(
                    "INSERT INTO ir_model_fields_selection (field_id, value, name, sequence, "
                    "create_uid, write_uid, create_date, write_date) VALUES (?, ?, ?, ?, 1, 1, ?, ?)",
                    [(fid, k, lbl, n, now, now) for n, (k, lbl) in enumerate(fld.selection)],
                )
    cur.executemany(
        "INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, write_uid, "
        "create_date, write_date) VALUES (?, ?, ?, ?, 1, 1, 1, ?, ?)",
        [(a, b, c, d, now, now) for a, b, c, d in data_rows],
    )
