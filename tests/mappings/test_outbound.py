"""Service actions → Odoo values: tickets for each target, RFQs, flags, activities, tags, and
evidence rendered as safe HTML."""

from __future__ import annotations

from datetime import date

import pytest

from mappings.outbound import (
    TICKET_MODEL,
    TicketTarget,
    activity_values,
    evidence_html,
    flag_values,
    partner_tag_command,
    rfq_origin,
    rfq_values,
    ticket_values,
)
from service.model import ErpRef, FlagLevel, QualityFlag, ReorderRequest, Ticket

CUSTOMER = ErpRef(tenant="t", model="res.partner", id=7, name="Azure <Interior> & Co")
INVOICE = ErpRef(tenant="t", model="account.move", id=50, name="INV/2026/00050")


def ticket(priority: int = 2, customer: ErpRef | None = CUSTOMER) -> Ticket:
    return Ticket(
        finding_key="billing.overdue:account.move:50",
        title="Overdue invoice: INV/2026/00050",
        description="Invoice INV/2026/00050 for Azure <Interior> & Co was due 40 days ago.",
        subject=INVOICE,
        customer=customer,
        priority=priority,
        evidence={"money": 1234.5, "days_overdue": 40, "note": "<script>alert(1)</script>"},
    )


def test_evidence_is_escaped_and_in_plain_words() -> None:
    out = evidence_html("a < b & c", {"money": 1234.5, "x": None, "tag": "<b>"}, footer="k<1>")
    assert "<script" not in out and "<b>" not in out
    assert "<p>a &lt; b &amp; c</p>" in out
    assert "<li>Money at stake: 1,234.50</li>" in out
    assert "<li>X: —</li>" in out and "<li>Tag: &lt;b&gt;</li>" in out
    assert "<small>k&lt;1&gt;</small>" in out


@pytest.mark.parametrize("target", [TicketTarget.helpdesk_oca, TicketTarget.helpdesk_enterprise])
def test_helpdesk_ticket_values_per_field_set(target: TicketTarget) -> None:
    vals = ticket_values(ticket(priority=5), target, team_id=3, company_id=1)
    assert TICKET_MODEL[target] == "helpdesk.ticket"
    assert vals["name"] == "Overdue invoice: INV/2026/00050"
    assert vals["partner_id"] == 7 and vals["team_id"] == 3
    assert vals["priority"] == "3"  # clamped to Odoo's '0'..'3'
    assert "&lt;script&gt;" in vals["description"] and "<script>" not in vals["description"]
    assert "svcsync finding billing.overdue:account.move:50" in vals["description"]
    # OCA helpdesk_mgmt tickets carry company_id; Enterprise derives it from the team.
    assert ("company_id" in vals) is (target is TicketTarget.helpdesk_oca)


def test_ticket_without_customer_or_team() -> None:
    vals = ticket_values(ticket(priority=-1, customer=None), TicketTarget.helpdesk_oca)
    assert vals["partner_id"] is False and "team_id" not in vals and vals["priority"] == "0"


def test_project_task_needs_a_project_and_has_two_priorities() -> None:
    vals = ticket_values(ticket(priority=2), TicketTarget.project_task, project_id=9)
    assert TICKET_MODEL[TicketTarget.project_task] == "project.task"
    assert vals["project_id"] == 9 and vals["priority"] == "1"
    assert ticket_values(ticket(priority=1), TicketTarget.project_task, project_id=9)[
        "priority"
    ] == ("0")
    with pytest.raises(ValueError, match="project"):
        ticket_values(ticket(), TicketTarget.project_task)
    with pytest.raises(ValueError, match="no ticket model"):
        ticket_values(ticket(), TicketTarget.activity)


def reorder(key: str, qty: float, name: str = "[PMP] Pump") -> ReorderRequest:
    return ReorderRequest(
        finding_key=key,
        product=ErpRef(tenant="t", model="product.product", id=11, name=name),
        vendor_id=20,
        quantity=qty,
        price_unit=7.5,
        reason="on hand 2 below reorder point 9",
    )


def test_rfq_is_a_draft_with_lines_and_an_origin_naming_the_findings() -> None:
    reqs = [reorder("inventory.reorder:product.product:11", 12), reorder("b:product:12", 5)]
    vals = rfq_values(20, reqs)
    assert vals["partner_id"] == 20 and "state" not in vals  # Odoo's default: draft
    assert vals["origin"] == "svcsync: b:product:12, inventory.reorder:product.product:11"
    assert [c[:2] for c in vals["order_line"]] == [[0, 0], [0, 0]]
    line = vals["order_line"][0][2]
    assert line == {
        "product_id": 11,
        "product_qty": 12,
        "price_unit": 7.5,
        "name": "[PMP] Pump — on hand 2 below reorder point 9",
    }
    with pytest.raises(ValueError):
        rfq_values(20, [])


def test_rfq_origin_stays_short() -> None:
    many = [reorder(f"inventory.reorder:product.product:{i:05d}", 1) for i in range(40)]
    origin = rfq_origin(many)
    assert len(origin) == 240 and origin.endswith("...")


def test_flag_values_and_green_clears_the_reason() -> None:
    red = QualityFlag(subject=CUSTOMER, level=FlagLevel.red, reasons=("late order", "overdue"))
    assert flag_values(red) == {"x_svc_flag": "red", "x_svc_reason": "late order; overdue"}
    green = QualityFlag(subject=CUSTOMER, level=FlagLevel.green, reasons=("old",))
    assert flag_values(green) == {"x_svc_flag": "green", "x_svc_reason": False}


def test_activity_values() -> None:
    vals = activity_values(
        res_model_id=80,
        res_id=7,
        activity_type_id=6,
        summary="S" * 200,
        sentence="Customer <x> at risk",
        evidence={"money": 10.0},
        deadline=date(2026, 11, 30),
        user_id=2,
    )
    assert vals["res_model_id"] == 80 and vals["res_id"] == 7 and vals["activity_type_id"] == 6
    assert len(vals["summary"]) == 120 and vals["date_deadline"] == "2026-11-30"
    assert vals["user_id"] == 2 and "&lt;x&gt;" in vals["note"]
    no_user = activity_values(
        res_model_id=80,
        res_id=7,
        activity_type_id=6,
        summary="s",
        sentence="s",
        evidence={},
        deadline=date(2026, 11, 30),
    )
    assert "user_id" not in no_user


def test_partner_tag_links_or_unlinks_never_deletes() -> None:
    assert partner_tag_command(5, True) == [[4, 5, 0]]
    assert partner_tag_command(5, False) == [[3, 5, 0]]
