"""The state store on SQLite and PostgreSQL: schema, fenced commits, leases, findings, outbox."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from jobs.state import (
    SCHEMA_VERSION,
    Lease,
    MirrorRow,
    QuarantineRow,
    StaleLeaseError,
    Store,
    StoreError,
    open_store,
)


def test_schema_is_versioned_and_reopening_is_a_no_op(store_url: str) -> None:
    first = open_store(store_url)
    assert first.version() == SCHEMA_VERSION
    first.set_cursor("t", "orders", {"v": 1, "start": "2026-01-01 00:00:00"})
    first.close()
    again = open_store(store_url)
    assert again.version() == SCHEMA_VERSION
    assert again.get_cursor("t", "orders") == {"v": 1, "start": "2026-01-01 00:00:00"}
    again.close()


def test_a_newer_schema_is_refused_with_what_to_do(store: Store, store_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    with pytest.raises(StoreError, match="newer than this svcsync"):
        open_store(store_url)


def test_page_commit_dedups_by_write_date_and_marks_changes_dirty(store: Store) -> None:
    rows = [MirrorRow("sale.order", i, "2026-01-01 00:00:00", {"n": i}) for i in (1, 2, 3)]
    res = store.commit_page("t", "orders", rows=rows, state={"v": 1, "p": 1})
    assert (res.inserted, res.updated, res.unchanged) == (3, 0, 0)
    store.clear_dirty("t", store.dirty("t"))
    assert store.dirty("t") == {}
    again = [*rows[:2], MirrorRow("sale.order", 3, "2026-01-01 00:00:05", {"n": 33})]
    res = store.commit_page("t", "orders", rows=again, state={"v": 1, "p": 2})
    assert (res.inserted, res.updated, res.unchanged) == (0, 1, 2)
    assert store.dirty("t") == {"sale.order": {3: 2}}
    assert dict(store.iter_mirror("t", "sale.order", [3])) == {3: {"n": 33}}
    assert store.get_cursor("t", "orders") == {"v": 1, "p": 2}


def test_clear_dirty_keeps_a_row_changed_after_it_was_read(store: Store) -> None:
    store.commit_page("t", "s", rows=[MirrorRow("m", 1, "2026-01-01 00:00:00", {"a": 1})], state={})
    seen = store.dirty("t")
    store.commit_page("t", "s", rows=[MirrorRow("m", 1, "2026-01-01 00:00:09", {"a": 2})], state={})
    store.clear_dirty("t", seen)
    assert store.dirty("t") == {"m": {1: 2}}


def test_quarantine_is_kept_until_the_record_maps(store: Store) -> None:
    bad = QuarantineRow("sale.order", 7, "2026-01-01 00:00:00", "field 'x': bad", {"id": 7})
    store.commit_page("t", "orders", rows=[], state={}, quarantined=[bad])
    assert [q["id"] for q in store.quarantined("t")] == [7]
    fixed = MirrorRow("sale.order", 7, "2026-01-01 00:00:01", {})
    store.commit_page("t", "orders", rows=[fixed], state={})
    assert store.quarantined("t") == []


def test_sweep_marks_deleted_and_archived_separately(store: Store) -> None:
    rows = [MirrorRow("res.partner", i, "2026-01-01 00:00:00", {}) for i in (1, 2, 3)]
    store.commit_page("t", "partners", rows=rows, state={})
    assert store.mark_gone("t", "res.partner", deleted=[1], archived=[2]) == (1, 1)
    assert store.mark_gone("t", "res.partner", deleted=[1], archived=[2]) == (0, 0)
    states = {i: (a, d) for i, a, d in store.mirror_id_states("t", "res.partner")}
    assert states == {1: (True, True), 2: (False, False), 3: (True, False)}
    assert [i for i, _ in store.iter_mirror("t", "res.partner")] == [3]
    assert [i for i, _ in store.iter_mirror("t", "res.partner", include_inactive=True)] == [2, 3]


def test_lease_epochs_fence_a_stale_runner(store: Store) -> None:
    a = store.acquire_lease("t:orders", "runner-a", ttl=0.2)
    assert a is not None and a.epoch == 1
    assert store.acquire_lease("t:orders", "runner-b", ttl=10) is None
    time.sleep(0.25)
    b = store.acquire_lease("t:orders", "runner-b", ttl=10)
    assert b is not None and b.epoch == 2
    rows = [MirrorRow("sale.order", 1, "2026-01-01 00:00:00", {"by": "a"})]
    with pytest.raises(StaleLeaseError, match="stale"):
        store.commit_page("t", "orders", rows=rows, state={"by": "a"}, lease=a)
    assert store.get_cursor("t", "orders") is None
    assert list(store.iter_mirror("t", "sale.order")) == []
    store.commit_page("t", "orders", rows=rows, state={"by": "b"}, lease=b)
    assert store.get_cursor("t", "orders") == {"by": "b"}
    with pytest.raises(StaleLeaseError):
        store.complete("t", "ticket:x", lease=a)
    store.release_lease(b)
    c = store.acquire_lease("t:orders", "runner-a", ttl=10)
    assert c is not None and c.epoch == 3


def test_renewing_a_lost_lease_fails(store: Store) -> None:
    a = store.acquire_lease("l", "a", ttl=0.1)
    assert a is not None
    time.sleep(0.15)
    assert store.acquire_lease("l", "b", ttl=10) is not None
    with pytest.raises(StaleLeaseError):
        store.renew_lease(a, ttl=10)


def test_concurrent_acquirers_get_the_lease_exactly_once(store: Store) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def grab(name: str) -> None:
        barrier.wait()
        if store.acquire_lease("race", name, ttl=30) is not None:
            winners.append(name)

    threads = [threading.Thread(target=grab, args=(f"r{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_findings_open_resolve_reopen(store: Store) -> None:
    f = {
        "key": "orders.late:sale.order:5",
        "rule": "orders.late",
        "severity": "critical",
        "subject": {"tenant": "t", "model": "sale.order", "id": 5, "name": "S5"},
        "customer": None,
        "money": 10.0,
        "message": "late",
        "detected_at": "2026-11-22 10:00:00",
    }
    assert store.save_findings("t", [f], {}) == (["orders.late:sale.order:5"], [])
    assert store.save_findings("t", [f], {}) == ([], [])
    assert store.unnotified("t")[0]["key"] == f["key"]
    store.mark_notified("t", [f["key"]])
    assert store.unnotified("t") == []
    assert store.save_findings("t", [], {f["key"]: "2026-11-22 11:00:00"}) == ([], [f["key"]])
    assert store.findings("t", status="resolved")[0]["resolved_at"] == "2026-11-22 11:00:00"
    assert store.save_findings("t", [f], {})[0] == [f["key"]]
    assert store.findings("t")[0]["status"] == "open"


def test_outbox_skips_unchanged_content_and_binds_on_completion(store: Store) -> None:
    assert store.enqueue("t", "ticket:k", "ticket", {"a": 1}, "h1", "k")
    assert not store.enqueue("t", "ticket:k", "ticket", {"a": 1}, "h1", "k")
    assert [p["key"] for p in store.pending("t")] == ["ticket:k"]
    store.complete(
        "t",
        "ticket:k",
        bind=[
            {"key": "ticket:k", "odoo_model": "helpdesk.ticket", "odoo_id": 9, "content_hash": "h1"}
        ],
    )
    assert store.pending("t") == []
    assert store.binding("t", "ticket:k")["odoo_id"] == 9  # type: ignore[index]
    assert not store.enqueue("t", "ticket:k", "ticket", {"a": 1}, "h1", "k")
    assert store.enqueue("t", "ticket:k", "ticket", {"a": 2}, "h2", "k")


def test_runs_are_logged_with_counts_and_errors(store: Store) -> None:
    rid = store.start_run("t", "cycle")
    store.finish_run(rid, "partial", {"orders": {"read": 3}}, ["orders: timeout"])
    (run,) = store.runs("t")
    assert (run.id, run.status, run.errors) == (rid, "partial", ["orders: timeout"])
    assert store.status("t")["last_run"]["counts"] == {"orders": {"read": 3}}


def test_unreachable_postgres_names_the_url_without_password() -> None:
    with pytest.raises(StoreError, match="cannot open the state store") as err:
        open_store("postgresql+psycopg://svc:hunter2@127.0.0.1:1/nope")
    assert "hunter2" not in str(err.value)


def test_a_v1_store_is_migrated_in_order_and_keeps_its_rows(store_url: str) -> None:
    from sqlalchemy import insert as sa_insert

    from jobs.state import MIGRATIONS, schema_version

    old = open_store(store_url, migrate=False)
    with old.engine.begin() as conn:
        schema_version.create(conn)
        conn.execute(sa_insert(schema_version).values(id=1, version=1))
        MIGRATIONS[0][1](conn)
        conn.execute(
            text(
                "INSERT INTO mirror (tenant, model, id, write_date, payload, active, deleted, "
                "version, dirty) VALUES ('t', 'm', 1, '2026-01-01 00:00:00', '{}', "
                "true, false, 1, false)"
            )
        )
    old.close()
    new = open_store(store_url)
    assert new.version() == SCHEMA_VERSION == 2
    assert dict(new.iter_mirror("t", "m")) == {1: {}}
    new.close()


def test_a_new_stamp_with_the_same_content_is_kept_but_not_reanalysed(store: Store) -> None:
    store.commit_page("t", "s", rows=[MirrorRow("m", 1, "2026-01-01 00:00:00", {})], state={})
    store.clear_dirty("t", store.dirty("t"))
    res = store.commit_page("t", "s", rows=[MirrorRow("m", 1, "2026-01-01 00:00:07", {})], state={})
    assert res.unchanged == 1 and store.dirty("t") == {}
    assert store.mirror_index("t", "m") == {1: "2026-01-01 00:00:07"}


def test_two_writes_in_one_second_are_told_apart_by_content(store: Store) -> None:
    wd = "2026-01-01 00:00:00"
    store.commit_page("t", "s", rows=[MirrorRow("m", 1, wd, {"name": "a"})], state={})
    res = store.commit_page("t", "s", rows=[MirrorRow("m", 1, wd, {"name": "b"})], state={})
    assert (res.updated, res.unchanged) == (1, 0)
    assert dict(store.iter_mirror("t", "m")) == {1: {"name": "b"}}


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over(store: Store) -> None:
    import socket
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    ghost = f"{socket.gethostname()}:{proc.pid}:abcd"
    assert store.acquire_lease("l", ghost, ttl=600) is not None
    taken = store.acquire_lease("l", "other-host:1:x", ttl=600)
    assert taken is not None and taken.epoch == 2
    # A holder on another host is never presumed dead: only the ttl frees its lease.
    assert store.acquire_lease("l", f"{socket.gethostname()}:1:y", ttl=600) is None


def test_a_holder_is_one_job_and_a_release_never_expires_another_jobs_lease(store: Store) -> None:
    # Two jobs of one process (a daemon's cycle and sweep) hold different holders.
    cyc = store.acquire_lease("t:push", "host:1:abc:run-cycle", ttl=60)
    assert cyc is not None
    assert store.acquire_lease("t:push", "host:1:abc:run-sweep", ttl=60) is None
    # The same job taking its own lease again keeps the epoch.
    again = store.acquire_lease("t:push", "host:1:abc:run-cycle", ttl=60)
    assert again is not None and again.epoch == cyc.epoch
    # A release made under a lease that is not the current one changes nothing.
    store.release_lease(Lease("t:push", "host:1:abc:run-sweep", cyc.epoch, 0.0))
    store.release_lease(Lease("t:push", "host:1:abc:run-cycle", cyc.epoch - 1, 0.0))
    store.complete("t", "ticket:x", lease=cyc)  # still held: the commit goes through
    assert store.acquire_lease("t:push", "host:1:abc:run-sweep", ttl=60) is None


def test_fenced_commits_renew_the_lease_past_its_ttl(store: Store) -> None:
    lease = store.acquire_lease("t:orders", "a", ttl=0.6)
    assert lease is not None and lease.ttl == 0.6
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 2.0:  # three ttls, committing a page every 0.2 s
        n += 1
        rows = [MirrorRow("sale.order", n, "2026-01-01 00:00:00", {"n": n})]
        store.commit_page("t", "orders", rows=rows, state={"n": n}, lease=lease)
        time.sleep(0.2)
    assert store.get_cursor("t", "orders") == {"n": n}
    assert store.acquire_lease("t:orders", "b", ttl=10) is None  # renewed, never lapsed
    # renew_lease extends by the lease's own ttl, same epoch.
    renewed = store.renew_lease(lease)
    assert renewed.epoch == lease.epoch and renewed.expires_at > time.time() + 0.3


def test_a_stale_runner_cannot_renew_by_committing(store: Store) -> None:
    a = store.acquire_lease("t:orders", "a", ttl=0.2)
    assert a is not None
    time.sleep(0.25)  # expired, nobody took it yet: a commit does not bring it back
    rows = [MirrorRow("sale.order", 1, "2026-01-01 00:00:00", {})]
    with pytest.raises(StaleLeaseError, match="expired"):
        store.commit_page("t", "orders", rows=rows, state={}, lease=a)
    b = store.acquire_lease("t:orders", "b", ttl=30)
    assert b is not None and b.epoch == a.epoch + 1
    with pytest.raises(StaleLeaseError, match="stale"):
        store.set_cursor("t", "orders", {"by": "a"}, lease=a)
    with pytest.raises(StaleLeaseError):
        store.renew_lease(a)
    assert store.acquire_lease("t:orders", "c", ttl=30) is None  # b keeps it


def _finding(key: str) -> dict[str, object]:
    return {
        "key": key,
        "rule": "orders.late",
        "severity": "critical",
        "subject": {"tenant": "t", "model": "sale.order", "id": 5, "name": "S5"},
        "customer": None,
        "money": 0.0,
        "message": "late",
        "detected_at": "2026-11-22 10:00:00",
    }


@pytest.mark.parametrize("how", ["keyword", "view"])
def test_findings_outbox_and_marks_are_fenced(store: Store, how: str) -> None:
    rows = [MirrorRow("sale.order", 5, "2026-01-01 00:00:00", {"n": 1})]
    store.commit_page("t", "orders", rows=rows, state={})
    store.save_findings("t", [_finding("f:old")], {})
    store.enqueue("t", "ticket:old", "ticket", {"a": 1}, "h1", "f:old")
    stale = store.acquire_lease("t:analyze", "a", ttl=0.1)
    assert stale is not None
    time.sleep(0.15)
    fresh = store.acquire_lease("t:analyze", "b", ttl=30)
    assert fresh is not None

    def under(lease: Lease) -> tuple[Store, dict[str, Lease]]:
        return (store.fenced(lease), {}) if how == "view" else (store, {"lease": lease})

    s, kw = under(stale)
    writes = [
        lambda: s.save_findings("t", [_finding("f:new")], {"f:old": "2026-11-22"}, **kw),
        lambda: s.clear_dirty("t", {"sale.order": {5: 1}}, **kw),
        lambda: s.set_cursor("t", "@analyze", {"v": 1, "at": 1.0}, **kw),
        lambda: s.enqueue("t", "ticket:new", "ticket", {"a": 2}, "h2", "f:new", **kw),
        lambda: s.enqueue("t", "ticket:old", "ticket", {"a": 3}, "h3", "f:old", **kw),
        lambda: s.fail("t", "ticket:old", "boom", **kw),
        lambda: s.complete("t", "ticket:old", **kw),
        lambda: s.mark_notified("t", ["f:old"], **kw),
    ]
    for write in writes:
        with pytest.raises(StaleLeaseError):
            write()
    # Nothing the stale runner wrote is there.
    assert set(store.open_findings("t")) == {"f:old"}
    assert [f["key"] for f in store.unnotified("t")] == ["f:old"]
    assert store.dirty("t") == {"sale.order": {5: 1}}
    assert store.get_cursor("t", "@analyze") is None
    (row,) = store.pending("t")
    assert (row["key"], row["content_hash"], row["attempts"]) == ("ticket:old", "h1", 0)
    # The runner holding the lease writes through, and its epoch is recorded on the cursor.
    s, kw = under(fresh)
    assert s.save_findings("t", [_finding("f:new")], {"f:old": "2026-11-22"}, **kw) == (
        ["f:new"],
        ["f:old"],
    )
    s.clear_dirty("t", {"sale.order": {5: 1}}, **kw)
    s.set_cursor("t", "@analyze", {"v": 1, "at": 1.0}, **kw)
    assert s.enqueue("t", "ticket:new", "ticket", {"a": 2}, "h2", "f:new", **kw)
    s.fail("t", "ticket:old", "boom", **kw)
    assert store.dirty("t") == {}
    assert store.get_cursor("t", "@analyze") == {"v": 1, "at": 1.0}
    assert {p["key"]: p["attempts"] for p in store.pending("t")} == {
        "ticket:new": 0,
        "ticket:old": 1,
    }
    s.mark_notified("t", ["f:new"], **kw)
    assert store.unnotified("t") == []
    with store.engine.connect() as conn:
        epoch = conn.execute(
            text("SELECT epoch FROM cursors WHERE tenant = 't' AND stream = '@analyze'")
        ).scalar()
    assert epoch == fresh.epoch


def test_forgetting_plugin_actions_keeps_tickets_and_other_tenants(store: Store) -> None:
    from jobs import actions
    from jobs.state import PLUGIN_KINDS

    assert set(PLUGIN_KINDS) == {actions.FLAG, actions.ACTIVITY}
    for tenant in ("t", "u"):
        for key, kind in (
            ("flag:res.partner:1", "flag"),
            ("activity:f1", "activity"),
            ("ticket:f2", "ticket"),
            ("reorder:f3", "reorder"),
        ):
            store.enqueue(tenant, key, kind, {}, "h")
            bind = {"key": key, "odoo_model": "m", "odoo_id": 1, "content_hash": "h"}
            store.complete(tenant, key, bind=[bind])
    assert store.forget_plugin_actions("t") == {"outbox": 2, "bindings": 2}
    assert store.outbox_state("t", ["flag:res.partner:1", "activity:f1", "ticket:f2"]) == {
        "ticket:f2": ("h", "done")
    }
    assert {b["key"] for b in store.bindings_like("t", "")} == {"reorder:f3", "ticket:f2"}
    assert len(store.bindings_like("u", "")) == 4
