"""Pull: stream Odoo pages into the mirror, one transaction per page (rows + cursor), and the
sweep that finds deleted and archived records by comparing id sets.

Memory stays bounded by one page: each page is mapped, committed with its cursor advance and
dropped before the next one is fetched.  A record that fails mapping is quarantined with its
reason; the run goes on.  A stop event (SIGTERM) is honoured between pages: the page being
processed is committed first.
"""

from __future__ import annotations

import gc
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from jobs import cursor
from jobs.gateway import Gateway
from jobs.state import Lease, MirrorRow, QuarantineRow, Store
from jobs.streams import Stream
from mappings import MapContext, MappingError

Clock = Callable[[], float]


@dataclass
class StreamResult:
    """What one stream's pull or sweep did."""

    stream: str
    pages: int = 0
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    archived: int = 0
    interrupted: bool = False
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            k: v
            for k, v in (
                ("pages", self.pages),
                ("read", self.read),
                ("inserted", self.inserted),
                ("updated", self.updated),
                ("unchanged", self.unchanged),
                ("quarantined", self.quarantined),
                ("deleted", self.deleted),
                ("archived", self.archived),
            )
            if v
        }


@dataclass
class PullContext:
    """Everything a pull needs besides the stream: one tenant's client and store."""

    tenant: str
    gateway: Gateway
    store: Store
    version: str
    lookback: float = 180.0
    page_size: int | None = None
    lease_for: Callable[[str], Lease | None] = lambda _name: None
    run_id: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Clock = time.time
    server_fields: Mapping[str, Mapping[str, Any]] | None = None
    after_page: Callable[[str, int], None] | None = None
    """Test and progress hook: called after each committed page (stream name, page number)."""


def _lookups(ctx: PullContext, stream: Stream) -> dict[str, dict[int, Any]]:
    out: dict[str, dict[int, Any]] = {}
    if "location_usage" in stream.lookups:
        out["location_usage"] = {
            rid: str(payload.get("usage"))
            for rid, payload in ctx.store.iter_mirror(
                ctx.tenant, "stock.location", include_inactive=True
            )
            if payload.get("usage")
        }
    return out


def _map_page(
    ctx: PullContext, stream: Stream, page: list[dict[str, Any]], mctx: MapContext
) -> tuple[list[MirrorRow], list[QuarantineRow]]:
    rows: list[MirrorRow] = []
    bad: list[QuarantineRow] = []
    model = stream.model
    table = stream.table
    if table is None:
        for record in page:
            rid, wd = record.get("id"), record.get("write_date")
            active = record.get("active", True) is not False
            rows.append(MirrorRow(model, int(rid), str(wd), record, active))  # type: ignore[arg-type]
        return rows, bad
    map_json = table.map_json
    # The fused mapper straight (map_json's first step), the general path when it declines.
    fused = table.json_mapper(mctx.major) if type(mctx.tenant) is str else None
    append = rows.append
    for record in page:
        out = fused(record, mctx) if fused is not None else None
        if out is not None:
            payload = out.decode()
        else:
            try:
                payload = map_json(record, mctx)
            except MappingError as exc:
                rid, wd = record.get("id"), record.get("write_date")
                bad.append(
                    QuarantineRow(
                        model,
                        int(rid) if isinstance(rid, int) else 0,
                        wd if isinstance(wd, str) else None,
                        str(exc),
                        record,
                    )
                )
                continue
        wd = record.get("write_date")
        # Both mappers checked the id: an int.
        append(
            MirrorRow(
                model,
                int(record["id"]),
                wd if type(wd) is str else str(wd),
                payload,
                record.get("active", True) is not False,
            )
        )
    return rows, bad


_END = object()


