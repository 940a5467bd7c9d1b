"""Findings -> the actions svcsync asks for in Odoo: ``Ticket``, ``ReorderRequest``,
``QualityFlag`` (the action column of ``docs/internals.md`` §2), deterministically.

Pure: the same findings give the same actions in the same order.  ``plan`` is the whole
mapping; the small functions are what it is made of.  Flags are per record (the worst open
finding about it wins), reorder requests per finding, except that one product is never
ordered twice for the same reason: a stock finding whose quantity the product's
``inventory.reorder`` already covers adds no second line (its urgency carries over).  A
reorder request without a vendor cannot become an RFQ line: it becomes a ticket saying that
no supplier is set, so a person adds one (``no_supplier_ticket``).

This is the one source of truth for the rule -> action table; ``jobs.actions`` builds the
outbox (keys, external ids, payloads, hashes) on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from service.model import (
    ErpRef,
    Finding,
    FlagLevel,
    QualityFlag,
    ReorderRequest,
    Severity,
    Ticket,
)

TICKET = "ticket"
FLAG = "flag"
ACTIVITY = "activity"
REORDER = "reorder"

# rule -> actions (internals §2).  ``inventory.overstock`` is "activity/ticket" there: a
# ticket, because an activity on a product needs write access on products (internals §7).
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

# Records that carry a flag in Odoo (the ERP plugin's ``x_svc_flag`` fields).
FLAG_MODELS = frozenset({"res.partner", "sale.order", "account.move"})

_LEVEL = {Severity.critical: FlagLevel.red, Severity.warning: FlagLevel.amber}
_RANK = {FlagLevel.green: 0, FlagLevel.amber: 1, FlagLevel.red: 2}
_PRIORITY = {Severity.critical: 3, Severity.warning: 2, Severity.info: 1}


def actions_of(f: Finding) -> frozenset[str]:
    """What a finding asks for; an unknown rule gets a flag (it shows, and asks nothing more)."""
    return RULE_ACTIONS.get(f.rule, frozenset({FLAG}))


def ticket_for(f: Finding) -> Ticket:
    title = RULE_TITLES.get(f.rule, f.rule)
    subject = f.subject.name or f"{f.subject.model} #{f.subject.id}"
    return Ticket(
        finding_key=f.key,
        title=f"{title}: {subject}",
        description=f.message,
        subject=f.subject,
        customer=f.customer,
        priority=_PRIORITY.get(f.severity, 1),
        evidence=dict(f.evidence),
    )


def reorder_for(f: Finding) -> ReorderRequest | None:
    """The request a stock finding carries in its evidence (``product_id``, ``quantity`` > 0,
    optional ``vendor_id``, ``vendor_name``, ``price_unit``, ``product_name``)."""
    ev = f.evidence
    product_id, quantity = ev.get("product_id"), ev.get("quantity")
    if not isinstance(product_id, int) or not isinstance(quantity, int | float) or quantity <= 0:
        return None
    if f.subject.model == "product.product":
        product = f.subject
    else:
        name = ev.get("product_name")
        product = ErpRef(
            tenant=f.subject.tenant,
            model="product.product",
            id=product_id,
            name=name if isinstance(name, str) else "",
        )
    vendor, vendor_name, price = ev.get("vendor_id"), ev.get("vendor_name"), ev.get("price_unit")
    return ReorderRequest(
        finding_key=f.key,
        product=product,
        vendor_id=vendor if isinstance(vendor, int) else None,
        vendor_name=vendor_name if isinstance(vendor_name, str) else "",
        quantity=float(quantity),
        price_unit=float(price) if isinstance(price, int | float) else 0.0,
        urgent=f.rule == "repairs.parts_missing" or f.severity is Severity.critical,
        reason=f.message,
        explanation=dict(ev),
    )


def no_supplier_ticket(f: Finding, req: ReorderRequest) -> Ticket:
    """The ticket a reorder request without a vendor becomes: say what is missing."""
    product = req.product.name or f"product.product #{req.product.id}"
    return Ticket(
        finding_key=f.key,
        title=f"No supplier set: {product}",
        description=(
            f"{f.message} No supplier is set for {product}, so svcsync cannot draft an RFQ for "
            f"{req.quantity:g}: add a vendor on the product (Purchase tab, product.supplierinfo)."
        ),
        subject=f.subject,
        customer=f.customer,
        priority=_PRIORITY.get(f.severity, 1),
        evidence=dict(f.evidence),
    )


def level_of(f: Finding) -> FlagLevel:
    """The flag a finding raises: its own level for ``quality.customer``, else by severity."""
    level = f.evidence.get("level")
    if f.rule == "quality.customer" and isinstance(level, str) and level in FlagLevel.__members__:
        return FlagLevel(level)
    return _LEVEL.get(f.severity, FlagLevel.green)


def flags_for(
    findings: Iterable[Finding], models: Iterable[str] = FLAG_MODELS
) -> list[QualityFlag]:
    """One flag per record an open flagging finding is about (its subject, and its customer),
    at the worst level among them, with their sentences as reasons."""
    wanted = set(models)
    worst: dict[tuple[str, int], tuple[ErpRef, FlagLevel, set[str], set[str]]] = {}
    for f in findings:
        if not f.open or FLAG not in actions_of(f):
            continue
        level = level_of(f)
        if level is FlagLevel.green:
            continue
        for ref in (f.subject, f.customer):
            if ref is None or ref.model not in wanted:
                continue
            slot = (ref.model, ref.id)
            old = worst.get(slot)
            if old is None:
                worst[slot] = (ref, level, {f.message}, {f.key})
                continue
            best = level if _RANK[level] > _RANK[old[1]] else old[1]
            worst[slot] = (old[0], best, old[2] | {f.message}, old[3] | {f.key})
    return [
        QualityFlag(
            subject=ref,
            level=level,
            reasons=tuple(sorted(reasons))[:5],
            finding_keys=tuple(sorted(keys)),
        )
        for (_, _), (ref, level, reasons, keys) in sorted(worst.items())
    ]


@dataclass(frozen=True)
class Plan:
    """Every action the open findings ask for, in a stable order."""

    tickets: list[Ticket] = field(default_factory=list)
    activities: list[Finding] = field(default_factory=list)  # findings that want an activity
    reorders: list[ReorderRequest] = field(default_factory=list)
    flags: list[QualityFlag] = field(default_factory=list)


def plan(findings: Iterable[Finding], flag_models: Iterable[str] = FLAG_MODELS) -> Plan:
    """Findings -> tickets, activities, reorder requests and flags (on ``flag_models``).

    Reorder requests are de-duplicated per product (``_one_per_product``); one without a
    vendor becomes a ticket saying no supplier is set (``no_supplier_ticket``)."""
    items = sorted((f for f in findings if f.open), key=lambda f: f.key)
    by_key = {f.key: f for f in items}
    tickets = [ticket_for(f) for f in items if TICKET in actions_of(f)]
    activities = [f for f in items if ACTIVITY in actions_of(f)]
    requests = [r for f in items if REORDER in actions_of(f) and (r := reorder_for(f)) is not None]
    reorders: list[ReorderRequest] = []
    for r in _one_per_product(requests):
        if r.vendor_id is None:
            tickets.append(no_supplier_ticket(by_key[r.finding_key], r))
        else:
            reorders.append(r)
    tickets.sort(key=lambda t: t.finding_key)
    return Plan(tickets, activities, reorders, flags_for(items, flag_models))


def _one_per_product(requests: list[ReorderRequest]) -> list[ReorderRequest]:
    """Drop requests the product's own reorder already covers (its position counts every
    open order and repair), so a product is not ordered twice; urgency carries over."""
    policy = {r.product.id: r for r in requests if r.finding_key.startswith("inventory.reorder:")}
    out: list[ReorderRequest] = []
    urgent: set[int] = set()
    for r in requests:
        base = policy.get(r.product.id)
        if base is not None and r is not base and base.quantity >= r.quantity:
            if r.urgent:
                urgent.add(r.product.id)
            continue
        out.append(r)
    return [
        r.model_copy(update={"urgent": True})
        if r.product.id in urgent and r.finding_key.startswith("inventory.reorder:")
        else r
        for r in out
    ]
