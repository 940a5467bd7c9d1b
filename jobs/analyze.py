"""Analyze: run the service rules on the mirror, incrementally, and persist findings.

Only subjects touched since the last analysis (dirty mirror rows) and their relatives are
re-decided: an invoice change re-checks its orders and customer, a stock change re-checks the
product and the open orders and repairs that need it.  Time-driven rules (overdue, late, stuck,
not invoiced) depend on the clock, not on a change, so their findings are re-decided whenever
an analysis runs.  A finding in scope that the rules no longer produce is resolved; findings out
of scope are left as they are.  A cycle with no dirty row and a recent analysis reads nothing.

The rules are a seam (``Rules``): a callable taking the ``Snapshot`` and the time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from jobs.state import Store
from service.model import (
    Customer,
    Delivery,
    Finding,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Orderpoint,
    Product,
    Quant,
    Repair,
    RepairPart,
    StockMove,
    SupplierInfo,
)

# Rules whose verdict changes with time alone: re-decided at every analysis.
TIME_DRIVEN = frozenset(
    {
        "billing.overdue",
        "billing.not_invoiced",
        "orders.late",
        "orders.stuck",
        "quality.customer",
        "inventory.overstock",
        "inventory.reorder",
    }
)

_MODELS: dict[str, type[BaseModel]] = {
    "res.partner": Customer,
    "product.product": Product,
    "product.supplierinfo": SupplierInfo,
    "stock.quant": Quant,
    "stock.warehouse.orderpoint": Orderpoint,
    "sale.order": Order,
    "sale.order.line": OrderLine,
    "account.move": Invoice,
    "account.move.line": InvoiceLine,
    "stock.picking": Delivery,
    "stock.move": StockMove,
    "repair.order": Repair,
    "repair.line": StockMove,
}


@dataclass
class Snapshot:
    """The tenant's company as the mirror holds it, as service-model objects by Odoo id."""

    tenant: str
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    supplier_infos: dict[int, SupplierInfo] = field(default_factory=dict)
    quants: dict[int, Quant] = field(default_factory=dict)
    orderpoints: dict[int, Orderpoint] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    order_lines: dict[int, OrderLine] = field(default_factory=dict)
    invoices: dict[int, Invoice] = field(default_factory=dict)
    invoice_lines: dict[int, InvoiceLine] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    moves: dict[int, StockMove] = field(default_factory=dict)
    repairs: dict[int, Repair] = field(default_factory=dict)


_SLOTS: dict[str, str] = {
    "res.partner": "customers",
    "product.product": "products",
    "product.supplierinfo": "supplier_infos",
    "stock.quant": "quants",
    "stock.warehouse.orderpoint": "orderpoints",
    "sale.order": "orders",
    "sale.order.line": "order_lines",
    "account.move": "invoices",
    "account.move.line": "invoice_lines",
    "stock.picking": "deliveries",
    "stock.move": "moves",
    "repair.order": "repairs",
    "repair.line": "moves",
}


Rules = Callable[[Snapshot, datetime], Iterable[Finding]]


def load_snapshot(store: Store, tenant: str) -> Snapshot:
    """Read the live mirror rows of every mapped model (archived partners/products included:
    an archived customer still has open invoices)."""
    snap = Snapshot(tenant)
    for model, cls in _MODELS.items():
        slot: dict[int, Any] = getattr(snap, _SLOTS[model])
        for rid, payload in store.iter_mirror_json(tenant, model, include_inactive=True):
            slot[rid] = cls.model_validate_json(payload)
    # Repair parts: the stock moves (17+) or repair lines (16) pointing at each repair.
    parts: dict[int, list[RepairPart]] = {}
    for move in snap.moves.values():
        if move.repair_id is not None and move.kind == "repair":
            parts.setdefault(move.repair_id, []).append(
                RepairPart(
                    product_id=move.product_id,
                    quantity=move.quantity,
                    line_type=move.repair_line_type or "add",
                )
            )
    for rid, plist in parts.items():
        if rid in snap.repairs:
            snap.repairs[rid] = snap.repairs[rid].model_copy(update={"parts": tuple(plist)})
    return snap


Subject = tuple[str, int]


