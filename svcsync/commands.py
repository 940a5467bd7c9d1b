"""The sub-commands of ``svcsync``: each ``cmd_<name>(args, out) -> exit code``.

Commands raise on failure (``svcsync.cli.main`` turns the exception into one line and an exit
code); they return ``exitcodes.OK`` or, for ``check``, the code that says what is not ready.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from pydantic import SecretStr

from svcsync import exitcodes
from svcsync.output import Output, problem
from svcsync.settings import Settings, config_path, load_settings

if TYPE_CHECKING:
    from jobs.state import Store
    from svcsync.sections import TenantConfig

log = logging.getLogger("svcsync")


class UsageError(Exception):
    """The command line cannot be acted on (exit 2)."""


def load(args: argparse.Namespace) -> Settings:
    """The settings for a command, from ``--config`` / ``SVCSYNC_CONFIG`` / ``./svcsync.toml``."""
    return load_settings(config_path(getattr(args, "config", None)))


# --------------------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace, out: Output) -> int:
    """Write a minimal, valid config file from flags and prompts, then validate it by loading."""
    path = config_path(args.config)
    if path.exists() and not args.force:
        raise UsageError(f"{path} already exists; pass --force to overwrite it")
    interactive = sys.stdin.isatty() and not args.no_input

    def ask(flag: str, current: str | None, question: str, default: str | None = None) -> str:
        if current:
            return current
        if interactive:
            suffix = f" [{default}]" if default else ""
            answer = input(f"{question}{suffix}: ").strip() or (default or "")
            if answer:
                return answer
        if default is not None:
            return default
        raise UsageError(f"{flag} is required (or run `svcsync init` on a terminal to be asked)")

    name = args.name
    url = ask("--url", args.url, "Odoo URL (https://odoo.example.com)")
    database = ask("--database", args.database, "Odoo database")
    login = ask("--login", args.login, "bot user login", "svcsync-bot")
    tenant: dict[str, Any] = {"name": name, "url": url, "database": database, "login": login}
    if args.api_key_file and args.api_key_env:
        raise UsageError("give either --api-key-env or --api-key-file, not both")
    if args.api_key_file:
        tenant["api_key_file"] = args.api_key_file
    else:
        default_var = f"SVCSYNC_ERP_{name.upper().replace('-', '_')}_API_KEY"
        tenant["api_key_env"] = ask(
            "--api-key-env",
            args.api_key_env,
            "environment variable holding the API key",
            default_var,
        )
    document: dict[str, Any] = {
        "erp": [tenant],
        "state": {"url": args.state_url or "sqlite:///svcsync-state.db"},
    }
    text = (
        "# svcsync configuration written by `svcsync init`.\n"
        "# Every other setting keeps its default: see config.example.toml for all of them.\n"
        "# Secrets never go here: the API key comes from the variable or file named below.\n\n"
        + tomli_w.dumps(document)
    )
    # Validate before writing so a bad flag never leaves a broken file behind.
    from svcsync.settings import settings_from_dict

    settings_from_dict(document, {}, source="svcsync init")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    out.line(f"wrote {path}")
    where = tenant.get("api_key_env")
    if where:
        out.line(f"next: export {where}=<the API key of {login}>, then `svcsync check`")
    else:
        out.line(
            f"next: put the API key of {login} in {tenant['api_key_file']} (chmod 600), "
            "then `svcsync check`"
        )
    if out.json_mode:
        out.json({"config": str(path)})
    return exitcodes.OK


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    """Print the readiness table; exit 0 only when nothing is ✗."""
    from svcsync.check import check_tenant, is_ready, rows_as_json

    settings = load(args)
    indexes = _tenant_indexes(settings, args.tenant)
    rows = []
    servers: dict[str, Any] = {}
    for index in indexes:
        tenant_rows, summary = check_tenant(settings, index)
        rows.extend(tenant_rows)
        servers[settings.erp[index].name] = summary
    if out.json_mode:
        out.json(rows_as_json(rows, servers))
    else:
        out.table(
            "svcsync check",
            ["", "tenant", "area", "what", "detail", "fix"],
            [(r.mark, r.tenant, r.area, r.subject, r.detail, r.fix) for r in rows],
        )
    failures = [r for r in rows if r.ok is False]
    if is_ready(rows):
        out.line("ready: every right and mapped field is in place")
        return exitcodes.OK
    rights_or_fields = any(r.area in ("right", "field", "apps") for r in failures)
    code = exitcodes.ERP_UNAVAILABLE if rights_or_fields else exitcodes.RUN_FAILED
    for r in failures:
        problem(f"not ready: {r.tenant}: {r.area} {r.subject} {r.detail}; fix: {r.fix}", code)
    return code


def _tenant_indexes(settings: Settings, name: str | None) -> list[int]:
    if name is None:
        return list(range(len(settings.erp)))
    settings.tenant(name)  # raises with the list of tenant names
    return [i for i, t in enumerate(settings.erp) if t.name == name]


# --------------------------------------------------------------------------- erp, run, daemon, demo


def cmd_erp_install(args: argparse.Namespace, out: Output) -> int:
    """Install the in-ERP plugin as an Odoo administrator (idempotent)."""
    return _erp_plugin(args, out, install=True)


def cmd_erp_uninstall(args: argparse.Namespace, out: Output) -> int:
    """Remove exactly what ``erp install`` created."""
    return _erp_plugin(args, out, install=False)


def _erp_plugin(args: argparse.Namespace, out: Output, *, install: bool) -> int:
    from connector import OdooClient, erp_plugin
    from jobs.state import open_store
    from svcsync.wiring import connection_settings

    settings = load(args)
    tenant = settings.tenant(args.tenant)
    key = os.environ.get(args.api_key_env, "").strip()
    if not key:
        raise UsageError(
            f"environment variable {args.api_key_env} is not set; export the API key of the "
            f"Odoo administrator {args.login!r} there (the bot user cannot change fields or "
            "views), or name another variable with --api-key-env"
        )
    admin = connection_settings(tenant, SecretStr(key), login=args.login)
    # An uninstall also updates the state store: opened first, so an unreachable store stops
    # the command before anything changes in Odoo.
    store = None if install else open_store(settings.state.url)
    try:
        with OdooClient(admin) as client:
            client.connect()
            report = erp_plugin.install(client) if install else erp_plugin.uninstall(client)
        summary = report.summary()
        if store is not None:
            # The flags, activities and partner tag went with the plugin: forget their bindings
            # so the first cycle after a new ``erp install`` pushes them again.
            summary["forgotten"] = _forget_plugin_actions(store, settings, tenant)
    finally:
        if store is not None:
            store.close()
    if out.json_mode:
        out.json(
            {"tenant": tenant.name, "action": "install" if install else "uninstall", **summary}
        )
        return exitcodes.OK
    verb = "installed" if install else "uninstalled"
    out.line(f"{tenant.name}: svcsync plugin {verb} on Odoo {report.version}")
    for label in ("created", "kept", "adopted", "removed", "unbound", "archived", "absent"):
        names = summary.get(label) or []
        if names:
            out.line(f"  {label} ({len(names)}): {', '.join(names)}")
    if summary.get("activities_closed"):
        out.line(f"  svcsync activities marked done: {summary['activities_closed']}")
    for name, n in (summary.get("forgotten") or {}).items():
        out.line(
            f"  state of tenant {name}: {n['outbox']} flag/activity action(s) and {n['bindings']} "
            "binding(s) forgotten; the next cycle after `svcsync erp install` puts them back"
        )
    for note in summary.get("notes") or []:
        out.line(f"  note: {note}")
    return exitcodes.OK


def _forget_plugin_actions(
    store: Store, settings: Settings, tenant: TenantConfig
) -> dict[str, dict[str, int]]:
    """After an uninstall: forget, for every tenant on the same ERP (url + database), the
    outbox rows and bindings of what the plugin carried (flags, activities, partner tag)."""

    from jobs.cycle import job_holder, leased

    def same(t: TenantConfig) -> bool:
        return (t.url.rstrip("/"), t.database) == (tenant.url.rstrip("/"), tenant.database)

    holder = job_holder("erp-uninstall")
    forgotten: dict[str, dict[str, int]] = {}
    for t in settings.erp:
        if not same(t):
            continue
        # Under the tenant's push lease: a daemon pushing right now cannot record a binding
        # for a flag between the uninstall and this forgetting.
        with leased(store, f"{t.name}:push", 60.0, holder) as lease:
            if lease is None:
                raise PushBusyError(
                    f"tenant {t.name}: a running svcsync is pushing (lease {t.name}:push is "
                    "held), so the bindings of the plugin's flags, activities and tag were not "
                    "forgotten; the plugin itself is uninstalled in Odoo. Run `svcsync erp "
                    "uninstall` again when that push is done (it is safe to repeat)"
                )
            forgotten[t.name] = store.forget_plugin_actions(t.name, lease=lease)
    return forgotten


class PushBusyError(RuntimeError):
    """Another run holds a tenant's push lease; the message says what to do (exit 1)."""


