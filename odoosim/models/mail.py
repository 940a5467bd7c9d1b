"""``mail``: chatter messages, subtypes, activities and activity types."""

from __future__ import annotations

from typing import Any

from odoosim.exceptions import AccessError, UserError
from odoosim.orm.env import Env
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
    Selection,
    Text,
)
from odoosim.orm.methods import post_message
from odoosim.orm.model import ModelDef, ModelMethod, RegistryBuilder


def _activity_state(a: str) -> str:
    return (
        f"CASE WHEN {a}.date_deadline < date('now') THEN 'overdue' "
        f"WHEN {a}.date_deadline = date('now') THEN 'today' ELSE 'planned' END"
    )


def _activity_create(env: Env, vals: dict[str, Any]) -> None:
    db = env.db
    if vals.get("res_model_id"):
        row = db.conn.execute(
            "SELECT model FROM ir_model WHERE id = ?", [vals["res_model_id"]]
        ).fetchone()
        if row is None:
            raise UserError(f"Model with id {vals['res_model_id']} does not exist")
        vals["res_model"] = row[0]
    elif vals.get("res_model"):
        row = db.conn.execute(
            "SELECT id FROM ir_model WHERE model = ?", [vals["res_model"]]
        ).fetchone()
        vals["res_model_id"] = row[0] if row else False
    target = vals.get("res_model")
    if target and vals.get("res_id"):
        if target not in db.models:
            raise UserError(f"Object {target} doesn't exist")
        if not db.exists(target, [int(vals["res_id"])]):
            raise UserError(
                f"The document {target},{vals['res_id']} this activity is linked to does not exist"
            )
        # Odoo checks write access on the document an activity is scheduled on.
        if not (db.access.allowed(env, target, "write") or env.su):
            raise AccessError(db.access.message(target, "write"))
    if not vals.get("summary") and vals.get("activity_type_id"):
        row = db.conn.execute(
            "SELECT summary FROM mail_activity_type WHERE id = ?", [vals["activity_type_id"]]
        ).fetchone()
        if row and row[0]:
            vals["summary"] = row[0]


def _action_done(env: Env, model: str, ids: list[int], feedback: Any = False) -> Any:
    """Mark activities done: post "<type> done" on the document, then remove the activity."""
    db = env.db
    db.access.check(env, model, "write")
    db.ensure_exist(env, db.models[model], ids)
    message_ids: list[int] = []
    for aid, res_model, res_id, summary, type_name, keep in db.conn.execute(
        "SELECT a.id, a.res_model, a.res_id, a.summary, t.name, "
        + ("COALESCE(t.keep_done, 0)" if env.version >= 17 else "0")
        + " FROM mail_activity a LEFT JOIN mail_activity_type t ON t.id = a.activity_type_id "
        f"WHERE a.id IN ({','.join(map(str, ids))})"
    ).fetchall():
        if res_model in db.models and db.exists(res_model, [res_id]):
            body = f"{type_name or 'Activity'} done" + (f": {summary}" if summary else "")
            if feedback:
                body += f"\n{feedback}"
            posted = post_message(env.sudo(), res_model, [res_id], {"body": body})
            message_ids.append(posted[0] if isinstance(posted, list) else posted)
        if keep:
            db.write(
                env.sudo(), "mail.activity", [aid], {"active": False, "date_done": db.now()[:10]}
            )
        else:
            db.unlink(env.sudo(), "mail.activity", [aid])
    return message_ids[0] if message_ids else False


