"""Map whole sets of Odoo records (a page, or a company) with their errors kept apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from .core import MapContext
from .errors import MappingError
from .tables import TABLES, table_for


def location_usage_lookup(locations: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """``stock.location`` rows (id, usage) → the ``location_usage`` lookup stock moves need."""
    return {int(r["id"]): str(r["usage"]) for r in locations if r.get("usage")}


def map_all(
    records_by_model: Mapping[str, Iterable[Mapping[str, Any]]],
    ctx: MapContext,
) -> tuple[dict[str, list[BaseModel]], list[MappingError]]:
    """Map every record of every mapped model in ``records_by_model`` (others are ignored)."""
    mapped: dict[str, list[BaseModel]] = {}
    errors: list[MappingError] = []
    for model, records in records_by_model.items():
        if model not in TABLES:
            continue
        good, bad = table_for(model).map_many(records, ctx)
        mapped[model] = list(good)
        errors.extend(bad)
    return mapped, errors
