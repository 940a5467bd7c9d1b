"""CompanySnapshot: indexes, changes applied in place, and the subjects a change affects.

The property that makes incremental analysis safe: after any change, every finding that
appears, disappears or changes is about a subject ``apply`` reported as affected.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from builders import (
    NOW,
    Builder,
    a_customer,
    a_product,
    a_repair,
    an_invoice,
    an_order,
    company,
    records,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from service.model import Finding
from service.rules import analyze
from service.snapshot import CompanySnapshot


def a_small_company() -> list[Builder]:
    """A company where most rules fire somewhere, sharing customers and products."""
    azure, deco = a_customer("Azure Interior"), a_customer("Deco Addict")
    pump = a_product("Pump", "P-1").costing(50).sold_by(lead_days=14).on_hand(6)
    pump.sales([(3 + 7 * w, 3.0) for w in range(20)], customer=deco)
    seal = a_product("Seal", "S-1").costing(5).sold_by(lead_days=10).on_hand(1)
    late = an_order(azure).confirmed(days_ago=12).promised(days_ago=4).with_line(pump, qty=4)
    soon = an_order(deco).confirmed(days_ago=1).promised(in_days=3).with_line(pump, qty=5)
    done = (
        an_order(azure)
        .confirmed(days_ago=40)
        .promised(days_ago=35)
        .with_line(pump, qty=2, delivered=2, invoiced=2)
        .shipped(days_ago=35)
    )
    inv = an_invoice().for_order(done).posted(days_ago=34).due(days_ago=4)
    dup = an_invoice(azure).amounts(100, 115).posted(days_ago=20)
    dup2 = an_invoice(azure).amounts(100, 115).posted(days_ago=18).with_ref("X")
    overdue = an_invoice(deco).amounts(300, 345).posted(days_ago=90).due(days_ago=60)
    rep = a_repair(deco).needs(seal, 2)
    # Billed to another company's contact, delivered long ago and not invoiced, refunds.
    billing = a_customer("Deco, Billing").contact_of(deco)
    wrong = (
        an_order(azure)
        .confirmed(days_ago=30)
        .promised(days_ago=25)
        .with_line(pump, qty=1, delivered=1, invoiced=1, price=70)
        .shipped(days_ago=25)
    )
    to_deco = an_invoice().for_order(wrong).to(billing).posted(days_ago=24)
    uninvoiced = (
        an_order(deco)
        .confirmed(days_ago=40)
        .promised(days_ago=30)
        .with_line(seal, qty=3, delivered=3)
        .shipped(days_ago=30)
    )
    refunds = [an_invoice(deco).amounts(10, 11.5).posted(days_ago=5).refund() for _ in range(4)]
    return [
        late,
        soon,
        done,
        inv,
        dup,
        dup2,
        overdue,
        rep,
        pump,
        seal,
        to_deco,
        uninvoiced,
        *refunds,
    ]


def by_key(findings: list[Finding]) -> dict[str, str]:
    # Compared on content without the detection time (the same ``now`` everywhere anyway).
    return {f.key: f.model_dump_json(exclude={"detected_at"}) for f in findings}


def test_indexes_follow_relations() -> None:
    order = an_order().confirmed(days_ago=3).with_line(qty=2).with_line(qty=3)
    inv = an_invoice().for_order(order).posted()
    snap = company(inv)
    assert sorted(ln.ref.id for ln in snap.lines_of(order.id)) == [ln.id for ln in order.lines]
    assert snap.orders_of_invoice(inv.id) == (order.id,)
    assert snap.invoice_linked_by_lines(inv.id)
    assert snap.invoices_of_order(order.id) == [inv.id]
    assert [i.ref.id for i in snap.invoices_of_commercial(order.customer.id)] == [inv.id]


def test_from_jobs_like_snapshot_and_untouched_input() -> None:
    order = an_order().confirmed(days_ago=3).with_line(qty=2)
    out = records(order)

    class Like:
        tenant = "x"
        orders = out["sale.order"]
        order_lines = out["sale.order.line"]

    snap = CompanySnapshot.of(Like())
    assert snap.tenant == "x" and list(snap.lines_of(order.id))
    snap.apply({"sale.order": {order.id: None}})
    assert order.id not in snap.orders and order.id in Like.orders  # own dicts


def test_apply_keeps_built_indexes_in_step() -> None:
    order = an_order().confirmed(days_ago=3).with_line(qty=2)
    other = an_order().confirmed(days_ago=3).with_line(qty=1)
    snap = company(order, other)
    assert len(snap.lines_of(order.id)) == 1  # builds the index
    line = snap.order_lines[order.line.id]
    moved = line.model_copy(update={"order_id": other.id})
    affected = snap.apply({"sale.order.line": {line.ref.id: moved}})
    assert len(snap.lines_of(order.id)) == 0 and len(snap.lines_of(other.id)) == 2
    # Both the order the line left and the one it joined are re-checked.
    assert {("sale.order", order.id), ("sale.order", other.id)} <= affected


def test_affected_subjects_of_an_invoice_change() -> None:
    order = an_order().confirmed(days_ago=3).with_line(qty=2, delivered=2, invoiced=2)
    inv = an_invoice().for_order(order).posted()
    snap = company(inv)
    out = snap.affected_subjects([("account.move", inv.id)])
    cust = order.customer.id
    assert {("account.move", inv.id), ("sale.order", order.id), ("res.partner", cust)} <= out


def test_affected_subjects_of_a_stock_change() -> None:
    pump = a_product().on_hand(3)
    order = an_order().confirmed(days_ago=1).with_line(pump, qty=5)
    rep = a_repair().needs(pump, 1)
    snap = company(order, rep)
    (quant_id,) = snap.quants
    out = snap.affected_subjects([("stock.quant", quant_id)])
    assert ("product.product", pump.id) in out
    assert ("sale.order", order.id) in out and ("repair.order", rep.id) in out
    assert ("res.partner", order.customer.id) in out


# --------------------------------------------------------------------------- the property


Change = Callable[[CompanySnapshot, Any], dict[str, dict[int, Any]]]


def _line_delivered(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    line = sorted(snap.order_lines.values(), key=lambda ln: ln.ref.id)[pick % len(snap.order_lines)]
    return {
        "sale.order.line": {
            line.ref.id: line.model_copy(update={"qty_delivered": line.qty_ordered})
        }
    }


def _line_invoiced(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    line = sorted(snap.order_lines.values(), key=lambda ln: ln.ref.id)[pick % len(snap.order_lines)]
    return {
        "sale.order.line": {
            line.ref.id: line.model_copy(update={"qty_invoiced": line.qty_ordered + 1})
        }
    }


def _invoice_amount(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    inv = sorted(snap.invoices.values(), key=lambda i: i.ref.id)[pick % len(snap.invoices)]
    return {
        "account.move": {
            inv.ref.id: inv.model_copy(update={"amount_untaxed": 100.0, "amount_total": 115.0})
        }
    }


def _invoice_deleted(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    inv = sorted(snap.invoices.values(), key=lambda i: i.ref.id)[pick % len(snap.invoices)]
    return {"account.move": {inv.ref.id: None}}


def _invoice_paid(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    inv = sorted(snap.invoices.values(), key=lambda i: i.ref.id)[pick % len(snap.invoices)]
    return {"account.move": {inv.ref.id: inv.model_copy(update={"payment_state": "paid"})}}


def _quant(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    q = sorted(snap.quants.values(), key=lambda q: q.ref.id)[pick % len(snap.quants)]
    return {"stock.quant": {q.ref.id: q.model_copy(update={"quantity": float(pick % 40)})}}


def _order_cancelled(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    order = sorted(snap.orders.values(), key=lambda o: o.ref.id)[pick % len(snap.orders)]
    return {"sale.order": {order.ref.id: order.model_copy(update={"state": "cancelled"})}}


def _order_promised(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    order = sorted(snap.orders.values(), key=lambda o: o.ref.id)[pick % len(snap.orders)]
    when = NOW + timedelta(days=pick % 11 - 5)
    return {"sale.order": {order.ref.id: order.model_copy(update={"commitment_date": when})}}


def _line_qty(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    line = sorted(snap.order_lines.values(), key=lambda ln: ln.ref.id)[pick % len(snap.order_lines)]
    return {"sale.order.line": {line.ref.id: line.model_copy(update={"qty_ordered": 40.0})}}


def _repair_done(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    (rep,) = snap.repairs.values()
    return {
        "repair.order": {
            rep.ref.id: rep.model_copy(update={"state": "done" if pick % 2 else "cancel"})
        }
    }


def _partner_moved(snap: CompanySnapshot, pick: Any) -> dict[str, dict[int, Any]]:
    custs = sorted(snap.customers.values(), key=lambda c: c.ref.id)
    a, b = custs[pick % len(custs)], custs[(pick + 1) % len(custs)]
    return {"res.partner": {a.ref.id: a.model_copy(update={"commercial_id": b.commercial_id})}}


CHANGES: list[Change] = [
    _line_delivered,
    _line_invoiced,
    _invoice_amount,
    _invoice_deleted,
    _invoice_paid,
    _quant,
    _order_cancelled,
    _order_promised,
    _line_qty,
    _repair_done,
    _partner_moved,
]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CHANGES), st.integers(0, 1000)), min_size=1, max_size=3))
def test_every_changed_finding_is_about_an_affected_subject(
    steps: list[tuple[Change, int]],
) -> None:
    snap = company(*a_small_company())
    before = by_key(analyze(snap, now=NOW))
    affected: set[tuple[str, int]] = set()
    for change, pick in steps:
        affected |= snap.apply(change(snap, pick))
    after_findings = analyze(snap, now=NOW)
    after = by_key(after_findings)
    fresh = by_key(analyze(company_copy(snap), now=NOW))
    assert after == fresh  # indexes updated in place == rebuilt from scratch
    subject_of = {f.key: (f.subject.model, f.subject.id) for f in after_findings}
    for key in set(before) | set(after):
        if before.get(key) != after.get(key):
            _, model, rid = key.split(":")[:3]
            subject = subject_of.get(key) or (model, int(rid))
            assert subject in affected, (key, steps)
    # Incremental analysis of the affected subjects gives exactly their full-analysis findings.
    partial = by_key(analyze(snap, now=NOW, subjects=affected, open_findings=after_findings))
    in_scope = {k: v for k, v in after.items() if subject_of[k] in affected}
    assert partial == in_scope


def company_copy(snap: CompanySnapshot) -> CompanySnapshot:
    from service.snapshot import SLOTS

    return CompanySnapshot(
        snap.tenant, **{slot: dict(getattr(snap, slot)) for slot in SLOTS.values()}
    )


def test_an_old_delivered_order_does_not_requeue_the_open_ones() -> None:
    pump = a_product().on_hand(3)
    old = (
        an_order()
        .confirmed(days_ago=60)
        .promised(days_ago=55)
        .with_line(pump, qty=2, delivered=2, invoiced=2)
    )
    early = an_order().confirmed(days_ago=2).promised(in_days=1).with_line(pump, qty=2)
    later = an_order().confirmed(days_ago=1).promised(in_days=5).with_line(pump, qty=2)
    snap = company(old, early, later)
    moved = snap.orders[old.id].model_copy(update={"commitment_date": NOW})
    affected = snap.apply({"sale.order": {old.id: moved}})
    assert ("sale.order", old.id) in affected
    assert ("sale.order", early.id) not in affected and ("sale.order", later.id) not in affected
    assert ("product.product", pump.id) not in affected  # its demand history is the same
    # Moving the early order's promise behind the later one re-checks the later one only.
    behind = snap.orders[early.id].model_copy(update={"commitment_date": NOW + timedelta(days=9)})
    affected = snap.apply({"sale.order": {early.id: behind}})
    assert {("sale.order", early.id), ("sale.order", later.id)} <= affected
    assert [f.subject.id for f in analyze(snap, now=NOW) if f.rule == "orders.unservable"] == [
        early.id
    ]


def test_a_snapshot_is_freed_without_the_cyclic_gc() -> None:
    # A daemon analyses every few minutes: a snapshot caught in a reference cycle would keep
    # the whole company in memory until a full collection.
    import gc
    import weakref

    gc.disable()
    try:
        snap = company(*a_small_company())
        analyze(snap, now=NOW)
        snap.apply(_quant(snap, 3))
        snap.apply(_partner_moved(snap, 2))  # every index a change can reach gets built
        snap.affected_subjects([("res.partner", p) for p in snap.customers])
        ref = weakref.ref(snap)
        del snap
        assert ref() is None
    finally:
        gc.enable()
