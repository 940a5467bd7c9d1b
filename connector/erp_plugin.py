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

Every record is bound to an external id of module ``svcsync`` (``ir.model.data``), so
``install`` is idempotent and ``uninstall`` removes exactly what install made — never other
``svcsync`` external ids, such as tickets the sync created:

* **Own records** (made by this plugin): ``noupdate=True``, like every svcsync external id.
  Each carries svcsync's mark — a view's ``svcsync.<model>.<kind>`` name, the word "svcsync"
  in a field's help, a tag or activity type created under a staged name ("... (svcsync
  install)") and renamed once bound — so a record an interrupted install created but never
  bound is recognised as svcsync's by both a later install (bound) and uninstall (deleted).
* **Adopted records**: a same-named tag, activity type or ``x_svc_*`` field that existed before
  the install is bound with ``noupdate=False`` (one call, so a crash cannot make it look like
  svcsync's own). The sync uses it like its own; install never writes to it; uninstall only
  drops the external id and leaves the record as it found it.

Uninstall closes svcsync's own open activities of the "Service issue" type first
(``action_feedback`` with feedback "svcsync uninstalled"; Odoo posts the usual "done" message)
and deletes its done ones the type kept, because ``mail.activity.activity_type_id`` is
``ondelete='restrict'``. Activities svcsync did not make are left alone: the type is then
archived and stays bound (reported in ``notes``), the next uninstall tries again and the next
install makes it active again. Views go before the fields (Odoo refuses to delete a manual field
a view still shows; deleting it drops its column and values). Tickets, RFQs and notes the sync
made are business records and stay, with their external ids.

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
from connector.errors import ConfigError, ConnectorError, RecordError, ValidationError

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
    """One record of the plugin.

    ``match`` finds the record an interrupted install of svcsync created but did not bind yet
    (it carries svcsync's mark: a view's ``svcsync.`` name, a field's help text, a staged name),
    so it is svcsync's own. ``adopt`` finds a same-named record someone else made: it is bound
    as *adopted* and never deleted (``None``: never adopted). A record with ``staged_name`` is
    created under that name and renamed once its external id exists.
    """

    name: str
    model: str
    # Computed late (needs ids resolved at install time); None: nothing to hook into here.
    values: Callable[[], dict[str, Any] | None]
    match: list[Any]
    update: bool
    adopt: list[Any] | None = None
    staged_name: str | None = None


@dataclass(frozen=True)
class Binding:
    """An ``ir.model.data`` row of module ``svcsync`` naming one plan item."""

    imd_id: int
    model: str
    res_id: int
    adopted: bool  # noupdate=False: a record svcsync found, did not make, and will not delete


@dataclass
class PluginReport:
    """What ``install`` / ``uninstall`` did, by external-id name; ``notes`` say why."""

    version: str
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # install: bound, not made by svcsync
    unbound: list[str] = field(default_factory=list)  # uninstall: adopted, left in place
    activities_closed: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "odoo_version": self.version,
            "created": self.created,
            "kept": self.kept,
            "removed": self.removed,
            "archived": self.archived,
            "absent": self.absent,
            "skipped": self.skipped,
            "adopted": self.adopted,
            "unbound": self.unbound,
            "activities_closed": self.activities_closed,
            "notes": self.notes,
        }

    def note(self, text: str) -> None:
        _logger.warning("ERP plugin: %s", text)
        self.notes.append(text)


