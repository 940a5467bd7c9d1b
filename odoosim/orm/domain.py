"""The domain language of ``odoo-protocol.md`` §4, compiled to SQLite SQL.

Every domain becomes one ``WHERE`` expression (with sub-selects for dotted paths, x2many and
name matching), so searching never evaluates rows in Python.  Each compile step returns
``(sql, params)`` and the caller glues them in textual order, so placeholders stay aligned.

Semantics follow Odoo 16's ``expression.py`` (19 keeps the meaning), per version profile:
``any``/``not any`` from 17, ``not =like``/``not =ilike`` and ``==`` on 19 only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from odoosim.exceptions import UserError
from odoosim.orm.fields import TEXTUAL, Field
from odoosim.orm.model import ModelDef

if TYPE_CHECKING:
    from odoosim.orm.env import Env

Sql = tuple[str, list[Any]]

TRUE: Sql = ("1", [])
FALSE: Sql = ("0", [])

BASE_OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "<=",
        "<",
        ">",
        ">=",
        "=?",
        "=like",
        "=ilike",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "in",
        "not in",
        "child_of",
        "parent_of",
    }
)
NEGATIVE = frozenset({"!=", "not like", "not ilike", "not in", "not =like", "not =ilike"})
NEGATE = {
    "!=": "=",
    "not like": "like",
    "not ilike": "ilike",
    "not in": "in",
    "not =like": "=like",
    "not =ilike": "=ilike",
}
LIKES = frozenset({"like", "ilike", "=like", "=ilike"})


def operators_for(version: int) -> frozenset[str]:
    ops = set(BASE_OPERATORS)
    if version >= 17:
        ops |= {"any", "not any"}
    if version >= 19:
        ops |= {"not =like", "not =ilike", "=="}
    return frozenset(ops)


def _and(parts: Sequence[Sql]) -> Sql:
    parts = [p for p in parts if p != TRUE]
    if any(p == FALSE for p in parts):
        return FALSE
    if not parts:
        return TRUE
    if len(parts) == 1:
        return parts[0]
    return "(" + " AND ".join(p[0] for p in parts) + ")", [x for p in parts for x in p[1]]


def _or(parts: Sequence[Sql]) -> Sql:
    parts = [p for p in parts if p != FALSE]
    if any(p == TRUE for p in parts):
        return TRUE
    if not parts:
        return FALSE
    if len(parts) == 1:
        return parts[0]
    return "(" + " OR ".join(p[0] for p in parts) + ")", [x for p in parts for x in p[1]]


def _not(part: Sql) -> Sql:
    if part == TRUE:
        return FALSE
    if part == FALSE:
        return TRUE
    # NULL-safe: a NULL inner result counts as "not matching", as in Odoo's SQL.
    return f"(NOT COALESCE({part[0]}, 0))", part[1]


def _ints(values: Sequence[Any]) -> str:
    return ",".join(str(int(v)) for v in values)


def _is_falsy_value(value: Any) -> bool:
    return value is False or value is None


def _fmt_value(fld: Field | None, value: Any, op: str) -> Any:
    """Convert a right-hand value to what the column stores."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        value = value.strftime("%Y-%m-%d")
    if fld is None:
        return value
    if fld.type == "datetime" and isinstance(value, str) and len(value) == 10:
        # Odoo 16: a date-only value is the start of that UTC day, or its last second for
        # the operators that include the whole day.
        return value + (" 23:59:59" if op in (">", "<=") else " 00:00:00")
    if fld.type == "boolean" and isinstance(value, bool):
        return int(value)
    return value


KEYSET_INDEXES = frozenset({("write_date", "id")})
"""Column pairs every model table has an index on (``Database.create_table``)."""


def keyset_index(table: str, first: str, second: str) -> str:
    return f"{table}__{first}_{second}"


