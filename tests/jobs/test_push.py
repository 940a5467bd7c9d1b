"""Push logic against the write-side fake: once-only creates, hash skips, resolution."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jobs_fakes import FakeWriter

from jobs.config import PushConfig
from jobs.push import push
from jobs.state import Store
from service.model import ErpRef, Finding, Severity

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def late(order_id: int, customer: int = 7) -> Finding:
    return Finding(
        key=f"orders.late:sale.order:{order_id}",
        rule="orders.late",
        severity=Severity.critical,
        subject=ErpRef(tenant="t", model="sale.order", id=order_id, name=f"S{order_id}"),
        customer=ErpRef(tenant="t", model="res.partner", id=customer, name="Cust"),
        message=f"S{order_id} is late.",
        detected_at=NOW,
    )


def reorder(product: int, vendor: int = 50) -> Finding:
    return Finding(
        key=f"inventory.reorder:product.product:{product}",
        rule="inventory.reorder",
        severity=Severity.warning,
        subject=ErpRef(tenant="t", model="product.product", id=product, name=f"P{product}"),
        evidence={"product_id": product, "quantity": 5.0, "vendor_id": vendor, "price_unit": 2.0},
        message=f"P{product} is short.",
        detected_at=NOW,
    )


@pytest.fixture
def odoo() -> FakeWriter:
    fake = FakeWriter()
    for rid in (1, 2):
        fake.put("sale.order", {"id": rid, "name": f"S{rid}"})
    fake.put("res.partner", {"id": 7, "name": "Cust"})
    return fake


def test_tickets_flags_and_rfq_lines_are_created_once(odoo: FakeWriter, store: Store) -> None:
    findings = [late(1), late(2), reorder(30), reorder(31)]
    rep = push("t", odoo, store, findings, [], PushConfig())  # type: ignore[arg-type]
    assert rep.failed == 0, rep.errors
    assert len(odoo.records["helpdesk.ticket"]) == 2
    assert len(odoo.records["purchase.order"]) == 1  # one draft RFQ for the vendor
    assert len(odoo.records["purchase.order.line"]) == 2
    assert odoo.records["sale.order"][1]["x_svc_flag"] == "red"
    assert odoo.records["res.partner"][7]["x_svc_flag"] == "red"
    again = push("t", odoo, store, findings, [], PushConfig())  # type: ignore[arg-type]
    assert again.planned == [] and (again.created, again.updated) == (0, 0)
    assert len(odoo.records["helpdesk.ticket"]) == 2
    assert len(odoo.records["purchase.order.line"]) == 2


def test_a_new_reorder_is_merged_into_the_open_draft_rfq(odoo: FakeWriter, store: Store) -> None:
    push("t", odoo, store, [reorder(30)], [], PushConfig())  # type: ignore[arg-type]
    push("t", odoo, store, [reorder(30), reorder(31)], [], PushConfig())  # type: ignore[arg-type]
    assert len(odoo.records["purchase.order"]) == 1
    assert len(odoo.records["purchase.order.line"]) == 2
    (rfq,) = odoo.records["purchase.order"].values()
    rfq["state"] = "purchase"  # a buyer confirmed it: the next reorder opens a new draft
    push("t", odoo, store, [reorder(30), reorder(31), reorder(32)], [], PushConfig())  # type: ignore[arg-type]
    states = sorted(r["state"] for r in odoo.records["purchase.order"].values())
    assert states == ["draft", "purchase"]
    assert len(odoo.records["purchase.order.line"]) == 3


def test_a_crash_between_create_and_binding_never_duplicates(
    odoo: FakeWriter, store: Store
) -> None:
    odoo.crash_after_create = True
    with pytest.raises(KeyboardInterrupt):
        push("t", odoo, store, [late(1)], [], PushConfig())  # type: ignore[arg-type]
    assert len(odoo.records["helpdesk.ticket"]) == 1
    rep = push("t", odoo, store, [late(1)], [], PushConfig())  # type: ignore[arg-type]
    assert rep.failed == 0
    assert len(odoo.records["helpdesk.ticket"]) == 1


def test_resolution_notes_the_ticket_and_turns_flags_green(odoo: FakeWriter, store: Store) -> None:
    push("t", odoo, store, [late(1), late(2)], [], PushConfig())  # type: ignore[arg-type]
    rep = push("t", odoo, store, [late(2)], [], PushConfig())  # type: ignore[arg-type]
    assert rep.resolved == 1
    assert odoo.records["sale.order"][1]["x_svc_flag"] == "green"
    assert odoo.records["sale.order"][2]["x_svc_flag"] == "red"
    assert odoo.records["res.partner"][7]["x_svc_flag"] == "red"  # still one late order
    (note,) = odoo.records["mail.message"].values()
    assert "Resolved" in note["body"]
    quiet = push("t", odoo, store, [late(2)], [], PushConfig())  # type: ignore[arg-type]
    assert quiet.planned == [] and len(odoo.records["mail.message"]) == 1


def test_dry_run_returns_the_plan_and_writes_nothing(odoo: FakeWriter, store: Store) -> None:
    before = {m: dict(r) for m, r in odoo.records.items()}
    rep = push("t", odoo, store, [late(1), reorder(30)], [], PushConfig(), dry_run=True)  # type: ignore[arg-type]
    kinds = sorted((p["op"], p["kind"]) for p in rep.planned)
    assert kinds == [
        ("create", "flag"),
        ("create", "flag"),
        ("create", "reorder"),
        ("create", "ticket"),
    ]
    assert odoo.records == before
    assert store.pending("t") == [] and store.bindings_like("t", "") == []


def test_flags_are_written_in_batches(odoo: FakeWriter, store: Store) -> None:
    calls: list[int] = []
    real_write = odoo.write

    def counting(model: str, ids: Any, vals: Any, context: Any = None) -> bool:
        if "x_svc_flag" in vals:
            calls.append(len(ids))
        return real_write(model, ids, vals)

    odoo.write = counting  # type: ignore[method-assign]
    for rid in range(10, 15):
        odoo.put("sale.order", {"id": rid, "name": f"S{rid}"})
    # Same reason text: the five orders get identical flag values, the partner its own.
    findings = [
        late(rid, customer=7).model_copy(update={"message": "Late."}) for rid in range(10, 15)
    ]
    push("t", odoo, store, findings, [], PushConfig(batch_size=2))  # type: ignore[arg-type]
    assert sorted(calls) == [1, 1, 2, 2]  # orders in 2+2+1 records, the partner in its own call


def test_a_line_placed_before_a_lost_commit_is_not_ordered_again(
    odoo: FakeWriter, store: Store, tmp_path: Any
) -> None:
    """The RFQ line reached Odoo but the local record of it was lost, and a buyer confirmed
    the RFQ meanwhile: the next push finds the line by its token, opens no new RFQ."""
    from jobs.state import open_store

    push("t", odoo, store, [reorder(30)], [], PushConfig())  # type: ignore[arg-type]
    (rfq,) = odoo.records["purchase.order"].values()
    rfq["state"] = "purchase"
    forgetful = open_store(f"sqlite:///{tmp_path / 'lost.db'}")
    try:
        rep = push("t", odoo, forgetful, [reorder(30)], [], PushConfig())  # type: ignore[arg-type]
    finally:
        forgetful.close()
    assert rep.failed == 0 and rep.created == 0
    assert len(odoo.records["purchase.order"]) == 1
    assert len(odoo.records["purchase.order.line"]) == 1


def test_a_resolved_reorder_is_resolved_once_and_its_line_stays(
    odoo: FakeWriter, store: Store
) -> None:
    push("t", odoo, store, [reorder(30)], [], PushConfig())  # type: ignore[arg-type]
    gone = push("t", odoo, store, [], [], PushConfig())  # type: ignore[arg-type]
    assert gone.resolved == 1
    quiet = push("t", odoo, store, [], [], PushConfig())  # type: ignore[arg-type]
    assert quiet.planned == [] and quiet.resolved == 0
    assert len(odoo.records["purchase.order.line"]) == 1
    # The need comes back while the line is still on the draft: bound again, not added.
    back = push("t", odoo, store, [reorder(30)], [], PushConfig())  # type: ignore[arg-type]
    assert back.failed == 0 and len(odoo.records["purchase.order.line"]) == 1


def test_a_reorder_without_a_vendor_is_a_ticket_not_a_failure(
    odoo: FakeWriter, store: Store
) -> None:
    orphan = reorder(30).model_copy(
        update={"evidence": {"product_id": 30, "quantity": 5.0, "product_name": "Seal"}}
    )
    rep = push("t", odoo, store, [orphan], [], PushConfig())  # type: ignore[arg-type]
    assert rep.failed == 0, rep.errors
    assert "purchase.order" not in odoo.records
    (ticket,) = odoo.records["helpdesk.ticket"].values()
    assert ticket["name"] == "No supplier set: P30"
    assert "No supplier is set for P30" in ticket["description"]


def test_a_product_is_ordered_once_and_flags_take_the_worst_level(
    odoo: FakeWriter, store: Store
) -> None:
    from service.model import FlagLevel

    parts = Finding(
        key="repairs.parts_missing:repair.order:8",
        rule="repairs.parts_missing",
        severity=Severity.critical,
        subject=ErpRef(tenant="t", model="repair.order", id=8, name="R8"),
        customer=ErpRef(tenant="t", model="res.partner", id=7, name="Cust"),
        evidence={"product_id": 30, "quantity": 2.0, "vendor_id": 50},
        message="R8 waits for P30.",
        detected_at=NOW,
    )
    quality = Finding(
        key="quality.customer:res.partner:7",
        rule="quality.customer",
        severity=Severity.warning,
        subject=ErpRef(tenant="t", model="res.partner", id=7, name="Cust"),
        evidence={"level": FlagLevel.amber.value},
        message="Cust has open problems.",
        detected_at=NOW,
    )
    rep = push("t", odoo, store, [reorder(30), parts, quality], [], PushConfig())  # type: ignore[arg-type]
    assert rep.failed == 0, rep.errors
    (line,) = odoo.records["purchase.order.line"].values()  # the product's own reorder covers it
    assert "inventory.reorder:product.product:30" in line["name"]
    assert odoo.records["res.partner"][7]["x_svc_flag"] == "red"  # red repair beats amber
