"""A cycle with two webhooks: one failing re-sends only to itself (delivery per webhook)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from jobs_fakes import FakeClient
from pydantic import SecretStr

from connector.settings import ConnectionSettings
from jobs.config import NotifyConfig, Webhook
from jobs.cycle import Tenant, run_cycle
from jobs.state import Store
from service.model import ErpRef, Finding, Severity

A, B = "https://a.example.com/h", "https://b.example.com/h"


@responses.activate
def test_a_cycle_resends_only_to_the_webhook_that_failed(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    monkeypatch.setenv("SVC_HOOK_SECRET", "s3cret")
    red = Finding(
        key="orders.late:sale.order:1",
        rule="orders.late",
        severity=Severity.critical,
        subject=ErpRef(tenant="n", model="sale.order", id=1, name="S1"),
        message="S1 is late.",
        detected_at=datetime(2026, 11, 22, tzinfo=UTC),
    )
    hooks = NotifyConfig(
        webhooks=[
            Webhook(url=A, secret_env="SVC_HOOK_SECRET"),
            Webhook(url=B, secret_env="SVC_HOOK_SECRET"),
        ],
        retries=0,
    )
    tenant = Tenant(
        name="n",
        connection=ConnectionSettings(
            url="http://127.0.0.1:8069", database="n", login="bot", api_key=SecretStr("k")
        ),
        rules=lambda _s, _n: [red],
        notify=hooks,
        client_factory=lambda _s: FakeClient(),  # type: ignore[arg-type,return-value]
    )
    a = responses.post(A, status=200)
    b = responses.post(B, status=503)
    run_cycle(tenant, store)
    run_cycle(tenant, store)
    assert (a.call_count, b.call_count) == (1, 2)
    responses.replace(responses.POST, B, status=200)
    run_cycle(tenant, store)
    run_cycle(tenant, store)
    assert (a.call_count, len(responses.calls)) == (1, 4)
    assert store.unnotified("n") == []
