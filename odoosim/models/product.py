"""``product`` (+ ``uom``): templates, variants (delegating to their template), categories,
units of measure, vendor prices."""

from __future__ import annotations

from typing import Any

from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Field,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from odoosim.orm.model import ModelDef, RegistryBuilder

# product.product fields that live on the template (Odoo's _inherits delegation)
DELEGATED = (
    "name",
    "standard_price",
    "type",
    "detailed_type",
    "is_storable",
    "list_price",
    "uom_id",
    "uom_po_id",
    "categ_id",
    "sale_ok",
    "purchase_ok",
    "description",
    "description_sale",
    "sale_delay",
    "company_id",
)


def _product_create(env: Env, vals: dict[str, Any]) -> None:
    """A variant created without template gets one, from the delegated values (_inherits)."""
    mdef = env.db.models["product.template"]
    if not vals.get("product_tmpl_id"):
        tmpl_vals = {k: vals.pop(k) for k in list(vals) if k in DELEGATED and k in mdef.fields}
        if "default_code" in vals:
            tmpl_vals["default_code"] = vals["default_code"]
        vals["product_tmpl_id"] = env.db.create(env, "product.template", tmpl_vals)


def _variant_display(a: str) -> str:
    name = f"(SELECT pt.name FROM product_template pt WHERE pt.id = {a}.product_tmpl_id)"
    return (
        f"CASE WHEN {a}.default_code IS NOT NULL AND {a}.default_code != '' THEN "
        f"'[' || {a}.default_code || '] ' || {name} ELSE {name} END"
    )


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    if v <= 18:
        reg.model(
            ModelDef(
                "uom.category",
                "Product UoM Categories",
                {"name": Char("Unit of Measure Category", required=True)},
                app="uom",
                order="name",
            )
        )
    reg.model(
        ModelDef(
            "uom.uom",
            "Product Unit of Measure",
            {
                "name": Char("Unit of Measure", required=True),
                "category_id": Many2one("uom.category", "Category"),
                "relative_factor": Float("Contains", default=1.0),
                "relative_uom_id": Many2one("uom.uom", "Reference Unit"),
                "factor": Float("Ratio", default=1.0),
                "rounding": Float("Rounding Precision", default=0.01),
                "uom_type": Selection(
                    [("bigger", "Bigger"), ("reference", "Reference"), ("smaller", "Smaller")],
                    default="reference",
                ),
                "active": Boolean("Active", default=True),
            },
            app="uom",
            order="factor DESC, id",
        )
    )
    uom_fields = reg.models["uom.uom"].fields
    if v >= 19:
        del uom_fields["category_id"]
    else:
        del uom_fields["relative_factor"], uom_fields["relative_uom_id"]
    reg.model(
        ModelDef(
            "product.category",
            "Product Category",
            {
                "name": Char("Name", required=True),
                "complete_name": Char("Complete Name"),
                "parent_id": Many2one("product.category", "Parent Category", ondelete="cascade"),
                "child_id": One2many("product.category", "parent_id", "Child Categories"),
            },
            app="product",
            order="complete_name",
            display_sql=lambda a: f"COALESCE({a}.complete_name, {a}.name)",
            parent_name="parent_id",
        )
    )
    if v <= 17:
        type_sel = [
            ("consu", "Consumable"),
            ("service", "Service"),
            ("product", "Storable Product"),
        ]
    else:
        type_sel = [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]
    tmpl: dict[str, Field] = {
        "name": Char("Name", required=True, index=True),
        "sequence": Integer("Sequence", default=1),
        "description": Text("Description"),
        "description_sale": Text("Sales Description"),
        "description_purchase": Text("Purchase Description"),
        "type": Selection(type_sel, "Product Type", default="consu", required=True),
        "list_price": Float("Sales Price", default=1.0),
        "standard_price": Float("Cost", company_dependent=True),
        "default_code": Char("Internal Reference", index=True),
        "barcode": Char("Barcode"),
        "categ_id": Many2one("product.category", "Product Category", default=1),
        "uom_id": Many2one("uom.uom", "Unit of Measure", default=1),
        "uom_po_id": Many2one("uom.uom", "Purchase UoM", default=1),
        "sale_ok": Boolean("Can be Sold", default=True),
        "purchase_ok": Boolean("Can be Purchased", default=True),
        "active": Boolean("Active", default=True),
        "company_id": Many2one("res.company", "Company", index=True),
        "currency_id": Many2one(
            "res.currency",
            "Currency",
            sql=lambda a: "(SELECT currency_id FROM res_company ORDER BY id LIMIT 1)",
        ),
        "product_variant_ids": One2many("product.product", "product_tmpl_id", "Products"),
        "product_variant_count": Integer(
            "# Product Variants",
            sql=lambda a: (
                f"(SELECT COUNT(*) FROM product_product pv WHERE pv.product_tmpl_id = {a}.id)"
            ),
        ),
        "seller_ids": One2many("product.supplierinfo", "product_tmpl_id", "Vendors"),
        "sale_delay": Float("Customer Lead Time", default=0.0),
        "weight": Float("Weight"),
        "volume": Float("Volume"),
    }
    if v <= 17:
        tmpl["priority"] = Selection([("0", "Normal"), ("1", "Favorite")], "Favorite", default="0")
        tmpl["detailed_type"] = Selection(type_sel, "Product Type", default="consu", required=True)
        tmpl_order = "priority desc, name, id"
    else:
        tmpl["is_favorite"] = Boolean("Favorite", default=False)
        tmpl["is_storable"] = Boolean("Track Inventory", default=False)
        tmpl_order = "is_favorite desc, name, id"
    reg.model(
        ModelDef(
            "product.template",
            "Product",
            tmpl,
            app="product",
            order=tmpl_order,
            mail_thread=True,
            on_create=_tmpl_sync_type if v <= 17 else None,
            on_write=_tmpl_sync_type_write if v <= 17 else None,
        )
    )
    variant: dict[str, Field] = {
        "product_tmpl_id": Many2one(
            "product.template", "Product Template", required=True, ondelete="cascade", index=True
        ),
        "default_code": Char("Internal Reference", index=True),
        "barcode": Char("Barcode"),
        "active": Boolean("Active", default=True),
        "lst_price": Float("Sales Price", related="product_tmpl_id.list_price"),
        "price_extra": Float("Variant Price Extra", default=0.0),
        "weight": Float("Weight"),
        "volume": Float("Volume"),
        "seller_ids": Many2many(
            "product.supplierinfo",
            string="Vendors",
            pairs=(
                "SELECT pp.id AS owner, si.id AS target FROM product_product pp "
                "JOIN product_supplierinfo si ON si.product_tmpl_id = pp.product_tmpl_id "
                "WHERE si.product_id IS NULL OR si.product_id = pp.id"
            ),
        ),
    }
    for fname in DELEGATED:
        if fname in tmpl:
            src = tmpl[fname]
            variant[fname] = Field(
                src.type,
                src.string,
                relation=src.relation,
                selection=src.selection,
                related=f"product_tmpl_id.{fname}",
                readonly=False,
            )
    if v <= 17:
        variant["priority"] = Selection(
            [("0", "Normal"), ("1", "Favorite")], "Favorite", related="product_tmpl_id.priority"
        )
        variant_order = "priority desc, default_code, name, id"
    else:
        variant["is_favorite"] = Boolean("Favorite", related="product_tmpl_id.is_favorite")
        variant_order = "is_favorite desc, default_code, name, id"
    reg.model(
        ModelDef(
            "product.product",
            "Product Variant",
            variant,
            app="product",
            order=variant_order,
            display_sql=_variant_display,
            name_search_fields=("default_code", "name", "barcode"),
            name_depends=("product.template",),
            on_create=_product_create,
            mail_thread=True,
        )
    )
    reg.model(
        ModelDef(
            "product.supplierinfo",
            "Supplier Pricelist",
            {
                "partner_id": Many2one("res.partner", "Vendor", required=True, ondelete="cascade"),
                "product_name": Char("Vendor Product Name"),
                "product_code": Char("Vendor Product Code"),
                "sequence": Integer("Sequence", default=1),
                "min_qty": Float("Quantity", default=0.0),
                "price": Float("Price", default=0.0),
                "currency_id": Many2one("res.currency", "Currency"),
                "date_start": Field("date", "Start Date"),
                "date_end": Field("date", "End Date"),
                "product_id": Many2one("product.product", "Product Variant"),
                "product_tmpl_id": Many2one(
                    "product.template", "Product Template", ondelete="cascade", index=True
                ),
                "delay": Integer("Delivery Lead Time", default=1),
                "company_id": Many2one("res.company", "Company"),
            },
            app="product",
            order="sequence, min_qty DESC, price, id",
            display_sql=lambda a: (
                f"(SELECT sp.name FROM res_partner sp WHERE sp.id = {a}.partner_id)"
            ),
            name_depends=("res.partner",),
        )
    )


def _tmpl_sync_type(env: Env, vals: dict[str, Any]) -> None:
    # 16/17: `type` is computed from `detailed_type`; keep both in step whichever is written
    if "detailed_type" in vals and "type" not in vals:
        vals["type"] = vals["detailed_type"]
    elif "type" in vals and "detailed_type" not in vals:
        vals["detailed_type"] = vals["type"]


def _tmpl_sync_type_write(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    _tmpl_sync_type(env, vals)
