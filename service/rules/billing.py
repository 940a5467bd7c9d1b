"""Billing rules: catch the invoice a customer would call about before they call.

Each rule is ``(snapshot, config, now, subjects=None) -> list[Finding]``; see
``docs/internals.md`` §2 for the catalogue these implement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from service.config import RulesConfig
from service.model import Finding, Invoice, InvoiceKind, Order, OrderLine, OrderState, Severity
from service.snapshot import EPS, CompanySnapshot, as_utc

from ._common import (
    Subjects,
    customer_ref,
    finding,
    in_scope,
    money,
    net_unit,
    plural,
    qty,
    scope_ids,
)

AMOUNT_MISMATCH = "billing.amount_mismatch"
OVER_INVOICED = "billing.over_invoiced"
NOT_INVOICED = "billing.not_invoiced"
DUPLICATE_INVOICE = "billing.duplicate_invoice"
WRONG_PARTNER = "billing.wrong_partner"
OVERDUE = "billing.overdue"
REFUND_PILEUP = "billing.refund_pileup"


def _posted_invoices(snap: CompanySnapshot, subjects: Subjects | None) -> Iterable[Invoice]:
    for inv in in_scope(snap.invoices, "account.move", subjects):
        if inv.kind is InvoiceKind.invoice and inv.posted:
            yield inv


def _order_names(snap: CompanySnapshot, order_ids: Iterable[int]) -> str:
    names = [snap.orders[o].ref.name or f"#{o}" for o in order_ids if o in snap.orders]
    return ", ".join(names)


def expected_untaxed(snap: CompanySnapshot, inv: Invoice) -> float | None:
    """What the invoice should total untaxed according to the order lines it bills.

    Through ``sale_line_ids``: each invoice line priced as its sale line (unit price and
    discount, rounded per line as Odoo does); an invoice line without a sale line adds nothing
    the order justifies.  Through ``invoice_origin`` only: the order's invoiced quantities at
    the order's prices, when this invoice is the order's only one (otherwise the order's
    invoiced quantities mix several invoices and prove nothing).
    """
    if snap.invoice_linked_by_lines(inv.ref.id):
        total = 0.0
        for line in snap.invoice_lines_of(inv.ref.id):
            sale_line = next(
                (sl for i in line.sale_line_ids if (sl := snap.order_lines.get(i)) is not None),
                None,
            )
            if sale_line is not None:
                total += round(
                    line.quantity * net_unit(sale_line.price_unit, sale_line.discount), 2
                )
        return round(total, 2)
    orders = snap.orders_of_invoice(inv.ref.id)
    if len(orders) != 1:
        return None
    (oid,) = orders
    others = [
        i
        for i in snap.invoices_of_order(oid)
        if i != inv.ref.id and (o := snap.invoices.get(i)) is not None and o.state != "cancel"
    ]
    if others:
        return None
    return round(
        sum(
            round(sl.qty_invoiced * net_unit(sl.price_unit, sl.discount), 2)
            for sl in snap.lines_of(oid)
        ),
        2,
    )


def amount_mismatch(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A posted invoice whose untaxed total differs from the order part it bills."""
    tol = cfg.billing.amount_tolerance
    out = []
    for inv in _posted_invoices(snap, subjects):
        expected = expected_untaxed(snap, inv)
        if expected is None:
            continue
        diff = round(inv.amount_untaxed - expected, 2)
        if abs(diff) <= tol + EPS:
            continue
        orders = _order_names(snap, snap.orders_of_invoice(inv.ref.id))
        cust = customer_ref(snap, inv.customer_id)
        who = f" for {cust.name}" if cust else ""
        direction = "more" if diff > 0 else "less"
        out.append(
            finding(
                AMOUNT_MISMATCH,
                inv.ref,
                # Overcharging is what makes the customer call; undercharging loses money.
                severity=Severity.critical if diff > 0 else Severity.warning,
                message=(
                    f"Invoice {inv.ref.name}{who} totals {money(inv.amount_untaxed)} untaxed "
                    f"but order {orders} invoiced lines total {money(expected)} "
                    f"(difference {money(abs(diff))}, {direction} than the order)."
                ),
                now=now,
                customer=cust,
                money_at_stake=abs(diff),
                evidence={
                    "invoice_untaxed": inv.amount_untaxed,
                    "order_untaxed": expected,
                    "difference": diff,
                    "orders": orders,
                },
            )
        )
    return out


