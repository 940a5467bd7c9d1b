"""``base``: partners, users, companies, currencies and the ``ir.*`` technical models."""

from __future__ import annotations

from typing import Any

from odoosim.orm import ir
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import REQUIRED, ModelDef, ModelMethod, RegistryBuilder


def _partner_display(a: str) -> str:
    # Odoo's _get_complete_name: a contact of a company reads "Company, Contact"
    return (
        f"CASE WHEN {a}.parent_id IS NOT NULL AND NOT COALESCE({a}.is_company, 0) THEN "
        f"(SELECT pp.name FROM res_partner pp WHERE pp.id = {a}.parent_id) || ', ' || "
        f"COALESCE({a}.name, CASE {a}.type WHEN 'invoice' THEN 'Invoice Address' "
        f"WHEN 'delivery' THEN 'Delivery Address' ELSE '' END) ELSE {a}.name END"
    )


def _commercial_partner(a: str) -> str:
    return (
        f"CASE WHEN {a}.is_company OR {a}.parent_id IS NULL THEN {a}.id ELSE COALESCE("
        f"(SELECT COALESCE(cp.commercial_partner_id, cp.id) FROM res_partner cp "
        f"WHERE cp.id = {a}.parent_id), {a}.id) END"
    )


def _partner_create(env: Env, vals: dict[str, Any]) -> None:
    if "commercial_partner_id" in vals:
        return
    parent = vals.get("parent_id")
    if parent and not vals.get("is_company"):
        row = env.db.conn.execute(
            "SELECT COALESCE(commercial_partner_id, id) FROM res_partner WHERE id = ?", [parent]
        ).fetchone()
        if row:
            vals["commercial_partner_id"] = row[0]


