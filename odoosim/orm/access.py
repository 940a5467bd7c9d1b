"""Access rights: model ACLs per user, field limits on writes, and a few record rules.

``admin`` (uid 2) and the superuser (uid 1) may do everything.  ``svcsync-bot`` gets the least
privilege of issue 2 item 3 (``BOT_PROFILE``).  Tests can withdraw or grant single rights with
``Database.set_access(login, model, op, allowed)`` to provoke "missing right" errors.
Messages use Odoo 16/17's wording (``ir.model.access.check``, record-rule errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from odoosim.exceptions import AccessError

if TYPE_CHECKING:
    from odoosim.orm.database import Database
    from odoosim.orm.env import Env

OPERATIONS = ("read", "write", "create", "unlink")

_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}

_READ_ONLY = (
    "res.partner",
    "res.users",
    "res.company",
    "res.currency",
    "res.country",
    "sale.order",
    "sale.order.line",
    "account.move",
    "account.move.line",
    "account.journal",
    "account.account",
    "account.tax",
    "account.payment.term",
    "stock.picking",
    "stock.picking.type",
    "stock.move",
    "stock.location",
    "stock.warehouse",
    "stock.quant",
    "stock.warehouse.orderpoint",
    "product.product",
    "product.template",
    "product.category",
    "product.supplierinfo",
    "uom.uom",
    "repair.order",
    "repair.line",
    "helpdesk.ticket.team",
    "helpdesk.ticket.stage",
    "helpdesk.ticket.tag",
    "helpdesk.ticket.category",
    "project.project",
    "project.task.type",
    "project.tags",
    "mail.activity.type",
    "mail.message.subtype",
    "ir.model",
    "ir.module.module",
)
_READ_WRITE = (
    "helpdesk.ticket",
    "project.task",
    "purchase.order",
    "purchase.order.line",
    "mail.activity",
    "mail.message",
    "res.partner.category",
    "ir.model.data",
)
# Models the bot reads and may only *flag*: writes limited to the plugin's x_ fields (and the
# partner tags), so a bug in svcsync can never change amounts or states in the ERP.
_FLAG_ONLY = {
    "res.partner": ("category_id",),
    "sale.order": (),
    "account.move": (),
}


def bot_profile() -> dict[str, set[str]]:
    rights: dict[str, set[str]] = {m: {"read"} for m in _READ_ONLY}
    for m in _READ_WRITE:
        rights[m] = {"read", "write", "create"}
    for m in ("mail.activity", "ir.model.data", "purchase.order.line", "purchase.order"):
        rights[m].add("unlink")
    for m in _FLAG_ONLY:
        rights[m] = {"read", "write"}
    return rights


class Access:
    """ACLs of the non-admin users of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rights: dict[int, dict[str, set[str]]] = {}
        self.field_limits: dict[tuple[int, str], Callable[[str], bool]] = {}
        self.rules: dict[int, set[str]] = {}
        self.admins: set[int] = {1, 2}

    def grant_bot(self, uid: int) -> None:
        self.rights[uid] = bot_profile()
        for model, extra in _FLAG_ONLY.items():
            self.field_limits[(uid, model)] = _flag_fields(extra)
        self.rules[uid] = {"draft_purchase", "own_xmlids"}

    def set(self, uid: int, model: str, operation: str, allowed: bool) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}")
        if uid in self.admins and not allowed:
            self.admins.discard(uid)
            self.rights[uid] = {m: set(OPERATIONS) for m in self.db.models}
        ops = self.rights.setdefault(uid, {}).setdefault(model, set())
        if allowed:
            ops.add(operation)
            if operation == "write":
                self.field_limits.pop((uid, model), None)
        else:
            ops.discard(operation)

    def is_admin(self, env: Env) -> bool:
        return env.su or env.uid in self.admins

    def allowed(self, env: Env, model: str, operation: str) -> bool:
        if self.is_admin(env):
            return True
        return operation in self.rights.get(env.uid, {}).get(model, ())

    def check(self, env: Env, model: str, operation: str) -> None:
        if not self.allowed(env, model, operation):
            raise AccessError(self.message(model, operation))

    def message(self, model: str, operation: str) -> str:
        mdef = self.db.models.get(model)
        desc = mdef.description if mdef else model
        return (
            f"You are not allowed to {_VERBS[operation]} '{desc}' ({model}) records.\n\n"
            "This operation is allowed for the following groups:\n"
            "\t- Administration/Settings\n\n"
            "Contact your administrator to request access if necessary."
        )

    def check_write_fields(self, env: Env, model: str, fields: Iterable[str]) -> None:
        if self.is_admin(env):
            return
        limit = self.field_limits.get((env.uid, model))
        if limit is None:
            return
        refused = sorted(f for f in fields if not limit(f))
        if refused:
            mdef = self.db.models[model]
            raise AccessError(
                "You do not have enough rights to access the fields "
                f'"{",".join(refused)}" on {mdef.description} ({model}). '
                "Please contact your system administrator.\n\n"
                "(Operation: write)"
            )

    def check_rules(self, env: Env, model: str, operation: str, ids: list[int]) -> None:
        """Record rules of the non-admin users (checked before write/unlink, after create)."""
        if self.is_admin(env) or not ids:
            return
        rules = self.rules.get(env.uid, set())
        bad: list[int] = []
        rule_name = ""
        id_list = ",".join(map(str, ids))
        if model in ("purchase.order", "purchase.order.line") and "draft_purchase" in rules:
            rule_name = "Purchase: draft requests for quotation only"
            if model == "purchase.order":
                sql = f"SELECT id FROM purchase_order WHERE id IN ({id_list}) AND state != 'draft'"
            else:
                sql = (
                    "SELECT l.id FROM purchase_order_line l JOIN purchase_order o "
                    f"ON o.id = l.order_id WHERE l.id IN ({id_list}) AND o.state != 'draft'"
                )
            bad = [r[0] for r in self.db.conn.execute(sql)]
        elif model == "ir.model.data" and "own_xmlids" in rules and operation != "read":
            rule_name = "External identifiers: own entries only"
            bad = [
                r[0]
                for r in self.db.conn.execute(
                    f"SELECT id FROM ir_model_data WHERE id IN ({id_list}) "
                    f"AND COALESCE(create_uid, 0) != {int(env.uid)}"
                )
            ]
        if bad:
            mdef = self.db.models[model]
            names = self.db.names(model, bad)
            shown = ", ".join(f"{names[i] or mdef.name} (id={i})" for i in bad[:6])
            login = self.db.names("res.users", [env.uid])[env.uid]
            raise AccessError(
                f"Due to security restrictions, you are not allowed to {_VERBS[operation]} "
                f"'{mdef.description}' ({model}) records.\n\n"
                f"Records: {shown}\n"
                f"User: {login} (id={env.uid})\n\n"
                f"This restriction is due to the following rules:\n- {rule_name}\n\n"
                "Contact your administrator to request access if necessary."
            )


def _flag_fields(extra: tuple[str, ...]) -> Callable[[str], bool]:
    def allowed(fname: str) -> bool:
        return fname.startswith("x_") or fname in extra

    return allowed
