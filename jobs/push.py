"""Push: make Odoo show the findings — tickets, activities, flags, reorder lines — exactly once.

Every action goes through an outbox row keyed by its action key (``ticket:<finding key>``,
``flag:<model>:<id>``...).  Before creating anything the push looks up the local binding, then
the ``svcsync`` external id in Odoo, then a marker written into the record (``OdooClient.ensure``),
so a crash between "created in Odoo" and "recorded here" never creates a second record.  An
unchanged payload (content hash) is not re-written.  Resolved findings close what they opened:
the activity is marked done, the flag goes back to green, a note is posted on the ticket.
Reorder requests become lines of a *draft* RFQ per vendor that svcsync created (merged into the
open one if there is one; never confirmed), each line carrying its finding's token so a crash
between the write and the local commit cannot add it twice.

``dry_run`` computes the same plan and writes nothing, neither in Odoo nor in the state store.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connector.client import EnsureItem
from connector.errors import ConnectorError, NotFoundError, RecordError, TransientError
from jobs import actions as act
from jobs.config import PushConfig
from jobs.gateway import Gateway
from jobs.state import Lease, StaleLeaseError, Store
from mappings.outbound import (
    TicketTarget,
    activity_values,
    flag_values,
    partner_tag_command,
    purchase_line_values,
    resolution_note_html,
    ticket_values,
)
from service.model import Finding, FlagLevel, ReorderRequest

_logger = logging.getLogger(__name__)

ACTIVITY_TYPE_XML = "activity_type_service_issue"
TAG_XML = "partner_tag_service_at_risk"


class PushError(Exception):
    """The push cannot run as configured; the message says what to change."""


@dataclass(frozen=True)
class PushTarget:
    """Where things go on this server (detected once per cycle)."""

    ticket: TicketTarget
    team_id: int | None = None
    project_id: int | None = None
    activity_type_id: int | None = None
    tag_id: int | None = None
    flags: bool = False
    activity_user_id: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def ticket_model(self) -> str | None:
        return {
            TicketTarget.helpdesk_oca: "helpdesk.ticket",
            TicketTarget.helpdesk_enterprise: "helpdesk.ticket",
            TicketTarget.project_task: "project.task",
        }.get(self.ticket)


@dataclass
class PushReport:
    planned: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    resolved: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "resolved": self.resolved,
            "failed": self.failed,
        }


def _by_name(gw: Gateway, model: str, name: str) -> int | None:
    rows = gw.search_read(model, [("name", "=", name)], ["id"], order="id asc", limit=1)
    return int(rows[0]["id"]) if rows else None


def _xml(gw: Gateway, name: str) -> int | None:
    found = gw.find_external_id(name)
    return found[1] if found else None


def detect_target(gw: Gateway, cfg: PushConfig) -> PushTarget:
    """Ticket target (helpdesk.ticket, else project.task in the configured project, else
    activities only), team, activity type, partner tag, and whether flags can be written."""
    caps = gw.capabilities
    notes: list[str] = []
    want = cfg.ticket_target
    ticket = TicketTarget.activity
    project_id = team_id = None
    if want in ("auto", "helpdesk.ticket") and caps.ticket_flavour in ("oca", "enterprise"):
        ticket = (
            TicketTarget.helpdesk_oca
            if caps.ticket_flavour == "oca"
            else TicketTarget.helpdesk_enterprise
        )
        if cfg.team:
            team_model = "helpdesk.ticket.team" if caps.ticket_flavour == "oca" else "helpdesk.team"
            team_id = _by_name(gw, team_model, cfg.team)
            if team_id is None:
                raise PushError(f"[push] team = {cfg.team!r}: no {team_model} with that name")
    elif want == "helpdesk.ticket":
        raise PushError(
            "[push] ticket_target = 'helpdesk.ticket' but no helpdesk app is installed; "
            "use 'auto', 'project.task' or 'activities'"
        )
    elif want in ("auto", "project.task") and caps.has_model("project.task") and cfg.project:
        project_id = _by_name(gw, "project.project", cfg.project)
        if project_id is None:
            raise PushError(f"[push] project = {cfg.project!r}: no project.project with that name")
        ticket = TicketTarget.project_task
    elif want == "project.task":
        raise PushError(
            "[push] ticket_target = 'project.task' needs the project app and [push] project = "
            "'<project name>'"
        )
    else:
        notes.append("no helpdesk app and no [push] project: findings get activities only")
    activity_type_id = _xml(gw, ACTIVITY_TYPE_XML)
    if activity_type_id is None:
        rows = gw.search_read(
            "ir.model.data",
            [("module", "=", "mail"), ("name", "=", "mail_activity_data_todo")],
            ["res_id"],
            limit=1,
        )
        activity_type_id = int(rows[0]["res_id"]) if rows else None
        notes.append("ERP plugin not installed: activities use To-Do (run `svcsync erp install`)")
    activity_user_id = None
    if cfg.activity_user:
        users = gw.search_read(
            "res.users", [("login", "=", cfg.activity_user)], ["id"], order="id asc", limit=1
        )
        if not users:
            raise PushError(
                f"[push] activity_user = {cfg.activity_user!r}: no user with that login"
            )
        activity_user_id = int(users[0]["id"])
    flags = caps.has_field("res.partner", "x_svc_flag")
    if not flags:
        notes.append("ERP plugin not installed: no x_svc_flag to write, flags skipped")
    return PushTarget(
        ticket=ticket,
        team_id=team_id,
        project_id=project_id,
        activity_type_id=activity_type_id,
        tag_id=_xml(gw, TAG_XML),
        flags=flags,
        activity_user_id=activity_user_id,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------- planning


def desired(
    tenant: str,
    open_findings: Sequence[Finding],
    resolved_keys: Iterable[str],
    target: PushTarget,
    cfg: PushConfig,
    previously_flagged: Iterable[str],
) -> list[act.Action]:
    """Everything that should be true in Odoo, as outbox actions (pure).

    What each finding asks for is ``service.actions.plan``; this only places it: tickets go to
    the detected ticket model (or become activities on the subject when there is none),
    reorder requests become RFQ lines, flags are written where the plugin's fields are."""
    by_key = {f.key: f for f in open_findings}
    wanted = act.plan(open_findings, cfg.flag_models)
    out: list[act.Action] = []
    for t in wanted.tickets:
        if target.ticket is not TicketTarget.activity:
            values = ticket_values(
                t, target.ticket, team_id=target.team_id, project_id=target.project_id
            )
            # The bracketed, fixed-length token finds the ticket after a crash; the finding key
            # itself cannot ("...:1" is the start of "...:12").
            marker = f"[{act.token(t.finding_key)}]"
            values["description"] = _with_marker(str(values.get("description") or ""), marker)
            payload = {
                "model": target.ticket_model,
                "values": values,
                "xml": act.xml_name(tenant, "ticket", t.finding_key),
                "marker": marker,
            }
            out.append(act.Action(f"ticket:{t.finding_key}", act.TICKET, t.finding_key, payload))
        else:  # no ticket model: the ticket becomes an activity on its subject
            out.extend(_activity(tenant, by_key[t.finding_key], target, t.title, t.description))
    for f in wanted.activities:
        title = act.RULE_TITLES.get(f.rule, f.rule)
        out.extend(_activity(tenant, f, target, title, f.message))
    for req in wanted.reorders:
        line = act.rfq_line_request(req)
        payload = {"request": line.model_dump(mode="json"), "token": act.token(req.finding_key)}
        out.append(act.Action(f"reorder:{req.finding_key}", act.REORDER, req.finding_key, payload))
    if target.flags:
        models = set(cfg.flag_models)
        again = [s for s in previously_flagged if s.partition(":")[0] in models]
        for flag in [*wanted.flags, *act.green_flags(wanted.flags, again)]:
            flag_payload: dict[str, Any] = {
                "model": flag.subject.model,
                "id": flag.subject.id,
                "values": flag_values(flag),
                "level": flag.level.value,
            }
            key = f"flag:{flag.subject.model}:{flag.subject.id}"
            out.append(act.Action(key, act.FLAG, None, flag_payload))
    for key in sorted(set(resolved_keys)):
        out.append(act.Action(f"resolve:{key}", "resolve", key, {"finding_key": key}))
    return out


