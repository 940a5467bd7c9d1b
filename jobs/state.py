"""The state store: cursors, the local mirror, quarantine, findings, outbox, bindings, runs, leases.

SQLAlchemy Core over SQLite (the default: one file, WAL, a busy timeout, ``BEGIN IMMEDIATE`` so
two writers queue instead of failing on a lock upgrade) or PostgreSQL by URL (psycopg 3).  The
schema is versioned: ``schema_version`` holds the applied step and ``MIGRATIONS`` lists the steps
in order; ``open_store`` applies the missing ones under a lock.

Fencing: every write a runner makes under a lease — a cursor, a mirror page, the sweep's marks,
findings, the analysed marks, the outbox (queue, complete, fail) — carries the ``Lease`` it was
made under (as ``lease=`` or through a ``Store.fenced(lease)`` view); in the same transaction the
lease row is locked and compared, and a stale epoch (the lease expired and another runner took
it) raises ``StaleLeaseError`` and rolls the whole write back.  So two daemons never both advance
one stream.  A fenced write also renews its lease (expiry pushed to now + the lease's ttl, same
epoch), so a long pull or push that keeps committing keeps its lease.

A lease holder names one running job (``host:pid:nonce:<job>``), not a process: the same holder
may take its own lease again (the same epoch), any other holder waits for release or expiry.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

SCHEMA_VERSION = 2

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

cursors = Table(
    "cursors",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("stream", String(128), primary_key=True),
    Column("state", Text, nullable=False),  # JSON, versioned dict (jobs.cursor)
    Column("epoch", Integer, nullable=False, default=0),
    Column("updated_at", String(32), nullable=False),
)


def _mirror_v1_columns() -> list[Column[Any]]:
    return [
        Column("tenant", String(64), primary_key=True),
        Column("model", String(128), primary_key=True),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("write_date", String(32), nullable=False),
        Column("payload", Text, nullable=False),  # JSON of the mapped service object
        Column("active", Boolean, nullable=False, default=True),
        Column("deleted", Boolean, nullable=False, default=False),
        # Incremental analysis: a changed row is dirty until analysed at this version.
        Column("version", Integer, nullable=False, default=1),
        Column("dirty", Boolean, nullable=False, default=True),
        Column("run_id", Integer, nullable=True),
    ]


mirror = Table(
    "mirror",
    metadata,
    *_mirror_v1_columns(),
    # sha1 of the payload: Odoo's write_date has one-second resolution over RPC, so two writes
    # in one second look alike by write_date; the content tells them apart (schema v2).
    Column("hash", String(40), nullable=False, server_default=""),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("model", String(128), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("write_date", String(32), nullable=True),
    Column("reason", Text, nullable=False),
    Column("record", Text, nullable=False),  # the raw Odoo record as JSON
    Column("run_id", Integer, nullable=True),
    Column("created_at", String(32), nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("subject_model", String(128), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("customer_id", Integer, nullable=True),
    Column("money", Float, nullable=False, default=0.0),
    Column("message", Text, nullable=False),
    Column("payload", Text, nullable=False),  # Finding JSON
    Column("status", String(16), nullable=False),  # open / resolved
    Column("detected_at", String(32), nullable=False),
    Column("resolved_at", String(32), nullable=True),
    Column("updated_at", String(32), nullable=False),
    Column("notified", Boolean, nullable=False, default=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),  # action key, e.g. "ticket:<finding key>"
    Column("kind", String(32), nullable=False),
    Column("finding_key", String(255), nullable=True),
    Column("payload", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # pending / done / failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("updated_at", String(32), nullable=False),
)

bindings = Table(
    "bindings",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("odoo_model", String(128), nullable=False),
    Column("odoo_id", Integer, nullable=False),
    Column("xml_id", String(255), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("extra", Text, nullable=False, default="{}"),
    Column("updated_at", String(32), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("ended_at", String(32), nullable=True),
    Column("status", String(16), nullable=False),  # running / ok / partial / failed
    Column("counts", Text, nullable=False, default="{}"),
    Column("errors", Text, nullable=False, default="[]"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
)


def _v1(conn: Connection) -> None:
    # The v1 mirror, as released (without the v2 hash column).
    Table("mirror", MetaData(), *_mirror_v1_columns()).create(conn, checkfirst=True)
    for table in (cursors, quarantine, findings, outbox, bindings, runs, leases):
        table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    columns = {c["name"] for c in inspect(conn).get_columns("mirror")}
    if "hash" not in columns:
        conn.exec_driver_sql("ALTER TABLE mirror ADD COLUMN hash VARCHAR(40) NOT NULL DEFAULT ''")


# Ordered migration steps: (version reached, step).  Append, never edit a released step.
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1), (2, _v2)]


# Outbox kinds whose Odoo side lives in the ERP plugin (``jobs.actions`` FLAG, ACTIVITY): the
# x_svc_flag values (and the "Service: at risk" partner tag written with the partner flags) and
# the activities of the "Service issue" type.  ``erp uninstall`` removes them from Odoo.
PLUGIN_KINDS: tuple[str, ...] = ("flag", "activity")


class StoreError(Exception):
    """The state store cannot be used (unreachable, newer schema); the message says what to do."""


class StaleLeaseError(StoreError):
    """A commit was made under a lease that is no longer held (another runner took over)."""


@dataclass(frozen=True)
class Lease:
    """A held lease: ``epoch`` is the fencing token every fenced commit carries."""

    name: str
    holder: str
    epoch: int
    expires_at: float
    # Seconds each fenced write extends the lease by (0: never renewed implicitly).
    ttl: float = 0.0


@dataclass(slots=True)
class MirrorRow:
    """One mapped record to store (``payload`` is JSON-ready)."""

    model: str
    id: int
    write_date: str
    payload: Mapping[str, Any] | str  # a dict, or its JSON text already serialised
    active: bool = True


@dataclass
class QuarantineRow:
    model: str
    id: int
    write_date: str | None
    reason: str
    record: Mapping[str, Any]


@dataclass
class PageResult:
    """What one fenced page commit changed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0


