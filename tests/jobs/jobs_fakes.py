"""A small in-memory stand-in for ``connector.OdooClient`` (the jobs/ gateway seam).

It keeps records per model, stamps ``write_date`` from a settable Odoo clock (so tests can plant
late commits and runs of identical write_dates), and answers the read methods the pull uses with
the same ordering and keyset semantics as the real client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.capabilities import Capabilities

_OPS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a is not False and a > b,
    ">=": lambda a, b: a is not False and a >= b,
    "<": lambda a, b: a is not False and a < b,
    "in": lambda a, b: a in b,
}


class FakeOdoo:
    def __init__(self, version: str = "17") -> None:
        self.version = version
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
        self.next_id = 1
        self.calls: list[tuple[str, str]] = []
        self.fail_next: list[Exception] = []

    # -- test helpers
    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def put(self, model: str, values: Mapping[str, Any], *, late: float = 0.0) -> int:
        rid = int(values.get("id") or self.next_id)
        self.next_id = max(self.next_id, rid + 1)
        stamp = (self.now - timedelta(seconds=late)).strftime("%Y-%m-%d %H:%M:%S")
        row = {**self.records.setdefault(model, {}).get(rid, {}), **values, "id": rid}
        row["write_date"] = stamp
        self.records[model][rid] = row
        return rid

    def drop(self, model: str, rid: int) -> None:
        del self.records[model][rid]

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            server_version=f"{self.version}.0",
            version_major=int(self.version),
            protocol="fake",
            uid=2,
            apps=None,
            fields={m: {} for m in self.records},
        )

    # -- reads
    def _match(self, row: Mapping[str, Any], domain: Sequence[Any]) -> bool:
        for term in domain:
            if not isinstance(term, tuple | list):
                continue  # prefix operators: the fake's callers only AND plain terms
            name, op, value = term
            if "." in name:
                continue
            if not _OPS[op](row.get(name, False), value):
                return False
        return True

    def _fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    def stream(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        after: tuple[str, int] | None = None,
        page_size: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        limit = page_size or 1000
        pos = after
        while True:
            self.calls.append(("search_read", model))
            self._fail()
            rows = sorted(
                (r for r in self.records.get(model, {}).values() if self._match(r, domain)),
                key=lambda r: (r["write_date"], r["id"]),
            )
            if pos is not None:
                rows = [r for r in rows if (r["write_date"], r["id"]) > pos]
            page = [
                {f: r.get(f, False) for f in {*fields, "id", "write_date"}} for r in rows[:limit]
            ]
            if not page:
                return
            yield page
            if len(page) < limit:
                return
            pos = (page[-1]["write_date"], page[-1]["id"])

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        context: Any = None,
        batch_size: Any = None,
    ) -> list[dict[str, Any]]:
        self.calls.append(("read", model))
        rows = self.records.get(model, {})
        return [{f: rows[i].get(f, False) for f in {*fields, "id"}} for i in ids if i in rows]

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        self.calls.append(("search_read", model))
        self._fail()
        rows = sorted(
            (r for r in self.records.get(model, {}).values() if self._match(r, domain)),
            key=lambda r: r["id"],
        )[offset:]
        if limit is not None:
            rows = rows[:limit]
        return [{f: r.get(f, False) for f in {*fields, "id"}} for r in rows]


class FakeClient(FakeOdoo):
    """The fake with the session methods ``run_cycle`` calls (connect, close, lookups)."""

    def __init__(self, version: str = "17", connect_delay: float = 0.0) -> None:
        super().__init__(version)
        self.connect_delay = connect_delay
        self.connected = 0

    def connect(self, required_fields: Any = None, rights: Any = None) -> Capabilities:
        import time

        time.sleep(self.connect_delay)
        self.connected += 1
        return self.capabilities

    def close(self) -> None:
        pass

    def find_external_id(self, name: str) -> tuple[str, int, int] | None:
        return None


class FakeWriter(FakeClient):
    """The fake with the write side the push uses: external ids, markers, x2many creates.

    ``ensure`` follows the connector's contract (external id, else marker, else create then
    bind); ``crash_after_create`` makes the next ``ensure`` raise after creating the record and
    before binding its external id, like a process killed between the two RPCs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.xml: dict[str, tuple[str, int]] = {}
        self.crash_after_create = False
        self.ticket_fields = True
        self.ensure_many_calls: list[tuple[str, int]] = []

    @property
    def capabilities(self) -> Capabilities:
        fields: dict[str, dict[str, Any]] = {m: {} for m in self.records}
        fields["res.partner"] = {"x_svc_flag": {}}
        fields["helpdesk.ticket"] = {"team_id": {"relation": "helpdesk.ticket.team"}}
        return Capabilities(
            server_version="17.0",
            version_major=17,
            protocol="fake",
            uid=2,
            apps=None,
            fields=fields,
            ticket_model="helpdesk.ticket",
            ticket_flavour="oca",
        )

    def find_external_id(self, name: str) -> tuple[str, int, int] | None:
        found = self.xml.get(name)
        return (found[0], found[1], 1) if found else None

    def create(self, model: str, vals: Any, context: Any = None) -> Any:
        if not isinstance(vals, Mapping):
            return [self.create(model, v) for v in vals]
        lines = vals.get("order_line") or []
        rid = self.put(model, {k: v for k, v in vals.items() if k != "order_line"})
        for cmd in lines:
            self.put("purchase.order.line", {**cmd[2], "order_id": rid})
        if model == "purchase.order":
            self.records[model][rid].setdefault("state", "draft")
        return rid

    def write(
        self, model: str, ids: Sequence[int], vals: Mapping[str, Any], context: Any = None
    ) -> bool:
        for rid in ids:
            plain = {k: v for k, v in vals.items() if k not in ("order_line", "category_id")}
            self.put(model, {**plain, "id": rid})
            for cmd in vals.get("order_line") or []:
                self.put("purchase.order.line", {**cmd[2], "order_id": rid})
        return True

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        *,
        order: Any = None,
        limit: Any = None,
        context: Any = None,
    ) -> list[int]:
        return [r["id"] for r in self.search_read(model, domain, ["id"], limit=limit)]

    def ensure(
        self,
        model: str,
        xml_id: str,
        values: Mapping[str, Any],
        *,
        marker: tuple[str, str] | None = None,
        update: bool = True,
    ) -> tuple[int, bool]:
        found = self.xml.get(xml_id)
        if found and found[1] in self.records.get(model, {}):
            if update:
                self.write(model, [found[1]], values)
            return found[1], False
        recovered = self._recover(model, marker, set())
        if recovered is not None:
            self.xml[xml_id] = (model, recovered)
            return recovered, False
        rid = int(self.create(model, values))
        if self.crash_after_create:
            self.crash_after_create = False
            raise KeyboardInterrupt("killed between the Odoo create and the external id")
        self.xml[xml_id] = (model, rid)
        return rid, True

    def _recover(self, model: str, marker: Any, taken: set[int]) -> int | None:
        from connector.client import marker_in

        if marker is None:
            return None
        field, token = marker
        for rid, row in sorted(self.records.get(model, {}).items()):
            if rid not in taken and marker_in(str(row.get(field, "")), token):
                return rid
        return None

    def ensure_many(
        self,
        model: str,
        items: Sequence[tuple[str, Mapping[str, Any], Any]],
        *,
        update: bool = True,
        batch_size: int = 100,
    ) -> list[tuple[int, bool]]:
        """The batch contract: the records are created first, then all external ids (a crash
        after the create leaves every record of the batch unbound)."""
        self.ensure_many_calls.append((model, len(items)))
        out: dict[str, tuple[int, bool]] = {}
        taken: set[int] = set()
        fresh: list[tuple[str, Mapping[str, Any]]] = []
        for xml_id, values, marker in items:
            found = self.xml.get(xml_id)
            if found and found[1] in self.records.get(model, {}):
                if update:
                    self.write(model, [found[1]], values)
                out[xml_id] = (found[1], False)
                continue
            recovered = self._recover(model, marker, taken)
            if recovered is not None:
                taken.add(recovered)
                out[xml_id] = (recovered, False)
                if update:
                    self.write(model, [recovered], values)
            else:
                fresh.append((xml_id, values))
        ids = [int(self.create(model, values)) for _, values in fresh]
        if fresh and self.crash_after_create:
            self.crash_after_create = False
            raise KeyboardInterrupt("killed between the Odoo create and the external ids")
        out.update({x: (rid, True) for (x, _), rid in zip(fresh, ids, strict=True)})
        for x, (rid, _) in out.items():
            self.xml[x] = (model, rid)
        return [out[x] for x, _, _ in items]

    def model_id(self, model: str) -> int:
        return 1

    def message_post(self, model: str, res_id: int, body_html: str) -> int:
        return self.put("mail.message", {"model": model, "res_id": res_id, "body": body_html})

    def activity_done(self, activity_ids: Sequence[int], feedback: str = "") -> None:
        for rid in activity_ids:
            self.records.get("mail.activity", {}).pop(rid, None)


def put_companies(client: FakeOdoo, count: int) -> None:
    """``count`` company partners ``P0``..``P<count-1>`` (the records most jobs tests page)."""
    for i in range(count):
        client.put(
            "res.partner",
            {
                "name": f"P{i}",
                "display_name": f"P{i}",
                "commercial_partner_id": [1, "Co"],
                "is_company": True,
                "active": True,
            },
        )


def fake_connection(database: str, page_size: int = 100) -> Any:
    """Connection settings of a tenant whose client is a fake (never dialled)."""
    from pydantic import SecretStr

    from connector.settings import ConnectionSettings

    return ConnectionSettings(
        url="http://127.0.0.1:8069",
        database=database,
        login="bot",
        api_key=SecretStr("k"),
        page_size=page_size,
    )
