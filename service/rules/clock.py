"""When time alone changes what the rules say about a subject (incremental analysis).

A rule's verdict on a subject is a function of the records and of ``now``.  For a fixed set of
records it is piecewise constant in ``now``: it can change only at the breakpoints listed here
(the verdict itself, its severity, and the day counts in its message and evidence).

``next_change(snap, cfg, subject, after)`` is the first breakpoint at or after ``after``: an
analysis at ``now`` must re-decide every subject whose ``next_change(..., last)`` is
``<= now`` (``last`` = the previous analysis), and may keep the stored findings of the others
as long as their records did not change.  Breakpoints are conservative (a breakpoint at which
nothing visible changes costs a re-decision, never a wrong finding).

- ``billing.overdue`` (invoice): each UTC midnight from ``due + overdue_days + 1`` on.
- ``billing.not_invoiced`` (order): ``delivered + k days`` for ``k >= not_invoiced_days``.
- ``orders.late`` (order): ``promised + k days``, ``k >= 0``.
- ``orders.stuck`` (order): ``confirmed + k days`` for ``k >= stuck_days``, up to the promise.
- ``billing.refund_pileup`` (commercial partner): the UTC midnight a credit note or invoice
  leaves the window (``invoice_date + refund_window_days + 1``).
- ``inventory.reorder`` / ``inventory.overstock`` (product): the demand buckets end at ``now``,
  so an event at ``e`` moves between buckets at ``e + k * period`` (``0 <= k <= periods``).
- ``quality.customer`` (commercial partner): a finding's weight grows with its age (since first
  detection), so the level rises at a time found by bisection (``next_level_change``).

The other rules do not read the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from service.config import RulesConfig
from service.model import Finding, FlagLevel, InvoiceKind, OrderState
from service.snapshot import EPS, CompanySnapshot, Subject, as_utc

from . import quality
from .billing import _delivered_at
from .orders import _open_lines

DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


def step_at_or_after(
    base: datetime, step: timedelta, after: datetime, kmin: int = 0, kmax: int | None = None
) -> datetime | None:
    """The first ``base + k * step`` (``kmin <= k <= kmax``) at or after ``after``."""
    k = max(kmin, -((base - after) // step))  # ceil((after - base) / step)
    if kmax is not None and k > kmax:
        return None
    return base + k * step


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _first(times: Iterable[datetime | None]) -> datetime | None:
    best: datetime | None = None
    for t in times:
        if t is not None and (best is None or t < best):
            best = t
    return best


def _invoice(snap: CompanySnapshot, cfg: RulesConfig, rid: int, after: datetime) -> datetime | None:
    inv = snap.invoices.get(rid)
    if (
        inv is None
        or inv.kind is not InvoiceKind.invoice
        or not inv.posted
        or inv.payment_state not in ("not_paid", "partial")
        or inv.due_date is None
    ):
        return None
    first = _midnight(inv.due_date + timedelta(days=cfg.billing.overdue_days + 1))
    return step_at_or_after(first, DAY, after)


def _order(snap: CompanySnapshot, cfg: RulesConfig, rid: int, after: datetime) -> datetime | None:
    order = snap.orders.get(rid)
    if order is None or order.state is not OrderState.confirmed:
        return None
    ticks: list[datetime | None] = []
    promised = as_utc(order.promised_date) if order.promised_date is not None else None
    if _open_lines(snap, order):
        if promised is not None:  # late from the promise on, one more day each day
            ticks.append(step_at_or_after(promised, DAY, after))
        lines = snap.lines_of(rid)
        progress = any(ln.qty_delivered > EPS for ln in lines) or any(
            d.kind == "outgoing" and d.state == "done" for d in snap.deliveries_of(rid)
        )
        if not progress:  # stuck after ``stuck_days``, until it is late
            stuck = step_at_or_after(as_utc(order.date_order), DAY, after, cfg.orders.stuck_days)
            if stuck is not None and (promised is None or stuck <= promised):
                ticks.append(stuck)
    tol = cfg.billing.qty_tolerance
    if any(ln.qty_delivered - ln.qty_invoiced > tol + EPS for ln in snap.lines_of(rid)):
        delivered = _delivered_at(snap, order)
        if delivered is not None:
            ticks.append(step_at_or_after(delivered, DAY, after, cfg.billing.not_invoiced_days))
    return _first(ticks)


def _product(snap: CompanySnapshot, cfg: RulesConfig, rid: int, after: datetime) -> datetime | None:
    prod = snap.products.get(rid)
    if prod is None or not prod.storable or not prod.active:
        return None
    inv = cfg.inventory
    periods = max(1, inv.demand_window_days // inv.period_days)
    span = timedelta(days=inv.period_days)
    return _first(
        step_at_or_after(as_utc(when), span, after, 0, periods)
        for when, _qty in snap.demand_events(rid)
    )


def _partner(snap: CompanySnapshot, cfg: RulesConfig, rid: int, after: datetime) -> datetime | None:
    window = cfg.billing.refund_window_days
    start = after.date() - timedelta(days=window)
    refunds = [r for r in snap.refunds_of_commercial(rid) if r.posted and r.invoice_date]
    if not any(r.invoice_date is not None and r.invoice_date >= start for r in refunds):
        return None  # no credit note in the window: time alone cannot make a pile-up
    leaving = (
        _midnight(x.invoice_date + timedelta(days=window + 1))
        for x in snap.invoices_of_commercial(rid)
        if x.posted and x.invoice_date is not None
    )
    return _first(t for t in leaving if t >= after)


_BY_MODEL = {
    "account.move": _invoice,
    "sale.order": _order,
    "product.product": _product,
    "res.partner": _partner,
}


def next_change(
    snap: CompanySnapshot, cfg: RulesConfig, subject: Subject, after: datetime
) -> datetime | None:
    """The first time at or after ``after`` at which the findings about ``subject`` may change
    with the clock alone (``None``: never, unless its records change)."""
    fn = _BY_MODEL.get(subject[0])
    return fn(snap, cfg, subject[1], as_utc(after)) if fn is not None else None


def timed_subjects(snap: CompanySnapshot) -> Iterator[Subject]:
    """Every subject ``next_change`` may give a time for (a superset)."""
    for rid, inv in snap.invoices.items():
        if inv.kind is InvoiceKind.invoice and inv.posted:
            yield ("account.move", rid)
    for rid, order in snap.orders.items():
        if order.state is OrderState.confirmed:
            yield ("sale.order", rid)
    for rid, prod in snap.products.items():
        if prod.storable and prod.active:
            yield ("product.product", rid)
    for cp in snap.commercials_with_refunds():
        yield ("res.partner", cp)


def next_level_change(
    cfg: RulesConfig, findings: Iterable[Finding], after: datetime
) -> datetime | None:
    """When the customer flag derived from ``findings`` (one commercial partner's open findings
    of the other rules) moves up a level with age alone: a time at most one second before the
    change, or ``None``.  Ages stop counting at ``2 * age_scale_days`` (the weight's cap)."""
    items = [f for f in findings if f.rule != quality.CUSTOMER and f.open]
    if not items:
        return None
    after = as_utc(after)
    cap = timedelta(days=2 * cfg.quality.age_scale_days)
    horizon = max(as_utc(f.detected_at) for f in items) + cap + _SECOND

    def level(t: datetime) -> FlagLevel:
        return quality.level_of(sum(quality.weight(f, cfg, t) for f in items), cfg)

    start = level(after)
    if horizon <= after or level(horizon) == start:
        return None
    lo, hi = after, horizon
    while hi - lo > _SECOND:
        mid = lo + (hi - lo) / 2
        if level(mid) == start:
            lo = mid
        else:
            hi = mid
    return lo
