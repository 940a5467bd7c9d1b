"""``SimServer`` as tests and the demo use it: free port, manifest file, apps, clean shutdown."""

from __future__ import annotations

import datetime as dt
import json
import socket
import xmlrpc.client
from pathlib import Path

import pytest

from odoosim import SimServer
from odoosim.server import SimServerError


def test_context_manager_serves_on_a_free_port_and_shuts_down_cleanly() -> None:
    with SimServer(odoo_version="18", dataset="demo", orders=30, seed=9) as sim:
        assert sim.port != 0 and sim.url == f"http://127.0.0.1:{sim.port}"
        assert sim.manifest is not None and sim.manifest["seed"] == 9
        manifest_path = Path(str(sim.manifest_path))
        assert json.loads(manifest_path.read_text()) == sim.manifest
        line = sim.ready_line()
        assert line["manifest"] == str(manifest_path) and line["odoo_version"] == "18"
        common = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/common")
        with common:
            assert common.login(sim.database, sim.bot_login, sim.bot_api_key) > 2
        port = sim.port
    assert not manifest_path.exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_restricted_apps_leave_their_models_out_of_the_demo() -> None:
    with SimServer(dataset="demo", orders=30, apps={"sale", "helpdesk"}) as sim:
        models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object")
        with models:
            assert models.execute_kw("demo", 2, "admin", "sale.order", "search_count", [[]]) == 30
            with pytest.raises(xmlrpc.client.Fault) as fault:
                models.execute_kw("demo", 2, "admin", "repair.order", "search_count", [[]])
        assert fault.value.faultCode == 2  # UserError: Object repair.order doesn't exist
        assert sim.manifest is not None
        assert all(p["model"] != "repair.order" for p in sim.manifest["planted"])


def test_bot_key_is_stable_for_a_database_and_seed() -> None:
    with SimServer(dataset="empty", seed=1) as first:
        key = first.bot_api_key
    with SimServer(dataset="empty", seed=1) as second:
        assert second.bot_api_key == key
    with SimServer(dataset="empty", seed=2) as third:
        assert third.bot_api_key != key


def test_a_taken_port_is_reported_with_what_to_do() -> None:
    with SimServer(dataset="empty") as sim:
        clash = SimServer(dataset="empty", port=sim.port)
        with pytest.raises(SimServerError, match="choose another --port"):
            clash.start()


def test_late_commit_fault_stamps_write_date_in_the_past_through_the_orm() -> None:
    with SimServer(odoo_version="17", dataset="empty") as sim:
        models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object")
        with models:
            sim.faults.update(late_commit_seconds=3600, models=["res.partner"])
            late_id = models.execute_kw(
                "demo", 2, "admin", "res.partner", "create", [{"name": "L"}]
            )
            sim.faults.clear()
            on_time_id = models.execute_kw(
                "demo", 2, "admin", "res.partner", "create", [{"name": "T"}]
            )
            rows = models.execute_kw(
                "demo", 2, "admin", "res.partner", "read", [[late_id, on_time_id], ["write_date"]]
            )
        stamps = {row["id"]: dt.datetime.fromisoformat(row["write_date"]) for row in rows}
        behind = (stamps[on_time_id] - stamps[late_id]).total_seconds()
        assert 3590 <= behind <= 3610
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert abs((now - stamps[on_time_id]).total_seconds()) < 60


@pytest.mark.parametrize("version", ["16", "17", "19"])
@pytest.mark.parametrize("dataset", ["empty", "demo"])
def test_a_dataset_generated_without_repair_starts_and_serves(dataset: str, version: str) -> None:
    """The generators get ``apps``: no repair operation type, no parts moves, no repair plants."""
    apps = {"sale", "account", "stock", "purchase", "product", "mail"}
    with SimServer(
        odoo_version=version, dataset=dataset, orders=40, seed=3, apps=apps
    ) as sim:  # fmt: skip
        models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object")
        with models:
            x = models.execute_kw
            codes = x("demo", 2, "admin", "stock.picking.type", "search_read", [[]], {"fields": ["code"]})  # fmt: skip
            assert {r["code"] for r in codes} == {"incoming", "outgoing", "internal"}
            assert x("demo", 2, "admin", "stock.picking.type", "search",
                     [[("code", "=", "incoming")]]) == [1]  # fmt: skip
            fields = x("demo", 2, "admin", "stock.move", "fields_get", [], {"attributes": ["type"]})
            assert "repair_id" not in fields
            with pytest.raises(xmlrpc.client.Fault) as fault:
                x("demo", 2, "admin", "repair.order", "search_count", [[]])
            assert fault.value.faultCode == 2
            orders = x("demo", 2, "admin", "sale.order", "search_count", [[]])
            assert orders == (40 if dataset == "demo" else 0)
        if dataset == "demo":
            assert sim.manifest is not None and sim.manifest["planted"]
            assert not [p for p in sim.manifest["planted"] if p["rule"].startswith("repairs.")]
        else:
            assert sim.manifest is None
