"""The in-ERP part of svcsync, installed and removed over RPC (DESIGN.md "The ERP plugin").

Works where custom modules cannot be installed (Odoo Online): everything is ordinary records
created as an admin through the RPC API —

* manual fields ``x_svc_flag`` (selection green/amber/red) and ``x_svc_reason`` (text) on
  ``res.partner``, ``sale.order`` and ``account.move``;
* inherited views: the flag as a badge on each form, a column in each list and a
  "Service risk" filter in each search view. The xpaths follow the server's version: the list
  root is ``<tree>`` up to 17 and ``<list>`` from 18, and conditions are ``attrs`` on 16 and
  inline expressions from 17 (``attrs`` raises there);
* a ``mail.activity.type`` "Service issue" and a partner tag "Service: at risk".

Every record is bound to an external id of module ``svcsync`` through ``OdooClient.ensure`` with
a recovery domain, so ``install`` is idempotent (also after a crash half-way) and ``uninstall``
removes exactly the records this plan names — never other ``svcsync`` external ids, such as
tickets the sync created. The recovery domain also adopts a same-named record that predates the
install (a tag called "Service: at risk", an ``x_svc_flag`` field made by hand): it is bound
rather than duplicated, and therefore removed by ``uninstall`` too.

A standard view missing on the server (renamed, or an app not installed) is looked up as the
model's primary view of that type; if there is none, that one view is skipped and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from connector.client import MODULE, OdooClient
from connector.errors import ConnectorError, RecordError, ValidationError

_logger = logging.getLogger(__name__)

FLAG_FIELD = "x_svc_flag"
REASON_FIELD = "x_svc_reason"
FLAG_VALUES = (("green", "Green"), ("amber", "Amber"), ("red", "Red"))
ACTIVITY_TYPE_NAME = "Service issue"
TAG_NAME = "Service: at risk"
FILTER_NAME = "svc_risk"
FILTER_LABEL = "Service risk"


@dataclass(frozen=True)
class ViewSpec:
    """Where the plugin hooks into one model's standard views."""

    form: str  # xml id of the standard form view
    form_anchor: str  # xpath of the node the badge goes after (a field) or inside (a group)
    tree: str  # xml id of the standard list view
    search: str  # xml id of the standard search view


# Anchors are @name selectors present in the standard views of 16-19 (odoo-protocol.md §7.2).
VIEWS: dict[str, ViewSpec] = {
    "res.partner": ViewSpec(
        form="base.view_partner_form",
        form_anchor="//field[@name='category_id']",
        tree="base.view_partner_tree",
        search="base.view_res_partner_filter",
    ),
    "sale.order": ViewSpec(
        form="sale.view_order_form",
        # partner_id occurs several times in the real form; the header group is unique
        form_anchor="//group[@name='partner_details']",
        tree="sale.view_order_tree",
        search="sale.view_sales_order_filter",
    ),
    "account.move": ViewSpec(
        form="account.view_move_form",
        form_anchor="//group[@id='header_left_group']",
        tree="account.view_invoice_tree",
        search="account.view_account_invoice_filter",
    ),
}
MODELS = tuple(VIEWS)


def _slug(model: str) -> str:
    return model.replace(".", "_")


def list_tag(version_major: int) -> str:
    """``tree`` up to 17, ``list`` from 18 (the list view root was renamed in 18.0)."""
    return "tree" if version_major <= 17 else "list"


def _invisible_unless_flag(version_major: int) -> str:
    if version_major <= 16:
        return "attrs=\"{'invisible': [('x_svc_flag', '=', False)]}\""
    return 'invisible="not x_svc_flag"'


_DECORATIONS = (
    "decoration-success=\"x_svc_flag == 'green'\" "
    "decoration-warning=\"x_svc_flag == 'amber'\" "
    "decoration-danger=\"x_svc_flag == 'red'\""
)


def form_arch(model: str, version_major: int) -> str:
    anchor = VIEWS[model].form_anchor
    position = "inside" if anchor.startswith("//group") else "after"
    hide = _invisible_unless_flag(version_major)
    return (
        f'<data><xpath expr="{anchor}" position="{position}">'
        f'<field name="{FLAG_FIELD}" widget="badge" {_DECORATIONS} {hide}/>'
        f'<field name="{REASON_FIELD}" {hide}/>'
        "</xpath></data>"
    )


