"""Manual x_ fields, inherited views, installed apps (odoo-protocol.md §7, §11.5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoosim.exceptions import UserError, ValidationError
from odoosim.orm import Database

ADMIN = 2


def _model_id(db: Database, model: str) -> int:
    return int(
        db.execute_kw(ADMIN, "ir.model", "search_read", [[("model", "=", model)], ["id"]])[0]["id"]
    )


def test_manual_selection_field_lifecycle(orm_db: Database) -> None:
    x = orm_db.execute_kw
    mid = _model_id(orm_db, "sale.order")
    fid = x(
        ADMIN,
        "ir.model.fields",
        "create",
        [
            {
                "model_id": mid,
                "name": "x_svc_flag",
                "field_description": "Service flag",
                "ttype": "selection",
                "selection_ids": [
                    [0, 0, {"value": "green", "name": "Green", "sequence": 1}],
                    [0, 0, {"value": "red", "name": "Red", "sequence": 2}],
                ],
            }
        ],
    )
    desc = x(
        ADMIN,
        "sale.order",
        "fields_get",
        [["x_svc_flag"]],
        {"attributes": ["type", "selection", "manual"]},
    )
    assert desc == {
        "x_svc_flag": {
            "type": "selection",
            "selection": [["green", "Green"], ["red", "Red"]],
            "manual": True,
        }
    }
    pid = x(ADMIN, "res.partner", "create", [{"name": "P"}])
    so = x(ADMIN, "sale.order", "create", [{"partner_id": pid, "x_svc_flag": "red"}])
    assert x(ADMIN, "sale.order", "search", [[("x_svc_flag", "=", "red")]]) == [so]
    with pytest.raises(ValueError, match=r"Wrong value"):
        x(ADMIN, "sale.order", "write", [[so], {"x_svc_flag": "blue"}])
    # the bot may set the flag (plugin field) but not create fields
    x(orm_db.bot_uid, "sale.order", "write", [[so], {"x_svc_flag": "green"}])
    assert x(ADMIN, "ir.model.fields", "read", [[fid], ["selection", "state"]])[0] == {
        "id": fid,
        "selection": "[('green', 'Green'), ('red', 'Red')]",
        "state": "manual",
    }
    # a view using it blocks deletion
    vid = orm_db.xmlid_id("sale.view_order_form")
    view = x(
        ADMIN,
        "ir.ui.view",
        "create",
        [
            {
                "name": "x.flag",
                "model": "sale.order",
                "inherit_id": vid,
                "arch": '<data><xpath expr="//field[@name=\'partner_id\']" position="after"><field name="x_svc_flag"/></xpath></data>',
            }
        ],
    )
    assert x(ADMIN, "ir.ui.view", "read", [[view], ["mode", "type"]])[0] == {
        "id": view,
        "mode": "extension",
        "type": "form",
    }
    with pytest.raises(UserError, match=r"still present in views"):
        x(ADMIN, "ir.model.fields", "unlink", [[fid]])
    x(ADMIN, "ir.ui.view", "unlink", [[view]])
    x(ADMIN, "ir.model.fields", "unlink", [[fid]])
    assert "x_svc_flag" not in x(ADMIN, "sale.order", "fields_get", [])
    with pytest.raises(ValueError, match=r"Invalid field 'x_svc_flag'"):
        x(ADMIN, "sale.order", "read", [[so], ["x_svc_flag"]])


def test_manual_field_from_selection_literal_and_errors(orm_db: Database) -> None:
    x = orm_db.execute_kw
    mid = _model_id(orm_db, "res.partner")
    x(
        ADMIN,
        "ir.model.fields",
        "create",
        [
            {
                "model_id": mid,
                "name": "x_level",
                "field_description": "Level",
                "ttype": "selection",
                "selection": "[('a','A'),('b','B')]",
            }
        ],
    )
    x(
        ADMIN,
        "ir.model.fields",
        "create",
        [{"model_id": mid, "name": "x_svc_reason", "field_description": "Reason", "ttype": "text"}],
    )
    pid = x(
        ADMIN,
        "res.partner",
        "create",
        [{"name": "Q", "x_level": "b", "x_svc_reason": "late twice"}],
    )
    assert x(ADMIN, "res.partner", "read", [[pid], ["x_level", "x_svc_reason"]])[0] == {
        "id": pid,
        "x_level": "b",
        "x_svc_reason": "late twice",
    }
    with pytest.raises(ValidationError, match=r"must have a name that starts with 'x_'"):
        x(
            ADMIN,
            "ir.model.fields",
            "create",
            [{"model_id": mid, "name": "flag", "field_description": "F", "ttype": "char"}],
        )
    with pytest.raises(ValidationError, match=r"unique per model"):
        x(
            ADMIN,
            "ir.model.fields",
            "create",
            [{"model_id": mid, "name": "x_level", "field_description": "F", "ttype": "char"}],
        )
    base = x(
        ADMIN,
        "ir.model.fields",
        "search",
        [[("model", "=", "res.partner"), ("name", "=", "email")]],
    )
    with pytest.raises(UserError, match=r"Properties of base fields cannot be altered"):
        x(ADMIN, "ir.model.fields", "write", [base, {"field_description": "Mail"}])
    with pytest.raises(UserError, match=r"module data and cannot be removed"):
        x(ADMIN, "ir.model.fields", "unlink", [base])


def test_failed_field_creation_rolls_back_registry(orm_db: Database) -> None:
    x = orm_db.execute_kw
    mid = _model_id(orm_db, "res.partner")
    with pytest.raises(TypeError):
        # the create runs, then the call fails on a bad argument: nothing may remain
        x(
            ADMIN,
            "ir.model.fields",
            "create",
            [
                {"model_id": mid, "name": "x_tmp", "field_description": "T", "ttype": "char"},
                "extra",
            ],
        )
    assert "x_tmp" not in x(ADMIN, "res.partner", "fields_get", [])


@pytest.mark.parametrize(("version", "tag"), [("17", "tree"), ("18", "list")])
def test_inherited_views_are_validated(
    new_db: Callable[..., Database], version: str, tag: str
) -> None:
    db = new_db(version)
    x = db.execute_kw
    arch = x(ADMIN, "ir.ui.view", "read", [[db.xmlid_id("sale.view_order_tree")], ["arch"]])[0][
        "arch"
    ]
    assert arch.startswith(f"<{tag}")
    form = db.xmlid_id("sale.view_order_form")
    ok = f'<data><xpath expr="//field[@name=\'order_line\']/{tag}/field[@name=\'name\']" position="after"><field name="qty_delivered"/></xpath></data>'
    x(
        ADMIN,
        "ir.ui.view",
        "create",
        [{"name": "ok", "model": "sale.order", "inherit_id": form, "arch": ok}],
    )
    other = "list" if tag == "tree" else "tree"
    bad_xpath = f'<data><xpath expr="//field[@name=\'order_line\']/{other}" position="inside"><field name="name"/></xpath></data>'
    with pytest.raises(ValidationError, match=r"cannot be located in parent view"):
        x(
            ADMIN,
            "ir.ui.view",
            "create",
            [{"name": "bad", "model": "sale.order", "inherit_id": form, "arch": bad_xpath}],
        )
    bad_field = '<data><xpath expr="//group[@name=\'sale_header\']" position="inside"><field name="x_missing"/></xpath></data>'
    with pytest.raises(
        ValidationError, match=r'Field "x_missing" does not exist in model "sale.order"'
    ):
        x(
            ADMIN,
            "ir.ui.view",
            "create",
            [{"name": "bad2", "model": "sale.order", "inherit_id": form, "arch": bad_field}],
        )
    for xid, anchor in (
        ("account.view_move_form", "//group[@id='header_right_group']"),
        ("account.view_move_form", "//page[@id='other_tab']"),
        ("base.view_partner_form", "//page[@name='internal_notes']"),
        ("base.view_res_partner_filter", "//filter[@name='inactive']"),
        ("account.view_account_invoice_filter", "//filter[@name='late']"),
    ):
        spec = f'<xpath expr="{anchor}" position="after"><separator/></xpath>'
        x(
            ADMIN,
            "ir.ui.view",
            "create",
            [{"name": f"anchor {anchor}", "inherit_id": db.xmlid_id(xid), "arch": spec}],
        )


def test_apps_are_switchable(new_db: Callable[..., Database]) -> None:
    db = new_db("17", {"sale"})
    with pytest.raises(UserError, match=r"Object helpdesk.ticket doesn't exist"):
        db.execute_kw(ADMIN, "helpdesk.ticket", "search", [[]])
    with pytest.raises(UserError, match=r"Object repair.order doesn't exist"):
        db.execute_kw(ADMIN, "repair.order", "search", [[]])
    mods = db.execute_kw(
        ADMIN, "ir.module.module", "search_read", [[("state", "=", "installed")], ["name"]]
    )
    names = {m["name"] for m in mods}
    assert {"sale", "account", "product", "base"} <= names and "helpdesk_mgmt" not in names
    full = new_db("17")
    full_names = {
        m["name"]
        for m in full.execute_kw(
            ADMIN, "ir.module.module", "search_read", [[("state", "=", "installed")], ["name"]]
        )
    }
    assert {"helpdesk_mgmt", "repair", "sale_stock"} <= full_names
    with pytest.raises(ValueError, match=r"unknown app"):
        new_db("17", {"crm"})
