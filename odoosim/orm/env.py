"""The environment of one call: which database, which user, which context."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from odoosim.orm.database import Database


@dataclass
class Env:
    """``(db, uid, context)``; ``su`` bypasses access rights (internal work, like ``sudo()``)."""

    db: Database
    uid: int
    context: dict[str, Any] = field(default_factory=dict)
    su: bool = False

    @property
    def version(self) -> int:
        return self.db.version_int

    def sudo(self) -> Env:
        return replace(self, su=True)

    def with_context(self, **kw: Any) -> Env:
        return replace(self, context={**self.context, **kw})

    @property
    def active_test(self) -> bool:
        return self.context.get("active_test", True) is not False
