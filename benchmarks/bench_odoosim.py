"""Is odoosim ever the bottleneck?  Server time vs client decode time per page of sale orders.

Serves the demo company (``--orders``, default 50000) and pages through ``sale.order`` over
JSON-RPC the way the connector does: one ``search_read`` per page of 1,000 rows with 20 fields,
ordered ``write_date asc, id asc`` and keyset-paged on ``(write_date, id)``.  For each page it
takes the server-side time of the call (parse, query, encode; counted by the server) and the
client's JSON decode time of the response body, and prints both with their ratio.

Target: server time <= 2x client decode time.  Prints numbers only; asserts nothing.

    .venv/bin/python benchmarks/bench_odoosim.py --orders 50000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import httpx

from odoosim import SimServer

PREFERRED_FIELDS = [
    "name", "partner_id", "date_order", "state", "amount_total", "amount_untaxed",
    "amount_tax", "currency_id", "user_id", "company_id", "write_date", "create_date",
    "commitment_date", "partner_invoice_id", "partner_shipping_id", "invoice_status",
    "client_order_ref", "origin", "validity_date", "delivery_status", "pricelist_id",
    "payment_term_id", "team_id", "note", "expected_date", "locked",
]  # fmt: skip


def _rpc(client: httpx.Client, args: list[Any]) -> bytes:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": "object", "method": "execute_kw", "args": args},
        "id": 1,
    }
    response = client.post("/jsonrpc", json=payload)
    response.raise_for_status()
    return response.content


def run(orders: int, page_size: int, max_pages: int | None, version: str) -> dict[str, Any]:
    started = time.perf_counter()
    with SimServer(odoo_version=version, dataset="demo", orders=orders, seed=7) as sim:
        setup_seconds = time.perf_counter() - started
        login = ["demo", 2, "admin"]
        with httpx.Client(base_url=sim.url, timeout=120) as client:
            fields_get = json.loads(
                _rpc(client, [*login, "sale.order", "fields_get", [], {"attributes": ["type"]}])
            )["result"]
            fields = [name for name in PREFERRED_FIELDS if name in fields_get][:20]
            server_ms: list[float] = []
            decode_ms: list[float] = []
            rows_total = 0
            after: tuple[str, int] | None = None
            while max_pages is None or len(server_ms) < max_pages:
                domain: list[Any] = []
                if after is not None:
                    domain = ["|", ["write_date", ">", after[0]], "&",
                              ["write_date", "=", after[0]], ["id", ">", after[1]]]  # fmt: skip
                kwargs = {"fields": fields, "order": "write_date asc, id asc", "limit": page_size}
                sim.stats.reset()
                body = _rpc(client, [*login, "sale.order", "search_read", [domain], kwargs])
                t0 = time.perf_counter()
                rows = json.loads(body)["result"]
                decode_ms.append((time.perf_counter() - t0) * 1000)
                (server_seconds,) = sim.stats.server_seconds(method="search_read")
                server_ms.append(server_seconds * 1000)
                rows_total += len(rows)
                if len(rows) < page_size:
                    break
                after = (rows[-1]["write_date"], rows[-1]["id"])
    server_median = statistics.median(server_ms)
    decode_median = statistics.median(decode_ms)
    return {
        "orders": orders,
        "odoo_version": version,
        "fields": len(fields),
        "page_size": page_size,
        "pages": len(server_ms),
        "rows": rows_total,
        "setup_seconds": round(setup_seconds, 1),
        "server_ms_median": round(server_median, 2),
        "server_ms_p95": round(_p95(server_ms), 2),
        "decode_ms_median": round(decode_median, 2),
        "decode_ms_p95": round(_p95(decode_ms), 2),
        "ratio_median": round(server_median / decode_median, 2) if decode_median else None,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=50000, help="demo size (default 50000)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=None, help="stop after N pages")
    parser.add_argument("--odoo-version", default="17", choices=("16", "17", "18", "19"))
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    args = parser.parse_args(argv)
    result = run(args.orders, args.page_size, args.pages, args.odoo_version)
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"odoosim {result['odoo_version']} demo, {result['orders']} orders "
        f"(setup {result['setup_seconds']} s): {result['pages']} pages of "
        f"{result['page_size']} sale.order rows x {result['fields']} fields over jsonrpc"
    )
    print(f"{'':24}{'median':>10}{'p95':>10}")
    print(f"{'server ms / page':24}{result['server_ms_median']:>10}{result['server_ms_p95']:>10}")
    print(
        f"{'client decode ms / page':24}{result['decode_ms_median']:>10}{result['decode_ms_p95']:>10}"
    )
    ratio = result["ratio_median"]
    verdict = "within" if ratio is not None and ratio <= 2 else "ABOVE"
    print(f"server / decode ratio (median): {ratio}  ({verdict} the 2x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
