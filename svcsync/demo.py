"""``svcsync demo``: the embedded default, end to end on one machine in under a minute.

Starts odoosim with the demo company on a free loopback port, installs the ERP plugin as the
admin, runs one full cycle as the least-privilege bot user with SQLite state in a temporary
folder, then asks Odoo (over RPC, not our state) where each ticket, reorder request and flag now
is: model, record name, id.  Every run starts from a fresh simulator and state, so the same seed
gives the same counts.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import SecretStr

from connector import ConnectionSettings, OdooClient, erp_plugin
from connector.errors import NotFoundError
from svcsync.output import Output
from svcsync.settings import Settings, settings_from_dict

DEMO_KEY_VAR = "SVCSYNC_DEMO_API_KEY"
FLAG_MODELS = ("res.partner", "sale.order", "account.move")


@dataclass
class Placement:
    """One thing svcsync put into Odoo, as an ERP user would find it."""

    kind: str  # ticket | reorder | flag | activity
    model: str
    id: int
    name: str
    detail: str = ""  # why, in the words the ERP user reads
    finding: str = ""  # the finding key (rule:model:id) behind it, empty for flags


@dataclass
class DemoResult:
    url: str
    database: str
    odoo_version: str
    seconds: float
    findings: list[dict[str, Any]]
    placements: list[Placement] = field(default_factory=list)
    planted: int = 0
    cycle: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = {"findings": len(self.findings), "tickets": 0, "reorders": 0, "flags": 0}
        out["activities"] = 0
        for p in self.placements:
            key = {"ticket": "tickets", "reorder": "reorders", "flag": "flags"}.get(
                p.kind, "activities"
            )
            out[key] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "odoo": {"url": self.url, "database": self.database, "version": self.odoo_version},
            "seconds": round(self.seconds, 1),
            "counts": self.counts(),
            "planted_problems": self.planted,
            "cycle": self.cycle,
            "findings": self.findings,
            "in_odoo": [p.__dict__ for p in self.placements],
        }


def demo_settings(url: str, database: str, login: str, state_dir: Path) -> Settings:
    """The config the demo runs with (also written next to the state for ``--keep-running``)."""
    return settings_from_dict(_demo_document(url, database, login, state_dir), {}, source="demo")


def _demo_document(url: str, database: str, login: str, state_dir: Path) -> dict[str, Any]:
    return {
        "erp": [
            {
                "name": "demo",
                "url": url,
                "database": database,
                "login": login,
                "api_key_env": DEMO_KEY_VAR,
                "read_timeout": 60.0,
            }
        ],
        "state": {"url": f"sqlite:///{state_dir / 'state.db'}"},
    }


def run_demo(
    out: Output,
    *,
    orders: int = 300,
    seed: int = 7,
    odoo_version: str = "17",
    keep_running: bool = False,
) -> DemoResult:
    """Run the demo and print its report; with ``keep_running`` wait for Ctrl-C / SIGTERM."""
    from odoosim import SimServer
    from svcsync import wiring

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="svcsync-demo-") as tmp,
        SimServer(odoo_version=odoo_version, dataset="demo", orders=orders, seed=seed) as sim,
    ):
        state_dir = Path(tmp)
        out.line(
            f"odoosim: Odoo {sim.odoo_version} demo company ({orders} orders, seed {seed}) "
            f"at {sim.url}, database {sim.database!r}"
        )
        # The simulator's admin has a password, not an API key; JSON-2 (19+) takes keys only,
        # so the admin session uses JSON-RPC, which accepts passwords on every version.
        admin = ConnectionSettings(
            url=sim.url,
            database=sim.database,
            login=sim.admin_login,
            api_key=SecretStr(sim.admin_password),
            protocol="jsonrpc",
        )
        with OdooClient(admin) as client:
            client.connect()
            report = erp_plugin.install(client)
        out.line(
            f"plugin: installed {len(report.created)} records (flag fields, views, activity "
            "type, partner tag)"
        )
        settings = demo_settings(sim.url, sim.database, sim.bot_login, state_dir)
        keys = {"demo": SecretStr(sim.bot_api_key)}
        with out.progress() as progress:
            cycle = wiring.run_cycles(settings, keys, full=True, progress=progress)
        findings = wiring.list_findings(settings, open_only=True)
        with OdooClient(admin) as client:
            client.connect()
            placements = _placements(client, settings, findings)
        manifest = getattr(sim, "manifest", None) or {}
        result = DemoResult(
            url=sim.url,
            database=sim.database,
            odoo_version=sim.odoo_version,
            seconds=time.monotonic() - started,
            findings=findings,
            placements=placements,
            planted=len(manifest.get("planted", [])),
            cycle=cycle,
        )
        print_report(out, result)
        if keep_running:
            _keep_running(out, sim, state_dir, settings)
    return result


def _placements(
    client: OdooClient, settings: Settings, findings: list[dict[str, Any]]
) -> list[Placement]:
    """What svcsync created or flagged, read back from Odoo (the truth an ERP user sees)."""
    from svcsync import wiring

    why = {str(f["key"]): str(f.get("message") or "") for f in findings}
    placements: list[Placement] = []
    # Binding keys are "<kind>:<finding key>" (jobs/push); "rfq:<vendor>" is the RFQ header
    # the reorder lines sit on and flags are read from the flagged records themselves below.
    kinds = {"ticket": "ticket", "reorder": "reorder", "activity": "activity"}
    by_model: dict[str, list[tuple[int, str, str]]] = {}
    for row in wiring.bound_records(settings):
        prefix, _, finding = str(row["key"]).partition(":")
        if prefix in kinds:
            by_model.setdefault(row["odoo_model"], []).append(
                (int(row["odoo_id"]), kinds[prefix], finding)
            )
    for model, refs in sorted(by_model.items()):
        ids = sorted({i for i, _, _ in refs})
        rows = {r["id"]: r for r in client.read(model, ids, ["display_name"])}
        for res_id, kind, finding in sorted(refs, key=lambda r: (r[1], r[0], r[2])):
            found = rows.get(res_id)
            if found is None:
                continue  # bound locally but gone from Odoo: not something a user can find
            placements.append(
                Placement(
                    kind, model, res_id, str(found["display_name"]), why.get(finding, ""), finding
                )
            )
    for model in FLAG_MODELS:
        try:
            flagged = client.search_read(
                model,
                [("x_svc_flag", "in", ["amber", "red"])],
                ["display_name", "x_svc_flag", "x_svc_reason"],
                order="id asc",
                context={"active_test": False},
            )
        except NotFoundError:  # the plugin is not installed on this model: no flags to show
            continue
        for row in flagged:
            placements.append(
                Placement(
                    "flag",
                    model,
                    int(row["id"]),
                    str(row["display_name"]),
                    f"{row['x_svc_flag']}: {row.get('x_svc_reason') or ''}".strip(),
                )
            )
    return placements


def print_report(out: Output, result: DemoResult) -> None:
    if out.json_mode:
        out.json(result.as_json())
        return
    by_rule: dict[str, int] = {}
    for f in result.findings:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    out.table("findings by rule", ["rule", "open findings"], sorted(by_rule.items()))
    out.table(
        "where they are now in Odoo",
        ["kind", "model", "record", "id", "why"],
        [(p.kind, p.model, p.name, p.id, _short(p.detail)) for p in result.placements],
    )
    c = result.counts()
    out.line(
        f"found {c['findings']} problems ({result.planted} planted in the demo data): "
        f"{c['tickets']} tickets, {c['reorders']} reorder requests, {c['flags']} flags, "
        f"{c['activities']} activities — in {result.seconds:.1f} s"
    )


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _keep_running(out: Output, sim: Any, state_dir: Path, settings: Settings) -> None:
    # The bot user's key goes into a file only this user can read, named by the config: the
    # instructions below then hold no secret (the simulator's admin login is a fixed demo one).
    key_file = state_dir / "bot.key"
    key_file.touch(mode=0o600)
    key_file.write_text(sim.bot_api_key + "\n", encoding="utf-8")
    document = settings.model_dump(mode="json", include={"erp", "state"}, exclude_none=True)
    for tenant in document["erp"]:
        tenant.pop("api_key_env", None)
        tenant["api_key_file"] = str(key_file)
    config = state_dir / "svcsync.toml"
    config.write_text(tomli_w.dumps(document), encoding="utf-8")
    out.line("")
    out.line("odoosim keeps running. Connect with:")
    out.line(f"  url       {sim.url}   database {sim.database}")
    out.line(f"  admin     {sim.admin_login} / {sim.admin_password} (the simulator's demo login)")
    out.line(f"  bot user  {sim.bot_login}, API key in {key_file}")
    out.line(f"  svcsync status --config {config}")
    out.line(f"  svcsync findings --open --config {config}")
    out.line(f"  svcsync run --once --config {config}")
    # The handler goes in before the prompt: a SIGTERM sent on seeing it must stop us cleanly.
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.line("Press Ctrl-C (or send SIGTERM) to stop.")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
