"""Analyze: run the service rules on the mirror, incrementally, and persist findings.

Only subjects touched since the last analysis (dirty mirror rows) and their relatives are
re-decided: an invoice change re-checks its orders and customer, a stock change re-checks the
product and the open orders and repairs that need it.  Time-driven rules (overdue, late, stuck,
not invoiced, refunds in a window, demand buckets, the customer flag's ages) re-decide a
subject when its clock passes (``service.rules.clock``: the first time at or after the last
analysis at which time alone may change a finding).  A finding in scope that the rules no
longer produce is resolved; findings out of scope are left as they are (neither resolved nor
re-opened).  A full analysis runs first, with ``full``, after a change of the rules'
thresholds, when ``now`` goes back, and daily as a safety net.

The process keeps each tenant's company (``CompanySnapshot``) and its timeline between
analyses and applies the dirty rows to it; a fresh process (``svcsync run --once``) reads the
mirror once and finds the subjects whose clock passed by scanning.  A copy is used only while
the ``@analyze`` marker still carries the generation it wrote (another process analysing the
tenant in between makes it stale).

The rules are a seam (``Rules``): ``service.rules.build`` gives a ``RuleSet`` (incremental);
any other callable taking the snapshot and the time runs on the whole mirror each time.
"""

from __future__ import annotations

import heapq
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
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
from service.rules import QUALITY, RuleSet
from service.rules.clock import timed_subjects
from service.snapshot import SLOTS, CompanySnapshot, as_utc

# Opaque rules (not a ``RuleSet``) whose verdict changes with time alone: their findings are
# kept from every analysis.
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
    reason: str = ""  # why the analysis was full ("first", "--full", "rules changed"...)
    cached: bool = False  # the snapshot kept in this process took the changes
    dirty_rows: int = 0
    subjects: int = 0  # subjects re-decided (incremental)
    timed: int = 0  # of which: their clock passed (time-driven rules)
    findings: int = 0
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        return {
            "skipped": self.skipped,
            "full": self.full,
            "reason": self.reason,
            "cached": self.cached,
            "dirty_rows": self.dirty_rows,
            "subjects": self.subjects,
            "timed": self.timed,
            "open": self.findings,
            "opened": len(self.opened),
            "resolved": len(self.resolved),
        }


