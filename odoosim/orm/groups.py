"""``read_group`` (16–18; deprecated but callable on 19) and ``formatted_read_group`` (19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from odoosim.orm.domain import DomainCompiler
from odoosim.orm.env import Env
from odoosim.orm.fields import Field
from odoosim.orm.model import ModelDef

AGGREGATES = {
    "sum": "SUM",
    "avg": "AVG",
    "min": "MIN",
    "max": "MAX",
    "count": "COUNT",
    "count_distinct": "COUNT(DISTINCT",
    "array_agg": "GROUP_CONCAT",
}
GRANULARITIES = ("day", "week", "month", "quarter", "year")


def _group_expr(db: Any, mdef: ModelDef, spec: str) -> tuple[str, Field, str | None]:
    fname, _, gran = spec.partition(":")
    fld = mdef.fields.get(fname)
    if fld is None:
        raise ValueError(f"Invalid field {fname!r} on model {mdef.name!r}")
    if not fld.sortable:
        raise ValueError(f"Field {fname!r} of model {mdef.name!r} cannot be grouped (not stored)")
    expr = db.field_expr(mdef, fld, "t")
    if fld.type in ("date", "datetime"):
        gran = gran or "month"
        if gran not in GRANULARITIES:
            raise ValueError(f"Invalid granularity {gran!r} in groupby {spec!r}")
        day = f"substr({expr}, 1, 10)"
        expr = {
            "day": day,
            "week": f"date({day}, '-6 days', 'weekday 1')",
            "month": f"strftime('%Y-%m-01', {day})",
            "quarter": (
                f"printf('%s-%02d-01', strftime('%Y', {day}), "
                f"((CAST(strftime('%m', {day}) AS INTEGER) - 1) / 3) * 3 + 1)"
            ),
            "year": f"strftime('%Y-01-01', {day})",
        }[gran]
        return expr, fld, gran
    return expr, fld, None


def _period_end(start: str, gran: str) -> str:
    d = dt.date.fromisoformat(start)
    if gran == "day":
        e = d + dt.timedelta(days=1)
    elif gran == "week":
        e = d + dt.timedelta(days=7)
    elif gran == "month":
        e = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    elif gran == "quarter":
        m = d.month + 3
        e = d.replace(year=d.year + (m - 1) // 12, month=(m - 1) % 12 + 1)
    else:
        e = d.replace(year=d.year + 1)
    return e.isoformat()


def _label(start: str, gran: str) -> str:
    d = dt.date.fromisoformat(start)
    if gran == "day":
        return d.strftime("%d %b %Y")
    if gran == "week":
        year, week = _weeknumber_en_us(d)
        return f"W{week} {year:04}"
    if gran == "month":
        return d.strftime("%B %Y")
    if gran == "quarter":
        return f"Q{(d.month - 1) // 3 + 1} {d.year}"
    return str(d.year)


def _weeknumber_en_us(d: dt.date) -> tuple[int, int]:
    """``date_utils.weeknumber`` for en_US (weeks start on Sunday, week 1 holds January 1st;
    the days of the last week that reach into January count for the next year)."""

    def first_sunday(year: int) -> dt.date:
        jan1 = dt.date(year, 1, 1)
        return jan1 - dt.timedelta(days=(jan1.weekday() + 1) % 7)

    if d >= first_sunday(d.year + 1):
        return d.year + 1, 1
    return d.year, (d - first_sunday(d.year)).days // 7 + 1


def _and(left: list[Any], right: list[Any]) -> list[Any]:
    """``expression.AND([left, right])``: empty domains drop out, the others are normalized."""
    if not left:
        return _as_one(right) if right else []
    if not right:
        return _as_one(left)
    return ["&", *_as_one(left), *_as_one(right)]


def _aggregates(mdef: ModelDef, specs: list[str], db: Any) -> list[tuple[str, str]]:
    """``[(result key, SQL aggregate)]`` from read_group field specs or 19 aggregate specs."""
    out = []
    for spec in specs:
        if spec == "__count":
            out.append(("__count", "COUNT(*)"))
            continue
        name, _, func = spec.partition(":")
        fname = name
        if "(" in func:
            func, _, rest = func.partition("(")
            fname = rest.rstrip(")")
        fld = mdef.fields.get(fname)
        if fld is None:
            raise ValueError(f"Invalid field {fname!r} on model {mdef.name!r}")
        if not func:
            if fld.type not in ("integer", "float", "monetary"):
                continue
            func = "sum"
        if func not in AGGREGATES:
            raise ValueError(f"Invalid aggregation function {func!r}")
        expr = db.field_expr(mdef, fld, "t")
        sql = (
            f"{AGGREGATES[func]}({expr}))"
            if func == "count_distinct"
            else (f"{AGGREGATES[func]}({expr})")
        )
        out.append((spec if ":" in spec else name, sql))
    return out


def _group_order(
    comp: DomainCompiler, group: tuple[str, str, Field, str | None], pos: int, direction: str
) -> list[str]:
    """ORDER BY terms of one group column.  A many2one group sorts by the comodel's ``_order``
    (``_read_group_orderby`` goes through ``_order_field_to_sql``), other groups by their
    value with PostgreSQL's NULL placement."""
    _, expr, fld, _ = group
    comodel = comp.models.get(fld.relation or "") if fld.type == "many2one" else None
    if comodel is not None:
        return comp._order_terms(comodel, comodel.order, "t", expr, direction == "DESC", 1)
    return [f"{pos + 1} {direction} NULLS {'LAST' if direction == 'ASC' else 'FIRST'}"]


