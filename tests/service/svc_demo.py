"""Read a company from odoosim over RPC, as the sync would, into a ``CompanySnapshot``.

The streams' declarations (model, source filter, field list derived from the mapping table)
come from ``jobs.streams`` so this reads exactly what a sync mirrors; the records are mapped
with ``mappings`` and composed into the snapshot the rules take.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from connector.client import OdooClient
from connector.settings import ConnectionSettings
from jobs.streams import STREAMS
from mappings import MapContext, location_usage_lookup, map_all
from service.snapshot import CompanySnapshot


def admin_client(sim: Any) -> OdooClient:
    client = OdooClient(
        ConnectionSettings(
            url=sim.url,
            database=sim.database,
            login=sim.admin_login,
            api_key=SecretStr(sim.admin_password),
            protocol="jsonrpc",
        )
    )
    from mappings import required_fields

    client.connect(required_fields=_optional_models(required_fields(sim.odoo_version)))
    return client


def _optional_models(req: dict[str, list[str]]) -> dict[str, list[str]]:
    # Discovery reads fields_get of the required models; the location usages come along.
    return {**req, "stock.location": ["usage"]}


def read_records(client: OdooClient, version: str) -> dict[str, list[dict[str, Any]]]:
    """Every record of every stream, read page by page over RPC."""
    caps = client.capabilities
    out: dict[str, list[dict[str, Any]]] = {}
    major = int(version)
    for stream in STREAMS:
        if stream.versions and major not in stream.versions:
            continue
        available = caps.fields.get(stream.model)
        if not available:
            continue  # app not installed
        domain: list[Any] = list(stream.domain)
        if stream.has_active:
            domain.append(("active", "in", [True, False]))
        fields = stream.fields(version, available)
        rows: list[dict[str, Any]] = []
        for page in client.stream(stream.model, domain, fields, page_size=2000):
            rows.extend(page)
        out[stream.model] = rows
    return out


def snapshot_from_records(
    records: dict[str, list[dict[str, Any]]], version: str, tenant: str = "demo"
) -> CompanySnapshot:
    usages = location_usage_lookup(records.get("stock.location", ()))
    ctx = MapContext(tenant=tenant, version=version, lookups={"location_usage": usages})
    mapped, errors = map_all(records, ctx)
    assert errors == [], errors[:5]
    return CompanySnapshot.from_models(tenant, mapped)


def read_company(sim: Any, tenant: str = "demo") -> CompanySnapshot:
    client = admin_client(sim)
    try:
        return snapshot_from_records(
            read_records(client, sim.odoo_version), sim.odoo_version, tenant
        )
    finally:
        client.close()