def tree_arch(version_major: int) -> str:
    tag = list_tag(version_major)
    return (
        f'<data><xpath expr="//{tag}" position="inside">'
        f'<field name="{FLAG_FIELD}" widget="badge" optional="show" {_DECORATIONS}/>'
        "</xpath></data>"
    )


def search_arch() -> str:
    return (
        '<data><xpath expr="//search" position="inside">'
        f'<separator/><filter name="{FILTER_NAME}" string="{FILTER_LABEL}" '
        f"domain=\"[('{FLAG_FIELD}', 'in', ['amber', 'red'])]\"/>"
        f'<field name="{FLAG_FIELD}"/>'
        "</xpath></data>"
    )


def view_xpaths(model: str, version_major: int) -> dict[str, str]:
    """The xpath each inherited view uses, keyed by view kind (for tests and ``check``)."""
    return {
        "form": VIEWS[model].form_anchor,
        "tree": f"//{list_tag(version_major)}",
        "search": "//search",
    }


@dataclass(frozen=True)
class Item:
    """One record of the plugin: its external-id name, model, values and recovery domain."""

    name: str
    model: str
    # Computed late (needs ids resolved at install time); None: nothing to hook into here.
    values: Callable[[], dict[str, Any] | None]
    match: list[Any]
    update: bool


@dataclass
class PluginReport:
    """What ``install`` / ``uninstall`` did, by external-id name."""

    version: str
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "odoo_version": self.version,
            "created": self.created,
            "kept": self.kept,
            "removed": self.removed,
            "archived": self.archived,
            "absent": self.absent,
            "skipped": self.skipped,
        }


