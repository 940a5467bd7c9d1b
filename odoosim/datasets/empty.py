"""The ``empty`` dataset: a company with its structure and no business documents.

The ORM's base data already holds the company, its currency, the admin and bot users; this adds
what installing the apps gives every company (units, taxes, warehouse and locations, operation
types, product categories, sales journal), so an empty database still accepts a sale order or a
draft purchase order created over RPC.
"""

from __future__ import annotations

from collections.abc import Iterable

from odoosim.datasets import SUPPORTED_VERSIONS, Dataset, DatasetError
from odoosim.datasets.base import structural_records

__all__ = ["generate"]


def generate(version: str = "17", apps: Iterable[str] | None = None) -> Dataset:
    """Structural records only, no manifest (nothing is planted); ``apps`` as in ``demo``."""
    version = str(version)
    if version not in SUPPORTED_VERSIONS:
        raise DatasetError(
            f"empty dataset: odoo_version must be one of {', '.join(SUPPORTED_VERSIONS)}, "
            f"got {version!r}"
        )
    if apps is None:
        return Dataset(records=structural_records(version), manifest=None)
    from odoosim.datasets.demo import _resolve_apps, restrict_to_apps

    installed = _resolve_apps(apps)
    records = restrict_to_apps(structural_records(version, installed), version, installed)
    return Dataset(records=records, manifest=None)