def _activity(
    tenant: str, f: Finding, target: PushTarget, title: str, sentence: str
) -> list[act.Action]:
    """An activity on the finding's subject (none without an activity type)."""
    if target.activity_type_id is None:
        return []
    payload = {
        "res_model": f.subject.model,
        "res_id": f.subject.id,
        "summary": act.summary(title, f.key),
        "sentence": sentence,
        "evidence": dict(f.evidence),
        "deadline": f.detected_at.date().isoformat(),
        "xml": act.xml_name(tenant, "activity", f.key),
    }
    return [act.Action(f"activity:{f.key}", act.ACTIVITY, f.key, payload)]


def _previously_flagged(store: Store, tenant: str) -> list[str]:
    return [
        b["key"].removeprefix("flag:")
        for b in store.bindings_like(tenant, "flag:")
        if b["extra"].get("level") not in (None, FlagLevel.green.value)
    ]


def plan(
    store: Store, tenant: str, actions: Sequence[act.Action]
) -> tuple[list[dict[str, Any]], list[act.Action]]:
    """(human plan, actions that need work) — read-only on the store."""
    state = store.outbox_state(tenant, [a.key for a in actions])
    out: list[dict[str, Any]] = []
    todo: list[act.Action] = []
    for a in actions:
        old = state.get(a.key)
        if a.kind == "resolve":
            op = "resolve"
        elif (old is not None and old[0] == a.hash and old[1] == "done") or (
            a.kind == act.FLAG and a.payload["level"] == FlagLevel.green.value and old is None
        ):
            continue
        else:
            op = "update" if store.binding(tenant, a.key) is not None else "create"
        out.append({"op": op, "kind": a.kind, "key": a.key, "summary": _summary(a)})
        todo.append(a)
    return out, todo


