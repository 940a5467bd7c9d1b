"""Webhooks: signed JSON, timeouts, retries — against ``responses``."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import requests
import responses

from jobs.config import NotifyConfig, Webhook
from jobs.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, deliver, notify, verify
from jobs.state import Store

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
def test_red_findings_are_posted_signed_over_timestamp_and_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=204)
    rep = notify("main", [RED, AMBER], cfg(), sleep=lambda _s: None, clock=lambda: 1_800_000_000)
    assert (rep.sent, rep.failed) == (1, 0)
    (call,) = responses.calls
    body = call.request.body
    assert isinstance(body, bytes)
    assert json.loads(body)["findings"] == [RED]
    stamp = call.request.headers[TIMESTAMP_HEADER]
    assert stamp == "1800000000"
    expected = "sha256=" + hmac.new(b"s3cret", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert call.request.headers[SIGNATURE_HEADER] == expected
    assert verify("s3cret", stamp, body, expected, now=1_800_000_060)
    # A replay with a new timestamp, an old one, or another body does not verify.
    assert not verify("s3cret", "1800000999", body, expected, now=1_800_001_000)
    assert not verify("s3cret", stamp, body, expected, now=1_800_000_000 + 301)
    assert not verify("s3cret", stamp, body + b" ", expected, now=1_800_000_060)
    assert not verify("s3cret", "soon", body, expected)
    assert rep.delivered_keys == sorted([RED["key"], AMBER["key"]])
    # The timeout reaches requests on every call.
    assert call.request.req_kwargs["timeout"] == 2


def test_a_webhook_without_a_secret_is_refused_unless_unsigned() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"has no secret.*unsigned = true"):
        Webhook(url=URL)
    with pytest.raises(ValidationError, match="contradict"):
        Webhook(url=URL, secret_env="SVC_HOOK_SECRET", unsigned=True)
    with pytest.raises(ValidationError, match="name of an environment variable"):
        Webhook(url=URL, secret_env="s3cret value")
    assert Webhook(url=URL, unsigned=True).secret_env is None


@responses.activate
def test_an_unsigned_webhook_gets_no_signature_header() -> None:
    responses.post(URL, status=200)
    hooks = NotifyConfig(webhooks=[Webhook(url=URL, unsigned=True)], timeout_seconds=3)
    rep = notify("main", [RED], hooks, sleep=lambda _s: None)
    assert rep.sent == 1
    (call,) = responses.calls
    assert SIGNATURE_HEADER not in call.request.headers
    assert TIMESTAMP_HEADER in call.request.headers


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
    assert rep.sent == 1 and len(responses.calls) == 3 and slept == [0.5, 1.0]
    assert all(c.request.req_kwargs["timeout"] == 2 for c in responses.calls)

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
def test_retries_are_bounded_and_retry_after_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    responses.post(URL, status=429, headers={"Retry-After": "3600"})
    slept: list[float] = []
    hooks = NotifyConfig(
        webhooks=[Webhook(url=URL, secret_env="SVC_HOOK_SECRET")], timeout_seconds=1, retries=10
    )
    rep = notify("main", [RED], hooks, sleep=slept.append)
    assert rep.failed == 1 and len(responses.calls) == 11  # 1 + retries, never more
    assert slept == [30.0] * 10


OTHER = "https://other.example.com/svc"


def _open(store: Store, *findings: dict[str, str]) -> None:
    payloads = [
        {
            **f,
            "rule": f["key"].split(":")[0],
            "subject": {"tenant": "main", "model": "sale.order", "id": int(f["key"][-1])},
            "detected_at": "2026-11-22T12:00:00+00:00",
        }
        for f in findings
    ]
    store.save_findings("main", payloads, {})


@responses.activate
def test_one_failing_webhook_does_not_resend_to_the_others(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    """Delivery is kept per (webhook, finding): the failing webhook gets the finding again on
    the next cycle, the one that accepted it does not; delivered everywhere, it is done."""
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    two = NotifyConfig(
        webhooks=[
            Webhook(url=URL, secret_env="SVC_HOOK_SECRET"),
            Webhook(url=OTHER, secret_env="SVC_HOOK_SECRET"),
        ],
        timeout_seconds=2,
        retries=0,
    )
    _open(store, RED)
    ok = responses.post(URL, status=200)
    down = responses.post(OTHER, status=503)
    first = deliver("main", store, two, sleep=lambda _s: None)
    assert (first.sent, first.failed, first.delivered_keys) == (1, 1, [])
    assert (ok.call_count, down.call_count) == (1, 1)
    assert [f["key"] for f in store.unnotified("main")] == [RED["key"]]

    second = deliver("main", store, two, sleep=lambda _s: None)  # still down: only OTHER tried
    assert (ok.call_count, down.call_count) == (1, 2) and second.delivered_keys == []

    responses.replace(responses.POST, OTHER, status=200)
    third = deliver("main", store, two, sleep=lambda _s: None)
    assert third.delivered_keys == [RED["key"]]
    assert ok.call_count == 1 and len(responses.calls) == 4
    assert store.unnotified("main") == []
    assert store.get_cursor("main", "@notify") == {"v": 1, "sent": {}}

    # A new finding goes to both; nothing is sent twice.
    _open(store, RED, {**RED, "key": "orders.late:sale.order:3"})
    deliver("main", store, two, sleep=lambda _s: None)
    bodies = [json.loads(c.request.body)["findings"] for c in responses.calls[4:]]
    assert [[f["key"] for f in b] for b in bodies] == [["orders.late:sale.order:3"]] * 2


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
