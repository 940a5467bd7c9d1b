"""Fault injection: the settings object, and each fault as a client sees it over real HTTP."""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterator

import httpx
import pytest
from test_wire_fake import ADMIN_KEY, BOT_KEY, BOT_UID, ClockedFakeDatabase

from odoosim.faults import Decision, FaultConfigError, Faults, parse_fault_flag
from odoosim.server import SimServer

# -- the settings object ---------------------------------------------------------------------


def test_invalid_settings_name_the_key_and_change_nothing() -> None:
    faults = Faults({"latency_ms": 5})
    for bad, fragment in [
        ({"latency": 5}, "unknown fault 'latency'"),
        ({"reset_rate": 1.5}, "between 0 and 1"),
        ({"http_status": 500}, "must be one of (429, 502, 503)"),
        ({"http_status_count": 1.5}, "whole number"),
        ({"latency_ms": "fast"}, "expects a number"),
    ]:
        with pytest.raises(
            FaultConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")
        ):
            faults.update({"reset_rate": 0.5, **bad})
    assert faults.snapshot() == {"latency_ms": 5.0}


def test_parse_fault_flag() -> None:
    assert parse_fault_flag("latency_ms=50") == ("latency_ms", 50.0)
    assert parse_fault_flag("models=sale.order, res.partner") == (
        "models",
        frozenset({"sale.order", "res.partner"}),
    )
    with pytest.raises(FaultConfigError, match="name=value"):
        parse_fault_flag("latency_ms")


def test_counts_fail_exactly_the_next_n_matching_calls() -> None:
    faults = Faults({"http_status": 429, "http_status_count": 2, "retry_after": 3})
    decisions = [faults.decide("sale.order", "search_read") for _ in range(4)]
    assert [d.http_status for d in decisions] == [429, 429, None, None]
    assert decisions[0].retry_after == 3


def test_bare_status_hits_every_call_and_filters_restrict() -> None:
    faults = Faults({"http_status": 503, "models": ["sale.order"], "methods": "search_read"})
    assert faults.decide("sale.order", "search_read").http_status == 503
    assert faults.decide("sale.order", "read").is_clean
    assert faults.decide("res.partner", "search_read").is_clean
    assert faults.decide(None, "login").is_clean


def test_rates_are_deterministic_with_a_seed() -> None:
    def run() -> list[Decision]:
        faults = Faults({"seed": 11, "reset_rate": 0.3, "serialization_rate": 0.3})
        return [faults.decide("sale.order", "search_read") for _ in range(200)]

    first, second = run(), run()
    assert first == second
    resets = sum(d.reset for d in first)
    assert 35 <= resets <= 85  # about 30 % of 200
    assert any(d.serialization_failure for d in first)


# -- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(odoo_version="19", backend=ClockedFakeDatabase()) as server:
        yield server


LOGIN = {"params": {"service": "common", "method": "login", "args": ["demo", "admin", "admin"]}}


def call(sim: SimServer, method: str, args: list, kwargs: dict | None = None, **kw) -> dict:
    body = {
        "jsonrpc": "2.0",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": ["demo", kw.get("uid", 2), kw.get("pwd", "admin"), kw.get("model", "res.partner"),
                     method, args, kwargs or {}],
        },
        "id": 1,
    }  # fmt: skip
    response = httpx.post(f"{sim.url}/jsonrpc", json=body, timeout=kw.get("timeout", 5))
    response.raise_for_status()
    return response.json()


def test_latency_is_added(sim: SimServer) -> None:
    sim.faults.update(latency_ms=150)
    started = time.perf_counter()
    assert call(sim, "search_read", [[]])["result"]
    assert time.perf_counter() - started >= 0.15


def test_http_status_with_retry_after_then_recovers(sim: SimServer) -> None:
    sim.faults.update(http_status=503, http_status_count=2, retry_after=7)
    for _ in range(2):
        response = httpx.post(f"{sim.url}/jsonrpc", json=LOGIN)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "7"
        assert "503 Service Temporarily Unavailable" in response.text
    assert call(sim, "search_read", [[]])["result"]


