"""The service-management model: what svcsync knows about a company, independent of Odoo.

Pure data (pydantic v2, frozen): no I/O, no Odoo field names.  ``mappings/`` builds these from
Odoo records; ``service/rules`` reads them and yields ``Finding``s; findings become actions
(``Ticket``, ``ReorderRequest``, ``QualityFlag``) that ``mappings/`` turns back into Odoo values.

Every record carries an ``ErpRef`` (tenant, Odoo model, id, display name) so a person can always
find it in the ERP.  Relations are plain Odoo ids (``customer_id``, ``order_id``...) within the
same tenant; money is in the document currency (``currency`` keeps its code).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErpRef(_Frozen):
    """Where a thing lives in the ERP."""

    tenant: str
    model: str
    id: int
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.model}:{self.id}"


# --------------------------------------------------------------------------- master data


class Customer(_Frozen):
    ref: ErpRef
    name: str
    commercial_id: int  # the commercial partner (company) this contact belongs to
    parent_id: int | None = None
    is_company: bool = False
    email: str | None = None
    category_ids: tuple[int, ...] = ()
    active: bool = True
    write_date: datetime | None = None


class SupplierInfo(_Frozen):
    """A vendor's terms for a product (``product.supplierinfo``)."""

    ref: ErpRef
    vendor_id: int
    vendor_name: str = ""
    product_tmpl_id: int
    product_id: int | None = None  # a specific variant, else every variant of the template
    min_qty: float = 0.0
    price: float = 0.0
    lead_time_days: float = 0.0
    sequence: int = 10


class Product(_Frozen):
    ref: ErpRef
    name: str
    default_code: str | None = None
    product_tmpl_id: int
    storable: bool  # tracked in stock (16/17 type == 'product'; 18+ is_storable)
    unit_cost: float = 0.0  # standard_price
    list_price: float = 0.0
    active: bool = True
    write_date: datetime | None = None


class Quant(_Frozen):
    """Stock of a product at an internal location (``stock.quant``)."""

    ref: ErpRef
    product_id: int
    location_id: int
    quantity: float
    reserved: float = 0.0
    write_date: datetime | None = None


class Orderpoint(_Frozen):
    ref: ErpRef
    product_id: int
    location_id: int
    min_qty: float
    max_qty: float
    multiple: float = 0.0


class StockItem(_Frozen):
    """Product × location with everything the inventory policy needs (composed, not mapped)."""

    product: ErpRef
    location_id: int
    on_hand: float
    reserved: float = 0.0
    incoming: float = 0.0
    outgoing: float = 0.0
    unit_cost: float = 0.0
    supplier_id: int | None = None
    supplier_name: str = ""
    supplier_price: float = 0.0
    lead_time_days: float = 0.0
    min_order_qty: float = 0.0
    multiple: float = 0.0

    @property
    def available(self) -> float:
        return self.on_hand - self.reserved

    @property
    def forecast(self) -> float:
        return self.on_hand + self.incoming - self.outgoing


# --------------------------------------------------------------------------- documents


class OrderState(StrEnum):
    draft = "draft"  # quotation (draft or sent)
    confirmed = "confirmed"  # 'sale', or 16's locked 'done'
    cancelled = "cancelled"


class OrderLine(_Frozen):
    ref: ErpRef
    order_id: int
    product_id: int | None
    description: str = ""
    qty_ordered: float
    qty_delivered: float = 0.0
    qty_invoiced: float = 0.0
    price_unit: float = 0.0
    discount: float = 0.0
    price_subtotal: float = 0.0
    write_date: datetime | None = None


class Order(_Frozen):
    ref: ErpRef
    customer_id: int
    invoice_partner_id: int | None = None
    shipping_partner_id: int | None = None
    state: OrderState
    locked: bool = False
    date_order: datetime
    commitment_date: datetime | None = None
    expected_date: datetime | None = None
    amount_untaxed: float = 0.0
    amount_total: float = 0.0
    currency: str = ""
    invoice_status: str | None = None  # upselling / invoiced / to invoice / no
    delivery_status: str | None = None  # pending / started / partial / full (17+)
    effective_date: datetime | None = None  # first done delivery
    line_ids: tuple[int, ...] = ()
    invoice_ids: tuple[int, ...] = ()
    write_date: datetime | None = None

    @property
    def promised_date(self) -> datetime | None:
        """What the customer was promised: ``commitment_date``, else ``expected_date``."""
        return self.commitment_date or self.expected_date


class InvoiceKind(StrEnum):
    invoice = "out_invoice"
    refund = "out_refund"


class InvoiceLine(_Frozen):
    ref: ErpRef
    invoice_id: int
    product_id: int | None
    description: str = ""
    quantity: float = 0.0
    price_unit: float = 0.0
    price_subtotal: float = 0.0
    sale_line_ids: tuple[int, ...] = ()
    write_date: datetime | None = None


