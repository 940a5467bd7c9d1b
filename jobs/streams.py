"""Streams: one small declaration per Odoo model the rules need.

A stream says which model, which source filter (filter at the source: ``account.move`` only
customer invoices and credit notes), which mapping table (its field list comes from the table, so
table and RPC never drift), and which lookups its mapper needs from other streams' mirrors.
Adding a model is adding one entry to ``STREAMS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mappings import Mapping_, table_for

CUSTOMER_MOVES = ("out_invoice", "out_refund")


@dataclass(frozen=True)
class Stream:
    """How one Odoo model is pulled into the mirror."""

    name: str
    model: str
    domain: tuple[Any, ...] = ()
    raw_fields: tuple[str, ...] = ()
    """For unmapped helper streams: the fields stored as-is (e.g. location usages)."""
    lookups: tuple[str, ...] = ()
    """Lookups the mapper needs (built from other streams' mirror rows, see ``jobs.pull``)."""
    optional: bool = False
    """Skipped when the model is not on the server (repair not installed)."""
    versions: tuple[int, ...] = ()
    """Only on these Odoo majors (empty: all)."""
    has_active: bool = False
    """The model has an ``active`` field: archived records are mirrored as inactive."""
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> Mapping_[Any] | None:
        return None if self.raw_fields else table_for(self.model)

    def fields(self, version: str, available: Iterable[str] | None = None) -> list[str]:
        """The explicit RPC field list (never ``fields=[]``)."""
        table = self.table
        if table is None:
            return list(dict.fromkeys(["id", "write_date", *self.raw_fields]))
        names = table.fields(version, available)
        if self.has_active and "active" not in names:
            names.append("active")
        return names

    def runs_on(self, major: int, models: Iterable[str] | None) -> bool:
        if self.versions and major not in self.versions:
            return False
        return not (self.optional and models is not None and self.model not in set(models))


# Pull order matters where a mapper needs a lookup: locations before stock moves.
STREAMS: tuple[Stream, ...] = (
    Stream("partners", "res.partner", has_active=True),
    Stream("products", "product.product", has_active=True),
    Stream("supplierinfo", "product.supplierinfo"),
    Stream("locations", "stock.location", raw_fields=("usage", "active"), has_active=True),
    Stream("quants", "stock.quant", domain=(("location_id.usage", "=", "internal"),)),
    Stream("orderpoints", "stock.warehouse.orderpoint", has_active=True),
    Stream("orders", "sale.order"),
    Stream("order_lines", "sale.order.line", domain=(("display_type", "=", False),)),
    Stream("invoices", "account.move", domain=(("move_type", "in", CUSTOMER_MOVES),)),
    Stream(
        "invoice_lines",
        "account.move.line",
        domain=(
            ("display_type", "=", "product"),
            ("move_id.move_type", "in", CUSTOMER_MOVES),
        ),
    ),
    Stream("pickings", "stock.picking"),
    Stream("moves", "stock.move", lookups=("location_usage",)),
    Stream("repairs", "repair.order", optional=True),
    Stream("repair_lines", "repair.line", optional=True, versions=(16,)),
)

BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}


def select(names: Iterable[str] | None) -> list[Stream]:
    """The streams called ``names`` (all when None), in pull order; unknown names are an error."""
    if names is None:
        return list(STREAMS)
    wanted = set(names)
    unknown = wanted - set(BY_NAME)
    if unknown:
        raise ValueError(
            f"unknown stream(s) {', '.join(sorted(unknown))}; streams are: " + ", ".join(BY_NAME)
        )
    return [s for s in STREAMS if s.name in wanted]
