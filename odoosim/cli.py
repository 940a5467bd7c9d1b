"""The command ``python -m odoosim serve ...`` (exposed as ``svcsync sim serve``, same argv).

When the server is ready it prints ONE JSON line on stdout (``url``, ``database``, logins, the
bot's API key, ``odoo_version``, ``manifest`` path or null) and serves until SIGINT/SIGTERM,
then exits 0.  Bad flags exit 2 with a message on stderr naming the flag; a server that cannot
start (port taken) exits 1.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from odoosim.faults import FaultConfigError, parse_fault_flag

VERSIONS = ("16", "17", "18", "19")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {text!r}")
    return value


def _fault(text: str) -> tuple[str, Any]:
    try:
        return parse_fault_flag(text)
    except FaultConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser(prog: str = "odoosim") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="A loopback Odoo for tests and demos.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a simulated Odoo until SIGINT/SIGTERM",
        description="Serve a simulated Odoo; prints one JSON line with the URL and credentials "
        "when ready.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8069, help="port (0 = any free port)")
    serve.add_argument(
        "--odoo-version",
        choices=VERSIONS,
        default=None,
        help="version profile (default 17, or the version of a --dataset file)",
    )
    serve.add_argument(
        "--dataset", default="demo", help="demo, empty, or the path of a dataset JSON file"
    )
    serve.add_argument("--orders", type=_positive_int, default=300, help="demo size (orders)")
    serve.add_argument("--seed", type=int, default=7, help="demo seed")
    serve.add_argument("--database", default="demo", help="database name (default demo)")
    serve.add_argument(
        "--apps",
        nargs="+",
        default=None,
        help="installed apps, space or comma separated (default: all)",
    )
    serve.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="inject a fault, e.g. latency_ms=50, http_status=503, serialization_rate=0.1",
    )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "odoosim") -> int:
    """Run the command; returns the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command == "serve":
        return _serve(parser, args)
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover - parser.error exits


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from odoosim.datasets import DatasetError
    from odoosim.exceptions import DatasetError as LoadError
    from odoosim.server import SimServer, SimServerError

    apps: list[str] | None = None
    if args.apps is not None:
        apps = [name.strip() for item in args.apps for name in item.split(",") if name.strip()]
    if args.database.strip() != args.database or not args.database:
        parser.error(f"argument --database: invalid database name {args.database!r}")
    faults = dict(args.fault)
    sim = SimServer(
        odoo_version=args.odoo_version,
        dataset=args.dataset,
        orders=args.orders,
        seed=args.seed,
        apps=apps,
        faults=faults,
        database=args.database,
        port=args.port,
        host=args.host,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            sim.start()
        except (DatasetError, LoadError, FileNotFoundError) as exc:
            print(f"{parser.prog} serve: error: argument --dataset: {exc}", file=sys.stderr)
            return 2
        except SimServerError as exc:
            print(f"{parser.prog} serve: error: {exc}", file=sys.stderr)
            return 1
        except ValueError as exc:
            # The ORM refuses unknown apps or versions with a ValueError naming them.
            print(f"{parser.prog} serve: error: {exc}", file=sys.stderr)
            return 2
        try:
            print(json.dumps(sim.ready_line()), flush=True)
            sim.serve_until(stop)
        finally:
            sim.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