def prefetch(pages: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    """Fetch the next page while the current one is mapped and committed.

    One page ahead at most (memory stays bounded by two pages).  Only the producer thread uses
    the client while the stream runs, so the client is never used by two threads at once.  An
    error of the fetch is raised here, in the consumer, after the pages before it.
    """
    box: queue.Queue[Any] = queue.Queue(maxsize=1)
    done = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not done.is_set():
                    try:
                        box.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if done.is_set():
                    return
            box.put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            box.put(exc)

    worker = threading.Thread(target=produce, name="svcsync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        done.set()
        while worker.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                pass
            worker.join(0.05)


class _Collector:
    """Fewer cyclic-GC passes while pages stream (reference-counted across pulling threads).

    A page is ~15 new containers per record (the decoded rows, their ``[id, name]`` lists);
    with Python's default first-generation threshold (700) the collector runs many times per
    page and walks each page again while it is mapped and committed.  While any pull runs:

    * the first-generation threshold is raised to ``BULK``;
    * everything that existed before is frozen (``gc.freeze``): the interpreter's long-lived
      heap (modules, SQLAlchemy, pydantic) is not walked again by the full collections that
      the pages' short-lived survivors trigger.

    Pages are freed by reference counting (the transport keeps no page body in httpx's
    response cycles), so no collection per page is needed.  The last pull out unfreezes and
    restores the thresholds.
    """

    BULK = 10_000
    lock = threading.Lock()
    users = 0
    saved: tuple[int, int, int] | None = None

    @classmethod
    @contextmanager
    def bulk(cls) -> Iterator[None]:
        with cls.lock:
            if cls.users == 0:
                first, *rest = gc.get_threshold()
                if 0 < first < cls.BULK:  # 0: collection is off, leave it so
                    cls.saved = (first, rest[0], rest[1])
                    gc.set_threshold(cls.BULK, rest[0], rest[1])
                    gc.freeze()
            cls.users += 1
        try:
            yield
        finally:
            with cls.lock:
                cls.users -= 1
                if cls.users == 0 and cls.saved is not None:
                    gc.unfreeze()
                    gc.set_threshold(*cls.saved)
                    cls.saved = None


def pull_stream(ctx: PullContext, stream: Stream, *, full: bool = False) -> StreamResult:
    """Read what changed in ``stream`` since its cursor and commit it page by page."""
    result = StreamResult(stream.name)
    lease = ctx.lease_for(stream.name)
    state = cursor.initial() if full else cursor.load(ctx.store.get_cursor(ctx.tenant, stream.name))
    state = cursor.begin(state, ctx.clock())
    available = None
    if ctx.server_fields is not None and stream.model in ctx.server_fields:
        available = list(ctx.server_fields[stream.model])
    fields = stream.fields(ctx.version, available)
    mctx = MapContext(ctx.tenant, ctx.version, _lookups(ctx, stream))
    context = {"active_test": False, **stream.context}
    pages = ctx.gateway.stream(
        stream.model,
        list(stream.domain),
        fields,
        after=cursor.after_key(state),
        page_size=ctx.page_size,
        context=context,
    )
    with _Collector.bulk():
        for page in prefetch(pages):
            rows, bad = _map_page(ctx, stream, page, mctx)
            state = cursor.advance(state, page, ctx.clock())
            done = ctx.store.commit_page(
                ctx.tenant,
                stream.name,
                rows=rows,
                state=state,
                quarantined=bad,
                lease=lease,
                run_id=ctx.run_id,
            )
            result.pages += 1
            result.read += len(page)
            result.inserted += done.inserted
            result.updated += done.updated
            result.unchanged += done.unchanged
            result.quarantined += done.quarantined
            result.errors.extend(q.reason for q in bad)
            del rows, bad, page
            if ctx.after_page is not None:
                ctx.after_page(stream.name, result.pages)
            if ctx.stop.is_set():
                # SIGTERM: this page is committed; the pass resumes from it next time.
                result.interrupted = True
                return result
    state = cursor.finish(state, ctx.lookback)
    ctx.store.set_cursor(ctx.tenant, stream.name, state, lease=lease)
    _retry_quarantine(ctx, stream, fields, mctx, state, lease, result)
    return result


def _retry_quarantine(
    ctx: PullContext,
    stream: Stream,
    fields: list[str],
    mctx: MapContext,
    state: Mapping[str, Any],
    lease: Lease | None,
    result: StreamResult,
) -> None:
    """Re-read and re-map this stream's quarantined records (by id, ``read`` not paged).

    A record can fail for a reason outside itself (a lookup that another stream had not yet
    pulled); without a retry it would stay out of the mirror until someone edits it.  Records
    deleted meanwhile leave quarantine; records still bad stay with their fresh reason.
    """
    ids = [q["id"] for q in ctx.store.quarantined(ctx.tenant) if q["model"] == stream.model]
    if not ids:
        return
    records = ctx.gateway.read(stream.model, ids, fields, context={"active_test": False})
    rows, bad = _map_page(ctx, stream, records, mctx)
    gone = set(ids) - {int(r["id"]) for r in records}
    done = ctx.store.commit_page(
        ctx.tenant,
        stream.name,
        rows=rows,
        state=state,
        quarantined=bad,
        lease=lease,
        run_id=ctx.run_id,
        unquarantine=[(stream.model, i) for i in sorted(gone)],
    )
    result.inserted += done.inserted
    result.updated += done.updated


def sweep_stream(ctx: PullContext, stream: Stream) -> StreamResult:
    """Compare Odoo's id set with the mirror's: missing ids are deleted, inactive ones archived.

    Archived is not deleted: an archived partner still has its orders and invoices.
    """
    result = StreamResult(stream.name)
    lease = ctx.lease_for(stream.name)
    page_size = ctx.page_size or 1000
    fields = ["id", "active"] if stream.has_active else ["id"]
    present: set[int] = set()
    inactive: set[int] = set()
    last = 0
    while True:
        rows = ctx.gateway.search_read(
            stream.model,
            [*stream.domain, ("id", ">", last)],
            fields,
            order="id asc",
            limit=page_size,
            context={"active_test": False},
        )
        result.pages += 1
        for row in rows:
            present.add(int(row["id"]))
            if stream.has_active and row.get("active") is False:
                inactive.add(int(row["id"]))
        if len(rows) < page_size:
            break
        last = int(rows[-1]["id"])
        if ctx.stop.is_set():
            result.interrupted = True
            return result  # an incomplete id set must never mark anything deleted
    gone: list[int] = []
    archived: list[int] = []
    for rid, active, deleted in ctx.store.mirror_id_states(ctx.tenant, stream.model):
        if rid not in present:
            if not deleted:
                gone.append(rid)
        elif rid in inactive and active:
            archived.append(rid)
    result.read = len(present)
    result.deleted, result.archived = ctx.store.mark_gone(
        ctx.tenant, stream.model, deleted=gone, archived=archived, lease=lease, run_id=ctx.run_id
    )
    return result