def test_connection_reset(sim: SimServer) -> None:
    sim.faults.update(reset_count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        call(sim, "search_read", [[]])
    assert call(sim, "search_read", [[]])["result"]


def test_hang_blocks_a_client_until_its_timeout_and_stop_releases_it() -> None:
    server = SimServer(odoo_version="17", backend=ClockedFakeDatabase()).start()
    try:
        server.faults.update(hang_seconds=30, hang_count=1)
        with pytest.raises(httpx.ReadTimeout):
            call(server, "search_read", [[]], timeout=0.3)
    finally:
        started = time.perf_counter()
        server.stop()
    assert time.perf_counter() - started < 3


def test_serialization_failure_shapes(sim: SimServer) -> None:
    sim.faults.update(serialization_count=1, methods=["write"])
    body = call(sim, "write", [[7], {"ref": "lost"}])
    assert body["error"]["data"]["name"] == "psycopg2.errors.SerializationFailure"
    assert body["error"]["data"]["message"] == "could not serialize access due to concurrent update"
    assert sim.db.partners[7]["ref"] is False  # type: ignore[attr-defined]  # nothing written

    sim.faults.update(serialization_count=1)
    models = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object")
    with models, pytest.raises(xmlrpc.client.Fault) as fault:
        models.execute_kw("demo", 2, "admin", "res.partner", "write", [[7], {"ref": "x"}])
    assert fault.value.faultCode == 1
    assert "could not serialize access due to concurrent update" in fault.value.faultString

    sim.faults.update(serialization_count=1)
    legacy = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/object")
    with legacy, pytest.raises(xmlrpc.client.Fault) as legacy_fault:
        legacy.execute_kw("demo", 2, "admin", "res.partner", "write", [[7], {"ref": "x"}])
    assert legacy_fault.value.faultCode == "could not serialize access due to concurrent update"

    sim.faults.update(serialization_count=1)
    response = httpx.post(
        f"{sim.url}/json/2/res.partner/write",
        json={"ids": [7], "vals": {"ref": "x"}},
        headers={"Authorization": f"bearer {ADMIN_KEY}"},
    )
    assert response.status_code == 500
    assert response.json()["name"] == "psycopg2.errors.SerializationFailure"


def test_late_commit_stamps_an_older_write_date(sim: SimServer) -> None:
    sim.faults.update(late_commit_seconds=600, models=["res.partner"])
    assert call(sim, "write", [[7], {"ref": "late"}])["result"] is True
    db = sim.db
    assert db.partners[7]["write_date"] == "2026-11-22 11:50:00"  # type: ignore[attr-defined]
    sim.faults.clear()
    call(sim, "write", [[8], {"ref": "on time"}])
    assert db.partners[8]["write_date"] == "2026-11-22 12:00:00"  # type: ignore[attr-defined]


def test_control_model_is_admin_only(sim: SimServer) -> None:
    refused = call(sim, "set_faults", [{"latency_ms": 1}], model="odoosim.control",
                   uid=BOT_UID, pwd=BOT_KEY)  # fmt: skip
    assert refused["error"]["data"]["name"] == "odoo.exceptions.AccessError"
    assert sim.faults.snapshot() == {}
    done = call(sim, "set_faults", [{"http_status": 502, "http_status_count": 1}],
                model="odoosim.control")  # fmt: skip
    assert done["result"] == {"http_status": 502, "http_status_count": 1}
    assert httpx.post(f"{sim.url}/jsonrpc", json=LOGIN).status_code == 502
    invalid = call(sim, "set_faults", [{"nope": 1}], model="odoosim.control")
    assert invalid["error"]["data"]["name"] == "odoo.exceptions.ValidationError"
    sim.stats.reset()
    call(sim, "search_read", [[]])
    call(sim, "search_read", [[]])
    stats = call(sim, "get_stats", [], model="odoosim.control")["result"]
    assert stats == {"res.partner.search_read": 2}
    # The control model stays reachable whatever faults are set, so faults can be cleared.
    sim.faults.update(http_status=503)
    assert call(sim, "clear_faults", [], model="odoosim.control")["result"] is True
    assert call(sim, "search_read", [[]])["result"]


def test_stats_count_and_server_time(sim: SimServer) -> None:
    sim.stats.reset()
    call(sim, "search_read", [[]])
    call(sim, "read", [[7]])
    assert sim.stats.count(method="search_read", model="res.partner") == 1
    assert sim.stats.count(model="res.partner") == 2
    assert sim.stats.count() == 2
    assert all(0 < s < 1 for s in sim.stats.server_seconds())
    sim.stats.reset()
    assert sim.stats.count() == 0