class DomainCompiler:
    """Compiles domains of one environment (version, context) to SQL."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.models = env.db.models
        self.version = env.version
        self.operators = operators_for(self.version)
        self._aliases = itertools.count(1)
        self._depth = 0
        self._branch: tuple[Any, str] | None = None
        # (model, first field, second field, operator) of a keyset term ANDed at the top level
        self.seek: tuple[str, str, str, str] | None = None

    # -- entry points ---------------------------------------------------------------------

    def where(
        self, model: ModelDef, domain: Any, alias: str, active_test: bool | None = None
    ) -> Sql:
        """The SQL condition of ``domain`` on ``model`` rows aliased ``alias``."""
        return self._where(model, self.parse(domain), domain, alias, active_test)

    def _where(
        self, model: ModelDef, tree: Any, domain: Any, alias: str, active_test: bool | None
    ) -> Sql:
        top = self._depth == 0
        self._depth += 1
        try:
            cond = self._compile(model, tree, alias)
        finally:
            self._depth -= 1
        if top:
            found = self._top_keyset(model, tree)
            self.seek = None if found is None else found[1]
        if active_test is None:
            active_test = self.env.active_test
        if active_test and model.has_active and not _mentions_active(domain):
            cond = _and([cond, (f'{alias}."active" = 1', [])])
        return cond

    def where_seek(
        self, model: ModelDef, domain: Any, alias: str, order: str | None
    ) -> list[Sql] | None:
        """A keyset page as two conditions to run in turn, or None if ``domain`` is not one.

        ``a > x OR (a = x AND b > y)`` ordered ``a, b`` is the disjoint union of the run
        ``a = x AND b > y`` followed by ``a > x``.  SQLite seeks an ``(a, id)`` index for both
        (``a = ? AND rowid > ?``, then ``a > ?``), while its row-value range ``(a, id) > (?, ?)``
        only seeks on ``a`` and walks a whole run of equal ``write_date`` (a bulk import stamps
        thousands of rows with one transaction's time).  Running the parts in order and
        stopping at the limit gives the same rows in the same order.
        """
        tree = self.parse(domain)
        found = self._top_keyset(model, tree)
        if found is None or not self._walks_index(model, found[1], order):
            return None
        parts = []
        for branch in ("eq", "after"):
            self._branch = (found[0], branch)
            try:
                parts.append(self._where(model, tree, domain, alias, None))
            finally:
                self._branch = None
        return parts

    def index_hint(self, model: ModelDef, order: str | None) -> str:
        """``INDEXED BY`` for a keyset seek whose order walks the keyset's index, else ``""``.

        SQLite's planner has no statistics on these tables and prefers any equality index (for
        example ``move_id IN (...)`` of a dotted path) over the ``(write_date, id)`` range, then
        sorts every match for each page.  When the query is a keyset page (the keyset term is
        ANDed at the top level and the order starts with the same two fields in the keyset's
        direction), walking that index from the seek point is what makes paging O(page).
        """
        if self.seek is None or not self._walks_index(model, self.seek, order):
            return ""
        _, first, second, _ = self.seek
        return f' INDEXED BY "{keyset_index(model.table, first, second)}"'

    def _walks_index(
        self, model: ModelDef, seek: tuple[str, str, str, str], order: str | None
    ) -> bool:
        """Whether ``order`` starts with the keyset's two fields in its direction (indexed)."""
        name, first, second, op = seek
        if name != model.name or (first, second) not in KEYSET_INDEXES:
            return False
        want = "ASC" if op in (">", ">=") else "DESC"
        terms = [t.split() for t in (order or model.order).split(",") if t.strip()]
        if len(terms) < 2:
            return False
        for words, fname in zip(terms[:2], (first, second), strict=True):
            direction = words[1].upper() if len(words) > 1 else "ASC"
            if words[0] != fname or direction != want or len(words) > 2:
                return False
        return True

    def _top_keyset(
        self, model: ModelDef, node: Any
    ) -> tuple[Any, tuple[str, str, str, str]] | None:
        """The keyset node among the top-level conjuncts of ``node`` and its fields."""
        if node[0] == "&":
            for child in node[1]:
                found = self._top_keyset(model, child)
                if found is not None:
                    return found
            return None
        if node[0] == "|":
            match = self._keyset_match(model, node)
            if match is not None:
                f1, f2, op, _, _ = match
                return node, (model.name, f1.name, f2.name, op)
        return None

    def select_ids(self, model: ModelDef, domain: Any, active_test: bool | None = None) -> Sql:
        """``SELECT id FROM model WHERE domain`` as a sub-query."""
        alias = self._alias()
        cond, params = self.where(model, domain, alias, active_test)
        return f'SELECT {alias}.id FROM "{model.table}" {alias} WHERE {cond}', params

    # -- parsing --------------------------------------------------------------------------

    def parse(self, domain: Any) -> Any:
        """Prefix notation to a tree: ``('&', [..])``, ``('|', [..])``, ``('!', x)``, leaf."""
        if domain is False or domain is None:
            domain = []
        if not isinstance(domain, list | tuple):
            raise ValueError(f"Invalid domain {domain!r}: expected a list")
        items = list(domain)
        pos = 0

        def parse_one() -> Any:
            nonlocal pos
            if pos >= len(items):
                raise ValueError(f"Invalid domain {domain!r}: an operator lacks its operands")
            token = items[pos]
            pos += 1
            if token in ("&", "|"):
                a = parse_one()
                b = parse_one()
                return (token, [a, b])
            if token == "!":
                return ("!", parse_one())
            return ("leaf", self._check_leaf(token))

        terms = []
        while pos < len(items):
            terms.append(parse_one())
        return ("&", terms)

    def _check_leaf(self, token: Any) -> tuple[Any, str, Any]:
        if not isinstance(token, list | tuple) or len(token) != 3:
            raise ValueError(f"Invalid leaf {token!r}")
        left, op, right = token
        if not isinstance(op, str):
            raise ValueError(f"Invalid leaf {token!r}")
        op = op.lower()
        if (left, op, right) in ((1, "=", 1), (0, "=", 1)):
            return (left, op, right)
        if not isinstance(left, str) or op not in self.operators:
            raise ValueError(f"Invalid leaf {tuple(token)!r}")
        if op == "<>":
            op = "!="
        elif op == "==":
            op = "="
        return (left, op, right)

    # -- compilation ----------------------------------------------------------------------

    def _alias(self) -> str:
        return f"t{next(self._aliases)}"

    def _compile(self, model: ModelDef, node: Any, alias: str) -> Sql:
        kind = node[0]
        if kind == "&":
            return _and([self._compile(model, n, alias) for n in node[1]])
        if kind == "|":
            if self._branch is not None and node is self._branch[0]:
                return self._keyset_branch(model, node, alias, self._branch[1])
            keyset = self._keyset(model, node, alias)
            if keyset is not None:
                return keyset
            return _or([self._compile(model, n, alias) for n in node[1]])
        if kind == "!":
            return _not(self._compile(model, node[1], alias))
        left, op, right = node[1]
        if left == 1 and op == "=" and right == 1:
            return TRUE
        if left == 0 and op == "=" and right == 1:
            return FALSE
        return self._leaf(model, alias, left, op, right)

    def _keyset(self, model: ModelDef, node: Any, alias: str) -> Sql | None:
        """``a > x OR (a = x AND b > y)`` as the row value ``(a, b) > (x, y)``.

        Same truth table (NULLs included: SQLite compares row values left to right, and a NULL
        in the deciding pair gives NULL, exactly like the OR form), but SQLite can seek an
        ``(a, b)`` index instead of scanning it: the connector's keyset paging on
        ``(write_date, id)`` stays O(page).
        """
        match = self._keyset_match(model, node)
        if match is None:
            return None
        f1_fld, f2_fld, op, a, b = match
        e1 = self._expr(model, f1_fld, alias)[0]
        e2 = self._expr(model, f2_fld, alias)[0]
        return f"({e1}, {e2}) {op} (?, ?)", [a, b]

    def _keyset_branch(self, model: ModelDef, node: Any, alias: str, branch: str) -> Sql:
        """One part of a keyset split: ``a = x AND b > y`` ("eq") or ``a > x`` ("after")."""
        match = self._keyset_match(model, node)
        assert match is not None
        f1_fld, f2_fld, op, a, b = match
        e1 = self._expr(model, f1_fld, alias)[0]
        if branch == "after":
            return f"{e1} {op[0]} ?", [a]
        e2 = self._expr(model, f2_fld, alias)[0]
        return f"({e1} = ? AND {e2} {op} ?)", [a, b]

    def _keyset_match(
        self, model: ModelDef, node: Any
    ) -> tuple[Field, Field, str, Any, Any] | None:
        """``(field a, field b, row operator, x, y)`` if ``node`` is the keyset OR, else None."""
        if node[0] != "|":
            return None
        first, second = node[1]
        if first[0] != "leaf" or second[0] != "&" or len(second[1]) != 2:
            return None
        eq, nxt = second[1]
        if eq[0] != "leaf" or nxt[0] != "leaf":
            return None
        (f1, op1, v1), (f1b, op_eq, v1b), (f2, op2, v2) = first[1], eq[1], nxt[1]
        pairs = {(">", ">"): ">", (">", ">="): ">=", ("<", "<"): "<", ("<", "<="): "<="}
        if f1 != f1b or op_eq != "=" or v1 != v1b or (op1, op2) not in pairs:
            return None
        if not isinstance(f1, str) or not isinstance(f2, str) or f1 == f2:
            return None
        fields = [model.fields.get(f1), model.fields.get(f2)]
        for fld, value in zip(fields, (v1, v2), strict=True):
            usable = fld is not None and (
                fld.name == "id" or (fld.is_column and fld.type not in ("boolean", "many2one"))
            )
            if not usable:
                return None
            if _is_falsy_value(value) or isinstance(value, list | tuple | dict | bool):
                return None
        f1_fld, f2_fld = fields
        assert f1_fld is not None and f2_fld is not None
        a = _fmt_value(f1_fld, v1, "=")
        b = _fmt_value(f2_fld, v2, op2)
        if a != _fmt_value(f1_fld, v1, op1):
            return None  # date-only values widen differently per operator: keep the OR form
        return f1_fld, f2_fld, pairs[(op1, op2)], a, b

    def _field(self, model: ModelDef, fname: str, leaf: tuple[Any, str, Any]) -> Field:
        fld = model.fields.get(fname)
        if fld is None:
            raise ValueError(f"Invalid field {model.name}.{fname} in leaf {leaf!r}")
        return fld

    def _leaf(self, model: ModelDef, alias: str, left: str, op: str, right: Any) -> Sql:
        leaf = (left, op, right)
        path = left.split(".")
        fld = self._field(model, path[0], leaf)

        if op == "=?":
            if not right:
                return TRUE
            op = "in" if isinstance(right, list | tuple) else "="

        if len(path) > 1:
            if fld.type == "many2one":
                comodel = self.models[fld.relation or ""]
                sub, params = self.select_ids(comodel, [(".".join(path[1:]), op, right)], False)
                col, cparams = self._expr(model, fld, alias)
                return f"{col} IN ({sub})", cparams + params
            if fld.is_x2many:
                comodel = self.models[fld.relation or ""]
                targets = self.select_ids(comodel, [(".".join(path[1:]), op, right)])
                return self._x2many_in(model, fld, alias, targets)
            raise ValueError(
                f"Invalid field {model.name}.{left} in leaf {leaf!r}: "
                f"{path[0]} is not a relational field"
            )

        if op in ("any", "not any"):
            if not fld.relation:
                raise ValueError(f"Invalid leaf {leaf!r}: 'any' needs a relational field")
            comodel = self.models[fld.relation]
            if fld.type == "many2one":
                sub, params = self.select_ids(comodel, right, False)
                col, cparams = self._expr(model, fld, alias)
                if op == "any":
                    return f"{col} IN ({sub})", cparams + params
                return f"({col} IS NULL OR {col} NOT IN ({sub}))", cparams + cparams + params
            pos = self._x2many_in(model, fld, alias, self.select_ids(comodel, right))
            return pos if op == "any" else _not(pos)

        if op in ("child_of", "parent_of"):
            return self._hierarchy(model, fld, alias, op, right, leaf)

        if fld.is_x2many:
            return self._x2many_leaf(model, fld, alias, op, right)

        if not fld.searchable:
            raise ValueError(f"Non-stored field {model.name}.{fld.name} cannot be searched.")

        m2o_inequality = fld.type == "many2one" and op in ("<", ">", "<=", ">=")
        if m2o_inequality and isinstance(right, str) and self.version >= 19:
            # 19 rewrites name strings to `any` on display_name, which has no ordering
            raise TypeError(f"Cannot compare {model.name}.{fld.name} with a string using {op}")
        if fld.type == "many2one" and op not in ("<", ">", "<=", ">="):
            if _is_name_value(right):
                return self._m2o_by_name(model, fld, alias, op, right)
            if isinstance(right, list | tuple) and any(isinstance(v, list) for v in right):
                right = [v[0] if isinstance(v, list) else v for v in right]

        expr, eparams = self._expr(model, fld, alias)
        return self._scalar(fld, expr, eparams, op, right)

    def _expr(self, model: ModelDef, fld: Field, alias: str) -> Sql:
        """SQL expression giving the value of a column or SQL-computed field."""
        if fld.name == "id":
            return f"{alias}.id", []
        if fld.is_column:
            return f'{alias}."{fld.name}"', []
        if fld.name == "display_name":
            return model.display_expr(alias), []
        if fld.sql is not None:
            return fld.sql(alias), []
        if fld.related is not None:
            return self.env.db.related_expr(model, fld.related, alias), []
        raise ValueError(f"Non-stored field {model.name}.{fld.name} cannot be searched.")

    def _scalar(self, fld: Field | None, e: str, ep: list[Any], op: str, right: Any) -> Sql:
        """A leaf on one SQL value ``e`` (with params ``ep``)."""
        ftype = fld.type if fld is not None else "integer"
        if op in ("=", "!=") and isinstance(right, list | tuple):
            op = "in" if op == "=" else "not in"

        if op in ("=", "!="):
            if _is_falsy_value(right):
                if ftype == "boolean":
                    if op == "=":
                        return f"({e} IS NULL OR {e} = 0)", ep + ep
                    return f"({e} IS NOT NULL AND {e} != 0)", ep + ep
                return (f"{e} IS NULL" if op == "=" else f"{e} IS NOT NULL"), ep
            if ftype == "boolean":
                right = 1 if right else 0
                if right == 0:
                    return self._scalar(fld, e, ep, op, False)
            value = _fmt_value(fld, right, op)
            if op == "=":
                return f"{e} = ?", [*ep, value]
            return f"({e} != ? OR {e} IS NULL)", [*ep, value, *ep]

        if op in ("in", "not in"):
            values = list(right) if isinstance(right, list | tuple | set) else [right]
            has_null = any(_is_falsy_value(v) for v in values)
            values = [_fmt_value(fld, v, "=") for v in values if not _is_falsy_value(v)]
            if ftype == "boolean":
                # booleans: False also means NULL, so expand to '=' terms
                terms = [self._scalar(fld, e, ep, "=", bool(v)) for v in values]
                if has_null:
                    terms.append(self._scalar(fld, e, ep, "=", False))
                pos = _or(terms)
                return pos if op == "in" else _not(pos)
            if op == "in":
                parts: list[Sql] = []
                if values:
                    parts.append(self._in_list(e, ep, values))
                if has_null:
                    parts.append((f"{e} IS NULL", ep))
                return _or(parts)
            if not values:
                return (f"{e} IS NOT NULL", ep) if has_null else TRUE
            notin_sql, notin_params = self._in_list(e, ep, values)
            notin = (f"NOT ({notin_sql})", notin_params)
            if has_null:
                return _and([notin, (f"{e} IS NOT NULL", ep)])
            return _or([notin, (f"{e} IS NULL", ep)])

        if op in ("<", ">", "<=", ">="):
            if _is_falsy_value(right):
                return FALSE
            return f"{e} {op} ?", [*ep, _fmt_value(fld, right, op)]

        if op in LIKES or op in ("not like", "not ilike", "not =like", "not =ilike"):
            negative = op.startswith("not ")
            base = NEGATE[op] if negative else op
            if ftype not in TEXTUAL and ftype not in ("date", "datetime"):
                e = f"CAST({e} AS TEXT)"
            if base in ("like", "ilike"):
                if right is False or right is None or right == "":
                    # Odoo: like '' matches everything, NULL included
                    return FALSE if negative else TRUE
                pattern = f"%{right}%"
            else:
                if _is_falsy_value(right):
                    return FALSE if not negative else TRUE
                pattern = str(right)
            if base in ("like", "=like"):
                pos = (f"{e} GLOB ?", [*ep, _like_to_glob(pattern)])
            else:
                # SQLite's LIKE is ASCII case-insensitive: Odoo's ILIKE (without unaccent)
                pos = (f"{e} LIKE ? ESCAPE '\\'", [*ep, pattern])
            if not negative:
                return pos
            return f"(NOT ({pos[0]}) OR {e} IS NULL)", pos[1] + ep

        raise ValueError(f"Invalid operator {op!r}")

    def _in_list(self, e: str, ep: list[Any], values: list[Any]) -> Sql:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return f"{e} IN ({_ints(values)})", ep
        return f"{e} IN ({','.join('?' * len(values))})", ep + values

    # -- relational helpers -----------------------------------------------------------------

    def _name_cond(self, comodel: ModelDef, alias: str, op: str, value: Any) -> Sql:
        """Condition "the name of the row matches" on ``comodel`` (like ``_name_search``)."""
        names = comodel.name_search_fields or (comodel.rec_name,)
        parts: list[Sql] = []
        for fname in names:
            f = comodel.fields.get(fname)
            ep: list[Any] = []
            if f is None or not f.searchable:
                expr = comodel.display_expr(alias)
                f = None
            else:
                expr, ep = self._expr(comodel, f, alias)
            if op == "in":
                vals = value if isinstance(value, list | tuple) else [value]
                parts.append(self._scalar(f, expr, ep, "in", [v for v in vals if v]))
            else:
                parts.append(self._scalar(f, expr, ep, op, value))
        return _or(parts)

    def _m2o_by_name(self, model: ModelDef, fld: Field, alias: str, op: str, right: Any) -> Sql:
        comodel = self.models[fld.relation or ""]
        negative = op in NEGATIVE
        pos_op = NEGATE.get(op, op)
        if pos_op in ("=",) and isinstance(right, list | tuple):
            pos_op = "in"
        sub_alias = self._alias()
        cond, cparams = self._name_cond(comodel, sub_alias, pos_op, right)
        sub = f'SELECT {sub_alias}.id FROM "{comodel.table}" {sub_alias} WHERE {cond}'
        col, ep = self._expr(model, fld, alias)
        if not negative:
            return f"{col} IN ({sub})", ep + cparams
        return f"({col} NOT IN ({sub}) OR {col} IS NULL)", ep + cparams + ep

    def _pairs(self, fld: Field) -> str:
        return self.env.db.pairs_sql(fld)

    def _x2many_in(self, model: ModelDef, fld: Field, alias: str, targets: Sql) -> Sql:
        pairs = self._pairs(fld)
        return (
            f"{alias}.id IN (SELECT p.owner FROM ({pairs}) p WHERE p.target IN ({targets[0]}))",
            targets[1],
        )

    def _x2many_leaf(self, model: ModelDef, fld: Field, alias: str, op: str, right: Any) -> Sql:
        pairs = self._pairs(fld)
        has_any = f"{alias}.id IN (SELECT p.owner FROM ({pairs}) p)"
        if op in ("=", "!=") and _is_falsy_value(right):
            return (f"NOT ({has_any})", []) if op == "=" else (has_any, [])
        negative = op in NEGATIVE
        pos_op = NEGATE.get(op, op)
        comodel = self.models[fld.relation or ""]
        sub_alias = self._alias()
        has_null = False
        if pos_op in ("in", "=") and isinstance(right, list | tuple):
            has_null = any(_is_falsy_value(v) for v in right)
            right = [v for v in right if not _is_falsy_value(v)]
            pos_op = "in"
        if _is_name_value(right):
            cond = self._name_cond(comodel, sub_alias, pos_op, right)
        else:
            if isinstance(right, list | tuple):
                right = [v[0] if isinstance(v, list) else v for v in right]
            cond = self._scalar(comodel.fields["id"], f"{sub_alias}.id", [], pos_op, right)
        sub = (f'SELECT {sub_alias}.id FROM "{comodel.table}" {sub_alias} WHERE {cond[0]}', cond[1])
        pos = self._x2many_in(model, fld, alias, sub)
        if has_null:
            pos = _or([pos, (f"NOT ({has_any})", [])])
        return _not(pos) if negative else pos

    def _hierarchy(
        self,
        model: ModelDef,
        fld: Field,
        alias: str,
        op: str,
        right: Any,
        leaf: tuple[Any, str, Any],
    ) -> Sql:
        if fld.relation:
            hmodel = self.models[fld.relation]
        elif fld.name == "id":
            hmodel = model
        else:
            raise ValueError(f"Invalid leaf {leaf!r}: {op} needs a relational field or 'id'")
        parent = hmodel.parent_name
        if not parent:
            raise ValueError(f"Invalid leaf {leaf!r}: model {hmodel.name} has no parent field")
        if isinstance(right, str):
            sub_alias = self._alias()
            cond = self._name_cond(hmodel, sub_alias, "ilike", right)
            start: Sql = (
                f'SELECT {sub_alias}.id FROM "{hmodel.table}" {sub_alias} WHERE {cond[0]}',
                cond[1],
            )
        else:
            ids = right if isinstance(right, list | tuple) else [right]
            ids = [int(i) for i in ids if not _is_falsy_value(i)]
            if not ids:
                return FALSE
            start = (f"{_ints(ids)}", [])
            start = (f'SELECT id FROM "{hmodel.table}" WHERE id IN ({start[0]})', [])
        h = self._alias()
        t = hmodel.table
        if op == "child_of":
            rec = (
                f"WITH RECURSIVE {h}(id) AS ({start[0]} UNION "
                f'SELECT c.id FROM "{t}" c JOIN {h} ON c."{parent}" = {h}.id) '
                f"SELECT id FROM {h}"
            )
        else:
            rec = (
                f"WITH RECURSIVE {h}(id) AS ({start[0]} UNION "
                f'SELECT c."{parent}" FROM "{t}" c JOIN {h} ON c.id = {h}.id '
                f'WHERE c."{parent}" IS NOT NULL) '
                f"SELECT id FROM {h}"
            )
        ids_sql: Sql = (rec, start[1])
        if fld.name == "id":
            return f"{alias}.id IN ({ids_sql[0]})", ids_sql[1]
        if fld.type == "many2one":
            col, ep = self._expr(model, fld, alias)
            return f"{col} IN ({ids_sql[0]})", ep + ids_sql[1]
        return self._x2many_in(model, fld, alias, ids_sql)

    # -- ordering -------------------------------------------------------------------------

    def order_by(self, model: ModelDef, order: str | None, alias: str) -> str:
        """SQL ``ORDER BY`` terms for an Odoo order string (PostgreSQL NULL placement).

        A many2one term sorts by the comodel's ``_order`` (``DESC`` reverses it), as Odoo's
        ``_order_field_to_sql`` joins the comodel: ``order="partner_id"`` is by partner name.
        The string is first checked against the version's ``regex_order`` (``_check_qorder``).
        """
        spec = order or model.order
        check_order(self.version, spec)
        terms = self._order_terms(model, spec, alias, None, False, 0)
        return ", ".join(terms) if terms else f"{alias}.id"

    def _order_terms(
        self,
        model: ModelDef,
        spec: str,
        alias: str,
        row: str | None,
        reverse: bool,
        depth: int,
    ) -> list[str]:
        """Terms of ``spec`` on ``model``; ``row`` is the SQL id of the row when it is reached
        through a many2one (its fields are then read with a correlated sub-select)."""
        terms = []
        for raw in spec.split(","):
            words = raw.strip().split()
            if not words:
                continue
            # 17+: a ``:func`` suffix is matched by regex_order and ignored by search
            fname = words[0].replace('"', "")
            if self.version >= 17:
                fname = fname.split(":", 1)[0]
            prop = None
            if "." in fname:
                fname, prop = fname.split(".", 1)
            direction = "ASC"
            nulls = None
            rest = [w.upper() for w in words[1:]]
            if rest and rest[0] in ("ASC", "DESC"):
                direction = rest.pop(0)
            if rest[:1] == ["NULLS"] and len(rest) == 2 and rest[1] in ("FIRST", "LAST"):
                nulls = rest[1]
                rest = []
            if rest:
                raise ValueError(f"Invalid order {spec!r} on model {model.name!r}")
            fld = model.fields.get(fname)
            if fld is None:
                raise ValueError(f"Invalid field {fname!r} on model {model.name!r}")
            if prop is not None and not (fld.type == "many2one" and prop == "id"):
                # 18.0 models.py _field_to_sql: a property on a non-properties field
                raise ValueError(_bad_property(self.version, model, fname, prop))
            if not fld.sortable:
                raise ValueError(f"Cannot sort {model.name} by {fname!r}: the field is not stored")
            if reverse:
                direction = "DESC" if direction == "ASC" else "ASC"
                if nulls is not None:
                    nulls = "FIRST" if nulls == "LAST" else "LAST"
            if row is None:
                expr = self._expr(model, fld, alias)[0]
            elif fname == "id":
                expr = row
            else:
                sub = self._alias()
                inner = self._expr(model, fld, sub)[0]
                expr = f'(SELECT {inner} FROM "{model.table}" {sub} WHERE {sub}.id = {row})'
            comodel = self.models.get(fld.relation or "") if fld.type == "many2one" else None
            if (
                comodel is not None
                and prop is None
                and fld.is_column
                and depth < 3
                and nulls is None
            ):
                terms += self._order_terms(
                    comodel, comodel.order, alias, expr, direction == "DESC", depth + 1
                )
                continue
            if row is None and fname in ("id", "create_date", "write_date"):
                # always set: no NULLS clause, so SQLite can walk the (write_date, id) index
                terms.append(f"{expr} {direction}")
                continue
            if nulls is None:
                nulls = "LAST" if direction == "ASC" else "FIRST"
            terms.append(f"{expr} {direction} NULLS {nulls}")
        return terms


