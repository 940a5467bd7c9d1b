"""What one Odoo server offers svcsync, discovered at connect time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TicketFlavour = Literal["oca", "enterprise", "project"]

# The rights svcsync's push needs beyond reading what it streams (issue 2's bot user profile).
PUSH_RIGHTS: dict[str, tuple[str, ...]] = {
    "helpdesk.ticket": ("read", "create", "write"),
    "project.task": ("read", "create", "write"),
    "purchase.order": ("read", "create", "write"),
    "purchase.order.line": ("read", "create", "write"),
    "mail.activity": ("read", "create", "write"),
    "res.partner.category": ("read", "create"),
    "ir.model.data": ("read", "create"),
}


@dataclass(frozen=True)
class Capabilities:
    """Server version, apps, fields per model, ticket target and the bot user's rights."""

    server_version: str  # "17.0", "saas~17.2"
    version_major: int  # 17
    protocol: str  # the protocol actually used
    uid: int | None
    apps: frozenset[str] | None  # installed modules, None if the user cannot list them
    fields: Mapping[str, Mapping[str, Mapping[str, Any]]]  # model -> field -> fields_get meta
    missing_models: frozenset[str] = frozenset()
    ticket_model: str | None = None  # "helpdesk.ticket" or "project.task"
    ticket_flavour: TicketFlavour | None = None
    repair: bool = False
    rights: Mapping[tuple[str, str], bool] = field(default_factory=dict)

    def has_model(self, model: str) -> bool:
        return model in self.fields

    def has_field(self, model: str, name: str) -> bool:
        return name in self.fields.get(model, {})

    def can(self, model: str, operation: str) -> bool | None:
        """Whether the user holds ``operation`` on ``model`` (``None``: not checked)."""
        return self.rights.get((model, operation))

    def missing_rights(self) -> list[tuple[str, str]]:
        return sorted(key for key, ok in self.rights.items() if not ok)

    @property
    def list_tag(self) -> str:
        """The list-view tag of this version: ``tree`` up to 17, ``list`` from 18."""
        return "tree" if self.version_major <= 17 else "list"

    @property
    def plugin_installed(self) -> bool:
        return self.has_field("res.partner", "x_svc_flag")

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (for ``svcsync check``)."""
        return {
            "server_version": self.server_version,
            "protocol": self.protocol,
            "uid": self.uid,
            "apps": sorted(self.apps) if self.apps is not None else None,
            "models": sorted(self.fields),
            "missing_models": sorted(self.missing_models),
            "ticket_model": self.ticket_model,
            "ticket_flavour": self.ticket_flavour,
            "repair": self.repair,
            "missing_rights": [f"{m}:{op}" for m, op in self.missing_rights()],
            "plugin_installed": self.plugin_installed,
        }
