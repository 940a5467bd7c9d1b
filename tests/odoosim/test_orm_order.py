"""``order`` on a many2one sorts by the comodel's ``_order`` (Odoo joins the comodel)."""

from __future__ import annotations

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