def _keys(settings: Settings, tenant: str | None) -> dict[str, SecretStr]:
    """Every selected tenant's API key, resolved up front so a missing one fails before any I/O."""
    from svcsync.settings import resolve_api_key

    if tenant is not None:
        settings.tenant(tenant)
    return {
        t.name: resolve_api_key(t, i)
        for i, t in enumerate(settings.erp)
        if tenant is None or t.name == tenant
    }


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    """One cycle per tenant now; with ``--dry-run`` the push plan is printed and nothing written."""
    from svcsync import wiring

    settings = load(args)
    keys = _keys(settings, args.tenant)
    with out.progress() as progress:
        result = wiring.run_cycles(
            settings,
            keys,
            tenant=args.tenant,
            full=args.full,
            dry_run=args.dry_run,
            streams=args.stream,
            progress=progress,
        )
    for rep in result["tenants"]:
        # One log line per tenant and cycle, with the numbers as fields for JSON logs.
        log.info(
            "%s %s for tenant %s: %d records read, %d open findings",
            rep["kind"],
            rep["status"],
            rep["tenant"],
            sum(s.get("read", 0) for s in rep["streams"].values()),
            rep["open_findings"],
            extra={
                "tenant": rep["tenant"],
                "kind": rep["kind"],
                "status": rep["status"],
                "streams": {k: v.get("read", 0) for k, v in rep["streams"].items()},
                "push": rep.get("push") or {},
                "planned": len(rep.get("plan") or []),
                "open_findings": rep["open_findings"],
                "errors": rep.get("errors") or [],
            },
        )
    if out.json_mode:
        out.json(result)
    else:
        _print_cycles(out, result)
    return _cycle_exit_code(result)


