"""Webhooks: signed JSON, timeouts, retries — against ``responses``."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import requests
import responses

from jobs.config import NotifyConfig, Webhook
from jobs.notify import SIGNATURE_HEADER, notify

URL = "https://hooks.example.com/svc"

RED = {"key": "orders.late:sale.order:1", "severity": "critical", "message": "late"}
AMBER = {"key": "orders.stuck:sale.order:2", "severity": "warning", "message": "stuck"}


def cfg(**kw: object) -> NotifyConfig:
    return NotifyConfig(
        webhooks=[Webhook(url=URL, secret_env="SVC_HOOK_SECRET", **kw)],  # type: ignore[arg-type]
        timeout_seconds=2,
        retries=2,
    )


@responses.activate
def test_red_findings_are_posted_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=204)
    rep = notify("main", [RED, AMBER], cfg(), sleep=lambda _s: None)
    assert (rep.sent, rep.failed) == (1, 0)
    (call,) = responses.calls
    body = call.request.body
    assert isinstance(body, bytes)
    assert json.loads(body)["findings"] == [RED]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert call.request.headers[SIGNATURE_HEADER] == expected
    assert rep.delivered_keys == sorted([RED["key"], AMBER["key"]])


@responses.activate
def test_5xx_and_network_errors_are_retried_then_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=503)
    responses.post(URL, body=requests.ConnectionError("reset"))
    responses.post(URL, status=200)
    slept: list[float] = []
    rep = notify("main", [RED], cfg(), sleep=slept.append)
    assert rep.sent == 1 and len(responses.calls) == 3 and len(slept) == 2

    responses.post(URL, status=503)
    rep = notify("main", [RED], cfg(), sleep=lambda _s: None)
    assert rep.failed == 1 and rep.delivered_keys == []
    assert "after 3 attempts" in rep.errors[0]


@responses.activate
def test_a_4xx_is_not_retried_and_the_secret_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=401)
    rep = notify("main", [RED], cfg(), sleep=lambda _s: None)
    assert len(responses.calls) == 1 and rep.failed == 1
    assert "s3cret" not in " ".join(rep.errors)


@responses.activate
def test_amber_threshold_and_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SVC_HOOK_SECRET", raising=False)
    rep = notify("main", [AMBER], cfg(min_severity="amber"), sleep=lambda _s: None)
    assert rep.failed == 1 and "SVC_HOOK_SECRET is not set" in rep.errors[0]
    assert len(responses.calls) == 0


@responses.activate
def test_a_cycle_notifies_new_red_findings_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from datetime import UTC, datetime

    from jobs_fakes import FakeClient
    from pydantic import SecretStr

    from connector.settings import ConnectionSettings
    from jobs.cycle import Tenant, run_cycle
    from jobs.state import open_store
    from service.model import ErpRef, Finding, Severity

    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=200)
    red = Finding(
        key="orders.late:sale.order:1",
        rule="orders.late",
        severity=Severity.critical,
        subject=ErpRef(tenant="n", model="sale.order", id=1, name="S1"),
        message="S1 is late.",
        detected_at=datetime(2026, 11, 22, tzinfo=UTC),
    )
    tenant = Tenant(
        name="n",
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069", database="n", login="bot", api_key=SecretStr("k")
        ),
        rules=lambda _s, _n: [red],
        notify=cfg(),
        client_factory=lambda _s: FakeClient(),  # type: ignore[arg-type,return-value]
    )
    store = open_store(f"sqlite:///{tmp_path}/n.db")
    first = run_cycle(tenant, store)
    assert first.notified == 1, first.errors
    second = run_cycle(tenant, store)
    assert second.notified == 0 and len(responses.calls) == 1
    store.close()
