"""Webhooks: new red (or amber) findings as JSON, signed with HMAC-SHA256 over time and body.

The body is ``{"tenant", "findings": [...]}`` (compact JSON, keys sorted).  Each POST carries

- ``X-Svcsync-Timestamp``: Unix seconds when it was signed, and
- ``X-Svcsync-Signature: sha256=<hex>``: HMAC-SHA256, under the secret read from the environment
  variable ``secret_env`` names, of ``f"{timestamp}.".encode() + body`` (the exact body bytes).

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body, compares it in
constant time, and refuses a timestamp more than a few minutes old (``verify`` does all three),
so a captured request cannot be replayed later with a new timestamp.  A webhook without a secret
is refused by the config unless it says ``unsigned = true``; then no signature header is sent.

Each POST is bounded by ``timeout_seconds``; 5xx, 429 and network errors are retried at most
``retries`` times with backoff (``Retry-After`` honoured, every wait at most 30 s); other 4xx are
not (the receiver refused the request).  Secrets and webhook URLs' paths never reach a message.

Delivery is remembered per (webhook, finding): ``deliver`` keeps, in the state store, which
webhooks already accepted a finding that not all of its webhooks have yet, so a failing webhook
gets the finding again on the next cycle and the others do not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from jobs.config import NotifyConfig, Webhook

SIGNATURE_HEADER = "X-Svcsync-Signature"
TIMESTAMP_HEADER = "X-Svcsync-Timestamp"
TOLERANCE_SECONDS = 300
MAX_WAIT_SECONDS = 30.0
# The state store's marker cursor holding the per-webhook deliveries still in flight.
STATE_MARKER = "@notify"

_LEVEL = {"critical": 2, "warning": 1, "info": 0}
_MIN = {"red": 2, "amber": 1}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``f"{timestamp}."`` + body)."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature (constant time) and a fresh timestamp."""
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        return False
    if abs(age) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def hook_id(hook: Webhook) -> str:
    """A stable name for a webhook in the state store (a digest: URLs often carry tokens)."""
    return hashlib.sha256(hook.url.encode()).hexdigest()[:16]


def _shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" + ("/…" if parts.path not in ("", "/") else "")


@dataclass
class NotifyReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    # Findings every webhook that wants them has now (in this call or before).
    delivered_keys: list[str] = field(default_factory=list)
    # Per webhook (``hook_id``): the findings it accepted in this call.
    accepted: dict[str, list[str]] = field(default_factory=dict)


def _secret(hook: Webhook) -> str | None:
    if hook.secret_env is None:
        return None
    value = os.environ.get(hook.secret_env)
    if not value:
        raise ValueError(
            f"[notify] webhook {_shown(hook.url)}: environment variable {hook.secret_env} "
            "is not set"
        )
    return value


def _wants(hook: Webhook, finding: Mapping[str, Any]) -> bool:
    return _LEVEL.get(str(finding.get("severity")), 0) >= _MIN[hook.min_severity]


def notify(
    tenant: str,
    findings: Sequence[Mapping[str, Any]],
    cfg: NotifyConfig,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    already: Mapping[str, Iterable[str]] | None = None,
    on_accepted: Callable[[str, list[str]], None] | None = None,
) -> NotifyReport:
    """POST the findings to every webhook whose ``min_severity`` they reach.

    ``already`` (``hook_id`` -> finding keys) names what a webhook accepted before: it is not
    sent again.  ``on_accepted(hook_id, keys)`` is called as soon as a webhook accepted a post.
    A finding counts as delivered when every webhook that wants it has it.
    """
    report = NotifyReport()
    http = session or requests.Session()
    had = {h: set(keys) for h, keys in (already or {}).items()}
    for hook in cfg.webhooks:
        hid = hook_id(hook)
        batch = [f for f in findings if _wants(hook, f) and str(f["key"]) not in had.get(hid, ())]
        if not batch:
            continue
        keys = [str(f["key"]) for f in batch]
        body = json.dumps(
            {"tenant": tenant, "findings": list(batch)},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        ).encode()
        try:
            secret = _secret(hook)
        except ValueError as exc:
            report.failed += 1
            report.errors.append(str(exc))
            continue
        error = _post(http, hook, body, secret, cfg, sleep, clock)
        if error is not None:
            report.failed += 1
            report.errors.append(error)
            continue
        report.sent += 1
        report.accepted[hid] = keys
        had.setdefault(hid, set()).update(keys)
        if on_accepted is not None:
            on_accepted(hid, keys)
    report.delivered_keys = sorted(
        str(f["key"])
        for f in findings
        if all(str(f["key"]) in had.get(hook_id(h), ()) for h in cfg.webhooks if _wants(h, f))
    )
    return report


