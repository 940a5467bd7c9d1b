"""Incremental analysis (``jobs.analyze`` with the service rules) equals a full re-analysis.

Against odoosim's demo over real HTTP, through the real pull and push, state on SQLite and on
PostgreSQL (the ``store`` fixture), on several seeds: a full first cycle; records changed over
RPC (a planted problem fixed, a new problem made, a relation moved); an incremental cycle with
the company kept in this process; then the clock moved days ahead and an incremental cycle in
a "fresh process" (the kept company dropped).  After each, the open findings equal those of a
full re-analysis of the same mirror at the same time, and the incremental analysis re-decided
few subjects.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jobs_sim import admin_client, install_plugin, tenant_for

from connector.client import OdooClient
from jobs import analyze as an
from jobs.cycle import run_cycle
from jobs.state import Store
from odoosim import SimServer
from service.config import BillingRules, RulesConfig
from service.model import Finding, finding_key
from service.rules import QUALITY, build
from service.rules.clock import next_change, step_at_or_after
from service.snapshot import CompanySnapshot

TENANT = "main"


@pytest.fixture(autouse=True)
def _no_kept_company() -> Iterator[None]:
    an.forget()
    yield
    an.forget()


def _open(store: Store) -> dict[str, Finding]:
    return {k: Finding.model_validate(p) for k, p in store.open_findings(TENANT).items()}


def _comparable(f: Finding) -> Any:
    """What must agree: everything but the detection time; for the customer flag, its level
    (its score and "open for up to N days" move with every second)."""
    if f.rule == QUALITY:
        return (f.severity, f.evidence.get("level"))
    return f.model_dump(mode="json", exclude={"detected_at"})


def _assert_equals_full(store: Store, now: datetime) -> int:
    """The stored open findings equal a full analysis of the mirror at ``now``."""
    stored = _open(store)
    company = an.load_company(store, TENANT)
    full = build(RulesConfig())(
        company, now, detected={k: f.detected_at for k, f in stored.items()}
    )
    fresh = {f.key: f for f in full}
    assert sorted(set(stored) - set(fresh)) == []  # kept open, no longer holds
    assert sorted(set(fresh) - set(stored)) == []  # holds, not opened
    differ = [k for k in fresh if _comparable(fresh[k]) != _comparable(stored[k])]
    assert differ == []
    return _subjects(company)


def _subjects(snap: CompanySnapshot) -> int:
    return len(snap.orders) + len(snap.invoices) + len(snap.products) + len(snap.customers)


def _unpaid_invoices(admin: OdooClient) -> list[dict[str, Any]]:
    return admin.search_read(
        "account.move",
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
        ],
        ["id", "invoice_date_due", "partner_id"],
        order="id",
    )


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_incremental_analysis_equals_a_full_re_analysis(store: Store, seed: int) -> None:
    today = datetime.now(UTC).date()
    with (
        SimServer(odoo_version="17", dataset="demo", orders=120, seed=seed, today=today) as sim,
        closing(admin_client(sim)) as admin,
    ):
        install_plugin(admin)
        tenant = tenant_for(sim, rules=build(RulesConfig()), page_size=500)
        planted = sim.manifest["planted"]
        planted_ids = {(p["model"], p["id"]) for p in planted}
        unpaid = [
            r for r in _unpaid_invoices(admin) if ("account.move", r["id"]) not in planted_ids
        ]
        assert len(unpaid) >= 3
        # Overdue by the clock alone later: 30 days past due now, 33 in three days.
        by_clock, made_overdue, _spare = unpaid[0], unpaid[1], unpaid[2]
        admin.write(
            "account.move",
            [by_clock["id"]],
            {"invoice_date_due": (today - timedelta(days=30)).isoformat()},
        )
        t0 = datetime.now(UTC)

        first = run_cycle(tenant, store, now=t0)
        assert first.status == "ok", first.errors
        assert first.analysis["full"] and first.analysis["reason"] == "first"
        _assert_equals_full(store, t0)
        clock_key = finding_key("billing.overdue", "account.move", by_clock["id"])
        assert clock_key not in _open(store)

        # Changes over RPC: a planted problem fixed, a new one made, a partner moved.
        fixed = next(p for p in planted if p["rule"] == "billing.overdue")
        admin.write("account.move", [fixed["id"]], {"invoice_date_due": "2099-01-01"})
        admin.write(
            "account.move",
            [made_overdue["id"]],
            {"invoice_date_due": (today - timedelta(days=45)).isoformat()},
        )
        late = next(p for p in planted if p["rule"] == "orders.late")
        admin.write("sale.order", [late["id"]], {"commitment_date": "2099-01-01 00:00:00"})

        t1 = t0 + timedelta(minutes=10)
        second = run_cycle(tenant, store, now=t1)
        assert second.status == "ok", second.errors
        a2 = second.analysis
        assert not a2["full"] and a2["cached"], a2
        total = _assert_equals_full(store, t1)
        # Scoped: the changed records and their relatives, not the company.
        assert 0 < a2["subjects"] <= total // 5, (a2, total)
        now_open = _open(store)
        assert finding_key("billing.overdue", "account.move", fixed["id"]) not in now_open
        assert finding_key("billing.overdue", "account.move", made_overdue["id"]) in now_open
        assert finding_key("orders.late", "sale.order", late["id"]) not in now_open

        # Three days later, in a fresh process: what the clock alone changed is re-decided.
        an.forget()
        t2 = t1 + timedelta(days=3)
        third = run_cycle(tenant, store, now=t2)
        assert third.status == "ok", third.errors
        a3 = third.analysis
        assert not a3["full"] and not a3["cached"] and not a3["skipped"], a3
        # What the clock alone changed is re-decided: the result equals a full analysis and the
        # invoice that went overdue by the clock is open.  (The analysis once was skipped here
        # when the pull found no changed row: "just done" by the wall clock, 3 days by ``now``.)
        assert a3["timed"] > 0, a3
        _assert_equals_full(store, t2)
        assert clock_key in _open(store)
        assert a3["subjects"] < total, (a3, total)

        # A change of thresholds re-analyses everything.
        stricter = RulesConfig(billing=BillingRules(overdue_days=10))
        report, _ = an.analyze(store, TENANT, build(stricter), now=t2)
        assert report.full and report.reason == "rules changed"


def test_a_kept_company_is_dropped_when_another_process_analysed(store: Store) -> None:
    """Two analysers of one tenant (e.g. a daemon and ``svcsync run --once``): the kept copy
    is used only while the marker carries the generation it wrote."""
    with SimServer(odoo_version="17", dataset="demo", orders=60, seed=5) as sim:
        tenant = tenant_for(sim, rules=build(RulesConfig()), page_size=500)
        t0 = datetime.now(UTC)
        assert run_cycle(tenant, store, now=t0, analyze=False).status == "ok"
        rules = build(RulesConfig())
        first, _ = an.analyze(store, TENANT, rules, now=t0)
        assert first.full
        again, _ = an.analyze(store, TENANT, rules, now=t0 + timedelta(minutes=1))
        assert again.cached and not again.full
        kept = an._CACHE[(str(store.engine.url), TENANT)]
        an.forget()
        an.analyze(store, TENANT, rules, now=t0 + timedelta(minutes=2))  # "another process"
        an._CACHE[(str(store.engine.url), TENANT)] = kept  # this process's stale copy
        stale, _ = an.analyze(store, TENANT, rules, now=t0 + timedelta(minutes=3))
        assert not stale.cached and not stale.full


def test_a_full_analysis_follows_the_clock_going_back_and_the_safety_net(store: Store) -> None:
    with SimServer(odoo_version="17", dataset="demo", orders=40, seed=2) as sim:
        tenant = tenant_for(sim, rules=build(RulesConfig()), page_size=500)
        t0 = datetime.now(UTC)
        assert run_cycle(tenant, store, now=t0, analyze=False).status == "ok"
        rules = build(RulesConfig())
        assert an.analyze(store, TENANT, rules, now=t0)[0].reason == "first"
        back, _ = an.analyze(store, TENANT, rules, now=t0 - timedelta(hours=1))
        assert back.reason == "clock went back"
        later = time.time() + 90_000.0  # a day and a wall-clock hour after the last full one
        net, _ = an.analyze(store, TENANT, rules, now=t0, clock=lambda: later, full_every=86_400)
        assert net.reason == "periodic"


# --------------------------------------------------------------------------- the clock


def test_step_at_or_after_is_the_first_tick_in_a_closed_window() -> None:
    base = datetime(2026, 1, 1, 12, tzinfo=UTC)
    day = timedelta(days=1)
    assert step_at_or_after(base, day, base) == base
    assert step_at_or_after(base, day, base + timedelta(seconds=1)) == base + day
    assert step_at_or_after(base, day, base - 5 * day, kmin=2) == base + 2 * day
    assert step_at_or_after(base, day, base + 10 * day, kmax=3) is None


def test_an_unpaid_invoice_ticks_each_midnight_once_it_is_overdue() -> None:
    from service.model import ErpRef, Invoice

    cfg = RulesConfig()
    due = date(2026, 3, 1)
    inv = Invoice(
        ref=ErpRef(tenant="t", model="account.move", id=1, name="INV/1"),
        kind="out_invoice",
        state="posted",
        customer_id=7,
        invoice_date=due - timedelta(days=30),
        due_date=due,
        amount_untaxed=100,
        amount_total=100,
        amount_residual=100,
        payment_state="not_paid",
    )
    snap = CompanySnapshot("t", invoices={1: inv})
    first = datetime(2026, 4, 1, tzinfo=UTC)  # due + 31 days: the first day it is overdue
    assert next_change(snap, cfg, ("account.move", 1), datetime(2026, 3, 5, tzinfo=UTC)) == first
    later = datetime(2026, 4, 3, 8, tzinfo=UTC)
    assert next_change(snap, cfg, ("account.move", 1), later) == datetime(2026, 4, 4, tzinfo=UTC)
    paid = CompanySnapshot("t", invoices={1: inv.model_copy(update={"payment_state": "paid"})})
    assert next_change(paid, cfg, ("account.move", 1), later) is None