def _fmt(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


MARKER = "@analyze"
MARKER_VERSION = 2
FULL_EVERY = 86400.0  # seconds between safety-net full analyses
_MANY = 0.25  # share of the mirror dirty beyond which a full reload is cheaper than ``apply``


def analyze(
    store: Store,
    tenant: str,
    rules: Rules,
    *,
    now: datetime | None = None,
    full: bool = False,
    min_interval: float = 0.0,
    clock: Callable[[], float] = time.time,
    full_every: float = FULL_EVERY,
    cache: bool = True,
) -> tuple[AnalyzeReport, list[Finding]]:
    """Re-decide the findings in scope; returns the report and every open finding.

    With the service rules (``service.rules.RuleSet``) the analysis is incremental: only the
    subjects of the dirty mirror rows and their relatives, plus the subjects whose clock passed
    since the last analysis (``service.rules.clock``), are re-decided; the stored findings of
    every other subject stay as they are.  It is full on the first run, with ``full``, when
    the rules' thresholds changed (fingerprint in the marker), when ``now`` went back, and at
    least every ``full_every`` seconds.  ``cache``: keep the company in this process and apply
    the dirty rows to it next time (a fresh process reads the mirror once).

    Other callables ``(snapshot, now) -> findings`` are opaque: they run on the whole mirror
    and their time-driven rules (``TIME_DRIVEN``) are re-decided at every analysis.
    """
    if not isinstance(rules, RuleSet):
        return _analyze_opaque(
            store, tenant, rules, now=now, full=full, min_interval=min_interval, clock=clock
        )
    started = clock()
    when = as_utc(now) if now is not None else datetime.now(UTC)
    marker = store.get_cursor(tenant, MARKER) or {}
    # Dirty rows first, the rest of the mirror after: a row changed in between stays dirty
    # (cleared only at the version read here) and is analysed again next time.
    rows = list(store.dirty_rows(tenant))
    dirty: dict[str, dict[int, int]] = {}
    for model, rid, version, _payload, _deleted in rows:
        dirty.setdefault(model, {})[rid] = version
    report = AnalyzeReport(dirty_rows=len(rows))
    if not (rows or full or not marker) and _recent(marker, when, clock(), min_interval):
        report.skipped = True
        return report, _open(store, tenant)
    reason = _full_reason(marker, rules, when, full, clock(), full_every)
    key = (str(store.engine.url), tenant)
    entry = _take(key) if cache else None
    if entry is not None and (
        entry.gen != marker.get("gen") or entry.fingerprint != rules.fingerprint
    ):
        entry = None  # another process analysed since, or other rules: the copy is stale
    if not reason and entry is not None and len(rows) > _MANY * entry.snap_size:
        reason = "many changes"
    previous = {k: Finding.model_validate(p) for k, p in store.open_findings(tenant).items()}
    detected = {k: f.detected_at for k, f in previous.items()}
    timeline: Timeline | None = None
    scope: set[Subject] | None = None
    if reason:
        snap = load_company(store, tenant)
        report.full, report.reason = True, reason
    else:
        last = datetime.fromisoformat(str(marker["now"]))
        if entry is not None:
            snap, timeline = entry.snap, entry.timeline
            snap.memo("demand_estimate").clear()  # keyed by the analysis time
            affected = snap.apply(_changes(snap, rows))
            due = timeline.due(when)
            report.cached = True
        else:
            snap, affected = _load_with_changes(store, tenant, rows)
            timeline = Timeline() if cache else None
            due = _scan_due(snap, rules, previous.values(), last, when, timeline)
        scope = affected | due
        # The customers of what is re-decided get their flag re-decided (by the records now,
        # and by the stored findings, which name the customer as it was).
        scope |= _customers_of(snap, scope)
        scope |= {
            ("res.partner", f.customer.id)
            for f in previous.values()
            if f.customer is not None and (f.subject.model, f.subject.id) in scope
        }
        report.subjects, report.timed = len(scope), len(due)
    produced = {
        f.key: f
        for f in rules(snap, when, scope, open_findings=previous.values(), detected=detected)
    }
    if scope is not None:
        produced = {k: f for k, f in produced.items() if (f.subject.model, f.subject.id) in scope}
    resolved_at = _fmt(when)
    resolved = {
        k: resolved_at
        for k, f in previous.items()
        if k not in produced and (scope is None or (f.subject.model, f.subject.id) in scope)
    }
    out = []
    for f in produced.values():
        row = json.loads(f.model_dump_json())
        if f.key in previous:
            # First detection stays the detection time (ages, deadlines and hashes are stable).
            row["detected_at"] = json.loads(previous[f.key].model_dump_json())["detected_at"]
        out.append(row)
    opened, closed = store.save_findings(tenant, out, resolved)
    store.clear_dirty(tenant, dirty)
    gen = uuid.uuid4().hex
    store.set_cursor(
        tenant,
        MARKER,
        {
            "v": MARKER_VERSION,
            "at": clock(),
            "now": when.isoformat(),
            "rules": rules.fingerprint,
            "full_at": clock() if report.full else float(marker.get("full_at", 0.0)),
            "gen": gen,
        },
    )
    report.opened, report.resolved = opened, closed
    open_now = _open(store, tenant)
    report.findings = len(open_now)
    if cache:
        if timeline is None:
            timeline = Timeline()
            _schedule(timeline, snap, rules, open_now, when, None)
        else:
            _schedule(timeline, snap, rules, open_now, when, scope)
        _CACHE[key] = _Cached(snap, timeline, gen, rules.fingerprint, _size(snap))
    report.seconds = round(clock() - started, 3)
    return report, open_now


def _full_reason(
    marker: Mapping[str, Any],
    rules: RuleSet,
    now: datetime,
    full: bool,
    at: float,
    full_every: float,
) -> str:
    if full:
        return "--full"
    if not marker:
        return "first"
    if marker.get("v") != MARKER_VERSION or "now" not in marker:
        return "marker version"
    if marker.get("rules") != rules.fingerprint:
        return "rules changed"
    if as_utc(datetime.fromisoformat(str(marker["now"]))) > now:
        return "clock went back"
    if at - float(marker.get("full_at", 0.0)) >= full_every:
        return "periodic"
    return ""


# ---------------------------------------------------------------------------- loading


def _slots(store: Store, tenant: str) -> dict[str, dict[int, Any]]:
    slots: dict[str, dict[int, Any]] = {slot: {} for slot in SLOTS.values()}
    for model, slot in SLOTS.items():
        cls = _MODELS[model]
        table = slots[slot]
        for rid, payload in store.iter_mirror_json(tenant, model, include_inactive=True):
            table[rid] = cls.model_validate_json(payload)
    return slots


def load_company(store: Store, tenant: str) -> CompanySnapshot:
    """The live mirror (archived partners and products included) as a ``CompanySnapshot``:
    each model in its slot (16's ``repair.line`` apart from the moves), repair parts read from
    their records by the snapshot (not composed into the repairs)."""
    return CompanySnapshot(tenant, **_slots(store, tenant))


Row = tuple[str, int, int, str, bool]


def _changes(snap: CompanySnapshot, rows: Iterable[Row]) -> dict[str, dict[int, BaseModel | None]]:
    """The dirty rows as ``CompanySnapshot.apply`` takes them, without those that changed in no
    field a rule reads (``_UNREAD``)."""
    out: dict[str, dict[int, BaseModel | None]] = {}
    for model, rid, _version, payload, deleted in rows:
        cls = _MODELS.get(model)
        if cls is None or model not in SLOTS:
            continue  # not analysed (stock.location feeds the mappings only)
        new = None if deleted else cls.model_validate_json(payload)
        old = getattr(snap, SLOTS[model]).get(rid)
        if new is not None and old is not None and _same(old, new):
            continue
        out.setdefault(model, {})[rid] = new
    return out


# Fields no rule reads: a row whose only changes are these is not re-decided (svcsync's own
# writes come back so: a flag moves ``write_date``, the "at risk" tag a partner's categories).
_UNREAD: dict[type[BaseModel], frozenset[str]] = {Customer: frozenset({"category_ids", "email"})}
_ALWAYS_UNREAD = frozenset({"write_date"})


def _same(old: BaseModel, new: BaseModel) -> bool:
    """Equal in every field a rule reads."""
    if type(old) is not type(new):
        return False
    unread = _ALWAYS_UNREAD | _UNREAD.get(type(new), frozenset())
    a, b = old.__dict__, new.__dict__
    return all(a[k] == v for k, v in b.items() if k not in unread)


def _load_with_changes(
    store: Store, tenant: str, rows: list[Row]
) -> tuple[CompanySnapshot, set[Subject]]:
    """A fresh process: the mirror as it is, and the subjects the dirty rows affect.

    A deleted row keeps its last payload: the company is built with it and the deletion is
    then applied, so what it was related to is re-decided.  For a changed row only its
    current state is known (its relatives now; a relation it left is caught by the stored
    findings' customers, and by the periodic full analysis)."""
    slots = _slots(store, tenant)
    gone: dict[str, dict[int, BaseModel | None]] = {}
    changed: list[Subject] = []
    for model, rid, _version, payload, deleted in rows:
        cls = _MODELS.get(model)
        if cls is None or model not in SLOTS:
            continue
        if deleted:
            slots[SLOTS[model]].setdefault(rid, cls.model_validate_json(payload))
            gone.setdefault(model, {})[rid] = None
        else:
            changed.append((model, rid))
    snap = CompanySnapshot(tenant, **slots)
    affected = snap.apply(gone) if gone else set()
    affected |= snap.affected_subjects(changed)
    return snap, affected


def _size(snap: CompanySnapshot) -> int:
    return sum(len(getattr(snap, slot)) for slot in set(SLOTS.values()))


def _customers_of(snap: CompanySnapshot, subjects: Iterable[Subject]) -> set[Subject]:
    out: set[Subject] = set()
    for model, rid in subjects:
        partner: int | None = None
        if model == "sale.order":
            order = snap.orders.get(rid)
            partner = order.customer_id if order is not None else None
        elif model == "account.move":
            inv = snap.invoices.get(rid)
            partner = snap.invoice_commercial(inv) if inv is not None else None
        elif model == "repair.order":
            rep = snap.repairs.get(rid)
            partner = rep.customer_id if rep is not None else None
        if partner is not None:
            out.add(("res.partner", partner))
            cp = snap.commercial_of(partner)
            if cp is not None:
                out.add(("res.partner", cp))
    return out


# ---------------------------------------------------------------------------- the clock


class Timeline:
    """When each subject's findings may next change with time alone (a heap with lazy
    deletion: a subject's entry is the latest one set)."""

    def __init__(self) -> None:
        self._at: dict[Subject, datetime] = {}
        self._heap: list[tuple[datetime, Subject]] = []

    def __len__(self) -> int:
        return len(self._at)

    def put(self, subject: Subject, at: datetime | None) -> None:
        if at is None:
            self._at.pop(subject, None)
            return
        if self._at.get(subject) == at:
            return
        self._at[subject] = at
        heapq.heappush(self._heap, (at, subject))
        if len(self._heap) > 2 * len(self._at) + 1024:
            self._heap = [(t, s) for s, t in self._at.items()]
            heapq.heapify(self._heap)

    def due(self, now: datetime) -> set[Subject]:
        """Subjects whose time is at or before ``now`` (taken off the timeline)."""
        out: set[Subject] = set()
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, subject = heapq.heappop(heap)
            if self._at.get(subject) == at:
                del self._at[subject]
                out.add(subject)
        return out


def _by_customer(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {}
    for f in findings:
        if f.customer is not None and f.rule != QUALITY and f.open:
            out.setdefault(f.customer.id, []).append(f)
    return out


def _next(
    snap: CompanySnapshot,
    rules: RuleSet,
    subject: Subject,
    after: datetime,
    mine: Mapping[int, list[Finding]],
) -> datetime | None:
    at = rules.next_change(snap, subject, after)
    if subject[0] == "res.partner" and subject[1] in mine:
        level = rules.next_level_change(mine[subject[1]], after)
        if level is not None and (at is None or level < at):
            at = level
    return at


def _subjects_on_clock(
    snap: CompanySnapshot, mine: Mapping[int, list[Finding]]
) -> Iterator[Subject]:
    seen: set[Subject] = set()
    for s in timed_subjects(snap):
        seen.add(s)
        yield s
    for cp in mine:
        if ("res.partner", cp) not in seen:
            yield ("res.partner", cp)


def _scan_due(
    snap: CompanySnapshot,
    rules: RuleSet,
    stored: Iterable[Finding],
    last: datetime,
    now: datetime,
    timeline: Timeline | None,
) -> set[Subject]:
    """A fresh process: every subject whose clock passed in ``[last, now]``; the others go on
    ``timeline`` with their next time (unchanged by the records' changes: those subjects are
    re-decided and re-scheduled anyway)."""
    mine = _by_customer(stored)
    due: set[Subject] = set()
    for s in _subjects_on_clock(snap, mine):
        at = _next(snap, rules, s, last, mine)
        if at is None:
            continue
        if at <= now:
            due.add(s)
        elif timeline is not None:
            timeline.put(s, at)
    return due


def _schedule(
    timeline: Timeline,
    snap: CompanySnapshot,
    rules: RuleSet,
    open_now: Iterable[Finding],
    now: datetime,
    scope: set[Subject] | None,
) -> None:
    """Put the re-decided subjects (``None``: all) back on the timeline from ``now`` on."""
    mine = _by_customer(open_now)
    subjects: Iterable[Subject] = _subjects_on_clock(snap, mine) if scope is None else scope
    for s in subjects:
        timeline.put(s, _next(snap, rules, s, now, mine))


# ---------------------------------------------------------------------------- the cache


@dataclass
class _Cached:
    snap: CompanySnapshot
    timeline: Timeline
    gen: str  # the marker's generation this copy matches
    fingerprint: str
    snap_size: int


_CACHE: dict[tuple[str, str], _Cached] = {}


def _take(key: tuple[str, str]) -> _Cached | None:
    """The process's copy, taken out while it is being changed (a failed analysis leaves no
    half-changed copy behind; a concurrent one in this process reads the mirror)."""
    return _CACHE.pop(key, None)


def forget(tenant: str | None = None) -> None:
    """Drop the companies kept in this process (all, or one tenant's)."""
    for key in list(_CACHE):
        if tenant is None or key[1] == tenant:
            _CACHE.pop(key, None)


# ---------------------------------------------------------------------------- opaque rules


def _recent(marker: Mapping[str, Any], now: datetime, wall: float, min_interval: float) -> bool:
    """The last analysis is less than ``min_interval`` old, by the wall clock and by the
    analysis time (``now``): an analysis asked for a later ``now`` (``run_cycle(now=...)``)
    is never skipped as "just done" because the wall clock barely moved."""
    if wall - float(marker.get("at", 0.0)) >= min_interval:
        return False
    last = marker.get("now")
    if last is None:
        return True
    return (now - as_utc(datetime.fromisoformat(str(last)))).total_seconds() < min_interval


def _analyze_opaque(
    store: Store,
    tenant: str,
    rules: Rules,
    *,
    now: datetime | None,
    full: bool,
    min_interval: float,
    clock: Callable[[], float],
) -> tuple[AnalyzeReport, list[Finding]]:
    """Rules that are only a callable: run on the whole mirror, scope filters what is kept."""
    started = clock()
    report = AnalyzeReport(full=full)
    now = now or datetime.now(UTC)
    marker = store.get_cursor(tenant, MARKER) or {}
    dirty = store.dirty(tenant)
    report.dirty_rows = sum(len(v) for v in dirty.values())
    first = not marker
    if not (dirty or full or first) and _recent(marker, as_utc(now), clock(), min_interval):
        report.skipped = True
        return report, _open(store, tenant)
    snap = load_snapshot(store, tenant)
    produced = {f.key: f for f in rules(snap, now)}
    previous = store.open_findings(tenant)
    if full or first:
        in_scope: Callable[[str, str, int], bool] = lambda _r, _m, _i: True  # noqa: E731
        report.full = True
        report.reason = "--full" if full else "first"
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
            row["detected_at"] = previous[f.key].get("detected_at", row["detected_at"])
        rows.append(row)
    opened, closed = store.save_findings(tenant, rows, resolved)
    store.clear_dirty(tenant, dirty)
    # No rules fingerprint: a later analysis with the service rules starts in full.
    store.set_cursor(tenant, MARKER, {"v": 1, "at": clock(), "now": _fmt(now)})
    report.opened, report.resolved = opened, closed
    open_now = _open(store, tenant)
    report.findings = len(open_now)
    report.seconds = round(clock() - started, 3)
    return report, open_now


def _open(store: Store, tenant: str) -> list[Finding]:
    return [Finding.model_validate(p) for p in store.open_findings(tenant).values()]
