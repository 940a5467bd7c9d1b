"""Repair rule: open repairs waiting on spare parts that are not on hand."""

from __future__ import annotations

from datetime import datetime

from service.config import RulesConfig
from service.model import Finding, Severity
from service.snapshot import EPS, CompanySnapshot, as_utc

from ._common import Subjects, customer_ref, finding, in_scope, money, plural, qty
from .orders import reorder_terms

PARTS_MISSING = "repairs.parts_missing"


def parts_missing(
    snap: CompanySnapshot, cfg: RulesConfig, now: datetime, subjects: Subjects | None = None
) -> list[Finding]:
    """An open repair some storable part of which is not available on hand, after the open
    needs due before the repair (first promised, first served).

    Receipts do not count: a repair waits for parts now, and a receipt days out is exactly the
    wait the urgent reorder (and the flag on the customer) is about.
    """
    now = as_utc(now)
    out = []
    for rep in in_scope(snap.repairs, "repair.order", subjects):
        if not rep.open:
            continue
        subject = ("repair.order", rep.ref.id)
        shortages = []
        for part in snap.parts_of(rep.ref.id):
            if not snap.storable(part.product_id):
                continue
            ahead = snap.demand_ahead(part.product_id, subject, part.source_id)
            available = max(0.0, snap.on_hand_of(part.product_id) - ahead)
            short = part.quantity - available
            if short > EPS:
                shortages.append((part, available, short))
        if not shortages:
            continue
        part, available, short = max(shortages, key=lambda s: (s[2], -s[0].source_id))
        terms = reorder_terms(snap, part.product_id, short, minimum=cfg.repairs.urgent_min_qty)
        cost = sum(
            s[2] * (snap.products[p].unit_cost if (p := s[0].product_id) in snap.products else 0)
            for s in shortages
        )
        cust = customer_ref(snap, rep.customer_id)
        who = f" for {cust.name}" if cust else ""
        more = f" ({plural(len(shortages), 'part')} short in all)" if len(shortages) > 1 else ""
        vendor = terms.get("vendor_name")
        out.append(
            finding(
                PARTS_MISSING,
                rep.ref,
                severity=Severity.critical,
                message=(
                    f"Repair {rep.ref.name}{who} needs {qty(part.quantity)} x "
                    f"{snap.product_name(part.product_id)} but only {qty(available)} "
                    f"{'is' if available == 1 else 'are'} available on hand{more}; "
                    f"urgent reorder of {qty(float(terms['quantity'] or 0))}"
                    f"{f' from {vendor}' if vendor else ' (no vendor on the part)'} "
                    f"({money(cost)} of parts missing)."
                ),
                now=now,
                customer=cust,
                money_at_stake=cost,
                evidence={
                    **terms,
                    "needed": round(part.quantity, 6),
                    "available": round(available, 6),
                    "short": round(short, 6),
                    "parts_short": len(shortages),
                    "urgent": 1,
                },
            )
        )
    return out
