"""The outbox side of the findings -> actions table: keys, external ids, payloads, hashes.

What each finding asks for (tickets, activities, reorder requests, flags; reorder requests
de-duplicated per product; a flag's level the worst open finding about the record) is decided
once, by ``service.actions.plan``.  This module only adds what the outbox needs: a stable
action key per action (``ticket:<finding key>``, ``flag:<model>:<id>``...), the external id
name under module ``svcsync``, a short token written into what svcsync creates (so a crash can
be recovered by search), and a content hash so an unchanged payload is not re-written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.actions import (
    ACTIVITY,
    FLAG,
    REORDER,
    RULE_ACTIONS,
    RULE_TITLES,
    TICKET,
    Plan,
    actions_of,
    plan,
)
from service.model import ErpRef, FlagLevel, QualityFlag, ReorderRequest, stable_digest

__all__ = [
    "ACTIVITY",
    "FLAG",
    "REORDER",
    "RULE_ACTIONS",
    "RULE_TITLES",
    "TICKET",
    "Action",
    "Plan",
    "actions_of",
    "content_hash",
    "green_flags",
    "plan",
    "rfq_line_request",
    "summary",
    "token",
    "xml_name",
]

# mail.activity summaries are cut at 120 characters (mappings.outbound): the token must stay.
_SUMMARY_TITLE = 100


def content_hash(payload: Mapping[str, Any]) -> str:
    return stable_digest(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str))


def token(finding_key: str) -> str:
    """A short marker written into what svcsync creates, so a crash can be recovered by search."""
    return "svc-" + stable_digest(finding_key)[:12]


def xml_name(tenant: str, kind: str, key: str) -> str:
    """External id name under module ``svcsync`` (letters, digits, ``_.-`` only)."""
    return f"{kind}_{tenant}_{stable_digest(tenant, key)[:24]}"


def summary(title: str, finding_key: str) -> str:
    """An activity summary: the title, then the finding's token (kept within 120 chars)."""
    if len(title) > _SUMMARY_TITLE:
        title = title[: _SUMMARY_TITLE - 1] + "…"
    return f"{title} [{token(finding_key)}]"


def rfq_line_request(req: ReorderRequest) -> ReorderRequest:
    """The request as it goes on an RFQ line: its reason names the finding and ends with the
    token the push finds the line by."""
    return req.model_copy(
        update={
            "reason": f"{req.reason} (svcsync finding {req.finding_key}) [{token(req.finding_key)}]"
        }
    )


def green_flags(
    flags: Iterable[QualityFlag], previously_flagged: Iterable[str]
) -> list[QualityFlag]:
    """Green flags for records svcsync flagged before (``"model:id"``) that no open finding
    flags any more, so they go back to green in Odoo."""
    now = {(f.subject.model, f.subject.id) for f in flags}
    out = []
    for slot in sorted(set(previously_flagged)):
        model, _, rid = slot.partition(":")
        if (model, int(rid)) not in now:
            ref = ErpRef(tenant="", model=model, id=int(rid))
            out.append(QualityFlag(subject=ref, level=FlagLevel.green))
    return out


@dataclass(frozen=True)
class Action:
    """One thing the push makes true in Odoo; ``key`` is the outbox key."""

    key: str
    kind: str
    finding_key: str | None
    payload: dict[str, Any]

    @property
    def hash(self) -> str:
        return content_hash(self.payload)
