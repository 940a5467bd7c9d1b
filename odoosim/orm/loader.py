"""``Database.load_records``: load a dataset as-is, fast (``executemany``), or refuse it.

The shape is ``{"res.partner": [{"id": 7, "name": "..."}], ...}``: ids kept, many2one as an
id, x2many as a list of ids, dates and datetimes as Odoo strings, missing fields get their
defaults, models loaded in the given order.  A malformed record raises ``DatasetError``
naming the model, the record id and the field.  Dangling many2one ids are refused too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from odoosim.exceptions import DatasetError
from odoosim.orm.fields import Field
from odoosim.orm.values import to_column

if TYPE_CHECKING:
    from odoosim.orm.database import Database


def load_records(db: Database, records: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    if not isinstance(records, dict):
        raise DatasetError("records must be an object mapping model names to lists of records")
    env = db.env(1, su=True)
    now = db.now()
    loaded: dict[str, int] = {}
    deferred_o2m: list[tuple[str, Field, int, list[int]]] = []
    for model, rows in records.items():
        mdef = db.models.get(model)
        if mdef is None:
            raise DatasetError(
                f"unknown model (not installed in this database; installed apps: "
                f"{', '.join(sorted(db.apps))})",
                model=model,
            )
        if not isinstance(rows, list):
            raise DatasetError("expected a list of records", model=model)
        columns = [f for f in mdef.fields.values() if f.is_column and f.name != "id"]
        col_names = ["id"] + [f.name for f in columns]
        defaults: dict[str, Any] = {}
        for fld in columns:
            if fld.default is not None:
                value = fld.default(env) if callable(fld.default) else fld.default
                defaults[fld.name] = to_column(fld, value, f"{model}.{fld.name}")
        defaults.update(create_uid=2, write_uid=2, create_date=now, write_date=now)
        converters: dict[str, Callable[[Any], Any]] = {
            f.name: _converter(model, f) for f in columns
        }
        value_names = col_names[1:]
        required = [f.name for f in columns if f.required and f.type != "boolean"]
        existing = {r[0] for r in db.conn.execute(f'SELECT id FROM "{mdef.table}"')}
        seen: set[int] = set()
        batch: list[list[Any]] = []
        updates: dict[tuple[str, ...], list[list[Any]]] = {}
        m2m: dict[str, list[tuple[int, int]]] = {}
        for rec in rows:
            if not isinstance(rec, dict):
                raise DatasetError(f"expected an object, got {type(rec).__name__}", model=model)
            rid = rec.get("id")
            if isinstance(rid, bool) or not isinstance(rid, int) or rid <= 0:
                raise DatasetError(
                    "every record needs a positive integer id",
                    model=model,
                    record_id=rid,
                    field="id",
                )
            if rid in seen:
                raise DatasetError("duplicate id", model=model, record_id=rid, field="id")
            seen.add(rid)
            # a record with the id of a base record (company, locations, ...) updates it
            update = rid in existing
            values = {} if update else dict(defaults)
            for fname, value in rec.items():
                conv = converters.get(fname)
                if conv is not None:
                    try:
                        values[fname] = conv(value)
                    except (ValueError, TypeError) as exc:
                        raise DatasetError(
                            str(exc), model=model, record_id=rid, field=fname
                        ) from exc
                    continue
                if fname == "id":
                    continue
                found = mdef.fields.get(fname)
                if found is None:
                    raise DatasetError("unknown field", model=model, record_id=rid, field=fname)
                fld = found
                if fld.is_x2many and fld.pairs is None and fld.compute is None:
                    ids = _id_list(value, model, rid, fname)
                    if fld.type == "many2many":
                        m2m.setdefault(fname, []).extend((rid, i) for i in ids)
                    else:
                        deferred_o2m.append((model, fld, rid, ids))
                    continue
                if (
                    fname == "display_name"
                    or fld.related is not None
                    or fld.extra.get("odoo_stored")
                ):
                    # stored in Odoo but derived here (related or SQL-computed): the value
                    # follows from the fields it depends on, so the given one is not needed
                    continue
                raise DatasetError(
                    "computed field (not stored): set the fields it is computed from instead",
                    model=model,
                    record_id=rid,
                    field=fname,
                )
            if update:
                if values:
                    values["write_date"] = now
                    updates.setdefault(tuple(values), []).append([*values.values(), rid])
                continue
            for target, source in mdef.load_fill.items():
                if values.get(target) is None:
                    values[target] = values.get(source)
            for rname in required:
                if values.get(rname) is None:
                    raise DatasetError(
                        "required field missing", model=model, record_id=rid, field=rname
                    )
            batch.append([rid, *map(values.get, value_names)])
        if batch:
            quoted = ", ".join(f'"{n}"' for n in col_names)
            db.conn.executemany(
                f'INSERT INTO "{mdef.table}" ({quoted}) VALUES ({", ".join("?" * len(col_names))})',
                batch,
            )
        for keys, rows_ in updates.items():
            sets = ", ".join(f'"{k}" = ?' for k in keys)
            db.conn.executemany(f'UPDATE "{mdef.table}" SET {sets} WHERE id = ?', rows_)
        for fname, pairs in m2m.items():
            fld = mdef.fields[fname]
            db.conn.executemany(
                f'INSERT OR IGNORE INTO "{fld.relation_table}" ("{fld.column1}", "{fld.column2}") VALUES (?, ?)',
                pairs,
            )
        loaded[model] = len(batch) + sum(len(r) for r in updates.values())
        db.invalidate(model)
    for _model, fld, rid, ids in deferred_o2m:
        comodel = db.models[fld.relation or ""]
        if ids:
            db.conn.execute(
                f'UPDATE "{comodel.table}" SET "{fld.inverse_name}" = ? WHERE id IN ({",".join(map(str, ids))})',
                [rid],
            )
    _check_references(db, records)
    db._names.clear()
    db._names_full.clear()
    return loaded


def _converter(model: str, fld: Field) -> Callable[[Any], Any]:
    where = f"{model}.{fld.name}"
    t = fld.type
    if t in ("char", "text", "html"):

        def conv_str(v: Any) -> Any:
            if v is False or v is None:
                return None
            if not isinstance(v, str):
                raise ValueError(f"expected a string or false, got {v!r}")
            return v

        return conv_str
    if t == "many2one":

        def conv_m2o(v: Any) -> Any:
            if v is False or v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"expected an id (integer) or false, got {v!r}")
            return v

        return conv_m2o
    if t == "selection":
        keys = {k for k, _ in fld.selection or []}

        def conv_sel(v: Any) -> Any:
            if v is False or v is None:
                return None
            if v not in keys:
                raise ValueError(f"Wrong value for {where}: {v!r}")
            return v

        return conv_sel
    if t in ("float", "monetary"):

        def conv_float(v: Any) -> Any:
            if v is False or v is None:
                return 0.0
            if type(v) is float:
                return v
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"Invalid float value {v!r} for {where}")
            return float(v)

        return conv_float
    return lambda v: to_column(fld, v, where)


def _id_list(value: Any, model: str, rid: int, fname: str) -> list[int]:
    if value is False or value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise DatasetError("expected a list of ids", model=model, record_id=rid, field=fname)
    return value


def _check_references(db: Database, records: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse many2one / many2many values pointing at records that do not exist."""
    for model in records:
        mdef = db.models[model]
        for fld in mdef.fields.values():
            comodel = db.models.get(fld.relation or "")
            if comodel is None:
                continue
            if fld.type == "many2one" and fld.is_column:
                row = db.conn.execute(
                    f'SELECT t.id, t."{fld.name}" FROM "{mdef.table}" t WHERE t."{fld.name}" IS NOT NULL '
                    f'AND NOT EXISTS (SELECT 1 FROM "{comodel.table}" c WHERE c.id = t."{fld.name}") LIMIT 1'
                ).fetchone()
                if row is not None:
                    raise DatasetError(
                        f"refers to {comodel.name} id {row[1]}, which does not exist",
                        model=model,
                        record_id=row[0],
                        field=fld.name,
                    )
            elif fld.type == "many2many" and fld.pairs is None:
                row = db.conn.execute(
                    f'SELECT r."{fld.column1}", r."{fld.column2}" FROM "{fld.relation_table}" r '
                    f'WHERE NOT EXISTS (SELECT 1 FROM "{comodel.table}" c WHERE c.id = r."{fld.column2}") LIMIT 1'
                ).fetchone()
                if row is not None:
                    raise DatasetError(
                        f"refers to {comodel.name} id {row[1]}, which does not exist",
                        model=model,
                        record_id=row[0],
                        field=fld.name,
                    )
