"""``--dataset PATH.json``: accepted as-is when well formed, refused with the place at fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoosim.datasets import DatasetError, load_json, parse_dataset


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "ds.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_well_formed_file_loads_in_order(tmp_path: Path) -> None:
    doc = {
        "odoo_version": "18",
        "records": {
            "res.partner": [{"id": 7, "name": "Azure"}, {"id": 8, "name": "Deco", "parent_id": 7}],
            "sale.order": [{"id": 1, "name": "S1", "partner_id": 7, "order_line": []}],
        },
    }
    version, records = load_json(write(tmp_path, doc))
    assert version == "18"
    assert list(records) == ["res.partner", "sale.order"]
    assert records["res.partner"][1] == {"id": 8, "name": "Deco", "parent_id": 7}


def test_numeric_version_is_accepted(tmp_path: Path) -> None:
    version, _ = load_json(write(tmp_path, {"odoo_version": 16, "records": {}}))
    assert version == "16"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", r"not valid JSON at line 1 column 2"),
        ([1, 2], r"top level must be an object"),
        ({"odoo_version": "17", "records": {}, "extra": 1}, r"unknown top-level key\(s\) 'extra'"),
        ({"odoo_version": "15", "records": {}}, r"'odoo_version' must be one of 16, 17, 18, 19"),
        ({"records": {}}, r"'odoo_version' must be one of"),
        ({"odoo_version": 17.5, "records": {}}, r"'odoo_version' must be one of.*got 17.5"),
        ({"odoo_version": "17", "records": []}, r"'records' must be an object"),
        (
            {"odoo_version": "17", "records": {"res.partner": {"id": 1}}},
            r"records\['res.partner'\] must be a list of rows, got dict",
        ),
        (
            {"odoo_version": "17", "records": {"res.partner": [[1, "x"]]}},
            r"res.partner record #0 must be an object, got list",
        ),
        (
            {"odoo_version": "17", "records": {"res.partner": [{"id": 1}, {"name": "x"}]}},
            r"res.partner record #1: field 'id' is missing",
        ),
        (
            {"odoo_version": "17", "records": {"sale.order": [{"id": "3"}]}},
            r"sale.order record #0: field 'id' must be a positive integer, got '3'",
        ),
        (
            {"odoo_version": "17", "records": {"sale.order": [{"id": True}]}},
            r"field 'id' must be a positive integer, got True",
        ),
        (
            {"odoo_version": "17", "records": {"sale.order": [{"id": 2}, {"id": 2}]}},
            r"sale.order record id=2: field 'id' is duplicated",
        ),
        (
            {"odoo_version": "17", "records": {"sale.order": [{"id": 2, "": 1}]}},
            r"sale.order record id=2: field name '' is invalid",
        ),
    ],
)
def test_malformed_file_is_refused_naming_the_place(tmp_path: Path, doc: Any, message: str) -> None:
    path = write(tmp_path, doc)
    with pytest.raises(DatasetError, match=message) as info:
        load_json(path)
    assert str(path) in str(info.value)


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read it"):
        load_json(tmp_path / "nope.json")


def test_demo_records_round_trip_through_a_file(tmp_path: Path) -> None:
    from datetime import date

    from odoosim.datasets import demo

    ds = demo.generate(3, 100, "19", date(2026, 1, 15))
    path = write(tmp_path, {"odoo_version": "19", "records": ds.records})
    version, records = load_json(path)
    assert version == "19"
    assert records == ds.records


def test_server_serves_a_json_dataset_as_is(tmp_path: Path) -> None:
    """``--dataset PATH.json``: the server loads the file; records read back over RPC."""
    from datetime import date

    import odoolib

    from odoosim import SimServer
    from odoosim.datasets import demo

    ds = demo.generate(4, 100, "18", date(2026, 3, 1), plant=False)
    path = write(tmp_path, {"odoo_version": "18", "records": ds.records})
    with SimServer(dataset=path) as sim:
        assert sim.odoo_version == "18" and sim.manifest is None
        conn = odoolib.get_connection(
            hostname=sim.host,
            port=sim.port,
            protocol="jsonrpc",
            database=sim.database,
            login=sim.admin_login,
            password=sim.admin_password,
        )
        orders = conn.get_model("sale.order").search_read(
            [], ["name", "date_order", "partner_id"], order="id asc"
        )
    assert [o["name"] for o in orders] == [o["name"] for o in ds.records["sale.order"]]
    first = ds.records["sale.order"][0]
    assert orders[0]["date_order"] == first["date_order"]
    assert orders[0]["partner_id"][0] == first["partner_id"]


def test_server_refuses_a_malformed_json_dataset(tmp_path: Path) -> None:
    from odoosim import SimServer

    path = write(
        tmp_path,
        {"odoo_version": "17", "records": {"res.partner": [{"id": 100, "nmae": "typo"}]}},
    )
    with pytest.raises(DatasetError, match=r"res.partner.*100.*nmae"):
        SimServer(dataset=path).start()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"odoo_version": st.sampled_from(["16", "17", "x"]), "records": json_values}
        ),
        st.fixed_dictionaries(
            {
                "odoo_version": st.just("17"),
                "records": st.dictionaries(
                    st.sampled_from(["res.partner", "sale.order", ""]),
                    st.lists(
                        st.dictionaries(st.sampled_from(["id", "name", ""]), json_values),
                        max_size=3,
                    ),
                ),
            }
        ),
    )
)
def test_any_document_is_accepted_or_refused_with_a_dataset_error(doc: Any) -> None:
    try:
        version, records = parse_dataset(doc, source="doc.json")
    except DatasetError as exc:
        assert str(exc).startswith("doc.json")
        return
    assert version in ("16", "17", "18", "19")
    for model, rows in records.items():
        assert isinstance(model, str) and isinstance(rows, list)
        assert all(isinstance(r["id"], int) and r["id"] > 0 for r in rows)
