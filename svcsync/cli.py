"""The ``svcsync`` command: argument parsing, dispatch, and turning failures into exit codes.

Each sub-command lives in ``svcsync/commands.py`` (or its own module) as ``cmd_<name>(args, out)
-> int``.  Failures are raised, never printed deep inside: ``main`` prints one line naming the
problem and its fix, and maps the exception class to an exit code (``svcsync/exitcodes.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from svcsync import exitcodes
from svcsync.output import Output, problem, setup_logging

log = logging.getLogger("svcsync")

EPILOG = (
    "exit codes: 0 ok, 1 run failed, 2 bad config or usage, 3 ERP unreachable or refused. "
    "Config: --config PATH, else $SVCSYNC_CONFIG, else ./svcsync.toml."
)


def _common(json_flag: bool = False, config: bool = True) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    if config:
        parent.add_argument(
            "--config",
            metavar="PATH",
            help="config file (default: $SVCSYNC_CONFIG or ./svcsync.toml)",
        )
    parent.add_argument(
        "--log-format",
        choices=("human", "json"),
        default=os.environ.get("SVCSYNC_LOG_FORMAT", "human"),
        help="log lines on stderr: human (default) or one JSON object per line",
    )
    parent.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default=os.environ.get("SVCSYNC_LOG_LEVEL", "warning"),
        help="log verbosity (default: warning)",
    )
    if json_flag:
        parent.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The full command-line grammar (also used by the README test to compare help texts)."""
    parser = argparse.ArgumentParser(
        prog="svcsync",
        description=(
            "Service management for the Odoo ERP you already run: pull orders, invoices, "
            "deliveries, repairs and stock, find service problems early, and push tickets, "
            "reorder requests and service flags back into Odoo."
        ),
        epilog=EPILOG,
    )
    from svcsync import __version__

    parser.add_argument("--version", action="version", version=f"svcsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    plain = _common()
    with_json = _common(json_flag=True)

    p = sub.add_parser(
        "init",
        parents=[plain],
        help="write a config file from flags (or prompts)",
        description="Write a config file for one Odoo database. Missing values are asked for "
        "on a terminal; with --no-input every required value must be given as a flag.",
    )
    p.add_argument("--name", default="main", help="tenant name (default: main)")
    p.add_argument("--url", help="Odoo base URL, like https://odoo.example.com")
    p.add_argument("--database", help="Odoo database name")
    p.add_argument("--login", default=None, help="bot user login (default: svcsync-bot)")
    p.add_argument(
        "--api-key-env", metavar="VAR", help="environment variable holding the bot user's API key"
    )
    p.add_argument("--api-key-file", metavar="PATH", help="file holding the bot user's API key")
    p.add_argument("--state-url", help="state store URL (default: sqlite:///svcsync-state.db)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config file")
    p.add_argument("--no-input", action="store_true", help="never prompt")
    p.set_defaults(handler="init")

    p = sub.add_parser(
        "check",
        parents=[with_json],
        help="check connection, version, apps, rights and mapped fields",
        description="Connect as the bot user, read the Odoo version and apps, and check every "
        "right svcsync needs per model and operation and every mapped field. Prints a table with "
        "the fix for each failure. Exit 0 only when everything is ready.",
    )
    p.add_argument("--tenant", metavar="NAME", help="check one tenant (default: all)")
    p.set_defaults(handler="check")

    p = sub.add_parser(
        "erp",
        help="install or remove the svcsync part inside Odoo (flag fields, views, activity type)",
        description="Install or uninstall the in-ERP plugin over RPC: x_svc_flag / x_svc_reason "
        "fields, inherited views, the 'Service issue' activity type and the 'Service: at risk' "
        "partner tag. Needs an Odoo administrator (not the bot user).",
    )
    erp_sub = p.add_subparsers(dest="erp_action", metavar="ACTION", required=True)
    for action, text in (("install", "install (idempotent)"), ("uninstall", "remove it all")):
        q = erp_sub.add_parser(action, parents=[with_json], help=text, description=text)
        q.add_argument("--tenant", metavar="NAME", help="tenant (default: the only one)")
        q.add_argument("--login", default="admin", help="Odoo administrator login (default: admin)")
        q.add_argument(
            "--api-key-env",
            metavar="VAR",
            default="SVCSYNC_ADMIN_API_KEY",
            help="environment variable holding the administrator's API key "
            "(default: SVCSYNC_ADMIN_API_KEY)",
        )
        q.set_defaults(handler=f"erp_{action}")

    p = sub.add_parser(
        "run",
        parents=[with_json],
        help="run the sync cycle now (pull, analyze, push)",
        description="Run one sync cycle per tenant now: pull changes, run the rules, push "
        "tickets, reorder requests and flags.",
    )
    p.add_argument("--once", action="store_true", help="one cycle, then exit (the default)")
    p.add_argument("--dry-run", action="store_true", help="print the push plan, write nothing")
    p.add_argument(
        "--stream", metavar="NAME", action="append", help="pull only this stream (repeatable)"
    )
    p.add_argument("--full", action="store_true", help="ignore cursors and re-read everything")
    p.add_argument("--tenant", metavar="NAME", help="one tenant (default: all)")
    p.set_defaults(handler="run")

    p = sub.add_parser(
        "daemon",
        parents=[plain],
        help="run cycles on the [schedule] until SIGTERM",
        description="Run the scheduler in the foreground: each tenant's streams on the "
        "[schedule] intervals. SIGTERM or Ctrl-C finishes the current page and exits 0.",
    )
    p.set_defaults(handler="daemon")

    p = sub.add_parser(
        "worker",
        parents=[with_json],
        help="run cycles as queued jobs shared by several machines (PostgreSQL state)",
        description="Scale-out mode: run a procrastinate worker on the PostgreSQL state store. "
        "Start one per machine; cycles and sweeps of each (tenant, stream group) are queued on "
        "the [schedule] and run by one worker at a time. SIGTERM or Ctrl-C finishes the current "
        "page and exits 0. Needs [state] url = postgresql+psycopg://... and the 'distributed' "
        "extra (pip install 'svcsync[distributed]').",
    )
    p.add_argument(
        "--concurrency", type=int, default=None, metavar="N", help="jobs run at once (default 1)"
    )
    p.add_argument(
        "--defer",
        action="store_true",
        help="queue a cycle (or with --sweep a sweep) for each tenant now, print the job ids, exit",
    )
    p.add_argument("--sweep", action="store_true", help="with --defer: queue a sweep instead")
    p.add_argument("--tenant", metavar="NAME", help="with --defer: one tenant (default: all)")
    p.set_defaults(handler="worker")

    p = sub.add_parser(
        "status",
        parents=[with_json],
        help="last run, cursor, lag, counts and errors per tenant and stream",
        description="Show, per tenant and stream, the last run, cursor, lag, counts and errors "
        "from the state store (no ERP connection needed).",
    )
    p.set_defaults(handler="status")

    p = sub.add_parser(
        "findings",
        parents=[with_json],
        help="list the findings",
        description="List findings from the state store: rule, subject, severity, evidence.",
    )
    p.add_argument("--open", action="store_true", help="only open (unresolved) findings")
    p.add_argument("--tenant", metavar="NAME", help="one tenant (default: all)")
    p.set_defaults(handler="findings")

    p = sub.add_parser(
        "demo",
        parents=[_common(json_flag=True, config=False)],
        help="run the embedded demo against a loopback Odoo",
        description="Start odoosim with a demo company on a free loopback port, install the "
        "ERP plugin, run one full cycle with state in a temporary folder, and print what was "
        "found and where it now appears in Odoo.",
    )
    p.add_argument("--orders", type=int, default=300, help="demo size in sale orders (300)")
    p.add_argument("--seed", type=int, default=7, help="demo data seed (7)")
    p.add_argument(
        "--odoo-version", choices=("16", "17", "18", "19"), default="17", help="Odoo profile"
    )
    p.add_argument(
        "--keep-running", action="store_true", help="leave odoosim up and print how to connect"
    )
    p.set_defaults(handler="demo")

    p = sub.add_parser(
        "sim",
        help="odoosim, the loopback Odoo server",
        description="odoosim: a loopback Odoo server for exploring and testing.",
    )
    sim_sub = p.add_subparsers(dest="sim_action", metavar="ACTION", required=True)
    q = sim_sub.add_parser(
        "serve",
        help="serve a simulated Odoo (see `svcsync sim serve --help`)",
        add_help=False,
    )
    q.add_argument("sim_argv", nargs=argparse.REMAINDER)
    q.set_defaults(handler="sim_serve")
    return parser


def _handlers() -> dict[str, Callable[[argparse.Namespace, Output], int]]:
    from svcsync import commands

    return {
        "init": commands.cmd_init,
        "check": commands.cmd_check,
        "erp_install": commands.cmd_erp_install,
        "erp_uninstall": commands.cmd_erp_uninstall,
        "run": commands.cmd_run,
        "daemon": commands.cmd_daemon,
        "worker": commands.cmd_worker,
        "status": commands.cmd_status,
        "findings": commands.cmd_findings,
        "demo": commands.cmd_demo,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["sim", "serve"]:
        # odoosim owns its flags; handing it the raw argv keeps `--help` and errors its own.
        from odoosim.cli import main as sim_main

        return sim_main(["serve", *args_list[2:]], prog="svcsync sim")
    parser = build_parser()
    args = parser.parse_args(args_list)
    setup_logging(getattr(args, "log_format", "human"), getattr(args, "log_level", "warning"))
    out = Output(json_mode=bool(getattr(args, "json", False)))
    try:
        return _handlers()[args.handler](args, out)
    except KeyboardInterrupt:
        problem("interrupted", 130)
        return 130
    except Exception as exc:
        code = exitcodes.exit_code_for(exc)
        log.debug("command failed", exc_info=True)
        for line in describe(exc):
            problem(line, code)
        return code


def describe(exc: BaseException) -> list[str]:
    """One line per problem, without a traceback (``--log-level debug`` logs the traceback)."""
    problems = getattr(exc, "problems", None)
    if isinstance(problems, list) and problems:
        source = getattr(exc, "source", "")
        prefix = f"{source}: " if source and not str(problems[0]).startswith(source) else ""
        return [f"config error: {prefix}{p}" for p in problems]
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return [f"error: {text}"]


if __name__ == "__main__":
    sys.exit(main())
