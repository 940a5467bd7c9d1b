"""Table-driven pin of the domain semantics of odoo-protocol.md §4 (in-process, no HTTP).

Fixture: four partners with deliberate NULLs, a hierarchy (Alpha > beta > Delta), tags, one
archived partner, and two sale orders.
"""

from __future__ import annotations

from typing import Any

import pytest

from odoosim.orm import Database

ADMIN = 2


def _setup(db: Database) -> dict[str, int]:
    x = db.execute_kw
    vip = x(ADMIN, "res.partner.category", "create", [{"name": "VIP"}])
    late = x(ADMIN, "res.partner.category", "create", [{"name": "Late payer"}])
    alpha = x(
        ADMIN,
        "res.partner",
        "create",
        [
            {
                "name": "Alpha",
                "email": "a@x.com",
                "is_company": True,
                "ref": "R1",
                "customer_rank": 5,
                "category_id": [(6, 0, [vip, late])],
            }
        ],
    )
    beta = x(
        ADMIN,
        "res.partner",
        "create",
        [{"name": "beta", "parent_id": alpha, "category_id": [(4, late, 0)]}],
    )
    gamma = x(
        ADMIN, "res.partner", "create", [{"name": "Gamma_1", "email": "c@y.org", "active": False}]
    )
    delta = x(
        ADMIN,
        "res.partner",
        "create",
        [{"name": "Delta", "email": "d@x.com", "parent_id": beta, "category_id": [(4, vip, 0)]}],
    )
    s1 = x(
        ADMIN,
        "sale.order",
        "create",
        [
            {
                "partner_id": alpha,
                "date_order": "2026-03-01 10:00:00",
                "commitment_date": "2026-03-05 23:30:00",
                "client_order_ref": "PO-1",
            }
        ],
    )
    s2 = x(
        ADMIN, "sale.order", "create", [{"partner_id": delta, "date_order": "2026-03-02 00:00:00"}]
    )
    return {
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "delta": delta,
        "vip": vip,
        "late": late,
        "s1": s1,
        "s2": s2,
    }


@pytest.fixture(scope="module")
def db17() -> tuple[Database, dict[str, int]]:
    db = Database("17", None, "t")
    return db, _setup(db)


def _names(
    db: Database, model: str, domain: list[Any], ctx: dict[str, Any] | None = None
) -> set[str]:
    kw: dict[str, Any] = {"fields": ["name"]}
    if ctx:
        kw["context"] = ctx
    rows = db.execute_kw(ADMIN, model, "search_read", [domain], kw)
    base = {"My Company", "Mitchell Admin", "svcsync-bot", "OdooBot"}
    return {r["name"] for r in rows} - base


