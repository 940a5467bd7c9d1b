"""Order rules: late, stuck and unservable sale orders (``docs/internals.md`` §2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from service.config import RulesConfig
from service.inventory import round_order
from service.model import Finding, Order, OrderLine, OrderState, Severity
from service.snapshot import EPS, CompanySnapshot, as_utc

from ._common import Subjects, customer_ref, finding, in_scope, money, net_unit, plural, qty

LATE = "orders.late"
STUCK = "orders.stuck"
UNSERVABLE = "orders.unservable"


def _open_lines(snap: CompanySnapshot, order: Order) -> list[OrderLine]:
    """Storable lines still to deliver (services and consumables carry no delivery promise
    the stock can break)."""
    return sorted(
        (
            ln
            for ln in snap.lines_of(order.ref.id)
            if snap.storable(ln.product_id) and ln.qty_ordered - ln.qty_delivered > EPS
        ),
        key=lambda ln: ln.ref.id,
    )


def _confirmed(snap: CompanySnapshot, subjects: Subjects | None) -> Iterable[Order]:
    for order in in_scope(snap.orders, "sale.order", subjects):
        if order.state is OrderState.confirmed:
            yield order


def _open_value(lines: Iterable[OrderLine]) -> float:
    return sum(
        (ln.qty_ordered - ln.qty_delivered) * net_unit(ln.price_unit, ln.discount) for ln in lines
    )


def late(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A confirmed order past its promised date (``commitment_date``, else ``expected_date``)
    and not fully delivered."""
    now = as_utc(now)
    out = []
    for order in _confirmed(snap, subjects):
        if order.promised_date is None:
            continue
        promised = as_utc(order.promised_date)
        if promised >= now:
            continue
        lines = _open_lines(snap, order)
        if not lines:
            continue
        days = (now - promised).days
        ordered = sum(ln.qty_ordered for ln in lines)
        missing = sum(ln.qty_ordered - ln.qty_delivered for ln in lines)
        value = _open_value(lines)
        cust = customer_ref(snap, order.customer_id)
        who = f" for {cust.name}" if cust else ""
        out.append(
            finding(
                LATE,
                order.ref,
                severity=Severity.critical,
                message=(
                    f"Order {order.ref.name}{who} was promised for {promised:%Y-%m-%d} "
                    f"({plural(days, 'day')} ago) and {qty(missing)} of {qty(ordered)} units "
                    f"are still to deliver ({money(value)})."
                ),
                now=now,
                customer=cust,
                money_at_stake=value,
                evidence={
                    "promised": f"{promised:%Y-%m-%d}",
                    "days_late": days,
                    "age_days": days,
                    "open_qty": round(missing, 6),
                    "lines": len(lines),
                },
            )
        )
    return out


