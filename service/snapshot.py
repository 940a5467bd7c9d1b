"""``CompanySnapshot``: one company's mapped records, indexed for the rules.

The rules never scan one collection inside a loop over another: every relation they follow
(lines of an order, invoices of a customer, open demand of a product...) is a group index,
built lazily in one pass over the records the first time a rule needs it, and kept up to date
record by record by ``apply`` (so an incremental analysis after a few changes does not rebuild
indexes over the whole company).  Values derived per key (stock position of a product, orders
an invoice bills) are memoised per key and forgotten when a record under that key changes.

``affected_subjects`` turns a set of changed records into the subjects whose findings may have
changed, for incremental analysis (an invoice change re-checks its orders and customer...).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from service.model import (
    Customer,
    Delivery,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Order,
    OrderLine,
    Orderpoint,
    OrderState,
    Product,
    Quant,
    Repair,
    StockMove,
    SupplierInfo,
)

Subject = tuple[str, int]

# Odoo model -> snapshot attribute, for ``from_models``, ``apply`` and ``affected_subjects``.
SLOTS: dict[str, str] = {
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
    "repair.line": "repair_lines",
}

_CLOSED_MOVE = frozenset({"done", "cancel"})
EPS = 1e-6
_FAR = datetime.max.replace(tzinfo=UTC)
_ZERO = timedelta(0)
_NEVER = datetime.min.replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC (mappings give aware datetimes; tests and callers may pass naive UTC)."""
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None or value.utcoffset() == _ZERO:
        # pydantic parses "+00:00" into its own zone object; the one ``UTC`` object lets
        # comparisons and subtractions skip the offset lookups (demand buckets do millions).
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Demand:
    """One open need for a product: an order line to deliver or a repair part to consume."""

    due: datetime  # promised date of the order, schedule date of the repair
    quantity: float
    subject: Subject  # ("sale.order", id) or ("repair.order", id)
    source_id: int  # order line id, or the part's move / repair line id


@dataclass(frozen=True, slots=True)
class Part:
    """An open part to add to a repair (a 17+ repair move or a 16 ``repair.line``)."""

    product_id: int
    quantity: float
    source_id: int


R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


class Group(Generic[K, R]):
    """Records grouped by key (a record may sit under several keys), updatable per record."""

    __slots__ = ("_by", "_keys", "_of")

    def __init__(self, keys: Callable[[R], Iterable[K]], records: Mapping[int, R]) -> None:
        self._keys = keys
        self._by: dict[K, dict[int, R]] = {}
        self._of: dict[int, tuple[K, ...]] = {}
        by = self._by
        for rid, rec in records.items():
            ks = tuple(keys(rec))
            if ks:
                self._of[rid] = ks
                for k in ks:
                    slot = by.get(k)
                    if slot is None:
                        by[k] = {rid: rec}
                    else:
                        slot[rid] = rec

    def get(self, key: K) -> Collection[R]:
        slot = self._by.get(key)
        return slot.values() if slot is not None else ()

    def keys(self) -> Iterable[K]:
        return self._by.keys()

    def update(self, rid: int, rec: R | None) -> set[K]:
        """Move record ``rid`` to its new keys (``None``: removed); the keys touched."""
        touched: set[K] = set()
        for k in self._of.pop(rid, ()):
            slot = self._by.get(k)
            if slot is not None:
                slot.pop(rid, None)
                if not slot:
                    del self._by[k]
            touched.add(k)
        if rec is not None:
            ks = tuple(self._keys(rec))
            if ks:
                self._of[rid] = ks
                for k in ks:
                    self._by.setdefault(k, {})[rid] = rec
                    touched.add(k)
        return touched


def _one(value: K | None) -> tuple[K, ...]:
    return () if value is None else (value,)


