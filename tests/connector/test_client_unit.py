"""OdooClient's call path over a scripted fake transport (the seam), with a fake clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from xmlrpc.client import Fault

import httpx
import pytest
from pydantic import SecretStr

from connector.client import OdooClient
from connector.errors import AccessError, HTTPStatusFailure, TransientError
from connector.settings import ConnectionSettings, RetrySettings

KEY = "fake-key-1234567890"

Step = Callable[[str, str, tuple[Any, ...]], Any]


class ScriptedTransport:
    """Answers common.version/authenticate; object calls follow a script of steps."""

    protocol = "xmlrpc"

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.calls: list[tuple[str, str]] = []

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        if service_name == "common" and method == "version":
            return {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""]}
        if service_name == "common" and method == "authenticate":
            return 7
        self.calls.append((args[3], args[4]))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(script: list[Any], **retry: Any) -> tuple[OdooClient, ScriptedTransport, Clock]:
    settings = ConnectionSettings(
        url="http://erp.test:8069",
        database="prod",
        login="bot",
        protocol="xmlrpc",
        api_key=SecretStr(KEY),
        retry=RetrySettings(**{"attempts": 4, "base": 0.1, "cap": 1.0, "total": 20.0, **retry}),
    )
    transport = ScriptedTransport(script)
    clock = Clock()
    client = OdooClient(
        settings,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        transport_factory=lambda protocol: transport,
    )
    client.connect(required_fields={}, rights={})
    transport.calls.clear()
    return client, transport, clock


def busy(after: str = "2") -> HTTPStatusFailure:
    return HTTPStatusFailure(503, "Service Unavailable", {"Retry-After": after})


def discovery_answers() -> list[Any]:
    # ir.module.module search_read, then fields_get of the four probe models (not installed).
    missing = [Fault("warning -- UserError\n\nObject x doesn't exist", "") for _ in range(4)]
    return [[{"id": 1, "name": "sale"}], *missing]


def test_retry_after_is_honoured_then_succeeds() -> None:
    client, transport, clock = make_client(
        [*discovery_answers(), busy("2"), busy("2"), [{"id": 1}]]
    )
    rows = client.search_read("res.partner", [], ["name"])
    assert rows == [{"id": 1}]
    assert len(transport.calls) == 3
    assert len(clock.sleeps) == 2 and all(s >= 2.0 for s in clock.sleeps)


def test_retries_stop_at_the_attempt_bound_with_a_clear_message() -> None:
    client, transport, _ = make_client([*discovery_answers(), *[busy("1") for _ in range(4)]])
    with pytest.raises(TransientError, match="gave up after 4 attempts") as info:
        client.search_read("res.partner", [], ["name"])
    assert len(transport.calls) == 4
    assert "url=http://erp.test:8069" in str(info.value) and KEY not in str(info.value)


def test_retry_after_beyond_the_budget_stops_at_once() -> None:
    client, transport, clock = make_client([*discovery_answers(), busy("60")], total=30.0)
    with pytest.raises(TransientError, match="retry after 60s, beyond the retry budget"):
        client.search_read("res.partner", [], ["name"])
    assert len(transport.calls) == 1 and clock.sleeps == []


def test_create_is_not_resent_after_a_timeout() -> None:
    client, transport, _ = make_client([*discovery_answers(), httpx.ReadTimeout("t")])
    with pytest.raises(TransientError, match="not retried because create may already"):
        client.create("res.partner", {"name": "x"})
    assert len(transport.calls) == 1


def test_create_is_retried_when_the_server_refused_it() -> None:
    client, transport, _ = make_client([*discovery_answers(), busy("0"), 42])
    assert client.create("res.partner", {"name": "x"}) == 42
    assert len(transport.calls) == 2


def test_reads_are_retried_after_a_timeout() -> None:
    client, transport, _ = make_client([*discovery_answers(), httpx.ReadTimeout("t"), []])
    assert client.search_read("res.partner", [], ["name"]) == []
    assert len(transport.calls) == 2


def test_access_errors_are_not_retried() -> None:
    client, transport, _ = make_client(
        [*discovery_answers(), Fault("warning -- AccessError\n\nnot allowed", "")]
    )
    with pytest.raises(AccessError) as info:
        client.search_read("account.move", [], ["name"])
    assert info.value.model == "account.move" and info.value.operation == "search_read"
    assert len(transport.calls) == 1


def test_an_empty_page_is_only_returned_by_a_successful_call() -> None:
    client, _, _ = make_client([*discovery_answers(), *[httpx.ReadTimeout("t") for _ in range(4)]])
    with pytest.raises(TransientError):
        list(client.stream("sale.order", [], ["name"]))


def test_repr_hides_the_key() -> None:
    client, _, _ = make_client(discovery_answers())
    assert KEY not in repr(client) and "erp.test" in repr(client)
