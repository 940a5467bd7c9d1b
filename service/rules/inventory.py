"""Inventory rules: reorder below the computed reorder point; overstock as money per month.

The math is ``service.inventory``; these rules feed it the snapshot's demand, lead time and
stock position and phrase the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from service.config import RulesConfig
from service.inventory import (
    DemandEstimate,
    Policy,
    bucket,
    estimate_demand,
    lead_time,
    overstock,
    policy,
)
from service.model import Finding, Product, Severity
from service.snapshot import CompanySnapshot, as_utc

from ._common import Subjects, finding, in_scope, money, qty
from .orders import reorder_terms

REORDER = "inventory.reorder"
OVERSTOCK = "inventory.overstock"


def _storable(snap: CompanySnapshot, subjects: Subjects | None) -> Iterable[Product]:
    for prod in in_scope(snap.products, "product.product", subjects):
        if prod.storable and prod.active:
            yield prod


def demand_of(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, product_id: int
) -> DemandEstimate:
    inv = cfg.inventory
    # Reorder and overstock both need it: computed once per product, time and settings.
    memo = snap.memo("demand_estimate")
    key = (product_id, now, inv)
    hit = memo.get(key)
    if hit is None:
        series = bucket(
            snap.demand_events(product_id), as_utc(now), inv.demand_window_days, inv.period_days
        )
        hit = memo[key] = estimate_demand(
            series, inv.period_days, adi_threshold=inv.intermittent_adi, alpha=inv.croston_alpha
        )
    return hit


def policy_of(snap: CompanySnapshot, cfg: RulesConfig, now: datetime, product: Product) -> Policy:
    """The product's replenishment policy at its current position."""
    inv = cfg.inventory
    pid = product.ref.id
    vendor = snap.supplier(pid)
    op = snap.orderpoint_of(pid)
    lead = lead_time(
        vendor.lead_time_days if vendor is not None else None,
        snap.receipt_delays_of(pid),
        min_receipts=inv.min_receipts,
        default_days=inv.default_lead_time_days,
    )
    return policy(
        demand_of(snap, cfg, now, pid),
        lead,
        service_level=inv.service_level,
        position=snap.position(pid),
        unit_cost=product.unit_cost,
        holding_rate=inv.holding_rate,
        ordering_cost=inv.ordering_cost,
        min_qty=vendor.min_qty if vendor is not None else 0.0,
        multiple=op.multiple if op is not None else 0.0,
        floor=op.min_qty if op is not None else 0.0,
    )


def reorder(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A storable product whose forecast position is below its computed reorder point."""
    now = as_utc(now)
    out = []
    for prod in _storable(snap, subjects):
        pol = policy_of(snap, cfg, now, prod)
        if not pol.below or pol.quantity <= 0:
            continue
        pid = prod.ref.id
        terms = reorder_terms(snap, pid, pol.quantity)
        # The policy already rounded to the vendor minimum and multiple.
        terms["quantity"] = pol.quantity
        price = terms.get("price_unit")
        unit = float(price) if isinstance(price, int | float) and price > 0 else prod.unit_cost
        vendor = terms.get("vendor_name")
        d = pol.demand
        method = "Croston/SBA, intermittent" if d.method == "croston-sba" else "mean"
        out.append(
            finding(
                REORDER,
                prod.ref,
                severity=Severity.critical if pol.position < 0 else Severity.warning,
                message=(
                    f"{snap.product_name(pid)}: forecast position {qty(round(pol.position, 2))}"
                    f" is below the reorder point {qty(round(pol.reorder_point, 1))} "
                    f"(demand {d.daily:.2f}/day by {method}, lead time {pol.lead.days:g} days, "
                    f"safety stock {qty(round(pol.safety_stock, 1))} at "
                    f"{pol.service_level:.0%} service, z {pol.z:.2f}); order "
                    f"{qty(pol.quantity)}{f' from {vendor}' if vendor else ''} "
                    f"(EOQ {qty(round(pol.eoq, 1))})."
                ),
                now=now,
                money_at_stake=pol.quantity * unit,
                evidence={**pol.explanation(), **terms},
            )
        )
    return out


def overstock_rule(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """A storable product whose stock beyond ``overstock_days`` of cover costs more than
    ``overstock_min_money`` per month to hold.

    Cover is judged on the plain mean demand of the window (a long-run rate; Croston/SBA is
    for replenishing) and on the stock the product will have once its open moves are done.
    """
    now = as_utc(now)
    inv = cfg.inventory
    out = []
    for prod in _storable(snap, subjects):
        pid = prod.ref.id
        stock = snap.on_hand_of(pid) + snap.incoming_total(pid) - snap.outgoing_of(pid)
        if stock <= 0 or prod.unit_cost <= 0:
            continue
        d = demand_of(snap, cfg, now, pid)
        over = overstock(stock, d.mean_daily, prod.unit_cost, inv.holding_rate, inv.overstock_days)
        if over.money_per_month <= inv.overstock_min_money:
            continue
        cover = (
            f"cover {over.cover_days:,.0f} days of demand ({d.mean_daily:.2f}/day)"
            if d.mean_daily > 0
            else f"have had no demand in {d.periods * d.period_days} days"
        )
        out.append(
            finding(
                OVERSTOCK,
                prod.ref,
                severity=Severity.warning,
                message=(
                    f"{snap.product_name(pid)}: {qty(round(stock, 2))} in stock {cover}; the "
                    f"{qty(round(over.excess_qty, 2))} beyond {inv.overstock_days} days are "
                    f"worth {money(over.excess_value)} and cost "
                    f"{money(over.money_per_month)} per month to hold."
                ),
                now=now,
                money_at_stake=over.money_per_month,
                evidence={
                    "product_id": pid,
                    "stock": round(stock, 4),
                    "demand_per_day": round(d.mean_daily, 4),
                    "cover_days": round(over.cover_days, 1) if d.mean_daily > 0 else None,
                    "excess_qty": round(over.excess_qty, 4),
                    "excess_value": round(over.excess_value, 2),
                    "money_per_month": round(over.money_per_month, 2),
                    "holding_rate": inv.holding_rate,
                    "overstock_days": inv.overstock_days,
                },
            )
        )
    return out
