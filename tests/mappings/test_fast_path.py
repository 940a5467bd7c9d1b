"""The pull path's fast mappers against the reference semantics they replace.

``Mapping_.map`` runs a generated function per (table, Odoo major) with inline fast paths
(many2one ``[id, name]``, floats, cached ``fromisoformat`` stamps...) and the converters for
anything else; ``payload_json`` writes the mirror payload with orjson.  The reference below is the
previous implementation (a loop over the columns, ``strptime`` dates, ``model_dump_json``): on
records shaped as each version 16-19 returns them, and on every malformed variant of every
field, both must give the same object, the same payload text, or the same ``MappingError``
(model, id, field, problem).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from mappings import TABLES, MapContext, MappingError, core, location_usage_lookup, table_for
from mappings.core import Mapping_, payload_json

VERSIONS = ["16", "17", "18", "19"]

# --------------------------------------------------------------------------- the reference


def _ref_plain(value: Any) -> Any:
    return None if value is False else value


def _ref_text(value: Any) -> str | None:
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise core._Bad(f"expected text, got {type(value).__name__}")
    return value


def _ref_number(value: Any) -> float:
    if value is False or value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise core._Bad(f"expected a number, got {value!r}")
    return float(value)


def _ref_integer(value: Any) -> int:
    if value is False or value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise core._Bad(f"expected an integer, got {value!r}")
    return value


def _ref_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise core._Bad(f"expected true/false, got {value!r}")
    return value


def _ref_m2o_id(value: Any) -> int | None:
    if value is False or value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return int(value[0])
    raise core._Bad(f"expected a many2one [id, name], got {value!r}")


def _ref_m2o_name(value: Any) -> str:
    if value is False or value is None:
        return ""
    if isinstance(value, list | tuple) and len(value) == 2:
        return str(value[1])
    raise core._Bad(f"expected a many2one [id, name], got {value!r}")


def _ref_x2many(value: Any) -> tuple[int, ...]:
    if value is False or value is None:
        return ()
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise core._Bad(f"expected a list of ids, got {value!r}")


def _ref_datetime(value: Any) -> datetime | None:
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise core._Bad(f"expected a datetime string, got {value!r}")
    fmt = "%Y-%m-%d %H:%M:%S" if len(value) == 19 else "%Y-%m-%d"
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        raise core._Bad(f"expected 'YYYY-MM-DD HH:MM:SS', got {value!r}") from None
    return parsed.replace(tzinfo=UTC)


def _ref_date(value: Any) -> date | None:
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise core._Bad(f"expected a date string, got {value!r}")
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise core._Bad(f"expected 'YYYY-MM-DD', got {value!r}") from None


REFERENCE = {
    core._plain: _ref_plain,
    core._text: _ref_text,
    core._number: _ref_number,
    core._integer: _ref_integer,
    core._boolean: _ref_boolean,
    core._m2o_id: _ref_m2o_id,
    core._m2o_name: _ref_m2o_name,
    core._x2many: _ref_x2many,
    core._datetime: _ref_datetime,
    core._date: _ref_date,
}


def reference_map(table: Mapping_[Any], record: Mapping[str, Any], ctx: MapContext) -> BaseModel:
    """The mapper as it was before the fast path (one loop over the columns)."""
    from service.model import ErpRef

    rec_id = record.get("id")
    if not isinstance(rec_id, int) or isinstance(rec_id, bool):
        raise MappingError(table.odoo_model, None, "id", f"expected an integer id, got {rec_id!r}")
    values: dict[str, Any] = {}
    for col in table.columns:
        src = col.source_for(ctx.major)
        if src is None:
            continue
        if src not in record:
            if col.required:
                raise MappingError(table.odoo_model, rec_id, src, "field missing from the record")
            continue
        try:
            value = REFERENCE[col.convert](record[src])
        except core._Bad as exc:
            raise MappingError(table.odoo_model, rec_id, src, str(exc)) from None
        if col.required and value in (None, ""):
            raise MappingError(table.odoo_model, rec_id, src, "a value is required, got False")
        values[col.target] = value
    for target, fn in table.computed.items():
        try:
            values[target] = fn(record, values, ctx)
        except core._Bad as exc:
            raise MappingError(table.odoo_model, rec_id, target, str(exc)) from None
    name = record.get(table.name_field)
    values["ref"] = ErpRef(
        tenant=ctx.tenant,
        model=table.odoo_model,
        id=rec_id,
        name=name if isinstance(name, str) else "",
    )
    values = {k: v for k, v in values.items() if v is not None or k in core._NULLABLE_OK}
    try:
        return table.target.model_validate(values)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "?"
        raise MappingError(table.odoo_model, rec_id, loc, err["msg"]) from None


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """``("ok", (object, payload))`` or ``("error", (model, id, field, problem))``."""
    try:
        obj = fn(*args)
    except MappingError as exc:
        return "error", (exc.model, exc.record_id, exc.field, exc.problem)
    return "ok", (obj, obj.model_dump_json())


def json_outcome(
    table: Mapping_[Any], record: Mapping[str, Any], ctx: MapContext
) -> tuple[str, Any]:
    """``map_json`` (the pull path: no model built when the values are well-typed), in the
    shape of ``outcome``, the object validated back from the payload."""
    try:
        payload = table.map_json(record, ctx)
    except MappingError as exc:
        return "error", (exc.model, exc.record_id, exc.field, exc.problem)
    return "ok", (table.target.model_validate_json(payload), payload)


def check_alike(
    table: Mapping_[Any], record: Mapping[str, Any], ctx: MapContext
) -> tuple[str, Any]:
    """``map`` and ``map_json`` give what the reference gives (object, payload text or error)."""
    slow = outcome(reference_map, table, record, ctx)
    assert outcome(table.map, record, ctx) == slow, (table.odoo_model, record)
    assert json_outcome(table, record, ctx) == slow, (table.odoo_model, record)
    return slow


# --------------------------------------------------------------------------- records as Odoo sends them


def _tables_for(version: str) -> list[str]:
    return [m for m in TABLES if not (m == "repair.line" and int(version) >= 17)]


@pytest.fixture(scope="module", params=VERSIONS)
def odoo_records(request: pytest.FixtureRequest) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """``(version, {model: records})`` from an in-process odoosim demo, through JSON as the
    JSON-RPC client receives them (``False`` for empty, ``[id, name]``, naive UTC strings)."""
    from odoosim.datasets import demo
    from odoosim.orm import Database

    version = request.param
    db = Database(version, None, "fast")
    db.load_records(demo.generate(seed=3, orders=40, version=version).records)
    out: dict[str, list[dict[str, Any]]] = {}
    for model in [*_tables_for(version), "stock.location"]:
        info = db.execute_kw(2, model, "fields_get", [], {})
        fields = ["usage"] if model == "stock.location" else table_for(model).fields(version, info)
        rows = db.execute_kw(
            2,
            model,
            "search_read",
            [[]],
            {"fields": fields, "limit": 150, "context": {"active_test": False}},
        )
        out[model] = json.loads(json.dumps(rows))
    return version, out


def test_fast_mapping_equals_the_reference_on_every_version(
    odoo_records: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    version, records = odoo_records
    ctx = MapContext(
        "acme", version, {"location_usage": location_usage_lookup(records["stock.location"])}
    )
    for model in _tables_for(version):
        table = table_for(model)
        assert records[model], f"no {model} records on {version}"
        for rec in records[model]:
            result = check_alike(table, rec, ctx)
            assert result[0] == "ok", result
            obj, dumped = result[1]
            assert payload_json(obj) == dumped  # the mirror's text and hash do not change


def _malformed(value: Any) -> list[Any]:
    """Values that are wrong (or borderline) for some column kind."""
    return [
        False,
        None,
        True,
        0,
        7,
        1.5,
        "",
        "x",
        "2026-11-02",
        "2026-11-02 08:00:00",
        "2026-11-02T08:00:00",
        "2026-W01-1 08:00:00",
        "2026-13-02 08:00:00",
        "2026-11-02 08:00:61",
        "2026-1-2 8:00:00",
        "2026-02-30",
        "20261102",
        [],
        [3],
        [3, "Name"],
        [3, ""],
        [True, "Name"],
        ["3", "Name"],
        [3, 4],
        [3, "a", "b"],
        (3, "Name"),
        [1, True],
        {"id": 3},
        value,
    ]


def test_malformed_values_fail_alike_naming_model_id_and_field(
    odoo_records: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    version, records = odoo_records
    ctx = MapContext(
        "acme", version, {"location_usage": location_usage_lookup(records["stock.location"])}
    )
    errors = 0
    for model in _tables_for(version):
        table = table_for(model)
        base = records[model][0]
        for src in [k for k in base if k != "id"]:
            for bad in _malformed(base[src]):
                result = check_alike(table, {**base, src: bad}, ctx)
                if result[0] == "error":
                    errors += 1
                    assert result[1][:2] == (model, base["id"])
            check_alike(table, {k: v for k, v in base.items() if k != src}, ctx)
    assert errors > 100  # the variants do exercise the error paths


def test_bad_ids_are_refused_like_before() -> None:
    table = table_for("sale.order")
    ctx = MapContext("acme", "17")
    for rid in (None, False, True, "42", 4.0, [42, "x"]):
        result = check_alike(table, {"id": rid}, ctx)
        assert result[0] == "error" and result[1][:3] == ("sale.order", None, "id")


def test_stamp_cache_holds_only_parsed_canonical_values() -> None:
    core._DT_CACHE.clear()
    core._DATE_CACHE.clear()
    table = table_for("sale.order.line")
    ctx = MapContext("acme", "17")
    rec = {
        "id": 1,
        "order_id": [2, "S2"],
        "product_id": False,
        "product_uom_qty": 1.0,
        "write_date": "2026-11-02 08:00:00",
    }
    first, again = table.map(rec, ctx), table.map(rec, ctx)
    assert first.write_date == again.write_date == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert set(core._DT_CACHE) == {"2026-11-02 08:00:00"}
    with pytest.raises(MappingError) as exc:
        table.map({**rec, "write_date": "2026-11-02 08:00:61"}, ctx)
    assert (exc.value.model, exc.value.record_id, exc.value.field) == (
        "sale.order.line",
        1,
        "write_date",
    )
    assert "2026-11-02 08:00:61" not in core._DT_CACHE
    assert core._datetime("2026-11-02", "d") == datetime(2026, 11, 2, tzinfo=UTC)  # slow path
    for _ in range(core._CACHE_MAX + 5):
        core._datetime(f"2026-11-02 08:{_ // 60 % 60:02d}:{_ % 60:02d}", "d")
    assert len(core._DT_CACHE) <= core._CACHE_MAX  # bounded


def test_payload_json_matches_pydantic_on_edge_values() -> None:
    from service.model import ErpRef, Order, OrderState, Repair, RepairPart

    ref = ErpRef(tenant="t", model="sale.order", id=1, name='S "1" é\n')
    order = Order(
        ref=ref,
        customer_id=2,
        state=OrderState.confirmed,
        date_order=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        amount_total=1e16,
        amount_untaxed=0.1 + 0.2,
        line_ids=(1, 2),
    )
    repair = Repair(
        ref=ref,
        customer_id=None,
        state="confirmed",
        parts=(RepairPart(product_id=3, quantity=2.5), RepairPart(product_id=4, quantity=-0.0)),
    )
    for obj in (order, repair, ref):
        assert payload_json(obj) == obj.model_dump_json()


def test_map_json_falls_back_to_validation_on_values_the_shaper_does_not_vouch_for() -> None:
    """Computed or converted values of an unexpected type take ``model_validate``: the payload
    (or the error) is pydantic's, never a payload of unchecked values."""
    table = table_for("account.move")
    ctx = MapContext("acme", "17")
    rec = {
        "id": 5,
        "name": "INV/5",
        "move_type": "in_invoice",  # not a customer invoice kind: the enum refuses it
        "state": "posted",
        "partner_id": [7, "Azure"],
        "write_date": "2026-11-02 08:00:00",
    }
    result = check_alike(table, rec, ctx)
    assert result[0] == "error" and result[1][:3] == ("account.move", 5, "kind")
    ok = check_alike(table, {**rec, "move_type": "out_refund"}, ctx)
    assert ok[0] == "ok" and ok[1][0].kind == "out_refund"
    odd = MapContext(7, "17")  # type: ignore[arg-type]  # not a str tenant: validated
    for fn in (table.map, table.map_json):
        with pytest.raises(MappingError, match=r"ref\.tenant"):
            fn({**rec, "move_type": "out_refund"}, odd)


