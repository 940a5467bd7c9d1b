"""Wire shapes over real HTTP: envelopes and error shapes of every endpoint, per version profile.

The database behind the server is the in-memory fake of ``test_wire_fake`` so these tests pin the
wire layer alone; ``test_clients_*`` repeat the important paths with real clients and the ORM.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator

import httpx
import pytest
from test_wire_fake import ADMIN_KEY, BOT_KEY, BOT_UID, FakeDatabase

from odoosim.server import SimServer

VERSIONS = ("16", "17", "18", "19")


@pytest.fixture(scope="module", params=VERSIONS)
def sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    with SimServer(odoo_version=request.param, backend=FakeDatabase(), database="demo") as server:
        yield server


@pytest.fixture(scope="module")
def sim19() -> Iterator[SimServer]:
    with SimServer(odoo_version="19", backend=FakeDatabase(), database="demo") as server:
        yield server


def jsonrpc(sim: SimServer, service: str, method: str, *args: object) -> dict:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": list(args)},
        "id": 41,
    }
    response = httpx.post(f"{sim.url}/jsonrpc", json=payload)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


# -- XML-RPC ---------------------------------------------------------------------------------


def test_xmlrpc_common_version_login_and_authenticate(sim: SimServer) -> None:
    common = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/common")
    version = common.version()
    assert version["server_version"] == f"{sim.odoo_version}.0"
    assert version["server_version_info"] == [int(sim.odoo_version), 0, 0, "final", 0, ""]
    assert version["protocol_version"] == 1
    assert common.login("demo", "admin", "admin") == 2
    assert common.authenticate("demo", "svcsync-bot", BOT_KEY, {}) == BOT_UID
    assert common.login("demo", "admin", "wrong") is False
    assert common.authenticate("demo", "admin", "wrong", {}) is False


def test_xmlrpc_legacy_string_faults(sim: SimServer) -> None:
    models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as missing:
        models.execute_kw("demo", 2, "admin", "res.partner", "write", [[999], {"ref": "x"}])
    assert missing.value.faultCode.startswith("warning -- MissingError\n\nRecord does not exist")
    assert missing.value.faultString == ""
    with pytest.raises(xmlrpc.client.Fault) as user:
        models.execute_kw("demo", 2, "admin", "foo.bar", "search_read", [[]])
    assert user.value.faultCode == "warning -- UserError\n\nObject foo.bar doesn't exist"
    with pytest.raises(xmlrpc.client.Fault) as validation:
        models.execute_kw("demo", 2, "admin", "res.partner", "write", [[7], {"name": ""}])
    assert validation.value.faultCode.startswith("warning -- UserError\n\n")
    with pytest.raises(xmlrpc.client.Fault) as access:
        models.execute_kw("demo", BOT_UID, BOT_KEY, "res.partner", "write", [[7], {"ref": "x"}])
    assert access.value.faultCode.startswith("warning -- AccessError\n\nYou are not allowed")
    with pytest.raises(xmlrpc.client.Fault) as denied:
        models.execute_kw("demo", 2, "bad-password", "res.partner", "search_read", [[]])
    assert (denied.value.faultCode, denied.value.faultString) == ("AccessDenied", "Access Denied")
    with pytest.raises(xmlrpc.client.Fault) as other:
        models.execute_kw("demo", 2, "admin", "res.partner", "frobnicate", [[]])
    assert (
        other.value.faultCode == "The method 'frobnicate' does not exist on the model 'res.partner'"
    )
    assert other.value.faultString.startswith("Traceback (most recent call last):")
    assert other.value.faultString.rstrip().endswith(
        "builtins.AttributeError: The method 'frobnicate' does not exist on the model 'res.partner'"
    )


def test_xmlrpc_2_int_faults(sim: SimServer) -> None:
    models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object")
    cases = [
        ((2, "admin", "res.partner", "write", [[999], {"ref": "x"}]), 2),
        ((2, "admin", "foo.bar", "search_read", [[]]), 2),
        ((BOT_UID, BOT_KEY, "res.partner", "write", [[7], {"ref": "x"}]), 4),
        ((2, "nope", "res.partner", "search_read", [[]]), 3),
        ((2, "admin", "res.partner", "frobnicate", [[]]), 1),
    ]
    for (uid, pwd, model, method, args), code in cases:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            models.execute_kw("demo", uid, pwd, model, method, args)
        assert fault.value.faultCode == code, (model, method)
    with pytest.raises(xmlrpc.client.Fault) as traceback_fault:
        models.execute_kw("demo", 2, "admin", "res.partner", "frobnicate", [[]])
    assert "Traceback (most recent call last)" in traceback_fault.value.faultString


def test_xmlrpc_values_and_none(sim: SimServer) -> None:
    models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object", allow_none=True)
    rows = models.execute_kw(
        "demo", 2, "admin", "res.partner", "search_read", [[["name", "ilike", "azure"]]]
    )
    assert rows == [{"id": 7, "name": "Azure Interior", "ref": False}]
    new_id = models.execute_kw("demo", 2, "admin", "res.partner", "create", [{"name": "ACME"}])
    assert isinstance(new_id, int)
    # Odoo's marshaller refuses to send None: fault 1 with the marshaller's TypeError.
    with pytest.raises(xmlrpc.client.Fault) as fault:
        models.execute_kw("demo", 2, "admin", "res.partner", "nothing", [])
    assert fault.value.faultCode == 1
    assert "cannot marshal None unless allow_none is enabled" in fault.value.faultString
    # Positional `execute` (OdooRPC uses it for fields_get and context_get).
    context = models.execute("demo", 2, "admin", "res.users", "context_get")
    assert context["tz"] == "Europe/Brussels"


def test_unknown_database_is_refused_like_odoo(sim: SimServer) -> None:
    common = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/common")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        common.login("nope", "admin", "admin")
    assert fault.value.faultCode == 1
    assert 'psycopg2.OperationalError: FATAL:  database "nope" does not exist' in (
        fault.value.faultString
    )
    body = jsonrpc(sim, "object", "execute_kw", "nope", 2, "admin", "res.partner", "read", [[7]])
    assert body["error"]["data"]["name"] == "psycopg2.OperationalError"


def test_db_service(sim: SimServer) -> None:
    db = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/db")
    assert db.list() == ["demo"]
    assert db.server_version() == f"{sim.odoo_version}.0"
    assert db.db_exist("demo") is True
    assert db.db_exist("other") is False
    with pytest.raises(xmlrpc.client.Fault) as fault:
        db.drop("master", "demo")
    assert fault.value.faultCode == 3


# -- JSON-RPC --------------------------------------------------------------------------------


def test_jsonrpc_result_and_error_envelopes(sim: SimServer) -> None:
    ok = jsonrpc(sim, "common", "login", "demo", "admin", "admin")
    assert ok == {"jsonrpc": "2.0", "id": 41, "result": 2}
    body = jsonrpc(
        sim, "object", "execute_kw", "demo", 2, "admin", "res.partner", "write", [[99], {}], {}
    )
    error = body["error"]
    assert list(body) == ["jsonrpc", "id", "error"]
    assert error["code"] == (0 if sim.odoo_version == "19" else 200)
    assert error["message"] == "Odoo Server Error"
    assert list(error["data"]) == ["name", "debug", "message", "arguments", "context"]
    assert error["data"]["name"] == "odoo.exceptions.MissingError"
    assert error["data"]["arguments"] == [error["data"]["message"]]
    assert error["data"]["context"] == {}
    denied = jsonrpc(sim, "object", "execute_kw", "demo", 2, "x", "res.partner", "read", [[7]])
    assert denied["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert denied["error"]["data"]["message"] == "Access Denied"


def test_jsonrpc_none_result_omitted_up_to_18(sim: SimServer) -> None:
    body = jsonrpc(sim, "object", "execute_kw", "demo", 2, "admin", "res.partner", "nothing", [])
    if sim.odoo_version == "19":
        assert body == {"jsonrpc": "2.0", "id": 41, "result": None}
    else:
        assert body == {"jsonrpc": "2.0", "id": 41}


def test_jsonrpc_invalid_json_is_plain_400(sim: SimServer) -> None:
    response = httpx.post(
        f"{sim.url}/jsonrpc", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.text == "Invalid JSON data"


def test_jsonrpc_needs_a_json_content_type(sim: SimServer) -> None:
    """``_set_request_dispatcher``: 16-18 raise BadRequest, 19 UnsupportedMediaType + Accept;
    the werkzeug HTML page either way, with the route and its type (``json`` up to 18)."""
    response = httpx.post(
        f"{sim.url}/jsonrpc", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    is19 = sim.odoo_version == "19"
    assert response.status_code == (415 if is19 else 400)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    route_type = "jsonrpc" if is19 else "json"
    assert (
        "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/jsonrpc&#39; "
        f"is type=&#39;{route_type}&#39;.</p>"
    ) in response.text
    assert response.headers.get("accept") == (
        "application/json, application/json-rpc" if is19 else None
    )
    # the mimetype alone decides: an empty body without Content-Type is refused too
    empty = httpx.post(f"{sim.url}/web/dataset/call_kw/res.partner/search", content=b"")
    assert empty.status_code == (415 if is19 else 400)
    assert "&#39;/web/dataset/call_kw&#39;" in empty.text


def test_web_version_routes(sim: SimServer) -> None:
    version = httpx.get(f"{sim.url}/web/version").json()
    assert version["version"] == f"{sim.odoo_version}.0"
    info = httpx.post(
        f"{sim.url}/web/webclient/version_info", json={"jsonrpc": "2.0", "params": {}, "id": 1}
    ).json()
    assert info["result"]["server_version_info"][0] == int(sim.odoo_version)


def test_session_authenticate_then_call_kw(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as client:
        expired = client.post(
            "/web/dataset/call_kw/res.partner/read",
            json={"params": {"model": "res.partner", "method": "read", "args": [[7]]}},
        ).json()
        assert expired["error"]["code"] == 100
        assert expired["error"]["message"] == "Odoo Session Expired"
        bad = client.post(
            "/web/session/authenticate",
            json={"params": {"db": "demo", "login": "admin", "password": "no"}},
        ).json()
        assert bad["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
        auth = client.post(
            "/web/session/authenticate",
            json={"params": {"db": "demo", "login": "admin", "password": "admin"}},
        )
        assert "session_id=" in auth.headers["set-cookie"]
        assert "HttpOnly" in auth.headers["set-cookie"]
        assert auth.json()["result"]["uid"] == 2
        rows = client.post(
            "/web/dataset/call_kw/res.partner/read",
            json={
                "params": {
                    "model": "res.partner",
                    "method": "read",
                    "args": [[7]],
                    "kwargs": {},
                }
            },
        ).json()
        assert rows["result"][0]["name"] == "Azure Interior"


# -- JSON-2 (19) -----------------------------------------------------------------------------


def json2(sim: SimServer, model: str, method: str, body: object, key: str = BOT_KEY, **kw: str):
    headers = {
        "Authorization": kw.get("auth", f"bearer {key}"),
        "X-Odoo-Database": kw.get("db", "demo"),
        "Content-Type": kw.get("ctype", "application/json"),
    }
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{sim.url}/json/2/{model}/{method}", content=content, headers=headers)


def test_json2_success_shapes(sim19: SimServer) -> None:
    rows = json2(sim19, "res.partner", "search_read", {"domain": [["name", "=", "Deco Addict"]]})
    assert rows.status_code == 200
    assert rows.json() == [{"id": 8, "name": "Deco Addict", "ref": "DA"}]
    created = json2(sim19, "res.partner", "create", {"vals_list": {"name": "ACME"}}, ADMIN_KEY)
    assert created.status_code == 200
    assert isinstance(created.json(), list) and len(created.json()) == 1
    upper = json2(sim19, "res.users", "context_get", {}, auth=f"BEARER {BOT_KEY}")
    assert upper.json()["uid"] == BOT_UID


@pytest.mark.parametrize(
    ("model", "method", "body", "kw", "status", "name", "message"),
    [
        ("res.partner", "search_read", {}, {"auth": "bearer nope"}, 401,
         "werkzeug.exceptions.Unauthorized", "Invalid apikey"),
        ("res.partner", "search_read", {}, {"auth": ""}, 401,
         "werkzeug.exceptions.Unauthorized",
         'User not authenticated, use the "Authorization" header'),
        ("res.partner", "write", {"ids": [7], "vals": {"ref": "x"}}, {}, 403,
         "odoo.exceptions.AccessError", None),
        ("res.partner", "_secret", {}, {}, 403, "odoo.exceptions.AccessError", None),
        ("nope.model", "search", {}, {}, 404, "werkzeug.exceptions.NotFound",
         "the model 'nope.model' does not exist"),
        ("res.partner", "frobnicate", {}, {}, 404, "werkzeug.exceptions.NotFound",
         "The method 'res.partner.frobnicate' does not exist"),
        ("res.partner", "search", {"ids": [1], "domain": []}, {}, 422,
         "werkzeug.exceptions.UnprocessableEntity", "cannot call res.partner.search with ids"),
        ("res.partner", "search", {"domain": [], "x": 1}, {}, 422,
         "werkzeug.exceptions.UnprocessableEntity", "got an unexpected keyword argument 'x'"),
        ("res.partner", "create", {}, {}, 422,
         "werkzeug.exceptions.UnprocessableEntity", "missing a required argument: 'vals_list'"),
        ("res.partner", "search_read", b"{nope", {}, 400, "werkzeug.exceptions.BadRequest",
         "could not parse the body as json: Expecting property name enclosed in double quotes"),
        ("res.partner", "search_read", b"[1]", {}, 400, "werkzeug.exceptions.BadRequest",
         "could not parse the body, expecting a json object"),
    ],
)  # fmt: skip
def test_json2_errors(
    sim19: SimServer,
    model: str,
    method: str,
    body: object,
    kw: dict[str, str],
    status: int,
    name: str,
    message: str | None,
) -> None:
    response = json2(sim19, model, method, body, **kw)
    assert response.status_code == status, response.text
    payload = response.json()
    assert list(payload) == ["name", "message", "arguments", "context", "debug"]
    assert payload["name"] == name
    if message is not None:
        assert payload["message"].startswith(message)
    if name.startswith("werkzeug"):
        assert payload["arguments"] == [payload["message"], status]


def test_json2_server_error_is_500_and_wrong_content_type_415(sim19: SimServer) -> None:
    failing = json2(sim19, "res.partner", "write", {"ids": [999], "vals": {"ref": "x"}}, ADMIN_KEY)
    assert failing.status_code == 404  # MissingError.http_status
    assert failing.json()["name"] == "odoo.exceptions.MissingError"
    form = json2(
        sim19, "res.partner", "search", b"domain=x", ctype="application/x-www-form-urlencoded"
    )
    # 19 odoo/http.py _set_request_dispatcher: UnsupportedMediaType(response=...) rendered by
    # the default HttpDispatcher, i.e. werkzeug's HTML page, plus Accept: application/json
    assert form.status_code == 415
    assert form.headers["content-type"] == "text/html; charset=utf-8"
    assert form.headers["accept"] == "application/json"
    assert form.text == (
        "<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n"
        "<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with "
        "[&#39;http&#39;] but &#39;/json/2/&lt;model&gt;/&lt;method&gt;&#39; is "
        "type=&#39;json2&#39;.</p>\n"
    )


def test_json2_only_on_19(sim: SimServer) -> None:
    response = json2(sim, "res.partner", "search_read", {})
    assert response.status_code == (200 if sim.odoo_version == "19" else 404)


def test_doc_bearer_document(sim19: SimServer) -> None:
    headers = {"Authorization": f"bearer {ADMIN_KEY}"}
    doc = httpx.get(f"{sim19.url}/doc-bearer/res.partner.json", headers=headers)
    assert doc.status_code == 200
    assert doc.headers["cache-control"] == "no-cache, private"
    assert doc.headers["etag"]
    body = doc.json()
    assert list(body) == ["model", "name", "doc", "fields", "methods"]
    assert list(body["methods"]["search"]["parameters"]) == ["domain", "offset", "limit"]
    assert body["methods"]["search"]["api"] == ["model"]
    assert body["methods"]["write"]["api"] == []
    forbidden = httpx.get(
        f"{sim19.url}/doc-bearer/res.partner.json", headers={"Authorization": f"bearer {BOT_KEY}"}
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["name"] == "odoo.exceptions.AccessError"