def _post(
    http: requests.Session,
    hook: Webhook,
    body: bytes,
    secret: str | None,
    cfg: NotifyConfig,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> str | None:
    where = f"webhook {_shown(hook.url)}"
    last = ""
    for attempt in range(cfg.retries + 1):
        # Signed at each attempt: a retry after a long backoff still carries a fresh timestamp.
        timestamp = str(int(clock()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        wait = min(MAX_WAIT_SECONDS, 0.5 * 2**attempt)
        try:
            resp = http.post(hook.url, data=body, headers=headers, timeout=cfg.timeout_seconds)
        except requests.RequestException as exc:
            last = f"{where}: {type(exc).__name__}"
        else:
            if resp.status_code < 300:
                return None
            last = f"{where}: HTTP {resp.status_code}"
            if resp.status_code < 500 and resp.status_code != 429:
                return last + " (not retried: the receiver refused the request)"
            after = resp.headers.get("Retry-After", "")
            if after.isdigit():
                wait = min(MAX_WAIT_SECONDS, float(after))
        if attempt < cfg.retries:
            sleep(wait)
    return last + f" after {cfg.retries + 1} attempts"


class NotifyStore(Protocol):
    """The part of ``jobs.state.Store`` that ``deliver`` uses."""

    def unnotified(self, tenant: str) -> list[dict[str, Any]]: ...

    def mark_notified(self, tenant: str, keys: Iterable[str]) -> None: ...

    def get_cursor(self, tenant: str, stream: str) -> dict[str, Any] | None: ...

    def set_cursor(
        self, tenant: str, stream: str, state: Mapping[str, Any], *, lease: Any = None
    ) -> None: ...


def deliver(
    tenant: str,
    store: NotifyStore,
    cfg: NotifyConfig,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> NotifyReport:
    """Notify the open findings not yet delivered everywhere, remembering per webhook what it
    accepted, so a failing webhook never causes re-sends to the ones that already have it.

    The per-webhook keys live in the marker cursor ``@notify`` only while a finding is not
    delivered to all its webhooks; a finding delivered everywhere is ``mark_notified``.
    """
    fresh = store.unnotified(tenant)
    saved = store.get_cursor(tenant, STATE_MARKER) or {}
    open_keys = {str(f["key"]) for f in fresh}
    hooks = {hook_id(h) for h in cfg.webhooks}
    # Webhooks no longer configured and findings no longer waiting are forgotten.
    had: dict[str, set[str]] = {
        h: set(keys) & open_keys for h, keys in dict(saved.get("sent") or {}).items() if h in hooks
    }

    def save() -> None:
        sent = {h: sorted(keys) for h, keys in sorted(had.items()) if keys}
        store.set_cursor(tenant, STATE_MARKER, {"v": 1, "sent": sent})

    def accepted(hid: str, keys: list[str]) -> None:
        had.setdefault(hid, set()).update(keys)
        save()  # before the next webhook: a crash now re-sends to nobody who has it

    report = NotifyReport()
    if fresh:
        report = notify(
            tenant,
            fresh,
            cfg,
            session=session,
            sleep=sleep,
            clock=clock,
            already=had,
            on_accepted=accepted,
        )
        store.mark_notified(tenant, report.delivered_keys)
    done = set(report.delivered_keys)
    had = {h: keys - done for h, keys in had.items()}
    if had or saved.get("sent"):
        save()
    return report
