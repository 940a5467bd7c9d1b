"""Webhooks: new red (or amber) findings as JSON, signed with HMAC-SHA256.

The body is ``{"tenant", "findings": [...]}`` (compact JSON, keys sorted).  The header
``X-Svcsync-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes under the secret
read from the environment variable ``secret_env`` names, and ``X-Svcsync-Timestamp`` lets the
receiver refuse replays.  Each POST has a timeout; 5xx, 429 and network errors are retried with
backoff; other 4xx are not (the receiver refused the request).  Secrets never reach a message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from jobs.config import NotifyConfig, Webhook

SIGNATURE_HEADER = "X-Svcsync-Signature"
TIMESTAMP_HEADER = "X-Svcsync-Timestamp"

_LEVEL = {"critical": 2, "warning": 1, "info": 0}
_MIN = {"red": 2, "amber": 1}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class NotifyReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    delivered_keys: list[str] = field(default_factory=list)


def _secret(hook: Webhook) -> str | None:
    if hook.secret_env is None:
        return None
    value = os.environ.get(hook.secret_env)
    if not value:
        raise ValueError(
            f"[notify] webhook {hook.url}: environment variable {hook.secret_env} is not set"
        )
    return value


def notify(
    tenant: str,
    findings: Sequence[Mapping[str, Any]],
    cfg: NotifyConfig,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyReport:
    """POST new findings to every webhook whose ``min_severity`` they reach.

    A finding counts as delivered when every webhook that wanted it accepted it.
    """
    report = NotifyReport()
    http = session or requests.Session()
    undelivered: set[str] = set()
    for hook in cfg.webhooks:
        floor = _MIN[hook.min_severity]
        batch = [f for f in findings if _LEVEL.get(str(f.get("severity")), 0) >= floor]
        if not batch:
            continue
        keys = {str(f["key"]) for f in batch}
        body = json.dumps(
            {"tenant": tenant, "findings": list(batch)},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        ).encode()
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(int(time.time()))}
        try:
            secret = _secret(hook)
        except ValueError as exc:
            report.failed += 1
            report.errors.append(str(exc))
            undelivered |= keys
            continue
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        error = _post(http, hook.url, body, headers, cfg, sleep)
        if error is None:
            report.sent += 1
        else:
            report.failed += 1
            report.errors.append(error)
            undelivered |= keys
    report.delivered_keys = sorted(
        str(f["key"]) for f in findings if str(f["key"]) not in undelivered
    )
    return report


def _post(
    http: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    cfg: NotifyConfig,
    sleep: Callable[[float], None],
) -> str | None:
    last = ""
    for attempt in range(cfg.retries + 1):
        try:
            resp = http.post(url, data=body, headers=headers, timeout=cfg.timeout_seconds)
        except requests.RequestException as exc:
            last = f"webhook {url}: {type(exc).__name__}"
        else:
            if resp.status_code < 300:
                return None
            last = f"webhook {url}: HTTP {resp.status_code}"
            if resp.status_code < 500 and resp.status_code != 429:
                return last + " (not retried: the receiver refused the request)"
        if attempt < cfg.retries:
            sleep(min(30.0, 0.5 * 2**attempt))
    return last + f" after {cfg.retries + 1} attempts"
