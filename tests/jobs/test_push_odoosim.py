"""Push against odoosim over real HTTP: unambiguous markers, batched creates, crash recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from jobs_sim import admin_client, bot_settings, install_plugin, tenant_for

from connector.client import OdooClient
from connector.errors import TransientError
from jobs.actions import token, xml_name
from jobs.config import PushConfig
from jobs.cycle import run_cycle
from jobs.push import push
from jobs.state import Store
from odoosim import SimServer
from service.model import ErpRef, Finding, Severity

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[Any]:
    with SimServer(odoo_version="17", dataset="demo", orders=30, seed=5) as server:
        admin = admin_client(server)
        install_plugin(admin)
        admin.close()
        yield server


@pytest.fixture
def bot(sim: Any) -> Iterator[OdooClient]:
    client = OdooClient(bot_settings(sim))
    client.connect()
    yield client
    client.close()


def late(order_id: int, tenant: str = "main") -> Finding:
    return Finding(
        key=f"orders.late:sale.order:{order_id}",
        rule="orders.late",
        severity=Severity.critical,
        subject=ErpRef(tenant=tenant, model="sale.order", id=order_id, name=f"S{order_id}"),
        message=f"Order number {order_id} is late.",
        detected_at=NOW,
    )


def overdue(move_id: int, tenant: str = "main") -> Finding:
    return Finding(
        key=f"billing.overdue:account.move:{move_id}",
        rule="billing.overdue",
        severity=Severity.warning,
        subject=ErpRef(tenant=tenant, model="account.move", id=move_id, name=f"INV{move_id}"),
        message=f"Invoice {move_id} is overdue.",
        detected_at=NOW,
    )


def _tickets(bot: OdooClient, tenant: str) -> dict[int, str]:
    """Ticket id -> description of the tickets this tenant's findings made."""
    rows = bot.search_read(
        "helpdesk.ticket", [("description", "ilike", "svcsync finding")], ["description"]
    )
    return {int(r["id"]): str(r["description"]) for r in rows if f"-{tenant}-" in r["description"]}


def _bound(bot: OdooClient, tenant: str, key: str) -> int | None:
    found = bot.find_external_id(xml_name(tenant, "ticket", key))
    return found[1] if found else None


def _tenant_late(order_id: int, tenant: str) -> Finding:
    """A finding whose message names the tenant, so tests sharing the server tell theirs apart."""
    f = late(order_id, tenant)
    return f.model_copy(update={"message": f"Order number {order_id} is late (-{tenant}-)."})


def test_keys_that_prefix_each_other_get_their_own_ticket(bot: OdooClient, store: Store) -> None:
    """Cycle 1 tickets ``...:12``; cycle 2 adds ``...:1``, whose old marker ``svcsync finding
    orders.late:sale.order:1`` also matched the ticket of ``...:12`` and took it over."""
    tenant = "prefix"
    twelve, one = _tenant_late(12, tenant), _tenant_late(1, tenant)
    first = push(tenant, bot, store, [twelve], [], PushConfig())
    assert first.failed == 0, first.errors
    second = push(tenant, bot, store, [twelve, one], [], PushConfig())
    assert second.failed == 0, second.errors
    tickets = _tickets(bot, tenant)
    assert len(tickets) == 2
    id12, id1 = _bound(bot, tenant, twelve.key), _bound(bot, tenant, one.key)
    assert id12 is not None and id1 is not None and id12 != id1
    assert f"[{token(twelve.key)}]" in tickets[id12] and "Order number 12 " in tickets[id12]
    assert f"[{token(one.key)}]" in tickets[id1] and "Order number 1 " in tickets[id1]
    b12, b1 = (
        store.binding(tenant, f"ticket:{twelve.key}"),
        store.binding(tenant, f"ticket:{one.key}"),
    )
    assert b12 is not None and b1 is not None
    assert (b12["odoo_id"], b1["odoo_id"]) == (id12, id1)


