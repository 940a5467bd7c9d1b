"""``helpdesk_mgmt`` (OCA): tickets with teams, stages, tags, categories."""

from __future__ import annotations

from typing import Any

from odoosim.models.common import next_name
from odoosim.orm.env import Env
from odoosim.orm.fields import (
    Boolean,
    Char,
    Datetime,
    Html,
    Integer,
    Many2many,
    Many2one,
    Selection,
)
from odoosim.orm.model import ModelDef, RegistryBuilder


def _ticket_create(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("number", "/") in ("/", False, None):
        vals["number"] = next_name(env, "helpdesk.ticket", "HT", field="number")
    if not vals.get("stage_id"):
        row = env.db.conn.execute(
            "SELECT id FROM helpdesk_ticket_stage WHERE active = 1 ORDER BY sequence, id LIMIT 1"
        ).fetchone()
        if row:
            vals["stage_id"] = row[0]
    if vals.get("partner_id"):
        row = env.db.conn.execute(
            "SELECT name, email FROM res_partner WHERE id = ?", [vals["partner_id"]]
        ).fetchone()
        if row:
            vals.setdefault("partner_name", row[0])
            vals.setdefault("partner_email", row[1])
    now = env.db.now()
    vals.setdefault("last_stage_update", now)
    if vals.get("user_id"):
        vals.setdefault("assigned_date", now)


def _ticket_write(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    if "stage_id" in vals:
        vals["last_stage_update"] = env.db.now()
        row = env.db.conn.execute(
            "SELECT closed FROM helpdesk_ticket_stage WHERE id = ?", [vals["stage_id"]]
        ).fetchone()
        if row and row[0]:
            vals["closed_date"] = env.db.now()
    if vals.get("user_id"):
        vals.setdefault("assigned_date", env.db.now())


def define(reg: RegistryBuilder) -> None:
    reg.model(
        ModelDef(
            "helpdesk.ticket.stage",
            "Helpdesk Ticket Stage",
            {
                "name": Char("Stage Name", required=True),
                "description": Html("Description"),
                "sequence": Integer("Sequence", default=1),
                "active": Boolean("Active", default=True),
                "unattended": Boolean("Unattended"),
                "closed": Boolean("Closed"),
                "fold": Boolean("Folded in Kanban"),
                "company_id": Many2one("res.company", "Company"),
            },
            app="helpdesk_mgmt",
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "helpdesk.ticket.team",
            "Helpdesk Ticket Team",
            {
                "name": Char("Name", required=True),
                "user_ids": Many2many(
                    "res.users",
                    "helpdesk_ticket_team_res_users_rel",
                    "helpdesk_ticket_team_id",
                    "res_users_id",
                    "Members",
                ),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company", default=1),
                "user_id": Many2one("res.users", "Team Leader"),
                "color": Integer("Color Index", default=0),
            },
            app="helpdesk_mgmt",
            order="name",
            mail_thread=True,
        )
    )
    reg.model(
        ModelDef(
            "helpdesk.ticket.tag",
            "Helpdesk Ticket Tag",
            {
                "name": Char("Name", required=True),
                "color": Integer("Color Index"),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company"),
            },
            app="helpdesk_mgmt",
            order="name",
        )
    )
    reg.model(
        ModelDef(
            "helpdesk.ticket.category",
            "Helpdesk Ticket Category",
            {
                "name": Char("Name", required=True),
                "active": Boolean("Active", default=True),
                "company_id": Many2one("res.company", "Company"),
            },
            app="helpdesk_mgmt",
            order="name",
        )
    )
    reg.model(
        ModelDef(
            "helpdesk.ticket.channel",
            "Helpdesk Ticket Channel",
            {"name": Char("Name", required=True), "active": Boolean("Active", default=True)},
            app="helpdesk_mgmt",
            order="name",
        )
    )
    reg.model(
        ModelDef(
            "helpdesk.ticket",
            "Helpdesk Ticket",
            {
                "number": Char("Ticket number", default="/", readonly=True, index=True),
                "name": Char("Title", required=True),
                "description": Html("Description", required=True),
                "user_id": Many2one("res.users", "Assigned user", index=True),
                "stage_id": Many2one(
                    "helpdesk.ticket.stage", "Stage", index=True, ondelete="restrict"
                ),
                "partner_id": Many2one("res.partner", "Contact"),
                "partner_name": Char("Partner Name"),
                "partner_email": Char("Email"),
                "last_stage_update": Datetime("Last Stage Update"),
                "assigned_date": Datetime("Assigned Date"),
                "closed_date": Datetime("Closed Date"),
                "closed": Boolean("Closed", related="stage_id.closed"),
                "unattended": Boolean("Unattended", related="stage_id.unattended"),
                "tag_ids": Many2many(
                    "helpdesk.ticket.tag",
                    "helpdesk_ticket_helpdesk_ticket_tag_rel",
                    "helpdesk_ticket_id",
                    "helpdesk_ticket_tag_id",
                    "Tags",
                ),
                "company_id": Many2one("res.company", "Company", required=True, default=1),
                "channel_id": Many2one("helpdesk.ticket.channel", "Channel"),
                "category_id": Many2one("helpdesk.ticket.category", "Category"),
                "team_id": Many2one("helpdesk.ticket.team", "Team", index=True),
                "priority": Selection(
                    [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")],
                    "Priority",
                    default="1",
                ),
                "color": Integer("Color Index"),
                "kanban_state": Selection(
                    [
                        ("normal", "Default"),
                        ("done", "Ready for next stage"),
                        ("blocked", "Blocked"),
                    ],
                    "Kanban State",
                    default="normal",
                ),
                "sequence": Integer("Sequence", default=10),
                "active": Boolean("Active", default=True),
            },
            app="helpdesk_mgmt",
            order="priority desc, sequence, number desc, id desc",
            rec_name="number",
            display_sql=lambda a: f"COALESCE({a}.number, '') || ' - ' || COALESCE({a}.name, '')",
            name_search_fields=("number", "name"),
            mail_thread=True,
            on_create=_ticket_create,
            on_write=_ticket_write,
        )
    )
