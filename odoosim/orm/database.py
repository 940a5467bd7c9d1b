"""One simulated Odoo database: registry + SQLite storage + the ORM primitives.

The wire layer uses the public entry points (``docs/internals.md`` §1): ``authenticate``,
``check_password``, ``uid_for_api_key``, ``create_api_key``, ``execute_kw``, ``method_info``,
``load_records``.  Everything RPC-visible goes through ``execute_kw``, which runs each call as
one transaction under one lock and rolls back on error, like Odoo's ``retrying()`` cursor.

The primitives below (``search_ids``, ``read``, ``create``, ``write``, ``unlink``) do no
access checks; ``odoosim.orm.methods`` checks rights before calling them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from odoosim.exceptions import AccessError, MissingError, ValidationError
from odoosim.orm.access import Access
from odoosim.orm.domain import KEYSET_INDEXES, DomainCompiler, keyset_index
from odoosim.orm.env import Env
from odoosim.orm.fields import Field
from odoosim.orm.model import ModelDef
from odoosim.orm.values import EMPTY, to_column

SUPERUSER_ID = 1
ADMIN_ID = 2


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


_SQL_TYPES = {
    "char": "TEXT",
    "text": "TEXT",
    "html": "TEXT",
    "selection": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "binary": "TEXT",
    "integer": "INTEGER",
    "many2one": "INTEGER",
    "many2one_reference": "INTEGER",
    "boolean": "INTEGER",
    "float": "REAL",
    "monetary": "REAL",
}


class Database:
    """A simulated Odoo database for one version profile and set of installed apps."""

    def __init__(
        self,
        version: str | int = "17",
        apps: Iterable[str] | None = None,
        name: str = "demo",
        path: str = ":memory:",
    ) -> None:
        from odoosim.models import build_registry, resolve_apps

        self.version = str(version).split(".")[0]
        if self.version not in ("16", "17", "18", "19"):
            raise ValueError(f"unsupported Odoo version {version!r}: use 16, 17, 18 or 19")
        self.version_int = int(self.version)
        self.name = name
        self.apps = resolve_apps(apps)
        self.models: dict[str, ModelDef] = build_registry(self.version_int, self.apps)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        self._lock = threading.RLock()
        self._depth = 0
        self._aliases = itertools.count(1)
        self.clock: Callable[[], dt.datetime] = utcnow
        """Where ``create_date``/``write_date`` come from; faults may shift it (late commits)."""
        self.access = Access(self)
        self._api_keys: dict[str, int] = {}
        self._names: dict[str, dict[int, str | bool]] = {}
        self._names_full: set[str] = set()
        self._name_dependants: dict[str, set[str]] = {}
        self._refs: dict[str, list[Field]] = {}
        self._create_schema()
        self._index_relations()
        from odoosim.models.data import bootstrap

        with self.transaction():
            bootstrap(self)
        self.bot_uid: int = self.user_id("svcsync-bot") or 0

    # -- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (re-entrant: inner blocks join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                self._after_rollback()
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _after_rollback(self) -> None:
        self._names.clear()
        self._names_full.clear()
        from odoosim.orm.ir import reload_manual_fields

        reload_manual_fields(self)

    def now(self) -> str:
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    def env(self, uid: int, context: dict[str, Any] | None = None, su: bool = False) -> Env:
        return Env(self, uid, dict(context or {}), su)

    # -- schema ---------------------------------------------------------------------------

    def _create_schema(self) -> None:
        cur = self.conn.cursor()
        for mdef in self.models.values():
            self.create_table(mdef, cur)
        for mdef in self.models.values():
            for fld in mdef.fields.values():
                if fld.type == "many2many" and fld.pairs is None:
                    self.create_rel_table(fld, cur)
        # passwords live outside any field, so no read or domain can ever reach them
        cur.execute('ALTER TABLE res_users ADD COLUMN "_password" TEXT')
        cur.execute("CREATE UNIQUE INDEX res_users__login ON res_users (login)")

    def create_table(self, mdef: ModelDef, cur: sqlite3.Cursor | None = None) -> None:
        cur = cur or self.conn.cursor()
        cols = ["id INTEGER PRIMARY KEY AUTOINCREMENT"]
        for fld in mdef.fields.values():
            if fld.is_column and fld.name != "id":
                cols.append(f'"{fld.name}" {_SQL_TYPES[fld.type]}')
        t = mdef.table
        cur.execute(f'CREATE TABLE IF NOT EXISTS "{t}" ({", ".join(cols)})')
        for first, second in KEYSET_INDEXES:
            name = keyset_index(t, first, second)
            cur.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{t}" ("{first}", "{second}")')
        for fld in mdef.fields.values():
            if fld.is_column and (fld.type == "many2one" or fld.index) and fld.name != "id":
                cur.execute(f'CREATE INDEX IF NOT EXISTS "{t}__{fld.name}" ON "{t}" ("{fld.name}")')

    def create_rel_table(self, fld: Field, cur: sqlite3.Cursor | None = None) -> None:
        cur = cur or self.conn.cursor()
        rel, c1, c2 = fld.relation_table, fld.column1, fld.column2
        cur.execute(
            f'CREATE TABLE IF NOT EXISTS "{rel}" ("{c1}" INTEGER NOT NULL, '
            f'"{c2}" INTEGER NOT NULL, PRIMARY KEY ("{c1}", "{c2}"))'
        )
        cur.execute(f'CREATE INDEX IF NOT EXISTS "{rel}__{c2}" ON "{rel}" ("{c2}", "{c1}")')

    def _index_relations(self) -> None:
        """Who points at whom: for unlink (ondelete) and display-name invalidation."""
        self._refs = {}
        self._name_dependants = {}
        for mdef in self.models.values():
            for fld in mdef.fields.values():
                if fld.type == "many2one" and fld.is_column and fld.relation:
                    self._refs.setdefault(fld.relation, []).append(fld)
            for dep in mdef.name_depends:
                self._name_dependants.setdefault(dep, set()).add(mdef.name)

    def model(self, name: str) -> ModelDef:
        from odoosim.exceptions import UserError

        mdef = self.models.get(name)
        if mdef is None:
            raise UserError(f"Object {name} doesn't exist")
        return mdef

    # -- SQL helpers ----------------------------------------------------------------------

    def alias(self) -> str:
        return f"r{next(self._aliases)}"

    def pairs_sql(self, fld: Field) -> str:
        """``SELECT owner, target`` rows of an x2many field."""
        if fld.pairs is not None:
            return fld.pairs
        if fld.type == "many2many":
            return (
                f'SELECT "{fld.column1}" AS owner, "{fld.column2}" AS target '
                f'FROM "{fld.relation_table}"'
            )
        comodel = self.models[fld.relation or ""]
        inv = fld.inverse_name
        return (
            f'SELECT "{inv}" AS owner, id AS target FROM "{comodel.table}" '
            f'WHERE "{inv}" IS NOT NULL'
        )

    def related_expr(self, mdef: ModelDef, path: str, alias: str) -> str:
        """SQL expression following ``path`` (``a.b.c``) through many2one fields."""
        head, _, rest = path.partition(".")
        fld = mdef.fields[head]
        if not rest:
            if fld.is_column:
                return f'{alias}."{head}"'
            if head == "display_name":
                return mdef.display_expr(alias)
            if fld.sql is not None:
                return fld.sql(alias)
            if fld.related is not None:
                return self.related_expr(mdef, fld.related, alias)
            raise ValueError(f"{mdef.name}.{head} cannot be used in a related path")
        if fld.type != "many2one":
            raise ValueError(f"{mdef.name}.{head} is not a many2one in related path {path}")
        comodel = self.models[fld.relation or ""]
        a = self.alias()
        inner = self.related_expr(comodel, rest, a)
        src = self.related_expr(mdef, head, alias)
        return f'(SELECT {inner} FROM "{comodel.table}" {a} WHERE {a}.id = {src})'

    def field_expr(self, mdef: ModelDef, fld: Field, alias: str) -> str:
        if fld.name == "id":
            return f"{alias}.id"
        if fld.is_column:
            return f'{alias}."{fld.name}"'
        if fld.name == "display_name":
            return mdef.display_expr(alias)
        if fld.sql is not None:
            return fld.sql(alias)
        if fld.related is not None:
            return self.related_expr(mdef, fld.related, alias)
        raise ValueError(f"{mdef.name}.{fld.name} has no SQL expression")

    # -- display names --------------------------------------------------------------------

    def names(self, model: str, ids: Iterable[int]) -> dict[int, str | bool]:
        """Display names, cached per model (entries dropped when their record changes).

        A large miss (a page of a stream) loads the names of the whole comodel once, so the
        following pages find every customer already there instead of querying each time.
        """
        cache = self._names.setdefault(model, {})
        missing = {i for i in ids if i not in cache}
        if missing:
            mdef = self.models[model]
            expr = mdef.display_expr("n")
            sql = f'SELECT n.id, {expr} FROM "{mdef.table}" n'
            if len(missing) < _PREFETCH_MISSES or model in self._names_full:
                sql += f" WHERE n.id IN ({','.join(str(int(i)) for i in missing)})"
            else:
                self._names_full.add(model)
            for rid, name in self.conn.execute(sql):
                cache[rid] = name if name is not None else False
            for i in missing:
                # a dangling reference still reads with an id (Odoo shows "_unknown")
                cache.setdefault(i, False)
        return cache

    def invalidate(
        self, model: str, ids: Iterable[int] | None = None, fields: Iterable[str] = ()
    ) -> None:
        """Forget display names that a change of ``ids`` (all rows if None) may affect."""
        mdef = self.models[model]
        self_dependent = model in mdef.name_depends
        if ids is None or (self_dependent and set(fields) & _SELF_NAME_FIELDS):
            self._names.pop(model, None)
            self._names_full.discard(model)
        else:
            cache = self._names.get(model)
            if cache:
                for i in ids:
                    cache.pop(i, None)
        for dep in self._name_dependants.get(model, ()):
            if dep != model:
                self._names.pop(dep, None)
                self._names_full.discard(dep)

    # -- search ---------------------------------------------------------------------------

    def _scope(self, env: Env, mdef: ModelDef, domain: Any) -> Any:
        """Add the company scope of ``allowed_company_ids`` (a multi-company record rule)."""
        companies = env.context.get("allowed_company_ids")
        fld = mdef.fields.get("company_id")
        if companies and fld is not None and fld.type == "many2one" and fld.is_column:
            scope = ["|", ("company_id", "=", False), ("company_id", "in", list(companies))]
            # top-level terms are ANDed, so the scope can simply lead the domain
            return [*scope, *(domain or [])]
        return domain

    def where(self, env: Env, mdef: ModelDef, domain: Any, alias: str) -> tuple[str, list[Any]]:
        comp = DomainCompiler(env)
        return comp.where(mdef, self._scope(env, mdef, domain), alias)

    def search_parts(
        self,
        env: Env,
        mdef: ModelDef,
        domain: Any,
        order: str | None,
        offset: int = 0,
    ) -> tuple[list[tuple[str, list[Any]]], str, str]:
        """``(conditions, index hint, ORDER BY)`` of a search on rows aliased ``t``.

        The conditions are run in turn and their rows concatenated up to the limit: a keyset
        page splits in two (``DomainCompiler.where_seek``), anything else is one condition.
        """
        comp = DomainCompiler(env)
        scoped = self._scope(env, mdef, domain)
        parts = comp.where_seek(mdef, scoped, "t", order) if not offset else None
        if parts is None:
            parts = [comp.where(mdef, scoped, "t")]
        return parts, comp.index_hint(mdef, order), comp.order_by(mdef, order, "t")

    def search_sql(
        self,
        env: Env,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[tuple[str, list[Any]]]:
        """The statements ``search`` runs in turn (each with the whole ``limit``)."""
        mdef = self.models[model]
        parts, hint, order_sql = self.search_parts(env, mdef, domain, order, offset)
        head = f'SELECT t.id FROM "{mdef.table}" t{hint} WHERE '
        tail = f" ORDER BY {order_sql}" + _limit(limit, offset)
        return [(head + cond + tail, params) for cond, params in parts]

    def search_ids(
        self,
        env: Env,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[int]:
        mdef = self.models[model]
        parts, hint, order_sql = self.search_parts(env, mdef, domain, order, offset)
        out: list[int] = []
        for cond, params in parts:
            remaining = limit - len(out) if limit else None
            sql = (
                f'SELECT t.id FROM "{mdef.table}" t{hint} WHERE {cond} ORDER BY {order_sql}'
                + _limit(remaining, offset)
            )
            out.extend(r[0] for r in self.conn.execute(sql, params))
            if limit and len(out) >= limit:
                break
        return out

    def search_count(self, env: Env, model: str, domain: Any, limit: int | None = None) -> int:
        mdef = self.models[model]
        cond, params = self.where(env, mdef, domain, "t")
        inner = f'SELECT 1 FROM "{mdef.table}" t WHERE {cond}' + _limit(limit, 0)
        row = self.conn.execute(f"SELECT COUNT(*) FROM ({inner})", params).fetchone()
        return int(row[0])

    def exists(self, model: str, ids: Iterable[int]) -> list[int]:
        ids = [int(i) for i in ids]
        if not ids:
            return []
        mdef = self.models[model]
        found = {
            r[0]
            for r in self.conn.execute(
                f'SELECT id FROM "{mdef.table}" WHERE id IN ({",".join(map(str, set(ids)))})'
            )
        }
        return [i for i in dict.fromkeys(ids) if i in found]

    # -- read -----------------------------------------------------------------------------

    def check_fields(self, mdef: ModelDef, fields: Sequence[str] | None) -> list[str]:
        if not fields:
            return [f for f in mdef.fields if mdef.fields[f].type != "binary"]
        out = []
        for fname in fields:
            if fname not in mdef.fields:
                raise ValueError(f"Invalid field {fname!r} on model {mdef.name!r}")
            out.append(fname)
        if "id" not in out:
            out.insert(0, "id")
        return list(dict.fromkeys(out))

    def read(
        self,
        env: Env,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str] | None = None,
        load: str | None = "_classic_read",
    ) -> list[dict[str, Any]]:
        """Rows of the existing ``ids`` (in that order, missing ids skipped)."""
        ids = [int(i) for i in dict.fromkeys(ids)]
        if not ids:
            return []
        mdef = self.models[model]
        cond = f"t.id IN ({','.join(map(str, ids))})"
        rows = self._select(env, mdef, fields, cond, [], "", load)
        pos = {rid: n for n, rid in enumerate(ids)}
        rows.sort(key=lambda r: pos[r["id"]])
        return rows

    def search_read(
        self,
        env: Env,
        model: str,
        domain: Any,
        fields: Sequence[str] | None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        load: str | None = "_classic_read",
    ) -> list[dict[str, Any]]:
        """Search and read in one SQL statement per part (the benchmark's hot path)."""
        mdef = self.models[model]
        parts, hint, order_sql = self.search_parts(env, mdef, domain, order, offset)
        rows: list[dict[str, Any]] = []
        for cond, params in parts:
            remaining = limit - len(rows) if limit else None
            tail = f" ORDER BY {order_sql}" + _limit(remaining, offset)
            rows.extend(self._select(env, mdef, fields, cond, params, tail, load, hint))
            if limit and len(rows) >= limit:
                break
        return rows

    def _select(self, *args: Any) -> list[dict[str, Any]]:
        """Rows as dicts; see ``_build_rows``.

        A page is thousands of small lists and dicts: a cyclic GC pass in the middle would walk
        every live object of the server (the whole dataset), so collection waits until the page
        is built (the calls are serialized by the database lock).
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._build_rows(*args)
        finally:
            if was_enabled:
                gc.enable()

    def _build_rows(
        self,
        env: Env,
        mdef: ModelDef,
        fields: Sequence[str] | None,
        cond: str,
        params: list[Any],
        tail: str,
        load: str | None,
        hint: str = "",
    ) -> list[dict[str, Any]]:
        names = self.check_fields(mdef, fields)
        sql_fields: list[Field] = []
        exprs: list[str] = []
        later: list[Field] = []
        for fname in names:
            fld = mdef.fields[fname]
            if fld.is_x2many or fld.compute is not None:
                later.append(fld)
            else:
                sql_fields.append(fld)
                exprs.append(self.field_expr(mdef, fld, "t"))
        if "id" not in names:
            exprs.insert(0, "t.id")
        sql = f'SELECT {", ".join(exprs)} FROM "{mdef.table}" t{hint} WHERE {cond}{tail}'
        raw = self.conn.execute(sql, params).fetchall()
        if not raw:
            return []
        columns: list[list[Any]] = [list(c) for c in zip(*raw, strict=True)]
        id_col = columns[0] if "id" not in names else columns[names.index("id")]
        by_name: dict[str, list[Any]] = {}
        for fld, col in zip(sql_fields, columns if "id" in names else columns[1:], strict=True):
            by_name[fld.name] = self._convert_column(fld, col, load)
        ids = list(id_col)
        for fld in later:
            if fld.is_x2many:
                values = self._x2many_values(env, fld, ids)
                by_name[fld.name] = [values.get(i, []) for i in ids]
            else:
                assert fld.compute is not None
                values = fld.compute(env, ids)
                col = [values.get(i, EMPTY.get(fld.type, False)) for i in ids]
                if fld.type == "many2one":
                    col = self._convert_column(fld, col, load)
                by_name[fld.name] = col
        out_cols = [by_name[n] for n in names]
        return [dict(zip(names, vals, strict=True)) for vals in zip(*out_cols, strict=True)]

    def _convert_column(self, fld: Field, col: list[Any], load: str | None) -> list[Any]:
        t = fld.type
        if fld.name == "id":
            return col
        if t == "many2one":
            if load != "_classic_read":
                # Odoo's _read_format: use_display_name = (load == '_classic_read'); any other
                # load ('_classic_write', False, None) gives the bare id
                return [v if v else False for v in col]
            present = {v for v in col if v}
            if not present:
                return [False] * len(col)
            names = self.names(fld.relation or "", present)
            return [[v, names[v]] if v else False for v in col]
        if t in ("integer", "many2one_reference"):
            return [0 if v is None else v for v in col]
        if t in ("float", "monetary"):
            return [0.0 if v is None else float(v) for v in col]
        if t == "boolean":
            return [bool(v) for v in col]
        return [False if v is None else v for v in col]

    def _x2many_values(self, env: Env, fld: Field, ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        id_list = ",".join(map(str, ids))
        if fld.type == "one2many" and fld.pairs is None:
            comodel = self.models[fld.relation or ""]
            comp = DomainCompiler(env)
            order = comp.order_by(comodel, None, "c")
            inv = fld.inverse_name
            active = ' AND c."active" = 1' if comodel.has_active and env.active_test else ""
            sql = (
                f'SELECT c."{inv}", c.id FROM "{comodel.table}" c '
                f'WHERE c."{inv}" IN ({id_list}){active} ORDER BY {order}'
            )
        else:
            sql = (
                f"SELECT p.owner, p.target FROM ({self.pairs_sql(fld)}) p "
                f"WHERE p.owner IN ({id_list}) ORDER BY p.target"
            )
        for owner, target in self.conn.execute(sql):
            out.setdefault(owner, []).append(target)
        return out

    # -- create / write / unlink ------------------------------------------------------------

    def create(self, env: Env, model: str, vals: dict[str, Any]) -> int:
        mdef = self.models[model]
        if not isinstance(vals, dict):
            raise ValueError(f"create() expects a dict of values, got {type(vals).__name__}")
        vals = dict(vals)
        for key, value in env.context.items():
            if key.startswith("default_") and key[8:] in mdef.fields:
                vals.setdefault(key[8:], value)
        if mdef.on_create is not None:
            # before the field defaults, so hooks see what the caller really gave
            mdef.on_create(env, vals)
        for fname, fld in mdef.fields.items():
            if fname not in vals and fld.default is not None:
                vals[fname] = fld.default(env) if callable(fld.default) else fld.default
        columns, x2many, related = self._split_vals(mdef, vals)
        for fname, fld in mdef.fields.items():
            if (
                fld.required
                and fld.is_column
                and fld.type != "boolean"
                and columns.get(fname) is None
                and fname not in ("id",)
            ):
                raise ValidationError(_mandatory_message(mdef, fld))
        self._check_m2o(mdef, columns)
        now = self.now()
        columns.update(create_uid=env.uid, write_uid=env.uid, create_date=now, write_date=now)
        names = list(columns)
        sql = (
            f'INSERT INTO "{mdef.table}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
            f"VALUES ({', '.join('?' * len(names))})"
        )
        cur = self.conn.execute(sql, [columns[n] for n in names])
        rid = int(cur.lastrowid or 0)
        for fld, value in x2many:
            self._apply_commands(env, mdef, fld, rid, value)
        for fld, value in related:
            self._write_related(env, mdef, fld, [rid], value)
        if mdef.after_change is not None:
            mdef.after_change(env, [rid], vals)
        self.invalidate(model, [rid], vals)
        return rid

    def write(self, env: Env, model: str, ids: Sequence[int], vals: dict[str, Any]) -> None:
        mdef = self.models[model]
        ids = [int(i) for i in dict.fromkeys(ids)]
        if not isinstance(vals, dict):
            raise ValueError(f"write() expects a dict of values, got {type(vals).__name__}")
        self.ensure_exist(env, mdef, ids)
        if not ids:
            return
        vals = {k: v for k, v in vals.items() if k not in _MAGIC}
        if mdef.on_write is not None:
            mdef.on_write(env, ids, vals)
        columns, x2many, related = self._split_vals(mdef, vals)
        for fname, value in columns.items():
            fld = mdef.fields[fname]
            if fld.required and value is None and fld.type != "boolean":
                raise ValidationError(_mandatory_message(mdef, fld))
        self._check_m2o(mdef, columns)
        columns.update(write_uid=env.uid, write_date=self.now())
        names = list(columns)
        sets = ", ".join(f'"{n}" = ?' for n in names)
        self.conn.execute(
            f'UPDATE "{mdef.table}" SET {sets} WHERE id IN ({",".join(map(str, ids))})',
            [columns[n] for n in names],
        )
        for fld, value in x2many:
            for rid in ids:
                self._apply_commands(env, mdef, fld, rid, value)
        for fld, value in related:
            self._write_related(env, mdef, fld, ids, value)
        if mdef.after_change is not None:
            mdef.after_change(env, ids, vals)
        self.invalidate(model, ids, vals)

    def ensure_exist(self, env: Env, mdef: ModelDef, ids: list[int]) -> None:
        found = set(self.exists(mdef.name, ids))
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(map(str, missing[:10])) + ("," if len(missing) == 1 else "")
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {mdef.name}({shown}), User: {env.uid})"
            )

    def unlink(self, env: Env, model: str, ids: Sequence[int]) -> None:
        mdef = self.models[model]
        ids = self.exists(model, ids)
        if not ids:
            return
        id_list = ",".join(map(str, ids))
        for fld in self._refs.get(model, []):
            ref = self.models[fld.model]
            rows = [
                r[0]
                for r in self.conn.execute(
                    f'SELECT id FROM "{ref.table}" WHERE "{fld.name}" IN ({id_list})'
                )
            ]
            if ref.name == model:
                rows = [r for r in rows if r not in set(ids)]
            if not rows:
                continue
            if fld.ondelete == "cascade":
                self.unlink(env, ref.name, rows)
            elif fld.ondelete == "restrict":
                raise ValidationError(
                    "The operation cannot be completed: another model requires the record "
                    "being deleted. If possible, archive it instead.\n\n"
                    f"Model: {ref.description} ({ref.name}), "
                    f"Constraint: {ref.table}_{fld.name}_fkey"
                )
            else:
                self.conn.execute(
                    f'UPDATE "{ref.table}" SET "{fld.name}" = NULL WHERE id IN '
                    f"({','.join(map(str, rows))})"
                )
                self.invalidate(ref.name, rows, [fld.name])
        for other in self.models.values():
            for fld in other.fields.values():
                if fld.type != "many2many" or fld.pairs is not None:
                    continue
                if other.name == model:
                    self.conn.execute(
                        f'DELETE FROM "{fld.relation_table}" WHERE "{fld.column1}" IN ({id_list})'
                    )
                if fld.relation == model:
                    self.conn.execute(
                        f'DELETE FROM "{fld.relation_table}" WHERE "{fld.column2}" IN ({id_list})'
                    )
        if mdef.mail_thread:
            for side in ("mail_message", "mail_activity"):
                if side.replace("_", ".") in self.models:
                    col = "model" if side == "mail_message" else "res_model"
                    self.conn.execute(
                        f'DELETE FROM "{side}" WHERE "{col}" = ? AND res_id IN ({id_list})',
                        [model],
                    )
        self.conn.execute(
            f"DELETE FROM ir_model_data WHERE model = ? AND res_id IN ({id_list})", [model]
        )
        self.conn.execute(f'DELETE FROM "{mdef.table}" WHERE id IN ({id_list})')
        self.invalidate(model, ids, ["id"])

    def _split_vals(
        self, mdef: ModelDef, vals: dict[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[Field, Any]], list[tuple[Field, Any]]]:
        columns: dict[str, Any] = {}
        x2many: list[tuple[Field, Any]] = []
        related: list[tuple[Field, Any]] = []
        for fname, value in vals.items():
            fld = mdef.fields.get(fname)
            if fld is None:
                raise ValueError(f"Invalid field {fname!r} on model {mdef.name!r}")
            if fname == "id" or fname in _MAGIC:
                continue
            if fld.is_column:
                columns[fname] = to_column(fld, value, f"{mdef.name}.{fname}")
            elif fld.is_x2many and fld.compute is None and (fld.pairs is None or fld.inverse_name):
                x2many.append((fld, value))
            elif fld.related is not None and not fld.readonly:
                related.append((fld, value))
            # other computed fields without inverse: ignored, as Odoo does
        return columns, x2many, related

    def _check_m2o(self, mdef: ModelDef, columns: dict[str, Any]) -> None:
        for fname, value in columns.items():
            fld = mdef.fields[fname]
            if fld.type != "many2one" or value is None:
                continue
            comodel = self.models[fld.relation or ""]
            row = self.conn.execute(
                f'SELECT 1 FROM "{comodel.table}" WHERE id = ?', [value]
            ).fetchone()
            if row is None:
                raise ValidationError(
                    "The operation cannot be completed: insert or update on table "
                    f'"{mdef.table}" violates foreign key constraint '
                    f'"{mdef.table}_{fname}_fkey"\n'
                    f'DETAIL:  Key ({fname})=({value}) is not present in table "{comodel.table}".'
                )

    def _write_related(
        self, env: Env, mdef: ModelDef, fld: Field, ids: list[int], value: Any
    ) -> None:
        """Write through a writable related field (``a.b``: write ``b`` on the ``a`` records)."""
        assert fld.related is not None
        head, _, rest = fld.related.partition(".")
        hfld = mdef.fields[head]
        if not rest or hfld.type != "many2one":
            raise ValueError(f"{mdef.name}.{fld.name} cannot be written")
        targets = [
            r[0]
            for r in self.conn.execute(
                f'SELECT DISTINCT "{head}" FROM "{mdef.table}" WHERE id IN '
                f'({",".join(map(str, ids))}) AND "{head}" IS NOT NULL'
            )
        ]
        if targets:
            comodel = self.models[hfld.relation or ""]
            if "." in rest:
                raise ValueError(f"{mdef.name}.{fld.name} cannot be written (nested related)")
            self.write(env, comodel.name, targets, {rest: value})
            self.invalidate(mdef.name)

    def _apply_commands(self, env: Env, mdef: ModelDef, fld: Field, rid: int, value: Any) -> None:
        """Apply x2many command triples (``odoo-protocol.md`` §5) to record ``rid``."""
        comodel = fld.relation or ""
        where = f"{mdef.name}.{fld.name}"
        if value is False or value is None:
            value = [(5, 0, 0)]
        if not isinstance(value, list | tuple):
            raise ValueError(f"Invalid value for {where}: expected a list of commands")
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            value = [(6, 0, list(value))]
        for cmd in value:
            if not isinstance(cmd, list | tuple) or not cmd or not isinstance(cmd[0], int):
                raise ValueError(f"Invalid command {cmd!r} for {where}")
            code = cmd[0]
            arg1: Any = cmd[1] if len(cmd) > 1 else 0
            arg2: Any = cmd[2] if len(cmd) > 2 else 0
            if code == 0:
                vals = dict(arg2 or {})
                if fld.type == "one2many":
                    vals[fld.inverse_name or ""] = rid
                    self.create(env, comodel, vals)
                else:
                    self._link(fld, rid, [self.create(env, comodel, vals)])
            elif code == 1:
                self.write(env, comodel, [int(arg1)], dict(arg2 or {}))
            elif code == 2:
                self.unlink(env, comodel, [int(arg1)])
            elif code == 3:
                self._unlink_rel(env, fld, rid, [int(arg1)])
            elif code == 4:
                self._link_one(env, fld, rid, [int(arg1)])
            elif code == 5:
                self._unlink_rel(env, fld, rid, None)
            elif code == 6:
                ids = [int(i) for i in (arg2 or [])]
                current = self._x2many_values(env.with_context(active_test=False), fld, [rid])
                keep = set(ids)
                drop = [i for i in current.get(rid, []) if i not in keep]
                if drop:
                    self._unlink_rel(env, fld, rid, drop)
                self._link_one(env, fld, rid, ids)
            else:
                raise ValueError(f"Invalid command {cmd!r} for {where}")

    def _link_one(self, env: Env, fld: Field, rid: int, ids: list[int]) -> None:
        comodel = self.models[fld.relation or ""]
        found = set(self.exists(comodel.name, ids))
        missing = [i for i in ids if i not in found]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {comodel.name}({', '.join(map(str, missing))},), User: {env.uid})"
            )
        if fld.type == "one2many":
            if ids:
                self.write(env, comodel.name, ids, {fld.inverse_name or "": rid})
        else:
            self._link(fld, rid, ids)

    def _link(self, fld: Field, rid: int, ids: list[int]) -> None:
        self.conn.executemany(
            f'INSERT OR IGNORE INTO "{fld.relation_table}" ("{fld.column1}", "{fld.column2}") '
            "VALUES (?, ?)",
            [(rid, i) for i in ids],
        )

    def _unlink_rel(self, env: Env, fld: Field, rid: int, ids: list[int] | None) -> None:
        if fld.type == "one2many":
            comodel = self.models[fld.relation or ""]
            inv = comodel.fields[fld.inverse_name or ""]
            cond = f'"{inv.name}" = {int(rid)}'
            if ids is not None:
                cond += f" AND id IN ({','.join(map(str, ids))})"
            children = [
                r[0] for r in self.conn.execute(f'SELECT id FROM "{comodel.table}" WHERE {cond}')
            ]
            if not children:
                return
            if inv.required or inv.ondelete == "cascade":
                self.unlink(env, comodel.name, children)
            else:
                self.write(env, comodel.name, children, {inv.name: False})
            return
        cond = f'"{fld.column1}" = {int(rid)}'
        if ids is not None:
            cond += f' AND "{fld.column2}" IN ({",".join(map(str, ids))})'
        self.conn.execute(f'DELETE FROM "{fld.relation_table}" WHERE {cond}')

    # -- users, passwords, API keys -------------------------------------------------------

    def user_id(self, login: str) -> int | None:
        row = self.conn.execute("SELECT id FROM res_users WHERE login = ?", [login]).fetchone()
        return int(row[0]) if row else None

    def authenticate(self, login: str, password: str) -> int | bool:
        """The uid for a login and a password or API key, or ``False`` (never raises)."""
        if not isinstance(login, str) or not isinstance(password, str) or not password:
            return False
        with self._lock:
            row = self.conn.execute(
                "SELECT id, _password, active FROM res_users WHERE login = ?", [login]
            ).fetchone()
        if row is None or not row[2]:
            return False
        uid = int(row[0])
        if secrets.compare_digest(str(row[1] or ""), password):
            return uid
        if self._api_keys.get(password) == uid:
            return uid
        return False

    def check_password(self, uid: int, password: str) -> bool:
        """Whether ``password`` (or an API key) is valid for ``uid`` (``execute_kw`` auth)."""
        try:
            uid = int(uid)
        except (TypeError, ValueError):
            return False
        with self._lock:
            row = self.conn.execute(
                "SELECT login FROM res_users WHERE id = ? AND active = 1", [uid]
            ).fetchone()
        if row is None:
            return False
        return self.authenticate(row[0], password) == uid

    def uid_for_api_key(self, key: str) -> int | None:
        """The uid owning an API key (JSON-2 bearer auth), or ``None``."""
        uid = self._api_keys.get(key)
        if uid is None:
            return None
        with self._lock:
            row = self.conn.execute(
                "SELECT 1 FROM res_users WHERE id = ? AND active = 1", [uid]
            ).fetchone()
        return uid if row else None

    def create_api_key(self, uid: int, key: str | None = None) -> str:
        """A new API key for ``uid`` (40 hex characters, like Odoo's), or register ``key``."""
        if key is None:
            key = secrets.token_hex(20)
        if key in self._api_keys and self._api_keys[key] != uid:
            raise ValueError("this API key already belongs to another user")
        self._api_keys[key] = int(uid)
        return key

    def set_access(self, login: str, model: str, operation: str, allowed: bool) -> None:
        """Grant or withdraw one right (read/write/create/unlink) of a user, for tests."""
        uid = self.user_id(login)
        if uid is None:
            raise ValueError(f"no user with login {login!r}")
        self.access.set(uid, model, operation, allowed)

    # -- RPC entry points -----------------------------------------------------------------

    def execute_kw(
        self,
        uid: int,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Run one RPC call as ``uid`` in its own transaction (raises ``odoosim.exceptions``)."""
        from odoosim.orm.methods import dispatch

        try:
            with self.transaction():
                return dispatch(self, int(uid), model, method, list(args or []), dict(kwargs or {}))
        except sqlite3.IntegrityError as exc:
            # Odoo turns IntegrityError into a ValidationError (odoo/service/model.py)
            raise ValidationError(f"The operation cannot be completed: {exc}") from exc

    def method_info(self, model: str, method: str) -> Any:
        """``MethodInfo(params, is_model)`` of a public method (for JSON-2 and /doc-bearer)."""
        from odoosim.orm.methods import method_info

        return method_info(self, model, method)

    def public_methods(self, model: str) -> dict[str, Any]:
        """Every public method of ``model`` with its ``MethodInfo`` (for ``/doc-bearer``)."""
        from odoosim.orm.methods import public_methods

        return public_methods(self, model)

    def load_records(self, records: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
        """Load a dataset as-is (``docs/internals.md`` §3); returns rows loaded per model."""
        from odoosim.orm.loader import load_records

        with self.transaction():
            return load_records(self, records)

    # -- external ids ---------------------------------------------------------------------

    def xmlid(self, complete: str) -> tuple[str, int] | None:
        module, _, name = complete.partition(".")
        row = self.conn.execute(
            "SELECT model, res_id FROM ir_model_data WHERE module = ? AND name = ?",
            [module, name],
        ).fetchone()
        return (row[0], int(row[1])) if row else None

    def xmlid_id(self, complete: str) -> int:
        found = self.xmlid(complete)
        if found is None:
            raise ValueError(f"External ID not found in the system: {complete}")
        return found[1]

    def set_xmlid(self, complete: str, model: str, res_id: int, noupdate: bool = False) -> None:
        module, _, name = complete.partition(".")
        now = self.now()
        self.conn.execute(
            "INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_uid, "
            "write_uid, create_date, write_date) VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?)",
            [module, name, model, res_id, int(noupdate), now, now],
        )

    def check_access(self, env: Env, model: str, operation: str) -> None:
        if not self.access.allowed(env, model, operation):
            raise AccessError(self.access.message(model, operation))


# a miss this large is a page of a stream: load the comodel's names at once
_PREFETCH_MISSES = 200
# fields whose change renames *other* records of a self-referencing display name (partners)
_SELF_NAME_FIELDS = frozenset({"name", "parent_id", "is_company", "type", "id"})

_MAGIC = frozenset({"create_uid", "create_date", "write_uid", "write_date", "display_name"})


def _limit(limit: int | None, offset: int | None) -> str:
    sql = ""
    if limit:
        sql += f" LIMIT {int(limit)}"
    elif offset:
        sql += " LIMIT -1"
    if offset:
        sql += f" OFFSET {int(offset)}"
    return sql


def _mandatory_message(mdef: ModelDef, fld: Field) -> str:
    return (
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {mdef.description} ({mdef.name})\n"
        f"Field: {fld.string} ({fld.name})"
    )