class ErpPlugin:
    """Install or uninstall the plugin through an admin ``OdooClient`` (connected)."""

    def __init__(self, client: OdooClient) -> None:
        self.client = client
        self._refs: dict[str, int] = {}

    @property
    def major(self) -> int:
        return self.client.version_major

    # --- plan ---------------------------------------------------------------------------------

    def plan(self) -> list[Item]:
        """Every record, in install order (fields before the views that show them)."""
        items: list[Item] = []
        major = self.major
        for model in MODELS:
            slug = _slug(model)
            items.append(
                Item(
                    name=f"field_{slug}__{FLAG_FIELD}",
                    model="ir.model.fields",
                    values=partial(self._flag_field, model),
                    match=[("model", "=", model), ("name", "=", FLAG_FIELD)],
                    update=False,
                )
            )
            items.append(
                Item(
                    name=f"field_{slug}__{REASON_FIELD}",
                    model="ir.model.fields",
                    values=partial(self._reason_field, model),
                    match=[("model", "=", model), ("name", "=", REASON_FIELD)],
                    update=False,
                )
            )
        for model in MODELS:
            slug = _slug(model)
            for kind, arch in (
                ("form", form_arch(model, major)),
                ("tree", tree_arch(major)),
                ("search", search_arch()),
            ):
                view_name = f"svcsync.{model}.{kind}"
                items.append(
                    Item(
                        name=f"view_{slug}_{kind}",
                        model="ir.ui.view",
                        values=partial(self._view, view_name, model, kind, arch),
                        match=[("name", "=", view_name), ("model", "=", model)],
                        # Re-installing after an upgrade of Odoo rewrites the arch for the new
                        # version (e.g. <tree> -> <list>).
                        update=True,
                    )
                )
        items.append(
            Item(
                name="activity_type_service_issue",
                model="mail.activity.type",
                values=partial(
                    self._known_fields,
                    "mail.activity.type",
                    {
                        "name": ACTIVITY_TYPE_NAME,
                        "summary": "Service issue found by svcsync",
                        "icon": "fa-exclamation-triangle",
                        "category": "default",
                        "delay_count": 0,
                    },
                ),
                match=[("name", "=", ACTIVITY_TYPE_NAME)],
                update=False,
            )
        )
        items.append(
            Item(
                name="partner_tag_service_at_risk",
                model="res.partner.category",
                values=partial(
                    self._known_fields, "res.partner.category", {"name": TAG_NAME, "color": 1}
                ),
                match=[("name", "=", TAG_NAME)],
                update=False,
            )
        )
        return items

    def _flag_field(self, model: str) -> dict[str, Any]:
        return {
            "model_id": self.client.model_id(model),
            "name": FLAG_FIELD,
            "field_description": "Service flag",
            "ttype": "selection",
            "selection_ids": [
                [0, 0, {"value": value, "name": label, "sequence": i}]
                for i, (value, label) in enumerate(FLAG_VALUES, 1)
            ],
            "help": "Set by svcsync from its open findings on this record.",
            "copied": False,
        }

    def _reason_field(self, model: str) -> dict[str, Any]:
        return {
            "model_id": self.client.model_id(model),
            "name": REASON_FIELD,
            "field_description": "Service flag reason",
            "ttype": "text",
            "copied": False,
        }

    def _view(self, name: str, model: str, kind: str, arch: str) -> dict[str, Any] | None:
        parent = self.parent_view(model, kind)
        if parent is None:
            return None
        return {"name": name, "model": model, "inherit_id": parent, "arch": arch, "priority": 99}

    def parent_view(self, model: str, kind: str) -> int | None:
        """The standard view to inherit for ``kind`` (form/tree/search) of ``model``.

        Its xml id first; else the model's primary view of that type with the lowest priority
        (a database whose standard view was renamed or replaced); ``None`` if there is none.
        """
        key = f"{model}:{kind}"
        if key not in self._refs:
            spec = VIEWS[model]
            xml_id = {"form": spec.form, "tree": spec.tree, "search": spec.search}[kind]
            module, name = xml_id.split(".", 1)
            rows = self.client.search_read(
                "ir.model.data",
                [("module", "=", module), ("name", "=", name), ("model", "=", "ir.ui.view")],
                ["res_id"],
                limit=1,
            )
            if rows:
                self._refs[key] = int(rows[0]["res_id"])
            else:
                view_type = list_tag(self.major) if kind == "tree" else kind
                ids = self.client.search(
                    "ir.ui.view",
                    [("model", "=", model), ("type", "=", view_type), ("inherit_id", "=", False)],
                    order="priority asc, id asc",
                    limit=1,
                )
                if not ids:
                    return None
                self._refs[key] = ids[0]
        return self._refs[key]

    def _known_fields(self, model: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` restricted to fields this server has (optional cosmetics vary)."""
        known = self.client.fields_get(model, ["type"])
        return {k: v for k, v in values.items() if k in known or k == "name"}

    # --- install / uninstall -----------------------------------------------------------------

    def install(self) -> PluginReport:
        """Create what is missing, refresh views; running it again changes nothing else."""
        report = PluginReport(self.client.capabilities.server_version)
        for item in self.plan():
            values = item.values()
            if values is None:
                _logger.warning(
                    "ERP plugin: %s skipped, the server has no standard view to inherit", item.name
                )
                report.skipped.append(item.name)
                continue
            _, created = self.client.ensure(
                item.model, item.name, values, match=item.match, update=item.update
            )
            (report.created if created else report.kept).append(item.name)
        _logger.info(
            "ERP plugin installed on %s: %d created, %d kept",
            self.client.settings.url,
            len(report.created),
            len(report.kept),
        )
        return report

    def uninstall(self) -> PluginReport:
        """Remove exactly the plugin's records (views first: fields in use cannot go)."""
        report = PluginReport(self.client.capabilities.server_version)
        for item in reversed(self.plan()):
            found = self.client.find_external_id(item.name)
            if found is None:
                report.absent.append(item.name)
                continue
            model, res_id, imd_id = found
            try:
                self.client.unlink(model, [res_id])
                report.removed.append(item.name)
            except (ValidationError, RecordError) as exc:
                if model != "mail.activity.type":
                    raise
                # Activities of this type still exist (ondelete restrict): archive instead.
                _logger.warning("archiving %s instead of deleting it: %s", item.name, exc)
                self.client.write(model, [res_id], {"active": False})
                report.archived.append(item.name)
                continue
            # Odoo drops the external id with the record; a server that does not must not
            # leave it dangling.
            self.client.unlink("ir.model.data", [imd_id])
        return report

    def status(self) -> dict[str, bool]:
        """Which plan items exist (by external-id name)."""
        return {
            item.name: self.client.find_external_id(item.name) is not None for item in self.plan()
        }


def install(client: OdooClient) -> PluginReport:
    return ErpPlugin(client).install()


def uninstall(client: OdooClient) -> PluginReport:
    return ErpPlugin(client).uninstall()


__all__ = [
    "FLAG_FIELD",
    "MODELS",
    "MODULE",
    "REASON_FIELD",
    "VIEWS",
    "ConnectorError",
    "ErpPlugin",
    "PluginReport",
    "install",
    "uninstall",
    "view_xpaths",
]
