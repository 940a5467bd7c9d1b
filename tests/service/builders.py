"""Test-data builders for the service rules: each test states only the fact it checks.

    order = an_order().confirmed(days_ago=10).promised(days_ago=3).with_line(qty=5, delivered=3)
    snap = company(order)

Builders are mutable while a test composes them; ``company(...)`` turns them (and everything
they refer to: customers, products, lines, pickings) into the frozen ``service.model`` records
of a ``CompanySnapshot``.  Dates are relative to ``NOW``.  Ids are unique per process, so a test
reads them from the builders (``order.id``) rather than assuming numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from service.model import (
    Customer,
    Delivery,
    DeliveryState,
    ErpRef,
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
from service.snapshot import CompanySnapshot

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TENANT = "test"
_ids = itertools.count(1000)

Out = dict[str, dict[int, BaseModel]]


def _when(days_ago: float | None = None, in_days: float | None = None) -> datetime:
    if days_ago is not None:
        return NOW - timedelta(days=days_ago)
    if in_days is not None:
        return NOW + timedelta(days=in_days)
    return NOW


def _day(days_ago: float | None = None, in_days: float | None = None) -> date:
    return _when(days_ago, in_days).date()


def _ref(model: str, rid: int, name: str) -> ErpRef:
    return ErpRef(tenant=TENANT, model=model, id=rid, name=name)


def _done(out: Out, model: str, rid: int) -> bool:
    """Whether the record was emitted already (builders refer to each other in cycles)."""
    return rid in out.get(model, {})


def _put(out: Out, model: str, obj: BaseModel) -> None:
    out.setdefault(model, {})[obj.ref.id] = obj  # type: ignore[attr-defined]


class Builder:
    """Something ``company()`` can turn into records."""

    id: int

    def emit(self, out: Out) -> None:
        raise NotImplementedError


# --------------------------------------------------------------------------- partners


class CustomerB(Builder):
    def __init__(self, name: str = "Azure Interior") -> None:
        self.id = next(_ids)
        self.name = name
        self.company: CustomerB | None = None

    def contact_of(self, company: CustomerB) -> CustomerB:
        self.company = company
        return self

    @property
    def commercial_id(self) -> int:
        return self.company.commercial_id if self.company is not None else self.id

    def emit(self, out: Out) -> None:
        if _done(out, "res.partner", self.id):
            return
        if self.company is not None:
            self.company.emit(out)
        _put(
            out,
            "res.partner",
            Customer(
                ref=_ref("res.partner", self.id, self.name),
                name=self.name,
                commercial_id=self.commercial_id,
                parent_id=self.company.id if self.company is not None else None,
                is_company=self.company is None,
            ),
        )


def a_customer(name: str = "Azure Interior") -> CustomerB:
    return CustomerB(name)


# --------------------------------------------------------------------------- products


class ProductB(Builder):
    def __init__(self, name: str = "Pump P-100", code: str | None = None) -> None:
        self.id = next(_ids)
        self.tmpl_id = next(_ids)
        self.name = name
        self.code = code
        self.is_storable = True
        self.cost = 100.0
        self.extra: list[Builder | BaseModel] = []
        self._records: list[tuple[str, BaseModel]] = []

    def consumable(self) -> ProductB:
        self.is_storable = False
        return self

    def costing(self, cost: float) -> ProductB:
        self.cost = cost
        return self

    def sold_by(
        self,
        vendor: CustomerB | None = None,
        *,
        lead_days: float = 14,
        min_qty: float = 0,
        price: float = 80.0,
        sequence: int = 10,
    ) -> ProductB:
        vendor = vendor or CustomerB("Pioneer Supplies")
        self.extra.append(vendor)
        sid = next(_ids)
        self._records.append(
            (
                "product.supplierinfo",
                SupplierInfo(
                    ref=_ref("product.supplierinfo", sid, vendor.name),
                    vendor_id=vendor.id,
                    vendor_name=vendor.name,
                    product_tmpl_id=self.tmpl_id,
                    min_qty=min_qty,
                    price=price,
                    lead_time_days=lead_days,
                    sequence=sequence,
                ),
            )
        )
        return self

    def on_hand(self, qty: float, reserved: float = 0.0) -> ProductB:
        qid = next(_ids)
        self._records.append(
            (
                "stock.quant",
                Quant(
                    ref=_ref("stock.quant", qid, ""),
                    product_id=self.id,
                    location_id=8,
                    quantity=qty,
                    reserved=reserved,
                ),
            )
        )
        return self

    def orderpoint(self, min_qty: float, max_qty: float = 0.0, multiple: float = 0.0) -> ProductB:
        oid = next(_ids)
        self._records.append(
            (
                "stock.warehouse.orderpoint",
                Orderpoint(
                    ref=_ref("stock.warehouse.orderpoint", oid, ""),
                    product_id=self.id,
                    location_id=8,
                    min_qty=min_qty,
                    max_qty=max_qty,
                    multiple=multiple,
                ),
            )
        )
        return self

    def _move(self, kind: str, qty: float, state: str, when: datetime, **kw: Any) -> int:
        mid = next(_ids)
        self._records.append(
            (
                "stock.move",
                StockMove(
                    ref=_ref("stock.move", mid, ""),
                    product_id=self.id,
                    quantity=qty,
                    quantity_done=qty if state == "done" else 0.0,
                    state=state,
                    kind=kind,
                    date=when,
                    **kw,
                ),
            )
        )
        return mid

    def receipt(self, qty: float, in_days: float = 5, days_ago: float | None = None) -> ProductB:
        """An open receipt expected in ``in_days`` (or overdue by ``days_ago``)."""
        when = _when(days_ago, None if days_ago is not None else in_days)
        self._move("incoming", qty, "assigned", when)
        return self

    def outgoing(self, qty: float, in_days: float = 2) -> ProductB:
        """An open delivery move of the product (no order behind it)."""
        self._move("outgoing", qty, "assigned", _when(in_days=in_days))
        return self

    def received(self, qty: float, *, planned_days_ago: float, late_days: float) -> ProductB:
        """A done receipt that arrived ``late_days`` after its planned date."""
        pid = next(_ids)
        planned = _when(days_ago=planned_days_ago)
        done = planned + timedelta(days=late_days)
        self._records.append(
            (
                "stock.picking",
                Delivery(
                    ref=_ref("stock.picking", pid, f"WH/IN/{pid}"),
                    kind="incoming",
                    state=DeliveryState.done,
                    scheduled_date=planned,
                    date_done=done,
                ),
            )
        )
        self._move("incoming", qty, "done", done, picking_id=pid)
        return self

    def sales(
        self, history: Iterable[tuple[float, float]], customer: CustomerB | None = None
    ) -> ProductB:
        """Past demand: ``(days_ago, qty)`` confirmed orders, delivered and invoiced in full
        (so they raise no finding of their own)."""
        for days_ago, qty in history:
            order = (
                an_order(customer)
                .confirmed(days_ago=days_ago)
                .promised(days_ago=max(0.0, days_ago - 2))
                .with_line(self, qty=qty, delivered=qty, invoiced=qty)
                .shipped(days_ago=max(0.0, days_ago - 2))
            )
            self.extra.append(order)
        return self

    @property
    def display(self) -> str:
        return f"[{self.code}] {self.name}" if self.code else self.name

    def emit(self, out: Out) -> None:
        if _done(out, "product.product", self.id):
            return
        _put(
            out,
            "product.product",
            Product(
                ref=_ref("product.product", self.id, self.display),
                name=self.name,
                default_code=self.code,
                product_tmpl_id=self.tmpl_id,
                storable=self.is_storable,
                unit_cost=self.cost,
                list_price=self.cost * 1.5,
            ),
        )
        for model, obj in self._records:
            _put(out, model, obj)
        for b in self.extra:
            if isinstance(b, Builder):
                b.emit(out)


def a_product(name: str = "Pump P-100", code: str | None = None) -> ProductB:
    return ProductB(name, code)


# --------------------------------------------------------------------------- orders


class LineB:
    def __init__(
        self,
        order: OrderB,
        product: ProductB | None,
        qty: float,
        delivered: float,
        invoiced: float,
        price: float,
        discount: float,
    ) -> None:
        self.id = next(_ids)
        self.order = order
        self.product = product
        self.qty = qty
        self.delivered = delivered
        self.invoiced = invoiced
        self.price = price
        self.discount = discount

    def record(self) -> OrderLine:
        net = self.price * (1 - self.discount / 100)
        return OrderLine(
            ref=_ref("sale.order.line", self.id, ""),
            order_id=self.order.id,
            product_id=self.product.id if self.product is not None else None,
            description=self.product.name if self.product is not None else "note",
            qty_ordered=self.qty,
            qty_delivered=self.delivered,
            qty_invoiced=self.invoiced,
            price_unit=self.price,
            discount=self.discount,
            price_subtotal=round(self.qty * net, 2),
        )


class OrderB(Builder):
    def __init__(self, customer: CustomerB | None = None) -> None:
        self.id = next(_ids)
        self.name = f"S{self.id:05d}"
        self.customer = customer or CustomerB()
        self.invoice_partner: CustomerB | None = None
        self.state = OrderState.draft
        self.date_order = _when(days_ago=1)
        self.commitment: datetime | None = None
        self.expected: datetime | None = None
        self.lines: list[LineB] = []
        self.pickings: list[Delivery] = []

    def confirmed(self, days_ago: float = 1) -> OrderB:
        self.state = OrderState.confirmed
        self.date_order = _when(days_ago=days_ago)
        return self

    def cancelled(self) -> OrderB:
        self.state = OrderState.cancelled
        return self

    def draft(self) -> OrderB:
        self.state = OrderState.draft
        return self

    def promised(self, days_ago: float | None = None, in_days: float | None = None) -> OrderB:
        self.commitment = _when(days_ago, in_days)
        return self

    def expected_on(self, days_ago: float | None = None, in_days: float | None = None) -> OrderB:
        self.expected = _when(days_ago, in_days)
        return self

    def invoice_to(self, partner: CustomerB) -> OrderB:
        self.invoice_partner = partner
        return self

    def with_line(
        self,
        product: ProductB | None = None,
        *,
        qty: float = 1,
        delivered: float = 0,
        invoiced: float = 0,
        price: float = 100.0,
        discount: float = 0.0,
        no_product: bool = False,
    ) -> OrderB:
        if product is None and not no_product:
            product = ProductB()
        self.lines.append(LineB(self, product, qty, delivered, invoiced, price, discount))
        return self

    @property
    def line(self) -> LineB:
        """The last line added."""
        return self.lines[-1]

    def shipped(self, days_ago: float, state: DeliveryState = DeliveryState.done) -> OrderB:
        """A delivery of the order (done ``days_ago`` days ago by default)."""
        pid = next(_ids)
        done = state is DeliveryState.done
        self.pickings.append(
            Delivery(
                ref=_ref("stock.picking", pid, f"WH/OUT/{pid}"),
                kind="outgoing",
                state=state,
                order_id=self.id,
                scheduled_date=_when(days_ago=days_ago),
                date_done=_when(days_ago=days_ago) if done else None,
            )
        )
        return self

    @property
    def ref(self) -> ErpRef:
        return _ref("sale.order", self.id, self.name)

    def emit(self, out: Out) -> None:
        if _done(out, "sale.order", self.id):
            return
        untaxed = sum(ln.record().price_subtotal for ln in self.lines)
        _put(
            out,
            "sale.order",
            Order(
                ref=self.ref,
                customer_id=self.customer.id,
                invoice_partner_id=(self.invoice_partner or self.customer).id,
                shipping_partner_id=self.customer.id,
                state=self.state,
                date_order=self.date_order,
                commitment_date=self.commitment,
                expected_date=self.expected,
                amount_untaxed=untaxed,
                amount_total=round(untaxed * 1.15, 2),
                line_ids=tuple(ln.id for ln in self.lines),
            ),
        )
        self.customer.emit(out)
        if self.invoice_partner is not None:
            self.invoice_partner.emit(out)
        for line in self.lines:
            _put(out, "sale.order.line", line.record())
            if line.product is not None:
                line.product.emit(out)
        for p in self.pickings:
            _put(out, "stock.picking", p)


def an_order(customer: CustomerB | None = None) -> OrderB:
    return OrderB(customer)


# --------------------------------------------------------------------------- invoices


class InvoiceB(Builder):
    def __init__(self, customer: CustomerB | None = None) -> None:
        self.id = next(_ids)
        self.name = f"INV/2026/{self.id:05d}"
        self.customer = customer or CustomerB()
        self.kind = InvoiceKind.invoice
        self.state = "posted"
        self.payment_state = "not_paid"
        self.invoice_date: date | None = _day(days_ago=1)
        self.due_date: date | None = _day(in_days=29)
        self.untaxed: float | None = None
        self.total: float | None = None
        self.residual: float | None = None
        self.origin: str | None = None
        self.customer_ref: str | None = None
        self.reversed_entry: int | None = None
        self.lines: list[InvoiceLine] = []
        self.deps: list[Builder] = []

    def for_order(self, order: OrderB, *, link_lines: bool = True) -> InvoiceB:
        """Bill every line of ``order`` at its prices for its invoiced quantity."""
        self.customer = order.invoice_partner or order.customer
        self.origin = order.name
        self.deps.append(order)
        if link_lines:
            for line in order.lines:
                self.bills(line)
        return self

    def bills(self, line: LineB, qty: float | None = None, price: float | None = None) -> InvoiceB:
        q = line.invoiced if qty is None else qty
        p = line.price if price is None else price
        if line.order not in self.deps:
            self.deps.append(line.order)
        self.lines.append(
            InvoiceLine(
                ref=_ref("account.move.line", next(_ids), ""),
                invoice_id=self.id,
                product_id=line.product.id if line.product is not None else None,
                quantity=q,
                price_unit=p,
                price_subtotal=round(q * p * (1 - line.discount / 100), 2),
                sale_line_ids=(line.id,),
            )
        )
        return self

    def extra_line(self, amount: float) -> InvoiceB:
        """An invoice line no sale line justifies (a manual charge)."""
        self.lines.append(
            InvoiceLine(
                ref=_ref("account.move.line", next(_ids), ""),
                invoice_id=self.id,
                product_id=None,
                quantity=1,
                price_unit=amount,
                price_subtotal=amount,
            )
        )
        return self

    def amounts(self, untaxed: float, total: float | None = None) -> InvoiceB:
        self.untaxed = untaxed
        self.total = total
        return self

    def to(self, customer: CustomerB) -> InvoiceB:
        self.customer = customer
        return self

    def posted(self, days_ago: float = 1) -> InvoiceB:
        self.state = "posted"
        self.invoice_date = _day(days_ago=days_ago)
        return self

    def draft(self) -> InvoiceB:
        self.state = "draft"
        return self

    def due(self, days_ago: float | None = None, in_days: float | None = None) -> InvoiceB:
        self.due_date = _day(days_ago, in_days)
        return self

    def paid(self) -> InvoiceB:
        self.payment_state = "paid"
        self.residual = 0.0
        return self

    def partial(self, residual: float) -> InvoiceB:
        self.payment_state = "partial"
        self.residual = residual
        return self

    def refund(self, of: InvoiceB | None = None) -> InvoiceB:
        self.kind = InvoiceKind.refund
        self.name = f"RINV/2026/{self.id:05d}"
        self.reversed_entry = of.id if of is not None else None
        return self

    def with_ref(self, ref: str | None) -> InvoiceB:
        self.customer_ref = ref
        return self

    @property
    def ref(self) -> ErpRef:
        return _ref("account.move", self.id, self.name)

    def emit(self, out: Out) -> None:
        if _done(out, "account.move", self.id):
            return
        self.customer.emit(out)
        for d in self.deps:
            d.emit(out)
        for line in self.lines:
            _put(out, "account.move.line", line)
        untaxed = (
            self.untaxed
            if self.untaxed is not None
            else round(sum(ln.price_subtotal for ln in self.lines), 2)
        )
        total = self.total if self.total is not None else round(untaxed * 1.15, 2)
        residual = self.residual if self.residual is not None else total
        _put(
            out,
            "account.move",
            Invoice(
                ref=self.ref,
                kind=self.kind,
                state=self.state,
                payment_state=self.payment_state,
                customer_id=self.customer.id,
                commercial_customer_id=self.customer.commercial_id,
                invoice_date=self.invoice_date,
                due_date=self.due_date,
                amount_untaxed=untaxed,
                amount_total=total,
                amount_residual=residual,
                origin=self.origin,
                customer_ref=self.customer_ref,
                reversed_entry_id=self.reversed_entry,
                line_ids=tuple(ln.ref.id for ln in self.lines),
            ),
        )


def an_invoice(customer: CustomerB | None = None) -> InvoiceB:
    return InvoiceB(customer)


# --------------------------------------------------------------------------- repairs


class RepairB(Builder):
    def __init__(self, customer: CustomerB | None = None) -> None:
        self.id = next(_ids)
        self.name = f"RO/{self.id:05d}"
        self.customer = customer or CustomerB()
        self.state = "confirmed"
        self.schedule: datetime | None = _when(in_days=2)
        self.parts: list[tuple[ProductB, float, str, str]] = []

    def needs(
        self, product: ProductB, qty: float = 1, *, state: str = "confirmed", line_type: str = "add"
    ) -> RepairB:
        self.parts.append((product, qty, state, line_type))
        return self

    def in_state(self, state: str) -> RepairB:
        self.state = state
        return self

    def scheduled(self, days_ago: float | None = None, in_days: float | None = None) -> RepairB:
        self.schedule = _when(days_ago, in_days)
        return self

    def emit(self, out: Out) -> None:
        if _done(out, "repair.order", self.id):
            return
        self.customer.emit(out)
        for product, qty, state, line_type in self.parts:
            product.emit(out)
            mid = next(_ids)
            _put(
                out,
                "stock.move",
                StockMove(
                    ref=_ref("stock.move", mid, ""),
                    product_id=product.id,
                    quantity=qty,
                    state=state,
                    kind="repair",
                    repair_id=self.id,
                    repair_line_type=line_type,
                    date=self.schedule,
                ),
            )
        _put(
            out,
            "repair.order",
            Repair(
                ref=_ref("repair.order", self.id, self.name),
                customer_id=self.customer.id,
                state=self.state,
                schedule_date=self.schedule,
                create_date=_when(days_ago=3),
            ),
        )


def a_repair(customer: CustomerB | None = None) -> RepairB:
    return RepairB(customer)


# --------------------------------------------------------------------------- the company


def records(*builders: Builder) -> Out:
    out: Out = {}
    for b in builders:
        b.emit(out)
    return out


def company(*builders: Builder) -> CompanySnapshot:
    """The snapshot holding ``builders`` and everything they refer to."""
    out = records(*builders)
    return CompanySnapshot.from_models(TENANT, {m: list(v.values()) for m, v in out.items()})