# ``regex_order`` of odoo/models.py: 16.0 allows ``:`` in names and no NULLS clause; 17.0+ allow
# ``field.property``, ``field:func`` and ``NULLS FIRST/LAST`` (18.0 models.py, verbatim shape).
_ORDER_16 = re.compile(r'^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\s+(desc|asc))?\s*(,|$))+(?<!,)$', re.I)
_ORDER_17 = re.compile(
    r"""
    ^
    (\s*
        (?P<term>((?P<field>[a-z0-9_]+|"[a-z0-9_]+")(\.(?P<property>[a-z0-9_]+))?(:(?P<func>[a-z_]+))?))
        (\s+(?P<direction>desc|asc))?
        (\s+(?P<nulls>nulls\ first|nulls\ last))?
        \s*
        (,|$)
    )+
    (?<!,)
    $
    """,
    re.IGNORECASE | re.VERBOSE,
)


def check_order(version: int, order: str) -> None:
    """Odoo's ``_check_qorder``: a UserError naming the whole order string."""
    regex = _ORDER_16 if version <= 16 else _ORDER_17
    if not regex.match(order):
        raise UserError(
            f'Invalid "order" specified ({order}). A valid "order" specification is a '
            "comma-separated list of valid field names (optionally followed by asc/desc "
            "for the direction)"
        )