def stuck(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A confirmed order older than ``stuck_days`` with no delivery progress at all (no done
    delivery, nothing delivered), that is not (yet) late."""
    now = as_utc(now)
    days = cfg.orders.stuck_days
    limit = now - timedelta(days=days)
    out = []
    for order in _confirmed(snap, subjects):
        confirmed = as_utc(order.date_order)
        if confirmed >= limit:
            continue
        if order.promised_date is not None and as_utc(order.promised_date) < now:
            continue  # late: ``orders.late`` tells
        lines = _open_lines(snap, order)
        if not lines:
            continue
        if any(ln.qty_delivered > EPS for ln in snap.lines_of(order.ref.id)):
            continue
        if any(
            d.kind == "outgoing" and d.state == "done" for d in snap.deliveries_of(order.ref.id)
        ):
            continue
        age = (now - confirmed).days
        value = _open_value(lines)
        cust = customer_ref(snap, order.customer_id)
        who = f" for {cust.name}" if cust else ""
        promise = (
            f"; it is promised for {as_utc(order.promised_date):%Y-%m-%d}"
            if order.promised_date is not None
            else ""
        )
        out.append(
            finding(
                STUCK,
                order.ref,
                severity=Severity.warning,
                message=(
                    f"Order {order.ref.name}{who} was confirmed on {confirmed:%Y-%m-%d} "
                    f"({age} days ago) and nothing of its {money(value)} has been delivered "
                    f"yet{promise}."
                ),
                now=now,
                customer=cust,
                money_at_stake=value,
                evidence={
                    "confirmed": f"{confirmed:%Y-%m-%d}",
                    "days": age,
                    "age_days": age - days,
                    "lines": len(lines),
                },
            )
        )
    return out


def reorder_terms(
    snap: CompanySnapshot, product_id: int, short: float, *, minimum: float = 0.0
) -> dict[str, float | int | str | None]:
    """Evidence a reorder finding carries for the RFQ line (``docs/internals.md`` §7):
    product, quantity rounded to the vendor's minimum and the orderpoint's multiple, vendor."""
    vendor = snap.supplier(product_id)
    op = snap.orderpoint_of(product_id)
    quantity = round_order(
        max(short, minimum),
        vendor.min_qty if vendor is not None else 0.0,
        op.multiple if op is not None else 0.0,
    )
    out: dict[str, float | int | str | None] = {
        "product_id": product_id,
        "product_name": snap.product_name(product_id),
        "quantity": quantity,
    }
    if vendor is not None:
        out["vendor_id"] = vendor.vendor_id
        out["vendor_name"] = vendor.vendor_name or snap.customer_name(vendor.vendor_id)
        out["price_unit"] = vendor.price
    return out


def _from_vendor(terms: dict[str, float | int | str | None]) -> str:
    name = terms.get("vendor_name")
    return f" from {name}" if name else " (no vendor on the product)"


def unservable(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A confirmed, undelivered order some storable line of which cannot be served by its
    promised date: stock on hand plus receipts due by then, after the open needs promised
    earlier (first promised, first served), is below the line's open quantity."""
    now = as_utc(now)
    out = []
    for order in _confirmed(snap, subjects):
        promised = as_utc(order.promised_date or order.date_order)
        subject = ("sale.order", order.ref.id)
        shortages = []
        for ln in _open_lines(snap, order):
            assert ln.product_id is not None
            need = ln.qty_ordered - ln.qty_delivered
            ahead = snap.demand_ahead(ln.product_id, subject, ln.ref.id)
            available = (
                snap.on_hand_of(ln.product_id) + snap.incoming_by(ln.product_id, promised) - ahead
            )
            short = need - max(0.0, available)
            if short > EPS:
                shortages.append((ln, need, max(0.0, available), short))
        if not shortages:
            continue
        # The line short of the most money leads (one product per reorder line).
        ln, need, available, short = max(
            shortages, key=lambda s: (s[3] * net_unit(s[0].price_unit, s[0].discount), -s[0].ref.id)
        )
        assert ln.product_id is not None
        value = sum(s[3] * net_unit(s[0].price_unit, s[0].discount) for s in shortages)
        terms = reorder_terms(snap, ln.product_id, short)
        cust = customer_ref(snap, order.customer_id)
        who = f" for {cust.name}" if cust else ""
        more = f" ({plural(len(shortages), 'product')} short in all)" if len(shortages) > 1 else ""
        out.append(
            finding(
                UNSERVABLE,
                order.ref,
                severity=Severity.warning,
                message=(
                    f"Order {order.ref.name}{who} needs {qty(need)} x "
                    f"{snap.product_name(ln.product_id)} by {promised:%Y-%m-%d} but only "
                    f"{qty(available)} can be served from stock and receipts due by then "
                    f"(short {qty(short)}){more}; reorder {qty(float(terms['quantity'] or 0))}"
                    f"{_from_vendor(terms)}."
                ),
                now=now,
                customer=cust,
                money_at_stake=value,
                evidence={
                    **terms,
                    "promised": f"{promised:%Y-%m-%d}",
                    "needed": round(need, 6),
                    "available": round(available, 6),
                    "short": round(short, 6),
                    "lines_short": len(shortages),
                },
            )
        )
    return out
