"""Acceptance: odoo-client-lib, unmodified, against odoosim over real HTTP.

Every (protocol, version profile) pair: ``xmlrpc`` (odoolib's legacy ``/xmlrpc`` endpoint, string
faults) and ``jsonrpc`` on 16–19, ``json2`` on 19.  Login, ``search_read`` with domains,
create/write/unlink, and each error class in the shape real Odoo sends it.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import odoolib
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from odoosim import SimServer

VERSIONS = ("16", "17", "18", "19")
CASES = [(p, v) for v in VERSIONS for p in ("xmlrpc", "jsonrpc")] + [("json2", "19")]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SimServer]]:
    running: dict[str, SimServer] = {}
    try:
        for version in VERSIONS:
            running[version] = SimServer(
                odoo_version=version, dataset="demo", orders=30, seed=5
            ).start()
        yield running
    finally:
        for sim in running.values():
            sim.stop()


def connect(sim: SimServer, protocol: str, *, admin: bool = True, password: str | None = None):
    if protocol == "json2":
        key = password or (admin_key(sim) if admin else sim.bot_api_key)
        return odoolib.get_connection(
            hostname=sim.host, protocol="json2", port=sim.port, database=sim.database,
            password=key,
        )  # fmt: skip
    login, default = (sim.admin_login, sim.admin_password) if admin else (
        sim.bot_login, sim.bot_api_key)  # fmt: skip
    return odoolib.get_connection(
        hostname=sim.host, protocol=protocol, port=sim.port, database=sim.database,
        login=login, password=password or default,
    )  # fmt: skip


def admin_key(sim: SimServer) -> str:
    db: Any = sim.db
    return str(db.create_api_key(2, "a" * 40))


def error_kind(call: Callable[[], Any]) -> tuple[str, str]:
    """(kind, text) of the error a call raises, read the way each protocol delivers it."""
    try:
        call()
    except xmlrpc.client.Fault as fault:
        code = str(fault.faultCode)
        if code.startswith("warning -- "):
            head, _, message = code.partition("\n\n")
            return head.removeprefix("warning -- "), message
        if code == "AccessDenied":
            return "AccessDenied", fault.faultString
        return "server", fault.faultString
    except JsonRPCException as exc:
        data = exc.error["data"]
        return data["name"].rsplit(".", 1)[-1], data["message"]
    except AuthenticationError as exc:
        return "AccessDenied", str(exc)
    except ValueError as exc:  # odoolib's json2 surfaces the status only
        return "http", str(exc)
    pytest.fail("the call did not fail")


@pytest.mark.parametrize(("protocol", "version"), CASES)
def test_login_search_read_and_crud(
    servers: dict[str, SimServer], protocol: str, version: str
) -> None:
    sim = servers[version]
    conn = connect(sim, protocol)
    conn.check_login()
    partners = conn.get_model("res.partner")
    if protocol == "json2":
        new = partners.create(vals_list={"name": f"ACME {protocol}", "ref": "ACME-1"})
        assert isinstance(new, list) and len(new) == 1
        new_id = new[0]
        rows = partners.search_read(
            domain=[["ref", "=", "ACME-1"], ["name", "ilike", "acme"]], fields=["name", "ref"]
        )
        assert partners.write(ids=[new_id], vals={"ref": "ACME-2"}) is True
        found = partners.search_count(domain=[["ref", "=", "ACME-2"]])
        assert partners.unlink(ids=[new_id]) is True
        gone = partners.search(domain=[["id", "=", new_id]])
    else:
        new_id = partners.create({"name": f"ACME {protocol}", "ref": "ACME-1"})
        assert isinstance(new_id, int)
        rows = partners.search_read(
            [("ref", "=", "ACME-1"), ("name", "ilike", "acme")], ["name", "ref"]
        )
        assert partners.write([new_id], {"ref": "ACME-2"}) is True
        found = partners.search_count([("ref", "=", "ACME-2")])
        assert partners.unlink([new_id]) is True
        gone = partners.search([("id", "=", new_id)])
        assert partners.read([new_id], ["name"]) == []  # read skips missing ids
    assert rows == [{"id": new_id, "name": f"ACME {protocol}", "ref": "ACME-1"}]
    assert found == 1
    assert gone == []


@pytest.mark.parametrize(("protocol", "version"), CASES)
def test_sale_orders_are_readable_by_the_bot(
    servers: dict[str, SimServer], protocol: str, version: str
) -> None:
    sim = servers[version]
    orders = connect(sim, protocol, admin=False).get_model("sale.order")
    kwargs: dict[str, Any] = {"fields": ["name", "partner_id", "state", "write_date"],
                              "order": "write_date asc, id asc", "limit": 5}  # fmt: skip
    domain = [["state", "in", ["sale", "done"]], ["partner_id.name", "!=", False]]
    rows = orders.search_read(domain=domain, **kwargs) if protocol == "json2" else (
        orders.search_read(domain, **kwargs))  # fmt: skip
    assert 0 < len(rows) <= 5
    for row in rows:
        assert row["state"] in ("sale", "done")
        assert isinstance(row["partner_id"], list) and len(row["partner_id"]) == 2
        assert len(row["write_date"]) == 19  # "YYYY-MM-DD HH:MM:SS", naive UTC


@pytest.mark.parametrize(("protocol", "version"), CASES)
def test_each_error_class_arrives_in_odoos_shape(
    servers: dict[str, SimServer], protocol: str, version: str
) -> None:
    sim = servers[version]
    admin = connect(sim, protocol)
    bot = connect(sim, protocol, admin=False)
    partners, bot_partners = admin.get_model("res.partner"), bot.get_model("res.partner")
    gone = 10**6
    json2 = protocol == "json2"

    missing = error_kind(
        (lambda: partners.write(ids=[gone], vals={"ref": "x"}))
        if json2 else (lambda: partners.write([gone], {"ref": "x"}))
    )  # fmt: skip
    access = error_kind(
        (lambda: bot_partners.write(ids=[1], vals={"ref": "x"}))
        if json2 else (lambda: bot_partners.write([1], {"ref": "x"}))
    )  # fmt: skip
    unknown_model = error_kind(
        (lambda: admin.get_model("no.such.model").search(domain=[]))
        if json2 else (lambda: admin.get_model("no.such.model").search([]))
    )  # fmt: skip
    unknown_method = error_kind(
        (lambda: partners.frobnicate(domain=[])) if json2 else (lambda: partners.frobnicate([]))
    )
    intruder = connect(sim, protocol, password="wrong" * 8)
    if json2:
        assert intruder.check_login() is False  # odoolib turns the 401 into False here
        intruder_partners = intruder.get_model("res.partner")
        bad_password = error_kind(lambda: intruder_partners.search(domain=[]))
    else:
        bad_password = error_kind(intruder.check_login)
    if protocol == "xmlrpc":
        assert missing[0] == "MissingError"
        assert access[0] == "AccessError"
        assert unknown_model == ("UserError", "Object no.such.model doesn't exist")
        assert unknown_method[0] == "server" and "AttributeError" in unknown_method[1]
    elif protocol == "jsonrpc":
        assert missing[0] == "MissingError"
        assert access[0] == "AccessError"
        assert unknown_model == ("UserError", "Object no.such.model doesn't exist")
        assert unknown_method[0] == "AttributeError"
    else:
        assert missing == ("http", missing[1]) and "status code 404" in missing[1]
        assert "status code 403" in access[1]
        assert "status code 404" in unknown_model[1]
        assert "does not exist" in unknown_model[1]
        assert "status code 404" in unknown_method[1]
    assert bad_password[0] == "AccessDenied"
    if not json2:
        # A wrong password on an object call (uid known): AccessDenied, not a silent False.
        forged = odoolib.get_connection(
            hostname=sim.host, protocol=protocol, port=sim.port, database=sim.database,
            login=sim.admin_login, password="wrong", user_id=2,
        )  # fmt: skip
        assert error_kind(lambda: forged.get_model("res.partner").search([]))[0] == "AccessDenied"


def test_json2_positional_calls_go_through_doc_bearer_for_admin(
    servers: dict[str, SimServer],
) -> None:
    sim = servers["19"]
    partners = connect(sim, "json2").get_model("res.partner")
    # Positional arguments make odoolib read /doc-bearer/res.partner.json first, map them to
    # parameter names in signature order, and send ids only to non-@api.model methods.
    ids = partners.search([["id", ">", 0]], 0, 2, "id asc")
    assert len(ids) == 2 and ids == sorted(ids)
    rows = partners.read(ids, ["name"])
    assert [row["id"] for row in rows] == ids
    bot_partners = connect(sim, "json2", admin=False).get_model("res.partner")
    with pytest.raises(httpx.HTTPStatusError) as refused:  # no api_doc group: 403
        bot_partners.search([["id", ">", 0]])
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(("protocol", "version"), CASES)
def test_load_classic_write_reads_many2one_as_bare_ids(
    servers: dict[str, SimServer], protocol: str, version: str
) -> None:
    """``read``/``search_read`` with ``load='_classic_write'`` (OdooRPC's browse) give ints."""
    sim = servers[version]
    conn = connect(sim, protocol)
    orders = conn.get_model("sale.order")
    domain = [["partner_id", "!=", False]]
    fields = ["name", "partner_id"]
    if protocol == "json2":
        ids = orders.search(domain=domain, limit=3, order="id asc")
        classic = orders.read(ids=ids, fields=fields)
        bare = orders.read(ids=ids, fields=fields, load="_classic_write")
        searched = orders.search_read(
            domain=domain, fields=fields, limit=3, order="id asc", load="_classic_write"
        )
    else:
        ids = orders.search(domain, limit=3, order="id asc")
        classic = orders.read(ids, fields)
        bare = orders.read(ids, fields, load="_classic_write")
        conn.check_login()
        obj = conn.get_service("object")
        searched = obj.execute_kw(
            sim.database, conn.user_id, sim.admin_password, "sale.order", "search_read",
            [domain, fields], {"limit": 3, "order": "id asc", "load": "_classic_write"},
        )  # fmt: skip
    assert len(ids) == 3
    assert all(isinstance(r["partner_id"], list) for r in classic)
    assert [r["partner_id"] for r in bare] == [r["partner_id"][0] for r in classic]
    assert all(type(r["partner_id"]) is int for r in bare)
    assert searched == bare
