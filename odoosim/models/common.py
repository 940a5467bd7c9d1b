"""Helpers shared by the model definitions: sequences and state-changing actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from odoosim.exceptions import UserError
from odoosim.orm.env import Env
from odoosim.orm.model import ModelMethod


def next_name(env: Env, model: str, prefix: str, padding: int = 5, field: str = "name") -> str:
    """The next ``prefix + number`` not used yet (Odoo's ir.sequence, gap-free enough)."""
    db = env.db
    table = db.models[model].table
    row = db.conn.execute(
        f'SELECT MAX("{field}") FROM "{table}" WHERE "{field}" GLOB ? AND length("{field}") = ?',
        [prefix.replace("[", "[[]") + "[0-9]" * padding, len(prefix) + padding],
    ).fetchone()
    last = int(re.sub(r"\D", "", row[0][len(prefix) :]) or 0) if row and row[0] else 0
    return f"{prefix}{last + 1:0{padding}d}"


def state_action(
    target: dict[str, Any] | Callable[[Env, list[int]], dict[str, Any]],
    allowed_from: tuple[str, ...] | None = None,
    result: Callable[[Env], Any] = lambda env: True,
    error: str = "",
) -> ModelMethod:
    """A record method that moves records to a state (after checking where they are)."""

    def action(env: Env, model: str, ids: list[int]) -> Any:
        db = env.db
        db.access.check(env, model, "write")
        mdef = db.models[model]
        db.ensure_exist(env, mdef, ids)
        db.access.check_rules(env, model, "write", ids)
        if allowed_from is not None:
            bad = [
                r
                for r in db.conn.execute(
                    f'SELECT id, name, state FROM "{mdef.table}" WHERE id IN '
                    f"({','.join(map(str, ids))})"
                )
                if r[2] not in allowed_from
            ]
            if bad:
                raise UserError(
                    error.format(name=bad[0][1], state=bad[0][2])
                    or f"Only records in state {', '.join(allowed_from)} can do this."
                )
        vals = target(env, ids) if callable(target) else dict(target)
        db.write(env.sudo().with_context(), model, ids, vals)
        return result(env)

    return ModelMethod(action, [], access="write")