class CompanySnapshot:
    """The tenant's company as service-model objects by Odoo id, plus indexes for the rules.

    Records are the frozen objects of ``service.model``; relations are followed through the
    accessor methods (``lines_of``, ``invoices_of_commercial``, ``open_demand_of``...), never
    by scanning a collection.
    """

    def __init__(
        self,
        tenant: str = "",
        *,
        customers: Mapping[int, Customer] | None = None,
        products: Mapping[int, Product] | None = None,
        supplier_infos: Mapping[int, SupplierInfo] | None = None,
        quants: Mapping[int, Quant] | None = None,
        orderpoints: Mapping[int, Orderpoint] | None = None,
        orders: Mapping[int, Order] | None = None,
        order_lines: Mapping[int, OrderLine] | None = None,
        invoices: Mapping[int, Invoice] | None = None,
        invoice_lines: Mapping[int, InvoiceLine] | None = None,
        deliveries: Mapping[int, Delivery] | None = None,
        moves: Mapping[int, StockMove] | None = None,
        repairs: Mapping[int, Repair] | None = None,
        repair_lines: Mapping[int, StockMove] | None = None,
    ) -> None:
        self.tenant = tenant
        # Own dicts: ``apply`` changes them, never the caller's.
        self.customers: dict[int, Customer] = dict(customers or {})
        self.products: dict[int, Product] = dict(products or {})
        self.supplier_infos: dict[int, SupplierInfo] = dict(supplier_infos or {})
        self.quants: dict[int, Quant] = dict(quants or {})
        self.orderpoints: dict[int, Orderpoint] = dict(orderpoints or {})
        self.orders: dict[int, Order] = dict(orders or {})
        self.order_lines: dict[int, OrderLine] = dict(order_lines or {})
        self.invoices: dict[int, Invoice] = dict(invoices or {})
        self.invoice_lines: dict[int, InvoiceLine] = dict(invoice_lines or {})
        self.deliveries: dict[int, Delivery] = dict(deliveries or {})
        self.moves: dict[int, StockMove] = dict(moves or {})
        self.repairs: dict[int, Repair] = dict(repairs or {})
        # Odoo 16 keeps repair parts as ``repair.line`` (their ids may collide with moves').
        self.repair_lines: dict[int, StockMove] = dict(repair_lines or {})
        self._memo: dict[str, dict[Any, Any]] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_models(
        cls, tenant: str, records: Mapping[str, Iterable[BaseModel]]
    ) -> CompanySnapshot:
        """From mapped objects per Odoo model (as ``mappings.map_all`` returns them)."""
        slots: dict[str, dict[int, Any]] = {name: {} for name in SLOTS.values()}
        for model, objs in records.items():
            slot = SLOTS.get(model)
            if slot is None:
                continue
            target = slots[slot]
            for obj in objs:
                target[obj.ref.id] = obj  # type: ignore[attr-defined]
        return cls(tenant, **slots)

    @classmethod
    def of(cls, snapshot: Any) -> CompanySnapshot:
        """A ``CompanySnapshot`` from itself or any object with the same dict attributes
        (``jobs.analyze.Snapshot``)."""
        if isinstance(snapshot, CompanySnapshot):
            return snapshot
        kw = {slot: getattr(snapshot, slot, None) or {} for slot in SLOTS.values()}
        return cls(getattr(snapshot, "tenant", ""), **kw)

    # ------------------------------------------------------------------ master data

    def commercial_of(self, partner_id: int | None) -> int | None:
        """The commercial partner (company) of a contact; itself when unknown."""
        return _commercial(self.customers, partner_id)

    def customer_name(self, partner_id: int | None) -> str:
        if partner_id is None:
            return ""
        cust = self.customers.get(partner_id)
        return cust.name if cust is not None else f"partner #{partner_id}"

    def storable(self, product_id: int | None) -> bool:
        prod = self.products.get(product_id) if product_id is not None else None
        return prod is not None and prod.storable

    def product_name(self, product_id: int) -> str:
        prod = self.products.get(product_id)
        if prod is None:
            return f"product #{product_id}"
        return f"[{prod.default_code}] {prod.name}" if prod.default_code else prod.name

    def suppliers_of(self, product_id: int) -> list[SupplierInfo]:
        """Vendors of a product variant, preferred first (sequence, variant-specific, id)."""
        prod = self.products.get(product_id)
        if prod is None:
            return []
        cands = [
            si
            for si in self._suppliers_by_tmpl.get(prod.product_tmpl_id)
            if si.product_id is None or si.product_id == product_id
        ]
        cands.sort(key=lambda s: (s.sequence, s.product_id is None, s.ref.id))
        return cands

    def supplier(self, product_id: int) -> SupplierInfo | None:
        cands = self.suppliers_of(product_id)
        return cands[0] if cands else None

    def orderpoint_of(self, product_id: int) -> Orderpoint | None:
        """The product's orderpoint (the highest minimum when there are several)."""
        ops = self._orderpoints_by_product.get(product_id)
        return max(ops, key=lambda o: (o.min_qty, -o.ref.id)) if ops else None

    # ------------------------------------------------------------------ groups (lazy)

    @cached_property
    def _lines_by_order(self) -> Group[int, OrderLine]:
        return Group(lambda ln: (ln.order_id,), self.order_lines)

    @cached_property
    def _lines_by_product(self) -> Group[int, OrderLine]:
        return Group(lambda ln: _one(ln.product_id), self.order_lines)

    @cached_property
    def _open_lines_by_product(self) -> Group[int, OrderLine]:
        """Lines with quantity still to deliver (the few among all lines ever sold)."""
        return Group(
            lambda ln: _one(ln.product_id if ln.qty_ordered - ln.qty_delivered > EPS else None),
            self.order_lines,
        )

    @cached_property
    def _ilines_by_invoice(self) -> Group[int, InvoiceLine]:
        return Group(lambda ln: (ln.invoice_id,), self.invoice_lines)

    @cached_property
    def _ilines_by_sale_line(self) -> Group[int, InvoiceLine]:
        return Group(lambda ln: ln.sale_line_ids, self.invoice_lines)

    @cached_property
    def _orders_by_name(self) -> Group[str, Order]:
        return Group(lambda o: _one(o.ref.name or None), self.orders)

    @cached_property
    def _invoices_by_origin(self) -> Group[str, Invoice]:
        return Group(lambda inv: _origin_names(inv.origin), self.invoices)

    @cached_property
    def _orders_by_invoice_ids(self) -> Group[int, Order]:
        return Group(lambda o: o.invoice_ids, self.orders)

    # Key functions close over the partner dict, never over ``self``: a snapshot must not sit
    # in a reference cycle, or every analysis leaves its whole company to the cyclic GC.

    @cached_property
    def _invoices_by_commercial(self) -> Group[int, Invoice]:
        customers = self.customers
        return Group(lambda inv: (_invoice_commercial(customers, inv),), self.invoices)

    @cached_property
    def _refunds_by_commercial(self) -> Group[int, Invoice]:
        customers = self.customers
        return Group(
            lambda inv: (
                (_invoice_commercial(customers, inv),) if inv.kind is InvoiceKind.refund else ()
            ),
            self.invoices,
        )

    @cached_property
    def _invoices_by_total(self) -> Group[tuple[int, int], Invoice]:
        customers = self.customers
        return Group(
            lambda inv: ((_invoice_commercial(customers, inv), round(inv.amount_total * 100)),),
            self.invoices,
        )

    @cached_property
    def _reversals(self) -> Group[int, Invoice]:
        return Group(lambda inv: _one(inv.reversed_entry_id), self.invoices)

    @cached_property
    def _orders_by_commercial(self) -> Group[int, Order]:
        customers = self.customers
        return Group(lambda o: _one(_commercial(customers, o.customer_id)), self.orders)

    @cached_property
    def _repairs_by_commercial(self) -> Group[int, Repair]:
        customers = self.customers
        return Group(lambda r: _one(_commercial(customers, r.customer_id)), self.repairs)

    @cached_property
    def _deliveries_by_order(self) -> Group[int, Delivery]:
        return Group(lambda d: _one(d.order_id), self.deliveries)

    @cached_property
    def _moves_by_picking(self) -> Group[int, StockMove]:
        return Group(lambda m: _one(m.picking_id), self.moves)

    @cached_property
    def _moves_by_product(self) -> Group[int, StockMove]:
        return Group(lambda m: (m.product_id,), self.moves)

    @cached_property
    def _open_moves_by_product(self) -> Group[int, StockMove]:
        """Moves not done or cancelled (receipts to come, deliveries and parts to consume)."""
        return Group(
            lambda m: _one(m.product_id if m.state not in _CLOSED_MOVE else None), self.moves
        )

    @cached_property
    def _repair_moves_by_product(self) -> Group[int, StockMove]:
        return Group(lambda m: _one(m.product_id if m.kind == "repair" else None), self.moves)

    @cached_property
    def _receipts_by_product(self) -> Group[int, StockMove]:
        """Done receipts (for measured lead times)."""
        return Group(
            lambda m: _one(m.product_id if m.kind == "incoming" and m.state == "done" else None),
            self.moves,
        )

    @cached_property
    def _parts_by_repair(self) -> Group[int, StockMove]:
        return Group(lambda m: _one(m.repair_id if m.kind == "repair" else None), self.moves)

    @cached_property
    def _rlines_by_repair(self) -> Group[int, StockMove]:
        return Group(lambda m: _one(m.repair_id), self.repair_lines)

    @cached_property
    def _rlines_by_product(self) -> Group[int, StockMove]:
        return Group(lambda m: (m.product_id,), self.repair_lines)

    @cached_property
    def _repairs_by_part(self) -> Group[int, Repair]:
        return Group(lambda r: {p.product_id for p in r.parts}, self.repairs)

    @cached_property
    def _quants_by_product(self) -> Group[int, Quant]:
        return Group(lambda q: (q.product_id,), self.quants)

    @cached_property
    def _orderpoints_by_product(self) -> Group[int, Orderpoint]:
        return Group(lambda o: (o.product_id,), self.orderpoints)

    @cached_property
    def _suppliers_by_tmpl(self) -> Group[int, SupplierInfo]:
        return Group(lambda s: (s.product_tmpl_id,), self.supplier_infos)

    @cached_property
    def _products_by_tmpl(self) -> Group[int, Product]:
        return Group(lambda p: (p.product_tmpl_id,), self.products)

    @cached_property
    def _members_by_commercial(self) -> Group[int, Customer]:
        return Group(lambda c: (c.commercial_id,), self.customers)

    # Which groups hold records of which slot (for ``apply``).
    _GROUPS_OF: ClassVar[dict[str, tuple[str, ...]]] = {
        "order_lines": ("_lines_by_order", "_lines_by_product", "_open_lines_by_product"),
        "invoice_lines": ("_ilines_by_invoice", "_ilines_by_sale_line"),
        "orders": ("_orders_by_name", "_orders_by_invoice_ids", "_orders_by_commercial"),
        "invoices": (
            "_invoices_by_origin",
            "_invoices_by_commercial",
            "_refunds_by_commercial",
            "_invoices_by_total",
            "_reversals",
        ),
        "repairs": ("_repairs_by_commercial", "_repairs_by_part"),
        "deliveries": ("_deliveries_by_order",),
        "moves": (
            "_moves_by_picking",
            "_moves_by_product",
            "_open_moves_by_product",
            "_repair_moves_by_product",
            "_receipts_by_product",
            "_parts_by_repair",
        ),
        "repair_lines": ("_rlines_by_repair", "_rlines_by_product"),
        "quants": ("_quants_by_product",),
        "orderpoints": ("_orderpoints_by_product",),
        "supplier_infos": ("_suppliers_by_tmpl",),
        "products": ("_products_by_tmpl",),
        "customers": ("_members_by_commercial",),
    }

    def memo(self, name: str) -> dict[Any, Any]:
        """A per-key cache for values derived from the records (rules may keep theirs here:
        ``apply`` forgets the keys a change touches).  Keys of per-product caches start with
        the product id, of per-invoice caches with the invoice id (see ``_PER_PRODUCT``)."""
        return self._memo_get(name)

    def _memo_get(self, name: str) -> dict[Any, Any]:
        memo = self._memo.get(name)
        if memo is None:
            memo = self._memo[name] = {}
        return memo

    # ------------------------------------------------------------------ documents

    def lines_of(self, order_id: int) -> Collection[OrderLine]:
        return self._lines_by_order.get(order_id)

    def invoice_lines_of(self, invoice_id: int) -> Collection[InvoiceLine]:
        return self._ilines_by_invoice.get(invoice_id)

    def invoice_lines_of_sale_line(self, sale_line_id: int) -> Collection[InvoiceLine]:
        return self._ilines_by_sale_line.get(sale_line_id)

    def order_named(self, name: str) -> Order | None:
        found = self._orders_by_name.get(name)
        return min(found, key=lambda o: o.ref.id) if found else None

    def _invoice_links(self, invoice_id: int) -> tuple[tuple[int, ...], bool]:
        memo = self._memo_get("invoice_links")
        hit = memo.get(invoice_id)
        if hit is not None:
            return hit
        found: set[int] = set()
        for line in self.invoice_lines_of(invoice_id):
            for sl in line.sale_line_ids:
                oline = self.order_lines.get(sl)
                if oline is not None:
                    found.add(oline.order_id)
        linked = bool(found)
        inv = self.invoices.get(invoice_id)
        if not found and inv is not None:
            # ``invoice_origin`` may list several orders ("S00012, S00013").
            for name in _origin_names(inv.origin):
                order = self.order_named(name)
                if order is not None:
                    found.add(order.ref.id)
        result = (tuple(sorted(found)), linked)
        memo[invoice_id] = result
        return result

    def orders_of_invoice(self, invoice_id: int) -> tuple[int, ...]:
        """Sale orders an invoice bills: through its lines' ``sale_line_ids``, else its origin."""
        return self._invoice_links(invoice_id)[0]

    def invoice_linked_by_lines(self, invoice_id: int) -> bool:
        """Whether the invoice's orders come from sale lines (not only ``invoice_origin``)."""
        return self._invoice_links(invoice_id)[1]

    def invoices_of_order(self, order_id: int) -> list[int]:
        """Invoices billing an order: by sale lines, by origin, or listed on the order."""
        out: set[int] = set()
        for line in self.lines_of(order_id):
            for il in self.invoice_lines_of_sale_line(line.ref.id):
                out.add(il.invoice_id)
        order = self.orders.get(order_id)
        if order is not None:
            out.update(i for i in order.invoice_ids if i in self.invoices)
            if order.ref.name:
                for inv in self._invoices_by_origin.get(order.ref.name):
                    if order_id in self.orders_of_invoice(inv.ref.id):
                        out.add(inv.ref.id)
        return sorted(out)

    def invoice_commercial(self, inv: Invoice) -> int:
        return _invoice_commercial(self.customers, inv)

    def invoices_of_commercial(self, commercial_id: int) -> Collection[Invoice]:
        return self._invoices_by_commercial.get(commercial_id)

    def refunds_of_commercial(self, commercial_id: int) -> Collection[Invoice]:
        """A customer's credit notes (any state)."""
        return self._refunds_by_commercial.get(commercial_id)

    def invoices_with_total(self, commercial_id: int, amount_total: float) -> Collection[Invoice]:
        """A customer's documents with this total (to the cent)."""
        return self._invoices_by_total.get((commercial_id, round(amount_total * 100)))

    def commercials_with_refunds(self) -> Iterable[int]:
        """Commercial partners with at least one credit note."""
        return self._refunds_by_commercial.keys()

    def reversals_of(self, invoice_id: int) -> Collection[Invoice]:
        """Credit notes that reverse the invoice (``reversed_entry_id``)."""
        return self._reversals.get(invoice_id)

    def orders_of_commercial(self, commercial_id: int) -> Collection[Order]:
        return self._orders_by_commercial.get(commercial_id)

    def repairs_of_commercial(self, commercial_id: int) -> Collection[Repair]:
        return self._repairs_by_commercial.get(commercial_id)

    def deliveries_of(self, order_id: int) -> Collection[Delivery]:
        return self._deliveries_by_order.get(order_id)

    def invoices_near(self, inv: Invoice, days: int) -> list[int]:
        """The same customer's invoices dated within ``days`` of ``inv`` (itself included)."""
        if inv.invoice_date is None:
            return [inv.ref.id]
        out = []
        for other in self.invoices_of_commercial(self.invoice_commercial(inv)):
            if other.kind is not InvoiceKind.invoice or other.invoice_date is None:
                continue
            if abs((other.invoice_date - inv.invoice_date).days) <= days:
                out.append(other.ref.id)
        return out

    # ------------------------------------------------------------------ stock

    def on_hand_of(self, product_id: int) -> float:
        """Quantity in internal locations (quants are read from those only)."""
        return sum(q.quantity for q in self._quants_by_product.get(product_id))

    def reserved_of(self, product_id: int) -> float:
        return sum(q.reserved for q in self._quants_by_product.get(product_id))

    def incoming_of(self, product_id: int) -> list[tuple[datetime | None, float]]:
        """Open receipts: (expected date, quantity), soonest first (undated last)."""
        memo = self._memo_get("incoming")
        hit = memo.get(product_id)
        if hit is None:
            rows = [
                (as_utc(mv.date) if mv.date is not None else None, max(0.0, mv.quantity))
                for mv in self._open_moves_by_product.get(product_id)
                if mv.kind == "incoming"
            ]
            hit = memo[product_id] = sorted(rows, key=lambda r: r[0] or _FAR)
        return hit

    def incoming_total(self, product_id: int) -> float:
        return sum(q for _, q in self.incoming_of(product_id))

    def incoming_by(self, product_id: int, when: datetime) -> float:
        """Receipts expected no later than ``when`` (an undated receipt is not counted)."""
        return sum(q for d, q in self.incoming_of(product_id) if d is not None and d <= when)

    def outgoing_of(self, product_id: int) -> float:
        """Open outgoing quantity: deliveries to make and repair parts to consume."""
        total = 0.0
        for mv in self._open_moves_by_product.get(product_id):
            if mv.kind == "outgoing" or (
                mv.kind == "repair" and (mv.repair_line_type or "add") == "add"
            ):
                total += max(0.0, mv.quantity)
        for ln in self._rlines_by_product.get(product_id):
            if ln.state not in _CLOSED_MOVE and (ln.repair_line_type or "add") == "add":
                total += max(0.0, ln.quantity)
        return total

    def position(self, product_id: int) -> float:
        """Forecast position as the rule catalogue defines it: on hand - reserved + incoming -
        outgoing (reserved stock is held back even before its move leaves)."""
        return (
            self.on_hand_of(product_id)
            - self.reserved_of(product_id)
            + self.incoming_total(product_id)
            - self.outgoing_of(product_id)
        )

    def parts_of(self, repair_id: int) -> list[Part]:
        """Open parts to add to a repair: its repair moves (17+) or repair lines (16), else
        the composed ``Repair.parts`` (which carry no state) of an open repair."""
        records = [*self._parts_by_repair.get(repair_id), *self._rlines_by_repair.get(repair_id)]
        if records:
            return sorted(
                (
                    Part(mv.product_id, mv.quantity, mv.ref.id)
                    for mv in records
                    if mv.state not in _CLOSED_MOVE and (mv.repair_line_type or "add") == "add"
                ),
                key=lambda p: p.source_id,
            )
        rep = self.repairs.get(repair_id)
        if rep is None or not rep.open:
            return []
        return [
            Part(p.product_id, p.quantity, -(i + 1))
            for i, p in enumerate(rep.parts)
            if p.line_type == "add"
        ]

    def _all_parts(self, repair_id: int) -> list[StockMove]:
        """Every part record of a repair, whatever its state (for change tracking)."""
        return [*self._parts_by_repair.get(repair_id), *self._rlines_by_repair.get(repair_id)]

    def repair_due(self, repair: Repair) -> datetime | None:
        when = repair.schedule_date or repair.create_date
        return as_utc(when) if when is not None else None

    def repairs_needing(self, product_id: int) -> set[int]:
        """Repairs that have (or had) the product as a part."""
        out = {r.ref.id for r in self._repairs_by_part.get(product_id)}
        for mv in self._repair_moves_by_product.get(product_id):
            if mv.repair_id is not None:
                out.add(mv.repair_id)
        out.update(
            ln.repair_id
            for ln in self._rlines_by_product.get(product_id)
            if ln.repair_id is not None
        )
        return out

    def orders_needing(self, product_id: int) -> set[int]:
        return {ln.order_id for ln in self._lines_by_product.get(product_id)}

    def open_demand_of(self, product_id: int) -> list[Demand]:
        """Open needs of a storable product, earliest due first (first promised, first
        served): undelivered quantities of confirmed orders and parts of open repairs."""
        memo = self._memo_get("open_demand")
        hit = memo.get(product_id)
        if hit is not None:
            return hit
        out: list[Demand] = []
        if self.storable(product_id):
            for line in self._open_lines_by_product.get(product_id):
                order = self.orders.get(line.order_id)
                if order is None or order.state is not OrderState.confirmed:
                    continue
                rest = line.qty_ordered - line.qty_delivered
                if rest > EPS:
                    due = as_utc(order.promised_date or order.date_order)
                    out.append(Demand(due, rest, ("sale.order", line.order_id), line.ref.id))
            for rid in self._open_repairs_needing(product_id):
                rep = self.repairs.get(rid)
                if rep is None or not rep.open:
                    continue
                due = self.repair_due(rep) or _NEVER
                for part in self.parts_of(rid):
                    if part.product_id == product_id:
                        out.append(
                            Demand(due, part.quantity, ("repair.order", rid), part.source_id)
                        )
        out.sort(key=lambda d: (d.due, d.subject, d.source_id))
        memo[product_id] = out
        return out

    def demand_ahead(self, product_id: int, subject: Subject, source_id: int) -> float:
        """Open quantity of the product due before this need (in ``open_demand_of`` order)."""
        memo = self._memo_get("ahead")
        table = memo.get(product_id)
        if table is None:
            table = {}
            ahead = 0.0
            for d in self.open_demand_of(product_id):
                table[(d.subject, d.source_id)] = ahead
                ahead += d.quantity
            memo[product_id] = table
        found = table.get((subject, source_id))
        return (
            float(found)
            if found is not None
            else sum(d.quantity for d in self.open_demand_of(product_id))
        )

    def _open_repairs_needing(self, product_id: int) -> set[int]:
        """Repairs with an open part of the product (or composed parts without records)."""
        out = {r.ref.id for r in self._repairs_by_part.get(product_id)}
        for mv in self._open_moves_by_product.get(product_id):
            if mv.kind == "repair" and mv.repair_id is not None:
                out.add(mv.repair_id)
        out.update(
            ln.repair_id
            for ln in self._rlines_by_product.get(product_id)
            if ln.repair_id is not None and ln.state not in _CLOSED_MOVE
        )
        return out

    def demand_events(self, product_id: int) -> list[tuple[datetime, float]]:
        """Past demand of a product: confirmed order lines (at the order date) and repair parts
        not cancelled (at the repair's schedule date)."""
        return list(self._demand_sources(product_id).values())

    def _demand_sources(self, product_id: int) -> dict[tuple[str, int], tuple[datetime, float]]:
        """``demand_events`` by source (``("line", id)``, ``("part", id)``): ``apply`` patches
        the lines of changed orders in place instead of re-reading every line of the product."""
        memo = self._memo_get("demand_sources")
        hit = memo.get(product_id)
        if hit is not None:
            return hit
        out: dict[tuple[str, int], tuple[datetime, float]] = {}
        for line in self._lines_by_product.get(product_id):
            event = self._line_event(line)
            if event is not None:
                out[("line", line.ref.id)] = event
        parts = [
            *self._repair_moves_by_product.get(product_id),
            *self._rlines_by_product.get(product_id),
        ]
        for mv in parts:
            if mv.repair_id is None or mv.state == "cancel":
                continue
            if (mv.repair_line_type or "add") != "add":
                continue
            rep = self.repairs.get(mv.repair_id)
            due = self.repair_due(rep) if rep is not None else None
            if due is not None:
                out[("part", mv.ref.id)] = (due, mv.quantity)
        memo[product_id] = out
        return out

    def _line_event(self, line: OrderLine) -> tuple[datetime, float] | None:
        order = self.orders.get(line.order_id)
        if order is None or order.state is not OrderState.confirmed:
            return None
        return (as_utc(order.date_order), line.qty_ordered)

    def _patch_demand(self, changes: Mapping[str, Mapping[int, Any]], *, remove: bool) -> None:
        """Take the changed order lines out of (``remove``) or back into the cached demand."""
        memo = self._memo.get("demand_sources")
        if not memo:
            return
        line_ids = set(changes.get("sale.order.line", {}))
        for oid in changes.get("sale.order", {}):
            line_ids.update(ln.ref.id for ln in self.lines_of(oid))
        for lid in line_ids:
            line = self.order_lines.get(lid)
            if line is None or line.product_id is None:
                continue
            events = memo.get(line.product_id)
            if events is None:
                continue
            event = None if remove else self._line_event(line)
            if event is None:
                events.pop(("line", lid), None)
            else:
                events[("line", lid)] = event
        # Repair parts are rarer: their products are simply read again.
        for model in ("repair.order", "stock.move", "repair.line"):
            if model in changes:
                for pid in self._touched_products({model: changes[model]}):
                    memo.pop(pid, None)

    def receipt_delays_of(self, product_id: int) -> list[float]:
        """Days each done receipt of the product arrived after its planned date (negative:
        early), oldest first."""
        rows: list[tuple[datetime, float]] = []
        for mv in self._receipts_by_product.get(product_id):
            if mv.picking_id is None:
                continue
            pick = self.deliveries.get(mv.picking_id)
            if pick is None or pick.scheduled_date is None:
                continue
            done = pick.date_done or mv.date
            if done is None:
                continue
            late = (as_utc(done) - as_utc(pick.scheduled_date)).total_seconds() / 86400
            rows.append((as_utc(done), late))
        rows.sort()
        return [late for _, late in rows]

    # ------------------------------------------------------------------ changes

    def apply(self, changes: Mapping[str, Mapping[int, BaseModel | None]]) -> set[Subject]:
        """Replace (or, with ``None``, remove) records and keep the built indexes in step.

        ``changes`` is ``{odoo_model: {id: new record or None}}``.  Returns the subjects whose
        findings may have changed, judged both before and after the change (a line moved to
        another order re-checks both orders).
        """
        changed = [(m, i) for m, recs in changes.items() if m in SLOTS for i in recs]
        history = [
            (m, i)
            for m, recs in changes.items()
            if m in SLOTS
            for i, rec in recs.items()
            if _alters_history(m, getattr(self, SLOTS[m]).get(i), rec)
        ]
        affected = self.affected_subjects(changed, history=history)
        # Cached values of these products and invoices may change (judged before and after).
        products = self._touched_products(changes)
        invoices = self._touched_invoices(changes)
        self._patch_demand(changes, remove=True)
        for model, recs in changes.items():
            slot = SLOTS.get(model)
            if slot is None:
                continue
            table: dict[int, Any] = getattr(self, slot)
            for rid, rec in recs.items():
                if rec is None:
                    table.pop(rid, None)
                else:
                    table[rid] = rec
                for gname in self._GROUPS_OF.get(slot, ()):
                    group = self.__dict__.get(gname)  # only groups already built
                    if group is not None:
                        group.update(rid, rec)
        if changed:
            products |= self._touched_products(changes)
            invoices |= self._touched_invoices(changes)
            self._forget(products, invoices)
            self._patch_demand(changes, remove=False)
            if any(m == "res.partner" for m, _ in changed):
                # The commercial partner keys of documents depend on partner records.
                for name in (
                    "_invoices_by_commercial",
                    "_refunds_by_commercial",
                    "_invoices_by_total",
                    "_orders_by_commercial",
                    "_repairs_by_commercial",
                ):
                    self.__dict__.pop(name, None)
        affected |= self.affected_subjects(changed, history=history)
        return affected

    # Caches keyed by product id (or a tuple starting with it), and by invoice id.
    _PER_PRODUCT = ("incoming", "open_demand", "ahead", "demand_estimate")
    _PATCHED = ("demand_sources",)  # kept up to date by ``_patch_demand``
    _TUPLE_KEYED = ("demand_estimate",)  # keys (product id, ...)
    _PER_INVOICE = ("invoice_links",)

    def _forget(self, products: set[int], invoices: set[int]) -> None:
        for name, memo in self._memo.items():
            if name in self._PATCHED:
                continue
            if name in self._PER_PRODUCT:
                keys = products
            elif name in self._PER_INVOICE:
                keys = invoices
            else:
                memo.clear()  # a cache this method does not know: forget it all
                continue
            if name not in self._TUPLE_KEYED and len(keys) < len(memo):
                for key in keys:
                    memo.pop(key, None)
                continue
            for key in [k for k in memo if (k[0] if isinstance(k, tuple) else k) in keys]:
                del memo[key]

    def _touched_products(self, changes: Mapping[str, Mapping[int, Any]]) -> set[int]:
        """Products whose cached stock and demand values a change may alter (this state)."""
        out: set[int] = set()
        for model, recs in changes.items():
            slot = SLOTS.get(model)
            if slot is None:
                continue
            table: Mapping[int, Any] = getattr(self, slot)
            for rid in recs:
                rec = table.get(rid)
                if model == "product.product":
                    out.add(rid)
                elif model == "sale.order":
                    out.update(
                        ln.product_id for ln in self.lines_of(rid) if ln.product_id is not None
                    )
                elif model == "repair.order":
                    out.update(p.product_id for p in self._all_parts(rid))
                    if rec is not None:
                        out.update(p.product_id for p in rec.parts)
                elif model in ("product.supplierinfo",):
                    if rec is not None:
                        out.update(
                            p.ref.id for p in self._products_by_tmpl.get(rec.product_tmpl_id)
                        )
                elif rec is not None and getattr(rec, "product_id", None) is not None:
                    out.add(rec.product_id)
        return out

    def _touched_invoices(self, changes: Mapping[str, Mapping[int, Any]]) -> set[int]:
        """Invoices whose cached links to orders a change may alter (this state)."""
        out: set[int] = set(changes.get("account.move", {}))
        for rid in changes.get("account.move.line", {}):
            line = self.invoice_lines.get(rid)
            if line is not None:
                out.add(line.invoice_id)
        for rid in changes.get("sale.order.line", {}):
            out.update(il.invoice_id for il in self.invoice_lines_of_sale_line(rid))
        for rid in changes.get("sale.order", {}):
            order = self.orders.get(rid)
            if order is not None and order.ref.name:
                out.update(inv.ref.id for inv in self._invoices_by_origin.get(order.ref.name))
        return out

    def affected_subjects(
        self,
        changed: Iterable[tuple[str, int]],
        duplicate_window_days: int = 30,
        *,
        history: Iterable[tuple[str, int]] | None = None,
    ) -> set[Subject]:
        """Subjects (rule subject model, id) whose findings may change when ``changed`` records
        (Odoo model, id) changed.

        An invoice re-checks its orders and customer; an order its invoices and customer; a
        stock record its product and the open orders and repairs competing for the product; a
        partner its commercial partner's documents.  Unknown (deleted) records are returned as
        subjects of their own model so their findings can be resolved.

        ``history``: the changed orders and order lines that alter the products' demand
        history (state, order date, ordered quantity); ``None`` = all of them.  The others
        (a delivery recorded, a promise moved) re-check the competing orders but not the
        products' reorder policy.
        """
        hist = None if history is None else set(history)
        # With ``history`` the caller judges both states (``apply``): a changed order then
        # re-checks only the open needs queued at or after its own, as it stands in this state.
        precise = hist is not None
        orders: set[int] = set()
        direct_orders: set[int] = set()  # changed themselves, or their lines
        invoices: set[int] = set()
        direct_invoices: set[int] = set()  # changed themselves (amounts, dates, partner)
        products: set[int] = set()  # subjects, and their whole stock queue re-checked
        policy: set[int] = set()  # subjects only: their demand history changed
        queue: dict[int, datetime] = {}  # product -> re-check open needs due from then on

        def requeue(pid: int, since: datetime = _NEVER) -> None:
            old = queue.get(pid)
            if old is None or since < old:
                queue[pid] = since

        def requeue_line(order: Order | None, line: OrderLine) -> None:
            if line.product_id is None:
                return
            if not precise:
                requeue(line.product_id)
            elif (
                order is not None
                and order.state is OrderState.confirmed
                and line.qty_ordered - line.qty_delivered > EPS
            ):
                requeue(line.product_id, as_utc(order.promised_date or order.date_order))

        partners: set[int] = set()
        repairs: set[int] = set()
        masters: set[int] = set()  # product records themselves (name, storable, cost)
        for model, rid in changed:
            in_history = hist is None or (model, rid) in hist
            if model == "sale.order":
                # Its state and dates decide its products' demand and who is served first.
                orders.add(rid)
                direct_orders.add(rid)
                order = self.orders.get(rid)
                for ln in self.lines_of(rid):
                    if ln.product_id is not None and in_history:
                        policy.add(ln.product_id)
                    requeue_line(order, ln)
            elif model == "sale.order.line":
                line = self.order_lines.get(rid)
                if line is not None:
                    orders.add(line.order_id)
                    direct_orders.add(line.order_id)
                    if line.product_id is not None and in_history:
                        policy.add(line.product_id)
                    requeue_line(self.orders.get(line.order_id), line)
                invoices.update(il.invoice_id for il in self.invoice_lines_of_sale_line(rid))
            elif model == "account.move":
                invoices.add(rid)
                direct_invoices.add(rid)
            elif model == "account.move.line":
                iline = self.invoice_lines.get(rid)
                if iline is not None:
                    invoices.add(iline.invoice_id)
                    direct_invoices.add(iline.invoice_id)
            elif model == "stock.picking":
                pick = self.deliveries.get(rid)
                if pick is not None and pick.order_id is not None:
                    orders.add(pick.order_id)
                # A receipt changes the measured lead time of its products.
                products.update(mv.product_id for mv in self._moves_by_picking.get(rid))
            elif model in ("stock.move", "repair.line"):
                mv = (self.moves if model == "stock.move" else self.repair_lines).get(rid)
                if mv is None:
                    continue
                products.add(mv.product_id)
                if mv.repair_id is not None:
                    repairs.add(mv.repair_id)
            elif model == "stock.quant":
                quant = self.quants.get(rid)
                if quant is not None:
                    products.add(quant.product_id)
            elif model == "stock.warehouse.orderpoint":
                op = self.orderpoints.get(rid)
                if op is not None:
                    products.add(op.product_id)
            elif model == "product.product":
                products.add(rid)
                masters.add(rid)
            elif model == "product.supplierinfo":
                si = self.supplier_infos.get(rid)
                if si is not None:
                    products.update(
                        p.ref.id for p in self._products_by_tmpl.get(si.product_tmpl_id)
                    )
            elif model == "res.partner":
                partners.add(rid)
            elif model == "repair.order":
                repairs.add(rid)
        # A repair changed itself (state, dates) changes the demand of its parts.
        for rid in list(repairs):
            rep = self.repairs.get(rid)
            due = self.repair_due(rep) if rep is not None and rep.open else None
            for part in self._all_parts(rid):
                policy.add(part.product_id)
                if not precise:
                    requeue(part.product_id)
                elif due is not None and part.state not in _CLOSED_MOVE:
                    requeue(part.product_id, due)
        # A partner change (name, commercial entity) re-checks its commercial's documents.
        for pid in list(partners):
            cp = self.commercial_of(pid)
            if cp is None:
                continue
            partners.add(cp)
            # Their findings name the partner; the invoices of its orders too (wrong partner).
            direct_orders.update(o.ref.id for o in self.orders_of_commercial(cp))
            orders.update(o.ref.id for o in self.orders_of_commercial(cp))
            invoices.update(inv.ref.id for inv in self.invoices_of_commercial(cp))
            repairs.update(r.ref.id for r in self.repairs_of_commercial(cp))
        # A change of a product's stock or demand re-checks the open orders and repairs that
        # compete for its stock (delivered orders and closed repairs no longer do); a change
        # of the product record itself (storable, name) every document that has it.
        for pid in products:
            requeue(pid)
        for pid, since in queue.items():
            for d in self.open_demand_of(pid):
                if d.due >= since:
                    (orders if d.subject[0] == "sale.order" else repairs).add(d.subject[1])
        products |= policy
        for pid in masters:
            orders.update(self.orders_needing(pid))
            repairs.update(self.repairs_needing(pid))
        # An invoice re-checks the orders it bills (amounts, over-invoicing).
        for inv_id in invoices:
            orders.update(self.orders_of_invoice(inv_id))
        # A changed order (or line) re-checks its invoices: the amount and partner rules
        # compare the invoice with the order's prices, quantities and invoice address.
        for oid in direct_orders:
            invoices.update(self.invoices_of_order(oid))
        for oid in orders:
            order = self.orders.get(oid)
            if order is not None:
                partners.add(order.customer_id)
        # Duplicates compare a customer's invoices with each other: a changed invoice can make
        # or unmake a duplicate among the customer's invoices dated near it.
        for inv_id in direct_invoices:
            inv = self.invoices.get(inv_id)
            if inv is not None:
                invoices.update(self.invoices_near(inv, duplicate_window_days))
        for inv_id in invoices:
            inv = self.invoices.get(inv_id)
            if inv is not None:
                partners.add(inv.customer_id)
        for rid in repairs:
            rep = self.repairs.get(rid)
            if rep is not None and rep.customer_id is not None:
                partners.add(rep.customer_id)
        # Partner-level rules (refunds, quality) are about the commercial partner.
        partners |= {c for p in partners if (c := self.commercial_of(p)) is not None}
        out: set[Subject] = set()
        out.update(("sale.order", i) for i in orders)
        out.update(("account.move", i) for i in invoices)
        out.update(("product.product", i) for i in products)
        out.update(("repair.order", i) for i in repairs)
        out.update(("res.partner", i) for i in partners)
        return out


def _commercial(customers: Mapping[int, Customer], partner_id: int | None) -> int | None:
    if partner_id is None:
        return None
    cust = customers.get(partner_id)
    return cust.commercial_id if cust is not None else partner_id


def _invoice_commercial(customers: Mapping[int, Customer], inv: Invoice) -> int:
    return inv.commercial_customer_id or _commercial(customers, inv.customer_id) or inv.customer_id


def _alters_history(model: str, old: Any, new: Any) -> bool:
    """Whether replacing ``old`` by ``new`` may change a product's demand history."""
    if old is None or new is None:
        return True
    if model == "sale.order":
        return bool(old.state != new.state or old.date_order != new.date_order)
    if model == "sale.order.line":
        return bool(
            old.qty_ordered != new.qty_ordered
            or old.product_id != new.product_id
            or old.order_id != new.order_id
        )
    return True


def _origin_names(origin: str | None) -> tuple[str, ...]:
    if not origin:
        return ()
    return tuple(n for n in (s.strip() for s in origin.replace(";", ",").split(",")) if n)
