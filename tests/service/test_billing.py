"""Billing rules: positive, negative and boundary cases, one fact per case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import (
    NOW,
    Builder,
    CustomerB,
    InvoiceB,
    OrderB,
    a_customer,
    a_product,
    an_invoice,
    an_order,
    company,
)

from service.config import BillingRules, RulesConfig
from service.model import Finding, Severity
from service.rules import billing
from service.rules._common import Rule

CFG = RulesConfig()
Case = Callable[[], tuple[list[Builder], Builder]]


def subjects_found(rule: Rule, *builders: Builder, cfg: RulesConfig = CFG) -> set[int]:
    return {f.subject.id for f in rule(company(*builders), cfg, NOW, None)}


def _invoiced_order(qty: float = 5, price: float = 100.0, discount: float = 0.0) -> OrderB:
    return (
        an_order()
        .confirmed(days_ago=10)
        .promised(days_ago=8)
        .with_line(qty=qty, delivered=qty, invoiced=qty, price=price, discount=discount)
        .shipped(days_ago=8)
    )


# --------------------------------------------------------------------------- amount mismatch


def _mismatch(extra: float) -> tuple[list[Builder], Builder]:
    order = _invoiced_order()
    inv = an_invoice().for_order(order).posted(days_ago=5)
    inv.amounts(untaxed=500.0 + extra)
    return [inv], inv


AMOUNT_CASES: dict[str, tuple[Case, bool]] = {
    "ten percent above the order": (lambda: _mismatch(50.0), True),
    "below the order": (lambda: _mismatch(-20.0), True),
    "equal to the order": (lambda: _mismatch(0.0), False),
    "one cent off is within tolerance": (lambda: _mismatch(0.01), False),
    "two cents off is beyond tolerance": (lambda: _mismatch(0.02), True),
}


@pytest.mark.parametrize("case", AMOUNT_CASES, ids=list(AMOUNT_CASES))
def test_amount_mismatch(case: str) -> None:
    make, expected = AMOUNT_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.amount_mismatch, *builders)) is expected


def test_amount_mismatch_prices_invoice_lines_as_their_sale_lines() -> None:
    order = _invoiced_order(qty=4, price=100.0, discount=10.0)
    right = an_invoice().for_order(order).posted()
    wrong = an_invoice().posted().bills(order.line, qty=4, price=110.0)
    wrong.customer = order.customer
    found = subjects_found(billing.amount_mismatch, right, wrong)
    assert found == {wrong.id}
    (f,) = billing.amount_mismatch(company(wrong), CFG, NOW, None)
    assert f.evidence["order_untaxed"] == 360.0
    assert f.evidence["invoice_untaxed"] == 396.0
    assert f.money == 36.0
    assert f.severity is Severity.critical  # overcharged: the customer will call
    assert order.name in f.message and wrong.name in f.message
    assert "difference 36.00" in f.message


def test_amount_mismatch_counts_a_manual_line_the_order_does_not_justify() -> None:
    order = _invoiced_order()
    inv = an_invoice().for_order(order).extra_line(75.0).posted()
    assert subjects_found(billing.amount_mismatch, inv) == {inv.id}


def test_amount_mismatch_by_origin_only_when_the_invoice_is_the_orders_only_one() -> None:
    order = _invoiced_order(qty=2, price=50.0)
    alone = an_invoice().for_order(order, link_lines=False).amounts(untaxed=120.0).posted()
    assert subjects_found(billing.amount_mismatch, alone) == {alone.id}
    order2 = _invoiced_order(qty=2, price=50.0)
    first = an_invoice().for_order(order2, link_lines=False).amounts(untaxed=60.0).posted()
    second = an_invoice().for_order(order2, link_lines=False).amounts(untaxed=40.0).posted()
    # Two invoices of one order: the order's invoiced quantities prove nothing about either.
    assert subjects_found(billing.amount_mismatch, first, second) == set()


def test_amount_mismatch_ignores_drafts_credit_notes_and_unlinked_invoices() -> None:
    order = _invoiced_order()
    draft = an_invoice().for_order(order).amounts(untaxed=900.0).draft()
    refund = an_invoice().for_order(order).amounts(untaxed=900.0).refund()
    manual = an_invoice(order.customer).amounts(untaxed=900.0).posted()
    assert subjects_found(billing.amount_mismatch, draft, refund, manual) == set()


# --------------------------------------------------------------------------- over invoiced


def _over(
    invoiced: float, delivered: float, storable: bool = True
) -> tuple[list[Builder], Builder]:
    product = a_product() if storable else a_product().consumable()
    order = (
        an_order()
        .confirmed(days_ago=4)
        .promised(in_days=3)
        .with_line(product, qty=6, delivered=delivered, invoiced=invoiced)
    )
    return [order], order


OVER_CASES: dict[str, tuple[Case, bool]] = {
    "invoiced 6, delivered 3": (lambda: _over(6, 3), True),
    "invoiced as delivered": (lambda: _over(3, 3), False),
    "invoiced less than delivered": (lambda: _over(2, 3), False),
    "a consumable (not storable) is not judged": (lambda: _over(6, 3, storable=False), False),
}


@pytest.mark.parametrize("case", OVER_CASES, ids=list(OVER_CASES))
def test_over_invoiced(case: str) -> None:
    make, expected = OVER_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.over_invoiced, *builders)) is expected


def test_over_invoiced_tolerance_and_money() -> None:
    builders, _ = _over(4, 3)
    loose = RulesConfig(billing=BillingRules(qty_tolerance=1.0))
    assert subjects_found(billing.over_invoiced, *builders, cfg=loose) == set()
    (f,) = billing.over_invoiced(company(*builders), CFG, NOW, None)
    assert f.money == 100.0 and f.evidence["excess_qty"] == 1
    assert "invoiced 4" in f.message and "only 3 were delivered" in f.message


# --------------------------------------------------------------------------- not invoiced


def _not_invoiced(delivered_days_ago: float, invoiced: float = 0) -> tuple[list[Builder], Builder]:
    order = (
        an_order()
        .confirmed(days_ago=delivered_days_ago + 3)
        .promised(days_ago=delivered_days_ago)
        .with_line(qty=5, delivered=5, invoiced=invoiced)
        .shipped(days_ago=delivered_days_ago)
    )
    return [order], order


NOT_INVOICED_CASES: dict[str, tuple[Case, bool]] = {
    "delivered 30 days ago, nothing invoiced": (lambda: _not_invoiced(30), True),
    "delivered 14.5 days ago": (lambda: _not_invoiced(14.5), True),
    "delivered 13.5 days ago": (lambda: _not_invoiced(13.5), False),
    "delivered 30 days ago, fully invoiced": (lambda: _not_invoiced(30, invoiced=5), False),
    "delivered 30 days ago, partly invoiced": (lambda: _not_invoiced(30, invoiced=3), True),
}


@pytest.mark.parametrize("case", NOT_INVOICED_CASES, ids=list(NOT_INVOICED_CASES))
def test_not_invoiced(case: str) -> None:
    make, expected = NOT_INVOICED_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.not_invoiced, *builders)) is expected


def test_not_invoiced_counts_from_the_latest_delivery() -> None:
    order = (
        an_order()
        .confirmed(days_ago=40)
        .with_line(qty=5, delivered=5)
        .shipped(days_ago=35)
        .shipped(days_ago=3)
    )
    assert subjects_found(billing.not_invoiced, order) == set()
    (f,) = billing.not_invoiced(company(*_not_invoiced(20)[0]), CFG, NOW, None)
    assert f.evidence["days"] == 20 and f.money == 500.0


def test_not_invoiced_needs_a_delivery_date() -> None:
    order = an_order().confirmed(days_ago=40).with_line(qty=5, delivered=5)
    assert subjects_found(billing.not_invoiced, order) == set()


# --------------------------------------------------------------------------- duplicates


def _pair(
    days_apart: float,
    *,
    same_total: bool = True,
    other_customer: bool = False,
    reversed_first: bool = False,
    credited: float = 1150.0,
) -> tuple[list[Builder], Builder]:
    cust = a_customer("Deco Addict")
    first = an_invoice(cust).amounts(1000.0, 1150.0).posted(days_ago=40).with_ref("PO-1")
    later_cust = a_customer("Gemini Furniture") if other_customer else cust
    later = (
        an_invoice(later_cust)
        .amounts(1000.0, 1150.0 if same_total else 1150.5)
        .posted(days_ago=40 - days_apart)
        .with_ref("PO-1/DUP")
    )
    builders: list[Builder] = [first, later]
    if reversed_first:
        builders.append(
            an_invoice(cust).amounts(credited, credited).posted(days_ago=39).refund(first)
        )
    return builders, later


DUP_CASES: dict[str, tuple[Case, bool]] = {
    "same total 3 days later": (lambda: _pair(3), True),
    "same total on the window's last day": (lambda: _pair(30), True),
    "same total one day beyond the window": (lambda: _pair(31), False),
    "different total": (lambda: _pair(3, same_total=False), False),
    "another customer": (lambda: _pair(3, other_customer=True), False),
    "the first one was reversed by a credit note": (lambda: _pair(3, reversed_first=True), False),
    "a partial credit note on the first does not reverse it": (
        lambda: _pair(3, reversed_first=True, credited=100.0),
        True,
    ),
}


@pytest.mark.parametrize("case", DUP_CASES, ids=list(DUP_CASES))
def test_duplicate_invoice(case: str) -> None:
    make, expected = DUP_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.duplicate_invoice, *builders)) is expected


def test_duplicate_subject_is_the_later_and_contacts_count_as_their_company() -> None:
    company_ = a_customer("Deco Addict")
    contact = a_customer("Deco Addict, Billing").contact_of(company_)
    first = an_invoice(company_).amounts(200, 230).posted(days_ago=10)
    later = an_invoice(contact).amounts(200, 230).posted(days_ago=8)
    found = billing.duplicate_invoice(company(first, later), CFG, NOW, None)
    assert [f.subject.id for f in found] == [later.id]
    assert found[0].customer is not None and found[0].customer.id == company_.id
    assert first.name in found[0].message


# --------------------------------------------------------------------------- wrong partner


def _addressed(to_other: bool, other_company: bool = True) -> tuple[list[Builder], Builder]:
    order = _invoiced_order()
    inv = an_invoice().for_order(order).posted()
    if to_other:
        inv.to(
            a_customer("Ready Mat")
            if other_company
            else CustomerB("Azure, Accounting").contact_of(order.customer)
        )
    return [inv], inv


WRONG_CASES: dict[str, tuple[Case, bool]] = {
    "another company's contact": (lambda: _addressed(True), True),
    "another contact of the customer": (lambda: _addressed(True, other_company=False), True),
    "the order's invoice address": (lambda: _addressed(False), False),
}


@pytest.mark.parametrize("case", WRONG_CASES, ids=list(WRONG_CASES))
def test_wrong_partner(case: str) -> None:
    make, expected = WRONG_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.wrong_partner, *builders)) is expected


def test_wrong_partner_severity_depends_on_the_company() -> None:
    (f,) = billing.wrong_partner(company(*_addressed(True)[0]), CFG, NOW, None)
    (g,) = billing.wrong_partner(company(*_addressed(True, False)[0]), CFG, NOW, None)
    assert f.severity is Severity.critical and g.severity is Severity.warning
    assert "Ready Mat" in f.message


# --------------------------------------------------------------------------- overdue


def _overdue(due_days_ago: float, payment: str = "not_paid") -> tuple[list[Builder], Builder]:
    inv = (
        an_invoice().amounts(100, 115).posted(days_ago=due_days_ago + 30).due(days_ago=due_days_ago)
    )
    if payment == "paid":
        inv.paid()
    elif payment == "partial":
        inv.partial(40.0)
    return [inv], inv


OVERDUE_CASES: dict[str, tuple[Case, bool]] = {
    "due 65 days ago, unpaid": (lambda: _overdue(65), True),
    "due 31 days ago": (lambda: _overdue(31), True),
    "due exactly 30 days ago": (lambda: _overdue(30), False),
    "due 65 days ago, partly paid": (lambda: _overdue(65, "partial"), True),
    "due 65 days ago, paid": (lambda: _overdue(65, "paid"), False),
    "not due yet": (lambda: _overdue(-5), False),
}


@pytest.mark.parametrize("case", OVERDUE_CASES, ids=list(OVERDUE_CASES))
def test_overdue(case: str) -> None:
    make, expected = OVERDUE_CASES[case]
    builders, subject = make()
    assert (subject.id in subjects_found(billing.overdue, *builders)) is expected


def test_overdue_money_is_what_is_still_open() -> None:
    (f,) = billing.overdue(company(*_overdue(65, "partial")[0]), CFG, NOW, None)
    assert f.money == 40.0 and f.evidence["days_overdue"] == 65
    assert f.severity is Severity.critical  # more than twice the threshold


# --------------------------------------------------------------------------- refund pile-up


def _refunds(
    count: int, amount: float, invoiced: float = 10_000.0, days_ago: float = 20
) -> tuple[list[Builder], CustomerB]:
    cust = a_customer("Lumber Inc")
    builders: list[Builder] = [an_invoice(cust).amounts(invoiced, invoiced).posted(days_ago=30)]
    for _ in range(count):
        builders.append(an_invoice(cust).amounts(amount, amount).posted(days_ago=days_ago).refund())
    return builders, cust


REFUND_CASES: dict[str, tuple[Callable[[], tuple[list[Builder], CustomerB]], bool]] = {
    "four small credit notes": (lambda: _refunds(4, 10.0), True),
    "three small credit notes": (lambda: _refunds(3, 10.0), False),
    "one credit note of 25 %": (lambda: _refunds(1, 2_500.0), True),
    "one credit note of 20 % exactly": (lambda: _refunds(1, 2_000.0), False),
    "four credit notes outside the window": (lambda: _refunds(4, 10.0, days_ago=100), False),
}


@pytest.mark.parametrize("case", REFUND_CASES, ids=list(REFUND_CASES))
def test_refund_pileup(case: str) -> None:
    make, expected = REFUND_CASES[case]
    builders, cust = make()
    assert (cust.id in subjects_found(billing.refund_pileup, *builders)) is expected


def test_refund_pileup_without_invoices_counts_only() -> None:
    builders, _ = _refunds(2, 500.0, invoiced=0.0)
    assert subjects_found(billing.refund_pileup, *builders[1:]) == set()
    (f,) = billing.refund_pileup(company(*_refunds(5, 10.0)[0]), CFG, NOW, None)
    assert f.evidence["credit_notes"] == 5 and f.money == 50.0
    assert "5 credit notes" in f.message


# --------------------------------------------------------------------------- all billing rules


def test_every_finding_names_its_records_and_has_a_stable_key() -> None:
    order = _invoiced_order()
    inv = an_invoice().for_order(order).amounts(untaxed=650.0).posted()
    snap = company(inv)
    (f,) = billing.amount_mismatch(snap, CFG, NOW, None)
    (g,) = billing.amount_mismatch(company(inv), CFG, NOW, None)
    assert isinstance(f, Finding)
    assert f.key == f"billing.amount_mismatch:account.move:{inv.id}" == g.key
    assert f == g  # deterministic: the same records give the same finding
    assert f.customer is not None and f.customer.name in f.message


def test_subjects_restrict_the_decision() -> None:
    a = an_invoice().amounts(100, 115).posted(days_ago=100).due(days_ago=70)
    b = an_invoice().amounts(100, 115).posted(days_ago=100).due(days_ago=70)
    snap = company(a, b)
    assert {f.subject.id for f in billing.overdue(snap, CFG, NOW, None)} == {a.id, b.id}
    only = billing.overdue(snap, CFG, NOW, {("account.move", b.id)})
    assert [f.subject.id for f in only] == [b.id]


def test_invoice_builder_keeps_totals() -> None:
    inv = InvoiceB().amounts(10, 11.5)
    snap = company(inv)
    assert snap.invoices[inv.id].amount_total == 11.5
