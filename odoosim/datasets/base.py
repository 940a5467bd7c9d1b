"""Structural records a company has beyond the ORM's base data, and the ids datasets point at.

The ORM creates what every fresh Odoo database holds (``odoosim/models/data.py``: company 1
with partner 1, admin user 2, bot user 3, currencies EUR 1 / USD 2 with USD the company's,
units 1-2, product category "All" 1, accounts, journals 1-3, taxes 1-2, payment terms 1-2,
stock locations 1-8 with WH/Stock 8, warehouse 1, picking types 1-3).  ``structural_records``
adds what this company configured on top: product categories, the production location repairs
consume parts into, and (17+) the repair operation type.  ``REFS`` names all of those ids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from odoosim.datasets import Records

# First id the datasets use in models the ORM's base data also fills (partners 1-4, users 1-3).
FIRST_SHARED_ID = 100

TAX_RATE = 0.15


@dataclass(frozen=True)
class Refs:
    """Ids of base records (ORM) and structural records (this module)."""

    company: int = 1
    company_partner: int = 1
    admin: int = 2
    currency: int = 2  # USD, the company currency in the ORM's base data
    uom_unit: int = 1
    tax_sale: int = 1
    tax_purchase: int = 2
    journal_sale: int = 1
    account_receivable: int = 1
    account_income: int = 2
    payment_term_30: int = 2
    warehouse: int = 1
    loc_virtual: int = 3
    loc_suppliers: int = 4
    loc_customers: int = 5
    loc_inventory: int = 6
    loc_stock: int = 8
    type_in: int = 1
    type_out: int = 2
    categ_all: int = 1
    # added by structural_records
    loc_production: int = 9
    type_repair: int = 4
    categ_finished: int = 2
    categ_spares: int = 3
    categ_consumables: int = 4
    categ_services: int = 5


REFS = Refs()


def structural_records(version: str, apps: Collection[str] | None = None) -> Records:
    """Product categories, the production location and (17+) the repair operation type."""
    r = REFS
    records: Records = {
        "product.category": [
            {"id": r.categ_finished, "name": "Equipment", "parent_id": r.categ_all},
            {"id": r.categ_spares, "name": "Spare Parts", "parent_id": r.categ_all},
            {"id": r.categ_consumables, "name": "Consumables", "parent_id": r.categ_all},
            {"id": r.categ_services, "name": "Services", "parent_id": r.categ_all},
        ],
    }
    if apps is None or "stock" in apps:
        records["stock.location"] = [
            {
                "id": r.loc_production,
                "name": "Production",
                "usage": "production",
                "location_id": r.loc_virtual,
            }
        ]
    if int(version) >= 17 and (apps is None or "repair" in apps):
        records["stock.picking.type"] = [
            _ptype(
                r.type_repair, "Repairs", "repair_operation", "RO", r.loc_stock, r.loc_production
            )
        ]
    return records


def _ptype(tid: int, name: str, code: str, prefix: str, src: int, dest: int) -> dict[str, Any]:
    return {
        "id": tid,
        "name": name,
        "code": code,
        "sequence_code": prefix,
        "warehouse_id": REFS.warehouse,
        "default_location_src_id": src,
        "default_location_dest_id": dest,
    }
