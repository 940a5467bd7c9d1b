"""Every mapping table, on every version profile: records read over real RPC from odoosim, and
hand-made records shaped as Odoo sends them (``False`` for empty values, many2one ``[id, name]``,
naive UTC datetime strings), including the malformed ones that must be refused by name."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connector.errors import RecordError
from mappings import TABLES, MapContext, MappingError, location_usage_lookup, table_for

VERSIONS = ["16", "17", "18", "19"]


def _tables_for(version: str) -> list[str]:
    major = int(version)
    return [m for m in TABLES if not (m == "repair.line" and major >= 17)]


@pytest.fixture(scope="module", params=VERSIONS)
def rpc_records(request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, list[dict]]]]:
    """``(version, {model: records})``: every mapped model read over XML-RPC as admin."""
    from odoosim import SimServer

    version = request.param
    with SimServer(odoo_version=version, dataset="demo", orders=60, seed=5) as sim:
        proxy = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object", allow_none=True)
        common = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/common", allow_none=True)
        uid = common.authenticate(sim.database, sim.admin_login, sim.admin_password, {})
        out: dict[str, list[dict]] = {}
        for model in [*_tables_for(version), "stock.location"]:
            if model == "stock.location":
                fields = ["usage"]
            else:
                available = proxy.execute_kw(
                    sim.database, uid, sim.admin_password, model, "fields_get", [], {}
                )
                fields = table_for(model).fields(version, available=list(available))
            out[model] = proxy.execute_kw(
                sim.database,
                uid,
                sim.admin_password,
                model,
                "search_read",
                [[]],
                {"fields": fields, "limit": 200, "context": {"active_test": False}},
            )
        proxy("close")()
        common("close")()
        yield version, out


def test_every_table_maps_every_record_read_over_rpc(
    rpc_records: tuple[str, dict[str, list[dict]]],
) -> None:
    version, records = rpc_records
    lookups = {"location_usage": location_usage_lookup(records["stock.location"])}
    ctx = MapContext(tenant="acme", version=version, lookups=lookups)
    for model in _tables_for(version):
        rows = records[model]
        assert rows, f"odoosim {version} demo has no {model} records"
        good, bad = table_for(model).map_many(rows, ctx)
        assert not bad, f"{version} {model}: {bad[:3]}"
        assert len(good) == len(rows)
        for rec, obj in zip(rows, good, strict=True):
            ref = obj.ref  # type: ignore[attr-defined]
            assert (ref.tenant, ref.model, ref.id) == ("acme", model, rec["id"])


def test_datetimes_read_over_rpc_are_aware_utc(
    rpc_records: tuple[str, dict[str, list[dict]]],
) -> None:
    version, records = rpc_records
    order = table_for("sale.order").map(records["sale.order"][0], MapContext("t", version))
    raw = records["sale.order"][0]["date_order"]
    assert order.date_order == datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


# --------------------------------------------------------------------------- hand-made records
# One minimal record per table with the version differences, and the attributes it must give.

M2O_EMPTY = False


def _cases(version: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    major = int(version)
    storable = {"is_storable": True} if major >= 18 else {"type": "product"}
    done_field = "quantity_done" if major == 16 else "quantity"
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "res.partner",
            {
                "id": 7,
                "name": "Azure Interior",
                "commercial_partner_id": [7, "Azure Interior"],
                "parent_id": M2O_EMPTY,
                "is_company": True,
                "email": False,
                "category_id": [3],
                "active": True,
                "write_date": "2026-11-02 08:00:00",
            },
            {"commercial_id": 7, "parent_id": None, "email": None, "category_ids": (3,)},
        ),
        (
            "product.product",
            {
                "id": 11,
                "name": "Pump",
                "default_code": False,
                "product_tmpl_id": [9, "Pump"],
                "standard_price": 12,
                "list_price": 20.5,
                "active": True,
                "write_date": "2026-11-02 08:00:00",
                **storable,
            },
            {"product_tmpl_id": 9, "unit_cost": 12.0, "storable": True, "default_code": None},
        ),
        (
            "product.supplierinfo",
            {
                "id": 3,
                "partner_id": [20, "Wood Corner"],
                "product_tmpl_id": [9, "Pump"],
                "product_id": False,
                "min_qty": 10.0,
                "price": 7.5,
                "delay": 5,
                "sequence": 1,
            },
            {"vendor_id": 20, "vendor_name": "Wood Corner", "product_id": None, "min_qty": 10.0},
        ),
        (
            "stock.quant",
            {
                "id": 4,
                "product_id": [11, "Pump"],
                "location_id": [8, "WH/Stock"],
                "quantity": 3.0,
                "reserved_quantity": 1.0,
                "write_date": "2026-11-02 08:00:00",
            },
            {"product_id": 11, "location_id": 8, "quantity": 3.0, "reserved": 1.0},
        ),
        (
            "stock.warehouse.orderpoint",
            {
                "id": 5,
                "product_id": [11, "Pump"],
                "location_id": [8, "WH/Stock"],
                "product_min_qty": 2.0,
                "product_max_qty": 10.0,
                "qty_multiple": 5.0,
            },
            {"min_qty": 2.0, "max_qty": 10.0, "multiple": 5.0},
        ),
        (
            "sale.order.line",
            {
                "id": 30,
                "order_id": [42, "S00042"],
                "product_id": [11, "Pump"],
                "name": "Pump",
                "product_uom_qty": 4.0,
                "qty_delivered": 0.0,
                "qty_invoiced": 0.0,
                "price_unit": 20.5,
                "discount": 0.0,
                "price_subtotal": 82.0,
                "write_date": "2026-11-02 08:00:00",
            },
            {"order_id": 42, "qty_ordered": 4.0, "description": "Pump"},
        ),
        (
            "account.move",
            {
                "id": 50,
                "name": "INV/2026/00050",
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "not_paid",
                "partner_id": [7, "Azure Interior"],
                "commercial_partner_id": [7, "Azure Interior"],
                "invoice_date": "2026-10-01",
                "invoice_date_due": "2026-10-31",
                "amount_untaxed": 100.0,
                "amount_total": 121.0,
                "amount_residual": 121.0,
                "currency_id": [1, "EUR"],
                "invoice_origin": "S00042",
                "ref": False,
                "reversed_entry_id": False,
                "invoice_line_ids": [60],
                "write_date": "2026-11-02 08:00:00",
            },
            {"due_date": date(2026, 10, 31), "origin": "S00042", "customer_ref": None},
        ),
        (
            "account.move.line",
            {
                "id": 60,
                "move_id": [50, "INV/2026/00050"],
                "product_id": [11, "Pump"],
                "name": "Pump",
                "quantity": 4.0,
                "price_unit": 25.0,
                "price_subtotal": 100.0,
                "sale_line_ids": [30],
                "write_date": "2026-11-02 08:00:00",
            },
            {"invoice_id": 50, "sale_line_ids": (30,)},
        ),
        (
            "stock.picking",
            {
                "id": 70,
                "name": "WH/OUT/00070",
                "picking_type_code": "outgoing",
                "state": "assigned",
                "sale_id": [42, "S00042"],
                "partner_id": [7, "Azure Interior"],
                "origin": "S00042",
                "scheduled_date": "2026-11-03 12:00:00",
                "date_deadline": False,
                "date_done": False,
                "write_date": "2026-11-02 08:00:00",
            },
            {
                "order_id": 42,
                "deadline": None,
                "scheduled_date": datetime(2026, 11, 3, 12, tzinfo=UTC),
            },
        ),
        (
            "stock.move",
            {
                "id": 80,
                "product_id": [11, "Pump"],
                "product_uom_qty": 4.0,
                done_field: 1.0,
                "state": "partially_available",
                "picking_id": [70, "WH/OUT/00070"],
                "sale_line_id": [30, "S00042 - Pump"],
                "repair_id": False,
                "location_id": [8, "WH/Stock"],
                "location_dest_id": [5, "Partners/Customers"],
                "date": "2026-11-03 12:00:00",
                "write_date": "2026-11-02 08:00:00",
                **({} if major == 16 else {"repair_line_type": False}),
            },
            {"quantity": 4.0, "quantity_done": 1.0, "kind": "outgoing", "repair_id": None},
        ),
        (
            "repair.order",
            {
                "id": 90,
                "name": "RO/00090",
                "partner_id": [7, "Azure Interior"],
                "product_id": [11, "Pump"],
                "state": "confirmed",
                "schedule_date": "2026-11-10 09:00:00",
                "create_date": "2026-11-01 09:00:00",
                "write_date": "2026-11-02 08:00:00",
            },
            {"customer_id": 7, "product_id": 11},
        ),
    ]
    if major == 16:
        cases.append(
            (
                "repair.line",
                {
                    "id": 91,
                    "product_id": [12, "Seal"],
                    "product_uom_qty": 2.0,
                    "state": "confirmed",
                    "repair_id": [90, "RO/00090"],
                    "type": "add",
                    "write_date": "2026-11-02 08:00:00",
                },
                {"repair_id": 90, "repair_line_type": "add", "kind": "repair"},
            )
        )
    return cases


CASES = [(v, model, raw, want) for v in VERSIONS for model, raw, want in _cases(v)]
LOOKUPS = {"location_usage": {8: "internal", 5: "customer", 4: "supplier"}}


@pytest.mark.parametrize(("version", "model", "raw", "want"), CASES, ids=lambda x: str(x)[:24])
def test_each_table_maps_version_shaped_records(
    version: str, model: str, raw: dict[str, Any], want: dict[str, Any]
) -> None:
    table = table_for(model)
    assert set(raw) - {"id", "name"} <= set(table.fields(version, available=list(raw))) | {"name"}
    obj = table.map(raw, MapContext("acme", version, lookups=LOOKUPS))
    for attr, value in want.items():
        assert getattr(obj, attr) == value, (version, model, attr)
    if "write_date" in raw:
        assert obj.write_date == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # type: ignore[attr-defined]


def _required(version: str, model: str) -> list[str]:
    major = int(version)
    return [c.source_for(major) for c in table_for(model).columns if c.required]  # type: ignore[misc]


BROKEN = [
    (version, model, raw, field)
    for version, model, raw, _ in CASES
    for field in _required(version, model)
]


@pytest.mark.parametrize(("version", "model", "raw", "field"), BROKEN, ids=lambda x: str(x)[:24])
def test_a_required_value_sent_as_false_is_refused_by_name(
    version: str, model: str, raw: dict[str, Any], field: str
) -> None:
    bad = {**raw, field: False}
    with pytest.raises(MappingError) as info:
        table_for(model).map(bad, MapContext("acme", version, lookups=LOOKUPS))
    err = info.value
    assert isinstance(err, RecordError)  # the connector's "skip this record, report it" class
    assert (err.model, err.record_id, err.field) == (model, raw["id"], field)
    assert model in str(err) and str(raw["id"]) in str(err) and field in str(err)


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        ("res.partner", "write_date", "2026-11-02T08:00:00+00:00"),
        ("res.partner", "is_company", "yes"),
        ("account.move", "invoice_date_due", "31/10/2026"),
        ("account.move", "amount_total", [121.0]),
        ("stock.quant", "product_id", [11]),
        ("account.move.line", "sale_line_ids", "30"),
        ("product.supplierinfo", "sequence", 1.5),
    ],
)
def test_wrong_types_are_refused_by_name(model: str, field: str, value: Any) -> None:
    raw = next(r for m, r, _ in _cases("17") if m == model)
    with pytest.raises(MappingError) as info:
        table_for(model).map({**raw, field: value}, MapContext("acme", "17", lookups=LOOKUPS))
    assert info.value.field == field and info.value.model == model