def test_crash_recovery_by_marker_finds_the_right_ticket(
    sim: Any, bot: OdooClient, store: Store
) -> None:
    """``...:2`` is created after ``...:21`` and the push dies before its external id: the next
    push binds ``...:2`` to its own ticket, not to the one of ``...:21``, and creates nothing."""
    tenant = "crash"  # (tokens are per finding key: other orders than the test above)
    twelve, one = _tenant_late(21, tenant), _tenant_late(2, tenant)
    assert push(tenant, bot, store, [twelve], [], PushConfig()).failed == 0
    sim.faults.update(reset_count=1, models=["ir.model.data"], methods=["create"])
    try:
        with pytest.raises(TransientError):
            push(tenant, bot, store, [twelve, one], [], PushConfig())
    finally:
        sim.faults.clear()
    assert len(_tickets(bot, tenant)) == 2 and _bound(bot, tenant, one.key) is None
    again = push(tenant, bot, store, [twelve, one], [], PushConfig())
    assert again.failed == 0 and again.created == 0, again.errors
    tickets = _tickets(bot, tenant)
    assert len(tickets) == 2
    id1 = _bound(bot, tenant, one.key)
    assert id1 is not None and id1 != _bound(bot, tenant, twelve.key)
    assert "Order number 2 " in tickets[id1] and f"[{token(one.key)}]" in tickets[id1]


def test_a_batch_interrupted_before_its_external_ids_is_recovered_whole(
    sim: Any, bot: OdooClient, store: Store
) -> None:
    """Tickets and activities are created in one call per batch; the external ids of the batch
    in one more call. That call fails: the next push recovers every record by its token."""
    tenant = "batch"
    moves = bot.search("account.move", [("move_type", "=", "out_invoice")], limit=4)
    findings = [_tenant_late(i, tenant) for i in (3, 4, 5, 6, 7)] + [
        overdue(m, tenant) for m in moves
    ]
    sim.faults.update(reset_count=1, models=["ir.model.data"], methods=["create"])
    try:
        with pytest.raises(TransientError):
            push(tenant, bot, store, findings, [], PushConfig())
    finally:
        sim.faults.clear()
    assert len(_tickets(bot, tenant)) == 5
    sim.stats.reset()
    rep = push(tenant, bot, store, findings, [], PushConfig())
    assert rep.failed == 0, rep.errors
    assert sim.stats.count(method="create", model="helpdesk.ticket") == 0
    assert len(_tickets(bot, tenant)) == 5
    activities = bot.search_read(
        "mail.activity",
        [("res_model", "=", "account.move"), ("res_id", "in", moves)],
        ["summary"],
    )
    for f in findings[5:]:
        marked = [a for a in activities if f"[{token(f.key)}]" in a["summary"]]
        assert len(marked) == 1, f.key
    for f in findings[:5]:
        assert _bound(bot, tenant, f.key) is not None


def test_first_push_of_the_300_order_demo_is_batched(tmp_path: Any) -> None:
    """Tickets and activities cost a constant number of calls per batch, flags one existence
    check per model: the first push of the 300-order demo used 241 RPCs one record at a time."""
    from jobs.state import open_store
    from service.config import RulesConfig
    from service.rules import build

    rules = build(RulesConfig())
    with SimServer(odoo_version="17", dataset="demo", orders=300, seed=7) as sim:
        admin = admin_client(sim)
        install_plugin(admin)
        store = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
        tenant = tenant_for(sim, rules=rules)

        def at_push(event: str, _data: Any) -> None:
            if event == "push":
                sim.stats.reset()

        try:
            first = run_cycle(tenant, store, progress=at_push)
            assert first.status == "ok", first.errors
            assert first.push["created"] >= 20 and first.push["failed"] == 0
            tickets = admin.search_count(
                "helpdesk.ticket", [("description", "ilike", "svcsync finding")]
            )
            assert tickets >= 15
            assert sim.stats.count(method="create", model="helpdesk.ticket") == 1
            assert sim.stats.count(method="create", model="mail.activity") <= 1
            creates_imd = sim.stats.count(method="create", model="ir.model.data")
            assert creates_imd <= 2 + 5  # tickets, activities, one per vendor RFQ
            assert sim.stats.count(method="search", model="res.partner") <= 1
            total = sum(1 for c in sim.stats.calls() if c.model)
            assert total <= 100, total  # 241 before batching, 89 now
            second = run_cycle(tenant, store, progress=at_push)
            assert second.status == "ok" and second.push["created"] == 0
            assert sim.stats.count(method="create") == 0
            assert (
                admin.search_count("helpdesk.ticket", [("description", "ilike", "svcsync finding")])
                == tickets
            )
        finally:
            store.close()
            admin.close()
