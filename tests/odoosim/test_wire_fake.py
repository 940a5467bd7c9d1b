"""A small in-memory stand-in for ``odoosim.orm.Database`` at the wire layer's seam (no tests here).

It keeps the wire tests about the wire (envelopes, error shapes, faults, routing) and fast; the
client tests (``test_clients_*``) run against the real ORM.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from odoosim import exceptions as oe
from odoosim.orm.model import REQUIRED

ADMIN_UID, BOT_UID = 2, 6
BOT_KEY = "odoosim-bot-0123456789abcdef"
ADMIN_KEY = "odoosim-admin-0123456789abcdef"


@dataclass
class Info:
    params: list[tuple[str, Any]]
    is_model: bool


class FakeDatabase:
    """res.partner only; enough semantics to produce every error class."""

    def __init__(self) -> None:
        self.partners: dict[int, dict[str, Any]] = {
            7: {"id": 7, "name": "Azure Interior", "ref": False},
            8: {"id": 8, "name": "Deco Addict", "ref": "DA"},
        }
        self.next_id = 9
        self.write_contexts: list[dict[str, Any]] = []

    def authenticate(self, login: str, password: str) -> int | bool:
        users = {("admin", "admin"): ADMIN_UID, ("svcsync-bot", BOT_KEY): BOT_UID}
        users[("admin", ADMIN_KEY)] = ADMIN_UID
        return users.get((login, password), False)

    def uid_for_api_key(self, key: str) -> int | None:
        return {BOT_KEY: BOT_UID, ADMIN_KEY: ADMIN_UID}.get(key)

    def check_credentials(self, uid: int, password: str) -> bool:
        return (uid, password) in {(ADMIN_UID, "admin"), (BOT_UID, BOT_KEY), (ADMIN_UID, ADMIN_KEY)}

    def has_model(self, model: str) -> bool:
        return model in ("res.partner", "res.users")

    def method_info(self, model: str, method: str) -> Info:
        required = REQUIRED
        table = {
            "search_read": Info(
                [("domain", None), ("fields", None), ("offset", 0), ("limit", None)], True
            ),
            "search": Info([("domain", required), ("offset", 0), ("limit", None)], True),
            "read": Info([("fields", None)], False),
            "create": Info([("vals_list", required)], True),
            "write": Info([("vals", required)], False),
            "unlink": Info([], False),
            "context_get": Info([], True),
            "fields_get": Info([("allfields", None), ("attributes", None)], True),
        }
        if method not in table:
            raise AttributeError(f"The method '{model}.{method}' does not exist")
        return table[method]

    def execute_kw(
        self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        if method.startswith("_"):
            raise oe.AccessError(
                f"Private methods (such as {model}.{method}) cannot be called remotely."
            )
        if model == "res.users" and method == "context_get":
            return {"lang": "en_US", "tz": "Europe/Brussels", "uid": uid}
        if model == "ir.model":
            return [{"id": 1, "name": "Contact"}] if method == "search_read" else 1
        if model != "res.partner":
            raise oe.UserError(f"Object {model} doesn't exist")
        if method == "search_read":
            domain = args[0] if args else kwargs.get("domain", [])
            rows = [row for row in self.partners.values() if _match(row, domain)]
            return sorted(rows, key=lambda row: row["id"])
        if method == "read":
            return [self.partners[i] for i in args[0] if i in self.partners]
        if method == "create":
            vals = args[0] if args else kwargs["vals_list"]
            rid = self.next_id
            self.next_id += 1
            self.partners[rid] = {"id": rid, "ref": False, **vals}
            return rid
        if method == "write":
            ids, vals = args[0], (args[1] if len(args) > 1 else kwargs["vals"])
            if uid != ADMIN_UID:
                raise oe.AccessError("You are not allowed to modify 'Contact' (res.partner).")
            missing = [i for i in ids if i not in self.partners]
            if missing:
                raise oe.MissingError(
                    "Record does not exist or has been deleted.\n"
                    f"(Record: res.partner({missing[0]},), User: {uid})"
                )
            if "name" in vals and not vals["name"]:
                raise oe.ValidationError("The name of a contact is required.")
            self.write_contexts.append(dict(kwargs.get("context") or {}))
            for i in ids:
                self.partners[i].update(vals)
            return True
        if method == "unlink":
            for i in args[0]:
                self.partners.pop(i, None)
            return True
        if method == "fields_get":
            return {"name": {"type": "char", "string": "Name"}}
        if method == "nothing":
            return None
        raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")


def _match(row: dict[str, Any], domain: list[Any]) -> bool:
    for field, op, value in domain:
        if op == "=" and row.get(field) != value:
            return False
        if op == "ilike" and str(value).lower() not in str(row.get(field) or "").lower():
            return False
    return True


class ClockedFakeDatabase(FakeDatabase):
    """The fake with the ORM's late-commit hook: ``clock`` and a re-entrant ``transaction``."""

    def __init__(self) -> None:
        super().__init__()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime(2026, 11, 22, 12, 0, 0)
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            yield

    def execute_kw(
        self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        with self.transaction():
            result = super().execute_kw(uid, model, method, args, kwargs)
            if method in ("create", "write") and model == "res.partner":
                ids = [result] if method == "create" else args[0]
                stamp = self.clock().strftime("%Y-%m-%d %H:%M:%S")
                for rid in ids:
                    self.partners[rid]["write_date"] = stamp
            return result
