"""``svcsync check``: is this Odoo ready for svcsync, and if not, what exactly to fix.

Connects as the bot user, reads the server version and installed apps, then checks every right
svcsync needs per model and operation and every field the mappings read.  The result is a list
of ``CheckRow``s (✓/✗ with the fix for each ✗), printed as a table; "ready" means no ✗.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from connector import OdooClient, RetrySettings
from connector.capabilities import PUSH_RIGHTS, Capabilities
from connector.errors import ConnectorError, NotFoundError
from jobs.config import PushConfig
from svcsync.settings import Settings, key_file_warning, resolve_api_key
from svcsync.wiring import connection_settings

# Apps svcsync reads from; without them there is nothing to sync.
REQUIRED_APPS = ("sale", "account", "stock")
OPTIONAL_APPS = {
    "repair": "repair rules (parts missing) are skipped",
    "purchase": "reorder requests cannot become draft RFQs",
    "helpdesk": "tickets go to project.task or activities instead",
}

GRANT = (
    "in Odoo, Settings > Users & Companies > Users > {login}: add a group granting "
    "{op} on {model} (or add an ir.model.access line for that group)"
)


@dataclass(frozen=True)
class CheckRow:
    """One line of the check table."""

    tenant: str
    area: str  # connection | security | apps | push | field | right | plugin
    subject: str
    ok: bool | None  # None: information only, never blocks "ready"
    detail: str = ""
    fix: str = ""

    @property
    def mark(self) -> str:
        return {True: "✓", False: "✗", None: "!"}[self.ok]


def check_tenant(settings: Settings, index: int) -> tuple[list[CheckRow], dict[str, Any]]:
    """Connect to one tenant and list what is ready and what is not.

    Raises the connector's error (AuthError, UnreachableError...) when it cannot even log in:
    that is one problem with one fix, not a table.
    """
    tenant = settings.erp[index]
    key = resolve_api_key(tenant, index)
    # A diagnosis answers at once: an unreachable host or a refused key is not retried.
    settings_once = connection_settings(tenant, key).model_copy(
        update={"retry": RetrySettings(attempts=1)}
    )
    with OdooClient(settings_once) as client:
        caps = client.connect()
        rows = _rows(tenant.name, tenant.login, caps, client, settings.push)
    loose = key_file_warning(tenant)
    if loose is not None:
        rows.insert(
            1,
            CheckRow(
                tenant.name,
                "security",
                "api_key_file",
                None,
                loose.split(";")[0],
                f"chmod 600 {tenant.api_key_file}",
            ),
        )
    return rows, caps.summary()


def _rows(
    name: str,
    login: str,
    caps: Capabilities,
    client: OdooClient,
    push: PushConfig | None = None,
) -> list[CheckRow]:
    from jobs.streams import STREAMS
    from mappings import required_fields

    rows = [
        CheckRow(
            name,
            "connection",
            f"Odoo {caps.server_version}",
            True,
            f"logged in as {login} (uid {caps.uid}) over {caps.protocol}",
        )
    ]
    apps = caps.apps
    if apps is None:
        rows.append(
            CheckRow(name, "apps", "installed apps", None, "the bot user cannot list modules")
        )
    else:
        for app in REQUIRED_APPS:
            rows.append(
                CheckRow(
                    name,
                    "apps",
                    app,
                    app in apps,
                    "installed" if app in apps else "not installed",
                    "" if app in apps else f"install the {app!r} app in Odoo (Apps menu)",
                )
            )
        for app, consequence in OPTIONAL_APPS.items():
            present = app in apps or (app == "helpdesk" and "helpdesk_mgmt" in apps)
            rows.append(
                CheckRow(
                    name,
                    "apps",
                    app,
                    True if present else None,
                    "installed" if present else f"not installed: {consequence}",
                )
            )
    rows.append(
        CheckRow(
            name,
            "push",
            "ticket target",
            True if caps.ticket_model else None,
            caps.ticket_model or "none: findings become activities only",
        )
    )
    fields: dict[str, dict[str, Any]] = {}
    wanted: dict[str, tuple[str, ...]] = {}
    for model, names in sorted(required_fields(str(caps.version_major)).items()):
        try:
            fields[model] = dict(client.fields_get(model))
        except NotFoundError:
            optional = model.startswith("repair")
            rows.append(
                CheckRow(
                    name,
                    "field",
                    model,
                    None if optional else False,
                    f"model not on Odoo {caps.server_version}",
                    "" if optional else f"install the app providing {model}",
                )
            )
            continue
        wanted[model] = ("read",)
        missing = [f for f in names if f not in fields[model]]
        for field_name in missing:
            rows.append(
                CheckRow(
                    name,
                    "field",
                    f"{model}.{field_name}",
                    False,
                    f"missing on Odoo {caps.server_version}",
                    f"install the module defining {model}.{field_name}, or check the version",
                )
            )
        if not missing:
            rows.append(CheckRow(name, "field", model, True, f"{len(names)} mapped fields present"))
    # Every model a cycle pulls (helper streams such as stock.location too), if this server
    # has it: an optional app's model (repair) missing is reported above, not as a right.
    for stream in STREAMS:
        if stream.runs_on(caps.version_major, None) and _present(client, stream.model, fields):
            wanted.setdefault(stream.model, ("read",))
    if "product.product" in wanted:
        # A variant's name, code and cost live on its template (_inherits): read both.
        wanted.setdefault("product.template", ("read",))
    for model, ops in PUSH_RIGHTS.items():
        if model in ("helpdesk.ticket", "project.task") and model != caps.ticket_model:
            continue  # only the ticket model this server has needs rights
        wanted[model] = tuple(dict.fromkeys([*wanted.get(model, ()), *ops]))
    push = push or PushConfig()
    # Service flags are written on the records themselves (x_svc_flag / x_svc_reason only).
    for model in push.flag_models:
        if model in fields:
            wanted[model] = tuple(dict.fromkeys([*wanted.get(model, ()), "write"]))
    # Looked up by name when [push] names a helpdesk team or a project.
    if push.team and caps.ticket_model == "helpdesk.ticket":
        team = "helpdesk.ticket.team" if caps.ticket_flavour == "oca" else "helpdesk.team"
        wanted.setdefault(team, ("read",))
    if push.project:
        wanted.setdefault("project.project", ("read",))
    for model, ops in sorted(wanted.items()):
        for op in ops:
            known = caps.can(model, op)
            ok = known if known is not None else client.has_right(model, op)
            rows.append(
                CheckRow(
                    name,
                    "right",
                    f"{model}: {op}",
                    ok,
                    "granted" if ok else "missing",
                    "" if ok else GRANT.format(login=login, op=op, model=model),
                )
            )
    plugin = "x_svc_flag" in fields.get("res.partner", {})
    rows.append(
        CheckRow(
            name,
            "plugin",
            "x_svc_flag fields and views",
            True if plugin else None,
            "installed" if plugin else "not installed: flags are not shown in Odoo",
            "" if plugin else "run `svcsync erp install` with an Odoo administrator's API key",
        )
    )
    return rows


def _present(client: OdooClient, model: str, known: dict[str, dict[str, Any]]) -> bool:
    """Whether the server has ``model`` (asked only for streams the mappings do not list)."""
    if model in known:
        return True
    try:
        known[model] = dict(client.fields_get(model, ["type"]))
    except NotFoundError:
        return False
    return True


def rows_as_json(rows: list[CheckRow], servers: dict[str, Any]) -> dict[str, Any]:
    """The ``check --json`` document."""
    return {"ready": is_ready(rows), "servers": servers, "checks": [asdict(r) for r in rows]}


def is_ready(rows: list[CheckRow]) -> bool:
    return all(r.ok is not False for r in rows)


__all__ = ["CheckRow", "ConnectorError", "check_tenant", "is_ready", "rows_as_json"]
