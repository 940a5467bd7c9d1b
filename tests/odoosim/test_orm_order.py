"""``order`` on a many2one sorts by the comodel's ``_order`` (Odoo joins the comodel)."""

from __future__ import annotations

from typing import Any

import pytest

from odoosim.exceptions import UserError
from odoosim.orm import Database

ADMIN = 2


def test_many2one_order_follows_the_comodel_order() -> None:
    db = Database("17", {"sale"}, "t")
    x = db.execute_kw
    # ids in the opposite order of names: ordering by the id would give the reverse
    zed = x(ADMIN, "res.partner", "create", [{"name": "Zed"}])
    mid = x(ADMIN, "res.partner", "create", [{"name": "Mid"}])
    abe = x(ADMIN, "res.partner", "create", [{"name": "Abe"}])
    orders = {p: x(ADMIN, "sale.order", "create", [{"partner_id": p}]) for p in (zed, mid, abe)}
    scope = [("id", "in", list(orders.values()))]
    by_name = [orders[abe], orders[mid], orders[zed]]
    assert x(ADMIN, "sale.order", "search", [scope], {"order": "partner_id"}) == by_name
    assert x(ADMIN, "sale.order", "search", [scope], {"order": "partner_id desc"}) == by_name[::-1]
    rows = x(ADMIN, "sale.order", "search_read", [scope, ["partner_id"]], {"order": "partner_id"})
    assert [r["partner_id"][1] for r in rows] == ["Abe", "Mid", "Zed"]
    # a NULL many2one sorts last ascending and first descending (PostgreSQL's default)
    kids = [
        x(ADMIN, "res.partner", "create", [{"name": n, "parent_id": p}])
        for n, p in (("k1", zed), ("k2", False), ("k3", abe))
    ]
    kscope = [("id", "in", kids)]
    assert x(ADMIN, "res.partner", "search", [kscope], {"order": "parent_id"}) == [
        kids[2], kids[0], kids[1]
    ]  # fmt: skip
    assert x(ADMIN, "res.partner", "search", [kscope], {"order": "parent_id desc"}) == [
        kids[1], kids[0], kids[2]
    ]  # fmt: skip


def _orders_by_name(db: Database) -> tuple[list[int], list[Any]]:
    x = db.execute_kw
    zed = x(ADMIN, "res.partner", "create", [{"name": "Zed"}])
    abe = x(ADMIN, "res.partner", "create", [{"name": "Abe"}])
    orders = [x(ADMIN, "sale.order", "create", [{"partner_id": p}]) for p in (zed, abe)]
    return orders, [("id", "in", orders)]


def test_bad_order_strings_raise_the_check_qorder_user_error() -> None:
    """``_check_qorder`` (16-19): a UserError quoting the whole order string."""
    for version in ("16", "17", "18", "19"):
        db = Database(version, {"sale"}, "t")
        with pytest.raises(UserError) as err:
            db.execute_kw(ADMIN, "sale.order", "search", [[]], {"order": "name; drop"})
        assert str(err.value).startswith('Invalid "order" specified (name; drop). A valid "order"')
        with pytest.raises(UserError):
            db.execute_kw(ADMIN, "sale.order", "search", [[]], {"order": "name,"})


def test_dotted_order_per_version() -> None:
    """16's regex_order has no dots (UserError); 17+ parse ``field.property`` and then only
    accept ``<many2one>.id`` (the raw id, not the comodel order); any other property on a
    non-properties field is a ValueError (18.0 ``_field_to_sql`` text; 19 ``property_to_sql``)."""
    db16 = Database("16", {"sale"}, "t")
    with pytest.raises(UserError, match=r"Invalid \"order\" specified \(partner_id\.name\)"):
        db16.execute_kw(ADMIN, "sale.order", "search", [[]], {"order": "partner_id.name"})
    with pytest.raises(UserError):  # no NULLS clause in 16's regex_order
        db16.execute_kw(ADMIN, "sale.order", "search", [[]], {"order": "name asc nulls last"})
    texts = {
        "17": "Invalid field 'partner_id.name' on model 'sale.order'",
        "18": "Invalid field 'partner_id.name' on model 'sale.order'",
        "19": "Invalid field property 'name' on sale.order.partner_id",
    }
    for version, text in texts.items():
        db = Database(version, {"sale"}, "t")
        orders, scope = _orders_by_name(db)
        with pytest.raises(ValueError) as err:
            db.execute_kw(ADMIN, "sale.order", "search", [scope], {"order": "partner_id.name"})
        assert str(err.value) == text
        # partner ids ascend Zed, Abe: the raw id order, not the partner name order
        got = db.execute_kw(ADMIN, "sale.order", "search", [scope], {"order": "partner_id.id"})
        assert got == orders
        got = db.execute_kw(ADMIN, "sale.order", "search", [scope], {"order": "partner_id"})
        assert got == orders[::-1]
        got = db.execute_kw(
            ADMIN, "sale.order", "search", [scope], {"order": "name desc nulls last"}
        )
        assert len(got) == 2
