"""``read_group`` shapes checked against 18.0 ``odoo/models.py`` (``read_group``,
``_read_group_format_result``), 19's ``formatted_read_group`` keys, and per-version fields."""

from __future__ import annotations

from odoosim.orm import Database

ADMIN = 2


def _orders(db: Database) -> tuple[int, int, list[int]]:
    x = db.execute_kw
    zed = x(ADMIN, "res.partner", "create", [{"name": "Zed"}])
    abe = x(ADMIN, "res.partner", "create", [{"name": "Abe"}])
    ids = [
        x(
            ADMIN,
            "sale.order",
            "create",
            [{"partner_id": zed, "date_order": "2026-01-05 10:00:00"}],
        ),
        x(
            ADMIN,
            "sale.order",
            "create",
            [{"partner_id": abe, "date_order": "2026-01-06 10:00:00"}],
        ),
        x(
            ADMIN,
            "sale.order",
            "create",
            [{"partner_id": abe, "date_order": "2026-03-02 10:00:00"}],
        ),
    ]
    return zed, abe, ids


def test_many2one_groups_sort_by_the_comodel_order() -> None:
    for version in ("16", "17", "18", "19"):
        db = Database(version, {"sale"}, "t")
        zed, abe, ids = _orders(db)
        scope = [("id", "in", ids)]
        groups = db.execute_kw(
            ADMIN, "sale.order", "read_group", [scope, ["amount_total"], ["partner_id"]]
        )
        assert [g["partner_id"] for g in groups] == [[abe, "Abe"], [zed, "Zed"]]
        assert [g["partner_id_count"] for g in groups] == [2, 1]
        groups = db.execute_kw(
            ADMIN,
            "sale.order",
            "read_group",
            [scope, ["amount_total"], ["partner_id"]],
            {"orderby": "partner_id desc"},
        )
        assert [g["partner_id"][0] for g in groups] == [zed, abe]


def test_lazy_groups_context_week_labels_and_domains() -> None:
    db = Database("18", {"sale"}, "t")
    _, abe, ids = _orders(db)
    scope = [("id", "in", ids)]
    groups = db.execute_kw(
        ADMIN, "sale.order", "read_group", [scope, [], ["date_order:week", "partner_id"]]
    )
    # en_US weeks (date_utils.weeknumber): Sunday-based, week 1 holds January 1st, no padding
    assert [g["date_order:week"] for g in groups] == ["W2 2026", "W10 2026"]
    assert [g["date_order_count"] for g in groups] == [2, 1]
    assert groups[0]["__context"] == {"group_by": ["partner_id"]}
    assert groups[0]["__range"] == {
        "date_order:week": {"from": "2026-01-05 00:00:00", "to": "2026-01-12 00:00:00"}
    }
    assert groups[0]["__domain"] == [
        "&",
        ("id", "in", ids),
        "&",
        ("date_order", ">=", "2026-01-05 00:00:00"),
        ("date_order", "<", "2026-01-12 00:00:00"),
    ]
    eager = db.execute_kw(
        ADMIN,
        "sale.order",
        "read_group",
        [[], [], ["partner_id", "state"]],
        {"lazy": False},
    )
    first = eager[0]
    assert first["partner_id"] == [abe, "Abe"] and first["__count"] == 2
    assert first["__domain"] == ["&", ("partner_id", "=", abe), ("state", "=", "draft")]
    assert "__context" not in first


def test_formatted_read_group_keys() -> None:
    db = Database("19", {"sale"}, "t")
    _, abe, ids = _orders(db)
    rows = db.execute_kw(
        ADMIN,
        "sale.order",
        "formatted_read_group",
        [[("id", "in", ids)]],
        {"groupby": ["partner_id"], "aggregates": ["amount_total:sum", "__count"]},
    )
    assert rows[0]["partner_id"] == [abe, "Abe"]
    assert set(rows[0]) == {"partner_id", "amount_total:sum", "__count", "__extra_domain"}
    assert rows[0]["__extra_domain"] == [("partner_id", "=", abe)]


def test_account_move_review_field_per_version() -> None:
    expected = {
        "16": ("to_check", "boolean"),
        "17": ("to_check", "boolean"),
        "18": ("checked", "boolean"),
        "19": ("review_state", "selection"),
    }
    names = {"to_check", "checked", "review_state"}
    for version, (name, ftype) in expected.items():
        db = Database(version, {"account"}, "t")
        fields = db.execute_kw(ADMIN, "account.move", "fields_get", [], {"attributes": ["type"]})
        assert {n for n in names if n in fields} == {name}
        assert fields[name]["type"] == ftype
