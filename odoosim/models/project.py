"""``project``: projects and tasks (the ticket fallback when no helpdesk is installed)."""

from __future__ import annotations

from odoosim.orm.fields import (
    Boolean,
    Char,
    Date,
    Datetime,
    Field,
    Html,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
)
from odoosim.orm.model import ModelDef, RegistryBuilder


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    reg.model(
        ModelDef(
            "project.tags",
            "Project Tags",
            {"name": Char("Name", required=True), "color": Integer("Color")},
            app="project",
            order="name",
        )
    )
    reg.model(
        ModelDef(
            "project.task.type",
            "Task Stage",
            {
                "name": Char("Name", required=True),
                "sequence": Integer("Sequence", default=1),
                "fold": Boolean("Folded in Kanban"),
                "active": Boolean("Active", default=True),
            },
            app="project",
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "project.project",
            "Project",
            {
                "name": Char("Name", required=True),
                "active": Boolean("Active", default=True),
                "sequence": Integer("Sequence", default=10),
                "partner_id": Many2one("res.partner", "Customer"),
                "company_id": Many2one("res.company", "Company", default=1),
                "user_id": Many2one("res.users", "Project Manager"),
                "task_ids": One2many("project.task", "project_id", "Tasks"),
                "description": Html("Description"),
            },
            app="project",
            order="sequence, name, id",
            mail_thread=True,
        )
    )
    task: dict[str, Field] = {
        "name": Char("Title", required=True, index=True),
        "description": Html("Description"),
        "active": Boolean("Active", default=True),
        "project_id": Many2one("project.project", "Project", index=True),
        "partner_id": Many2one("res.partner", "Customer"),
        "stage_id": Many2one("project.task.type", "Stage", index=True),
        "tag_ids": Many2many(
            "project.tags",
            "project_tags_project_task_rel",
            "project_task_id",
            "project_tags_id",
            "Tags",
        ),
        "user_ids": Many2many(
            "res.users", "project_task_user_rel", "task_id", "user_id", "Assignees"
        ),
        "priority": Selection([("0", "Low"), ("1", "High")], "Priority", default="0"),
        "date_deadline": Date("Deadline") if v <= 16 else Datetime("Deadline"),
        "date_assign": Datetime("Assigning Date"),
        "date_end": Datetime("Ending Date"),
        "sequence": Integer("Sequence", default=10),
        "company_id": Many2one("res.company", "Company", default=1),
        "parent_id": Many2one("project.task", "Parent Task"),
        "child_ids": One2many("project.task", "parent_id", "Sub-tasks"),
        "kanban_state": Selection(
            [("normal", "In Progress"), ("done", "Ready"), ("blocked", "Blocked")],
            default="normal",
        ),
    }
    if v >= 17:
        del task["kanban_state"]
        task["state"] = Selection(
            [
                ("01_in_progress", "In Progress"),
                ("02_changes_requested", "Changes Requested"),
                ("03_approved", "Approved"),
                ("1_done", "Done"),
                ("1_canceled", "Canceled"),
                ("04_waiting_normal", "Waiting"),
            ],
            "State",
            default="01_in_progress",
            required=True,
        )
    reg.model(
        ModelDef(
            "project.task",
            "Task",
            task,
            app="project",
            order="priority desc, sequence, id desc",
            mail_thread=True,
            parent_name="parent_id",
        )
    )