def _run(
    env: Env,
    model: str,
    domain: Any,
    groupby: list[str],
    aggs: list[tuple[str, str]],
    offset: int,
    limit: int | None,
    order: str | None,
) -> tuple[ModelDef, list[tuple[str, Field, str | None]], list[tuple[Any, ...]]]:
    db = env.db
    db.access.check(env, model, "read")
    mdef = db.models[model]
    groups = [(spec, *_group_expr(db, mdef, spec)) for spec in groupby]
    cond, params = db.where(env, mdef, domain or [], "t")
    select = [g[1] for g in groups] + ["COUNT(*)"] + [a[1] for a in aggs]
    sql = f'SELECT {", ".join(select)} FROM "{mdef.table}" t WHERE {cond}'
    if groups:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(groups)))
        if order:
            comp = DomainCompiler(env)
            terms = []
            for raw in order.split(","):
                words = raw.split()
                if not words:
                    continue
                key = words[0]
                direction = words[1] if len(words) > 1 else "ASC"
                if direction.upper() not in ("ASC", "DESC"):
                    raise ValueError(f"Invalid order {order!r}")
                pos = [i for i, g in enumerate(groups) if g[0] == key or g[0].split(":")[0] == key]
                if pos:
                    terms += _group_order(comp, groups[pos[0]], pos[0], direction.upper())
                elif key == "__count":
                    terms.append(f"{len(groups) + 1} {direction}")
                else:
                    agg_pos = [i for i, a in enumerate(aggs) if a[0].split(":")[0] == key]
                    if not agg_pos:
                        comp.order_by(mdef, key, "t")  # raises for unknown fields
                        raise ValueError(f"Cannot order groups by {key!r}: not grouped")
                    terms.append(f"{len(groups) + 2 + agg_pos[0]} {direction}")
            sql += " ORDER BY " + ", ".join(terms)
        else:
            comp = DomainCompiler(env)
            terms = []
            for i, g in enumerate(groups):
                terms += _group_order(comp, g, i, "ASC")
            sql += " ORDER BY " + ", ".join(terms)
    if limit:
        sql += f" LIMIT {int(limit)}"
    if offset:
        sql += ("" if limit else " LIMIT -1") + f" OFFSET {int(offset)}"
    rows = db.conn.execute(sql, params).fetchall()
    return mdef, [(g[0], g[2], g[3]) for g in groups], rows


def _value(env: Env, fld: Field, gran: str | None, raw: Any, formatted: bool) -> Any:
    if raw is None:
        return False
    if fld.type == "many2one":
        return [raw, env.db.names(fld.relation or "", [raw])[raw]]
    if gran:
        return [raw, _label(raw, gran)] if formatted else _label(raw, gran)
    if fld.type == "boolean":
        return bool(raw)
    return raw