P = "res.partner"
ALL = {"Alpha", "beta", "Delta"}
CASES: list[tuple[str, list[Any], set[str]]] = [
    ("empty domain: all active", [], ALL),
    ("TRUE leaf", [(1, "=", 1)], ALL),
    ("FALSE leaf", [(0, "=", 1)], set()),
    ("= exact", [("name", "=", "beta")], {"beta"}),
    ("= is case-sensitive", [("name", "=", "Beta")], set()),
    ("= False is NULL", [("email", "=", False)], {"beta"}),
    ("!= False is NOT NULL", [("email", "!=", False)], {"Alpha", "Delta"}),
    ("!= value matches NULL too", [("email", "!=", "a@x.com")], {"beta", "Delta"}),
    ("<> normalised to !=", [("email", "<>", "a@x.com")], {"beta", "Delta"}),
    ("in with False adds NULL", [("email", "in", ["a@x.com", False])], {"Alpha", "beta"}),
    ("in []", [("email", "in", [])], set()),
    ("not in [] is TRUE", [("email", "not in", [])], ALL),
    ("not in matches NULL", [("email", "not in", ["a@x.com"])], {"beta", "Delta"}),
    ("not in with False excludes NULL", [("email", "not in", ["a@x.com", False])], {"Delta"}),
    ("ilike wraps %..%, case-insensitive", [("name", "ilike", "ALP")], {"Alpha"}),
    ("like is case-sensitive", [("name", "like", "alp")], set()),
    ("like matches", [("name", "like", "lph")], {"Alpha"}),
    ("ilike '' matches NULL too", [("email", "ilike", "")], ALL),
    ("not ilike matches NULL", [("email", "not ilike", "x.com")], {"beta"}),
    ("=like uses the pattern as is", [("name", "=like", "Al%")], {"Alpha"}),
    ("=like without wildcard is exact", [("name", "=like", "Alph")], set()),
    ("=ilike pattern", [("name", "=ilike", "b%")], {"beta"}),
    ("=? with False is TRUE", [("email", "=?", False)], ALL),
    ("=? with value is =", [("email", "=?", "d@x.com")], {"Delta"}),
    ("boolean = False includes NULL/false", [("is_company", "=", False)], {"beta", "Delta"}),
    ("boolean = True", [("is_company", "=", True)], {"Alpha"}),
    ("boolean != True includes false", [("is_company", "!=", True)], {"beta", "Delta"}),
    ("integer >", [("customer_rank", ">", 0)], {"Alpha"}),
    ("integer = 0", [("customer_rank", "=", 0)], {"beta", "Delta"}),
    ("< with False is FALSE", [("customer_rank", "<", False)], set()),
    ("implicit AND", [("email", "ilike", "x.com"), ("is_company", "=", False)], {"Delta"}),
    ("| prefix", ["|", ("name", "=", "beta"), ("name", "=", "Delta")], {"beta", "Delta"}),
    ("! prefix (NULL rows: NOT of ilike)", ["!", ("email", "ilike", "x.com")], {"beta"}),
    (
        "nested",
        ["&", "|", ("name", "=", "beta"), ("name", "=", "Alpha"), ("email", "=", False)],
        {"beta"},
    ),
    ("many2one by id", [("parent_id", "=", "__alpha__")], {"beta"}),
    ("many2one = False", [("parent_id", "=", False)], {"Alpha"}),
    ("many2one != id matches NULL", [("parent_id", "!=", "__alpha__")], {"Alpha", "Delta"}),
    # partners are matched on complete_name ("Alpha, beta"), as _rec_names_search does
    ("many2one by name string (ilike)", [("parent_id", "ilike", "alp")], {"beta", "Delta"}),
    ("many2one by exact name", [("parent_id", "=", "Alpha, beta")], {"Delta"}),
    ("many2one = name is exact", [("parent_id", "=", "beta")], set()),
    (
        "many2one not ilike name matches NULL",
        [("parent_id", "not ilike", "beta")],
        {"Alpha", "beta"},
    ),
    ("many2one in names", [("parent_id", "in", ["Alpha", "Alpha, beta"])], {"beta", "Delta"}),
    ("dotted path through many2one", [("parent_id.name", "=", "Alpha")], {"beta"}),
    ("dotted path two hops", [("parent_id.parent_id.name", "=", "Alpha")], {"Delta"}),
    ("dotted negative excludes NULL parent", [("parent_id.name", "!=", "Alpha")], {"Delta"}),
    ("m2m in ids", [("category_id", "in", ["__vip__"])], {"Alpha", "Delta"}),
    ("m2m = False: has none", [("category_id", "=", False)], set()),
    ("m2m not in: none of them, incl. empty", [("category_id", "not in", ["__vip__"])], {"beta"}),
    ("m2m by name", [("category_id", "ilike", "late")], {"Alpha", "beta"}),
    ("m2m != name", [("category_id", "!=", "VIP")], {"beta"}),
    ("dotted path through m2m", [("category_id.name", "=", "VIP")], {"Alpha", "Delta"}),
    ("o2m contains id", [("child_ids", "=", "__beta__")], {"Alpha"}),
    ("o2m = False: no children", [("child_ids", "=", False)], {"Delta"}),
    ("o2m dotted", [("child_ids.name", "=", "Delta")], {"beta"}),
    ("child_of id", [("id", "child_of", "__alpha__")], {"Alpha", "beta", "Delta"}),
    ("child_of name", [("id", "child_of", "beta")], {"beta", "Delta"}),
    ("parent_of", [("id", "parent_of", "__delta__")], {"Alpha", "beta", "Delta"}),
    ("child_of on many2one", [("parent_id", "child_of", "__alpha__")], {"beta", "Delta"}),
    ("child_of [] is FALSE", [("id", "child_of", [])], set()),
    ("active in domain disables active_test", [("active", "=", False)], {"Gamma_1"}),
    ("_ is a LIKE wildcard", [("name", "like", "Gamma_")], set()),
    ("display_name search", [("display_name", "ilike", "alpha, beta")], {"beta"}),
]


