"""Service actions → Odoo values (the push direction). Pure: ids of Odoo things come in as
arguments (team, project, activity type, tag, model ids), never looked up here.

- ``Ticket`` → ``helpdesk.ticket`` (OCA ``helpdesk_mgmt`` or Enterprise ``helpdesk``) or
  ``project.task`` (fallback).
- ``ReorderRequest`` → a ``purchase.order.line`` on a **draft** RFQ per vendor; the order's
  ``origin`` names the findings so a buyer sees why it exists.
- ``QualityFlag`` → ``x_svc_flag`` / ``x_svc_reason`` values, a ``mail.activity``, a partner tag
  command.
Evidence is rendered as safe HTML (every value escaped) in plain words.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from service.model import FlagLevel, QualityFlag, ReorderRequest, Ticket


class TicketTarget(StrEnum):
    helpdesk_oca = "helpdesk_oca"  # helpdesk.ticket with helpdesk.ticket.team (OCA helpdesk_mgmt)
    helpdesk_enterprise = "helpdesk_enterprise"  # helpdesk.ticket with helpdesk.team
    project_task = "project_task"
    activity = "activity"  # no ticket app: activities only


TICKET_MODEL = {
    TicketTarget.helpdesk_oca: "helpdesk.ticket",
    TicketTarget.helpdesk_enterprise: "helpdesk.ticket",
    TicketTarget.project_task: "project.task",
}

_EVIDENCE_LABELS = {
    "money": "Money at stake",
}


def _label(key: str) -> str:
    return _EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if value is None:
        return "—"
    return str(value)


def evidence_html(sentence: str, evidence: Mapping[str, Any], footer: str | None = None) -> str:
    """A plain-words paragraph and the numbers as a list; every piece of text escaped."""
    parts = [f"<p>{html.escape(sentence)}</p>"]
    if evidence:
        items = "".join(
            f"<li>{html.escape(_label(k))}: {html.escape(_fmt(v))}</li>"
            for k, v in evidence.items()
        )
        parts.append(f"<ul>{items}</ul>")
    if footer:
        parts.append(f"<p><small>{html.escape(footer)}</small></p>")
    return "".join(parts)


def ticket_values(
    ticket: Ticket,
    target: TicketTarget,
    *,
    team_id: int | None = None,
    project_id: int | None = None,
    company_id: int | None = None,
) -> dict[str, Any]:
    """Values for creating the ticket in ``target``'s model."""
    description = evidence_html(
        ticket.description, ticket.evidence, footer=f"svcsync finding {ticket.finding_key}"
    )
    partner_id = ticket.customer.id if ticket.customer else False
    if target in (TicketTarget.helpdesk_oca, TicketTarget.helpdesk_enterprise):
        vals: dict[str, Any] = {
            "name": ticket.title,
            "description": description,
            "partner_id": partner_id,
            "priority": str(max(0, min(3, ticket.priority))),
        }
        if team_id:
            vals["team_id"] = team_id
        if company_id and target is TicketTarget.helpdesk_oca:
            vals["company_id"] = company_id
        return vals
    if target is TicketTarget.project_task:
        if not project_id:
            raise ValueError("a project.task ticket needs the configured project's id")
        return {
            "name": ticket.title,
            "description": description,
            "partner_id": partner_id,
            "project_id": project_id,
            # project.task has only '0' (normal) and '1' (high)
            "priority": "1" if ticket.priority >= 2 else "0",
        }
    raise ValueError(f"no ticket model for target {target}")


def resolution_note_html(finding_key: str, sentence: str) -> str:
    return evidence_html(f"Resolved: {sentence}", {}, footer=f"svcsync finding {finding_key}")


def purchase_line_values(req: ReorderRequest, *, date_planned: str | None = None) -> dict[str, Any]:
    """One ``purchase.order.line`` (the unit of measure defaults from the product)."""
    vals: dict[str, Any] = {
        "product_id": req.product.id,
        "product_qty": req.quantity,
        "price_unit": req.price_unit,
        "name": f"{req.product.name} — {req.reason}" if req.product.name else req.reason,
    }
    if date_planned:
        vals["date_planned"] = date_planned
    return vals


def rfq_values(
    vendor_id: int, requests: Sequence[ReorderRequest], *, origin_prefix: str = "svcsync"
) -> dict[str, Any]:
    """A draft RFQ with its lines in one create (``state`` left to its default, ``draft``)."""
    if not requests:
        raise ValueError("an RFQ needs at least one reorder request")
    return {
        "partner_id": vendor_id,
        "origin": rfq_origin(requests, origin_prefix),
        "order_line": [[0, 0, purchase_line_values(r)] for r in requests],
    }


def rfq_origin(requests: Sequence[ReorderRequest], prefix: str = "svcsync") -> str:
    """``origin`` names the findings (Char field; kept short for the list view)."""
    keys = sorted({r.finding_key for r in requests})
    text = f"{prefix}: " + ", ".join(keys)
    return text if len(text) <= 240 else text[:237] + "..."


FLAG_FIELD = "x_svc_flag"
REASON_FIELD = "x_svc_reason"


def flag_values(flag: QualityFlag) -> dict[str, Any]:
    """The ERP plugin's manual fields on res.partner / sale.order / account.move."""
    reason = "; ".join(flag.reasons) if flag.level is not FlagLevel.green else False
    return {FLAG_FIELD: flag.level.value, REASON_FIELD: reason}


def activity_values(
    *,
    res_model_id: int,
    res_id: int,
    activity_type_id: int,
    summary: str,
    sentence: str,
    evidence: Mapping[str, Any],
    deadline: date,
    user_id: int | None = None,
) -> dict[str, Any]:
    """A ``mail.activity`` (``res_model_id`` must be the ir.model id: ``res_model`` is read-only)."""
    vals: dict[str, Any] = {
        "res_model_id": res_model_id,
        "res_id": res_id,
        "activity_type_id": activity_type_id,
        "summary": summary[:120],
        "note": evidence_html(sentence, evidence),
        "date_deadline": deadline.isoformat(),
    }
    if user_id:
        vals["user_id"] = user_id
    return vals


def partner_tag_command(tag_id: int, at_risk: bool) -> list[list[int]]:
    """``category_id`` command: link the "Service: at risk" tag, or unlink it (never delete)."""
    return [[4, tag_id, 0]] if at_risk else [[3, tag_id, 0]]