def _bad_property(version: int, model: ModelDef, fname: str, prop: str) -> str:
    """The ValueError text for ``order="<field>.<prop>"`` on a non-properties field.

    17/18 ``_field_to_sql``: "Invalid field 'partner_id.name' on model 'sale.order'"; 19's
    ``Field.property_to_sql`` (no many2one override): "Invalid field property 'name' on
    sale.order.partner_id".
    """
    if version >= 19:
        return f"Invalid field property {prop!r} on {model.name}.{fname}"
    return f"Invalid field {fname + '.' + prop!r} on model {model.name!r}"


def _is_name_value(right: Any) -> bool:
    if isinstance(right, str):
        return True
    return (
        isinstance(right, list | tuple)
        and bool(right)
        and all(isinstance(v, str) for v in right if not _is_falsy_value(v))
        and any(isinstance(v, str) for v in right)
    )


def _mentions_active(domain: Any) -> bool:
    if not isinstance(domain, list | tuple):
        return False
    return any(isinstance(t, list | tuple) and len(t) == 3 and t[0] == "active" for t in domain)


def _like_to_glob(pattern: str) -> str:
    """A LIKE pattern (``%``/``_``, backslash escapes) as an SQLite GLOB (case-sensitive)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(_glob_literal(pattern[i]))
        elif c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        else:
            out.append(_glob_literal(c))
        i += 1
    return "".join(out)


def _glob_literal(c: str) -> str:
    return f"[{c}]" if c in "*?[]" else c