def _print_cycles(out: Output, result: dict[str, Any]) -> None:
    for rep in result["tenants"]:
        read = sum(s.get("read", 0) for s in rep["streams"].values())
        out.line(
            f"tenant {rep['tenant']}: {rep['kind']} {rep['status']} — read {read} records from "
            f"{len(rep['streams'])} streams, {rep['open_findings']} open findings"
        )
        if rep.get("analysis"):
            out.line("  analysis: " + _kv(rep["analysis"]))
        if result["dry_run"]:
            out.table(
                f"plan ({len(rep['plan'])} actions, nothing written)",
                ["op", "kind", "what", "outbox key"],
                [(p.get("op"), p.get("kind"), p.get("summary"), p.get("key")) for p in rep["plan"]],
            )
        elif rep.get("push"):
            out.line("  pushed: " + _kv(rep["push"]))
        for note in rep.get("notes", []):
            out.line(f"  note: {note}")
        for error in rep.get("errors", []):
            out.line(f"  error: {error}")


def _kv(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items() if not isinstance(v, dict | list))


def _cycle_exit_code(result: dict[str, Any]) -> int:
    """0 when every tenant's cycle is ok; 3 when every failure is the ERP refusing or absent."""
    failed = [r for r in result["tenants"] if r["status"] != "ok"]
    if not failed:
        return exitcodes.OK
    erp_words = ("UnreachableError", "AuthError", "AccessError", "UnknownDatabaseError")

    def erp_refused(rep: dict[str, Any]) -> bool:
        if "exit_code" in rep:
            return bool(rep["exit_code"] == exitcodes.ERP_UNAVAILABLE)
        return rep["status"] == "failed" and any(
            w in str(e) for e in rep["errors"] for w in erp_words
        )

    code = (
        exitcodes.ERP_UNAVAILABLE
        if all(erp_refused(rep) for rep in failed)
        else exitcodes.RUN_FAILED
    )
    for rep in failed:
        for error in rep["errors"] or [f"cycle {rep['status']}"]:
            problem(f"{rep['tenant']}: {error}", code)
    return code


