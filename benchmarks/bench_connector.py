"""Connector overhead: stream N ``sale.order`` rows (20 fields) through ``OdooClient.stream``
versus bare odoo-client-lib ``execute_kw('search_read')`` paging, same protocol, same odoosim.

    .venv/bin/python benchmarks/bench_connector.py [--orders 50000] [--protocols jsonrpc,xmlrpc]

Prints both times per protocol and their ratio (target: connector / bare <= 1.10).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import odoolib
from pydantic import SecretStr

from connector import ConnectionSettings, OdooClient

WANTED_FIELDS = [
    "name",
    "state",
    "partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "date_order",
    "commitment_date",
    "validity_date",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "currency_id",
    "invoice_status",
    "delivery_status",
    "company_id",
    "user_id",
    "team_id",
    "client_order_ref",
    "origin",
    "create_date",
    "note",
    "payment_term_id",
]


def bare_odoolib(sim: Any, protocol: str, fields: list[str], page: int) -> tuple[float, int]:
    """The plain way: offset paging through the library's object service."""
    conn = odoolib.get_connection(
        hostname=sim.host,
        protocol=protocol,
        port=sim.port,
        database=sim.database,
        login=sim.bot_login,
        password=sim.bot_api_key,
    )
    conn.check_login()
    obj = conn.get_service("object")
    start = time.perf_counter()
    offset = total = 0
    while True:
        rows = obj.execute_kw(
            sim.database,
            conn.user_id,
            sim.bot_api_key,
            "sale.order",
            "search_read",
            [[]],
            {"fields": fields, "limit": page, "offset": offset, "order": "id asc"},
        )
        total += len(rows)
        if len(rows) < page:
            break
        offset += page
    return time.perf_counter() - start, total


def connector(sim: Any, protocol: str, fields: list[str], page: int) -> tuple[float, int]:
    settings = ConnectionSettings(
        url=sim.url,
        database=sim.database,
        login=sim.bot_login,
        protocol=protocol,
        api_key=SecretStr(sim.bot_api_key),
    )
    with OdooClient(settings) as client:
        client.connect()
        start = time.perf_counter()
        total = 0
        for rows in client.stream("sale.order", [], fields, page_size=page):
            total += len(rows)
        return time.perf_counter() - start, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=50_000, help="sale.order rows (50000)")
    parser.add_argument("--protocols", default="jsonrpc,xmlrpc")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--odoo-version", default="17")
    parser.add_argument("--repeat", type=int, default=2, help="runs per side; best kept")
    args = parser.parse_args(argv)

    from odoosim import SimServer

    print(f"starting odoosim {args.odoo_version} with {args.orders} orders...", flush=True)
    with SimServer(odoo_version=args.odoo_version, dataset="demo", orders=args.orders) as sim:
        admin = OdooClient(
            ConnectionSettings(
                url=sim.url,
                database=sim.database,
                login=sim.admin_login,
                protocol="jsonrpc",
                api_key=SecretStr(sim.admin_password),
            )
        )
        with admin:
            admin.connect()
            known = admin.fields_get("sale.order", ["type"])
            count = admin.search_count("sale.order", [])
        fields = [*[f for f in WANTED_FIELDS if f in known][:19], "write_date"]
        print(f"{count} sale.order rows, {len(fields)} fields, page size {args.page_size}")
        worst = 0.0
        for protocol in args.protocols.split(","):
            bare_t = conn_t = float("inf")
            for _ in range(args.repeat):
                # Alternate the sides so that warm-up and noise hit both alike.
                t, n_bare = bare_odoolib(sim, protocol, fields, args.page_size)
                bare_t = min(bare_t, t)
                t, n_conn = connector(sim, protocol, fields, args.page_size)
                conn_t = min(conn_t, t)
            if n_bare != n_conn:
                print(f"  row counts differ: bare {n_bare}, connector {n_conn}")
                return 1
            ratio = conn_t / bare_t
            worst = max(worst, ratio)
            print(
                f"{protocol:8s} rows={n_conn}  bare odoolib {bare_t:7.2f}s  "
                f"connector {conn_t:7.2f}s  ratio {ratio:5.2f}  (target <= 1.10)"
            )
        print(f"worst ratio {worst:.2f}: {'OK' if worst <= 1.10 else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