ALL = {"active_test": False}
ACTIVITY_ITEM = "activity_type_service_issue"
TAG_ITEM = "partner_tag_service_at_risk"
UNINSTALL_FEEDBACK = "svcsync uninstalled"
# Part of the help text of both fields: what tells svcsync's own field from one made by hand.
FIELD_MARK = "svcsync"


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
            for fname, make in (
                (FLAG_FIELD, self._flag_field),
                (REASON_FIELD, self._reason_field),
            ):
                same = [("model", "=", model), ("name", "=", fname)]
                items.append(
                    Item(
                        name=f"field_{slug}__{fname}",
                        model="ir.model.fields",
                        values=partial(make, model),
                        match=[*same, ("help", "ilike", FIELD_MARK)],
                        update=False,
                        adopt=same,
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
        for name, model, label, defaults in (
            (
                ACTIVITY_ITEM,
                "mail.activity.type",
                ACTIVITY_TYPE_NAME,
                {
                    "name": ACTIVITY_TYPE_NAME,
                    "summary": "Service issue found by svcsync",
                    "icon": "fa-exclamation-triangle",
                    "category": "default",
                    "delay_count": 0,
                },
            ),
            (TAG_ITEM, "res.partner.category", TAG_NAME, {"name": TAG_NAME, "color": 1}),
        ):
            staged = f"{label} (svcsync install)"
            items.append(
                Item(
                    name=name,
                    model=model,
                    values=partial(self._known_fields, model, defaults),
                    match=[("name", "=", staged)],
                    update=False,
                    adopt=[("name", "=", label)],
                    staged_name=staged,
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
            "help": "Why svcsync set the service flag.",
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

    # --- external ids -------------------------------------------------------------------------

    def bindings(self) -> dict[str, Binding]:
        """The ``svcsync`` external ids of the plan's items, by name (one call)."""
        rows = self.client.search_read(
            "ir.model.data",
            [("module", "=", MODULE), ("name", "in", [item.name for item in self.plan()])],
            ["name", "model", "res_id", "noupdate"],
        )
        return {
            str(r["name"]): Binding(
                int(r["id"]), str(r["model"]), int(r["res_id"]), not r["noupdate"]
            )
            for r in rows
        }

    def _exists(self, model: str, res_id: int) -> bool:
        return bool(self.client.search(model, [("id", "=", res_id)], context=ALL))

    def _find(self, model: str, domain: list[Any]) -> int | None:
        ids = self.client.search(model, domain, order="id asc", limit=1, context=ALL)
        return ids[0] if ids else None

    def _bind(self, item: Item, res_id: int, *, adopted: bool) -> None:
        """``svcsync.<item>`` -> record; ``noupdate`` True marks svcsync's own record (as every
        svcsync external id), False a record it adopted. One call, so a crash never leaves an
        adopted record looking like svcsync's own."""
        try:
            self.client.create(
                "ir.model.data",
                {
                    "module": MODULE,
                    "name": item.name,
                    "model": item.model,
                    "res_id": res_id,
                    "noupdate": not adopted,
                },
            )
        except ValidationError:
            # (module, name) is unique: an earlier attempt's create may have gone through.
            found = self.client.find_external_id(item.name)
            if found is None or found[:2] != (item.model, res_id):
                raise

    # --- install ------------------------------------------------------------------------------

    def install(self) -> PluginReport:
        """Create what is missing, refresh views; running it again changes nothing else."""
        report = PluginReport(self.client.capabilities.server_version)
        bound = self.bindings()
        for item in self.plan():
            values = item.values()
            if values is None:
                _logger.warning(
                    "ERP plugin: %s skipped, the server has no standard view to inherit", item.name
                )
                report.skipped.append(item.name)
                continue
            self._install_item(item, values, bound.get(item.name), report)
        _logger.info(
            "ERP plugin installed on %s: %d created, %d kept, %d adopted",
            self.client.settings.url,
            len(report.created),
            len(report.kept),
            len(report.adopted),
        )
        return report

    def _install_item(
        self, item: Item, values: dict[str, Any], binding: Binding | None, report: PluginReport
    ) -> None:
        if binding is not None:
            if binding.model != item.model:
                raise ConfigError(
                    f"external id {MODULE}.{item.name} points at {binding.model}, not "
                    f"{item.model}: remove it in Odoo (Settings > Technical > External "
                    "Identifiers) and install again"
                )
            if self._exists(item.model, binding.res_id):
                if not binding.adopted:
                    self._refresh(item, binding.res_id, values, report)
                report.kept.append(item.name)
                return
            # The record was deleted behind its external id: drop the id and start over.
            self.client.unlink("ir.model.data", [binding.imd_id])
        # A record of an interrupted install (created, never bound) is svcsync's own.
        res_id = self._find(item.model, item.match)
        if res_id is None and item.adopt is not None:
            theirs = self._find(item.model, item.adopt)
            if theirs is not None:
                self._bind(item, theirs, adopted=True)
                report.adopted.append(item.name)
                report.note(
                    f"{item.model} {self._label(item)} existed before the install: adopted "
                    f"(svcsync.{item.name}, noupdate=False); uninstall will leave it in place"
                )
                self._check_adopted(item, theirs, report)
                return
        if res_id is None:
            staged = dict(values)
            if item.staged_name is not None:
                staged["name"] = item.staged_name
            res_id = int(self.client.create(item.model, staged))
        self._bind(item, res_id, adopted=False)
        self._refresh(item, res_id, values, report)
        report.created.append(item.name)

    def _refresh(
        self, item: Item, res_id: int, values: dict[str, Any], report: PluginReport
    ) -> None:
        """Bring svcsync's own record in line: views get the current arch; a staged name is
        replaced by the real one; an archived activity type or tag is made active again."""
        if item.update:
            self.client.write(item.model, [res_id], values)
        if item.staged_name is None:
            return
        (row,) = self.client.read(item.model, [res_id], ["name", "active"])
        fix: dict[str, Any] = {}
        if row["name"] == item.staged_name:
            fix["name"] = values["name"]
        if not row["active"]:
            fix["active"] = True
            report.note(f"{item.model} {values['name']!r} was archived: active again")
        if fix:
            self.client.write(item.model, [res_id], fix)

    def _label(self, item: Item) -> str:
        if item.model == "ir.model.fields":
            return "field " + "/".join(str(c[2]) for c in (item.adopt or [])[:2])
        return repr(item.adopt[0][2]) if item.adopt else item.name

    def _check_adopted(self, item: Item, res_id: int, report: PluginReport) -> None:
        """An adopted field svcsync cannot write its flags into is worth a warning."""
        if item.model != "ir.model.fields" or not item.name.endswith(FLAG_FIELD):
            return
        (row,) = self.client.read(item.model, [res_id], ["ttype", "selection_ids"])
        values: set[str] = set()
        if row["ttype"] == "selection" and row["selection_ids"]:
            values = {
                str(r["value"])
                for r in self.client.read(
                    "ir.model.fields.selection", list(row["selection_ids"]), ["value"]
                )
            }
        if not {v for v, _ in FLAG_VALUES} <= values:
            report.note(
                f"{self._label(item)} is not a selection of green/amber/red: svcsync cannot "
                "write its flags into it"
            )

    # --- uninstall ----------------------------------------------------------------------------

    def uninstall(self) -> PluginReport:
        """Remove what install made, unbind what it adopted; running it again is harmless.

        Order: svcsync's own activities of the "Service issue" type are closed first (they keep
        the type from being deleted: ``mail.activity.activity_type_id`` is ``ondelete
        restrict``), then the views (Odoo refuses to delete a field a view still shows), the
        activity type and the tag, the fields last.
        """
        report = PluginReport(self.client.capabilities.server_version)
        bound = self.bindings()
        for name, stale in list(bound.items()):
            if not self._exists(stale.model, stale.res_id):
                self.client.unlink("ir.model.data", [stale.imd_id])
                del bound[name]
        kind_order = {"ir.ui.view": 0, "mail.activity.type": 1, "res.partner.category": 1}
        plan = sorted(reversed(self.plan()), key=lambda i: kind_order.get(i.model, 2))
        for item in plan:
            binding = bound.get(item.name)
            if binding is not None and binding.model != item.model:
                self.client.unlink("ir.model.data", [binding.imd_id])
                report.note(
                    f"svcsync.{item.name} pointed at {binding.model},{binding.res_id}, not a "
                    f"{item.model}: external id dropped, the record left alone"
                )
                binding = None
            if binding is not None and binding.adopted:
                self.client.unlink("ir.model.data", [binding.imd_id])
                report.unbound.append(item.name)
                if item.name == ACTIVITY_ITEM:
                    self._close_activities(binding.res_id, report, delete_done=False)
                continue
            res_id = binding.res_id if binding else self._find(item.model, item.match)
            if res_id is None:
                report.absent.append(item.name)
                continue
            self._remove(item, res_id, binding, report)
        left = [
            b.imd_id
            for name, b in self.bindings().items()
            if name in report.removed or name in report.unbound
        ]
        # Odoo drops a record's external ids with it; a server that does not must not keep them.
        self.client.unlink("ir.model.data", left)
        _logger.info(
            "ERP plugin uninstalled from %s: %d removed, %d unbound, %d archived",
            self.client.settings.url,
            len(report.removed),
            len(report.unbound),
            len(report.archived),
        )
        return report

    def _remove(
        self, item: Item, res_id: int, binding: Binding | None, report: PluginReport
    ) -> None:
        if item.name == ACTIVITY_ITEM:
            foreign = self._close_activities(res_id, report, delete_done=True)
            if foreign:
                # Kept bound (svcsync's, archived): the next uninstall tries again, the next
                # install makes it active again.
                self.client.write(item.model, [res_id], {"active": False})
                report.archived.append(item.name)
                report.note(
                    f"activity type {ACTIVITY_TYPE_NAME!r} is still used by {foreign} "
                    "activities svcsync did not make: archived, not deleted; mark them done or "
                    "give them another type, then run uninstall again"
                )
                return
        try:
            self.client.unlink(item.model, [res_id])
        except (ValidationError, RecordError) as exc:
            if item.name != ACTIVITY_ITEM:
                # e.g. a field still shown by a view svcsync did not make
                report.kept.append(item.name)
                report.note(
                    f"{item.name} not removed (Odoo refused; fix what it names, then run "
                    f"uninstall again): {exc}"
                )
                return
            # an activity of the type was created meanwhile
            self.client.write(item.model, [res_id], {"active": False})
            report.archived.append(item.name)
            report.note(f"activity type {ACTIVITY_TYPE_NAME!r} still in use: archived ({exc})")
            return
        if binding is None:
            report.notes.append(f"{item.name}: removed a record an interrupted install left")
        report.removed.append(item.name)

    def _close_activities(self, type_id: int, report: PluginReport, *, delete_done: bool) -> int:
        """Close svcsync's open activities of the type (``action_feedback``, feedback
        "svcsync uninstalled": Odoo posts the "done" message and removes the activity, or
        archives it where the type keeps done activities); with ``delete_done`` also delete
        svcsync's archived done ones, whose history stays in the chatter. Returns how many
        activities of the type svcsync did not make (they keep the type alive)."""
        ids = self.client.search("mail.activity", [("activity_type_id", "=", type_id)], context=ALL)
        if not ids:
            return 0
        mine = sorted(
            {
                int(r["res_id"])
                for r in self.client.search_read(
                    "ir.model.data",
                    [
                        ("module", "=", MODULE),
                        ("model", "=", "mail.activity"),
                        ("res_id", "in", ids),
                    ],
                    ["res_id"],
                )
            }
        )
        if mine:
            before = len(self.client.search("mail.activity", [("id", "in", mine)]))
            self.client.activity_done(mine, feedback=UNINSTALL_FEEDBACK)
            report.activities_closed += before
            if delete_done:
                # Done activities archived on types that keep them (17+) still block deletion.
                self.client.unlink(
                    "mail.activity",
                    self.client.search("mail.activity", [("id", "in", mine)], context=ALL),
                )
        return len(set(ids) - set(mine))

    def status(self) -> dict[str, bool]:
        """Which plan items exist (by external-id name)."""
        bound = self.bindings()
        return {item.name: item.name in bound for item in self.plan()}


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