def affected_subjects(snap: Snapshot, dirty: Mapping[str, Iterable[int]]) -> set[Subject]:
    """Dirty rows and their relatives, as (subject model, id) the rules may report on."""
    out: set[Subject] = set()
    orders: set[int] = set()
    invoices: set[int] = set()
    products: set[int] = set()
    partners: set[int] = set()
    for model, ids in dirty.items():
        ids = set(ids)
        if model == "sale.order":
            orders |= ids
        elif model == "sale.order.line":
            orders |= {snap.order_lines[i].order_id for i in ids if i in snap.order_lines}
            products |= {
                p for i in ids if i in snap.order_lines if (p := snap.order_lines[i].product_id)
            }
        elif model == "account.move":
            invoices |= ids
        elif model == "account.move.line":
            invoices |= {snap.invoice_lines[i].invoice_id for i in ids if i in snap.invoice_lines}
        elif model == "stock.picking":
            orders |= {o for i in ids if i in snap.deliveries if (o := snap.deliveries[i].order_id)}
        elif model in ("stock.move", "repair.line"):
            for i in ids:
                move = snap.moves.get(i)
                if move is None:
                    continue
                products.add(move.product_id)
                if move.repair_id:
                    out.add(("repair.order", move.repair_id))
        elif model == "stock.quant":
            products |= {snap.quants[i].product_id for i in ids if i in snap.quants}
        elif model == "stock.warehouse.orderpoint":
            products |= {snap.orderpoints[i].product_id for i in ids if i in snap.orderpoints}
        elif model == "product.product":
            products |= ids
        elif model == "product.supplierinfo":
            tmpls = {
                snap.supplier_infos[i].product_tmpl_id for i in ids if i in snap.supplier_infos
            }
            products |= {p.ref.id for p in snap.products.values() if p.product_tmpl_id in tmpls}
        elif model == "res.partner":
            partners |= ids
        elif model == "repair.order":
            out |= {("repair.order", i) for i in ids}
    # An invoice re-checks its orders (through sale lines and origin) and its customer.
    names = {o.ref.name: o.ref.id for o in snap.orders.values() if o.ref.name}
    lines_of: dict[int, list[InvoiceLine]] = {}
    if invoices:
        for line in snap.invoice_lines.values():
            if line.invoice_id in invoices:
                lines_of.setdefault(line.invoice_id, []).append(line)
    for inv_id in invoices:
        inv = snap.invoices.get(inv_id)
        if inv is None:
            out.add(("account.move", inv_id))
            continue
        partners.add(inv.commercial_customer_id or inv.customer_id)
        for line in lines_of.get(inv_id, ()):
            for sl in line.sale_line_ids:
                if sl in snap.order_lines:
                    orders.add(snap.order_lines[sl].order_id)
        for name in (inv.origin or "").replace(";", ",").split(","):
            if name.strip() in names:
                orders.add(names[name.strip()])
    # A product re-checks the open orders and repairs that need it.
    if products:
        for oline in snap.order_lines.values():
            if oline.product_id in products:
                orders.add(oline.order_id)
        for rep in snap.repairs.values():
            if any(p.product_id in products for p in rep.parts):
                out.add(("repair.order", rep.ref.id))
    # An order re-checks its invoices (amount and partner rules are about the invoice).
    for oid in orders:
        order = snap.orders.get(oid)
        out.add(("sale.order", oid))
        if order is None:
            continue
        partners.add(order.customer_id)
        for inv_id in order.invoice_ids:
            out.add(("account.move", inv_id))
    out |= {("account.move", i) for i in invoices}
    out |= {("product.product", p) for p in products}
    # Partner-level rules are about the commercial partner.
    for pid in partners:
        cust = snap.customers.get(pid)
        out.add(("res.partner", pid))
        if cust is not None:
            out.add(("res.partner", cust.commercial_id))
    return out


@dataclass
class AnalyzeReport:
    skipped: bool = False
    full: bool = False
    dirty_rows: int = 0
    subjects: int = 0
    findings: int = 0
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        return {
            "skipped": self.skipped,
            "full": self.full,
            "dirty_rows": self.dirty_rows,
            "subjects": self.subjects,
            "open": self.findings,
            "opened": len(self.opened),
            "resolved": len(self.resolved),
        }


def _fmt(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def analyze(
    store: Store,
    tenant: str,
    rules: Rules,
    *,
    now: datetime | None = None,
    full: bool = False,
    min_interval: float = 0.0,
    clock: Callable[[], float] = time.time,
) -> tuple[AnalyzeReport, list[Finding]]:
    """Re-decide the findings in scope; returns the report and every open finding."""
    started = clock()
    report = AnalyzeReport(full=full)
    now = now or datetime.now(UTC)
    marker = store.get_cursor(tenant, "@analyze") or {}
    dirty = store.dirty(tenant)
    report.dirty_rows = sum(len(v) for v in dirty.values())
    first = not marker
    last = float(marker.get("at", 0.0))
    if not (dirty or full or first) and clock() - last < min_interval:
        report.skipped = True
        return report, _open(store, tenant)
    snap = load_snapshot(store, tenant)
    produced = {f.key: f for f in rules(snap, now)}
    previous = store.open_findings(tenant)
    if full or first:
        in_scope: Callable[[str, str, int], bool] = lambda _r, _m, _i: True  # noqa: E731
        report.full = True
    else:
        scope = affected_subjects(snap, dirty)
        report.subjects = len(scope)

        def in_scope(rule: str, model: str, rid: int) -> bool:
            return rule in TIME_DRIVEN or (model, rid) in scope

    keep = [f for f in produced.values() if in_scope(f.rule, f.subject.model, f.subject.id)]
    resolved_at = _fmt(now)
    resolved = {
        key: resolved_at
        for key, payload in previous.items()
        if key not in produced
        and in_scope(payload["rule"], payload["subject"]["model"], payload["subject"]["id"])
    }
    rows = []
    for f in keep:
        row = json.loads(f.model_dump_json())
        if f.key in previous:
            # First detection stays the detection time (ages, deadlines and hashes are stable).
            row["detected_at"] = previous[f.key].get("detected_at", row["detected_at"])
        rows.append(row)
    opened, closed = store.save_findings(tenant, rows, resolved)
    store.clear_dirty(tenant, dirty)
    store.set_cursor(tenant, "@analyze", {"v": 1, "at": clock(), "now": _fmt(now)})
    report.opened, report.resolved = opened, closed
    open_now = _open(store, tenant)
    report.findings = len(open_now)
    report.seconds = round(clock() - started, 3)
    return report, open_now


def _open(store: Store, tenant: str) -> list[Finding]:
    return [Finding.model_validate(p) for p in store.open_findings(tenant).values()]