def cmd_daemon(args: argparse.Namespace, out: Output) -> int:
    """Run the schedule in the foreground until SIGTERM / Ctrl-C, then exit 0."""
    from svcsync import wiring

    settings = load(args)
    keys = _keys(settings, None)
    log.info("daemon starting for tenants %s", ", ".join(keys))
    wiring.run_daemon(settings, keys)
    log.info("daemon stopped")
    return exitcodes.OK


def cmd_worker(args: argparse.Namespace, out: Output) -> int:
    """Scale-out: a procrastinate worker on the PostgreSQL state store, or ``--defer`` jobs."""
    from svcsync import wiring

    if (args.sweep or args.tenant) and not args.defer:
        raise UsageError("--sweep and --tenant go with --defer (queue jobs now and exit)")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(f"--concurrency must be 1 or more, got {args.concurrency}")
    settings = load(args)
    keys = _keys(settings, args.tenant)
    if args.defer:
        queued = wiring.defer_jobs(
            settings, keys, kind="sweep" if args.sweep else "cycle", tenant=args.tenant
        )
        if out.json_mode:
            out.json({"queued": queued})
        else:
            for lock, job in queued.items():
                out.line(
                    f"{lock}: job {job} queued" if job is not None else f"{lock}: already queued"
                )
        return exitcodes.OK
    log.info("worker starting for tenants %s", ", ".join(keys))
    wiring.run_worker(settings, keys, concurrency=args.concurrency)
    log.info("worker stopped")
    return exitcodes.OK


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    """The embedded demo (see ``svcsync/demo.py``)."""
    from svcsync.demo import run_demo

    result = run_demo(
        out,
        orders=args.orders,
        seed=args.seed,
        odoo_version=args.odoo_version,
        keep_running=args.keep_running,
    )
    return exitcodes.OK if result.findings else exitcodes.RUN_FAILED


# --------------------------------------------------------------------------- status, findings


def _open_store(settings: Settings) -> Any:
    """The state store, refusing to create an empty SQLite file just to report "nothing"."""
    from jobs.state import open_store

    url = settings.state.url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise UsageError(
                f"no state yet: {path} does not exist ([state] url); run `svcsync run --once` "
                "or start `svcsync daemon` first"
            )
    return open_store(url)


