"""Acceptance of issue 3 against odoosim over real HTTP (every profile and protocol)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from connector_helpers import client_for, free_port, settings_for
from pydantic import SecretStr

from connector.client import MissingFieldsError, UnknownDatabaseError
from connector.errors import AccessError, AuthError, TransientError, UnreachableError
from connector.settings import ConnectionSettings, RetrySettings

PROFILES = [
    ("16", "xmlrpc"),
    ("16", "jsonrpc"),
    ("17", "xmlrpc"),
    ("17", "jsonrpc"),
    ("18", "xmlrpc"),
    ("18", "jsonrpc"),
    ("19", "xmlrpc"),
    ("19", "jsonrpc"),
    ("19", "json2"),
]

ORDER_FIELDS = ["name", "state", "partner_id", "amount_total", "date_order"]


@pytest.mark.parametrize(("version", "protocol"), PROFILES, ids=[f"{v}-{p}" for v, p in PROFILES])
def test_connect_discover_and_stream(version: str, protocol: str) -> None:
    from odoosim import SimServer

    with SimServer(odoo_version=version, dataset="demo", orders=30, seed=5) as sim:  # noqa: SIM117
        with client_for(sim, protocol) as client:
            caps = client.connect(
                required_fields={"sale.order": ORDER_FIELDS, "res.partner": ["name", "email"]}
            )
            assert caps.version_major == int(version)
            assert client.protocol == protocol
            assert caps.has_field("sale.order", "partner_id")
            assert caps.ticket_model in ("helpdesk.ticket", "project.task")
            assert caps.can("sale.order", "read") is True
            pages = list(client.stream("sale.order", [], ORDER_FIELDS, page_size=7))
            rows = [r for page in pages for r in page]
            keys = [(r["write_date"], r["id"]) for r in rows]
            assert keys == sorted(keys) and len(set(keys)) == len(keys)
            assert all(len(p) <= 7 for p in pages)
            every = client.search("sale.order", [], order="id asc")
            assert sorted(r["id"] for r in rows) == every
            assert isinstance(rows[0]["partner_id"], list)
            # read by id in batches keeps the asked order and skips missing ids
            some = [*every[:5][::-1], 999_999]
            got = client.read("sale.order", some, ["name"], batch_size=2)
            assert [r["id"] for r in got] == every[:5][::-1]


def test_auto_protocol_picks_json2_on_19_and_jsonrpc_before() -> None:
    from odoosim import SimServer

    for version, expected in (("18", "jsonrpc"), ("19", "json2")):
        with (
            SimServer(odoo_version=version, dataset="empty") as sim,
            client_for(sim, "auto") as client,
        ):
            client.connect()
            assert client.protocol == expected


def test_missing_required_field_fails_at_connect(sim17: Any) -> None:
    with client_for(sim17) as client, pytest.raises(MissingFieldsError) as info:
        client.connect(
            required_fields={"sale.order": ["name", "x_does_not_exist"], "no.such.model": []}
        )
    text = str(info.value)
    assert "sale.order.x_does_not_exist" in text and "no.such.model (model)" in text
    assert "17" in text


def test_company_scoping_goes_in_the_context(sim17: Any) -> None:
    with client_for(sim17, company_ids=[1]) as client:
        client.connect()
        assert client.search_read("res.partner", [], ["name"], limit=1)


# --- failures: distinct errors naming url, database, login; never the key ---------------


def _assert_names_where(err: BaseException, settings: ConnectionSettings, key: str) -> None:
    text = str(err)
    assert f"url={settings.url}" in text
    assert f"database={settings.database}" in text
    assert f"login={settings.login}" in text
    assert key not in text and key not in repr(err)


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_wrong_key(sim17: Any, protocol: str) -> None:
    s = settings_for(sim17, protocol, api_key=SecretStr("wrong-key-0000"))
    with pytest.raises(AuthError) as info, client_for(sim17, protocol, api_key=s.api_key) as c:
        c.connect()
    assert not isinstance(info.value, UnknownDatabaseError)
    _assert_names_where(info.value, s, "wrong-key-0000")


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_unknown_database(sim17: Any, protocol: str) -> None:
    s = settings_for(sim17, protocol, database="nope")
    with (
        pytest.raises(UnknownDatabaseError) as info,
        client_for(sim17, protocol, database="nope") as c,
    ):
        c.connect()
    _assert_names_where(info.value, s, sim17.bot_api_key)
    assert "'nope' does not exist" in str(info.value)


def test_unreachable_host() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    s = ConnectionSettings(
        url=url,
        database="db",
        login="bot",
        api_key=SecretStr("k-unreachable-123"),
        connect_timeout=1,
        retry=RetrySettings(attempts=2, base=0.05, cap=0.1, total=5),
    )
    from connector.client import OdooClient

    with pytest.raises(UnreachableError) as info:
        OdooClient(s).connect()
    _assert_names_where(info.value, s, "k-unreachable-123")


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_missing_right_names_model_and_operation(sim17: Any, protocol: str) -> None:
    s = settings_for(sim17, protocol)
    with client_for(sim17, protocol) as client:
        client.connect()
        with pytest.raises(AccessError) as info:
            client.create("ir.model.fields", {"name": "x_nope", "model_id": 1, "ttype": "char"})
    err = info.value
    assert (err.model, err.operation, err.right) == ("ir.model.fields", "create", "create")
    _assert_names_where(err, s, sim17.bot_api_key)
    assert "model='ir.model.fields'" in str(err) or "model 'ir.model.fields'" in str(err)


def test_json2_errors() -> None:
    from odoosim import SimServer

    with SimServer(odoo_version="19", dataset="empty") as sim:
        s = settings_for(sim, "json2", api_key=SecretStr("bad-json2-key"))
        with pytest.raises(AuthError) as info, client_for(sim, "json2", api_key=s.api_key) as c:
            c.connect()
        _assert_names_where(info.value, s, "bad-json2-key")
        with client_for(sim, "json2") as client:
            client.connect()
            with pytest.raises(AccessError) as denied:
                client.create("ir.ui.view", {"name": "x", "model": "res.partner", "arch": "<x/>"})
            assert denied.value.model == "ir.ui.view"
            _assert_names_where(denied.value, settings_for(sim, "json2"), sim.bot_api_key)


# --- hangs, 503 + Retry-After -----------------------------------------------------------


HANG_CASES = [("sim17", "xmlrpc"), ("sim17", "jsonrpc"), ("sim19", "json2")]


@pytest.mark.parametrize(("fixture", "protocol"), HANG_CASES, ids=[p for _, p in HANG_CASES])
def test_hang_fails_within_read_timeout_plus_one_second(
    fixture: str, protocol: str, request: pytest.FixtureRequest
) -> None:
    sim = request.getfixturevalue(fixture)
    with client_for(
        sim, protocol, read_timeout=1.0, retry=RetrySettings(attempts=1, base=0.1, total=5)
    ) as client:
        client.connect()
        sim.faults.update(hang_seconds=5, hang_rate=1.0, methods=["search_read"])
        try:
            start = time.monotonic()
            with pytest.raises(TransientError, match="timed out") as info:
                client.search_read("res.partner", [], ["name"])
            assert time.monotonic() - start < 2.0
        finally:
            sim.faults.clear()
        assert sim.bot_api_key not in str(info.value)


def test_503_retry_after_is_respected_then_succeeds(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc") as client:
        client.connect()
        sim17.stats.reset()
        sim17.faults.update(
            http_status=503, http_status_count=2, retry_after=1, methods=["search_read"]
        )
        try:
            start = time.monotonic()
            rows = client.search_read("res.partner", [], ["name"], limit=3)
            elapsed = time.monotonic() - start
        finally:
            sim17.faults.clear()
        assert len(rows) == 3
        assert elapsed >= 2.0  # two waits of at least Retry-After = 1 s
        calls = sim17.stats.calls(method="search_read", model="res.partner")
        assert len([c for c in calls if c.error]) == 2


@pytest.mark.parametrize(("fixture", "protocol"), HANG_CASES, ids=[p for _, p in HANG_CASES])
def test_503_retries_stop_at_the_bound(
    fixture: str, protocol: str, request: pytest.FixtureRequest
) -> None:
    sim = request.getfixturevalue(fixture)
    policy = RetrySettings(attempts=3, base=0.05, cap=0.1, total=30)
    with client_for(sim, protocol, retry=policy) as client:
        client.connect()
        sim.stats.reset()
        sim.faults.update(
            http_status=503, http_status_rate=1.0, retry_after=1, methods=["search_read"]
        )
        try:
            start = time.monotonic()
            with pytest.raises(TransientError, match="gave up after 3 attempts"):
                client.search_read("res.partner", [], ["name"])
            elapsed = time.monotonic() - start
        finally:
            sim.faults.clear()
        assert 2.0 <= elapsed < 5.0
        # (calls left hanging by the hang test may still complete: count the refused ones)
        refused = [c for c in sim.stats.calls(method="search_read", model="res.partner") if c.error]
        assert len(refused) == 3


def test_calls_per_second_limit(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc", calls_per_second=10.0) as client:
        client.connect()
        start = time.monotonic()
        for _ in range(6):
            client.search_count("res.partner", [])
        assert time.monotonic() - start >= 0.5


def test_calls_per_second_limit_is_per_erp_not_per_client(sim17: Any) -> None:
    """Two clients (two threads) of one ERP share its budget: 12 calls at 20/s take >= 0.55 s."""
    import threading

    with (
        client_for(sim17, "jsonrpc", calls_per_second=20.0) as one,
        client_for(sim17, "xmlrpc", calls_per_second=20.0) as two,
    ):
        one.connect()
        two.connect()
        start = time.monotonic()
        threads = [
            threading.Thread(
                target=lambda c=c: [c.search_count("res.partner", []) for _ in range(6)]
            )
            for c in (one, two)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert time.monotonic() - start >= 0.55


# --- secrets never in logs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "protocol"), [("17", "xmlrpc"), ("17", "jsonrpc"), ("19", "json2")]
)
def test_debug_logs_of_a_full_session_never_contain_the_key(
    version: str, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    from odoosim import SimServer

    with SimServer(odoo_version=version, dataset="demo", orders=30, seed=2) as sim:
        key = sim.bot_api_key
        assert key
        caplog.set_level(logging.DEBUG)
        for name in ("odoolib", "httpx", "httpcore", "connector"):
            caplog.set_level(logging.DEBUG, logger=name)
        with client_for(sim, protocol) as client:
            client.connect(required_fields={"sale.order": ORDER_FIELDS})
            for _ in client.stream("sale.order", [], ORDER_FIELDS, page_size=5):
                pass
            partner = client.search("res.partner", [], limit=1)[0]
            tag_id, _ = client.ensure(
                "res.partner.category", "tag_log_test", {"name": "svcsync log test"}
            )
            client.write("res.partner.category", [tag_id], {"name": "svcsync log test 2"})
            client.message_post("res.partner", partner, "<p>log test</p>")
            with pytest.raises(AccessError):
                client.unlink("res.partner", [partner])
        with (
            pytest.raises(AuthError),
            client_for(sim, protocol, api_key=SecretStr(key + "x")) as bad,
        ):
            bad.connect()
    assert len(caplog.records) > 5
    for record in caplog.records:
        assert key not in record.getMessage(), record.name
        assert key not in repr(record.args), record.name
    assert key not in caplog.text


def test_serialization_failures_are_retried_even_for_create(sim17: Any) -> None:
    """Odoo rolled the transaction back, so re-sending a create cannot duplicate it."""
    with client_for(sim17, "xmlrpc") as client:
        client.connect()
        sim17.stats.reset()
        sim17.faults.update(serialization_count=2, methods=["create"])
        try:
            tag = client.create("res.partner.category", {"name": "serialization retry"})
        finally:
            sim17.faults.clear()
        calls = sim17.stats.calls(method="create", model="res.partner.category")
        assert [c.error is None for c in calls] == [False, False, True]
        assert client.search("res.partner.category", [("name", "=", "serialization retry")]) == [
            tag
        ]


def test_a_hung_read_is_retried_after_its_timeout(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc", read_timeout=1.0) as client:
        client.connect()
        sim17.faults.update(hang_seconds=3, hang_count=1, methods=["search_read"])
        try:
            start = time.monotonic()
            rows = client.search_read("res.partner", [], ["name"], limit=2)
        finally:
            sim17.faults.clear()
        assert len(rows) == 2 and 1.0 <= time.monotonic() - start < 3.0


def test_discovery_without_helpdesk_or_purchase() -> None:
    from odoosim import SimServer

    apps = {"sale", "account", "stock", "project", "repair"}
    with SimServer(odoo_version="18", dataset="empty", apps=apps) as sim, client_for(sim) as client:
        caps = client.connect(required_fields={"sale.order": ["name"]})
        assert caps.ticket_model == "project.task" and caps.ticket_flavour == "project"
        assert caps.repair
        assert {"purchase.order", "helpdesk.ticket"} <= caps.missing_models
        assert caps.can("sale.order", "read") is True
        assert caps.can("project.task", "create") is True


def test_company_scope_filters_streams(sim17: Any) -> None:
    with client_for(sim17, admin=True) as admin:
        admin.connect()
        # (odoosim, unlike Odoo, does not create the company's partner itself)
        holder = admin.create("res.partner", {"name": "Other Co (scope test)", "is_company": True})
        currency = admin.search_read("res.company", [("id", "=", 1)], ["currency_id"])[0]
        other = admin.create(
            "res.company",
            {
                "name": "Other Co (scope test)",
                "partner_id": holder,
                "currency_id": currency["currency_id"][0],
            },
        )
        mine = admin.create("res.partner", {"name": "scope-mine", "company_id": 1})
        theirs = admin.create("res.partner", {"name": "scope-theirs", "company_id": other})
    domain = [("name", "=like", "scope-%")]
    with client_for(sim17, admin=True, company_ids=[1]) as scoped:
        scoped.connect()
        seen = [r["id"] for page in scoped.stream("res.partner", domain, ["name"]) for r in page]
        assert seen == [mine]
    with client_for(sim17, admin=True, company_ids=[1, other]) as both:
        both.connect()
        seen = [r["id"] for page in both.stream("res.partner", domain, ["name"]) for r in page]
        assert sorted(seen) == sorted([mine, theirs])


def test_json2_on_a_pre_19_server_is_a_config_error(sim17: Any) -> None:
    from connector.errors import ConfigError

    with pytest.raises(ConfigError, match="json2 needs Odoo 19"), client_for(sim17, "json2") as c:
        c.connect()


@pytest.mark.parametrize(("version", "protocol"), [("17", "jsonrpc"), ("19", "json2")])
def test_a_page_body_is_freed_by_reference_counting(version: str, protocol: str) -> None:
    """httpx keeps each response in a reference cycle; the transports read the body so that
    it is not stored there, so a pulled page's bytes never wait for the cyclic collector (the
    pull freezes the collector's old generations and collects no more per page)."""
    import gc

    import httpx

    from odoosim import SimServer

    with SimServer(odoo_version=version, dataset="demo", orders=60, seed=5) as sim:  # noqa: SIM117
        with client_for(sim, protocol) as client:
            client.connect()
            gc.collect()
            gc.disable()
            gc.set_debug(gc.DEBUG_SAVEALL)
            try:
                for _ in range(3):
                    rows = client.search_read("sale.order", [], ORDER_FIELDS, limit=60)
                    assert len(rows) == 60
                    del rows
                gc.collect()
                kept = [
                    o
                    for o in gc.garbage
                    if (isinstance(o, bytes | bytearray) and len(o) > 4096)
                    or (isinstance(o, httpx.Response) and getattr(o, "_content", None) is not None)
                ]
            finally:
                gc.set_debug(0)
                gc.garbage.clear()
                gc.enable()
    assert kept == []