def _summary(a: act.Action) -> str:
    p = a.payload
    if a.kind == act.TICKET:
        return f"{p['model']}: {p['values'].get('name')}"
    if a.kind == act.ACTIVITY:
        return f"activity on {p['res_model']},{p['res_id']}: {p['summary']}"
    if a.kind == act.FLAG:
        return f"{p['model']},{p['id']} -> {p['level']}"
    if a.kind == act.REORDER:
        r = p["request"]
        return f"RFQ line: {r['quantity']:g} x {r['product'].get('name') or r['product']['id']} (vendor {r['vendor_id']})"
    return f"resolve {a.finding_key}"


# ---------------------------------------------------------------------------------- applying


class Pusher:
    """Applies outbox actions for one tenant under its push lease."""

    def __init__(
        self,
        tenant: str,
        gw: Gateway,
        store: Store,
        target: PushTarget,
        cfg: PushConfig,
        lease: Lease | None = None,
    ) -> None:
        self.tenant = tenant
        self.gw = gw
        self.store = store
        self.target = target
        self.cfg = cfg
        self.lease = lease
        self.report = PushReport()

    def run(self, todo: Sequence[act.Action]) -> PushReport:
        for a in todo:
            self.store.enqueue(self.tenant, a.key, a.kind, a.payload, a.hash, a.finding_key)
        pending = {p["key"]: p for p in self.store.pending(self.tenant)}
        items = [a for a in todo if a.key in pending]
        # Failed rows are retried when a cycle still wants them; rows no longer wanted stay
        # in the outbox (visible in `svcsync status`) until their finding resolves.
        flags: dict[str, list[act.Action]] = {}
        for a in items:
            if a.kind == act.FLAG:
                flags.setdefault(a.payload["model"], []).append(a)
        for _model, members in sorted(flags.items()):
            self._guard(self._flags, members)  # a model refusing flags fails only its own
        self._tickets([a for a in items if a.kind == act.TICKET])
        self._activities([a for a in items if a.kind == act.ACTIVITY])
        reorders = [a for a in items if a.kind == act.REORDER]
        by_vendor: dict[int | None, list[act.Action]] = {}
        for a in reorders:
            by_vendor.setdefault(a.payload["request"]["vendor_id"], []).append(a)
        for vendor, group in sorted(by_vendor.items(), key=lambda kv: kv[0] or 0):
            self._guard(lambda g, v=vendor: self._reorders(v, g), group)
        for a in items:
            if a.kind == "resolve":
                self._guard(self._resolve, [a])
        return self.report

    def _guard(self, fn: Any, group: list[act.Action]) -> None:
        if not group:
            return
        try:
            fn(group)
        except (StaleLeaseError, TransientError):
            raise  # lost lease / Odoo down: stop the push, the outbox keeps the rest
        except (ConnectorError, ValueError) as exc:
            for a in group:
                self.store.fail(self.tenant, a.key, str(exc))
            self.report.failed += len(group)
            self.report.errors.append(f"{group[0].key}: {exc}")

    def _done(self, a: act.Action, model: str, res_id: int, created: bool, **extra: Any) -> None:
        self.store.complete(
            self.tenant,
            a.key,
            bind=[
                {
                    "key": a.key,
                    "odoo_model": model,
                    "odoo_id": res_id,
                    "xml_id": a.payload.get("xml"),
                    "content_hash": a.hash,
                    "extra": extra,
                }
            ],
            lease=self.lease,
            content_hash=a.hash,
        )
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1

    # -- flags: idempotent writes, batched per (model, values)
    def _flags(self, group: list[act.Action]) -> None:
        size = self.cfg.batch_size
        by_model: dict[str, list[act.Action]] = {}
        for a in group:
            by_model.setdefault(a.payload["model"], []).append(a)
        for model, members in sorted(by_model.items()):
            # One existence check per model (a flagged record may have been deleted in Odoo).
            ids = sorted({int(a.payload["id"]) for a in members})
            existing: set[int] = set()
            for i in range(0, len(ids), _SEARCH_CHUNK):
                existing.update(
                    self.gw.search(
                        model,
                        [("id", "in", ids[i : i + _SEARCH_CHUNK])],
                        context={"active_test": False},
                    )
                )
            # One write per (values) and at most ``batch_size`` records per call.
            groups: dict[str, list[int]] = {}
            for a in members:
                rid = int(a.payload["id"])
                if rid in existing:
                    groups.setdefault(json.dumps(a.payload["values"], sort_keys=True), []).append(
                        rid
                    )
            for values_json, rids in groups.items():
                values = json.loads(values_json)
                for i in range(0, len(rids), size):
                    self.gw.write(model, sorted(rids[i : i + size]), values)
            if model == "res.partner" and self.target.tag_id:
                # The "Service: at risk" tag: one write to link it, one to unlink it.
                for at_risk in (True, False):
                    tagged = sorted(
                        {
                            int(a.payload["id"])
                            for a in members
                            if int(a.payload["id"]) in existing
                            and (a.payload["level"] == FlagLevel.red.value) is at_risk
                        }
                    )
                    command = {"category_id": partner_tag_command(self.target.tag_id, at_risk)}
                    for i in range(0, len(tagged), size):
                        self.gw.write(model, tagged[i : i + size], command)
            for a in members:
                if int(a.payload["id"]) not in existing:
                    self.store.fail(
                        self.tenant, a.key, f"{model},{a.payload['id']} no longer exists"
                    )
                    self.report.failed += 1
                    continue
                self._done(a, model, int(a.payload["id"]), False, level=a.payload["level"])

    # -- tickets and activities: ensured in batches (one external-id search, one marker search,
    # one create, one external-id create per batch), recovered after a crash by their token
    def _tickets(self, group: list[act.Action]) -> None:
        todo: dict[str, list[act.Action]] = {}
        for a in group:
            bound = self.store.binding(self.tenant, a.key)
            if bound is not None and bound["content_hash"] == a.hash:
                self.store.complete(self.tenant, a.key, lease=self.lease, content_hash=a.hash)
                self.report.skipped += 1
                continue
            todo.setdefault(a.payload["model"], []).append(a)
        for model, members in sorted(todo.items()):
            self._ensure_all(
                model,
                members,
                lambda a: (
                    a.payload["xml"],
                    a.payload["values"],
                    ("description", a.payload["marker"]),
                ),
            )

    def _activities(self, group: list[act.Action]) -> None:
        def item(a: act.Action) -> EnsureItem:
            p = a.payload
            values = activity_values(
                res_model_id=self.gw.model_id(p["res_model"]),
                res_id=int(p["res_id"]),
                activity_type_id=int(self.target.activity_type_id or 0),
                summary=p["summary"],
                sentence=p["sentence"],
                evidence=p["evidence"],
                deadline=date.fromisoformat(p["deadline"]),
                user_id=self.target.activity_user_id,
            )
            return p["xml"], values, ("summary", f"[{act.token(str(a.finding_key))}]")

        self._ensure_all("mail.activity", group, item)

    def _ensure_all(
        self, model: str, group: list[act.Action], item: Callable[[act.Action], EnsureItem]
    ) -> None:
        size = self.cfg.batch_size
        for i in range(0, len(group), size):
            self._guard(lambda g: self._ensure_chunk(model, g, item), group[i : i + size])

    def _ensure_chunk(
        self, model: str, chunk: list[act.Action], item: Callable[[act.Action], EnsureItem]
    ) -> None:
        try:
            results = self.gw.ensure_many(model, [item(a) for a in chunk], batch_size=len(chunk))
        except (StaleLeaseError, TransientError):
            raise
        except (ConnectorError, ValueError):
            if len(chunk) == 1:
                raise
            # One bad record must not fail its batch: each alone (a record the failed batch
            # did create is recovered by its marker), so the error names the one at fault.
            for a in chunk:
                self._guard(lambda g: self._ensure_chunk(model, g, item), [a])
            return
        for a, (res_id, created) in zip(chunk, results, strict=True):
            self._done(a, model, res_id, created)

    # -- reorders: one line per finding, on the open draft RFQ svcsync made for the vendor
    def _reorders(self, vendor: int | None, group: list[act.Action]) -> None:
        if vendor is None:  # service.actions.plan turns these into "no supplier" tickets
            raise ValueError(
                "no vendor for the product: add a vendor (product.supplierinfo) so svcsync "
                "can draft the RFQ"
            )
        # A finding that has its line already: the line follows the request while its RFQ is
        # a draft; once a buyer confirmed or cancelled that RFQ it is left alone (and the
        # finding is never ordered a second time).
        bound = {a.key: b for a in group if (b := self.store.binding(self.tenant, a.key))}
        if bound:
            po_ids = sorted({int(b["odoo_id"]) for b in bound.values()})
            states = {
                int(r["id"]): r.get("state")
                for r in self.gw.read("purchase.order", po_ids, ["state"])
            }
            lines = self._lines([i for i in po_ids if states.get(i) == "draft"])
            for key, b in bound.items():
                a = next(x for x in group if x.key == key)
                po = int(b["odoo_id"])
                line = _line_with(lines.get(po, []), a.payload["token"])
                want = purchase_line_values(ReorderRequest.model_validate(a.payload["request"]))
                changed = line is not None and _line_differs(line, want)
                if changed and line is not None:
                    self.gw.write("purchase.order", [po], {"order_line": [[1, line["id"], want]]})
                self._done(a, "purchase.order", po, False)
        fresh = [a for a in group if a.key not in bound]
        if fresh:
            self._new_lines(vendor, fresh)

    def _new_lines(self, vendor: int, group: list[act.Action]) -> None:
        """Put the group's lines on the vendor's open draft RFQ (created with its lines in one
        call when there is none); a confirmed, sent or cancelled RFQ is never written to."""
        rfq_key = f"rfq:{vendor}"
        bound = self.store.binding(self.tenant, rfq_key)
        serial = int(bound["extra"].get("serial", 1)) if bound is not None else 1
        for _ in range(100):
            prefix = f"svcsync:{self.tenant}:rfq:{vendor}:{serial}"
            lines = [purchase_line_values(_request(a)) for a in group]
            # The external id (or, after a crash, the exact origin) finds this serial's RFQ.
            rfq_id, created = self.gw.ensure(
                "purchase.order",
                act.xml_name(self.tenant, "rfq", prefix),
                {"partner_id": vendor, "origin": prefix, "order_line": [[0, 0, v] for v in lines]},
                marker=("origin", prefix),
                update=False,
            )
            rows = self.gw.read("purchase.order", [rfq_id], ["state"])
            draft = bool(rows) and rows[0].get("state") == "draft"
            present = [] if created else self._lines([rfq_id]).get(rfq_id, [])
            # Lines a crashed push put here before recording them are not added again.
            placed = [a for a in group if _line_with(present, a.payload["token"]) is not None]
            for a in placed:
                self._done(a, "purchase.order", rfq_id, False)
            if not draft:
                group = [a for a in group if a not in placed]
                if not group:
                    return
                serial += 1  # confirmed, sent or cancelled by a buyer: open the next draft
                continue
            break
        else:
            raise ValueError(f"no draft RFQ could be opened for vendor {vendor}")
        if bound is None or bound["odoo_id"] != rfq_id:
            self.store.complete(
                self.tenant,
                rfq_key,
                bind=[
                    {
                        "key": rfq_key,
                        "odoo_model": "purchase.order",
                        "odoo_id": rfq_id,
                        "content_hash": "",
                        "extra": {"serial": serial},
                    }
                ],
                lease=self.lease,
            )
        missing = [a for a in group if a not in placed]
        if missing and not created:
            new = [[0, 0, purchase_line_values(_request(a))] for a in missing]
            self.gw.write("purchase.order", [rfq_id], {"order_line": new})
        keys = {k for line in present for k in _FINDING_IN_LINE.findall(str(line.get("name")))}
        keys |= {str(a.finding_key) for a in missing}
        self.gw.write("purchase.order", [rfq_id], {"origin": _rfq_origin(prefix, keys)})
        for a in missing:
            self._done(a, "purchase.order", rfq_id, True)

    def _lines(self, po_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The lines of these purchase orders, by order id."""
        out: dict[int, list[dict[str, Any]]] = {}
        if not po_ids:
            return out
        rows = self.gw.search_read(
            "purchase.order.line",
            [("order_id", "in", list(po_ids))],
            ["id", "name", "order_id", "product_qty", "price_unit"],
            order="id asc",
        )
        for r in rows:
            order = r.get("order_id")
            po = order[0] if isinstance(order, list | tuple) else order
            out.setdefault(int(po or 0), []).append(r)
        return out

    # -- resolution: note on the ticket, activity done; flags follow from the open findings
    def _resolve(self, group: list[act.Action]) -> None:
        (a,) = group
        key = str(a.finding_key)
        ticket = self.store.binding(self.tenant, f"ticket:{key}")
        activity = self.store.binding(self.tenant, f"activity:{key}")
        if ticket is not None:
            try:
                self.gw.message_post(
                    ticket["odoo_model"],
                    int(ticket["odoo_id"]),
                    resolution_note_html(key, "svcsync no longer finds this problem."),
                )
            except (RecordError, NotFoundError):
                pass  # the ticket was deleted in Odoo: nothing left to annotate
        if activity is not None:
            self.gw.activity_done([int(activity["odoo_id"])], feedback="Resolved (svcsync)")
        self.store.complete(
            self.tenant,
            a.key,
            # The RFQ line stays on its RFQ (a buyer may be working on it); unbinding it ends
            # the finding's claim on it, so a resolved finding is not resolved again.
            unbind=[f"ticket:{key}", f"activity:{key}", f"reorder:{key}"],
            forget=[f"ticket:{key}", f"activity:{key}", f"reorder:{key}", a.key],
            lease=self.lease,
        )
        self.report.resolved += 1


_SEARCH_CHUNK = 500


def _with_marker(description: str, marker: str) -> str:
    """The ticket description with its recovery token at the end of its footer line."""
    if marker in description:
        return description
    if description.endswith("</small></p>"):
        return description[: -len("</small></p>")] + f" {marker}</small></p>"
    return description + f"<p><small>{marker}</small></p>"


_FINDING_IN_LINE = re.compile(r"\(svcsync finding ([^\s)]+)\)")
_ORIGIN_KEYS = 20


def _request(a: act.Action) -> ReorderRequest:
    return ReorderRequest.model_validate(a.payload["request"])


def _line_with(lines: Sequence[dict[str, Any]], token: str) -> dict[str, Any] | None:
    """The RFQ line carrying a finding's token (its name ends with ``[<token>]``)."""
    return next((r for r in lines if f"[{token}]" in str(r.get("name") or "")), None)


def _line_differs(line: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    return (
        abs(float(line.get("product_qty") or 0) - float(want["product_qty"])) > 1e-9
        or abs(float(line.get("price_unit") or 0) - float(want["price_unit"])) > 1e-9
        or str(line.get("name") or "") != str(want["name"])
    )


def _rfq_origin(prefix: str, keys: Iterable[str]) -> str:
    """``origin`` of an RFQ svcsync made: its marker, then the findings its lines are for."""
    names = sorted(set(keys))
    shown = ", ".join(names[:_ORIGIN_KEYS])
    more = f" (+{len(names) - _ORIGIN_KEYS} more)" if len(names) > _ORIGIN_KEYS else ""
    return f"{prefix} | {shown}{more}" if names else prefix


def push(
    tenant: str,
    gw: Gateway,
    store: Store,
    open_findings: Sequence[Finding],
    resolved_keys: Iterable[str],
    cfg: PushConfig,
    *,
    lease: Lease | None = None,
    dry_run: bool = False,
    target: PushTarget | None = None,
) -> PushReport:
    """Make Odoo reflect the findings; with ``dry_run`` only return the plan."""
    target = target or detect_target(gw, cfg)
    # Whatever still has an action for a finding that is no longer open gets resolved, also
    # when an earlier push crashed before doing it.
    open_keys = {f.key for f in open_findings}
    stale = (store.action_finding_keys(tenant) | set(resolved_keys)) - open_keys
    wanted = desired(tenant, open_findings, stale, target, cfg, _previously_flagged(store, tenant))
    planned, todo = plan(store, tenant, wanted)
    if dry_run:
        return PushReport(planned=planned, notes=list(target.notes))
    pusher = Pusher(tenant, gw, store, target, cfg, lease)
    pusher.report.planned = planned
    pusher.report.notes = list(target.notes)
    return pusher.run(todo)
