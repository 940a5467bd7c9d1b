"""Keyset paging on ``(write_date, id)``: same rows as the OR form, and an index seek in SQLite.

The connector pages with ``| (write_date > x) & (write_date = x) (id > y)`` ordered
``write_date asc, id asc``.  odoosim must answer exactly what that domain means (NULLs included)
and must not scan: a bulk import stamps thousands of rows with one ``write_date``, so the seek has
to land inside a run of equal ``write_date`` values, not at its start.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from odoosim.orm import Database
from odoosim.orm.domain import KEYSET_INDEXES, keyset_index

ADMIN = 2


def _keyset(field: str, op: str, value: Any, pivot: int, eq: str = "=") -> list[Any]:
    return ["|", (field, op, value), "&", (field, eq, value), ("id", op, pivot)]


@pytest.fixture(scope="module")
def db() -> Database:
    """Orders in runs of equal dates, a few NULL commitment dates, one customer filter."""
    db = Database("17", {"sale"}, "t")
    x = db.execute_kw
    partners = [x(ADMIN, "res.partner", "create", [{"name": f"P{i}"}]) for i in range(3)]
    dates = ["2026-03-01 10:00:00", "2026-03-02 00:00:00", False, "2026-03-02 00:00:00"]
    for n in range(60):
        # three write_date runs (20 rows each), commitment dates with NULLs and ties
        stamp = dt.datetime(2026, 3, 1, 12, n // 20)
        db.clock = lambda stamp=stamp: stamp
        x(ADMIN, "sale.order", "create", [{
            "partner_id": partners[n % 3], "commitment_date": dates[n % 4],
            "date_order": f"2026-02-{1 + n % 5:02d} 08:00:00",
        }])  # fmt: skip
    return db


def test_keyset_pages_match_the_or_form(db: Database) -> None:
    """Every pivot, both directions, several limits: identical ids in identical order."""
    x = db.execute_kw
    every = x(ADMIN, "sale.order", "search", [[]], {"order": "id"})
    filters: list[list[Any]] = [[], [("partner_id.name", "in", ["P0", "P2"])]]
    for field in ("write_date", "commitment_date", "date_order"):
        values = {r[field] for r in x(ADMIN, "sale.order", "read", [every, [field]])}
        values.discard(False)
        for value, pivot, op, limit, extra in itertools.product(
            sorted(values), every[::7], (">", "<"), (None, 1, 5, 25), filters
        ):
            direction = "asc" if op == ">" else "desc"
            kwargs = {"order": f"{field} {direction}, id {direction}", "limit": limit}
            # the same condition with '=' spelled 'in' is compiled literally, without rewrite
            plain = [*extra, *_keyset(field, op, value, pivot, eq="in")]
            plain[len(extra) + 3] = (field, "in", [value])
            want = x(ADMIN, "sale.order", "search", [plain], kwargs)
            got = x(ADMIN, "sale.order", "search", [[*extra, *_keyset(field, op, value, pivot)]],
                    kwargs)  # fmt: skip
            assert got == want, (field, value, pivot, op, limit, extra)
            rows = x(ADMIN, "sale.order", "search_read",
                     [[*extra, *_keyset(field, op, value, pivot)], ["id"]], kwargs)  # fmt: skip
            assert [r["id"] for r in rows] == want


def test_keyset_after_a_filter_in_prefix_form_is_still_split(db: Database) -> None:
    """The connector's shape: ``& <keyset> <caller's domain>`` (connector/paging.py)."""
    env = db.env(ADMIN)
    wd = db.execute_kw(ADMIN, "sale.order", "read", [[1], ["write_date"]])[0]["write_date"]
    domain = ["&", *_keyset("write_date", ">", wd, 3), ("partner_id.name", "=", "P1")]
    statements = db.search_sql(env, "sale.order", domain, 0, 10, "write_date asc, id asc")
    assert len(statements) == 2
    assert all('INDEXED BY "sale_order__write_date_id"' in sql for sql, _ in statements)


def _plans(db: Database, statements: list[tuple[str, list[Any]]]) -> list[str]:
    out = []
    for sql, params in statements:
        rows = db.conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        out.append(" | ".join(r[3] for r in rows))
    return out


def test_keyset_page_seeks_the_write_date_id_index(db: Database) -> None:
    """EXPLAIN QUERY PLAN: inside the run ``write_date=? AND id>?``, then ``write_date>?``."""
    env = db.env(ADMIN)
    wd = "2026-01-01 00:00:00"
    for extra in ([], [("partner_id", "in", [5, 6])], [("partner_id.name", "ilike", "P")]):
        statements = db.search_sql(
            env, "sale.order", [*_keyset("write_date", ">", wd, 9), *extra], 0, 1000,
            "write_date asc, id asc",
        )  # fmt: skip
        eq, after = _plans(db, statements)
        assert "INDEX sale_order__write_date_id (write_date=? AND id>?)" in eq
        assert "INDEX sale_order__write_date_id (write_date>?)" in after
        assert "TEMP B-TREE" not in eq + after  # no sort: the index gives the order
    # descending pages seek the same index backwards
    statements = db.search_sql(
        env, "sale.order", _keyset("write_date", "<", wd, 9), 0, 10, "write_date desc, id desc"
    )
    eq, after = _plans(db, statements)
    assert "(write_date=? AND id<?)" in eq and "(write_date<?)" in after
    assert "TEMP B-TREE" not in eq + after


def test_a_page_deep_inside_a_run_of_equal_write_dates_costs_no_more(db: Database) -> None:
    """SQLite VM steps of a 5-row page: at the start of a 3,000-row run and at its end."""
    big = Database("17", {"sale"}, "t")
    big.clock = lambda: dt.datetime(2026, 3, 1, 12, 0)  # one transaction's stamp for all
    partner = big.execute_kw(ADMIN, "res.partner", "create", [{"name": "Bulk"}])
    big.execute_kw(ADMIN, "sale.order", "create", [[{"partner_id": partner}] * 3000])
    ids = big.execute_kw(ADMIN, "sale.order", "search", [[]], {"order": "id"})
    wd = big.execute_kw(ADMIN, "sale.order", "read", [[ids[0]], ["write_date"]])[0]["write_date"]
    steps = []
    for pivot in (ids[0], ids[-10]):
        count = [0]

        def tick(count: list[int] = count) -> int:
            count[0] += 1
            return 0

        big.conn.set_progress_handler(tick, 10)
        try:
            rows = big.execute_kw(
                ADMIN, "sale.order", "search_read",
                [_keyset("write_date", ">", wd, pivot), ["name", "partner_id"]],
                {"order": "write_date asc, id asc", "limit": 5},
            )  # fmt: skip
        finally:
            big.conn.set_progress_handler(None, 0)
        assert [r["id"] for r in rows] == [i for i in ids if i > pivot][:5]
        steps.append(count[0])
    # a page costs tens of progress ticks; walking the 3,000-row run would cost hundreds
    assert steps[1] <= 2 * steps[0] + 5, steps


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_every_model_table_has_the_keyset_index(version: str) -> None:
    db = Database(version, None, "t")
    for mdef in db.models.values():
        indexes = {r[1] for r in db.conn.execute(f'PRAGMA index_list("{mdef.table}")')}
        for first, second in KEYSET_INDEXES:
            name = keyset_index(mdef.table, first, second)
            assert name in indexes, (mdef.name, name)
            cols = [r[2] for r in db.conn.execute(f'PRAGMA index_info("{name}")')]
            assert cols == [first, second]