def test_well_formed_records_take_the_fast_payload_path(
    odoo_records: tuple[str, dict[str, list[dict[str, Any]]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pydantic model is built for records as Odoo sends them (the point of ``map_json``)."""
    version, records = odoo_records
    usages = location_usage_lookup(records["stock.location"])
    ctx = MapContext("acme", version, {"location_usage": usages})
    validated: list[str] = []

    def spy(self: Mapping_[Any], rec_id: int, values: dict[str, Any]) -> Any:
        validated.append(f"{self.odoo_model}:{rec_id}")
        raise AssertionError("validated")

    monkeypatch.setattr(Mapping_, "_validate", spy)
    for model in _tables_for(version):
        for rec in records[model]:
            table_for(model).map_json(rec, ctx)
    assert validated == []


def test_records_as_odoo_sends_them_take_the_fused_mapper(
    odoo_records: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    """Every table is fused on every version, and no well-formed record leaves its fused
    mapper for the general path (a silent slow-down otherwise): its bytes are the payload."""
    version, records = odoo_records
    ctx = MapContext(
        "acme", version, {"location_usage": location_usage_lookup(records["stock.location"])}
    )
    for model in _tables_for(version):
        table = table_for(model)
        fused = table.json_mapper(ctx.major)
        assert fused is not None, f"{model} v{version} is not fused"
        for rec in records[model]:
            out = fused(rec, ctx)
            assert out is not None, (model, rec)
            assert out.decode() == payload_json(table.map(rec, ctx))


def test_fused_mapper_declines_what_it_does_not_vouch_for() -> None:
    """Values off the fast paths that the general path would refuse or coerce: the fused
    mapper returns None (the general path then words the error or validates)."""
    table = table_for("sale.order")
    ctx = MapContext("acme", "17")
    good = {
        "id": 5,
        "name": "S00005",
        "write_date": "2026-11-02 08:00:00",
        "partner_id": [7, "Acme"],
        "partner_invoice_id": False,
        "partner_shipping_id": [8, "Acme, depot"],
        "date_order": "2026-11-01 09:30:00",
        "commitment_date": False,
        "expected_date": False,
        "amount_untaxed": 10.0,
        "amount_total": 12,  # an int: converted to 12.0 off the fast path, still fused
        "currency_id": [1, "EUR"],
        "invoice_status": "no",
        "delivery_status": False,
        "effective_date": False,
        "order_line": [1, 2],
        "invoice_ids": [],
        "state": "sale",
        "locked": False,
    }
    fused = table.json_mapper(17)
    assert fused is not None
    out = fused(good, ctx)
    assert out is not None and out.decode() == payload_json(table.map(good, ctx))
    for key, bad in [
        ("id", "5"),
        ("partner_id", False),  # required
        ("date_order", "yesterday"),
        ("state", "unknown"),  # computed: raises
        ("order_line", [1, "2"]),
        ("amount_total", "12"),
    ]:
        assert fused({**good, key: bad}, ctx) is None, key
        with pytest.raises(MappingError):
            table.map_json({**good, key: bad}, ctx)
    missing = {k: v for k, v in good.items() if k != "commitment_date"}
    out = fused(missing, ctx)  # an optional field absent: its default
    assert out is not None and out.decode() == payload_json(table.map(missing, ctx))