def _partner_changed(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    """Stored commercial_partner_id: the record itself unless it is a company's contact."""
    if "commercial_partner_id" in vals and len(vals) == 1:
        return
    id_list = ",".join(map(str, ids))
    env.db.conn.execute(
        f"UPDATE res_partner SET commercial_partner_id = {_commercial_partner('res_partner')} "
        f"WHERE id IN ({id_list})"
    )


def _has_group(env: Env, model: str, ids: list[int], group_ext_id: str) -> bool:
    """Admins are in every group; other internal users only in ``base.group_user``."""
    uid = ids[0] if ids else env.uid
    if uid in env.db.access.admins:
        return True
    return group_ext_id == "base.group_user"


def _user_create(env: Env, vals: dict[str, Any]) -> None:
    if not vals.get("partner_id"):
        name = vals.get("name") or vals.get("login") or "User"
        vals["partner_id"] = env.db.create(env.sudo(), "res.partner", {"name": name})
        vals.pop("name", None)


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    partner_fields = {
        "name": Char("Name", index=True),
        "complete_name": Char("Complete Name", sql=_partner_display),
        "is_company": Boolean("Is a Company", default=False),
        "company_type": Selection(
            [("person", "Individual"), ("company", "Company")],
            "Company Type",
            sql=lambda a: f"CASE WHEN {a}.is_company THEN 'company' ELSE 'person' END",
        ),
        "parent_id": Many2one("res.partner", "Related Company", index=True),
        "child_ids": One2many("res.partner", "parent_id", "Contact"),
        "commercial_partner_id": Many2one("res.partner", "Commercial Entity", index=True),
        "type": Selection(
            [
                ("contact", "Contact"),
                ("invoice", "Invoice Address"),
                ("delivery", "Delivery Address"),
                ("other", "Other Address"),
                ("private", "Private Address"),
            ],
            "Address Type",
            default="contact",
        ),
        "email": Char("Email"),
        "phone": Char("Phone"),
        "street": Char("Street"),
        "street2": Char("Street2"),
        "zip": Char("Zip"),
        "city": Char("City"),
        "state_id": Many2one("res.country.state", "State"),
        "country_id": Many2one("res.country", "Country"),
        "vat": Char("Tax ID"),
        "ref": Char("Reference", index=True),
        "company_registry": Char("Company ID"),
        "company_id": Many2one("res.company", "Company", index=True),
        "user_id": Many2one("res.users", "Salesperson"),
        "category_id": Many2many(
            "res.partner.category",
            "res_partner_res_partner_category_rel",
            "partner_id",
            "category_id",
            "Tags",
        ),
        "active": Boolean("Active", default=True),
        "customer_rank": Integer("Customer Rank", default=0),
        "supplier_rank": Integer("Supplier Rank", default=0),
        "lang": Selection([("en_US", "English (US)")], "Language", default="en_US"),
        "tz": Char("Timezone"),
        "comment": Html("Notes"),
        "website": Char("Website Link"),
        "function": Char("Job Position"),
    }
    if v <= 18:
        partner_fields["mobile"] = Char("Mobile")
    reg.model(
        ModelDef(
            "res.partner",
            "Contact",
            partner_fields,
            order="complete_name ASC, id DESC",
            display_sql=_partner_display,
            name_search_fields=("complete_name", "email", "ref", "vat", "company_registry"),
            parent_name="parent_id",
            name_depends=("res.partner",),
            on_create=_partner_create,
            after_change=_partner_changed,
        )
    )
    reg.model(
        ModelDef(
            "res.partner.category",
            "Partner Tags",
            {
                "name": Char("Tag Name", required=True),
                "color": Integer("Color"),
                "parent_id": Many2one(
                    "res.partner.category", "Parent Category", ondelete="cascade"
                ),
                "child_ids": One2many("res.partner.category", "parent_id", "Child Tags"),
                "active": Boolean("Active", default=True),
                "partner_ids": Many2many(
                    "res.partner",
                    "res_partner_res_partner_category_rel",
                    "category_id",
                    "partner_id",
                    "Partners",
                ),
            },
            order="name",
            parent_name="parent_id",
        )
    )
    reg.model(
        ModelDef(
            "res.country",
            "Country",
            {"name": Char("Country Name", required=True), "code": Char("Country Code")},
            order="name",
        )
    )
    reg.model(
        ModelDef(
            "res.country.state",
            "Country state",
            {
                "name": Char("State Name", required=True),
                "code": Char("State Code"),
                "country_id": Many2one("res.country", "Country", required=True),
            },
            order="code",
        )
    )
    reg.model(
        ModelDef(
            "res.currency",
            "Currency",
            {
                "name": Char("Currency", required=True),
                "full_name": Char("Name"),
                "symbol": Char("Symbol"),
                "rounding": Float("Rounding Factor", default=0.01),
                "decimal_places": Integer(
                    "Decimal Places",
                    sql=lambda a: f"CAST(ROUND(-LOG10({a}.rounding)) AS INTEGER)",
                ),
                "position": Selection([("after", "After Amount"), ("before", "Before Amount")]),
                "active": Boolean("Active", default=True),
            },
            order="active desc, name",
        )
    )
    reg.model(
        ModelDef(
            "res.company",
            "Companies",
            {
                "name": Char("Company Name", related="partner_id.name", readonly=False),
                "partner_id": Many2one("res.partner", "Partner", required=True),
                "currency_id": Many2one("res.currency", "Currency", required=True),
                "email": Char("Email", related="partner_id.email", readonly=False),
                "vat": Char("Tax ID", related="partner_id.vat", readonly=False),
                "parent_id": Many2one("res.company", "Parent Company"),
                "sequence": Integer("Sequence", default=10),
                "active": Boolean("Active", default=True),
            },
            order="sequence, name",
            display_sql=lambda a: (
                f"(SELECT cp.name FROM res_partner cp WHERE cp.id = {a}.partner_id)"
            ),
            name_depends=("res.partner",),
            parent_name="parent_id",
        )
    )
    user_fields = {
        "login": Char("Login", required=True),
        "password": Char("Password", sql=lambda a: "''", nosearch=True),
        "partner_id": Many2one(
            "res.partner", "Related Partner", required=True, ondelete="restrict"
        ),
        "name": Char("Name", related="partner_id.name", readonly=False),
        "email": Char("Email", related="partner_id.email", readonly=False),
        "active": Boolean("Active", default=True),
        "company_id": Many2one("res.company", "Company", default=1),
        "company_ids": Many2many(
            "res.company", "res_company_users_rel", "user_id", "cid", "Companies"
        ),
        "lang": Char("Language", default="en_US"),
        "tz": Char("Timezone"),
        "share": Boolean("Share User", default=False),
    }
    reg.model(
        ModelDef(
            "res.users",
            "User",
            user_fields,
            order="name, login",
            rec_name="login",
            display_sql=lambda a: (
                f"(SELECT up.name FROM res_partner up WHERE up.id = {a}.partner_id)"
            ),
            name_search_fields=("login", "name"),
            name_depends=("res.partner",),
            on_create=_user_create,
            methods={
                "has_group": ModelMethod(_has_group, [("group_ext_id", REQUIRED)]),
                "context_get": ModelMethod(
                    lambda env, model, ids: {"lang": "en_US", "tz": "UTC", "uid": env.uid},
                    [],
                    is_model=True,
                ),
            },
        )
    )
    _define_ir(reg)


def _define_ir(reg: RegistryBuilder) -> None:
    reg.model(
        ModelDef(
            "ir.model",
            "Models",
            {
                "name": Char("Model Description", required=True),
                "model": Char("Model", required=True, index=True),
                "info": Text("Information"),
                "state": Selection(
                    [("manual", "Custom Object"), ("base", "Base Object")], default="manual"
                ),
                "transient": Boolean("Transient Model"),
                "modules": Char("In Apps"),
                "field_id": One2many("ir.model.fields", "model_id", "Fields"),
            },
            order="model",
            methods={
                "create": ModelMethod(ir.refuse_model_create, [("vals_list", REQUIRED)], True),
            },
        )
    )
    reg.model(
        ModelDef(
            "ir.model.fields",
            "Fields",
            {
                "name": Char("Field Name", required=True, index=True),
                "complete_name": Char(
                    "Complete Name", sql=lambda a: f"{a}.model || '.' || {a}.name"
                ),
                "model": Char("Model Name", index=True),
                "model_id": Many2one("ir.model", "Model", required=True, ondelete="cascade"),
                "field_description": Char("Field Label", required=True),
                "help": Text("Field Help"),
                "ttype": Selection(
                    [
                        (t, t)
                        for t in (
                            "binary",
                            "boolean",
                            "char",
                            "date",
                            "datetime",
                            "float",
                            "html",
                            "integer",
                            "many2many",
                            "many2one",
                            "many2one_reference",
                            "monetary",
                            "one2many",
                            "reference",
                            "selection",
                            "text",
                            "json",
                            "properties",
                        )
                    ],
                    "Field Type",
                    required=True,
                ),
                "relation": Char("Related Model"),
                "relation_field": Char("Relation Field"),
                "relation_table": Char("Relation Table"),
                "column1": Char("Column 1"),
                "column2": Char("Column 2"),
                "selection": Char("Selection Options (Deprecated)", sql=ir.selection_literal_sql),
                "selection_ids": One2many(
                    "ir.model.fields.selection", "field_id", "Selection Options"
                ),
                "required": Boolean("Required"),
                "readonly": Boolean("Readonly"),
                "index": Boolean("Indexed"),
                "translate": Boolean("Translatable"),
                "copied": Boolean("Copied"),
                "store": Boolean("Stored", default=True),
                "related": Char("Related Field Definition"),
                "on_delete": Selection(
                    [("cascade", "Cascade"), ("set null", "Set NULL"), ("restrict", "Restrict")],
                    "On Delete",
                    default="set null",
                ),
                "currency_field": Char("Currency field"),
                "state": Selection(
                    [("manual", "Custom Field"), ("base", "Base Field")],
                    "Type",
                    default="manual",
                    required=True,
                ),
                "tracking": Integer("Enable Ordered Tracking"),
            },
            order="name",
            display_sql=lambda a: f"{a}.field_description",
            name_search_fields=("field_description", "name"),
            methods={
                "create": ModelMethod(
                    ir.fields_create, [("vals_list", REQUIRED)], True, access="create"
                ),
                "write": ModelMethod(ir.fields_write, [("vals", REQUIRED)], access="write"),
                "unlink": ModelMethod(ir.fields_unlink, [], access="unlink"),
            },
        )
    )
    reg.model(
        ModelDef(
            "ir.model.fields.selection",
            "Fields Selection",
            {
                "field_id": Many2one("ir.model.fields", "Field", required=True, ondelete="cascade"),
                "value": Char("Value", required=True),
                "name": Char("Name", required=True),
                "sequence": Integer("Sequence", default=1000),
            },
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "ir.model.data",
            "Model Data",
            {
                "name": Char("External Identifier", required=True),
                "complete_name": Char(
                    "Complete ID", sql=lambda a: f"{a}.module || '.' || {a}.name"
                ),
                "model": Char("Model Name", required=True),
                "module": Char("Module", required=True, default=""),
                "res_id": Integer("Record ID"),
                "noupdate": Boolean("Non Updatable", default=False),
                "reference": Char("Reference", sql=lambda a: f"{a}.model || ',' || {a}.res_id"),
            },
            order="module, model, name",
            display_sql=lambda a: f"{a}.module || '.' || {a}.name",
            on_create=ir.xmlid_check,
            on_write=ir.xmlid_check_write,
            methods={
                "check_object_reference": ModelMethod(
                    ir.check_object_reference,
                    [("module", REQUIRED), ("xml_id", REQUIRED), ("raise_on_access_error", False)],
                    is_model=True,
                ),
            },
        )
    )
    reg.model(
        ModelDef(
            "ir.module.module",
            "Module",
            {
                "name": Char("Technical Name", required=True),
                "shortdesc": Char("Module Name"),
                "summary": Char("Summary"),
                "state": Selection(
                    [
                        ("uninstallable", "Uninstallable"),
                        ("uninstalled", "Not Installed"),
                        ("installed", "Installed"),
                        ("to upgrade", "To be upgraded"),
                        ("to remove", "To be removed"),
                        ("to install", "To be installed"),
                    ],
                    "Status",
                    default="uninstalled",
                ),
                "latest_version": Char("Installed Version"),
                "application": Boolean("Application"),
                "author": Char("Author"),
            },
            order="application desc, sequence, name",
            display_sql=lambda a: f"{a}.shortdesc",
        )
    )
    reg.models["ir.module.module"].fields["sequence"] = Integer("Sequence", default=100)
    reg.model(
        ModelDef(
            "ir.ui.view",
            "View",
            {
                "name": Char("View Name", required=True),
                "model": Char("Model", index=True),
                "key": Char("Key"),
                "priority": Integer("Sequence", default=16),
                "type": Selection(
                    [
                        ("tree" if reg.v <= 17 else "list", "Tree" if reg.v <= 17 else "List"),
                        ("form", "Form"),
                        ("graph", "Graph"),
                        ("pivot", "Pivot"),
                        ("calendar", "Calendar"),
                        ("kanban", "Kanban"),
                        ("search", "Search"),
                        ("qweb", "QWeb"),
                        ("activity", "Activity"),
                    ],
                    "View Type",
                ),
                "arch_db": Text("Arch Blob"),
                "arch": Text("View Architecture", sql=lambda a: f"{a}.arch_db", readonly=False),
                "arch_base": Text(
                    "Base View Architecture", sql=lambda a: f"{a}.arch_db", readonly=False
                ),
                "inherit_id": Many2one("ir.ui.view", "Inherited View", ondelete="restrict"),
                "inherit_children_ids": One2many(
                    "ir.ui.view", "inherit_id", "Views which inherit from this one"
                ),
                "mode": Selection(
                    [("primary", "Base view"), ("extension", "Extension View")],
                    "View inheritance mode",
                    default="primary",
                    required=True,
                ),
                "active": Boolean("Active", default=True),
                "xml_id": Char("External ID", sql=ir.view_xml_id_sql),
            },
            order="priority, name, id",
            parent_name="inherit_id",
            methods={
                "create": ModelMethod(
                    ir.views_create, [("vals_list", REQUIRED)], True, access="create"
                ),
                "write": ModelMethod(ir.views_write, [("vals", REQUIRED)], access="write"),
            },
        )
    )