class Invoice(_Frozen):
    ref: ErpRef
    kind: InvoiceKind
    state: str  # draft / posted / cancel
    payment_state: str | None = None  # not_paid / in_payment / paid / partial / reversed / blocked
    customer_id: int
    commercial_customer_id: int | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    amount_untaxed: float = 0.0
    amount_total: float = 0.0
    amount_residual: float = 0.0
    currency: str = ""
    origin: str | None = None  # invoice_origin: the sale order name(s)
    customer_ref: str | None = None  # ``ref``
    reversed_entry_id: int | None = None
    line_ids: tuple[int, ...] = ()
    write_date: datetime | None = None

    @property
    def posted(self) -> bool:
        return self.state == "posted"


class DeliveryState(StrEnum):
    draft = "draft"
    waiting = "waiting"
    confirmed = "confirmed"
    assigned = "assigned"
    done = "done"
    cancel = "cancel"


class Delivery(_Frozen):
    """A picking (``stock.picking``): outgoing deliveries and incoming receipts."""

    ref: ErpRef
    kind: str  # incoming / outgoing / internal
    state: DeliveryState
    order_id: int | None = None  # sale_id
    purchase_id: int | None = None
    partner_id: int | None = None
    origin: str | None = None
    scheduled_date: datetime | None = None
    deadline: datetime | None = None
    date_done: datetime | None = None
    write_date: datetime | None = None


class StockMove(_Frozen):
    """One product movement; gives incoming/outgoing quantities and repair parts (17+)."""

    ref: ErpRef
    product_id: int
    quantity: float  # demand (product_uom_qty)
    quantity_done: float = 0.0
    state: str
    kind: str  # incoming / outgoing / internal / repair
    picking_id: int | None = None
    sale_line_id: int | None = None
    repair_id: int | None = None
    repair_line_type: str | None = None  # add / remove / recycle on repair parts
    location_id: int | None = None
    location_dest_id: int | None = None
    date: datetime | None = None
    write_date: datetime | None = None


class RepairPart(_Frozen):
    product_id: int
    quantity: float
    line_type: str = "add"  # add / remove / recycle


class Repair(_Frozen):
    ref: ErpRef
    customer_id: int | None
    product_id: int | None = None  # the product being repaired
    state: str  # draft / confirmed / under_repair / ready / done / cancel ...
    schedule_date: datetime | None = None
    create_date: datetime | None = None
    parts: tuple[RepairPart, ...] = ()
    write_date: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state not in ("done", "cancel", "2binvoiced", "invoice_except")


# --------------------------------------------------------------------------- findings and actions


class Severity(StrEnum):
    info = "info"
    warning = "warning"  # amber
    critical = "critical"  # red


def finding_key(rule: str, model: str, res_id: int, period: str | None = None) -> str:
    """``rule:subject_model:subject_id[:period]`` — deterministic across processes."""
    key = f"{rule}:{model}:{res_id}"
    return f"{key}:{period}" if period else key


def stable_digest(*parts: str) -> str:
    """A short sha1 digest for lock keys and content hashes (never Python's salted ``hash()``)."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


class Finding(_Frozen):
    key: str
    rule: str
    severity: Severity
    subject: ErpRef
    customer: ErpRef | None = None
    money: float = 0.0  # at stake, in company currency
    evidence: dict[str, float | int | str | None] = Field(default_factory=dict)
    message: str  # one plain-words sentence with the numbers and record names
    detected_at: datetime
    resolved_at: datetime | None = None
    period: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None


class FlagLevel(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


class Ticket(_Frozen):
    """A helpdesk ticket (or project task) for a finding that needs a person."""

    finding_key: str
    title: str
    description: str  # plain words; mappings render it as safe HTML
    subject: ErpRef
    customer: ErpRef | None = None
    priority: int = 1  # 0 low .. 3 urgent (Odoo's '0'..'3')
    evidence: dict[str, float | int | str | None] = Field(default_factory=dict)


class ReorderRequest(_Frozen):
    """A line for a draft RFQ to the product's vendor (never confirmed by svcsync)."""

    finding_key: str
    product: ErpRef
    vendor_id: int | None
    vendor_name: str = ""
    quantity: float
    price_unit: float = 0.0
    urgent: bool = False
    reason: str  # plain words: why, with the numbers
    explanation: dict[str, float | int | str | None] = Field(default_factory=dict)


class QualityFlag(_Frozen):
    """Green / amber / red on a partner, order or invoice, with the reasons in plain words."""

    subject: ErpRef
    level: FlagLevel
    reasons: tuple[str, ...] = ()
    finding_keys: tuple[str, ...] = ()
