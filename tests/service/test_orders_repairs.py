"""Order and repair rules: late, stuck, unservable, parts missing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import NOW, Builder, a_product, a_repair, an_order, company

from service.config import OrderRules, RulesConfig
from service.model import DeliveryState, Severity
from service.rules import orders, repairs
from service.rules._common import Rule

CFG = RulesConfig()
Case = Callable[[], tuple[list[Builder], Builder]]


def found(rule: Rule, *builders: Builder, cfg: RulesConfig = CFG) -> set[int]:
    return {f.subject.id for f in rule(company(*builders), cfg, NOW, None)}


def check(rule: Rule, cases: dict[str, tuple[Case, bool]], case: str) -> None:
    make, expected = cases[case]
    builders, subject = make()
    assert (subject.id in found(rule, *builders)) is expected


# --------------------------------------------------------------------------- late


def _late(
    promised_days_ago: float | None,
    delivered: float = 0,
    *,
    expected_days_ago: float | None = None,
    storable: bool = True,
    state: str = "confirmed",
) -> tuple[list[Builder], Builder]:
    product = a_product() if storable else a_product().consumable()
    order = an_order().confirmed(days_ago=20).with_line(product, qty=4, delivered=delivered)
    if promised_days_ago is not None:
        order.promised(days_ago=promised_days_ago)
    if expected_days_ago is not None:
        order.expected_on(days_ago=expected_days_ago)
    if state == "draft":
        order.draft()
    elif state == "cancelled":
        order.cancelled()
    return [order], order


LATE_CASES: dict[str, tuple[Case, bool]] = {
    "promised 6 days ago, nothing delivered": (lambda: _late(6), True),
    "promised 6 days ago, half delivered": (lambda: _late(6, delivered=2), True),
    "promised 6 days ago, all delivered": (lambda: _late(6, delivered=4), False),
    "promised one hour ago": (lambda: _late(1 / 24), True),
    "promised in one hour": (lambda: _late(-1 / 24), False),
    "no commitment, expected date passed": (lambda: _late(None, expected_days_ago=2), True),
    "commitment ahead wins over a passed expected date": (
        lambda: _late(-3, expected_days_ago=2),
        False,
    ),
    "a consumable line carries no delivery promise": (lambda: _late(6, storable=False), False),
    "a quotation is not late": (lambda: _late(6, state="draft"), False),
    "a cancelled order is not late": (lambda: _late(6, state="cancelled"), False),
}


@pytest.mark.parametrize("case", LATE_CASES, ids=list(LATE_CASES))
def test_late(case: str) -> None:
    check(orders.late, LATE_CASES, case)


def test_late_evidence_and_sentence() -> None:
    builders, order = _late(6, delivered=1)
    (f,) = orders.late(company(*builders), CFG, NOW, None)
    assert f.severity is Severity.critical
    assert f.evidence["days_late"] == 6 and f.evidence["open_qty"] == 3
    assert f.money == 300.0
    assert f.message.startswith(f"Order {order.name} for Azure Interior was promised for ")
    assert "3 of 4 units" in f.message


# --------------------------------------------------------------------------- stuck


def _stuck(
    confirmed_days_ago: float,
    *,
    promised_in: float = 10,
    delivered: float = 0,
    picking: DeliveryState | None = None,
) -> tuple[list[Builder], Builder]:
    order = (
        an_order()
        .confirmed(days_ago=confirmed_days_ago)
        .promised(in_days=promised_in)
        .with_line(qty=4, delivered=delivered)
    )
    if picking is not None:
        order.shipped(days_ago=1, state=picking)
    return [order], order


STUCK_CASES: dict[str, tuple[Case, bool]] = {
    "confirmed 10 days ago, nothing moved": (lambda: _stuck(10), True),
    "confirmed 7.5 days ago": (lambda: _stuck(7.5), True),
    "confirmed 6.5 days ago": (lambda: _stuck(6.5), False),
    "something delivered": (lambda: _stuck(10, delivered=1), False),
    "a done delivery": (lambda: _stuck(10, picking=DeliveryState.done), False),
    "a delivery waiting is no progress": (lambda: _stuck(10, picking=DeliveryState.waiting), True),
    "already late: orders.late tells": (lambda: _stuck(10, promised_in=-1), False),
}


@pytest.mark.parametrize("case", STUCK_CASES, ids=list(STUCK_CASES))
def test_stuck(case: str) -> None:
    check(orders.stuck, STUCK_CASES, case)


def test_stuck_days_from_config() -> None:
    builders, _ = _stuck(10)
    patient = RulesConfig(orders=OrderRules(stuck_days=12))
    assert found(orders.stuck, *builders, cfg=patient) == set()
    (f,) = orders.stuck(company(*builders), CFG, NOW, None)
    assert f.severity is Severity.warning and f.evidence["days"] == 10


# --------------------------------------------------------------------------- unservable


def _unservable(
    on_hand: float,
    need: float = 10,
    *,
    receipt: float = 0,
    receipt_in: float = 3,
    earlier_need: float = 0,
) -> tuple[list[Builder], Builder]:
    product = a_product("Compressor C-20", "C-20").sold_by(min_qty=5).on_hand(on_hand)
    if receipt:
        product.receipt(receipt, in_days=receipt_in)
    order = an_order().confirmed(days_ago=1).promised(in_days=5).with_line(product, qty=need)
    builders: list[Builder] = [order]
    if earlier_need:
        builders.append(
            an_order()
            .confirmed(days_ago=2)
            .promised(in_days=2)
            .with_line(product, qty=earlier_need)
        )
    return builders, order


UNSERVABLE_CASES: dict[str, tuple[Case, bool]] = {
    "4 on hand for 10": (lambda: _unservable(4), True),
    "10 on hand for 10": (lambda: _unservable(10), False),
    "4 on hand and 6 arriving before the promise": (lambda: _unservable(4, receipt=6), False),
    "4 on hand and 6 arriving after the promise": (
        lambda: _unservable(4, receipt=6, receipt_in=9),
        True,
    ),
    "10 on hand but 5 promised earlier to another order": (
        lambda: _unservable(10, earlier_need=5),
        True,
    ),
}


@pytest.mark.parametrize("case", UNSERVABLE_CASES, ids=list(UNSERVABLE_CASES))
def test_unservable(case: str) -> None:
    check(orders.unservable, UNSERVABLE_CASES, case)


def test_unservable_first_promised_first_served() -> None:
    product = a_product().on_hand(10)
    early = an_order().confirmed(days_ago=2).promised(in_days=2).with_line(product, qty=8)
    late = an_order().confirmed(days_ago=1).promised(in_days=6).with_line(product, qty=8)
    assert found(orders.unservable, early, late) == {late.id}


def test_unservable_carries_the_reorder_for_the_rfq() -> None:
    builders, _ = _unservable(4)
    (f,) = orders.unservable(company(*builders), CFG, NOW, None)
    ev = f.evidence
    assert isinstance(ev["product_id"], int) and isinstance(ev["vendor_id"], int)
    assert ev["short"] == 6 and ev["quantity"] == 6  # above the vendor minimum of 5
    assert ev["vendor_name"] == "Pioneer Supplies"
    assert "[C-20] Compressor C-20" in f.message and "short 6" in f.message
    builders, _ = _unservable(8)
    (g,) = orders.unservable(company(*builders), CFG, NOW, None)
    assert g.evidence["quantity"] == 5  # raised to the vendor minimum


# --------------------------------------------------------------------------- repairs


def _repair(
    on_hand: float,
    need: float = 2,
    *,
    state: str = "confirmed",
    part_state: str = "confirmed",
    storable: bool = True,
    receipt: float = 0,
) -> tuple[list[Builder], Builder]:
    part = a_product("Seal kit", "SK-1").costing(12.5).sold_by(lead_days=10).on_hand(on_hand)
    if not storable:
        part.consumable()
    if receipt:
        part.receipt(receipt, in_days=3)
    rep = a_repair().needs(part, need, state=part_state).in_state(state)
    return [rep], rep


PARTS_CASES: dict[str, tuple[Case, bool]] = {
    "no part on hand": (lambda: _repair(0), True),
    "one of two on hand": (lambda: _repair(1), True),
    "two of two on hand": (lambda: _repair(2), False),
    "a receipt in 3 days does not repair today": (lambda: _repair(0, receipt=5), True),
    "a done repair waits for nothing": (lambda: _repair(0, state="done"), False),
    "a cancelled repair waits for nothing": (lambda: _repair(0, state="cancel"), False),
    "the part was consumed already": (lambda: _repair(0, part_state="done"), False),
    "a consumable part is not judged": (lambda: _repair(0, storable=False), False),
    "a draft repair is open": (lambda: _repair(0, state="draft"), True),
}


@pytest.mark.parametrize("case", PARTS_CASES, ids=list(PARTS_CASES))
def test_parts_missing(case: str) -> None:
    check(repairs.parts_missing, PARTS_CASES, case)


def test_parts_missing_is_urgent_and_names_the_customer() -> None:
    builders, rep = _repair(0, need=3)
    (f,) = repairs.parts_missing(company(*builders), CFG, NOW, None)
    assert f.severity is Severity.critical
    assert f.customer is not None and f.customer.name == "Azure Interior"
    assert f.evidence["urgent"] == 1 and f.evidence["quantity"] == 3
    assert f.money == 37.5
    assert f"Repair {rep.name} for Azure Interior needs 3 x [SK-1] Seal kit" in f.message


def test_parts_compete_with_orders_promised_earlier() -> None:
    part = a_product("Seal kit").on_hand(3)
    order = an_order().confirmed(days_ago=3).promised(days_ago=1).with_line(part, qty=2)
    rep = a_repair().needs(part, 2).scheduled(in_days=1)
    assert found(repairs.parts_missing, order, rep) == {rep.id}
    later = an_order().confirmed(days_ago=1).promised(in_days=9).with_line(part, qty=2)
    rep2 = a_repair().needs(part, 2).scheduled(in_days=1)
    assert found(repairs.parts_missing, later, rep2) == set()