def _resolve(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("__") and value.endswith("__"):
        return ids[value.strip("_")]
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def _domain(domain: list[Any], ids: dict[str, int]) -> list[Any]:
    return [(t[0], t[1], _resolve(t[2], ids)) if isinstance(t, tuple) else t for t in domain]


@pytest.mark.parametrize(("label", "domain", "expected"), CASES, ids=[c[0] for c in CASES])
def test_domain_semantics(
    db17: tuple[Database, dict[str, int]], label: str, domain: list[Any], expected: set[str]
) -> None:
    db, ids = db17
    assert _names(db, P, _domain(domain, ids)) == expected


def test_active_test_false_in_context(db17: tuple[Database, dict[str, int]]) -> None:
    db, _ = db17
    names = _names(db, P, [("email", "ilike", "y.org")], {"active_test": False})
    assert names == {"Gamma_1"}
    assert _names(db, P, [("email", "ilike", "y.org")]) == set()


def test_date_only_value_against_datetime_field(db17: tuple[Database, dict[str, int]]) -> None:
    db, _ = db17

    def orders(domain: list[Any]) -> set[str]:
        rows = db.execute_kw(
            ADMIN, "sale.order", "search_read", [domain], {"fields": ["client_order_ref", "name"]}
        )
        return {r["name"] for r in rows}

    # 16 rule: '<=' and '>' extend a date to 23:59:59, others to 00:00:00 (UTC)
    assert orders([("commitment_date", "<=", "2026-03-05")]) == orders(
        [("commitment_date", "!=", False)]
    )
    assert orders([("commitment_date", ">", "2026-03-05")]) == set()
    assert len(orders([("date_order", ">=", "2026-03-02")])) == 1
    assert len(orders([("date_order", "<", "2026-03-02")])) == 1


def test_many2one_path_on_sale_orders(db17: tuple[Database, dict[str, int]]) -> None:
    db, ids = db17
    found = db.execute_kw(
        ADMIN, "sale.order", "search", [[("partner_id.parent_id.parent_id", "=", ids["alpha"])]]
    )
    assert found == [ids["s2"]]
    found = db.execute_kw(
        ADMIN, "sale.order", "search", [[("partner_id", "child_of", ids["alpha"])]], {"order": "id"}
    )
    assert found == [ids["s1"], ids["s2"]]


def test_order_limit_offset(db17: tuple[Database, dict[str, int]]) -> None:
    db, ids = db17
    dom = [("id", "in", [ids["alpha"], ids["beta"], ids["delta"]])]
    assert db.execute_kw(ADMIN, P, "search", [dom], {"order": "name desc"}) == [
        ids["beta"],
        ids["delta"],
        ids["alpha"],
    ]
    assert db.execute_kw(ADMIN, P, "search", [dom], {"order": "email asc, id desc"}) == [
        ids["alpha"],
        ids["delta"],
        ids["beta"],
    ]
    assert db.execute_kw(ADMIN, P, "search", [dom], {"order": "id", "limit": 1, "offset": 1}) == [
        ids["beta"]
    ]
    with pytest.raises(ValueError, match="Invalid field 'nope'"):
        db.execute_kw(ADMIN, P, "search", [dom], {"order": "nope desc"})


@pytest.mark.parametrize(
    ("version", "leaf", "ok"),
    [
        ("16", ("category_id", "any", [("name", "=", "VIP")]), False),
        ("17", ("category_id", "any", [("name", "=", "VIP")]), True),
        ("18", ("parent_id", "not any", [("name", "=", "Alpha")]), True),
        ("18", ("name", "not =like", "A%"), False),
        ("19", ("name", "not =like", "A%"), True),
        ("19", ("name", "not =ilike", "a%"), True),
    ],
)
def test_operators_per_version(version: str, leaf: tuple[str, str, Any], ok: bool) -> None:
    db = Database(version, {"sale"}, "t")
    ids = _setup(db)
    if not ok:
        with pytest.raises(ValueError, match="Invalid leaf"):
            _names(db, P, [leaf])
        return
    got = _names(db, P, [leaf])
    expected = {
        "any": {"Alpha", "Delta"},
        "not any": {"Alpha", "Delta"},
        "not =like": {"beta", "Delta"},
        "not =ilike": {"beta", "Delta"},
    }[leaf[1]]
    assert got == expected, ids


def test_invalid_domains_say_what_is_wrong(db17: tuple[Database, dict[str, int]]) -> None:
    db, _ = db17
    with pytest.raises(ValueError, match=r"Invalid field res.partner.nope"):
        _names(db, P, [("nope", "=", 1)])
    with pytest.raises(ValueError, match="Invalid leaf"):
        _names(db, P, [("name", "~", 1)])
    with pytest.raises(ValueError, match="operator lacks its operands"):
        _names(db, P, ["|", ("name", "=", "x")])
    with pytest.raises(ValueError, match="cannot be searched"):
        db.execute_kw(ADMIN, "sale.order", "search", [[("expected_date", "<", "2026-01-01")]])


def test_keyset_pattern_keeps_or_semantics() -> None:
    """The (a, b) > (x, y) rewrite must match exactly what the OR form matches, NULLs too."""
    db = Database("17", {"sale"}, "t")
    ids = _setup(db)
    x = db.execute_kw
    more = [
        x(ADMIN, "sale.order", "create", [{"partner_id": ids["alpha"], "commitment_date": d}])
        for d in ("2026-03-05 23:30:00", "2026-03-06 00:00:00", False)
    ]
    every = [ids["s1"], ids["s2"], *more]
    for field in ("commitment_date", "write_date", "date_order"):
        for pivot in every:
            value = (
                x(ADMIN, "sale.order", "read", [[pivot], [field]])[0][field]
                or "2026-03-05 23:30:00"
            )
            for op in (">", "<"):
                keyset = ["|", (field, op, value), "&", (field, "=", value), ("id", op, pivot)]
                # the same condition with '=' spelled as 'in' is not rewritten
                plain = ["|", (field, op, value), "&", (field, "in", [value]), ("id", op, pivot)]
                scope = [("id", "in", every)]
                got = x(ADMIN, "sale.order", "search", [scope + keyset], {"order": "id"})
                want = x(ADMIN, "sale.order", "search", [scope + plain], {"order": "id"})
                assert got == want, (field, op, pivot)


def test_many2one_inequality_with_a_string_is_refused_on_19() -> None:
    db = Database("19", {"sale"}, "t")
    _setup(db)
    with pytest.raises(TypeError, match="with a string"):
        _names(db, P, [("parent_id", ">", "Alpha")])
