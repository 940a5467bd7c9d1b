"""Findings → the actions svcsync wants to see in Odoo (pure).

The action column of the rule catalogue (docs/internals.md §2) as a table: which rules get a
ticket, a flag on the subject, an activity, a reorder request.  Every action has a stable key
(derived from the finding key or the flagged record), its JSON payload and a content hash, so the
outbox can skip what did not change and the push can find what it already made.

Flags are per record, not per finding: a record's level is the worst of the open findings about it
(subject, or customer for partners); a record flagged before and clear now goes back to green.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.model import (
    ErpRef,
    Finding,
    FlagLevel,
    QualityFlag,
    ReorderRequest,
    Severity,
    Ticket,
    stable_digest,
)

TICKET = "ticket"
FLAG = "flag"
ACTIVITY = "activity"
REORDER = "reorder"

# rule -> actions (docs/internals.md §2). Unknown rules get a flag (amber/red shows in Odoo).
RULE_ACTIONS: dict[str, frozenset[str]] = {
    "billing.amount_mismatch": frozenset({TICKET, FLAG}),
    "billing.over_invoiced": frozenset({TICKET, FLAG}),
    "billing.not_invoiced": frozenset({FLAG}),
    "billing.duplicate_invoice": frozenset({TICKET, FLAG}),
    "billing.wrong_partner": frozenset({TICKET, FLAG}),
    "billing.overdue": frozenset({FLAG, ACTIVITY}),
    "billing.refund_pileup": frozenset({TICKET, FLAG}),
    "orders.late": frozenset({TICKET, FLAG}),
    "orders.stuck": frozenset({ACTIVITY, FLAG}),
    "orders.unservable": frozenset({REORDER, FLAG}),
    "repairs.parts_missing": frozenset({REORDER, FLAG}),
    "inventory.reorder": frozenset({REORDER}),
    # "activity/ticket" in the catalogue: a ticket, because an activity on a product needs
    # write access to products, which the least-privilege bot user does not have.
    "inventory.overstock": frozenset({TICKET}),
    "quality.customer": frozenset({FLAG}),
}

RULE_TITLES: dict[str, str] = {
    "billing.amount_mismatch": "Invoice total differs from its order",
    "billing.over_invoiced": "Invoiced more than delivered",
    "billing.not_invoiced": "Delivered but not invoiced",
    "billing.duplicate_invoice": "Possible duplicate invoice",
    "billing.wrong_partner": "Invoice to another partner than the order",
    "billing.overdue": "Invoice overdue",
    "billing.refund_pileup": "Refunds piling up",
    "orders.late": "Order late",
    "orders.stuck": "Order stuck",
    "orders.unservable": "Order cannot be served from stock",
    "repairs.parts_missing": "Repair waiting for parts",
    "inventory.reorder": "Reorder needed",
    "inventory.overstock": "Overstock",
    "quality.customer": "Customer at risk",
}

_FLAG_OF = {
    Severity.critical: FlagLevel.red,
    Severity.warning: FlagLevel.amber,
    Severity.info: FlagLevel.green,
}
_RANK = {FlagLevel.green: 0, FlagLevel.amber: 1, FlagLevel.red: 2}
_PRIORITY = {Severity.critical: 3, Severity.warning: 2, Severity.info: 1}


def content_hash(payload: Mapping[str, Any]) -> str:
    return stable_digest(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str))


def token(finding_key: str) -> str:
    """A short marker written into what svcsync creates, so a crash can be recovered by search."""
    return "svc-" + stable_digest(finding_key)[:12]


def xml_name(tenant: str, kind: str, key: str) -> str:
    """External id name under module ``svcsync`` (letters, digits, ``_.-`` only)."""
    return f"{kind}_{tenant}_{stable_digest(tenant, key)[:24]}"


@dataclass(frozen=True)
class Action:
    """One thing the push makes true in Odoo; ``key`` is the outbox key."""

    key: str
    kind: str
    finding_key: str | None
    payload: dict[str, Any]

    @property
    def hash(self) -> str:
        return content_hash(self.payload)


def actions_of(finding: Finding) -> frozenset[str]:
    return RULE_ACTIONS.get(finding.rule, frozenset({FLAG}))


def ticket_for(finding: Finding) -> Ticket:
    title = RULE_TITLES.get(finding.rule, finding.rule)
    subject = finding.subject.name or f"{finding.subject.model} #{finding.subject.id}"
    return Ticket(
        finding_key=finding.key,
        title=f"{title}: {subject}",
        description=finding.message,
        subject=finding.subject,
        customer=finding.customer,
        priority=_PRIORITY.get(finding.severity, 1),
        evidence=dict(finding.evidence),
    )


def reorder_for(finding: Finding) -> ReorderRequest | None:
    """The reorder request a stock finding carries in its evidence (``product_id``,
    ``quantity``, ``vendor_id``, optional ``price_unit``, ``vendor_name``, ``product_name``)."""
    ev = finding.evidence
    product_id, quantity = ev.get("product_id"), ev.get("quantity")
    if not isinstance(product_id, int) or not isinstance(quantity, int | float) or quantity <= 0:
        return None
    if finding.subject.model == "product.product":
        product = finding.subject
    else:
        name = ev.get("product_name")
        product = ErpRef(
            tenant=finding.subject.tenant,
            model="product.product",
            id=product_id,
            name=name if isinstance(name, str) else "",
        )
    vendor = ev.get("vendor_id")
    price = ev.get("price_unit")
    vendor_name = ev.get("vendor_name")
    return ReorderRequest(
        finding_key=finding.key,
        product=product,
        vendor_id=vendor if isinstance(vendor, int) else None,
        vendor_name=vendor_name if isinstance(vendor_name, str) else "",
        quantity=float(quantity),
        price_unit=float(price) if isinstance(price, int | float) else 0.0,
        urgent=finding.rule == "repairs.parts_missing" or finding.severity is Severity.critical,
        reason=f"{finding.message} [{token(finding.key)}]",
        explanation=dict(finding.evidence),
    )


def flags_for(
    findings: Iterable[Finding], flag_models: Iterable[str], previously_flagged: Iterable[str]
) -> list[QualityFlag]:
    """One flag per record touched by an open finding, plus green for records now clear.

    ``previously_flagged``: ``"model:id"`` of records svcsync flagged before.
    """
    models = set(flag_models)
    worst: dict[tuple[str, int], tuple[ErpRef, FlagLevel, list[str], list[str]]] = {}

    def add(ref: ErpRef, level: FlagLevel, reason: str, key: str) -> None:
        if ref.model not in models:
            return
        slot = (ref.model, ref.id)
        old = worst.get(slot)
        if old is None:
            worst[slot] = (ref, level, [reason], [key])
            return
        best = level if _RANK[level] > _RANK[old[1]] else old[1]
        worst[slot] = (old[0], best, [*old[2], reason], [*old[3], key])

    for f in findings:
        if not f.open or FLAG not in actions_of(f):
            continue
        level = _FLAG_OF.get(f.severity, FlagLevel.amber)
        if level is FlagLevel.green:
            continue
        add(f.subject, level, f.message, f.key)
        if f.customer is not None:
            add(f.customer, level, f.message, f.key)
    flags = [
        QualityFlag(
            subject=ref,
            level=level,
            reasons=tuple(sorted(set(reasons)))[:5],
            finding_keys=tuple(sorted(set(keys))),
        )
        for ref, level, reasons, keys in worst.values()
    ]
    for slot in previously_flagged:
        model, _, rid = slot.partition(":")
        if (model, int(rid)) not in worst and model in models:
            flags.append(
                QualityFlag(
                    subject=ErpRef(tenant="", model=model, id=int(rid)), level=FlagLevel.green
                )
            )
    return sorted(flags, key=lambda q: (q.subject.model, q.subject.id))
