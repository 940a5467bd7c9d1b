"""read/write/unlink semantics, x2many commands, server stamps and per-version differences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from odoosim.exceptions import AccessError, MissingError, UserError, ValidationError
from odoosim.orm import Database

ADMIN = 2


def test_create_dict_gives_int_list_gives_list(orm_db: Database) -> None:
    x = orm_db.execute_kw
    one = x(ADMIN, "res.partner", "create", [{"name": "One"}])
    many = x(ADMIN, "res.partner", "create", [[{"name": "Two"}, {"name": "Three"}]])
    assert isinstance(one, int)
    assert isinstance(many, list) and len(many) == 2 and one not in many


def test_read_skips_missing_ids_write_raises_unlink_ignores(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Here"}])
    rows = x(ADMIN, "res.partner", "read", [[99999, pid], ["name"]])
    assert rows == [{"id": pid, "name": "Here"}]
    with pytest.raises(MissingError, match=r"Record does not exist or has been deleted"):
        x(ADMIN, "res.partner", "write", [[pid, 99999], {"name": "x"}])
    # the failed write was rolled back as a whole
    assert x(ADMIN, "res.partner", "read", [[pid], ["name"]])[0]["name"] == "Here"
    assert x(ADMIN, "res.partner", "unlink", [[pid, 99999]]) is True
    assert x(ADMIN, "res.partner", "read", [[pid], ["name"]]) == []


def test_value_shapes_and_load_none(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Shape"}])
    so = x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    row = x(
        ADMIN,
        "sale.order",
        "read",
        [[so], ["partner_id", "commitment_date", "amount_total", "order_line", "note", "locked"]],
    )[0]
    assert row["partner_id"] == [pid, "Shape"]
    assert row["commitment_date"] is False and row["note"] is False and row["locked"] is False
    assert row["amount_total"] == 0.0 and row["order_line"] == []
    raw = x(ADMIN, "sale.order", "read", [[so], ["partner_id"]], {"load": None})[0]
    assert raw["partner_id"] == pid


def test_server_stamps_dates_in_utc_seconds(orm_db: Database) -> None:
    x = orm_db.execute_kw
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    pid = x(
        ADMIN, "res.partner", "create", [{"name": "Stamp", "write_date": "2000-01-01 00:00:00"}]
    )
    row = x(ADMIN, "res.partner", "read", [[pid], ["create_date", "write_date", "create_uid"]])[0]
    stamped = dt.datetime.strptime(row["write_date"], "%Y-%m-%d %H:%M:%S")
    assert before <= stamped <= before + dt.timedelta(seconds=5)
    assert row["create_uid"][0] == ADMIN
    orm_db.clock = lambda: dt.datetime(2030, 1, 2, 3, 4, 5)
    x(ADMIN, "res.partner", "write", [[pid], {"name": "Later"}])
    row = x(ADMIN, "res.partner", "read", [[pid], ["create_date", "write_date"]])[0]
    assert row["write_date"] == "2030-01-02 03:04:05"
    assert row["create_date"] != row["write_date"]


def test_datetime_strings_are_checked(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "D"}])
    with pytest.raises(ValueError, match=r"does not match format"):
        x(
            ADMIN,
            "sale.order",
            "create",
            [{"partner_id": pid, "commitment_date": "2026-01-01T10:00:00Z"}],
        )
    so = x(
        ADMIN, "sale.order", "create", [{"partner_id": pid, "commitment_date": "2026-01-01 10:00"}]
    )
    assert (
        x(ADMIN, "sale.order", "read", [[so], ["commitment_date"]])[0]["commitment_date"]
        == "2026-01-01 10:00:00"
    )


def test_x2many_commands(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Cmd"}])
    prod = x(ADMIN, "product.product", "create", [{"name": "Nut", "list_price": 2.0}])
    so = x(
        ADMIN,
        "sale.order",
        "create",
        [
            {
                "partner_id": pid,
                "order_line": [
                    [0, 0, {"product_id": prod, "product_uom_qty": 2, "price_unit": 3.0}],
                    [0, 0, {"product_id": prod, "product_uom_qty": 1, "price_unit": 4.0}],
                ],
            }
        ],
    )
    lines = x(ADMIN, "sale.order", "read", [[so], ["order_line", "amount_untaxed"]])[0]
    assert len(lines["order_line"]) == 2 and lines["amount_untaxed"] == 10.0
    first, second = lines["order_line"]
    x(
        ADMIN,
        "sale.order",
        "write",
        [[so], {"order_line": [[1, first, {"product_uom_qty": 5}], [2, second, 0]]}],
    )
    after = x(ADMIN, "sale.order", "read", [[so], ["order_line", "amount_untaxed"]])[0]
    assert after == {"id": so, "order_line": [first], "amount_untaxed": 15.0}
    assert x(ADMIN, "sale.order.line", "read", [[second], ["name"]]) == []
    t1 = x(ADMIN, "res.partner.category", "create", [{"name": "t1"}])
    t2 = x(ADMIN, "res.partner.category", "create", [{"name": "t2"}])
    x(ADMIN, "res.partner", "write", [[pid], {"category_id": [[6, 0, [t1, t2]]]}])
    x(ADMIN, "res.partner", "write", [[pid], {"category_id": [[3, t1, 0]]}])
    assert x(ADMIN, "res.partner", "read", [[pid], ["category_id"]])[0]["category_id"] == [t2]
    x(ADMIN, "res.partner", "write", [[pid], {"category_id": [[5, 0, 0], [4, t1, 0]]}])
    assert x(ADMIN, "res.partner", "read", [[pid], ["category_id"]])[0]["category_id"] == [t1]
    # the inverse side sees the same relation table
    assert x(ADMIN, "res.partner.category", "read", [[t1], ["partner_ids"]])[0]["partner_ids"] == [
        pid
    ]


def test_required_and_foreign_keys(orm_db: Database) -> None:
    x = orm_db.execute_kw
    with pytest.raises(ValidationError, match=r"Field: Customer \(partner_id\)"):
        x(ADMIN, "sale.order", "create", [{"note": "no customer"}])
    with pytest.raises(ValidationError, match=r"is not present in table"):
        x(ADMIN, "sale.order", "create", [{"partner_id": 424242}])
    pid = x(ADMIN, "res.partner", "create", [{"name": "Kept"}])
    x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    with pytest.raises(ValidationError, match=r"another model requires the record"):
        x(ADMIN, "res.partner", "unlink", [[pid]])
    with pytest.raises(ValueError, match=r"Wrong value for sale.order.state"):
        x(ADMIN, "sale.order", "create", [{"partner_id": pid, "state": "nope"}])


def test_dispatch_errors(new_db: Callable[..., Database]) -> None:
    db16, db17, db19 = new_db("16"), new_db("17"), new_db("19")
    with pytest.raises(
        AccessError, match=r"Private methods \(such as sale.order._x\) cannot be called remotely."
    ):
        db17.execute_kw(ADMIN, "sale.order", "_x", [[]])
    with pytest.raises(UserError, match=r"Object foo.bar doesn't exist"):
        db17.execute_kw(ADMIN, "foo.bar", "search", [[]])
    with pytest.raises(
        AttributeError, match=r"The method 'nope' does not exist on the model 'sale.order'"
    ):
        db17.execute_kw(ADMIN, "sale.order", "nope", [[]])
    with pytest.raises(AttributeError, match=r"The method 'sale.order.nope' does not exist"):
        db19.execute_kw(ADMIN, "sale.order", "nope", [[]])
    with pytest.raises(AttributeError, match=r"has no attribute 'nope'"):
        db16.execute_kw(ADMIN, "sale.order", "nope", [[]])
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'bogus'"):
        db17.execute_kw(ADMIN, "res.partner", "search", [[]], {"bogus": 1})


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_version_differences(new_db: Callable[..., Database], version: str) -> None:
    db = new_db(version)
    x = db.execute_kw
    v = int(version)
    pid = x(ADMIN, "res.partner", "create", [{"name": "V"}])
    # search(count=) only on 16
    if v == 16:
        assert x(ADMIN, "res.partner", "search", [[("id", "=", pid)]], {"count": True}) == 1
    else:
        with pytest.raises(TypeError, match=r"count"):
            x(ADMIN, "res.partner", "search", [[("id", "=", pid)]], {"count": True})
    # name_get gone on 18+
    if v <= 17:
        assert x(ADMIN, "res.partner", "name_get", [[pid]]) == [[pid, "V"]]
    else:
        with pytest.raises(AttributeError, match=r"name_get"):
            x(ADMIN, "res.partner", "name_get", [[pid]])
    # read_group callable everywhere; formatted_read_group on 19 only
    assert x(
        ADMIN,
        "res.partner",
        "read_group",
        [[("id", "=", pid)], ["customer_rank:sum"], ["is_company"]],
    )
    if v >= 19:
        rows = x(
            ADMIN,
            "res.partner",
            "formatted_read_group",
            [[("id", "=", pid)]],
            {"groupby": ["is_company"], "aggregates": ["__count"]},
        )
        assert rows == [
            {"is_company": False, "__count": 1, "__extra_domain": [("is_company", "=", 0)]}
        ]
    else:
        with pytest.raises(AttributeError):
            x(ADMIN, "res.partner", "formatted_read_group", [[]])
    # sale state / locked, delivery_status, product type fields, uom field names
    so_fields = x(ADMIN, "sale.order", "fields_get", [], {"attributes": ["selection"]})
    states = [k for k, _ in so_fields["state"]["selection"]]
    assert ("done" in states) == (v == 16)
    assert ("locked" in so_fields) == (v >= 17)
    assert ("delivery_status" in so_fields) == (v >= 17)
    line_fields = x(ADMIN, "sale.order.line", "fields_get", [])
    assert ("product_uom" in line_fields, "tax_id" in line_fields) == ((v <= 18), (v <= 18))
    assert ("product_uom_id" in line_fields) == (v >= 19)
    tmpl = x(ADMIN, "product.template", "fields_get", [], {"attributes": ["selection"]})
    assert ("detailed_type" in tmpl) == (v <= 17)
    assert ("is_storable" in tmpl) == (v >= 18)
    pay = [
        k
        for k, _ in x(ADMIN, "account.move", "fields_get", [["payment_state"]])["payment_state"][
            "selection"
        ]
    ]
    assert ("blocked" in pay) == (v >= 18)
    # message_post: int on 16/17, [id] on 18/19; body escaped unless body_is_html on 18+
    so = x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    mid = x(ADMIN, "sale.order", "message_post", [[so]], {"body": "<b>x</b> & y"})
    assert isinstance(mid, int) if v <= 17 else (isinstance(mid, list) and len(mid) == 1)
    msg_id = mid if isinstance(mid, int) else mid[0]
    body = x(ADMIN, "mail.message", "read", [[msg_id], ["body"]])[0]["body"]
    assert "&lt;b&gt;" in body
    if v >= 18:
        mid = x(
            ADMIN, "sale.order", "message_post", [[so]], {"body": "<b>x</b>", "body_is_html": True}
        )
        assert x(ADMIN, "mail.message", "read", [mid, ["body"]])[0]["body"] == "<b>x</b>"
    # account.move.action_post returns False on every version (`return False` in real Odoo)
    inv = x(
        ADMIN,
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "partner_id": pid,
                "invoice_line_ids": [[0, 0, {"name": "l", "quantity": 1, "price_unit": 10}]],
            }
        ],
    )
    amounts = x(ADMIN, "account.move", "read", [[inv], ["amount_total", "amount_residual"]])[0]
    assert (amounts["amount_total"], amounts["amount_residual"]) == (10.0, 10.0)
    assert x(ADMIN, "account.move", "action_post", [[inv]]) is False
    posted = x(ADMIN, "account.move", "read", [[inv], ["state", "name"]])[0]
    assert posted["state"] == "posted" and posted["name"].startswith("INV/")
    # check_access_rights to 18, has_access from 18
    if v <= 18:
        assert x(ADMIN, "sale.order", "check_access_rights", ["write"]) is True
    if v >= 18:
        assert x(ADMIN, "sale.order", "has_access", [[], "write"]) is True


def test_activity_create_and_feedback(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Act"}])
    so = x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    mid = x(ADMIN, "ir.model", "search", [[("model", "=", "sale.order")]])[0]
    todo = x(ADMIN, "ir.model.data", "check_object_reference", ["mail", "mail_activity_data_todo"])
    assert todo[0] == "mail.activity.type"
    act = x(
        ADMIN,
        "mail.activity",
        "create",
        [
            {
                "res_model_id": mid,
                "res_id": so,
                "activity_type_id": todo[1],
                "summary": "Call back",
                "date_deadline": "2026-01-01",
            }
        ],
    )
    row = x(ADMIN, "mail.activity", "read", [[act], ["res_model", "state"]])[0]
    assert row["res_model"] == "sale.order" and row["state"] == "overdue"
    assert x(ADMIN, "sale.order", "read", [[so], ["activity_ids"]])[0]["activity_ids"] == [act]
    msg = x(ADMIN, "mail.activity", "action_feedback", [[act]], {"feedback": "done it"})
    assert isinstance(msg, int)
    assert x(ADMIN, "mail.activity", "search", [[("id", "=", act)]]) == []
    body = x(ADMIN, "mail.message", "read", [[msg], ["body", "model", "res_id"]])[0]
    assert body["model"] == "sale.order" and body["res_id"] == so and "Call back" in body["body"]


def test_sale_actions_and_read_group(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Group"}])
    a = x(
        ADMIN,
        "sale.order",
        "create",
        [{"partner_id": pid, "amount_total": 10.0, "date_order": "2026-01-05 10:00:00"}],
    )
    b = x(
        ADMIN,
        "sale.order",
        "create",
        [{"partner_id": pid, "amount_total": 5.0, "date_order": "2026-02-05 10:00:00"}],
    )
    groups = x(
        ADMIN,
        "sale.order",
        "read_group",
        [[("id", "in", [a, b])], ["amount_total:sum"], ["partner_id"]],
    )
    assert groups == [
        {
            "partner_id": [pid, "Group"],
            "partner_id_count": 2,
            "amount_total": 15.0,
            # 18.0 read_group: expression.AND([domain, [(groupby, '=', value)]])
            "__domain": ["&", ("id", "in", [a, b]), ("partner_id", "=", pid)],
        }
    ]
    months = x(
        ADMIN,
        "sale.order",
        "read_group",
        [[("id", "in", [a, b])], ["amount_total"], ["date_order:month"]],
        {"lazy": False},
    )
    assert [(g["date_order:month"], g["__count"], g["amount_total"]) for g in months] == [
        ("January 2026", 1, 10.0),
        ("February 2026", 1, 5.0),
    ]
    assert months[0]["__range"] == {
        "date_order:month": {"from": "2026-01-01 00:00:00", "to": "2026-02-01 00:00:00"}
    }
    assert x(ADMIN, "sale.order", "action_confirm", [[a]]) is True
    with pytest.raises(UserError, match=r"not in a state requiring confirmation"):
        x(ADMIN, "sale.order", "action_confirm", [[a]])
    x(ADMIN, "sale.order", "action_lock", [[a]])
    assert x(ADMIN, "sale.order", "read", [[a], ["state", "locked"]])[0] == {
        "id": a,
        "state": "sale",
        "locked": True,
    }


def test_external_ids_follow_their_record(orm_db: Database) -> None:
    x = orm_db.execute_kw
    pid = x(ADMIN, "res.partner", "create", [{"name": "Xml"}])
    x(
        ADMIN,
        "ir.model.data",
        "create",
        [{"module": "svcsync", "name": "p1", "model": "res.partner", "res_id": pid}],
    )
    assert x(ADMIN, "res.partner", "get_external_id", [[pid]]) == {str(pid): "svcsync.p1"}
    with pytest.raises(ValidationError, match=r"duplicate key"):
        x(
            ADMIN,
            "ir.model.data",
            "create",
            [{"module": "svcsync", "name": "p1", "model": "res.partner", "res_id": pid}],
        )
    x(ADMIN, "res.partner", "unlink", [[pid]])
    assert x(ADMIN, "ir.model.data", "search", [[("module", "=", "svcsync")]]) == []


def test_name_search_and_display_name(orm_db: Database) -> None:
    x = orm_db.execute_kw
    comp = x(ADMIN, "res.partner", "create", [{"name": "Azure Interior", "is_company": True}])
    pid = x(ADMIN, "res.partner", "create", [{"name": "Brandon", "parent_id": comp}])
    assert x(ADMIN, "res.partner", "name_search", ["brand"]) == [[pid, "Azure Interior, Brandon"]]
    assert x(ADMIN, "res.partner", "read", [[pid], ["display_name", "commercial_partner_id"]])[
        0
    ] == {
        "id": pid,
        "display_name": "Azure Interior, Brandon",
        "commercial_partner_id": [comp, "Azure Interior"],
    }
    x(ADMIN, "res.partner", "write", [[comp], {"name": "Azure"}])
    assert (
        x(ADMIN, "res.partner", "read", [[pid], ["display_name"]])[0]["display_name"]
        == "Azure, Brandon"
    )


def test_context_company_scope_and_defaults(orm_db: Database) -> None:
    x = orm_db.execute_kw
    cpartner = x(ADMIN, "res.partner", "create", [{"name": "Second Co", "is_company": True}])
    second = x(ADMIN, "res.company", "create", [{"partner_id": cpartner, "currency_id": 1}])
    assert x(ADMIN, "res.company", "read", [[second], ["name"]])[0]["name"] == "Second Co"
    pid = x(ADMIN, "res.partner", "create", [{"name": "Shared"}])
    mine = x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    theirs = x(
        ADMIN,
        "sale.order",
        "create",
        [{"partner_id": pid}],
        {"context": {"default_company_id": second}},
    )
    scoped = x(
        ADMIN,
        "sale.order",
        "search",
        [[("partner_id", "=", pid)]],
        {"context": {"allowed_company_ids": [1]}},
    )
    assert scoped == [mine]
    both = x(ADMIN, "sale.order", "search", [[("partner_id", "=", pid)]], {"order": "id"})
    assert both == [mine, theirs]
    assert x(ADMIN, "sale.order", "default_get", [["state", "company_id"]]) == {
        "state": "draft",
        "company_id": 1,
    }


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_every_model_answers_the_generic_methods(
    new_db: Callable[..., Database], version: str
) -> None:
    """Smoke sweep: every model's SQL (computed fields, default order, names) is valid."""
    db = new_db(version)
    x = db.execute_kw
    for model in db.models:
        rows = x(ADMIN, model, "search_read", [[]], {"limit": 5})
        assert x(ADMIN, model, "read", [[r["id"] for r in rows]]) == rows, model
        assert x(ADMIN, model, "fields_get", [], {"attributes": ["type"]}), model
        x(ADMIN, model, "name_search", ["a"], {"limit": 3})
        x(ADMIN, model, "search_count", [[("display_name", "ilike", "a")]])


