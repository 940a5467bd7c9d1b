"""The demo company: a seeded, consistent Odoo database with planted service problems.

``generate(seed, orders, version, today)`` builds an equipment distributor that sells pumps,
compressors and their spare parts: customers (companies with invoice and delivery contacts),
vendors with supplier prices and lead times, 180 days of sale orders with deliveries, invoices,
credit notes and payments, stock, orderpoints, purchase receipts and repairs.  Everything is
derived from ``random.Random`` streams seeded by ``seed`` (never the global generator or
``hash()``), and every date is relative to ``today`` so the problems are live whenever the demo
runs.

The clean part is built so that no rule of ``docs/internals.md`` §2 fires at default thresholds
(stock between its reorder point and ~150 days of cover, invoices within days of delivery, no two
invoices of one customer with the same total, overdue only within tolerance, ...).  With
``plant=True`` the ``_Plants`` step then breaks a few subjects on purpose, each clearly beyond
its rule's threshold, and records them in the manifest (``README.md`` in this folder lists how).
``odoosim.datasets.verify`` re-derives every rule from the records, so tests can prove both.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from odoosim.datasets import SUPPORTED_VERSIONS, Dataset, DatasetError, Records
from odoosim.datasets.base import FIRST_SHARED_ID, REFS, TAX_RATE, structural_records

__all__ = ["HISTORY_DAYS", "generate"]

HISTORY_DAYS = 180

# Load order: a model only references models listed before it (except the parent/child links
# inside res.partner and the reverse x2many, which the ORM derives).
MODEL_ORDER = (
    "uom.category",
    "uom.uom",
    "account.tax",
    "account.journal",
    "stock.location",
    "stock.warehouse",
    "stock.picking.type",
    "product.category",
    "res.partner",
    "product.template",
    "product.product",
    "product.supplierinfo",
    "stock.quant",
    "stock.warehouse.orderpoint",
    "purchase.order",
    "purchase.order.line",
    "sale.order",
    "sale.order.line",
    "repair.order",
    "repair.line",
    "stock.picking",
    "stock.move",
    "account.move",
    "account.move.line",
)

# Demand thresholds the clean stock is sized against, looser than any sane rule setting:
# the reorder point is taken at 99 % service level on the busiest window, and the cover
# is capped well under the 180 days of ``inventory.overstock``.
Z_CLEAN = 2.05  # 98 % service level
ROP_MARGIN = 1.2
MAX_COVER_DAYS = 150
OVERSTOCK_SAFE_MONEY = 30.0  # per month, versus the 50 default threshold
HOLDING_RATE = 0.25


# ----------------------------------------------------------------------------------------
# Public entry point


def generate(
    seed: int,
    orders: int = 300,
    version: str = "17",
    today: date | None = None,
    plant: bool = True,
    apps: Iterable[str] | None = None,
) -> Dataset:
    """Build the demo company (records in load order) and its manifest of planted problems.

    From ``orders=100`` up the clean part triggers no rule (tested on many seeds); below that
    demand is too thin to size stock for every reading (a rare extra stock finding may appear).

    ``apps`` (as ``SimServer(apps=...)``; ``None`` = all) drops the models and fields of apps
    that are not installed, and the plants whose rule needs them.
    """
    version = str(version)
    if version not in SUPPORTED_VERSIONS:
        raise DatasetError(
            f"demo dataset: odoo_version must be one of {', '.join(SUPPORTED_VERSIONS)}, "
            f"got {version!r}"
        )
    if isinstance(orders, bool) or not isinstance(orders, int) or orders < 30:
        raise DatasetError(f"demo dataset: orders must be an integer >= 30, got {orders!r}")
    if today is None:
        today = datetime.now(UTC).date()
    gen = _Generator(seed, orders, version, today, plant)
    records = gen.build()
    planted = sorted(gen.planted, key=lambda p: (p["rule"], p["id"]))
    if apps is not None:
        installed = _resolve_apps(apps)
        records = restrict_to_apps(records, version, installed)
        planted = [p for p in planted if RULE_APPS[p["rule"]] <= installed]
    manifest = {
        "seed": seed,
        "orders": orders,
        "odoo_version": version,
        "today": today.isoformat(),
        "planted": planted,
    }
    return Dataset(records=records, manifest=manifest)


# The apps a rule's subjects and evidence live in (odoosim.models.APPS keys).
RULE_APPS: dict[str, frozenset[str]] = {
    "billing.amount_mismatch": frozenset({"sale", "account"}),
    "billing.over_invoiced": frozenset({"sale", "account"}),
    "billing.not_invoiced": frozenset({"sale", "account", "stock"}),
    "billing.duplicate_invoice": frozenset({"account"}),
    "billing.wrong_partner": frozenset({"sale", "account"}),
    "billing.overdue": frozenset({"account"}),
    "billing.refund_pileup": frozenset({"account"}),
    "orders.late": frozenset({"sale"}),
    "orders.stuck": frozenset({"sale"}),
    "orders.unservable": frozenset({"sale", "stock"}),
    "repairs.parts_missing": frozenset({"repair", "stock"}),
    "inventory.reorder": frozenset({"stock"}),
    "inventory.overstock": frozenset({"stock"}),
}


def _resolve_apps(apps: Iterable[str]) -> frozenset[str]:
    from odoosim.models import resolve_apps

    try:
        return resolve_apps(apps)
    except ValueError as exc:
        raise DatasetError(f"demo dataset: {exc}") from exc


def restrict_to_apps(records: Records, version: str, installed: frozenset[str]) -> Records:
    """Only the models and fields that exist with these apps installed."""
    from odoosim.models import build_registry

    registry = build_registry(int(version), installed)
    out: Records = {}
    for model, rows in records.items():
        mdef = registry.get(model)
        if mdef is None:
            continue
        if "repair" not in installed:
            # Parts moves and the repair operation type go with the repairs.
            if model == "stock.move":
                rows = [row for row in rows if not row.get("repair_id")]
            elif model == "stock.picking.type":
                rows = [row for row in rows if row.get("code") != "repair_operation"]
        if not rows:
            continue
        keys: set[str] = set().union(*(row.keys() for row in rows))
        drop = {k for k in keys if k != "id" and k not in mdef.fields}
        out[model] = (
            [{k: v for k, v in row.items() if k not in drop} for row in rows] if drop else rows
        )
    return out


# ----------------------------------------------------------------------------------------
# Catalogue

_FAMILIES = (
    ("Centrifugal Pump", "PMP"),
    ("Screw Compressor", "CMP"),
    ("Ball Valve", "VLV"),
    ("Electric Motor", "MTR"),
    ("Filter Unit", "FLT"),
    ("Heat Exchanger", "HEX"),
    ("Pump Controller", "CTL"),
    ("Axial Fan", "FAN"),
    ("Dosing Pump", "DOS"),
    ("Booster Set", "BST"),
)
_SIZES = ("S", "M", "L", "XL", "Pro", "Eco", "HD", "Mini")
_PARTS = (
    "Seal Kit",
    "Bearing",
    "Impeller",
    "Gasket Set",
    "O-Ring Set",
    "Drive Shaft",
    "Coupling",
    "Pressure Sensor",
    "Control Board",
    "Drive Belt",
    "Filter Cartridge",
    "Valve Seat",
    "Capacitor",
    "Thermostat",
    "Fan Blade",
)
_CONSUMABLES = (
    "Lubricant 1L",
    "Cleaning Agent 5L",
    "Thread Sealant",
    "PTFE Tape",
    "Coolant 5L",
    "Hose Clamp Pack",
    "Cable Ties Pack",
    "Descaler 5L",
)
_COMPANY_WORDS = (
    "Nordwind",
    "Harbor",
    "Alpine",
    "Riverside",
    "Summit",
    "Keystone",
    "Bluewater",
    "Ironbridge",
    "Greenfield",
    "Oakridge",
    "Silverline",
    "Westbrook",
    "Lakeshore",
    "Redstone",
    "Highland",
    "Brightwater",
    "Stonegate",
    "Clearview",
    "Maple",
    "Northgate",
)
_COMPANY_KINDS = (
    "Hotels",
    "Brewery",
    "Dairy",
    "Facilities",
    "Hospital",
    "Water Works",
    "Foods",
    "Logistics",
    "Laundry",
    "Campus",
    "Farms",
    "Plastics",
)
_SUFFIX = ("Ltd", "GmbH", "SA", "BV", "Inc", "AG", "Oy", "AB")
_FIRST = (
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pavel",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
)
_LAST = (
    "Berg",
    "Costa",
    "Dahl",
    "Evans",
    "Fischer",
    "Garcia",
    "Holm",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Laine",
    "Moreau",
    "Novak",
    "Olsen",
    "Petit",
    "Quinn",
    "Rossi",
    "Sato",
)
_CITIES = (
    ("Hamburg", "DE"),
    ("Rotterdam", "NL"),
    ("Lyon", "FR"),
    ("Gothenburg", "SE"),
    ("Porto", "PT"),
    ("Gdansk", "PL"),
    ("Turku", "FI"),
    ("Antwerp", "BE"),
    ("Bilbao", "ES"),
    ("Aarhus", "DK"),
    ("Graz", "AT"),
    ("Genoa", "IT"),
)
_VENDORS = (
    "Kessler Pumpenwerk",
    "Atlas Industrial Supply",
    "Nordic Seals",
    "Vortex Motors",
    "Precision Bearings Co",
    "FlowTech Components",
    "Meridian Electronics",
    "Baltic Filtration",
    "Unity Chemicals",
    "Pioneer Fans",
)


@dataclass
class _Product:
    id: int
    tmpl_id: int
    name: str
    code: str
    kind: str  # finished | spare | consumable | goods (not tracked) | service
    pattern: str  # steady | seasonal | intermittent | none
    weight: float
    phase: float
    p_active: float
    price: float
    cost: float
    vendor: int = 0
    delay: int = 7
    min_qty: float = 1.0
    multiple: float = 1.0
    qty_lo: int = 1
    qty_hi: int = 3

    @property
    def storable(self) -> bool:
        return self.kind in ("finished", "spare", "consumable")


@dataclass
class _Customer:
    id: int
    name: str
    contact: int
    invoice: int
    delivery: int
    weight: float


@dataclass
class _Stock:
    """Per-product stock bookkeeping filled while orders and repairs are built."""

    demand: list[float] = field(default_factory=lambda: [0.0] * HISTORY_DAYS)
    sales: list[float] = field(default_factory=lambda: [0.0] * HISTORY_DAYS)  # demand w/o repairs
    open_out: float = 0.0  # not yet shipped: open order lines and open repair parts
    reserved: float = 0.0  # part of open_out reserved on quants
    on_hand: float | None = None  # forced by a plant
    incoming: list[tuple[float, int]] = field(default_factory=list)  # (qty, days from today)


@dataclass
class _Scn:
    """What one order should become (clean or one planted problem)."""

    kind: str = "clean"
    age: int = 0
    lead: int = 5
    state: str = "sale"  # draft | sent | sale | cancel


# ----------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, seed: int, orders: int, version: str, today: date, plant: bool) -> None:
        self.seed = seed
        self.n_orders = orders
        self.version = version
        self.v = int(version)
        self.today = today
        self.t0 = datetime.combine(today, time())
        self.plant = plant
        self.records: Records = defaultdict(list)
        self.next_id: dict[str, int] = defaultdict(lambda: 1)
        self.next_id["res.partner"] = FIRST_SHARED_ID
        self.planted: list[dict[str, Any]] = []
        self.products: list[_Product] = []
        self.customers: list[_Customer] = []
        self.vendors: list[int] = []
        self.stock: dict[int, _Stock] = defaultdict(_Stock)
        self.totals: dict[int, list[tuple[int, float]]] = defaultdict(list)
        self.seq: dict[str, int] = defaultdict(int)
        self.invoices_by_partner: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.refund_days: dict[int, list[int]] = defaultdict(list)
        self.orders_by_id: dict[int, dict[str, Any]] = {}
        self.plant_products: dict[str, list[_Product]] = {}
        self.no_open_use: set[int] = set()  # products kept out of clean open orders / repairs
        self.unservable_orders: list[tuple[dict[str, Any], dict[str, Any], datetime]] = []
        self.duplicate_sources: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.pileup_customers: set[int] = set()
        self.reorder_notes: dict[int, str] = {}
        self.sols_by_order: dict[int, list[dict[str, Any]]] = {}
        self.pick_moves: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.reserved_moves: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(
            list
        )
        # Field names that differ per version (odoo-protocol.md §6, §10).
        self.f_uom = "product_uom" if self.v <= 18 else "product_uom_id"
        self.f_tax = "tax_id" if self.v <= 18 else "tax_ids"
        # Stored as ``quantity`` on every version: 16's ``quantity_done`` is the ORM's alias
        # of it (16 has no reservation in ``quantity``, so it stays 0 until done there).
        self.f_move_done = "quantity"

    # ---- helpers -------------------------------------------------------------------------

    def rng(self, stream: str) -> random.Random:
        # A string seed is hashed with SHA-512 by ``random.seed``: stable across processes.
        return random.Random(f"svcsync-demo:{self.seed}:{stream}")

    def add(self, model: str, row: dict[str, Any]) -> int:
        rid = self.next_id[model]
        self.next_id[model] = rid + 1
        row["id"] = rid
        self.records[model].append(row)
        return rid

    def name(self, prefix: str, width: int = 5) -> str:
        self.seq[prefix] += 1
        return f"{prefix}{self.seq[prefix]:0{width}d}"

    def dt(self, days_ago: float, hour: int = 9, minute: int = 0) -> datetime:
        return self.t0 - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute)

    def plant_note(self, rule: str, model: str, rid: int, name: str, note: str) -> None:
        self.planted.append({"rule": rule, "model": model, "id": rid, "name": name, "note": note})

    # ---- build ---------------------------------------------------------------------------

    def build(self) -> Records:
        self.records.update(structural_records(self.version))
        self._partners()
        self._products()
        scenarios = self._scenarios()
        self._orders(scenarios)
        self._repairs()
        if self.plant:
            self._plant_billing_records()
        self._clean_refunds()
        self._stock_records()
        self._invoice_statuses()
        self._stamp_create_dates()
        out: Records = {}
        for model in MODEL_ORDER:
            if self.records.get(model):
                out[model] = self.records[model]
        missing = set(self.records) - set(MODEL_ORDER)
        if missing:  # pragma: no cover - guards MODEL_ORDER against drift
            raise AssertionError(f"models without a load position: {sorted(missing)}")
        return out

    # ---- partners ------------------------------------------------------------------------

    def _partners(self) -> None:
        rng = self.rng("partners")
        n_customers = max(8, self.n_orders // 10)
        used: set[str] = set()
        for i in range(n_customers):
            name = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)}"
            if name in used:
                name = f"{name} {rng.choice(_SUFFIX)}"
            if name in used:
                name = f"{name} {i + 1}"
            used.add(name)
            city, country = rng.choice(_CITIES)
            slug = name.lower().replace(" ", "")[:14]
            cid = self.add(
                "res.partner",
                {
                    "name": name,
                    "is_company": True,
                    "parent_id": False,
                    "type": "contact",
                    "email": f"info@{slug}.example.com",
                    "phone": f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    "street": f"{rng.randint(1, 180)} {rng.choice(_LAST)} Street",
                    "city": city,
                    "zip": f"{rng.randint(10000, 99999)}",
                    "ref": f"C{i + 1:05d}",
                    "vat": f"{country}{rng.randint(10**8, 10**9 - 1)}",
                    "customer_rank": 1,
                    "supplier_rank": 0,
                    "active": True,
                    "company_id": False,
                },
            )
            self.records["res.partner"][-1]["commercial_partner_id"] = cid
            person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            contact = self._child(cid, person, "contact", city, slug, person.split()[0].lower())
            invoice = (
                self._child(cid, "Accounts Payable", "invoice", city, slug, "ap")
                if rng.random() < 0.8
                else cid
            )
            delivery = (
                self._child(cid, "Goods Receiving", "delivery", city, slug, "dock")
                if rng.random() < 0.7
                else cid
            )
            self.customers.append(
                _Customer(cid, name, contact, invoice, delivery, rng.lognormvariate(0, 0.7))
            )
        for vname in _VENDORS:
            vid = self.add(
                "res.partner",
                {
                    "name": vname,
                    "is_company": True,
                    "parent_id": False,
                    "type": "contact",
                    "email": f"sales@{vname.lower().replace(' ', '')[:14]}.example.com",
                    "ref": f"V{len(self.vendors) + 1:03d}",
                    "customer_rank": 0,
                    "supplier_rank": 1,
                    "active": True,
                    "company_id": False,
                },
            )
            self.records["res.partner"][-1]["commercial_partner_id"] = vid
            self.vendors.append(vid)

    def _child(self, parent: int, name: str, ptype: str, city: str, slug: str, mail: str) -> int:
        return self.add(
            "res.partner",
            {
                "name": name,
                "is_company": False,
                "parent_id": parent,
                "commercial_partner_id": parent,
                "type": ptype,
                "email": f"{mail}@{slug}.example.com",
                "city": city,
                "customer_rank": 0,
                "supplier_rank": 0,
                "active": True,
                "company_id": False,
            },
        )

    # ---- products ------------------------------------------------------------------------

    def _products(self) -> None:
        rng = self.rng("products")
        # About 60 products at the default 300 orders, growing with size; fewer for small
        # datasets so each still sells often enough for its demand to be measurable.
        n = max(20, min(60, self.n_orders // 5)) + self.n_orders // 50
        kinds = ["finished"] * round(n * 0.38) + ["spare"] * round(n * 0.47)
        kinds += ["consumable"] * (n - len(kinds))
        fam_i = part_i = cons_i = 0
        for kind in kinds:
            if kind == "finished":
                fam, code = _FAMILIES[fam_i % len(_FAMILIES)]
                size = _SIZES[(fam_i // len(_FAMILIES)) % len(_SIZES)]
                gen = fam_i // (len(_FAMILIES) * len(_SIZES))
                name = f"{fam} {size}" + (f" Mk{gen + 1}" if gen else "")
                pcode = f"{code}-{size.upper()}{gen or ''}"
                fam_i += 1
                cost = round(rng.uniform(90, 900), 2)
                price = round(cost * rng.uniform(1.35, 1.8), 2)
                pattern = "seasonal" if rng.random() < 0.45 else "steady"
                weight, qty = rng.uniform(0.6, 1.4), (1, 4)
            elif kind == "spare":
                part = _PARTS[part_i % len(_PARTS)]
                fam, code = _FAMILIES[(part_i // len(_PARTS)) % len(_FAMILIES)]
                gen = part_i // (len(_PARTS) * len(_FAMILIES))
                name = f"{part} for {fam}" + (f" (rev {gen + 1})" if gen else "")
                pcode = f"SP-{code}-{part_i % len(_PARTS) + 1:02d}{gen or ''}"
                part_i += 1
                cost = round(rng.uniform(3, 140), 2)
                price = round(cost * rng.uniform(1.6, 2.4), 2)
                pattern = "intermittent" if rng.random() < 0.7 else "steady"
                weight, qty = rng.uniform(0.5, 1.2), (1, 3)
            else:
                base = _CONSUMABLES[cons_i % len(_CONSUMABLES)]
                gen = cons_i // len(_CONSUMABLES)
                name = base + (f" (grade {gen + 1})" if gen else "")
                pcode = f"CON-{cons_i + 1:03d}"
                cons_i += 1
                cost = round(rng.uniform(2, 35), 2)
                price = round(cost * rng.uniform(1.5, 2.2), 2)
                pattern = "steady"
                weight, qty = rng.uniform(0.8, 1.6), (2, 10)
            self._add_product(
                rng,
                name,
                pcode,
                kind,
                pattern,
                weight,
                price,
                cost,
                qty,
                p_active=rng.uniform(0.12, 0.3) if pattern == "intermittent" else 1.0,
            )
        for name, pcode, kind, price in (
            ("Cleaning Cloth Pack", "GEN-001", "goods", 9.5),
            ("Safety Gloves", "GEN-002", "goods", 6.9),
            ("On-site Installation", "SRV-INST", "service", 480.0),
            ("Repair Labour (hour)", "SRV-LAB", "service", 85.0),
            ("Goodwill Credit", "SRV-GW", "service", 0.0),
        ):
            cost = round(price * 0.45, 2) if kind == "goods" else 0.0
            self._add_product(rng, name, pcode, kind, "none", 0.0, price, cost, (1, 2))
        self.storables = [p for p in self.products if p.storable]
        self.by_code = {p.code: p for p in self.products}
        self.by_id = {p.id: p for p in self.products}
        self.installation = self.by_code["SRV-INST"]
        self.labour = self.by_code["SRV-LAB"]
        self.goodwill = self.by_code["SRV-GW"]
        self.goods = [p for p in self.products if p.kind == "goods"]

    def _add_product(
        self,
        rng: random.Random,
        name: str,
        code: str,
        kind: str,
        pattern: str,
        weight: float,
        price: float,
        cost: float,
        qty: tuple[int, int],
        p_active: float = 1.0,
    ) -> None:
        r = REFS
        categ = {
            "finished": r.categ_finished,
            "spare": r.categ_spares,
            "consumable": r.categ_consumables,
            "goods": r.categ_consumables,
            "service": r.categ_services,
        }[kind]
        tmpl: dict[str, Any] = {
            "name": name,
            "default_code": code,
            "list_price": price,
            "standard_price": cost,
            "categ_id": categ,
            "uom_id": r.uom_unit,
            "uom_po_id": r.uom_unit,
            "sale_ok": kind != "service" or code != "SRV-GW",
            "purchase_ok": kind not in ("service",),
            "invoice_policy": "order" if kind == "service" else "delivery",
            "active": True,
            "company_id": False,
        }
        if self.v <= 17:
            dtype = {"service": "service", "goods": "consu"}.get(kind, "product")
            tmpl.update({"detailed_type": dtype, "type": dtype})
        else:
            tmpl.update(
                {
                    "type": "service" if kind == "service" else "consu",
                    "is_storable": kind in ("finished", "spare", "consumable"),
                }
            )
        if self.v >= 19:
            tmpl.pop("uom_po_id")
        tmpl_id = self.add("product.template", tmpl)
        variant = {
            "product_tmpl_id": tmpl_id,
            "default_code": code,
            "active": True,
            "barcode": False,
        }
        pid = self.add("product.product", variant)
        prod = _Product(
            pid,
            tmpl_id,
            name,
            code,
            kind,
            pattern,
            # Floor: every stocked item sells now and then, so its demand can be measured
            # in any 90-day window (a never-selling item would be all overstock).
            max(0.5, weight * rng.lognormvariate(0, 0.5)) if weight else 0.0,
            rng.uniform(0, 2 * math.pi),
            p_active,
            price,
            cost,
            qty_lo=qty[0],
            qty_hi=qty[1],
        )
        if prod.storable or kind == "goods":
            vendors = self.vendors
            prod.vendor = vendors[(len(self.products) * 7 + rng.randrange(3)) % len(vendors)]
            prod.delay = (
                rng.choice((3, 5, 7, 10, 14, 21)) if kind != "spare" else rng.choice((5, 7, 10, 14))
            )
            prod.min_qty = float(rng.choice((1, 1, 2, 5, 10)) if kind != "finished" else 1)
            prod.multiple = float(rng.choice((1, 1, 1, 5)) if kind == "consumable" else 1)
            self.add(
                "product.supplierinfo",
                {
                    "partner_id": prod.vendor,
                    "product_tmpl_id": tmpl_id,
                    "product_id": False,
                    "min_qty": prod.min_qty,
                    "price": cost,
                    "currency_id": REFS.currency,
                    "delay": prod.delay,
                    "sequence": 1,
                    "product_code": f"{code}-V",
                    "product_name": False,
                    "company_id": REFS.company,
                },
            )
            if rng.random() < 0.35:  # a dearer, slower second source
                self.add(
                    "product.supplierinfo",
                    {
                        "partner_id": vendors[(self.vendors.index(prod.vendor) + 3) % len(vendors)],
                        "product_tmpl_id": tmpl_id,
                        "product_id": False,
                        "min_qty": prod.min_qty,
                        "price": round(cost * 1.12, 2),
                        "currency_id": REFS.currency,
                        "delay": prod.delay + 7,
                        "sequence": 2,
                        "product_code": False,
                        "product_name": False,
                        "company_id": REFS.company,
                    },
                )
        self.products.append(prod)

    # ---- order scenarios -----------------------------------------------------------------

    def _scenarios(self) -> list[_Scn]:
        rng = self.rng("calendar")
        day_w = []
        for age in range(HISTORY_DAYS):
            # The week and the seasons are counted from ``today`` rather than the calendar,
            # so only the dates move with ``today`` (docs/internals.md §3).
            wk = (1.0, 1.0, 1.0, 1.0, 0.9, 0.25, 0.08)[age % 7]
            day_w.append(wk * (1.15 - 0.3 * age / HISTORY_DAYS))
        ages = rng.choices(range(HISTORY_DAYS), weights=day_w, k=self.n_orders)
        scns = []
        for age in ages:
            s = _Scn(age=age, lead=rng.randint(2, 7))
            u = rng.random()
            if u < 0.035:
                s.state = "cancel"
            elif u < 0.15 and age <= 20:  # recent quotations not confirmed (yet)
                s.state = "draft" if u < 0.1 else "sent"
            scns.append(s)
        if self.plant:
            self._choose_plants(scns)
        scns.sort(key=lambda s: -s.age)
        return scns

    def _choose_plants(self, scns: list[_Scn]) -> None:
        rng = self.rng("plants")
        n = max(3, self.n_orders // 100)
        n_prod = max(3, len(self.storables) // 20)
        # Products whose stock is broken on purpose, disjoint per rule.
        steady = [
            p for p in self.storables if p.pattern in ("steady", "seasonal") and p.kind != "spare"
        ]
        spares = [p for p in self.storables if p.kind == "spare"]
        rng.shuffle(spares)
        # Reorder plants are the best sellers (by expected units), so their reorder point is
        # many units; overstock plants are dear equipment, so the idle money is real.
        steady.sort(key=lambda p: (-p.weight * (p.qty_lo + p.qty_hi), p.id))
        # The next best sellers carry the unservable orders: a big order is then still a
        # plausible share of their demand, so the receipt that refills them is not overstock.
        reorder = steady[:n_prod]
        unservable = steady[n_prod : 2 * n_prod]
        rest = steady[2 * n_prod :]
        dear = sorted((p for p in rest if p.kind == "finished"), key=lambda p: (-p.cost, p.id))
        overstock = dear[:n_prod]
        self.plant_products = {
            "inventory.reorder": reorder,
            "orders.unservable": unservable,
            "inventory.overstock": overstock,
            "repairs.parts_missing": spares[:n_prod],
        }
        for p in reorder:
            p.pattern, p.weight, p.delay = "steady", p.weight * 2, max(p.delay, 14)
            self._set_delay(p)
        # Overstock plants must hold real money: a dear, slow item.
        for p in self.plant_products["inventory.overstock"]:
            p.weight = min(p.weight, 0.6)
        for key in ("inventory.reorder", "orders.unservable", "repairs.parts_missing"):
            self.no_open_use.update(p.id for p in self.plant_products[key])
        kinds = {
            "orders.late": (12, 20),
            "orders.stuck": (10, 20),
            "billing.over_invoiced": (3, 6),
            "billing.not_invoiced": (45, 90),
            "billing.amount_mismatch": (10, 25),
            "billing.wrong_partner": (12, 40),
            "billing.overdue": (100, 160),
            "billing.duplicate_invoice": (14, 28),
        }
        pool = list(range(len(scns)))
        rng.shuffle(pool)
        it = iter(pool)
        for kind, (lo, hi) in kinds.items():
            for _ in range(n):
                s = scns[next(it)]
                s.kind, s.state, s.age = kind, "sale", rng.randint(lo, hi)
        for _ in range(n_prod):
            s = scns[next(it)]
            s.kind, s.state, s.age = "orders.unservable", "sale", rng.randint(1, 3)

    # ---- orders --------------------------------------------------------------------------

    def _orders(self, scns: Sequence[_Scn]) -> None:
        rng = self.rng("orders")
        # Daily product weights (seasonal waves, intermittent active days).
        prods = list(self.storables)
        # Cumulative weights per day, so each draw is a bisection (50,000 orders stay fast).
        weights_by_day: list[list[float]] = []
        for age in range(HISTORY_DAYS):
            doy = HISTORY_DAYS - age
            row = []
            for p in prods:
                wt = p.weight
                if p.pattern == "seasonal":
                    wt *= 1 + 0.45 * math.sin(2 * math.pi * doy / 365 + p.phase)
                elif p.pattern == "intermittent":
                    wt = wt * 2.5 if rng.random() < p.p_active else 0.0
                row.append(wt)
            weights_by_day.append(list(itertools.accumulate(row)))
        cust_w = list(itertools.accumulate(c.weight for c in self.customers))
        unservable = iter(self.plant_products.get("orders.unservable", []))
        for s in scns:
            cust = rng.choices(self.customers, cum_weights=cust_w)[0]
            n_lines = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
            w = weights_by_day[s.age]
            is_open = self._is_open(s)
            chosen: list[_Product] = []
            for _ in range(n_lines * 3):
                if len(chosen) >= n_lines:
                    break
                p = rng.choices(prods, cum_weights=w)[0]
                if p in chosen or (is_open and p.id in self.no_open_use):
                    continue
                chosen.append(p)
            if not chosen:
                chosen = [next(p for p in prods if p.id not in self.no_open_use)]
            lines: list[list[Any]] = []  # [product, qty, price, discount]
            for p in chosen:
                q = rng.randint(p.qty_lo, p.qty_hi)
                disc = rng.choice((0.0, 0.0, 0.0, 0.0, 5.0, 10.0))
                if disc and abs(p.price * (100 - disc) - round(p.price * (100 - disc))) > 1e-6:
                    # Only discounts that give whole cents: line sums then match the order
                    # exactly however a rule adds them up (no 0.01 rounding findings).
                    disc = 0.0
                lines.append([p, float(q), p.price, disc])
            if s.kind == "orders.unservable":
                up = next(unservable)
                lines = [ln for ln in lines if ln[0] is not up][:1]
                lines.insert(0, [up, 0.0, up.price, 0.0])  # qty set after demand is known
            if rng.random() < 0.12 and s.kind == "clean":
                lines.append([self.installation, 1.0, self.installation.price, 0.0])
            if rng.random() < 0.05 and s.kind == "clean":
                g = rng.choice(self.goods)
                lines.append([g, float(rng.randint(2, 6)), g.price, 0.0])
            self._build_order(rng, s, cust, lines)

    def _is_open(self, s: _Scn) -> bool:
        """Clean orders still waiting for delivery: young and promised for tomorrow or later."""
        if s.kind in ("orders.late", "orders.stuck", "orders.unservable", "billing.over_invoiced"):
            return True
        return s.state == "sale" and s.age <= 5 and s.lead - s.age >= 2

    def _unique_total(self, partner: int, day: int, untaxed: float, lines: list[list[Any]]) -> None:
        """Bump a quantity until no other document of this customer has the same total nearby.

        Two invoices of one customer with one total within 30 days is the duplicate-invoice
        rule's condition; the clean data must never meet it by chance.
        """
        for _ in range(50):
            total = _money(untaxed + _tax_of(lines))
            if not any(
                abs(d - day) <= 45 and abs(t - total) < 0.005 for d, t in self.totals[partner]
            ):
                self.totals[partner].append((day, total))
                return
            lines[-1][1] += 1.0
            untaxed = sum(_subtotal(ln) for ln in lines)
        raise AssertionError("could not make an order total unique")  # pragma: no cover

    def _build_order(
        self, rng: random.Random, s: _Scn, cust: _Customer, lines: list[list[Any]]
    ) -> None:
        if s.kind == "orders.unservable":
            up: _Product = lines[0][0]
            # About three weeks of its demand so far in one order: big, not absurd.
            so_far = sum(self.stock[up.id].demand) / HISTORY_DAYS
            lines[0][1] = float(max(6, math.ceil(so_far * 21)))
        elif s.kind in ("billing.over_invoiced", "orders.late"):
            lines[0][1] = max(lines[0][1], 2.0)  # so a partial delivery is possible
        untaxed = sum(_subtotal(ln) for ln in lines)
        self._unique_total(cust.id, -s.age, untaxed, lines)
        untaxed = _money(sum(_subtotal(ln) for ln in lines))
        tax = _tax_of(lines)
        date_order = self.dt(s.age, rng.randint(7, 16), rng.randrange(60))
        commitment = datetime.combine(date_order.date(), time(16)) + timedelta(days=s.lead)
        if s.kind == "orders.stuck":
            commitment = datetime.combine(self.today, time(16)) + timedelta(
                days=rng.randint(10, 20)
            )
        elif s.kind in ("orders.unservable", "billing.over_invoiced"):
            commitment = datetime.combine(self.today, time(16)) + timedelta(days=rng.randint(4, 6))
        elif s.kind == "orders.late":
            commitment = datetime.combine(date_order.date(), time(16)) + timedelta(
                days=rng.randint(3, 5)
            )
        confirmed = s.state == "sale"
        name = self.name("S")
        client_ref = f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else False
        order: dict[str, Any] = {
            "name": name,
            "partner_id": cust.contact if rng.random() < 0.3 else cust.id,
            "partner_invoice_id": cust.invoice,
            "partner_shipping_id": cust.delivery,
            "state": s.state,
            "date_order": _fmt(date_order),
            "commitment_date": _fmt(commitment) if confirmed else False,
            "validity_date": (date_order.date() + timedelta(days=30)).isoformat(),
            "payment_term_id": REFS.payment_term_30,
            "client_order_ref": client_ref,
            "origin": False,
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": _money(untaxed + tax),
            "company_id": REFS.company,
            "user_id": REFS.admin,
            "warehouse_id": REFS.warehouse,
            "picking_policy": "direct",
            "invoice_status": "no",
            "effective_date": False,
            "note": False,
        }
        if self.v >= 17:
            order["locked"] = False
            order["delivery_status"] = False
        oid = self.add("sale.order", order)
        self.orders_by_id[oid] = order
        sol_rows: list[dict[str, Any]] = []
        for seq, (p, qty, price, disc) in enumerate(lines, start=1):
            sub = _subtotal([p, qty, price, disc])
            ptax = _money(sub * TAX_RATE)
            row: dict[str, Any] = {
                "order_id": oid,
                "sequence": seq * 10,
                "display_type": False,
                "product_id": p.id,
                "name": f"[{p.code}] {p.name}",
                "product_uom_qty": qty,
                self.f_uom: REFS.uom_unit,
                "price_unit": price,
                "discount": disc,
                "price_subtotal": sub,
                "price_tax": ptax,
                "price_total": _money(sub + ptax),
                self.f_tax: [REFS.tax_sale],
                "qty_delivered": 0.0,
                "qty_invoiced": 0.0,
                "qty_to_invoice": 0.0,
                "invoice_status": "no",
                "customer_lead": float(s.lead),
                "qty_delivered_method": "manual" if p.kind == "service" else "stock_move",
            }
            self.add("sale.order.line", row)
            sol_rows.append(row)
            if confirmed and p.storable:
                self.stock[p.id].demand[HISTORY_DAYS - 1 - s.age] += qty
                self.stock[p.id].sales[HISTORY_DAYS - 1 - s.age] += qty
        self.sols_by_order[oid] = sol_rows
        if not confirmed:
            return
        self._fulfil(rng, s, cust, order, sol_rows, date_order, commitment)

    # ---- deliveries, invoices, payments --------------------------------------------------

    def _fulfil(
        self,
        rng: random.Random,
        s: _Scn,
        cust: _Customer,
        order: dict[str, Any],
        sols: list[dict[str, Any]],
        date_order: datetime,
        commitment: datetime,
    ) -> None:
        kind = s.kind
        shipped = [r for r in sols if self._is_shipped(r["product_id"])]
        services = [r for r in sols if not self._is_shipped(r["product_id"])]
        open_order = self._is_open(s)
        sched = max(date_order + timedelta(hours=2), commitment - timedelta(days=1))
        if not open_order:
            # Delivered in full; a few historical deliveries were late (they are done now,
            # so no rule looks at them).
            latest = min(commitment, datetime.combine(self.today, time()) - timedelta(hours=1))
            span = max(1, (latest.date() - date_order.date()).days)
            done_day = date_order.date() + timedelta(days=rng.randint(1, span))
            done = datetime.combine(done_day, time(rng.randint(8, 15), rng.randrange(60)))
            if rng.random() < 0.06:
                late_done = commitment + timedelta(days=rng.randint(1, 3))
                if late_done < datetime.combine(self.today, time()) - timedelta(hours=1):
                    done = late_done
            done = min(done, datetime.combine(self.today, time()) - timedelta(hours=1))
            done = max(done, date_order + timedelta(hours=1))
            self._picking(order, shipped, "done", sched, commitment, done)
            for r in sols:
                r["qty_delivered"] = r["product_uom_qty"]
            order["effective_date"] = _fmt(done)
            self._set_delivery_status(order, "full")
            self._invoice_delivered(rng, s, cust, order, sols, done)
            return
        # Still open: pending, partially delivered, or one of the planted open problems.
        partial_frac = 0.0
        if (
            kind == "billing.over_invoiced"
            or (kind == "orders.late" and rng.random() < 0.4)
            or (kind == "clean" and rng.random() < 0.12 and s.age >= 1)
        ):
            partial_frac = 0.5
        if partial_frac and any(r["product_uom_qty"] >= 2 for r in shipped):
            first = next(r for r in shipped if r["product_uom_qty"] >= 2)
            dq = math.floor(first["product_uom_qty"] * partial_frac)
            earliest = date_order + timedelta(hours=3)
            recent = datetime.combine(self.today, time(8)) - timedelta(
                days=rng.randint(1, min(6, max(1, s.age - 1)))
            )
            done = max(earliest, recent)
            done = min(done, datetime.combine(self.today, time()) - timedelta(hours=1))
            first_pick = self._picking(
                order, [first], "done", sched, commitment, done, qty_override={first["id"]: dq}
            )
            first["qty_delivered"] = float(dq)
            order["effective_date"] = _fmt(done)
            remaining = {r["id"]: r["product_uom_qty"] - r["qty_delivered"] for r in shipped}
            self._picking(
                order,
                shipped,
                "assigned",
                sched,
                commitment,
                None,
                qty_override=remaining,
                backorder_of=first_pick,
            )
            self._set_delivery_status(order, "partial")
        else:
            # Stock is reserved 3 days before the scheduled date (the warehouse's "before
            # scheduled date" reservation); an unservable order has nothing to reserve.
            reserve = sched <= self.t0 + timedelta(days=3) and kind != "orders.unservable"
            state = "assigned" if reserve else "confirmed"
            self._picking(order, shipped, state, sched, commitment, None)
            self._set_delivery_status(order, "pending")
        for r in services:
            r["qty_delivered"] = 0.0
        if kind == "billing.over_invoiced":
            inv_day = date_order + timedelta(hours=rng.randint(1, 5))
            inv_day = min(inv_day, datetime.combine(self.today, time()) - timedelta(hours=1))
            move = self._invoice(
                rng,
                cust.invoice,
                order,
                sols,
                inv_day.date(),
                pay="open",
                qty_field="product_uom_qty",
            )
            over = [r for r in shipped if r["qty_invoiced"] > r["qty_delivered"]]
            self.plant_note(
                kind,
                "sale.order",
                order["id"],
                order["name"],
                f"line {over[0]['name']}: invoiced {over[0]['qty_invoiced']:g}, delivered "
                f"{over[0]['qty_delivered']:g} (invoice {move['name']})",
            )
        if kind == "orders.late":
            days = (self.t0 - commitment).days
            self.plant_note(
                kind,
                "sale.order",
                order["id"],
                order["name"],
                f"promised {commitment:%Y-%m-%d}, {days} days ago; delivered "
                f"{sum(r['qty_delivered'] for r in shipped):g} of "
                f"{sum(r['product_uom_qty'] for r in shipped):g} units",
            )
        elif kind == "orders.stuck":
            self.plant_note(
                kind,
                "sale.order",
                order["id"],
                order["name"],
                f"confirmed {s.age} days ago (threshold 7), nothing delivered, promised "
                f"{commitment:%Y-%m-%d}",
            )
        elif kind == "orders.unservable":
            self.unservable_orders.append((order, sols[0], commitment))

    def _is_shipped(self, pid: int) -> bool:
        return self.by_id[pid].kind != "service"

    def _product(self, pid: int) -> _Product:
        return self.by_id[pid]

    def _set_delivery_status(self, order: dict[str, Any], status: str) -> None:
        if self.v >= 17:
            order["delivery_status"] = status

    def _picking(
        self,
        order: dict[str, Any],
        sols: list[dict[str, Any]],
        state: str,
        sched: datetime,
        deadline: datetime,
        done: datetime | None,
        qty_override: dict[int, float] | None = None,
        backorder_of: int | None = None,
    ) -> int | None:
        if not sols:
            return None
        r = REFS
        pick = {
            "name": self.name("WH/OUT/"),
            "origin": order["name"],
            "partner_id": order["partner_shipping_id"],
            "picking_type_id": r.type_out,
            "location_id": r.loc_stock,
            "location_dest_id": r.loc_customers,
            "scheduled_date": _fmt(done or sched),
            "date_deadline": _fmt(deadline),
            "date_done": _fmt(done) if done else False,
            "state": state,
            "sale_id": order["id"],
            "company_id": r.company,
            "move_type": "direct",
            "backorder_id": backorder_of or False,
            "date": order["date_order"],
        }
        pid = self.add("stock.picking", pick)
        for sol in sols:
            qty = (
                qty_override.get(sol["id"], sol["product_uom_qty"])
                if qty_override
                else (sol["product_uom_qty"])
            )
            if qty <= 0:
                continue
            prod = self._product(sol["product_id"])
            mv = {
                "name": prod.name,
                "origin": order["name"],
                "picking_id": pid,
                "sale_line_id": sol["id"],
                "product_id": prod.id,
                "product_uom_qty": qty,
                # 17+ keeps the reserved quantity in ``quantity`` until the move is done.
                self.f_move_done: qty
                if state == "done" or (state == "assigned" and self.v >= 17)
                else 0.0,
                "product_uom": r.uom_unit,
                "state": state,
                "location_id": r.loc_stock,
                "location_dest_id": r.loc_customers,
                "date": _fmt(done or sched),
                "date_deadline": _fmt(deadline),
                "partner_id": order["partner_shipping_id"],
                "picking_type_id": r.type_out,
                "company_id": r.company,
                "repair_id": False,
                "purchase_line_id": False,
            }
            if self.v >= 17:
                mv["picked"] = state == "done"
                mv["repair_line_type"] = False
            self.add("stock.move", mv)
            self.pick_moves[pid].append(mv)
            if state != "done" and prod.storable:
                st = self.stock[prod.id]
                st.open_out += qty
                if state == "assigned":
                    st.reserved += qty
                    self.reserved_moves[prod.id].append((mv, pick))
        return pid

    def _invoice_delivered(
        self,
        rng: random.Random,
        s: _Scn,
        cust: _Customer,
        order: dict[str, Any],
        sols: list[dict[str, Any]],
        done: datetime,
    ) -> None:
        kind = s.kind
        done_age = (self.today - done.date()).days
        if kind == "billing.not_invoiced":
            self.plant_note(
                kind,
                "sale.order",
                order["id"],
                order["name"],
                f"delivered {done:%Y-%m-%d} ({done_age} days ago, threshold 14), "
                f"{order['amount_untaxed']:,.2f} untaxed not invoiced",
            )
            return
        lag = rng.randint(0, 4)
        inv_date = done.date() + timedelta(days=lag)
        if kind == "clean" and (inv_date >= self.today or (done_age <= 8 and rng.random() < 0.4)):
            # Delivered in the last days and not invoiced yet: within the 14-day tolerance.
            return
        inv_date = min(inv_date, self.today - timedelta(days=1))
        partner = cust.invoice
        pay = "auto"
        if kind == "billing.overdue":
            pay = "overdue"
        elif kind in ("billing.amount_mismatch", "billing.duplicate_invoice"):
            pay = "open"
        if kind == "billing.wrong_partner":
            other = self.rng(f"wrong:{order['id']}").choice(
                [c for c in self.customers if c.id != cust.id]
            )
            partner = other.invoice
        markup = 1.0
        if kind == "billing.amount_mismatch":
            markup = 1.1
        move = self._invoice(rng, partner, order, sols, inv_date, pay=pay, markup=markup)
        if self.v == 16 and kind == "clean" and done_age > 60 and rng.random() < 0.3:
            order["state"] = "done"  # 16 "Locked"
        elif self.v >= 17 and kind == "clean" and done_age > 60 and rng.random() < 0.3:
            order["locked"] = True
        if kind == "billing.amount_mismatch":
            self.plant_note(
                kind,
                "account.move",
                move["id"],
                move["name"],
                f"invoice untaxed {move['amount_untaxed']:,.2f} vs order "
                f"{order['amount_untaxed']:,.2f} (prices 10% above the order's)",
            )
        elif kind == "billing.wrong_partner":
            self.plant_note(
                kind,
                "account.move",
                move["id"],
                move["name"],
                f"invoiced to {self._partner_label(partner)}, but order {order['name']} "
                f"invoices {self._partner_label(order['partner_invoice_id'])}",
            )
        elif kind == "billing.overdue":
            due = date.fromisoformat(move["invoice_date_due"])
            self.plant_note(
                kind,
                "account.move",
                move["id"],
                move["name"],
                f"due {due.isoformat()} ({(self.today - due).days} days ago, threshold 30), "
                f"{move['payment_state']}, {move['amount_residual']:,.2f} open",
            )
        elif kind == "billing.duplicate_invoice":
            self.duplicate_sources.append((move, order))

    def _invoice(
        self,
        rng: random.Random,
        partner: int,
        order: dict[str, Any] | None,
        sols: list[dict[str, Any]],
        inv_date: date,
        pay: str = "auto",
        markup: float = 1.0,
        link: bool = True,
        ref: Any = None,
        qty_field: str = "qty_delivered",
    ) -> dict[str, Any]:
        """A posted customer invoice for the lines (delivered qty, or ordered qty when none)."""
        r = REFS
        lines = []
        for sol in sols:
            qty = sol[qty_field]
            if qty <= 0:
                qty = sol["product_uom_qty"]
            price = _money(sol["price_unit"] * markup)
            lines.append((sol, qty, price, sol["discount"]))
        untaxed = _money(sum(_subtotal([None, q, p, d]) for _, q, p, d in lines))
        tax = _money(sum(_money(_subtotal([None, q, p, d]) * TAX_RATE) for _, q, p, d in lines))
        total = _money(untaxed + tax)
        due = inv_date + timedelta(days=30)
        age = (self.today - inv_date).days
        state, residual = self._payment(rng, pay, age, total)
        name = self.name(f"INV/{inv_date.year}/")
        commercial = self._commercial(partner)
        move: dict[str, Any] = {
            "name": name,
            "move_type": "out_invoice",
            "state": "posted",
            "partner_id": partner,
            "commercial_partner_id": commercial,
            "ref": (order.get("client_order_ref") if order else False) if ref is None else ref,
            "invoice_origin": order["name"] if (order and link) else False,
            "invoice_date": inv_date.isoformat(),
            "date": inv_date.isoformat(),
            "invoice_date_due": due.isoformat(),
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": total,
            "amount_residual": residual,
            "payment_state": state,
            "currency_id": r.currency,
            "company_id": r.company,
            "journal_id": r.journal_sale,
            "invoice_user_id": r.admin,
            "invoice_payment_term_id": r.payment_term_30,
            "payment_reference": name,
            "reversed_entry_id": False,
        }
        mid = self.add("account.move", move)
        for sol, qty, price, disc in lines:
            sub = _subtotal([None, qty, price, disc])
            self.add(
                "account.move.line",
                {
                    "move_id": mid,
                    "display_type": "product",
                    "product_id": sol["product_id"],
                    "name": sol["name"],
                    "quantity": qty,
                    "price_unit": price,
                    "discount": disc,
                    "price_subtotal": sub,
                    "price_total": _money(sub + _money(sub * TAX_RATE)),
                    "tax_ids": [r.tax_sale],
                    "product_uom_id": r.uom_unit,
                    "partner_id": commercial,
                    "sale_line_ids": [sol["id"]] if link else [],
                    "account_id": r.account_income,
                    "debit": 0.0,
                    "credit": sub,
                    "balance": -sub,
                    "currency_id": r.currency,
                },
            )
            if link:
                sol["qty_invoiced"] += qty
        self.invoices_by_partner[commercial].append(move)
        self.totals[commercial].append((-age, total))
        return move

    def _commercial(self, partner: int) -> int:
        row = self.records["res.partner"][partner - FIRST_SHARED_ID]
        assert row["id"] == partner
        return int(row["commercial_partner_id"])

    def _payment(self, rng: random.Random, pay: str, age: int, total: float) -> tuple[str, float]:
        if pay == "overdue":
            if rng.random() < 0.67:
                return "not_paid", total
            return "partial", _money(total * rng.uniform(0.3, 0.7))
        if pay == "open":
            return "not_paid", total
        if pay == "paid":
            return "paid", 0.0
        # Due after 30 days; anything due more than ~20 days ago is paid (the overdue rule
        # fires at 30 days past due).
        if age > 50:
            return "paid", 0.0
        u = rng.random()
        if age > 30:
            return ("not_paid", total) if u < 0.2 else ("paid", 0.0)
        if u < 0.5:
            return "not_paid", total
        if u < 0.62:
            return "partial", _money(total * rng.uniform(0.2, 0.8))
        if u < 0.72:
            return "in_payment", 0.0
        return "paid", 0.0

    # ---- planted billing documents that are not orders ------------------------------------

    def _plant_billing_records(self) -> None:
        rng = self.rng("plants-billing")
        for orig, order in self.duplicate_sources:
            inv_date = date.fromisoformat(orig["invoice_date"]) + timedelta(days=rng.randint(2, 7))
            inv_date = min(inv_date, self.today - timedelta(days=1))
            sols = self.sols_by_order[order["id"]]
            dup = self._invoice(
                rng,
                orig["partner_id"],
                order,
                sols,
                inv_date,
                pay="open",
                link=False,
                ref=f"{orig['ref'] or order['name']}/DUP",
                qty_field="qty_delivered",
            )
            assert dup["amount_total"] == orig["amount_total"]
            self.plant_note(
                "billing.duplicate_invoice",
                "account.move",
                dup["id"],
                dup["name"],
                f"{dup['amount_total']:,.2f} invoiced again {inv_date.isoformat()}, same as "
                f"{orig['name']} of {orig['invoice_date']} (ref {dup['ref']!r} vs "
                f"{orig['ref']!r})",
            )
        # Refund pile-up: the customers with the most recent invoices get five credit notes
        # each in the last 80 days (rule: more than 3 in 90 days).
        n = max(3, self.n_orders // 100)
        recent = {
            cid: [
                m
                for m in moves
                if m["move_type"] == "out_invoice"
                and (self.today - date.fromisoformat(m["invoice_date"])).days <= 120
                and m["invoice_origin"]
            ]
            for cid, moves in self.invoices_by_partner.items()
        }
        ranked = sorted(recent, key=lambda c: (-len(recent[c]), c))
        for cid in ranked[:n]:
            moves = sorted(recent[cid], key=lambda m: m["invoice_date"])
            refunds = []
            for k in range(5):
                src = moves[k % len(moves)]
                src_day = date.fromisoformat(src["invoice_date"])
                start = max(src_day + timedelta(days=1), self.today - timedelta(days=80))
                span = max(0, (self.today - timedelta(days=1) - start).days)
                r_day = start + timedelta(days=rng.randint(0, span))
                frac = 0.08 + 0.03 * k
                refunds.append(self._refund(cid, src, r_day, frac))
            self.refund_days[cid].extend(
                (self.today - date.fromisoformat(m["invoice_date"])).days for m in refunds
            )
            self.plant_note(
                "billing.refund_pileup",
                "res.partner",
                cid,
                self._partner_name(cid),
                f"{len(refunds)} credit notes in the last 80 days (threshold 3): "
                + ", ".join(m["name"] for m in refunds),
            )
            self.pileup_customers.add(cid)

    def _partner_label(self, pid: int) -> str:
        """``Company, Contact (id N)`` as a person reading the manifest would look it up."""
        row = self.records["res.partner"][pid - FIRST_SHARED_ID]
        name = row["name"]
        if row.get("parent_id"):
            name = f"{self._partner_name(row['parent_id'])}, {name}"
        return f"{name} (id {pid})"

    def _partner_name(self, pid: int) -> str:
        return str(self.records["res.partner"][pid - FIRST_SHARED_ID]["name"])

    def _refund(
        self, commercial: int, src: dict[str, Any], r_day: date, frac: float
    ) -> dict[str, Any]:
        """A posted, reconciled goodwill credit note against ``src`` (not linked to sale lines)."""
        r = REFS
        untaxed = _money(src["amount_untaxed"] * frac)
        while True:
            total = _money(untaxed + _money(untaxed * TAX_RATE))
            day = -(self.today - r_day).days
            if not any(
                abs(d - day) <= 45 and abs(t - total) < 0.005 for d, t in self.totals[commercial]
            ):
                break
            untaxed = _money(untaxed + 1)
        self.totals[commercial].append((day, total))
        tax = _money(untaxed * TAX_RATE)
        name = self.name(f"RINV/{r_day.year}/")
        move = {
            "name": name,
            "move_type": "out_refund",
            "state": "posted",
            "partner_id": src["partner_id"],
            "commercial_partner_id": commercial,
            "ref": f"Reversal of: {src['name']}, goodwill for damaged packaging",
            "invoice_origin": False,
            "invoice_date": r_day.isoformat(),
            "date": r_day.isoformat(),
            "invoice_date_due": r_day.isoformat(),
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": total,
            "amount_residual": 0.0,
            "payment_state": "paid",
            "currency_id": r.currency,
            "company_id": r.company,
            "journal_id": r.journal_sale,
            "invoice_user_id": r.admin,
            "payment_reference": False,
            "reversed_entry_id": src["id"],
        }
        mid = self.add("account.move", move)
        self.add(
            "account.move.line",
            {
                "move_id": mid,
                "display_type": "product",
                "product_id": self.goodwill.id,
                "name": f"Goodwill credit on {src['name']}",
                "quantity": 1.0,
                "price_unit": untaxed,
                "discount": 0.0,
                "price_subtotal": untaxed,
                "price_total": total,
                "tax_ids": [r.tax_sale],
                "product_uom_id": r.uom_unit,
                "partner_id": commercial,
                "sale_line_ids": [],
                "account_id": r.account_income,
                "debit": untaxed,
                "credit": 0.0,
                "balance": untaxed,
                "currency_id": r.currency,
            },
        )
        return move

    def _clean_refunds(self) -> None:
        """An occasional goodwill credit note, far below the refund pile-up thresholds."""
        rng = self.rng("refunds")
        for cid in sorted(self.invoices_by_partner):
            if cid in self.pileup_customers:
                continue
            invs = sorted(
                (
                    m
                    for m in self.invoices_by_partner[cid]
                    if m["move_type"] == "out_invoice" and m["invoice_origin"]
                ),
                key=lambda m: m["invoice_date"],
            )
            if len(invs) < 4 or rng.random() > 0.35:
                continue
            src = invs[rng.randrange(len(invs) - 1)]
            src_day = date.fromisoformat(src["invoice_date"])
            r_day = src_day + timedelta(days=rng.randint(3, 15))
            if r_day >= self.today:
                continue

            # Keep the credit at most 5 % of what the customer was invoiced in the 90 days
            # before it and in the last 90 days (rule: 20 %),
            def invoiced(lo: date, hi: date, invs: list[dict[str, Any]] = invs) -> float:
                return sum(
                    m["amount_total"]
                    for m in invs
                    if lo <= date.fromisoformat(m["invoice_date"]) <= hi
                )

            # Any window from 80 to 100 days: a rule may count a few days more or less.
            base = min(
                [invoiced(r_day - timedelta(days=w), r_day) for w in range(80, 101)]
                + [
                    invoiced(self.today - timedelta(days=w), self.today)
                    for w in range(80, 101)
                    if (self.today - r_day).days <= w
                ]
            )
            frac = min(0.15, 0.05 * base / max(src["amount_total"], 0.01))
            if frac < 0.02:
                continue
            self._refund(cid, src, r_day, frac)

    # ---- repairs -------------------------------------------------------------------------

    def _repairs(self) -> None:
        rng = self.rng("repairs")
        n = max(6, self.n_orders // 20)
        finished = [p for p in self.storables if p.kind == "finished"]
        spares = [p for p in self.storables if p.kind == "spare"]
        clean_spares = [p for p in spares if p.id not in self.no_open_use] or spares
        missing = list(self.plant_products.get("repairs.parts_missing", []))
        for i in range(n + len(missing)):
            planted = i >= n
            cust = rng.choice(self.customers)
            product = rng.choice(finished)
            if planted:
                state = "confirmed" if rng.random() < 0.5 else "under_repair"
                age = rng.randint(2, 12)
            else:
                u = rng.random()
                state = (
                    "done"
                    if u < 0.6
                    else "confirmed"
                    if u < 0.75
                    else "under_repair"
                    if u < 0.88
                    else "draft"
                    if u < 0.95
                    else "cancel"
                )
                age = (
                    rng.randint(1, 8)
                    if state in ("confirmed", "under_repair", "draft")
                    else (rng.randint(5, HISTORY_DAYS - 5))
                )
            is_open = state not in ("done", "cancel")
            pool = clean_spares if is_open else spares
            parts: list[tuple[_Product, float]] = []
            for p in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))):
                parts.append((p, float(rng.randint(1, 2))))
            if planted:
                part = missing[i - n]
                parts = [(part, float(rng.randint(2, 4))), *parts[:1]]
            self._repair(rng, cust, product, state, age, parts, planted)

    def _repair(
        self,
        rng: random.Random,
        cust: _Customer,
        product: _Product,
        state: str,
        age: int,
        parts: list[tuple[_Product, float]],
        planted: bool,
    ) -> None:
        r = REFS
        created = self.dt(age, rng.randint(8, 16))
        name = self.name("RO/")
        is_open = state not in ("done", "cancel")
        row: dict[str, Any] = {
            "name": name,
            "product_id": product.id,
            "product_qty": 1.0,
            "partner_id": cust.id,
            "state": state,
            "location_id": r.loc_stock,
            "company_id": r.company,
            "user_id": r.admin,
            "description": f"{product.name}: customer reports "
            + rng.choice(
                ("leaking seal", "noisy bearing", "no start", "pressure drop", "overheating")
            ),
            "internal_notes": False,
            "priority": "1" if planted else "0",
            "schedule_date": _fmt(created + timedelta(days=2)),
            "create_date": _fmt(created),
        }
        if self.v == 16:
            row.update(
                {
                    "product_uom": r.uom_unit,
                    "partner_invoice_id": cust.invoice,
                    "invoice_method": "after_repair",
                    "guarantee_limit": False,
                }
            )
        else:
            row.update(
                {
                    "picking_type_id": r.type_repair,
                    "location_dest_id": r.loc_stock,
                    "parts_location_id": r.loc_stock,
                    "recycle_location_id": r.loc_stock,
                    "product_uom": r.uom_unit,
                    "sale_order_id": False,
                }
            )
        rid = self.add("repair.order", row)
        for p, qty in parts:
            st = self.stock[p.id]
            if state != "cancel":
                st.demand[max(0, HISTORY_DAYS - 1 - age)] += qty
            line_state = {"done": "done", "cancel": "cancel", "draft": "draft"}.get(
                state, "confirmed"
            )
            if self.v == 16:
                self.add(
                    "repair.line",
                    {
                        "repair_id": rid,
                        "type": "add",
                        "name": p.name,
                        "product_id": p.id,
                        "product_uom_qty": qty,
                        "product_uom": r.uom_unit,
                        "price_unit": p.price,
                        "price_subtotal": _money(qty * p.price),
                        "location_id": r.loc_stock,
                        "location_dest_id": r.loc_production,
                        "state": line_state,
                    },
                )
            else:
                mstate = {"done": "done", "cancel": "cancel", "draft": "draft"}.get(
                    state, "confirmed" if planted else "assigned"
                )
                self.add(
                    "stock.move",
                    {
                        "name": p.name,
                        "origin": name,
                        "picking_id": False,
                        "sale_line_id": False,
                        "repair_id": rid,
                        "repair_line_type": "add",
                        "product_id": p.id,
                        "product_uom_qty": qty,
                        "quantity": qty if state == "done" or mstate == "assigned" else 0.0,
                        "picked": state == "done",
                        "product_uom": r.uom_unit,
                        "price_unit": p.price,
                        "state": mstate,
                        "location_id": r.loc_stock,
                        "location_dest_id": r.loc_production,
                        "date": _fmt(created),
                        "date_deadline": False,
                        "partner_id": cust.id,
                        "picking_type_id": r.type_repair,
                        "company_id": r.company,
                        "purchase_line_id": False,
                    },
                )
            if is_open:
                st.open_out += qty
                if self.v >= 17 and not planted and state != "draft":
                    st.reserved += qty
        if planted:
            part, qty = parts[0]
            st = self.stock[part.id]
            st.on_hand = 0.0
            self.plant_note(
                "repairs.parts_missing",
                "repair.order",
                rid,
                name,
                f"needs {qty:g} x {part.code}, 0 on hand (next receipt after the repair is due)",
            )

    # ---- stock: quants, receipts, orderpoints --------------------------------------------

    def _stock_records(self) -> None:
        rng = self.rng("stock")
        r = REFS
        planted_reorder = {p.id for p in self.plant_products.get("inventory.reorder", [])}
        planted_over = {p.id for p in self.plant_products.get("inventory.overstock", [])}
        planted_unserv = {p.id for p in self.plant_products.get("orders.unservable", [])}
        unserv = {sol["product_id"]: (order, sol, c) for order, sol, c in self.unservable_orders}
        po_lines: dict[int, list[tuple[_Product, float, int]]] = defaultdict(list)
        for p in self.storables:
            st = self.stock[p.id]
            d = st.demand
            means = [sum(d[-w:]) / w for w in (90, 180)]  # demand windows a rule may use
            d_max = max(means)
            # The cover is judged on the smallest demand a rule may see: sales only (a rule
            # may not count repair consumption), over 90 or 180 days.
            d_min = min(sum(seq[-w:]) / w for seq in (d, st.sales) for w in (90, 180))
            sigma = _stdev(d)
            lt = p.delay
            rop = d_max * lt + Z_CLEAN * sigma * math.sqrt(lt)
            ss_mid = (sum(d) / HISTORY_DAYS) * lt + 1.65 * sigma * math.sqrt(lt)
            op_min = max(0.0, math.ceil(ss_mid))
            cover_cap = max(
                MAX_COVER_DAYS * d_min,
                180 * d_min + OVERSTOCK_SAFE_MONEY * 12 / HOLDING_RATE / max(p.cost, 0.01),
            )
            out = st.open_out
            # Position (on hand - reserved + incoming - outgoing) counts open demand twice
            # in the most pessimistic reading; size against that.
            target = math.ceil(max(rop * ROP_MARGIN, op_min * 1.2) + out + st.reserved + 1)
            incoming: list[tuple[float, int]] = []
            on_hand: float
            note = ""
            if p.id in planted_reorder:
                on_hand = float(math.floor(0.2 * (sum(d[-90:]) / 90) * lt))
                op_min = max(op_min, math.ceil((sum(d[-90:]) / 90) * lt))
                note = (
                    f"forecast {on_hand:g} (on hand, no receipt) vs reorder point about "
                    f"{(sum(d[-90:]) / 90) * lt:.1f} ({sum(d[-90:]) / 90:.2f}/day x {lt} "
                    f"days lead time, before safety stock)"
                )
            elif p.id in planted_over:
                d180 = sum(d) / HISTORY_DAYS
                excess_units = max(math.ceil(12 * 200 / HOLDING_RATE / p.cost), 300 * d180)
                on_hand = float(math.ceil(180 * d_max + excess_units))
                money = (on_hand - 180 * d180) * p.cost * HOLDING_RATE / 12
                cover = on_hand / d180 if d180 else math.inf
                note = (
                    f"{on_hand:g} on hand at {p.cost:,.2f} = {on_hand * p.cost:,.0f}; "
                    f"{cover:,.0f} days of cover at {d180:.2f}/day; beyond 180 days costs "
                    f"{money:,.0f}/month at 25%/year"
                )
            elif p.id in planted_unserv:
                order, sol, commit = unserv[p.id]
                need = sol["product_uom_qty"]
                on_hand = float(math.floor(need * 0.4))
                arrive = (commit.date() - self.today).days + rng.randint(4, 7)
                inc = float(math.ceil(max(target - on_hand, need)))
                incoming.append((inc, arrive))
                self.plant_note(
                    "orders.unservable",
                    "sale.order",
                    order["id"],
                    order["name"],
                    f"{p.code}: needs {need:g}, {on_hand:g} free on hand, receipt of {inc:g} "
                    f"arrives {arrive} days from today, after the promised "
                    f"{commit:%Y-%m-%d}",
                )
            elif st.on_hand is not None:  # a part missing for a planted repair
                arrive = rng.randint(8, 14)
                inc = float(math.ceil(target))
                incoming.append((inc, arrive))
                on_hand = 0.0
            else:
                floor_qty = out + 0.01  # every open order and repair can be served
                total: float = max(target, math.ceil(floor_qty))
                if total > cover_cap and lt > 1:
                    # Too slow a supplier for this demand: the company buys from a quicker
                    # one (changing the lead time keeps the stock both safe and lean).
                    for faster in (10, 7, 5, 3, 2, 1):
                        if faster >= lt:
                            continue
                        rop = d_max * faster + Z_CLEAN * sigma * math.sqrt(faster)
                        ss_f = (sum(d) / HISTORY_DAYS) * faster + 1.65 * sigma * math.sqrt(faster)
                        t_f = math.ceil(
                            max(rop * ROP_MARGIN, math.ceil(ss_f) * 1.2) + out + st.reserved + 1
                        )
                        p.delay, lt, op_min = faster, faster, max(0.0, math.ceil(ss_f))
                        total = max(t_f, math.ceil(floor_qty))
                        if total <= cover_cap:
                            break
                    self._set_delay(p)
                if total > cover_cap:
                    # A slow, lumpy seller (dear, sold a few at a time): the warehouse does not
                    # reserve it ahead, and holds just the reorder point.
                    self._unreserve(p)
                    total = math.ceil(max(rop + out + st.reserved + 0.01, floor_qty))
                    op_min = min(op_min, math.floor(rop))
                slack = max(0.0, cover_cap - total)
                total = float(math.floor(total + slack * rng.uniform(0.0, 0.5)))
                if rng.random() < 0.3 and total > out + st.reserved + 4:
                    inc = float(math.floor((total - out - st.reserved) * rng.uniform(0.2, 0.4)))
                    incoming.append((inc, rng.randint(2, max(2, lt))))
                    total -= inc
                on_hand = float(total)
            st.on_hand = on_hand
            st.incoming = incoming
            if p.id in planted_reorder or p.id in planted_over:
                self.reorder_notes[p.id] = note
            for qty, days in incoming:
                po_lines[p.vendor].append((p, qty, days))
            if on_hand > 0 or st.reserved > 0:
                self.add(
                    "stock.quant",
                    {
                        "product_id": p.id,
                        "location_id": r.loc_stock,
                        "quantity": on_hand,
                        "reserved_quantity": min(st.reserved, on_hand),
                        "company_id": r.company,
                        "in_date": _fmt(self.dt(rng.randint(1, 60))),
                        "owner_id": False,
                    },
                )
            if p.pattern != "intermittent" or p.id in planted_reorder or rng.random() < 0.5:
                mn = float(op_min)
                self.add(
                    "stock.warehouse.orderpoint",
                    {
                        "name": self.name("OP/"),
                        "product_id": p.id,
                        "location_id": r.loc_stock,
                        "warehouse_id": r.warehouse,
                        "company_id": r.company,
                        "product_min_qty": mn,
                        "product_max_qty": float(mn + max(p.min_qty, math.ceil(30 * sum(d) / 180))),
                        "qty_multiple": p.multiple,
                        "trigger": "manual",
                        "active": True,
                    },
                )
        for p in self.plant_products.get("inventory.reorder", []):
            self.plant_note(
                "inventory.reorder",
                "product.product",
                p.id,
                f"[{p.code}] {p.name}",
                self.reorder_notes[p.id],
            )
        for p in self.plant_products.get("inventory.overstock", []):
            self.plant_note(
                "inventory.overstock",
                "product.product",
                p.id,
                f"[{p.code}] {p.name}",
                self.reorder_notes[p.id],
            )
        self._purchases(po_lines)

    def _invoice_statuses(self) -> None:
        """``qty_to_invoice`` and ``invoice_status`` as Odoo computes them from the quantities.

        Delivered-quantity policy for goods (negative when invoiced ahead of delivery, as on
        an over-invoiced line), ordered-quantity policy for services.
        """
        for oid, sols in self.sols_by_order.items():
            order = self.orders_by_id[oid]
            confirmed = order["state"] in ("sale", "done")
            for sol in sols:
                if not confirmed:
                    sol["qty_to_invoice"], sol["invoice_status"] = 0.0, "no"
                    continue
                basis = (
                    sol["product_uom_qty"]
                    if self.by_id[sol["product_id"]].kind == "service"
                    else sol["qty_delivered"]
                )
                sol["qty_to_invoice"] = basis - sol["qty_invoiced"]
                if abs(sol["qty_to_invoice"]) > 1e-9:
                    sol["invoice_status"] = "to invoice"
                elif sol["qty_invoiced"] >= sol["product_uom_qty"]:
                    sol["invoice_status"] = "invoiced"
                else:
                    sol["invoice_status"] = "no"
            order["invoice_status"] = _order_invoice_status(sols)

    def _stamp_create_dates(self) -> None:
        """``create_date`` as in a real database: documents when they were made, master data
        a year before the history starts (the ORM stamps only ``write_date`` at load)."""
        setup = _fmt(self.t0 - timedelta(days=HISTORY_DAYS + 365))
        recs = self.records
        for model in (
            "res.partner",
            "product.template",
            "product.product",
            "product.supplierinfo",
            "stock.warehouse.orderpoint",
            "product.category",
        ):
            for row in recs.get(model, []):
                row.setdefault("create_date", setup)
        parents = (
            ("sale.order", "sale.order.line", "order_id", "date_order"),
            ("purchase.order", "purchase.order.line", "order_id", "date_order"),
            ("stock.picking", "stock.move", "picking_id", "date"),
        )
        for head, lines, link, field_ in parents:
            when = {row["id"]: row[field_] for row in recs.get(head, [])}
            for row in recs.get(head, []):
                row["create_date"] = row[field_]
            for row in recs.get(lines, []):
                row["create_date"] = when.get(row[link]) or row.get("date") or setup
        for row in recs.get("stock.quant", []):
            row["create_date"] = row["in_date"]
        moves = {}
        for row in recs.get("account.move", []):
            row["create_date"] = moves[row["id"]] = f"{row['invoice_date']} 09:00:00"
        for row in recs.get("account.move.line", []):
            row["create_date"] = moves[row["move_id"]]
        rep_dates = {row["id"]: row["create_date"] for row in recs.get("repair.order", [])}
        for row in recs.get("repair.line", []):
            row["create_date"] = rep_dates[row["repair_id"]]

    def _unreserve(self, p: _Product) -> None:
        for mv, pick in self.reserved_moves.pop(p.id, []):
            mv["state"] = "confirmed"
            mv[self.f_move_done] = 0.0
            self.stock[p.id].reserved -= mv["product_uom_qty"]
            siblings = self.pick_moves[pick["id"]]
            if all(m["state"] != "assigned" for m in siblings):
                pick["state"] = "confirmed"

    def _set_delay(self, p: _Product) -> None:
        for row in self.records["product.supplierinfo"]:
            if row["product_tmpl_id"] == p.tmpl_id and row["sequence"] == 1:
                row["delay"] = p.delay

    def _purchases(self, po_lines: dict[int, list[tuple[_Product, float, int]]]) -> None:
        """Confirmed purchase orders whose receipts are still to come."""
        r = REFS
        for vendor in sorted(po_lines):
            by_day: dict[int, list[tuple[_Product, float]]] = defaultdict(list)
            for p, qty, days in po_lines[vendor]:
                by_day[days].append((p, qty))
            for days in sorted(by_day):
                planned = datetime.combine(self.today, time(10)) + timedelta(days=days)
                ordered = planned - timedelta(days=max(p.delay for p, _ in by_day[days]))
                ordered = min(ordered, self.t0 - timedelta(hours=2))
                lines = by_day[days]
                untaxed = _money(sum(q * p.cost for p, q in lines))
                po_name = self.name("P")
                po = self.add(
                    "purchase.order",
                    {
                        "name": po_name,
                        "partner_id": vendor,
                        "partner_ref": False,
                        "origin": False,
                        "state": "purchase",
                        "date_order": _fmt(ordered),
                        "date_approve": _fmt(ordered),
                        "date_planned": _fmt(planned),
                        "currency_id": r.currency,
                        "company_id": r.company,
                        "user_id": r.admin,
                        "amount_untaxed": untaxed,
                        "amount_tax": _money(untaxed * TAX_RATE),
                        "amount_total": _money(untaxed * (1 + TAX_RATE)),
                        "invoice_status": "no",
                    },
                )
                pick_name = self.name("WH/IN/")
                pick = {
                    "date": _fmt(ordered),
                    "name": pick_name,
                    "origin": po_name,
                    "partner_id": vendor,
                    "picking_type_id": r.type_in,
                    "location_id": r.loc_suppliers,
                    "location_dest_id": r.loc_stock,
                    "scheduled_date": _fmt(planned),
                    "date_deadline": _fmt(planned),
                    "date_done": False,
                    "state": "assigned",
                    "sale_id": False,
                    "purchase_id": po,
                    "company_id": r.company,
                    "move_type": "direct",
                }
                pick_id = self.add("stock.picking", pick)
                for p, qty in lines:
                    pol = self.add(
                        "purchase.order.line",
                        {
                            "order_id": po,
                            "product_id": p.id,
                            "name": f"[{p.code}] {p.name}",
                            "product_qty": qty,
                            self.f_uom: r.uom_unit,
                            "price_unit": p.cost,
                            "price_subtotal": _money(qty * p.cost),
                            "price_total": _money(_money(qty * p.cost) * (1 + TAX_RATE)),
                            "date_planned": _fmt(planned),
                            "qty_received": 0.0,
                            "qty_invoiced": 0.0,
                            "taxes_id" if self.v <= 18 else "tax_ids": [r.tax_purchase],
                        },
                    )
                    mv: dict[str, Any] = {
                        "name": p.name,
                        "origin": po_name,
                        "picking_id": pick_id,
                        "sale_line_id": False,
                        "purchase_line_id": pol,
                        "product_id": p.id,
                        "product_uom_qty": qty,
                        self.f_move_done: 0.0,
                        "product_uom": r.uom_unit,
                        "price_unit": p.cost,
                        "state": "assigned",
                        "location_id": r.loc_suppliers,
                        "location_dest_id": r.loc_stock,
                        "date": _fmt(planned),
                        "date_deadline": _fmt(planned),
                        "partner_id": vendor,
                        "picking_type_id": r.type_in,
                        "company_id": r.company,
                    }
                    if self.v >= 17:
                        mv.update({"picked": False, "repair_id": False, "repair_line_type": False})
                    self.add("stock.move", mv)


# ----------------------------------------------------------------------------------------
# Small pure helpers


def _fmt(moment: datetime) -> str:
    """Odoo's datetime string (``isoformat`` is much faster than ``strftime`` at 50k orders)."""
    return moment.isoformat(" ", "seconds")


def _money(x: float) -> float:
    return round(x + 1e-9, 2) if x >= 0 else -round(-x + 1e-9, 2)


def _subtotal(line: Sequence[Any]) -> float:
    _, qty, price, disc = line
    return _money(qty * price * (1 - disc / 100))


def _tax_of(lines: list[list[Any]]) -> float:
    return _money(sum(_money(_subtotal(ln) * TAX_RATE) for ln in lines))


def _stdev(xs: Sequence[float]) -> float:
    n = len(xs)
    mean = sum(xs) / n
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))


def _order_invoice_status(sols: list[dict[str, Any]]) -> str:
    statuses = {r["invoice_status"] for r in sols}
    if "to invoice" in statuses:
        return "to invoice"
    if statuses == {"invoiced"}:
        return "invoiced"
    return "no" if "no" in statuses else "invoiced"