def _range(fld: Field, gran: str, raw: Any) -> Any:
    """``__range`` of a date group: ``{"from", "to"}`` in the field's server format, or False
    for the group of empty dates (18.0 ``_read_group_format_result``)."""
    if raw is None:
        return False
    start, end = raw, _period_end(raw, gran)
    if fld.type == "datetime":
        start, end = start + " 00:00:00", end + " 00:00:00"
    return {"from": start, "to": end}


def _group_domain(fld: Field, gran: str | None, raw: Any) -> list[Any]:
    if raw is None:
        return [(fld.name, "=", False)]
    if gran:
        start, end = raw, _period_end(raw, gran)
        if fld.type == "datetime":
            start, end = start + " 00:00:00", end + " 00:00:00"
        return ["&", (fld.name, ">=", start), (fld.name, "<", end)]
    return [(fld.name, "=", raw)]


def read_group(
    env: Env,
    model: str,
    ids: list[int],
    domain: Any,
    fields: list[str],
    groupby: Any,
    offset: int = 0,
    limit: int | None = None,
    orderby: Any = False,
    lazy: bool = True,
) -> list[dict[str, Any]]:
    gb = [groupby] if isinstance(groupby, str) else list(groupby or [])
    used = gb[:1] if lazy else gb
    mdef = env.db.models[model]
    specs = [f for f in fields or [] if f.split(":")[0] not in {g.split(":")[0] for g in gb}]
    aggs = _aggregates(mdef, specs, env.db)
    mdef, groups, rows = _run(env, model, domain, used, aggs, offset or 0, limit, orderby or None)
    out = []
    for row in rows:
        rec: dict[str, Any] = {}
        sub_domain: list[Any] = list(domain or [])
        ranges: dict[str, Any] = {}
        for i, (spec, fld, gran) in enumerate(groups):
            rec[spec] = _value(env, fld, gran, row[i], False)
            # 18.0 _read_group_format_result: AND([row['__domain'], additional_domain])
            sub_domain = _and(sub_domain, _group_domain(fld, gran, row[i]))
            if gran:
                ranges[spec] = _range(fld, gran, row[i])
        count = row[len(groups)]
        if lazy and gb:
            rec[f"{gb[0].split(':')[0]}_count"] = count
        else:
            rec["__count"] = count
        for j, (key, _) in enumerate(aggs):
            value = row[len(groups) + 1 + j]
            rec[key.split(":")[0]] = value if value is not None else 0
        rec["__domain"] = sub_domain
        if env.version >= 17 and ranges:
            rec["__range"] = ranges
        if lazy and len(gb) > 1:
            rec["__context"] = {"group_by": gb[1:]}
        out.append(rec)
    return out


def formatted_read_group(
    env: Env,
    model: str,
    ids: list[int],
    domain: Any,
    groupby: Any = (),
    aggregates: Any = (),
    having: Any = (),
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    if having:
        raise ValueError("formatted_read_group: 'having' is not supported by odoosim")
    gb = [groupby] if isinstance(groupby, str) else list(groupby or [])
    mdef = env.db.models[model]
    aggs = _aggregates(mdef, [a for a in aggregates or [] if a != "__count"], env.db)
    mdef, groups, rows = _run(env, model, domain, gb, aggs, offset or 0, limit, order)
    out = []
    for row in rows:
        rec: dict[str, Any] = {}
        extra: list[Any] = []
        for i, (spec, fld, gran) in enumerate(groups):
            rec[spec] = _value(env, fld, gran, row[i], True)
            extra = _and(extra, _group_domain(fld, gran, row[i]))
        if "__count" in (aggregates or []):
            rec["__count"] = row[len(groups)]
        for j, (key, _) in enumerate(aggs):
            value = row[len(groups) + 1 + j]
            rec[key] = value if value is not None else 0
        rec["__extra_domain"] = extra
        out.append(rec)
    return out


def _as_one(domain: list[Any]) -> list[Any]:
    """A domain as one prefix expression (AND of its top-level terms)."""
    if not domain:
        return [(1, "=", 1)]
    n = 0
    need = 0
    for token in domain:
        if need == 0:
            n += 1
            need = 1
        if token in ("&", "|"):
            need += 1
        elif token != "!":
            need -= 1
    return ["&"] * (n - 1) + list(domain)
