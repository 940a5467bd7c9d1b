"""A reference reading of the rule catalogue (``docs/internals.md`` §2) over raw records.

This is not svcsync's rule engine (that lives in ``service/`` and must not be imported here):
it is the dataset's own check that the manifest is honest.  Each rule is evaluated in two
readings:

* ``strict`` — the narrowest sensible reading at default thresholds (fire only when the
  condition is clearly met).  Every planted problem must fire here.
* ``broad`` — a deliberately generous reading (tighter thresholds, pessimistic stock and time
  assumptions).  Nothing outside the manifest may fire here.

If both hold, any reasonable implementation of a rule finds exactly the planted subjects.
Records are in the dataset shape (many2one as an id); ``normalize`` turns RPC rows
(``[id, name]``) into that shape so the same check runs on what odoosim serves.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from odoosim.datasets.base import REFS

__all__ = ["RULES", "Finding", "evaluate", "normalize"]

RULES = (
    "billing.amount_mismatch",
    "billing.over_invoiced",
    "billing.not_invoiced",
    "billing.duplicate_invoice",
    "billing.wrong_partner",
    "billing.overdue",
    "billing.refund_pileup",
    "orders.late",
    "orders.stuck",
    "orders.unservable",
    "repairs.parts_missing",
    "inventory.reorder",
    "inventory.overstock",
)

Key = tuple[str, str, int]
Rows = Mapping[str, Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Finding:
    rule: str
    model: str
    id: int
    evidence: str

    @property
    def key(self) -> Key:
        return (self.rule, self.model, self.id)


def normalize(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """RPC read shape -> dataset shape (many2one ``[id, name]`` becomes the id)."""
    out = []
    for row in rows:
        out.append(
            {
                k: (
                    v[0]
                    if isinstance(v, list)
                    and len(v) == 2
                    and isinstance(v[1], str)
                    and isinstance(v[0], int)
                    else v
                )
                for k, v in row.items()
            }
        )
    return out


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    s = str(value)
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S") if len(s) > 10 else datetime.fromisoformat(s)


def _d(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def evaluate(records: Rows, version: str, today: date, reading: str = "strict") -> list[Finding]:
    """Every finding of every rule (except ``quality.customer``) in the given reading."""
    if reading not in ("strict", "broad"):
        raise ValueError(f"reading must be 'strict' or 'broad', not {reading!r}")
    return _Eval(records, int(version), today, reading == "broad").run()


class _Eval:
    def __init__(self, records: Rows, v: int, today: date, broad: bool) -> None:
        self.v = v
        self.today = today
        self.t0 = datetime.combine(today, datetime.min.time())
        self.broad = broad
        self.r: dict[str, list[dict[str, Any]]] = {
            m: [dict(x) for x in rows] for m, rows in records.items()
        }
        self.out: list[Finding] = []
        # Without the stock app there is no stock to judge (the rules need quants and moves).
        self.has_stock = any(m in records for m in ("stock.quant", "stock.move", "stock.picking"))
        by = self.by_id
        self.partners = by("res.partner")
        self.templates = by("product.template")
        self.products = by("product.product")
        self.orders = by("sale.order")
        self.sols = by("sale.order.line")
        self.locations = by("stock.location")
        self.moves_by_inv: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for ln in self.r.get("account.move.line", []):
            self.moves_by_inv[ln["move_id"]].append(ln)
        self.sols_by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for sl in self.sols.values():
            self.sols_by_order[sl["order_id"]].append(sl)
        self.order_by_name = {o["name"]: o for o in self.orders.values()}
        self.picks_by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for p in self.r.get("stock.picking", []):
            if p.get("sale_id"):
                self.picks_by_order[p["sale_id"]].append(p)
        self.internal = {lid for lid, loc in self.locations.items() if loc["usage"] == "internal"}
        if REFS.loc_stock not in self.locations:
            # Raw dataset records: WH/Stock is the ORM's base data, not in the dataset.
            self.internal.add(REFS.loc_stock)

    def by_id(self, model: str) -> dict[int, dict[str, Any]]:
        return {row["id"]: row for row in self.r.get(model, [])}

    def add(self, rule: str, model: str, rid: int, evidence: str) -> None:
        self.out.append(Finding(rule, model, rid, evidence))

    def run(self) -> list[Finding]:
        self.stock_index()
        self.billing()
        self.orders_rules()
        if self.has_stock:
            self.stock_rules()
        return self.out

    # ---- helpers -------------------------------------------------------------------------

    def storable(self, pid: int) -> bool:
        prod = self.products.get(pid)
        if prod is None:
            return False
        t = self.templates.get(prod["product_tmpl_id"], {})
        if self.v <= 17:
            return (t.get("detailed_type") or t.get("type")) == "product"
        return t.get("type") == "consu" and bool(t.get("is_storable"))

    def shipped(self, pid: int) -> bool:
        prod = self.products.get(pid)
        if prod is None:
            return False
        return self.templates.get(prod["product_tmpl_id"], {}).get("type") != "service"

    def confirmed(self, order: Mapping[str, Any]) -> bool:
        return order["state"] in (("sale", "done") if self.v == 16 else ("sale",))

    def commercial(self, pid: int) -> int:
        p = self.partners.get(pid)
        if p is None:
            return pid
        return int(p.get("commercial_partner_id") or p.get("parent_id") or pid)

    def promised(self, order: Mapping[str, Any]) -> datetime:
        c = _dt(order.get("commitment_date"))
        if c is not None:
            return c
        start = _dt(order["date_order"])
        assert start is not None
        leads = [sl.get("customer_lead") or 0.0 for sl in self.sols_by_order[order["id"]]]
        return start + timedelta(days=min(leads) if leads else 0.0)

    def customer_moves(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.r.get("account.move", [])
            if m["state"] == "posted" and m["move_type"] in ("out_invoice", "out_refund")
        ]

    # ---- billing -------------------------------------------------------------------------

    def billing(self) -> None:
        moves = self.customer_moves()
        invoices = [m for m in moves if m["move_type"] == "out_invoice"]
        for inv in invoices:
            linked = {
                self.sols[s]["order_id"]
                for ln in self.moves_by_inv[inv["id"]]
                for s in (ln.get("sale_line_ids") or [])
                if s in self.sols
            }
            order = None
            if linked:
                order = self.orders[min(linked)]
            elif inv.get("invoice_origin") in self.order_by_name:
                order = self.order_by_name[inv["invoice_origin"]]
            self.amount_mismatch(inv, order, bool(linked))
            if (
                order is not None
                and (linked or self.broad)
                and inv["partner_id"] != order["partner_invoice_id"]
            ):
                self.add(
                    "billing.wrong_partner",
                    "account.move",
                    inv["id"],
                    f"partner {inv['partner_id']} vs {order['partner_invoice_id']}",
                )
        tol_days = 27 if self.broad else 30
        for m in moves:
            if m["move_type"] == "out_refund" and not self.broad:
                continue
            due = _d(m.get("invoice_date_due"))
            if (
                m.get("payment_state") in ("not_paid", "partial")
                and due is not None
                and due < self.today - timedelta(days=tol_days)
            ):
                self.add("billing.overdue", "account.move", m["id"], f"due {due}")
        self.duplicates(moves)
        self.refunds(moves)
        for order in self.orders.values():
            if not self.confirmed(order):
                continue
            lines = self.sols_by_order[order["id"]]
            over = [
                sl
                for sl in lines
                if (self.broad or self.storable(sl["product_id"]))
                and sl["qty_invoiced"] > sl["qty_delivered"] + 1e-6
            ]
            if over:
                self.add(
                    "billing.over_invoiced",
                    "sale.order",
                    order["id"],
                    f"{over[0]['qty_invoiced']} > {over[0]['qty_delivered']}",
                )
            if any(sl["qty_delivered"] > sl["qty_invoiced"] + 1e-6 for sl in lines):
                done = [
                    _dt(p["date_done"])
                    for p in self.picks_by_order[order["id"]]
                    if p["state"] == "done" and p.get("date_done")
                ]
                dates = [x for x in done if x is not None]
                if not dates:
                    continue
                when = min(dates) if self.broad else max(dates)
                limit = self.t0 - timedelta(days=11 if self.broad else 14)
                if when < limit:
                    self.add(
                        "billing.not_invoiced",
                        "sale.order",
                        order["id"],
                        f"delivered {when:%Y-%m-%d}",
                    )

    def amount_mismatch(
        self, inv: Mapping[str, Any], order: Mapping[str, Any] | None, linked: bool
    ) -> None:
        if linked:
            expected = 0.0
            for ln in self.moves_by_inv[inv["id"]]:
                ids = [s for s in (ln.get("sale_line_ids") or []) if s in self.sols]
                if not ids:
                    continue
                sl = self.sols[ids[0]]
                expected += round(
                    ln["quantity"] * sl["price_unit"] * (1 - (sl["discount"] or 0) / 100), 2
                )
        elif order is not None and self.broad:
            expected = sum(
                sl["price_unit"] * (1 - (sl["discount"] or 0) / 100) * sl["qty_invoiced"]
                for sl in self.sols_by_order[order["id"]]
            )
        else:
            return
        tol = 0.005 if self.broad else 0.011
        if abs(inv["amount_untaxed"] - expected) > tol:
            self.add(
                "billing.amount_mismatch",
                "account.move",
                inv["id"],
                f"invoice {inv['amount_untaxed']:.2f} vs order part {expected:.2f}",
            )

    def duplicates(self, moves: list[dict[str, Any]]) -> None:
        window = 45 if self.broad else 30
        by_partner: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for m in moves:
            if m["move_type"] == "out_invoice" or self.broad:
                by_partner[self.commercial(m["partner_id"])].append(m)
        for docs in by_partner.values():
            docs.sort(key=lambda m: (m["invoice_date"] or "", m["id"]))
            for i, later in enumerate(docs):
                ld = _d(later["invoice_date"])
                for earlier in docs[:i]:
                    ed = _d(earlier["invoice_date"])
                    if ld is None or ed is None or (ld - ed).days > window:
                        continue
                    if abs(earlier["amount_total"] - later["amount_total"]) >= 0.005:
                        continue
                    if not self.broad and (earlier.get("ref") or "") == (later.get("ref") or ""):
                        continue
                    self.add(
                        "billing.duplicate_invoice",
                        "account.move",
                        later["id"],
                        f"same total {later['amount_total']} as {earlier['name']}",
                    )
                    break

    def refunds(self, moves: list[dict[str, Any]]) -> None:
        window = 95 if self.broad else 90
        start = self.today - timedelta(days=window)
        refunds: dict[int, list[float]] = defaultdict(list)
        invoiced: dict[int, float] = defaultdict(float)
        for m in moves:
            d = _d(m["invoice_date"])
            if d is None or d < start:
                continue
            cp = self.commercial(m["partner_id"])
            if m["move_type"] == "out_refund":
                refunds[cp].append(m["amount_total"])
            else:
                invoiced[cp] += m["amount_total"]
        max_count, max_ratio = (2, 0.15) if self.broad else (3, 0.2)
        for cp, amounts in refunds.items():
            ratio = sum(amounts) / invoiced[cp] if invoiced[cp] else math.inf
            if len(amounts) > max_count or ratio > max_ratio:
                self.add(
                    "billing.refund_pileup",
                    "res.partner",
                    cp,
                    f"{len(amounts)} credit notes, ratio {ratio:.2f}",
                )

    # ---- orders --------------------------------------------------------------------------

    def orders_rules(self) -> None:
        now_late = self.t0 + timedelta(days=1) if self.broad else self.t0
        stuck_limit = self.t0 - timedelta(days=6 if self.broad else 7)
        for order in self.orders.values():
            if not self.confirmed(order):
                continue
            lines = [sl for sl in self.sols_by_order[order["id"]] if self.shipped(sl["product_id"])]
            if not self.broad:
                lines = [sl for sl in lines if self.storable(sl["product_id"])]
            if not lines:
                continue
            open_lines = [sl for sl in lines if sl["qty_delivered"] < sl["product_uom_qty"] - 1e-6]
            if not open_lines:
                continue
            promised = self.promised(order)
            strictly_late = promised < self.t0
            if promised < now_late:
                self.add("orders.late", "sale.order", order["id"], f"promised {promised}")
            picks = self.picks_by_order[order["id"]]
            progress = any(p["state"] == "done" for p in picks) or any(
                sl["qty_delivered"] > 0 for sl in lines
            )
            started = _dt(order["date_order"])
            assert started is not None
            if not progress and not strictly_late and started < stuck_limit:
                self.add("orders.stuck", "sale.order", order["id"], f"confirmed {started}")
            for sl in open_lines if self.has_stock else []:
                if not self.storable(sl["product_id"]):
                    continue
                need = sl["product_uom_qty"] - sl["qty_delivered"]
                avail = self.available(sl["product_id"], promised, own=need)
                if avail < need - 1e-6:
                    self.add(
                        "orders.unservable",
                        "sale.order",
                        order["id"],
                        f"product {sl['product_id']}: {avail:g} for {need:g}",
                    )
                    break

    # ---- stock ---------------------------------------------------------------------------

    def stock_index(self) -> None:
        self.on_hand: dict[int, float] = defaultdict(float)
        self.reserved: dict[int, float] = defaultdict(float)
        for q in self.r.get("stock.quant", []):
            if q["location_id"] in self.internal:
                self.on_hand[q["product_id"]] += q["quantity"]
                self.reserved[q["product_id"]] += q.get("reserved_quantity") or 0.0
        self.incoming: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
        self.outgoing: dict[int, float] = defaultdict(float)
        for mv in self.r.get("stock.move", []):
            if mv["state"] in ("done", "cancel"):
                continue
            src_in = mv["location_id"] in self.internal
            dst_in = mv["location_dest_id"] in self.internal
            rest = mv["product_uom_qty"]
            when = _dt(mv.get("date")) or self.t0
            if dst_in and not src_in:
                self.incoming[mv["product_id"]].append((when, rest))
            elif src_in and not dst_in:
                self.outgoing[mv["product_id"]] += rest
        # 16 keeps repair parts as repair.line, without stock moves until the repair ends.
        for ln in self.r.get("repair.line", []):
            if ln.get("type") == "add" and ln["state"] not in ("done", "cancel"):
                self.outgoing[ln["product_id"]] += ln["product_uom_qty"]

    def free(self, pid: int, own: float) -> float:
        """Pessimistic free stock for a demand of ``own`` (broad reading)."""
        return min(
            self.on_hand[pid] - (self.outgoing[pid] - own),
            self.on_hand[pid] - self.reserved[pid],
        )

    def available(self, pid: int, by: datetime, own: float) -> float:
        incoming = sum(
            q
            for when, q in self.incoming[pid]
            if when <= by + timedelta(days=1 if self.broad else 0)
        )
        if self.broad:
            # Everybody else's open demand comes first, or free = on hand - reserved (which
            # may hold this order's own reservation): whichever leaves less.
            return self.free(pid, own) + incoming
        return self.on_hand[pid] + incoming

    def demand(self, repairs_too: bool) -> dict[int, list[float]]:
        """Daily demand per product over 180 days: confirmed sale lines (+ repair parts)."""
        days = 180
        series: dict[int, list[float]] = defaultdict(lambda: [0.0] * days)
        for order in self.orders.values():
            if not self.confirmed(order):
                continue
            start = _dt(order["date_order"])
            assert start is not None
            age = (self.today - start.date()).days
            if not 0 <= age < days:
                continue
            for sl in self.sols_by_order[order["id"]]:
                series[sl["product_id"]][days - 1 - age] += sl["product_uom_qty"]
        if repairs_too:
            repairs = self.by_id("repair.order")
            parts: list[tuple[int, int, float]] = []
            for mv in self.r.get("stock.move", []):
                if mv.get("repair_id") and mv["state"] != "cancel":
                    parts.append((mv["repair_id"], mv["product_id"], mv["product_uom_qty"]))
            for ln in self.r.get("repair.line", []):
                if ln["state"] != "cancel":
                    parts.append((ln["repair_id"], ln["product_id"], ln["product_uom_qty"]))
            for rid, pid, qty in parts:
                when = _dt(repairs.get(rid, {}).get("schedule_date"))
                age = (self.today - when.date()).days + 2 if when else days // 2
                series[pid][days - 1 - min(days - 1, max(0, age))] += qty
        return series

    def stock_rules(self) -> None:
        for rep in self.r.get("repair.order", []):
            if rep["state"] in ("done", "cancel"):
                continue
            for pid, qty in self.repair_parts(rep["id"]):
                have = self.free(pid, qty) if self.broad else self.on_hand[pid]
                if have < qty - 1e-6:
                    self.add(
                        "repairs.parts_missing",
                        "repair.order",
                        rep["id"],
                        f"product {pid}: {have:g} for {qty:g}",
                    )
                    break
        series = self.demand(repairs_too=self.broad)
        # Overstock is more likely when the demand a rule sees is smaller: sales only.
        sales_only = self.demand(repairs_too=False)
        lead: dict[int, int] = {}
        sellers: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for s in self.r.get("product.supplierinfo", []):
            sellers[s["product_tmpl_id"]].append(s)
        op_min: dict[int, float] = defaultdict(float)
        for op in self.r.get("stock.warehouse.orderpoint", []):
            op_min[op["product_id"]] = max(op_min[op["product_id"]], op["product_min_qty"])
        for pid, prod in self.products.items():
            if not self.storable(pid):
                continue
            ss = sellers.get(prod["product_tmpl_id"], [])
            if ss:
                first = min(ss, key=lambda s: (s.get("sequence") or 0, s["id"]))
                lead[pid] = first["delay"] if self.broad else min(s["delay"] for s in ss)
            lt = lead.get(pid, 0)
            d = series[pid]
            means = [sum(d[-w:]) / w for w in (90, 180)]  # demand windows a rule may use
            position = (
                self.on_hand[pid] + sum(q for _, q in self.incoming[pid]) - self.outgoing[pid]
            )
            cost = self.templates[prod["product_tmpl_id"]].get("standard_price") or 0.0
            if self.broad:
                position -= self.reserved[pid]
                mean = sum(d) / len(d)
                sigma = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
                rop = max(means) * lt + 2.05 * sigma * math.sqrt(lt)
                rop = max(rop, op_min[pid])
                if position < rop - 1e-6:
                    self.add(
                        "inventory.reorder",
                        "product.product",
                        pid,
                        f"position {position:g} < {rop:.1f}",
                    )
                stock = self.on_hand[pid] + sum(q for _, q in self.incoming[pid])
                sold = sales_only[pid]
                excess = stock - 180 * min(sum(sold[-w:]) / w for w in (90, 180))
                money = excess * cost * 0.25 / 12
                if money > 45:
                    self.add("inventory.overstock", "product.product", pid, f"{money:.0f}/month")
            else:
                rop = means[1] * lt * 0.5
                if position < rop - 1e-6:
                    self.add(
                        "inventory.reorder",
                        "product.product",
                        pid,
                        f"position {position:g} < half of {means[1] * lt:.1f}",
                    )
                excess = self.on_hand[pid] - 180 * max(means)
                money = excess * cost * 0.25 / 12
                if money > 100:
                    self.add("inventory.overstock", "product.product", pid, f"{money:.0f}/month")

    def repair_parts(self, rid: int) -> list[tuple[int, float]]:
        if not hasattr(self, "_parts"):
            self._parts: dict[int, list[tuple[int, float]]] = defaultdict(list)
            if self.v == 16:
                for ln in self.r.get("repair.line", []):
                    if ln.get("type") == "add" and ln["state"] != "cancel":
                        self._parts[ln["repair_id"]].append(
                            (ln["product_id"], ln["product_uom_qty"])
                        )
            else:
                for mv in self.r.get("stock.move", []):
                    if (
                        mv.get("repair_id")
                        and mv.get("repair_line_type") == "add"
                        and mv["state"] not in ("done", "cancel")
                    ):
                        self._parts[mv["repair_id"]].append(
                            (mv["product_id"], mv["product_uom_qty"])
                        )
        return self._parts[rid]