def define(reg: RegistryBuilder) -> None:
    v = reg.v
    reg.models["res.partner"].mail_thread = True
    reg.model(
        ModelDef(
            "mail.message.subtype",
            "Message subtypes",
            {
                "name": Char("Message Type", required=True),
                "description": Text("Description"),
                "internal": Boolean("Internal Only"),
                "res_model": Char("Model"),
                "default": Boolean("Default", default=True),
                "sequence": Integer("Sequence", default=1),
                "hidden": Boolean("Hidden"),
            },
            order="sequence, id",
        )
    )
    reg.model(
        ModelDef(
            "mail.message",
            "Message",
            {
                "subject": Char("Subject"),
                "date": Datetime("Date", default=lambda env: env.db.now()),
                "body": Html("Contents", default=""),
                "model": Char("Related Document Model", index=True),
                "res_id": Field("many2one_reference", "Related Document ID", index=True),
                "record_name": Char("Message Record Name"),
                "message_type": Selection(
                    [
                        ("email", "Email"),
                        ("comment", "Comment"),
                        ("notification", "System notification"),
                        ("auto_comment", "Automated Targeted Notification"),
                        ("user_notification", "User Specific Notification"),
                    ],
                    "Type",
                    required=True,
                    default="email",
                ),
                "subtype_id": Many2one("mail.message.subtype", "Subtype", ondelete="set null"),
                "author_id": Many2one("res.partner", "Author", ondelete="set null"),
                "email_from": Char("From"),
                "partner_ids": Many2many(
                    "res.partner",
                    "mail_message_res_partner_rel",
                    "mail_message_id",
                    "res_partner_id",
                    "Recipients",
                ),
                "parent_id": Many2one("mail.message", "Parent Message", ondelete="set null"),
            },
            order="id desc",
            display_sql=lambda a: f"COALESCE({a}.subject, {a}.record_name, '')",
        )
    )
    type_fields: dict[str, Field] = {
        "name": Char("Name", required=True),
        "summary": Char("Default Summary"),
        "sequence": Integer("Sequence", default=10),
        "active": Boolean("Active", default=True),
        "delay_count": Integer("Schedule", default=0),
        "delay_unit": Selection(
            [("days", "days"), ("weeks", "weeks"), ("months", "months")], default="days"
        ),
        "icon": Char("Icon"),
        "category": Selection(
            [("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")],
            "Action",
            default="default",
        ),
        "res_model": Char("Model"),
        "decoration_type": Selection([("warning", "Alert"), ("danger", "Error")]),
        "default_note": Html("Default Note"),
        "default_user_id": Many2one("res.users", "Default User"),
    }
    if v >= 17:
        type_fields["keep_done"] = Boolean("Keep Done", default=False)
    reg.model(ModelDef("mail.activity.type", "Activity Type", type_fields, order="sequence, id"))
    activity_fields: dict[str, Field] = {
        "res_model_id": Many2one(
            "ir.model", "Document Model", index=True, ondelete="cascade", required=v <= 17
        ),
        "res_model": Char("Related Document Model", index=True, readonly=True),
        "res_id": Field("many2one_reference", "Related Document ID", index=True),
        "res_name": Char(
            "Document Name",
            sql=lambda a: f"CAST({a}.res_model AS TEXT) || ',' || {a}.res_id",
        ),
        "activity_type_id": Many2one("mail.activity.type", "Activity Type", ondelete="restrict"),
        "activity_category": Char("Action", related="activity_type_id.category"),
        "icon": Char("Icon", related="activity_type_id.icon"),
        "summary": Char("Summary"),
        "note": Html("Note"),
        "date_deadline": Date(
            "Due Date", required=True, index=True, default=lambda env: env.db.now()[:10]
        ),
        "automated": Boolean("Automated activity"),
        "user_id": Many2one("res.users", "Assigned to", default=lambda env: env.uid, index=True),
        "request_partner_id": Many2one("res.partner", "Requesting Partner"),
        "state": Selection(
            [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")],
            "State",
            sql=_activity_state,
            nosearch=True,
        ),
    }
    if v >= 17:
        activity_fields["active"] = Boolean("Active", default=True)
        activity_fields["date_done"] = Date("Done Date")
    reg.model(
        ModelDef(
            "mail.activity",
            "Activity",
            activity_fields,
            order="date_deadline ASC, id ASC",
            rec_name="summary",
            display_sql=lambda a: (
                f"COALESCE({a}.summary, (SELECT t.name FROM mail_activity_type t "
                f"WHERE t.id = {a}.activity_type_id))"
            ),
            name_depends=("mail.activity.type",),
            on_create=_activity_create,
            methods={
                "action_feedback": ModelMethod(
                    _feedback, [("feedback", False), ("attachment_ids", None)], access="write"
                ),
                "action_done": ModelMethod(_action_done, [], access="write"),
            },
        )
    )


def _feedback(
    env: Env, model: str, ids: list[int], feedback: Any = False, attachment_ids: Any = None
) -> Any:
    return _action_done(env, model, ids, feedback)


def add_threads(reg: RegistryBuilder) -> None:
    """Chatter fields on every ``mail.thread`` model (needs the model's name in the SQL)."""
    for mdef in reg.models.values():
        if not mdef.mail_thread:
            continue
        name = mdef.name.replace("'", "")
        mdef.fields["message_ids"] = Many2many(
            "mail.message",
            string="Messages",
            pairs=(
                f"SELECT res_id AS owner, id AS target FROM mail_message WHERE model = '{name}'"
            ),
        )
        act_filter = " AND active = 1" if reg.v >= 17 else ""
        mdef.fields["activity_ids"] = Many2many(
            "mail.activity",
            string="Activities",
            pairs=(
                "SELECT res_id AS owner, id AS target FROM mail_activity "
                f"WHERE res_model = '{name}'{act_filter}"
            ),
        )
        mdef.fields["activity_state"] = Selection(
            [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")],
            "Activity State",
            sql=lambda a, n=name: (
                "(SELECT CASE WHEN MIN(x.date_deadline) < date('now') THEN 'overdue' "
                "WHEN MIN(x.date_deadline) = date('now') THEN 'today' "
                "WHEN MIN(x.date_deadline) IS NULL THEN NULL ELSE 'planned' END "
                f"FROM mail_activity x WHERE x.res_model = '{n}' AND x.res_id = {a}.id)"
            ),
            nosearch=True,
        )
