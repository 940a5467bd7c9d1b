"""The Odoo models odoosim serves, per version profile (16–19) and installed apps.

Apps (keys of ``APPS``) are the switchable units: ``Database(apps={"sale", "helpdesk"})``
installs those plus their dependencies; models of a missing app do not exist, and fields
pointing at them are dropped (as when the bridge module is not installed).
"""

from __future__ import annotations

from collections.abc import Iterable

from odoosim.orm.model import ModelDef, RegistryBuilder

# app -> the Odoo modules it stands for (shown in ir.module.module)
APPS: dict[str, tuple[str, ...]] = {
    "base": ("base", "web"),
    "mail": ("mail",),
    "product": ("product", "uom"),
    "account": ("account",),
    "stock": ("stock",),
    "sale": ("sale", "sale_management", "sales_team"),
    "purchase": ("purchase",),
    "repair": ("repair",),
    "helpdesk": ("helpdesk_mgmt",),
    "project": ("project",),
}
DEPENDS: dict[str, tuple[str, ...]] = {
    "base": (),
    "mail": ("base",),
    "product": ("mail",),
    "account": ("product",),
    "stock": ("product",),
    "sale": ("product", "account"),
    "purchase": ("product", "account"),
    "repair": ("stock",),
    "helpdesk": ("mail",),
    "project": ("mail",),
}
DEFAULT_APPS = frozenset(APPS)
# Bridge modules installed automatically when both sides are (auto_install in Odoo).
BRIDGES = {("sale", "stock"): "sale_stock", ("purchase", "stock"): "purchase_stock"}


def resolve_apps(apps: Iterable[str] | None) -> frozenset[str]:
    """The closed set of apps to install (module names like ``helpdesk_mgmt`` accepted)."""
    if apps is None:
        return DEFAULT_APPS
    by_module = {m: app for app, mods in APPS.items() for m in mods}
    wanted: set[str] = {"base", "mail"}
    todo = list(apps)
    while todo:
        name = todo.pop()
        app = name if name in APPS else by_module.get(name)
        if app is None:
            raise ValueError(f"unknown app {name!r}: choose from {', '.join(sorted(APPS))}")
        if app not in wanted:
            wanted.add(app)
        todo.extend(d for d in DEPENDS[app] if d not in wanted)
    return frozenset(wanted)


def installed_modules(apps: frozenset[str]) -> list[str]:
    mods = [m for app in APPS if app in apps for m in APPS[app]]
    for (a, b), bridge in BRIDGES.items():
        if a in apps and b in apps:
            mods.append(bridge)
    return mods


def all_modules() -> list[str]:
    return [m for mods in APPS.values() for m in mods] + list(BRIDGES.values())


def build_registry(version: int, apps: frozenset[str]) -> dict[str, ModelDef]:
    from odoosim.models import (
        account,
        base,
        helpdesk,
        mail,
        product,
        project,
        purchase,
        repair,
        sale,
        stock,
    )

    reg = RegistryBuilder(version, apps)
    base.define(reg)
    mail.define(reg)
    for app, module in (
        ("product", product),
        ("account", account),
        ("stock", stock),
        ("sale", sale),
        ("purchase", purchase),
        ("repair", repair),
        ("helpdesk", helpdesk),
        ("project", project),
    ):
        if reg.has(app):
            module.define(reg)
    mail.add_threads(reg)
    return reg.finalize()