@dataclass
class RunRow:
    id: int
    tenant: str
    kind: str
    started_at: str
    ended_at: str | None
    status: str
    counts: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` (``host:pid:nonce``) is a process of this host that no longer runs.

    A daemon killed with SIGKILL cannot release its leases; on the same host its successor
    need not wait for the ttl.  Another host's holder, or a live (or reused) pid, counts as
    alive: then only expiry frees the lease.
    """
    parts = holder.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # another runner in this very process (tests): it is alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def utcnow() -> str:
    """Our clock, for bookkeeping only (run times, audit) — never as a sync cursor."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class Store:
    """One state store (one engine); safe to share between threads of one process."""

    def __init__(self, engine: Engine, reader: Engine | None = None) -> None:
        self.engine = engine
        # SQLite: writes take the lock up front (BEGIN IMMEDIATE); reads go through a second
        # engine without it, so a long streamed read never blocks another runner's commit (WAL).
        self.reader = reader or engine
        self.dialect = engine.dialect.name
        # The lease every write of a ``fenced`` view is checked against (when none is given).
        self._fence: Lease | None = None

    def fenced(self, lease: Lease | None) -> Store:
        """A view of this store (same engines) whose writes are fenced by ``lease``.

        Code that knows nothing of leases (the analysis, the push's outbox) is handed this view:
        each of its writes then checks — and renews — the lease in its own transaction.  Do not
        ``close`` a view; close the store it came from.
        """
        view = copy.copy(self)
        view._fence = lease
        return view

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    def migrate(self) -> int:
        """Apply missing migration steps; returns the schema version now in place."""
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Two processes starting together must not both create the tables.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7150001)")
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(select(schema_version.c.version)).scalar()
            if current is None:
                current = 0
                conn.execute(insert(schema_version).values(id=1, version=0))
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the state store has schema version {current}, newer than this svcsync "
                    f"({SCHEMA_VERSION}); upgrade svcsync or point [state] url elsewhere"
                )
            for version, step in MIGRATIONS:
                if version > current:
                    step(conn)
                    conn.execute(update(schema_version).values(version=version))
                    current = version
            return int(current)

    def version(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.execute(select(schema_version.c.version)).scalar() or 0)

    # ------------------------------------------------------------------ leases

    def _lock_lease_row(self, conn: Connection, name: str) -> Any:
        # Plain SQL (as the other per-page statements): run on every fenced commit, where
        # building and caching a Core statement cost more than the query.
        mark = _mark(conn)
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        return conn.exec_driver_sql(
            f"SELECT name, holder, epoch, expires_at FROM leases WHERE name = {mark}{lock}",
            (name,),
        ).first()

    def acquire_lease(self, name: str, holder: str, ttl: float) -> Lease | None:
        """Take ``name`` for ``ttl`` seconds; ``None`` if another holder has it.

        A new holder gets ``epoch + 1``, so whatever the previous holder still tries to commit
        is refused.  ``holder`` names one running job: the same job taking its live lease again
        keeps the epoch; a different job (even in this process) waits until it is released or
        expires.
        """
        now = time.time()
        for _ in range(3):
            try:
                with self.engine.begin() as conn:
                    row = self._lock_lease_row(conn, name)
                    if row is None:
                        conn.execute(
                            insert(leases).values(
                                name=name, holder=holder, epoch=1, expires_at=now + ttl
                            )
                        )
                        return Lease(name, holder, 1, now + ttl, ttl)
                    if row.holder == holder and row.expires_at > now:
                        epoch = int(row.epoch)
                    elif row.expires_at <= now or holder_is_dead(str(row.holder)):
                        epoch = int(row.epoch) + 1
                    else:
                        return None
                    conn.execute(
                        update(leases)
                        .where(leases.c.name == name)
                        .values(holder=holder, epoch=epoch, expires_at=now + ttl)
                    )
                    return Lease(name, holder, epoch, now + ttl, ttl)
            except IntegrityError:
                continue  # another runner inserted the row first: read it again
        return None

    def renew_lease(self, lease: Lease, ttl: float | None = None) -> Lease:
        """Extend a held lease (same epoch) to now + ``ttl`` (default: the lease's own ttl);
        ``StaleLeaseError`` if it was lost or had expired."""
        ttl = lease.ttl if ttl is None else ttl
        with self.engine.begin() as conn:
            self._check_lease(conn, lease, renew=False)
            expires = time.time() + ttl
            conn.execute(
                update(leases).where(leases.c.name == lease.name).values(expires_at=expires)
            )
        return Lease(lease.name, lease.holder, lease.epoch, expires, ttl)

    def release_lease(self, lease: Lease) -> None:
        """Give the lease up (expire it now) if still ours; the epoch stays for fencing."""
        with self.engine.begin() as conn:
            conn.execute(
                update(leases)
                .where(
                    and_(
                        leases.c.name == lease.name,
                        leases.c.holder == lease.holder,
                        leases.c.epoch == lease.epoch,
                    )
                )
                .values(expires_at=0.0)
            )

    def _epoch(self, lease: Lease | None) -> int:
        held = lease if lease is not None else self._fence
        return held.epoch if held is not None else 0

    def _check_lease(self, conn: Connection, lease: Lease | None, *, renew: bool = True) -> None:
        """Fence a write: lock the lease row, refuse a stale or expired ``lease`` (without one,
        the view's ``fenced`` lease), and renew it, all in the write's own transaction."""
        lease = lease if lease is not None else self._fence
        if lease is None:
            return
        row = self._lock_lease_row(conn, lease.name)
        if row is None or row.holder != lease.holder or int(row.epoch) != lease.epoch:
            current = f"epoch {row.epoch} held by {row.holder}" if row is not None else "no holder"
            raise StaleLeaseError(
                f"lease {lease.name!r} epoch {lease.epoch} is stale ({current}); "
                "this runner lost its lease and its commit was refused"
            )
        if row.expires_at < time.time():
            raise StaleLeaseError(
                f"lease {lease.name!r} epoch {lease.epoch} expired before the commit; "
                "raise [schedule] lease_seconds if runs take longer"
            )
        if renew and lease.ttl > 0:
            mark = _mark(conn)
            conn.exec_driver_sql(
                f"UPDATE leases SET expires_at = {mark} WHERE name = {mark}",
                (max(float(row.expires_at), time.time() + lease.ttl), lease.name),
            )

    # ------------------------------------------------------------------ cursors and the mirror

    def get_cursor(self, tenant: str, stream: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            raw = conn.execute(
                select(cursors.c.state).where(
                    and_(cursors.c.tenant == tenant, cursors.c.stream == stream)
                )
            ).scalar()
        return json.loads(raw) if raw is not None else None

    def _put_cursor(
        self, conn: Connection, tenant: str, stream: str, state: Mapping[str, Any], epoch: int
    ) -> None:
        mark = _mark(conn)
        values = (_dumps(state), epoch, utcnow())
        done = conn.exec_driver_sql(
            f"UPDATE cursors SET state = {mark}, epoch = {mark}, updated_at = {mark} "
            f"WHERE tenant = {mark} AND stream = {mark}",
            (*values, tenant, stream),
        )
        if done.rowcount == 0:
            conn.exec_driver_sql(
                "INSERT INTO cursors (state, epoch, updated_at, tenant, stream) "
                f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
                (*values, tenant, stream),
            )

    def set_cursor(
        self, tenant: str, stream: str, state: Mapping[str, Any], *, lease: Lease | None = None
    ) -> None:
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            self._put_cursor(conn, tenant, stream, state, self._epoch(lease))

    def reset_cursors(self, tenant: str, streams: Iterable[str] | None = None) -> None:
        """Forget cursors (``--full``): the next pull re-reads everything; the mirror stays."""
        with self.engine.begin() as conn:
            stmt = delete(cursors).where(cursors.c.tenant == tenant)
            if streams is not None:
                stmt = stmt.where(cursors.c.stream.in_(list(streams)))
            conn.execute(stmt)

    def commit_page(
        self,
        tenant: str,
        stream: str,
        *,
        rows: Sequence[MirrorRow],
        state: Mapping[str, Any],
        quarantined: Sequence[QuarantineRow] = (),
        lease: Lease | None = None,
        run_id: int | None = None,
        unquarantine: Sequence[tuple[str, int]] = (),
    ) -> PageResult:
        """Write one page's mirror rows, quarantine entries and cursor in ONE transaction.

        ``unquarantine``: (model, id) of quarantined records that no longer exist in Odoo.
        A row whose stored content is the same is a re-read of the lookback window (or
        the inclusive start): nothing changes and it is not marked for analysis.
        """
        result = PageResult(quarantined=len(quarantined))
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            by_model: Mapping[str, Sequence[MirrorRow]]
            if rows and all(r.model == rows[0].model for r in rows):
                by_model = {rows[0].model: rows}  # a pulled page: one model
            else:
                groups: dict[str, list[MirrorRow]] = {}
                for row in rows:
                    groups.setdefault(row.model, []).append(row)
                by_model = groups
            for model, model_rows in by_model.items():
                self._upsert_rows(conn, tenant, model, model_rows, run_id, result)
                # A record that maps cleanly now leaves quarantine.
                self._unquarantine(conn, tenant, model, [r.id for r in model_rows])
            for q in quarantined:
                self._quarantine(conn, tenant, q, run_id)
            for gone_model, gone_id in unquarantine:
                conn.execute(
                    delete(quarantine).where(
                        and_(
                            quarantine.c.tenant == tenant,
                            quarantine.c.model == gone_model,
                            quarantine.c.id == gone_id,
                        )
                    )
                )
            self._put_cursor(conn, tenant, stream, state, self._epoch(lease))
        return result

    def _upsert_rows(
        self,
        conn: Connection,
        tenant: str,
        model: str,
        rows: Sequence[MirrorRow],
        run_id: int | None,
        result: PageResult,
    ) -> None:
        mark = _mark(conn)
        existing: dict[int, Any] = {}
        ids = [r.id for r in rows]
        unique = list(dict.fromkeys(ids))
        for chunk in _chunks(unique, 500):
            # Plain SQL: an expanding IN of a whole page costs more to compile than to run.
            for r in conn.exec_driver_sql(
                "SELECT id, write_date, active, deleted, version, hash FROM mirror "
                f"WHERE tenant = {mark} AND model = {mark} AND id IN ({', '.join([mark] * len(chunk))})",
                (tenant, model, *chunk),
            ):
                existing[int(r.id)] = r
        new: list[tuple[Any, ...]]
        changed: list[tuple[Any, ...]] = []
        restamp: list[dict[str, Any]] = []
        sha1 = hashlib.sha1
        if not existing and len(unique) == len(ids):
            # All new, each once (an initial or --full sync): no comparison to make.
            new = [
                (
                    tenant,
                    model,
                    r.id,
                    r.write_date,
                    p,
                    sha1(p.encode()).hexdigest(),
                    r.active,
                    run_id,
                )
                for r in rows
                for p in (r.payload if type(r.payload) is str else _dumps(r.payload),)
            ]
            rows = []
        else:
            new = []
        seen: set[int] = set()
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            old = existing.get(row.id)
            payload = row.payload if isinstance(row.payload, str) else _dumps(row.payload)
            digest = sha1(payload.encode()).hexdigest()
            if old is None:
                new.append(
                    (tenant, model, row.id, row.write_date, payload, digest, row.active, run_id)
                )
            elif old.hash == digest and not old.deleted and old.active == row.active:
                # Same content: not re-analysed, but the mirror keeps Odoo's latest stamp.
                result.unchanged += 1
                if old.write_date != row.write_date:
                    restamp.append({"b_id": row.id, "write_date": row.write_date})
            else:
                changed.append(
                    (
                        row.write_date,
                        payload,
                        digest,
                        row.active,
                        run_id,
                        int(old.version) + 1,
                        tenant,
                        model,
                        row.id,
                    )
                )
        # Plain DBAPI executemany: one statement per page, no per-row SQL compilation.
        if new:
            conn.exec_driver_sql(
                "INSERT INTO mirror (tenant, model, id, write_date, payload, hash, active, "
                f"deleted, dirty, run_id, version) VALUES ({mark}, {mark}, {mark}, {mark}, "
                f"{mark}, {mark}, {mark}, FALSE, TRUE, {mark}, 1)",
                new,
            )
            result.inserted += len(new)
        if changed:
            conn.exec_driver_sql(
                f"UPDATE mirror SET write_date = {mark}, payload = {mark}, hash = {mark}, "
                f"active = {mark}, deleted = FALSE, dirty = TRUE, run_id = {mark}, "
                f"version = {mark} WHERE tenant = {mark} AND model = {mark} AND id = {mark}",
                changed,
            )
            result.updated += len(changed)
        if restamp:
            conn.execute(
                update(mirror)
                .where(
                    and_(
                        mirror.c.tenant == tenant,
                        mirror.c.model == model,
                        mirror.c.id == bindparam("b_id"),
                    )
                )
                .values(write_date=bindparam("write_date")),
                restamp,
            )

    def _unquarantine(self, conn: Connection, tenant: str, model: str, ids: list[int]) -> None:
        mark = _mark(conn)
        for chunk in _chunks(ids, 500):
            conn.exec_driver_sql(
                f"DELETE FROM quarantine WHERE tenant = {mark} AND model = {mark} "
                f"AND id IN ({', '.join([mark] * len(chunk))})",
                (tenant, model, *chunk),
            )

    def _quarantine(
        self, conn: Connection, tenant: str, q: QuarantineRow, run_id: int | None
    ) -> None:
        values = {
            "write_date": q.write_date,
            "reason": q.reason,
            "record": _dumps(q.record),
            "run_id": run_id,
            "created_at": utcnow(),
        }
        done = conn.execute(
            update(quarantine)
            .where(
                and_(
                    quarantine.c.tenant == tenant,
                    quarantine.c.model == q.model,
                    quarantine.c.id == q.id,
                )
            )
            .values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(quarantine).values(tenant=tenant, model=q.model, id=q.id, **values))

    def mirror_id_states(self, tenant: str, model: str) -> Iterator[tuple[int, bool, bool]]:
        """``(id, active, deleted)`` of every mirrored record of ``model``, in id order."""
        with self.reader.connect() as conn:
            result = conn.execution_options(yield_per=5000).execute(
                select(mirror.c.id, mirror.c.active, mirror.c.deleted)
                .where(and_(mirror.c.tenant == tenant, mirror.c.model == model))
                .order_by(mirror.c.id)
            )
            for row in result:
                yield int(row.id), bool(row.active), bool(row.deleted)

    def mark_gone(
        self,
        tenant: str,
        model: str,
        *,
        deleted: Iterable[int] = (),
        archived: Iterable[int] = (),
        lease: Lease | None = None,
        run_id: int | None = None,
    ) -> tuple[int, int]:
        """Sweep result: ids no longer in Odoo are deleted; ids only inactive are archived."""
        del_ids, arch_ids = list(deleted), list(archived)
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            base = and_(mirror.c.tenant == tenant, mirror.c.model == model)
            n_del = n_arch = 0
            for chunk in _chunks(del_ids, 500):
                n_del += conn.execute(
                    update(mirror)
                    .where(and_(base, mirror.c.id.in_(chunk), mirror.c.deleted.is_(False)))
                    .values(deleted=True, dirty=True, version=mirror.c.version + 1, run_id=run_id)
                ).rowcount
            for chunk in _chunks(arch_ids, 500):
                n_arch += conn.execute(
                    update(mirror)
                    .where(and_(base, mirror.c.id.in_(chunk), mirror.c.active.is_(True)))
                    .values(active=False, dirty=True, version=mirror.c.version + 1, run_id=run_id)
                ).rowcount
        return n_del, n_arch

    def iter_mirror(
        self,
        tenant: str,
        model: str,
        ids: Iterable[int] | None = None,
        *,
        include_inactive: bool = False,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(id, payload)`` of live mirror rows of ``model`` (streamed, bounded memory)."""
        cond = and_(mirror.c.tenant == tenant, mirror.c.model == model, mirror.c.deleted.is_(False))
        if not include_inactive:
            cond = and_(cond, mirror.c.active.is_(True))
        if ids is None:
            with self.reader.connect() as conn:
                result = conn.execution_options(yield_per=2000).execute(
                    select(mirror.c.id, mirror.c.payload).where(cond).order_by(mirror.c.id)
                )
                for row in result:
                    yield int(row.id), json.loads(row.payload)
            return
        with self.reader.connect() as conn:
            for chunk in _chunks(sorted(set(ids)), 500):
                for row in conn.execute(
                    select(mirror.c.id, mirror.c.payload).where(and_(cond, mirror.c.id.in_(chunk)))
                ):
                    yield int(row.id), json.loads(row.payload)

    def iter_mirror_json(
        self, tenant: str, model: str, *, include_inactive: bool = False
    ) -> Iterator[tuple[int, str]]:
        """``(id, payload JSON text)`` of live rows (streamed; for fast typed parsing)."""
        cond = and_(mirror.c.tenant == tenant, mirror.c.model == model, mirror.c.deleted.is_(False))
        if not include_inactive:
            cond = and_(cond, mirror.c.active.is_(True))
        with self.reader.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(
                select(mirror.c.id, mirror.c.payload).where(cond).order_by(mirror.c.id)
            )
            for row in result:
                yield int(row.id), str(row.payload)

    def mirror_index(self, tenant: str, model: str) -> dict[int, str]:
        """``{id: write_date}`` of the live (not deleted) mirror rows of ``model``."""
        with self.reader.connect() as conn:
            return {
                int(r.id): str(r.write_date)
                for r in conn.execute(
                    select(mirror.c.id, mirror.c.write_date).where(
                        and_(
                            mirror.c.tenant == tenant,
                            mirror.c.model == model,
                            mirror.c.deleted.is_(False),
                        )
                    )
                )
            }

    def mirror_counts(self, tenant: str) -> dict[str, int]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(mirror.c.model, func.count())
                .where(and_(mirror.c.tenant == tenant, mirror.c.deleted.is_(False)))
                .group_by(mirror.c.model)
            )
            return {str(m): int(n) for m, n in rows}

    def dirty(self, tenant: str) -> dict[str, dict[int, int]]:
        """Rows changed since their last analysis: ``{model: {id: version}}``."""
        out: dict[str, dict[int, int]] = {}
        with self.reader.connect() as conn:
            for row in conn.execute(
                select(mirror.c.model, mirror.c.id, mirror.c.version).where(
                    and_(mirror.c.tenant == tenant, mirror.c.dirty.is_(True))
                )
            ):
                out.setdefault(str(row.model), {})[int(row.id)] = int(row.version)
        return out

    def dirty_rows(self, tenant: str) -> Iterator[tuple[str, int, int, str, bool]]:
        """Rows changed since their last analysis, with their content as of that version:
        ``(model, id, version, payload JSON, deleted)`` (a deleted row keeps its last payload,
        so an incremental analysis can tell what it was related to)."""
        with self.reader.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(
                select(
                    mirror.c.model,
                    mirror.c.id,
                    mirror.c.version,
                    mirror.c.payload,
                    mirror.c.deleted,
                ).where(and_(mirror.c.tenant == tenant, mirror.c.dirty.is_(True)))
            )
            for row in result:
                yield (
                    str(row.model),
                    int(row.id),
                    int(row.version),
                    str(row.payload),
                    bool(row.deleted),
                )

    def clear_dirty(
        self,
        tenant: str,
        analysed: Mapping[str, Mapping[int, int]],
        *,
        lease: Lease | None = None,
    ) -> None:
        """Mark rows analysed — only at the version analysed, so a newer change stays dirty."""

        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            for model, versions in analysed.items():
                if not versions:
                    continue
                conn.execute(
                    update(mirror)
                    .where(
                        and_(
                            mirror.c.tenant == tenant,
                            mirror.c.model == model,
                            mirror.c.id == bindparam("b_id"),
                            mirror.c.version == bindparam("b_version"),
                        )
                    )
                    .values(dirty=False),
                    [{"b_id": i, "b_version": v} for i, v in versions.items()],
                )

    def quarantined(self, tenant: str) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return [
                {"model": r.model, "id": r.id, "reason": r.reason, "write_date": r.write_date}
                for r in conn.execute(
                    select(quarantine)
                    .where(quarantine.c.tenant == tenant)
                    .order_by(quarantine.c.model, quarantine.c.id)
                )
            ]

    # ------------------------------------------------------------------ findings

    def open_findings(self, tenant: str) -> dict[str, dict[str, Any]]:
        """Open findings ``{key: Finding JSON}``."""
        with self.reader.connect() as conn:
            return {
                str(r.key): json.loads(r.payload)
                for r in conn.execute(
                    select(findings.c.key, findings.c.payload).where(
                        and_(findings.c.tenant == tenant, findings.c.status == "open")
                    )
                )
            }

    def save_findings(
        self,
        tenant: str,
        opened: Sequence[Mapping[str, Any]],
        resolved: Mapping[str, str],
        *,
        lease: Lease | None = None,
    ) -> tuple[list[str], list[str]]:
        """Upsert open findings (Finding JSON dicts) and resolve ``{key: resolved_at}``.

        Returns (keys newly opened, keys newly resolved).
        """
        new_keys: list[str] = []
        done_keys: list[str] = []
        now = utcnow()
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            existing = {}
            keys = [str(f["key"]) for f in opened]
            for chunk in _chunks(keys, 500):
                for r in conn.execute(
                    select(findings.c.key, findings.c.status, findings.c.detected_at).where(
                        and_(findings.c.tenant == tenant, findings.c.key.in_(chunk))
                    )
                ):
                    existing[str(r.key)] = r
            for f in opened:
                key = str(f["key"])
                subject = f["subject"]
                customer = f.get("customer") or {}
                values = {
                    "rule": f["rule"],
                    "severity": f["severity"],
                    "subject_model": subject["model"],
                    "subject_id": subject["id"],
                    "customer_id": customer.get("id"),
                    "money": float(f.get("money") or 0.0),
                    "message": f["message"],
                    "payload": _dumps(f),
                    "status": "open",
                    "resolved_at": None,
                    "updated_at": now,
                }
                old = existing.get(key)
                if old is None:
                    conn.execute(
                        insert(findings).values(
                            tenant=tenant,
                            key=key,
                            detected_at=str(f.get("detected_at") or now),
                            notified=False,
                            **values,
                        )
                    )
                    new_keys.append(key)
                else:
                    if old.status != "open":
                        new_keys.append(key)
                        values["notified"] = False
                    conn.execute(
                        update(findings)
                        .where(and_(findings.c.tenant == tenant, findings.c.key == key))
                        .values(**values)
                    )
            for key, at in resolved.items():
                n = conn.execute(
                    update(findings)
                    .where(
                        and_(
                            findings.c.tenant == tenant,
                            findings.c.key == key,
                            findings.c.status == "open",
                        )
                    )
                    .values(status="resolved", resolved_at=at, updated_at=now)
                ).rowcount
                if n:
                    done_keys.append(key)
        return new_keys, done_keys

    def findings(
        self,
        tenant: str | None = None,
        *,
        status: str | None = "open",
        rule: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Findings for ``svcsync findings``: newest first, as plain dicts."""
        stmt = select(findings)
        if tenant is not None:
            stmt = stmt.where(findings.c.tenant == tenant)
        if status is not None:
            stmt = stmt.where(findings.c.status == status)
        if rule is not None:
            stmt = stmt.where(findings.c.rule.startswith(rule))
        stmt = stmt.order_by(findings.c.detected_at.desc(), findings.c.key)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.reader.connect() as conn:
            return [
                {
                    "tenant": r.tenant,
                    "key": r.key,
                    "rule": r.rule,
                    "severity": r.severity,
                    "subject_model": r.subject_model,
                    "subject_id": r.subject_id,
                    "customer_id": r.customer_id,
                    "money": r.money,
                    "message": r.message,
                    "status": r.status,
                    "detected_at": r.detected_at,
                    "resolved_at": r.resolved_at,
                }
                for r in conn.execute(stmt)
            ]

    def unnotified(self, tenant: str) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return [
                json.loads(r.payload)
                for r in conn.execute(
                    select(findings.c.payload).where(
                        and_(
                            findings.c.tenant == tenant,
                            findings.c.status == "open",
                            findings.c.notified.is_(False),
                        )
                    )
                )
            ]

    def mark_notified(
        self, tenant: str, keys: Iterable[str], *, lease: Lease | None = None
    ) -> None:
        """Fenced like the findings it marks: a runner that lost the analysis lease (under which
        notifications go out) cannot mark what the new holder has yet to deliver."""
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            for chunk in _chunks(list(keys), 500):
                conn.execute(
                    update(findings)
                    .where(and_(findings.c.tenant == tenant, findings.c.key.in_(chunk)))
                    .values(notified=True)
                )

    # ------------------------------------------------------------------ outbox and bindings

    def enqueue(
        self,
        tenant: str,
        key: str,
        kind: str,
        payload: Mapping[str, Any],
        content_hash: str,
        finding_key: str | None = None,
        *,
        lease: Lease | None = None,
    ) -> bool:
        """Queue an action unless the same content is already queued or done; True if queued."""
        now = utcnow()
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            old = conn.execute(
                select(outbox.c.content_hash, outbox.c.status).where(
                    and_(outbox.c.tenant == tenant, outbox.c.key == key)
                )
            ).first()
            values = {
                "kind": kind,
                "finding_key": finding_key,
                "payload": _dumps(payload),
                "content_hash": content_hash,
                "status": "pending",
                "attempts": 0,
                "last_error": None,
                "updated_at": now,
            }
            if old is None:
                conn.execute(insert(outbox).values(tenant=tenant, key=key, **values))
                return True
            if old.content_hash == content_hash and old.status in ("pending", "done"):
                return False
            conn.execute(
                update(outbox)
                .where(and_(outbox.c.tenant == tenant, outbox.c.key == key))
                .values(**values)
            )
            return True

    def pending(self, tenant: str, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        stmt = select(outbox).where(
            and_(outbox.c.tenant == tenant, outbox.c.status.in_(["pending", "failed"]))
        )
        if kinds is not None:
            stmt = stmt.where(outbox.c.kind.in_(list(kinds)))
        with self.reader.connect() as conn:
            return [
                {
                    "key": r.key,
                    "kind": r.kind,
                    "finding_key": r.finding_key,
                    "payload": json.loads(r.payload),
                    "content_hash": r.content_hash,
                    "attempts": r.attempts,
                }
                for r in conn.execute(stmt.order_by(outbox.c.key))
            ]

    def binding(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            r = conn.execute(
                select(bindings).where(and_(bindings.c.tenant == tenant, bindings.c.key == key))
            ).first()
        if r is None:
            return None
        return {
            "key": r.key,
            "odoo_model": r.odoo_model,
            "odoo_id": r.odoo_id,
            "xml_id": r.xml_id,
            "content_hash": r.content_hash,
            "extra": json.loads(r.extra),
        }

    def bindings_like(self, tenant: str, prefix: str) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return [
                {
                    "key": r.key,
                    "odoo_model": r.odoo_model,
                    "odoo_id": r.odoo_id,
                    "xml_id": r.xml_id,
                    "content_hash": r.content_hash,
                    "extra": json.loads(r.extra),
                }
                for r in conn.execute(
                    select(bindings).where(
                        and_(bindings.c.tenant == tenant, bindings.c.key.startswith(prefix))
                    )
                )
            ]

    def complete(
        self,
        tenant: str,
        outbox_key: str,
        *,
        bind: Sequence[Mapping[str, Any]] = (),
        unbind: Sequence[str] = (),
        forget: Sequence[str] = (),
        lease: Lease | None = None,
        content_hash: str | None = None,
    ) -> None:
        """Mark an outbox row done and record its bindings, in one fenced transaction.

        ``unbind`` drops bindings; ``forget`` drops outbox rows (a resolved finding's actions,
        so a finding that comes back is pushed again).
        """
        now = utcnow()
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            for b in bind:
                values = {
                    "odoo_model": b["odoo_model"],
                    "odoo_id": int(b["odoo_id"]),
                    "xml_id": b.get("xml_id"),
                    "content_hash": b.get("content_hash", ""),
                    "extra": _dumps(b.get("extra", {})),
                    "updated_at": now,
                }
                done = conn.execute(
                    update(bindings)
                    .where(and_(bindings.c.tenant == tenant, bindings.c.key == b["key"]))
                    .values(**values)
                )
                if done.rowcount == 0:
                    conn.execute(insert(bindings).values(tenant=tenant, key=b["key"], **values))
            for key in unbind:
                conn.execute(
                    delete(bindings).where(and_(bindings.c.tenant == tenant, bindings.c.key == key))
                )
            for key in forget:
                conn.execute(
                    delete(outbox).where(and_(outbox.c.tenant == tenant, outbox.c.key == key))
                )
            stmt = (
                update(outbox)
                .where(and_(outbox.c.tenant == tenant, outbox.c.key == outbox_key))
                .values(status="done", last_error=None, updated_at=now)
            )
            if content_hash is not None:
                stmt = stmt.where(outbox.c.content_hash == content_hash)
            conn.execute(stmt)

    def forget_plugin_actions(
        self, tenant: str, kinds: Iterable[str] = PLUGIN_KINDS, *, lease: Lease | None = None
    ) -> dict[str, int]:
        """Forget the outbox rows and bindings of ``kinds`` (default: what the ERP plugin carries).

        After ``svcsync erp uninstall`` the flags, svcsync's activities and the partner tag are
        gone from Odoo while the bindings still say they were pushed; forgetting them makes the
        next cycle (after a new ``erp install``) push them again.  Tickets and RFQs do not depend
        on the plugin and are kept.  Returns ``{"outbox": n, "bindings": n}``.
        """
        kinds = list(kinds)
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            n_outbox = conn.execute(
                delete(outbox).where(and_(outbox.c.tenant == tenant, outbox.c.kind.in_(kinds)))
            ).rowcount
            n_bindings = 0
            for kind in kinds:
                n_bindings += conn.execute(
                    delete(bindings).where(
                        and_(bindings.c.tenant == tenant, bindings.c.key.startswith(f"{kind}:"))
                    )
                ).rowcount
        return {"outbox": int(n_outbox or 0), "bindings": int(n_bindings)}

    def outbox_state(self, tenant: str, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``{key: (content_hash, status)}`` of the outbox rows among ``keys``."""
        out: dict[str, tuple[str, str]] = {}
        with self.reader.connect() as conn:
            for chunk in _chunks(list(keys), 500):
                for r in conn.execute(
                    select(outbox.c.key, outbox.c.content_hash, outbox.c.status).where(
                        and_(outbox.c.tenant == tenant, outbox.c.key.in_(chunk))
                    )
                ):
                    out[str(r.key)] = (str(r.content_hash), str(r.status))
        return out

    def action_finding_keys(self, tenant: str) -> set[str]:
        """Finding keys that still have an outbox row or a ticket/activity binding."""
        keys: set[str] = set()
        with self.reader.connect() as conn:
            for r in conn.execute(
                select(outbox.c.finding_key).where(
                    and_(outbox.c.tenant == tenant, outbox.c.finding_key.is_not(None))
                )
            ):
                keys.add(str(r.finding_key))
            for r in conn.execute(select(bindings.c.key).where(bindings.c.tenant == tenant)):
                kind, _, rest = str(r.key).partition(":")
                if kind in ("ticket", "activity", "reorder"):
                    keys.add(rest)
        return keys

    def fail(self, tenant: str, outbox_key: str, error: str, *, lease: Lease | None = None) -> None:
        with self.engine.begin() as conn:
            self._check_lease(conn, lease)
            conn.execute(
                update(outbox)
                .where(and_(outbox.c.tenant == tenant, outbox.c.key == outbox_key))
                .values(
                    status="failed",
                    attempts=outbox.c.attempts + 1,
                    last_error=error[:2000],
                    updated_at=utcnow(),
                )
            )

    def outbox_counts(self, tenant: str) -> dict[str, int]:
        with self.reader.connect() as conn:
            return {
                str(s): int(n)
                for s, n in conn.execute(
                    select(outbox.c.status, func.count())
                    .where(outbox.c.tenant == tenant)
                    .group_by(outbox.c.status)
                )
            }

    # ------------------------------------------------------------------ runs

    def start_run(self, tenant: str, kind: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(runs).values(
                    tenant=tenant,
                    kind=kind,
                    started_at=utcnow(),
                    status="running",
                    counts="{}",
                    errors="[]",
                )
            )
            pk = result.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def finish_run(
        self, run_id: int, status: str, counts: Mapping[str, Any], errors: Sequence[str]
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    ended_at=utcnow(),
                    status=status,
                    counts=_dumps(counts),
                    errors=_dumps(list(errors)),
                )
            )

    def runs(self, tenant: str | None = None, *, limit: int = 20) -> list[RunRow]:
        """Latest runs first (for ``svcsync status``)."""
        stmt = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if tenant is not None:
            stmt = stmt.where(runs.c.tenant == tenant)
        with self.reader.connect() as conn:
            return [
                RunRow(
                    id=int(r.id),
                    tenant=r.tenant,
                    kind=r.kind,
                    started_at=r.started_at,
                    ended_at=r.ended_at,
                    status=r.status,
                    counts=json.loads(r.counts),
                    errors=json.loads(r.errors),
                )
                for r in conn.execute(stmt)
            ]

    def status(self, tenant: str) -> dict[str, Any]:
        """Everything ``svcsync status`` shows for one tenant, JSON-ready."""
        with self.reader.connect() as conn:
            cur = {
                str(r.stream): json.loads(r.state)
                for r in conn.execute(
                    select(cursors.c.stream, cursors.c.state).where(cursors.c.tenant == tenant)
                )
            }
            open_by_rule = {
                str(rule): int(n)
                for rule, n in conn.execute(
                    select(findings.c.rule, func.count())
                    .where(and_(findings.c.tenant == tenant, findings.c.status == "open"))
                    .group_by(findings.c.rule)
                )
            }
            n_quarantine = conn.execute(
                select(func.count()).select_from(quarantine).where(quarantine.c.tenant == tenant)
            ).scalar()
        last = self.runs(tenant, limit=1)
        return {
            "tenant": tenant,
            "schema_version": self.version(),
            "cursors": cur,
            "mirror": self.mirror_counts(tenant),
            "quarantined": int(n_quarantine or 0),
            "open_findings": open_by_rule,
            "outbox": self.outbox_counts(tenant),
            "last_run": last[0].__dict__ if last else None,
        }


def _mark(conn: Connection) -> str:
    """The DBAPI placeholder of ``conn`` for plain SQL (sqlite3: ``?``, psycopg: ``%s``)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred,
    # which turns concurrent writers into "database is locked" on the read→write upgrade).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # 16 KiB pages for a new file (no effect on an existing one): the mirror's rows are ~0.5 KB
    # and written in pages of a thousand; bigger pages mean fewer B-tree pages and WAL frames
    # per commit (about a fifth less time writing a page of rows than with 4 KiB).
    cur.execute("PRAGMA page_size=16384")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and migrate) the state store at a SQLAlchemy ``url``.

    ``sqlite:///path.db`` (the default kind) or ``postgresql+psycopg://user@host/db``.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        reader: Engine | None = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(reader, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        reader = None
    else:
        raise StoreError(
            f"unsupported state store URL scheme in {url.split(':', 1)[0]!r}: use "
            "sqlite:///path/state.db or postgresql+psycopg://user@host/db"
        )
    store = Store(engine, reader)
    if migrate:
        try:
            store.migrate()
        except OperationalError as exc:
            store.close()
            raise StoreError(
                f"cannot open the state store ({engine.url.render_as_string(hide_password=True)}): "
                f"{exc.orig}"
            ) from None
        except BaseException:
            store.close()
            raise
    return store
