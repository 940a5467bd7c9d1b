"""Customer quality flags, findings -> actions, and the ``[rules.*]`` config."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from builders import NOW, TENANT, a_customer, a_product, a_repair, an_invoice, an_order, company
from pydantic import ValidationError

from service.actions import (
    RULE_ACTIONS,
    TICKET,
    flags_for,
    plan,
    reorder_for,
    ticket_for,
)
from service.config import RulesConfig
from service.model import ErpRef, Finding, FlagLevel, Severity, finding_key
from service.rules import ALL_RULES, QUALITY, RULES, analyze, build
from service.rules.quality import customer_quality

ROOT = Path(__file__).resolve().parents[2]
CFG = RulesConfig()
CUST = ErpRef(tenant=TENANT, model="res.partner", id=7, name="Azure Interior")


def a_finding(
    rule: str = "orders.late",
    rid: int = 1,
    *,
    severity: Severity = Severity.warning,
    money: float = 0.0,
    age_days: float = 0.0,
    customer: ErpRef | None = CUST,
    model: str = "sale.order",
    evidence: dict[str, float | int | str | None] | None = None,
) -> Finding:
    return Finding(
        key=finding_key(rule, model, rid),
        rule=rule,
        severity=severity,
        subject=ErpRef(tenant=TENANT, model=model, id=rid, name=f"S{rid:05d}"),
        customer=customer,
        money=money,
        evidence={"age_days": age_days, **(evidence or {})},
        message=f"{rule} on {rid}",
        detected_at=NOW,
    )


# --------------------------------------------------------------------------- quality


QUALITY_CASES: dict[str, tuple[list[Finding], FlagLevel | None]] = {
    "one small fresh warning: green": ([a_finding()], None),
    "one critical problem with money: amber": (
        [a_finding(severity=Severity.critical, money=5000, age_days=10)],
        FlagLevel.amber,
    ),
    "three warnings: amber": ([a_finding(rid=i) for i in range(3)], FlagLevel.amber),
    "several old critical problems: red": (
        [a_finding(rid=i, severity=Severity.critical, money=800, age_days=40) for i in range(3)],
        FlagLevel.red,
    ),
    "findings without a customer do not count": (
        [a_finding(rid=i, severity=Severity.critical, customer=None) for i in range(5)],
        None,
    ),
}


@pytest.mark.parametrize("case", QUALITY_CASES, ids=list(QUALITY_CASES))
def test_customer_quality_levels(case: str) -> None:
    findings, level = QUALITY_CASES[case]
    out = customer_quality(company(), CFG, NOW, findings)
    if level is None:
        assert out == []
        return
    (q,) = out
    assert q.key == f"quality.customer:res.partner:{CUST.id}"
    assert q.evidence["level"] == level.value
    assert q.severity is (Severity.critical if level is FlagLevel.red else Severity.warning)
    assert "Azure Interior has" in q.message


def test_quality_weighs_age_and_money_monotonically() -> None:
    base = [a_finding(rid=i, severity=Severity.critical, money=100) for i in range(2)]
    older = [f.model_copy(update={"evidence": {"age_days": 60}}) for f in base]
    richer = [f.model_copy(update={"money": 50_000}) for f in base]
    score = lambda fs: customer_quality(company(), CFG, NOW, fs)[0].evidence["score"]  # noqa: E731
    assert score(older) > score(base) and score(richer) > score(base)
    # Age also counts from the first detection (kept by the caller across runs).
    seen_long_ago = [f.model_copy(update={"detected_at": NOW - timedelta(days=60)}) for f in base]
    assert score(seen_long_ago) == score(older)


def test_analyze_derives_quality_for_the_customers_of_the_findings() -> None:
    azure = a_customer("Azure Interior")
    invoices = [
        an_invoice(azure).amounts(900 + i, 1000 + i).posted(days_ago=120).due(days_ago=90)
        for i in range(3)
    ]
    found = analyze(company(*invoices), CFG, NOW)
    assert {f.rule for f in found} == {"billing.overdue", QUALITY}
    (q,) = [f for f in found if f.rule == QUALITY]
    assert q.subject.id == azure.id and q.evidence["findings"] == 3


def test_incremental_quality_uses_stored_findings_out_of_scope() -> None:
    azure = a_customer("Azure Interior")
    invs = [
        an_invoice(azure).amounts(900 + i, 1000 + i).posted(days_ago=120).due(days_ago=90)
        for i in range(3)
    ]
    snap = company(*invs)
    full = analyze(snap, CFG, NOW)
    scope = {("account.move", invs[0].id), ("res.partner", azure.id)}
    partial = analyze(snap, CFG, NOW, subjects=scope, open_findings=full)
    assert [f for f in full if f.rule == QUALITY] == [f for f in partial if f.rule == QUALITY]
    alone = analyze(snap, CFG, NOW, subjects=scope)  # without the others: a weaker flag
    assert [f.evidence["findings"] for f in alone if f.rule == QUALITY] in ([], [1])


def test_rules_filter_and_the_catalogue() -> None:
    assert set(ALL_RULES) == set(RULE_ACTIONS)
    assert len(RULES) == 13
    late = an_order().confirmed(days_ago=9).promised(days_ago=2).with_line(qty=1)
    only = analyze(company(late), CFG, NOW, rules={"orders.stuck"})
    assert only == []
    assert [f.rule for f in analyze(company(late), CFG, NOW, rules={"orders.late"})] == [
        "orders.late"
    ]


# --------------------------------------------------------------------------- actions


def test_ticket_for_a_finding() -> None:
    f = a_finding("billing.amount_mismatch", 12, model="account.move", severity=Severity.critical)
    t = ticket_for(f)
    assert t.finding_key == f.key and t.priority == 3
    assert t.title == "Invoice total differs from its order: S00012"
    assert t.description == f.message and t.customer == CUST


def test_plan_follows_the_catalogue_action_column() -> None:
    pump = a_product("Pump", "P-1").sold_by(min_qty=5).on_hand(1)
    seal = a_product("Seal").sold_by().on_hand(0)
    unservable = an_order().confirmed(days_ago=1).promised(in_days=3).with_line(pump, qty=4)
    stuck = an_order().confirmed(days_ago=9).promised(in_days=3).with_line(qty=1)
    rep = a_repair().needs(seal, 2)
    late = an_order().confirmed(days_ago=9).promised(days_ago=2).with_line(qty=1)
    found = analyze(company(unservable, stuck, rep, late), CFG, NOW)
    p = plan(found)
    tickets = {t.finding_key.split(":")[0]: t for t in p.tickets}
    # The default product has no vendor: its reorder is a ticket saying so, not an RFQ line.
    assert set(tickets) == {"orders.late", "inventory.reorder"}
    assert tickets["inventory.reorder"].title.startswith("No supplier set: ")
    assert all(r.vendor_id is not None for r in p.reorders)
    assert [f.rule for f in p.activities] == ["orders.stuck"]
    by_product = {r.product.id: r for r in p.reorders}
    # The pump's own reorder (its position counts the order) covers the order's shortfall.
    assert by_product[pump.id].finding_key.startswith("inventory.reorder:")
    assert by_product[pump.id].quantity >= 5 and not by_product[pump.id].urgent
    assert any(f.rule == "orders.unservable" for f in found)
    assert by_product[seal.id].urgent and by_product[seal.id].quantity == 2
    assert by_product[seal.id].vendor_name == "Pioneer Supplies"
    flagged = {(q.subject.model, q.subject.id): q.level for q in p.flags}
    assert flagged[("sale.order", late.id)] is FlagLevel.red
    assert flagged[("sale.order", stuck.id)] is FlagLevel.amber
    assert ("repair.order", rep.id) not in flagged  # repairs carry no flag in Odoo
    assert flagged[("res.partner", rep.customer.id)] is FlagLevel.red
    assert plan(found) == p  # deterministic


def test_a_product_is_not_ordered_twice() -> None:
    reorder = a_finding(
        "inventory.reorder",
        5,
        model="product.product",
        customer=None,
        evidence={"product_id": 5, "quantity": 50, "vendor_id": 9},
    )
    parts = a_finding(
        "repairs.parts_missing",
        8,
        model="repair.order",
        evidence={"product_id": 5, "quantity": 10, "vendor_id": 9},
    )
    big = parts.model_copy(update={"evidence": {**parts.evidence, "quantity": 80}})
    p = plan([reorder, parts])
    assert [(r.finding_key, r.urgent) for r in p.reorders] == [(reorder.key, True)]
    assert len(plan([reorder, big]).reorders) == 2


def test_a_reorder_without_a_vendor_becomes_a_ticket_saying_so() -> None:
    parts = a_finding(
        "repairs.parts_missing",
        8,
        model="repair.order",
        evidence={"product_id": 5, "quantity": 2, "product_name": "Seal"},
    )
    p = plan([parts])
    assert p.reorders == []
    (t,) = p.tickets
    assert t.finding_key == parts.key and t.title == "No supplier set: Seal"
    assert "No supplier is set for Seal" in t.description and "add a vendor" in t.description
    assert t.subject == parts.subject and t.customer == parts.customer
    assert [q.subject.model for q in p.flags] == ["res.partner"]  # the flag still shows


def test_flag_level_is_the_worst_open_finding_and_quality_names_its_own() -> None:
    late = a_finding("orders.late", 3, severity=Severity.critical)
    stuck = a_finding("orders.stuck", 4, severity=Severity.warning)
    quality = a_finding(
        "quality.customer",
        CUST.id,
        model="res.partner",
        severity=Severity.warning,
        customer=None,
        evidence={"level": "red"},
    )
    flags = {(q.subject.model, q.subject.id): q for q in plan([stuck, late]).flags}
    assert flags[("res.partner", CUST.id)].level is FlagLevel.red  # worst of amber and red
    assert flags[("sale.order", 4)].level is FlagLevel.amber
    assert set(flags[("res.partner", CUST.id)].finding_keys) == {late.key, stuck.key}
    alone = {(q.subject.model, q.subject.id): q for q in plan([stuck, quality]).flags}
    assert alone[("res.partner", CUST.id)].level is FlagLevel.red  # evidence level, not severity
    only = plan([late], flag_models={"sale.order"}).flags
    assert [q.subject.model for q in only] == ["sale.order"]


def test_reorder_needs_product_and_positive_quantity() -> None:
    assert reorder_for(a_finding("orders.unservable", evidence={"quantity": 3})) is None
    none = a_finding("orders.unservable", evidence={"product_id": 4, "quantity": 0})
    assert reorder_for(none) is None
    r = reorder_for(
        a_finding(
            "orders.unservable",
            evidence={"product_id": 4, "quantity": 3, "product_name": "Pump", "price_unit": 7},
        )
    )
    assert r is not None and r.product.name == "Pump" and r.price_unit == 7 and r.vendor_id is None


def test_flags_take_the_worst_level_and_skip_rules_without_flags() -> None:
    a = a_finding("orders.late", 1, severity=Severity.warning)
    b = a_finding("billing.overdue", 2, model="account.move", severity=Severity.critical)
    c = a_finding("inventory.overstock", 3, model="product.product", customer=None)
    flags = flags_for([a, b, c])
    partner = next(q for q in flags if q.subject.model == "res.partner")
    assert partner.level is FlagLevel.red and set(partner.finding_keys) == {a.key, b.key}
    assert all(q.subject.model != "product.product" for q in flags)
    assert TICKET in RULE_ACTIONS["inventory.overstock"]


# --------------------------------------------------------------------------- config


def test_defaults_are_the_catalogue_defaults() -> None:
    b, o, i = CFG.billing, CFG.orders, CFG.inventory
    assert (b.amount_tolerance, b.not_invoiced_days, b.duplicate_window_days) == (0.01, 14, 30)
    assert (b.overdue_days, b.refund_count, b.refund_ratio, b.refund_window_days) == (
        30,
        3,
        0.2,
        90,
    )
    assert o.stuck_days == 7
    assert (i.service_level, i.holding_rate, i.overstock_days, i.overstock_min_money) == (
        0.95,
        0.25,
        180,
        50.0,
    )
    for section in (CFG.billing, CFG.orders, CFG.repairs, CFG.inventory, CFG.quality):
        for name, info in type(section).model_fields.items():
            assert info.description, f"{type(section).__name__}.{name} has no description"


def test_example_config_rules_validate() -> None:
    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    cfg = RulesConfig.model_validate(data.get("rules", {}))
    assert cfg.billing.overdue_days == 30


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"billing": {"overdue_dayz": 3}}, "overdue_dayz"),
        ({"inventory": {"service_level": 1.0}}, "service_level"),
        ({"inventory": {"demand_window_days": 14, "period_days": 10}}, "two periods"),
        ({"quality": {"amber_score": 10, "red_score": 5}}, "red_score"),
    ],
)
def test_bad_config_names_the_key(data: dict[str, dict[str, float]], where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        RulesConfig.model_validate(data)


def test_build_takes_the_rules_section_svcsync_loads() -> None:
    from svcsync.settings import Settings

    section = Settings.model_fields["rules"].annotation
    assert section is not None
    rules = build(section.model_validate({"billing": {"overdue_days": 100}}))
    inv = an_invoice().amounts(1, 1).posted(days_ago=120).due(days_ago=90)
    assert rules(company(inv), NOW) == []
    assert "billing.overdue" in [f.rule for f in build()(company(inv), NOW)]
