"""Acceptance: OdooRPC (a client nobody here wrote), unmodified, against odoosim."""

from __future__ import annotations

from collections.abc import Iterator

import odoorpc
import pytest

from odoosim import SimServer


@pytest.fixture(scope="module", params=["16", "19"])
def sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    with SimServer(odoo_version=request.param, dataset="demo", orders=30, seed=3) as server:
        yield server


def test_odoorpc_logs_in_lists_databases_and_works_with_partners_and_orders(
    sim: SimServer,
) -> None:
    odoo = odoorpc.ODOO(sim.host, port=sim.port, timeout=30)
    assert odoo.version == f"{sim.odoo_version}.0"
    assert odoo.db.list() == [sim.database]
    odoo.login(sim.database, sim.admin_login, sim.admin_password)
    assert odoo.env.uid == 2
    assert "res.partner" in odoo.env

    Partner = odoo.env["res.partner"]
    new_id = Partner.create({"name": "OdooRPC Partner", "ref": "ORPC-1"})
    assert isinstance(new_id, int)
    assert Partner.search([("ref", "=", "ORPC-1")]) == [new_id]
    (row,) = Partner.read([new_id], ["name", "ref"])
    assert (row["name"], row["ref"]) == ("OdooRPC Partner", "ORPC-1")
    partner = Partner.browse(new_id)
    assert partner.name == "OdooRPC Partner"
    partner.write({"ref": "ORPC-2"})
    assert Partner.search_count([("ref", "=", "ORPC-2")]) == 1
    partner.ref = "ORPC-3"  # OdooRPC's attribute assignment writes immediately (auto_commit)
    assert Partner.read([new_id], ["ref"])[0]["ref"] == "ORPC-3"

    Order = odoo.env["sale.order"]
    order_ids = Order.search([("state", "!=", "cancel")], limit=3, order="id asc")
    assert len(order_ids) == 3
    orders = Order.browse(order_ids)
    names = [order.name for order in orders]
    assert all(isinstance(name, str) and name for name in names)
    rows = Order.read(order_ids, ["name", "partner_id", "amount_total"])
    assert [row["name"] for row in rows] == names
    assert all(isinstance(row["partner_id"], list) for row in rows)  # [id, display_name]
    odoo.logout()


def test_odoorpc_browse_follows_many2one(sim: SimServer) -> None:
    """OdooRPC reads with ``load='_classic_write'`` and browses the bare id it gets back."""
    odoo = odoorpc.ODOO(sim.host, port=sim.port, timeout=30)
    odoo.login(sim.database, sim.admin_login, sim.admin_password)
    Order = odoo.env["sale.order"]
    (order_id,) = Order.search([("partner_id", "!=", False)], limit=1, order="id asc")
    (row,) = Order.read([order_id], ["partner_id"])
    partner_id, partner_name = row["partner_id"]
    order = Order.browse(order_id)
    assert order.partner_id.id == partner_id
    assert order.partner_id.name == odoo.env["res.partner"].read([partner_id], ["name"])[0]["name"]
    assert order.partner_id.name in partner_name  # display_name may add the company
    lines = order.order_line
    assert lines and all(line.order_id.id == order_id for line in lines)
    assert all(line.product_id.name for line in lines if line.product_id)
    odoo.logout()