def cmd_status(args: argparse.Namespace, out: Output) -> int:
    """Per tenant and stream: last run, cursor, lag, counts, errors (from the state store only)."""
    settings = load(args)
    store = _open_store(settings)
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        report = []
        for tenant in settings.erp:
            status = store.status(tenant.name)
            recent = store.runs(tenant.name, limit=10_000)
            streams = []
            for stream, cursor in sorted(status["cursors"].items()):
                if stream.startswith("@"):
                    continue  # internal markers (e.g. the last analysis), not streams
                mark = _cursor_time(cursor)
                synced = _synced_at(recent, stream)
                counts, error = _stream_last(recent, stream)
                # Lag: how long ago the mirror was last brought up to date with Odoo for this
                # stream (a quiet stream whose newest record is old is not lagging).
                lag = (now - synced).total_seconds() if synced is not None else None
                streams.append(
                    {
                        "stream": stream,
                        "cursor": mark.isoformat(sep=" ") if mark else None,
                        "synced_at": synced.isoformat(sep=" ") if synced else None,
                        "lag_seconds": max(0, round(lag)) if lag is not None else None,
                        "last_counts": counts,
                        "last_error": error,
                        "state": cursor,
                    }
                )
            status["streams"] = streams
            status["runs_finished"] = sum(1 for r in recent if r.ended_at and r.kind != "dry-run")
            status["recent_runs"] = [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "status": r.status,
                    "started_at": r.started_at,
                    "ended_at": r.ended_at,
                    "errors": r.errors,
                }
                for r in recent[:5]
            ]
            report.append(status)
    finally:
        store.close()
    if out.json_mode:
        out.json({"tenants": report})
        return exitcodes.OK
    for status in report:
        last = status.get("last_run") or {}
        out.line(
            f"tenant {status['tenant']}: last run {last.get('status', 'never')}"
            + (f" at {last.get('ended_at') or last.get('started_at')}" if last else "")
            + (f", errors: {'; '.join(last.get('errors') or [])}" if last.get("errors") else "")
        )
        mirror = status.get("mirror", {})
        out.table(
            None,
            ["stream", "cursor (Odoo write_date)", "synced", "mirrored", "last pull", "error"],
            [
                (
                    s["stream"],
                    s["cursor"],
                    _duration(s["lag_seconds"]) + " ago" if s["lag_seconds"] is not None else "-",
                    _mirror_count(mirror, s["stream"]),
                    _kv(s["last_counts"]) if s["last_counts"] else "-",
                    s["last_error"] or "",
                )
                for s in status["streams"]
            ],
        )
        open_findings = status.get("open_findings", {})
        out.line(
            f"open findings: {sum(open_findings.values())}  outbox: "
            + ", ".join(f"{k} {v}" for k, v in sorted(status.get("outbox", {}).items()))
            + f"  quarantined records: {status.get('quarantined', 0)}"
        )
    return exitcodes.OK


def cmd_findings(args: argparse.Namespace, out: Output) -> int:
    """The findings in the state store, newest first."""
    settings = load(args)
    tenant = settings.tenant(args.tenant).name if args.tenant else None
    store = _open_store(settings)
    try:
        rows = store.findings(tenant, status="open" if args.open else None)
    finally:
        store.close()
    if out.json_mode:
        out.json({"findings": rows})
        return exitcodes.OK
    out.table(
        f"{len(rows)} finding(s)" + (" open" if args.open else ""),
        ["severity", "rule", "subject", "status", "what"],
        [
            (
                r["severity"],
                r["rule"],
                f"{r['subject_model']},{r['subject_id']}",
                r["status"],
                r["message"],
            )
            for r in rows
        ],
    )
    return exitcodes.OK


def _stream_last(runs: list[Any], stream: str) -> tuple[dict[str, int], str | None]:
    """The counts of the newest finished run that pulled ``stream``, and the error of the newest
    run that failed on it if that run is newer (``stream: ...`` lines of the run's errors)."""
    prefix = f"{stream}: "
    for run in runs:  # newest first
        if run.kind == "dry-run" or not run.ended_at:
            continue
        errors = [str(e) for e in (run.errors or []) if str(e).startswith(prefix)]
        if errors:
            return {}, errors[-1].removeprefix(prefix)
        counts = run.counts if isinstance(run.counts, dict) else {}
        pulled = counts.get("streams", {}).get(stream)
        if isinstance(pulled, dict):
            return {k: int(v) for k, v in pulled.items()}, None
    return {}, None


def _synced_at(runs: list[Any], stream: str) -> datetime | None:
    """When the newest finished run that pulled ``stream`` without an error ended (UTC)."""
    for run in runs:  # newest first
        counts = run.counts if isinstance(run.counts, dict) else {}
        if run.kind == "dry-run" or not run.ended_at or stream not in counts.get("streams", {}):
            continue
        try:
            return datetime.fromisoformat(str(run.ended_at).replace("T", " ")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def _cursor_time(cursor: Any) -> datetime | None:
    """The Odoo ``write_date`` a stream cursor has reached, whatever its versioned shape."""
    if not isinstance(cursor, dict):
        return None
    # jobs/cursor.py v1: "high" is the newest write_date read; older shapes named it otherwise.
    for key in ("high", "write_date", "start"):
        value = cursor.get(key)
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("T", " "))
            except ValueError:
                continue
    return None


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def _mirror_count(mirror: dict[str, int], stream: str) -> int | str:
    from jobs.streams import BY_NAME

    declared = BY_NAME.get(stream)
    return mirror.get(declared.model if declared else stream, "-")
