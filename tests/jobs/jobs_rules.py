"""A small stand-in rule set over ``jobs.analyze.Snapshot`` for the jobs/ tests.

The cycle's contract with the rules is only "a callable (snapshot, now) -> findings"; these
three rules cover each push path (ticket + flag, activity + flag, reorder on a draft RFQ)
without depending on the real rule engine's thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from jobs.analyze import Snapshot
from service.model import ErpRef, Finding, Severity, finding_key


def _customer(snap: Snapshot, pid: int | None) -> ErpRef | None:
    if pid is None:
        return None
    c = snap.customers.get(pid)
    return ErpRef(tenant=snap.tenant, model="res.partner", id=pid, name=c.name if c else "")


def simple_rules(snap: Snapshot, now: datetime) -> Iterator[Finding]:
    for order in snap.orders.values():
        promised = order.promised_date
        if (
            order.state == "confirmed"
            and promised is not None
            and promised < now
            and order.delivery_status not in ("full", None)
        ):
            days = (now - promised).days
            yield Finding(
                key=finding_key("orders.late", "sale.order", order.ref.id),
                rule="orders.late",
                severity=Severity.critical,
                subject=order.ref,
                customer=_customer(snap, order.customer_id),
                money=order.amount_total,
                evidence={"days_late": days, "promised": promised.strftime("%Y-%m-%d")},
                message=f"{order.ref.name} was promised for {promised:%Y-%m-%d} and is not delivered.",
                detected_at=now,
            )
    for inv in snap.invoices.values():
        if (
            inv.posted
            and inv.payment_state in ("not_paid", "partial")
            and inv.due_date is not None
            and inv.due_date < (now - timedelta(days=30)).date()
        ):
            yield Finding(
                key=finding_key("billing.overdue", "account.move", inv.ref.id),
                rule="billing.overdue",
                severity=Severity.warning,
                subject=inv.ref,
                customer=_customer(snap, inv.commercial_customer_id or inv.customer_id),
                money=inv.amount_residual,
                evidence={"due": inv.due_date.isoformat(), "residual": inv.amount_residual},
                message=f"{inv.ref.name} is unpaid since {inv.due_date.isoformat()}.",
                detected_at=now,
            )
    on_hand: dict[int, float] = defaultdict(float)
    for q in snap.quants.values():
        on_hand[q.product_id] += q.quantity - q.reserved
    vendor_of = {}
    for si in sorted(snap.supplier_infos.values(), key=lambda s: (s.sequence, s.ref.id)):
        vendor_of.setdefault(si.product_tmpl_id, si)
    for op in snap.orderpoints.values():
        product = snap.products.get(op.product_id)
        if product is None or on_hand[op.product_id] >= op.min_qty:
            continue
        si = vendor_of.get(product.product_tmpl_id)
        qty = max(op.max_qty - on_hand[op.product_id], si.min_qty if si else 1.0, 1.0)
        yield Finding(
            key=finding_key("inventory.reorder", "product.product", product.ref.id),
            rule="inventory.reorder",
            severity=Severity.warning,
            subject=product.ref,
            evidence={
                "product_id": product.ref.id,
                "quantity": round(qty, 2),
                "vendor_id": si.vendor_id if si else None,
                "price_unit": si.price if si else 0.0,
                "on_hand": on_hand[op.product_id],
                "min_qty": op.min_qty,
            },
            message=f"{product.name}: {on_hand[op.product_id]:g} on hand, below {op.min_qty:g}.",
            detected_at=now,
        )


def manifest_rules(planted: list[dict[str, object]]) -> object:
    """A rule engine stand-in that "finds" exactly odoosim's planted problems.

    It lets the push side be checked for every rule of the catalogue (where each finding must
    show up in Odoo) before the real engine exists; stock findings carry the reorder evidence
    (product, quantity, vendor) the real rules are asked to provide (docs/internals.md §7).
    """

    def rules(snap: Snapshot, now: datetime) -> Iterator[Finding]:
        vendor_of: dict[int, int] = {}
        for si in sorted(snap.supplier_infos.values(), key=lambda s: (s.sequence, s.ref.id)):
            vendor_of.setdefault(si.product_tmpl_id, si.vendor_id)

        def vendor(product_id: int) -> int | None:
            product = snap.products.get(product_id)
            return vendor_of.get(product.product_tmpl_id) if product else None

        for p in planted:
            rule, model, rid = str(p["rule"]), str(p["model"]), int(p["id"])  # type: ignore[call-overload]
            evidence: dict[str, float | int | str | None] = {}
            customer: ErpRef | None = None
            product_id: int | None = None
            if model == "sale.order" and rid in snap.orders:
                order = snap.orders[rid]
                customer = _customer(snap, order.customer_id)
                product_id = next(
                    (
                        line.product_id
                        for line in snap.order_lines.values()
                        if line.order_id == rid and line.product_id
                    ),
                    None,
                )
            elif model == "account.move" and rid in snap.invoices:
                inv = snap.invoices[rid]
                customer = _customer(snap, inv.commercial_customer_id or inv.customer_id)
            elif model == "repair.order" and rid in snap.repairs:
                rep = snap.repairs[rid]
                customer = _customer(snap, rep.customer_id)
                product_id = rep.parts[0].product_id if rep.parts else None
            elif model == "product.product":
                product_id = rid
            stock_rule = rule in ("orders.unservable", "repairs.parts_missing", "inventory.reorder")
            if stock_rule and product_id is not None:
                evidence = {
                    "product_id": product_id,
                    "quantity": 5.0,
                    "vendor_id": vendor(product_id),
                }
            yield Finding(
                key=finding_key(rule, model, rid),
                rule=rule,
                severity=Severity.critical,
                subject=ErpRef(
                    tenant=snap.tenant, model=model, id=rid, name=str(p.get("name") or "")
                ),
                customer=customer,
                evidence=evidence,
                message=f"planted: {p.get('note') or rule}",
                detected_at=now,
            )

    return rules
