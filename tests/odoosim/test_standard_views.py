"""Standard views: the xml ids and anchor nodes an inheriting view (the ERP plugin) hooks on.

Per version profile, every view the plugin inherits (``connector/erp_plugin.py``: form, list and
search view of res.partner, sale.order, account.move) exists under its real xml id, and the
plugin's own arches apply.  Anchors other modules of real Odoo use on the search views resolve
too, and a filter real Odoo keeps out of a base view is absent here as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from odoosim.exceptions import ValidationError
from odoosim.orm import Database

erp_plugin = pytest.importorskip("connector.erp_plugin")

ADMIN = 2
VERSIONS = ("16", "17", "18", "19")


def _add_manual_fields(db: Database, model: str) -> None:
    x = db.execute_kw
    (mid,) = x(ADMIN, "ir.model", "search", [[("model", "=", model)]])
    x(ADMIN, "ir.model.fields", "create", [[
        {"model_id": mid, "name": erp_plugin.FLAG_FIELD, "field_description": "Flag",
         "ttype": "selection", "selection": "[('green','Green'),('amber','Amber'),('red','Red')]"},
        {"model_id": mid, "name": erp_plugin.REASON_FIELD, "field_description": "Reason",
         "ttype": "char"},
    ]])  # fmt: skip


def _inherit(db: Database, xml_id: str, model: str, arch: str) -> int:
    vid = db.xmlid_id(xml_id)
    vals = {"name": f"test.{xml_id}", "model": model, "inherit_id": vid, "arch": arch}
    return int(db.execute_kw(ADMIN, "ir.ui.view", "create", [vals]))


@pytest.mark.parametrize("version", VERSIONS)
def test_the_erp_plugin_views_apply_on_every_version(version: str) -> None:
    db = Database(version, None, "t")
    major = int(version)
    for model, spec in erp_plugin.VIEWS.items():
        _add_manual_fields(db, model)
        arches = {
            spec.form: erp_plugin.form_arch(model, major),
            spec.tree: erp_plugin.tree_arch(major),
            spec.search: erp_plugin.search_arch(),
        }
        for xml_id, arch in arches.items():
            _inherit(db, xml_id, model, arch)
        (search,) = db.execute_kw(ADMIN, "ir.ui.view", "read", [[db.xmlid_id(spec.search)],
                                                                 ["type", "model", "mode"]])  # fmt: skip
        assert (search["type"], search["model"], search["mode"]) == ("search", model, "primary")


ANCHORS: dict[str, list[str]] = {
    "sale.view_sales_order_filter": [
        "//field[@name='partner_id']",
        "//field[@name='team_id']",
        "//filter[@name='my_sale_orders_filter']",
        "//filter[@name='activities_overdue']",
        "//search/group",
        "//search/group/filter[@name='salesperson']",
        "//filter[@name='order_month']",
    ],
    "account.view_account_invoice_filter": [
        "//field[@name='journal_id']",
        "//filter[@name='myinvoices']",
        "//filter[@name='late']",
        "//filter[@name='due_date']",
        "//filter[@name='to_check']",
        "//search/group/filter[@name='status']",
        "//search/group/filter[@name='duedate']",
    ],
    "base.view_res_partner_filter": [
        "//field[@name='category_id']",
        "//filter[@name='type_company']",
        "//filter[@name='inactive']",
        "//group[@name='group_by']",
        "//filter[@name='group_country']",
    ],
}


@pytest.mark.parametrize("version", VERSIONS)
def test_search_view_anchors_of_real_odoo_resolve(version: str) -> None:
    db = Database(version, None, "t")
    models = {"sale": "sale.order", "account": "account.move", "base": "res.partner"}
    for xml_id, anchors in ANCHORS.items():
        model = models[xml_id.split(".")[0]]
        for expr in anchors:
            arch = (
                f'<data><xpath expr="{expr}" position="after">'
                '<filter name="x_test" string="X" domain="[]"/></xpath></data>'
            )
            _inherit(db, xml_id, model, arch)
    # the group-by <group> carries expand/string up to 18 (sale and account; 16.0-18.0 sources)
    arch: Any = db.execute_kw(ADMIN, "ir.ui.view", "read",
                              [[db.xmlid_id("sale.view_sales_order_filter")], ["arch"]])  # fmt: skip
    assert ('<group expand="0" string="Group By">' in arch[0]["arch"]) == (int(version) <= 18)


def _filters(db: Database, xml_id: str) -> dict[str, str]:
    """``{filter name: domain}`` of a standard search view (its stored arch)."""
    import xml.etree.ElementTree as ET

    (row,) = db.execute_kw(ADMIN, "ir.ui.view", "read", [[db.xmlid_id(xml_id)], ["arch"]])
    root = ET.fromstring(row["arch"])
    return {f.get("name", ""): f.get("domain", "") for f in root.iter("filter")}


# filter names per version, from 16.0 / 17.0 / 18.0 / 19 sale_order_views.xml and
# account_move_views.xml; (present, absent)
FILTERS: dict[str, dict[str, tuple[set[str], set[str]]]] = {
    "sale.view_sales_order_filter": {
        "16": ({"my_sale_orders_filter", "activities_overdue"},
               {"filter_activities_my", "preferred_payment_method_line_groupby"}),
        "17": ({"my_sale_orders_filter", "activities_today"},
               {"filter_activities_my", "preferred_payment_method_line_groupby"}),
        "18": ({"my_sale_orders_filter", "activities_upcoming_all"},
               {"filter_activities_my", "preferred_payment_method_line_groupby"}),
        "19": ({"filter_activities_my", "preferred_payment_method_line_groupby"}, set()),
    },
    "account.view_account_invoice_filter": {
        "16": ({"open", "closed", "late", "group_by_sequence_prefix"},
               {"out_invoice", "in_payment", "reversed", "groupy_by_journal", "partner"}),
        "17": ({"open", "closed", "reversed", "late"},
               {"out_invoice", "in_payment", "groupy_by_journal", "partner"}),
        "18": ({"not_sent", "out_invoice", "out_refund", "in_payment", "groupy_by_journal",
                "partner", "accounting_date"}, {"closed", "out_receipt"}),
        "19": ({"out_invoice", "in_payment", "groupy_by_journal"}, {"closed"}),
    },
}  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
def test_search_view_filters_are_those_of_the_version(version: str) -> None:
    db = Database(version, None, "t")
    for xml_id, per_version in FILTERS.items():
        present, absent = per_version[version]
        names = set(_filters(db, xml_id))
        assert present <= names, (xml_id, present - names)
        assert not (absent & names), (xml_id, absent & names)


@pytest.mark.parametrize(
    ("version", "domain"),
    [
        ("16", "[('to_check', '=', True)]"),
        ("17", "[('to_check', '=', True)]"),
        ("18", "[('checked', '=', False), ('state', '!=', 'draft')]"),
        ("19", "[('review_state', 'in', ('todo', 'anomaly'))]"),
    ],
)
def test_to_check_domain_per_version(version: str, domain: str) -> None:
    db = Database(version, None, "t")
    assert _filters(db, "account.view_account_invoice_filter")["to_check"] == domain


def test_filters_of_other_views_are_not_in_the_base_search_view() -> None:
    """ "To Invoice" is in ``sale.sale_order_view_search_inherit_sale`` in real Odoo."""
    db = Database("17", None, "t")
    arch = (
        '<data><xpath expr="//filter[@name=\'to_invoice\']" position="after">'
        '<filter name="x_test" string="X" domain="[]"/></xpath></data>'
    )
    with pytest.raises(ValidationError, match="cannot be located in parent view"):
        _inherit(db, "sale.view_sales_order_filter", "sale.order", arch)