@pytest.mark.parametrize("version", ["17", "18"])
def test_products_delegate_to_templates_and_stock_is_computed(
    new_db: Callable[..., Database], version: str
) -> None:
    db = new_db(version)
    x = db.execute_kw
    storable = (
        {"detailed_type": "product"} if version == "17" else {"type": "consu", "is_storable": True}
    )
    pid = x(
        ADMIN,
        "product.product",
        "create",
        [{"name": "Gear", "default_code": "G1", "standard_price": 4.0, **storable}],
    )
    row = x(
        ADMIN,
        "product.product",
        "read",
        [[pid], ["display_name", "type", "product_tmpl_id", "standard_price"]],
    )[0]
    assert row["display_name"] == "[G1] Gear" and row["standard_price"] == 4.0
    assert row["type"] == ("product" if version == "17" else "consu")
    tmpl = row["product_tmpl_id"][0]
    x(ADMIN, "product.product", "write", [[pid], {"name": "Gear v2"}])
    assert x(ADMIN, "product.template", "read", [[tmpl], ["name"]])[0]["name"] == "Gear v2"
    assert (
        x(ADMIN, "product.product", "read", [[pid], ["display_name"]])[0]["display_name"]
        == "[G1] Gear v2"
    )
    stock = db.xmlid_id("stock.stock_location_stock")
    customers = db.xmlid_id("stock.stock_location_customers")
    x(
        ADMIN,
        "stock.quant",
        "create",
        [{"product_id": pid, "location_id": stock, "quantity": 10, "reserved_quantity": 3}],
    )
    x(
        ADMIN,
        "stock.quant",
        "create",
        [{"product_id": pid, "location_id": customers, "quantity": 99}],
    )
    x(
        ADMIN,
        "stock.move",
        "create",
        [
            {
                "product_id": pid,
                "product_uom_qty": 4,
                "location_id": stock,
                "location_dest_id": customers,
                "state": "confirmed",
            }
        ],
    )
    qty = x(
        ADMIN,
        "product.product",
        "read",
        [[pid], ["qty_available", "free_qty", "outgoing_qty", "virtual_available"]],
    )[0]
    assert (
        qty["qty_available"],
        qty["free_qty"],
        qty["outgoing_qty"],
        qty["virtual_available"],
    ) == (10.0, 7.0, 4.0, 6.0)
    assert x(
        ADMIN,
        "product.product",
        "search",
        [[("qty_available", ">", 5), ("default_code", "=", "G1")]],
    ) == [pid]
