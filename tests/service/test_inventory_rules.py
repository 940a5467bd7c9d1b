"""Inventory rules on a company: reorder below the computed point, overstock as money."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import NOW, Builder, ProductB, a_product, a_repair, an_order, company

from service.config import InventoryRules, RulesConfig
from service.model import Severity
from service.rules import inventory

CFG = RulesConfig()


def weekly(qty: float, weeks: int = 26) -> list[tuple[float, float]]:
    """``qty`` sold every week over ``weeks`` weeks (the newest 3 days ago)."""
    return [(3 + 7 * w, qty) for w in range(weeks)]


def found(rule: Callable[..., list], *builders: Builder, cfg: RulesConfig = CFG) -> set[int]:  # type: ignore[type-arg]
    return {f.subject.id for f in rule(company(*builders), cfg, NOW, None)}


def best_seller(on_hand: float, *, lead: float = 14, weekly_qty: float = 14) -> ProductB:
    # 2/day steady demand: over 14 days of lead time ROP = 28 (sigma 0: no safety stock).
    return (
        a_product("Pump P-100", "P-100")
        .costing(20)
        .sold_by(lead_days=lead, min_qty=10)
        .sales(weekly(weekly_qty))
        .on_hand(on_hand)
    )


REORDER_CASES: dict[str, tuple[Callable[[], ProductB], bool]] = {
    "5 on hand, reorder point 28": (lambda: best_seller(5), True),
    "27 on hand": (lambda: best_seller(27), True),
    "28 on hand: at the point": (lambda: best_seller(28), False),
    "60 on hand": (lambda: best_seller(60), False),
    "5 on hand but 40 arriving": (lambda: best_seller(5).receipt(40, in_days=3), False),
    "40 on hand but 30 going out": (lambda: best_seller(40).outgoing(30), True),
    "no demand, nothing on hand": (lambda: a_product().sold_by(), False),
    "a consumable is not stocked": (lambda: best_seller(0).consumable(), False),
}


@pytest.mark.parametrize("case", REORDER_CASES, ids=list(REORDER_CASES))
def test_reorder(case: str) -> None:
    make, expected = REORDER_CASES[case]
    product = make()
    assert (product.id in found(inventory.reorder, product)) is expected


def test_reorder_explains_itself_and_carries_the_rfq_line() -> None:
    product = best_seller(5)
    (f,) = inventory.reorder(company(product), CFG, NOW, None)
    ev = f.evidence
    assert ev["demand_method"] == "mean" and ev["demand_per_day"] == 2.0
    assert ev["lead_time_days"] == 14 and ev["lead_time_source"] == "supplier"
    assert ev["reorder_point"] == 28.0 and ev["safety_stock"] == 0.0 and ev["z"] == 1.6449
    # EOQ: D = 730/year, S = 50, H = 0.25 * 20 = 5 -> 120.8; at least 28 - 5 = 23.
    assert ev["eoq"] == 120.83 and ev["quantity"] == 121
    assert ev["product_id"] == product.id and isinstance(ev["vendor_id"], int)
    assert ev["position"] == 5
    assert "[P-100] Pump P-100: forecast position 5 is below the reorder point 28" in f.message
    assert f.severity is Severity.warning
    assert f.money == 121 * 80.0  # at the vendor's price


def test_reorder_safety_stock_grows_with_service_level() -> None:
    sales = [(3 + 7 * w, 20.0 if w % 2 else 8.0) for w in range(26)]
    product = a_product().costing(20).sold_by(lead_days=14).sales(sales).on_hand(31)
    low = RulesConfig(inventory=InventoryRules(service_level=0.6))
    high = RulesConfig(inventory=InventoryRules(service_level=0.99))
    assert found(inventory.reorder, product, cfg=low) == set()
    (f,) = inventory.reorder(company(product), high, NOW, None)
    assert isinstance(f.evidence["safety_stock"], float) and f.evidence["safety_stock"] > 15


def test_reorder_counts_repair_parts_as_demand_and_intermittent_uses_sba() -> None:
    part = a_product("Seal kit", "SK-1").costing(5).sold_by(lead_days=21).on_hand(1)
    repairs = [
        a_repair().needs(part, 4, state="done").scheduled(days_ago=3 + 28 * i).in_state("done")
        for i in range(6)
    ]
    (f,) = inventory.reorder(company(part, *repairs), CFG, NOW, None)
    assert f.evidence["demand_method"] == "croston-sba"
    assert f.evidence["lead_time_days"] == 21


def test_measured_receipts_lengthen_the_lead_time() -> None:
    product = best_seller(35)
    assert found(inventory.reorder, product) == set()
    for i in range(5):
        product.received(10, planned_days_ago=60 + 10 * i, late_days=7)
    (f,) = inventory.reorder(company(product), CFG, NOW, None)
    assert f.evidence["lead_time_source"] == "measured" and f.evidence["lead_time_days"] == 21


def test_orderpoint_minimum_and_multiple_apply() -> None:
    product = best_seller(30).orderpoint(min_qty=40, max_qty=80, multiple=25)
    (f,) = inventory.reorder(company(product), CFG, NOW, None)
    assert f.evidence["reorder_point"] == 40 and f.evidence["quantity"] == 125


# --------------------------------------------------------------------------- overstock


def dear(on_hand: float, weekly_qty: float = 1.0, cost: float = 1000.0) -> ProductB:
    return (
        a_product("Compressor C-900", "C-900")
        .costing(cost)
        .sold_by()
        .sales(weekly(weekly_qty))
        .on_hand(on_hand)
    )


OVERSTOCK_CASES: dict[str, tuple[Callable[[], ProductB], bool]] = {
    # 1/week = 1/7 per day: 180 days of cover = 25.7 units.
    "100 on hand: 74 units beyond cover": (lambda: dear(100), True),
    "25 on hand: within cover": (lambda: dear(25), False),
    "28 on hand: 2.3 beyond, 48 per month": (lambda: dear(28), False),
    "29 on hand: 3.3 beyond, 69 per month": (lambda: dear(29), True),
    "cheap goods beyond cover": (lambda: dear(100, cost=1.0), False),
    "no demand at all: everything is beyond cover": (lambda: dear(10, weekly_qty=0), True),
}


@pytest.mark.parametrize("case", OVERSTOCK_CASES, ids=list(OVERSTOCK_CASES))
def test_overstock(case: str) -> None:
    make, expected = OVERSTOCK_CASES[case]
    product = make()
    assert (product.id in found(inventory.overstock_rule, product)) is expected


def test_overstock_money_per_month() -> None:
    product = dear(100)
    (f,) = inventory.overstock_rule(company(product), CFG, NOW, None)
    beyond = 100 - 180 / 7
    assert f.evidence["excess_qty"] == pytest.approx(beyond, abs=1e-3)
    assert f.money == pytest.approx(beyond * 1000 * 0.25 / 12, abs=0.01)
    assert "per month to hold" in f.message and "[C-900]" in f.message
    tolerant = RulesConfig(inventory=InventoryRules(overstock_min_money=f.money + 1))
    assert found(inventory.overstock_rule, product, cfg=tolerant) == set()


def test_open_orders_reduce_the_overstock() -> None:
    product = dear(100)
    big = an_order().confirmed(days_ago=1).promised(in_days=5).with_line(product, qty=80)
    product.outgoing(80)
    assert product.id not in found(inventory.overstock_rule, product, big)
