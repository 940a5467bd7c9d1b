"""Pull and sweep against the in-memory gateway fake, state on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from jobs_fakes import FakeOdoo

from jobs.pull import PullContext, pull_stream, sweep_stream
from jobs.state import Store
from jobs.streams import BY_NAME


def partner(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "display_name": name,
        "commercial_partner_id": [1, "Co"],
        "parent_id": False,
        "is_company": True,
        "email": False,
        "category_id": [],
        "active": True,
        **extra,
    }


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def ctx_for(odoo: FakeOdoo, store: Store, clock: Clock, page_size: int = 10) -> PullContext:
    return PullContext("t", odoo, store, "17", lookback=180, page_size=page_size, clock=clock)  # type: ignore[arg-type]


def test_page_boundary_inside_identical_write_dates_loses_nothing(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    for i in range(25):  # one write_date for all 25, pages of 10
        odoo.put("res.partner", partner(f"P{i}"))
    res = pull_stream(ctx_for(odoo, store, clock), BY_NAME["partners"])
    assert (res.read, res.inserted, res.pages) == (25, 25, 3)
    assert store.mirror_counts("t") == {"res.partner": 25}


def test_a_record_committed_90s_behind_the_cursor_is_picked_up(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    odoo.put("res.partner", partner("early"))
    ctx = ctx_for(odoo, store, clock)
    pull_stream(ctx, BY_NAME["partners"])
    odoo.tick(30)
    clock.t += 30
    late = odoo.put("res.partner", partner("late"), late=90)
    res = pull_stream(ctx, BY_NAME["partners"])
    assert res.inserted == 1
    assert late in dict(store.iter_mirror("t", "res.partner"))


def test_no_change_pass_reads_one_page_and_changes_nothing(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    for i in range(30):
        odoo.put("res.partner", partner(f"P{i}"))
        odoo.tick(10)
    ctx = ctx_for(odoo, store, clock)
    pull_stream(ctx, BY_NAME["partners"])
    clock.t += 600
    pull_stream(ctx, BY_NAME["partners"])  # re-reads the lookback window once
    odoo.calls.clear()
    clock.t += 600
    res = pull_stream(ctx, BY_NAME["partners"])
    assert odoo.calls == [("search_read", "res.partner")]
    assert (res.inserted, res.updated) == (0, 0)


def test_a_failure_mid_stream_keeps_committed_pages_and_the_next_run_catches_up(
    store: Store,
) -> None:
    odoo, clock = FakeOdoo(), Clock()
    for i in range(25):
        odoo.put("res.partner", partner(f"P{i}"))
        odoo.tick(1)
    ctx = ctx_for(odoo, store, clock)
    pages = 0

    def boom(stream: str, n: int) -> None:
        nonlocal pages
        pages = n
        if n == 2:
            raise ConnectionResetError("reset mid-run")

    ctx.after_page = boom
    with pytest.raises(ConnectionResetError):
        pull_stream(ctx, BY_NAME["partners"])
    assert store.mirror_counts("t") == {"res.partner": 20}
    ctx.after_page = None
    res = pull_stream(ctx, BY_NAME["partners"])
    assert res.inserted == 5
    assert store.mirror_counts("t") == {"res.partner": 25}


def test_a_malformed_record_is_quarantined_and_the_run_goes_on(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    odoo.put("res.partner", partner("ok"))
    bad = odoo.put("res.partner", partner("bad", commercial_partner_id=False))
    res = pull_stream(ctx_for(odoo, store, clock), BY_NAME["partners"])
    assert (res.inserted, res.quarantined) == (1, 1)
    (q,) = store.quarantined("t")
    assert q["id"] == bad and "commercial_partner_id" in q["reason"]


def test_sweep_finds_deleted_and_archived_records(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    ids = [odoo.put("res.partner", partner(f"P{i}")) for i in range(5)]
    ctx = ctx_for(odoo, store, clock, page_size=2)
    pull_stream(ctx, BY_NAME["partners"])
    odoo.drop("res.partner", ids[0])
    odoo.records["res.partner"][ids[1]]["active"] = False  # archived without a pull seeing it
    res = sweep_stream(ctx, BY_NAME["partners"])
    assert (res.deleted, res.archived) == (1, 1)
    live = [i for i, _ in store.iter_mirror("t", "res.partner")]
    assert live == ids[2:]


def test_quarantined_records_are_retried_and_leave_when_fixed_or_gone(store: Store) -> None:
    odoo, clock = FakeOdoo(), Clock()
    bad = odoo.put("res.partner", partner("bad", commercial_partner_id=False))
    gone = odoo.put("res.partner", partner("gone", commercial_partner_id=False))
    ctx = ctx_for(odoo, store, clock)
    pull_stream(ctx, BY_NAME["partners"])
    assert {q["id"] for q in store.quarantined("t")} == {bad, gone}
    # Fixed without a new write_date (what a late lookup looks like), the other deleted.
    odoo.records["res.partner"][bad]["commercial_partner_id"] = [1, "Co"]
    odoo.drop("res.partner", gone)
    res = pull_stream(ctx, BY_NAME["partners"])
    assert res.inserted == 1 and store.quarantined("t") == []
    assert bad in store.mirror_index("t", "res.partner")


def test_the_mirror_holds_what_the_mappers_give_and_load_snapshot_reads_it_back(
    store: Store,
) -> None:
    """The pull path's fast payloads (``map_json``) are the mapped objects: an odoosim demo
    company pulled through every stream reads back, in ``load_snapshot``, equal to ``map``."""
    import json

    from jobs.analyze import _SLOTS, load_snapshot
    from jobs.streams import STREAMS
    from mappings import MapContext, location_usage_lookup
    from odoosim.datasets import demo
    from odoosim.orm import Database

    db = Database("17", None, "pull")
    db.load_records(demo.generate(seed=3, orders=30, version="17").records)
    odoo, clock = FakeOdoo("17"), Clock()
    streams = [s for s in STREAMS if s.model in db.models]
    for s in streams:
        plain = [t[0] for t in s.domain if "." not in t[0]]  # the fake filters on these
        fields = [*s.fields("17", db.execute_kw(2, s.model, "fields_get", [], {})), *plain]
        rows = db.execute_kw(
            2,
            s.model,
            "search_read",
            [list(s.domain)],
            {"fields": fields, "context": {"active_test": False}},
        )
        for row in json.loads(json.dumps(rows)):
            odoo.put(s.model, row)
    ctx = ctx_for(odoo, store, clock, page_size=40)
    for s in streams:
        pull_stream(ctx, s)
    assert store.quarantined("t") == []
    snap = load_snapshot(store, "t")
    usages = location_usage_lookup(odoo.records["stock.location"].values())
    mctx = MapContext("t", "17", {"location_usage": usages})
    checked = 0
    for s in streams:
        if s.table is None:
            continue
        slot = getattr(snap, _SLOTS[s.model])
        want = {rid: s.table.map(row, mctx) for rid, row in odoo.records[s.model].items()}
        assert want, s.model
        got = {rid: slot[rid] for rid in want}
        if s.model == "repair.order":  # load_snapshot composes the parts from the moves
            got = {rid: r.model_copy(update={"parts": ()}) for rid, r in got.items()}
        assert got == want, s.model
        checked += len(want)
    assert checked > 300


def test_the_gc_threshold_is_raised_only_while_pages_stream(store: Store) -> None:
    import gc

    from jobs.pull import _Collector

    odoo, clock = FakeOdoo(), Clock()
    for i in range(5):
        odoo.put("res.partner", partner(f"P{i}"))
    before = gc.get_threshold()
    seen: list[tuple[int, bool]] = []
    ctx = ctx_for(odoo, store, clock, page_size=2)
    ctx.after_page = lambda _s, _n: seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
    pull_stream(ctx, BY_NAME["partners"])
    # While pages stream the older heap is frozen (not walked again), then given back.
    assert seen == [(_Collector.BULK, True)] * 3 and gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    with _Collector.bulk(), _Collector.bulk():  # nested (or concurrent): the last one restores
        assert gc.get_threshold()[0] == _Collector.BULK
    assert gc.get_threshold() == before
    gc.set_threshold(0)  # collection turned off by the application: left off
    try:
        with _Collector.bulk():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