def _confirmed_orders(snap: CompanySnapshot, subjects: Subjects | None) -> Iterable[Order]:
    for order in in_scope(snap.orders, "sale.order", subjects):
        if order.state is OrderState.confirmed:
            yield order


def _line_label(snap: CompanySnapshot, line: OrderLine) -> str:
    if line.product_id is not None:
        return snap.product_name(line.product_id)
    return line.description or f"line #{line.ref.id}"


def over_invoiced(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A confirmed order with a storable line invoiced beyond what was delivered."""
    tol = cfg.billing.qty_tolerance
    out = []
    for order in _confirmed_orders(snap, subjects):
        over = [
            (line, line.qty_invoiced - line.qty_delivered)
            for line in snap.lines_of(order.ref.id)
            if snap.storable(line.product_id) and line.qty_invoiced - line.qty_delivered > tol + EPS
        ]
        if not over:
            continue
        over.sort(key=lambda x: x[0].ref.id)
        value = sum(excess * net_unit(ln.price_unit, ln.discount) for ln, excess in over)
        first, excess = over[0]
        cust = customer_ref(snap, order.customer_id)
        who = f" for {cust.name}" if cust else ""
        more = f" ({plural(len(over), 'line')} in all)" if len(over) > 1 else ""
        out.append(
            finding(
                OVER_INVOICED,
                order.ref,
                severity=Severity.critical,
                message=(
                    f"Order {order.ref.name}{who} invoiced {qty(first.qty_invoiced)} of "
                    f"{_line_label(snap, first)} but only {qty(first.qty_delivered)} were "
                    f"delivered{more}: {money(value)} billed ahead of delivery."
                ),
                now=now,
                customer=cust,
                money_at_stake=value,
                evidence={
                    "lines": len(over),
                    "product_id": first.product_id,
                    "qty_invoiced": first.qty_invoiced,
                    "qty_delivered": first.qty_delivered,
                    "excess_qty": round(excess, 6),
                    "value": round(value, 2),
                },
            )
        )
    return out


def _delivered_at(snap: CompanySnapshot, order: Order) -> datetime | None:
    """When the order was last delivered (its newest done delivery; else ``effective_date``).

    The newest delivery makes the uninvoiced quantity look as young as it can be: an order
    that keeps shipping is not flagged for an invoice that may follow its last shipment.
    """
    done = [
        as_utc(d.date_done)
        for d in snap.deliveries_of(order.ref.id)
        if d.kind == "outgoing" and d.state == "done" and d.date_done is not None
    ]
    if done:
        return max(done)
    return as_utc(order.effective_date) if order.effective_date is not None else None


def not_invoiced(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A confirmed order delivered more than ``not_invoiced_days`` ago and not invoiced."""
    days = cfg.billing.not_invoiced_days
    tol = cfg.billing.qty_tolerance
    limit = now - timedelta(days=days)
    out = []
    for order in _confirmed_orders(snap, subjects):
        behind = [
            (line, line.qty_delivered - line.qty_invoiced)
            for line in snap.lines_of(order.ref.id)
            if line.qty_delivered - line.qty_invoiced > tol + EPS
        ]
        if not behind:
            continue
        delivered = _delivered_at(snap, order)
        if delivered is None or delivered >= limit:
            continue
        value = sum(q * net_unit(ln.price_unit, ln.discount) for ln, q in behind)
        age = (now - delivered).days
        cust = customer_ref(snap, order.customer_id)
        who = f" for {cust.name}" if cust else ""
        out.append(
            finding(
                NOT_INVOICED,
                order.ref,
                severity=Severity.warning,
                message=(
                    f"Order {order.ref.name}{who} was delivered on {delivered:%Y-%m-%d} "
                    f"({age} days ago) but {money(value)} of it is not invoiced "
                    f"({plural(len(behind), 'line')})."
                ),
                now=now,
                customer=cust,
                money_at_stake=value,
                evidence={
                    "delivered": f"{delivered:%Y-%m-%d}",
                    "days": age,
                    "age_days": age - days,
                    "lines": len(behind),
                    "value": round(value, 2),
                },
            )
        )
    return out


def _reversed(snap: CompanySnapshot, inv: Invoice) -> bool:
    """Cancelled by credit notes in full (a partial goodwill credit note does not count)."""
    if inv.payment_state == "reversed":
        return True
    credited = sum(
        r.amount_total
        for r in snap.reversals_of(inv.ref.id)
        if r.kind is InvoiceKind.refund and r.posted
    )
    return credited > 0 and credited >= inv.amount_total - 0.005


def duplicate_invoice(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """The later of two posted invoices of one customer with the same total within the window.

    An invoice that was reversed by a credit note (and so re-issued) is no duplicate.
    """
    window = cfg.billing.duplicate_window_days
    out = []
    for inv in _posted_invoices(snap, subjects):
        if inv.invoice_date is None or inv.amount_total <= 0 or _reversed(snap, inv):
            continue
        mine = (inv.invoice_date, inv.ref.id)
        earlier = [
            other
            for other in snap.invoices_with_total(snap.invoice_commercial(inv), inv.amount_total)
            if other.kind is InvoiceKind.invoice
            and other.posted
            and other.ref.id != inv.ref.id
            and other.invoice_date is not None
            and (other.invoice_date, other.ref.id) < mine
            and (inv.invoice_date - other.invoice_date).days <= window
            and not _reversed(snap, other)
        ]
        if not earlier:
            continue
        first = max(earlier, key=lambda o: (o.invoice_date, o.ref.id))
        assert first.invoice_date is not None
        gap = (inv.invoice_date - first.invoice_date).days
        cust = customer_ref(snap, inv.customer_id)
        who = f" to {cust.name}" if cust else ""
        refs = f" (refs {first.customer_ref or 'none'} and {inv.customer_ref or 'none'})"
        out.append(
            finding(
                DUPLICATE_INVOICE,
                inv.ref,
                severity=Severity.critical,
                message=(
                    f"Invoice {inv.ref.name}{who} of {money(inv.amount_total)} repeats the "
                    f"total of invoice {first.ref.name} issued {gap} days earlier{refs}."
                ),
                now=now,
                customer=cust,
                money_at_stake=inv.amount_total,
                evidence={
                    "amount_total": inv.amount_total,
                    "earlier_invoice_id": first.ref.id,
                    "earlier_invoice": first.ref.name,
                    "days_apart": gap,
                },
            )
        )
    return out


def wrong_partner(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A posted invoice addressed to another partner than its order's invoice address."""
    out = []
    for inv in _posted_invoices(snap, subjects):
        orders = [snap.orders[o] for o in snap.orders_of_invoice(inv.ref.id) if o in snap.orders]
        wrong = [
            o
            for o in orders
            if o.invoice_partner_id is not None and o.invoice_partner_id != inv.customer_id
        ]
        if not wrong:
            continue
        order = wrong[0]
        assert order.invoice_partner_id is not None
        expected = order.invoice_partner_id
        other_company = snap.commercial_of(expected) != snap.commercial_of(inv.customer_id)
        out.append(
            finding(
                WRONG_PARTNER,
                inv.ref,
                # Another company receiving the bill is worse than another contact of ours.
                severity=Severity.critical if other_company else Severity.warning,
                message=(
                    f"Invoice {inv.ref.name} is addressed to {snap.customer_name(inv.customer_id)}"
                    f" but order {order.ref.name} is to be invoiced to "
                    f"{snap.customer_name(expected)}."
                ),
                now=now,
                customer=customer_ref(snap, order.customer_id),
                money_at_stake=inv.amount_total,
                evidence={
                    "invoice_partner_id": inv.customer_id,
                    "order_invoice_partner_id": expected,
                    "order": order.ref.name,
                    "other_company": int(other_company),
                },
            )
        )
    return out


def overdue(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A posted invoice not (fully) paid more than ``overdue_days`` after its due date."""
    days = cfg.billing.overdue_days
    today = now.date()
    out = []
    for inv in _posted_invoices(snap, subjects):
        if inv.payment_state not in ("not_paid", "partial") or inv.due_date is None:
            continue
        late = (today - inv.due_date).days
        if late <= days:
            continue
        due = inv.amount_residual if inv.amount_residual > 0 else inv.amount_total
        cust = customer_ref(snap, inv.customer_id)
        who = f" for {cust.name}" if cust else ""
        part = " (partly paid)" if inv.payment_state == "partial" else ""
        out.append(
            finding(
                OVERDUE,
                inv.ref,
                severity=Severity.critical if late > 2 * days else Severity.warning,
                message=(
                    f"Invoice {inv.ref.name}{who} was due on {inv.due_date.isoformat()} "
                    f"({late} days ago) and {money(due)} is still open{part}."
                ),
                now=now,
                customer=cust,
                money_at_stake=due,
                evidence={
                    "due": inv.due_date.isoformat(),
                    "days_overdue": late,
                    "age_days": late - days,
                    "residual": round(due, 2),
                },
            )
        )
    return out


def refund_pileup(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A customer with more than ``refund_count`` credit notes, or credit notes above
    ``refund_ratio`` of what it was invoiced, within ``refund_window_days``.

    Without invoices in the window the ratio says nothing; the count still applies.
    """
    b = cfg.billing
    start = now.date() - timedelta(days=b.refund_window_days)
    if subjects is None:
        partners: Iterable[int] = {snap.invoice_commercial(i) for i in snap.invoices.values()}
    else:
        partners = scope_ids(subjects, "res.partner")
    out = []
    for cp in sorted(partners):
        recent = [
            r
            for r in snap.refunds_of_commercial(cp)
            if r.posted and r.invoice_date is not None and r.invoice_date >= start
        ]
        if not recent:
            continue  # most customers: no credit note, no need to add up their invoices
        refunds = len(recent)
        refunded = sum(r.amount_total for r in recent)
        invoiced = sum(
            inv.amount_total
            for inv in snap.invoices_of_commercial(cp)
            if inv.kind is InvoiceKind.invoice
            and inv.posted
            and inv.invoice_date is not None
            and inv.invoice_date >= start
        )
        ratio = refunded / invoiced if invoiced > 0 else None
        if not (refunds > b.refund_count or (ratio is not None and ratio > b.refund_ratio)):
            continue
        ref = customer_ref(snap, cp)
        assert ref is not None
        share = f" ({ratio:.0%} of the {money(invoiced)} invoiced)" if ratio is not None else ""
        out.append(
            finding(
                REFUND_PILEUP,
                ref,
                severity=Severity.critical,
                message=(
                    f"{ref.name} received {plural(refunds, 'credit note')} totalling "
                    f"{money(refunded)} in the last {b.refund_window_days} days{share}."
                ),
                now=now,
                customer=ref,
                money_at_stake=refunded,
                evidence={
                    "credit_notes": refunds,
                    "refunded": round(refunded, 2),
                    "invoiced": round(invoiced, 2),
                    "ratio": round(ratio, 4) if ratio is not None else None,
                    "window_days": b.refund_window_days,
                },
            )
        )
    return out
