"""Model definitions and the registry a database is built from.

A ``ModelDef`` is the static description of one Odoo model (fields, default order, display
name, extra public methods).  ``RegistryBuilder`` collects the definitions of the installed
apps for one version profile; ``odoosim.models`` fills it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from odoosim.orm.fields import Char, Datetime, Field, Integer, Many2one, SqlExpr

if TYPE_CHECKING:
    from odoosim.orm.env import Env

REQUIRED = object()
"""Marker for a method parameter without default."""

MethodFunc = Callable[..., Any]


@dataclass
class ModelMethod:
    """A public (RPC-callable) method specific to some models.

    ``func(env, model_name, ids, **arguments)``; ``params`` keeps the Odoo signature order
    (without ``self``) with defaults or ``REQUIRED``; ``is_model`` marks ``@api.model`` methods
    (no ids); ``kwonly`` marks keyword-only signatures (``message_post``).
    """

    func: MethodFunc
    params: list[tuple[str, Any]]
    is_model: bool = False
    kwonly: bool = False
    var_kw: bool = False
    access: str = "read"


@dataclass
class ModelDef:
    """Static description of one model."""

    name: str
    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_name: str = "name"
    app: str = "base"
    mail_thread: bool = False
    parent_name: str | None = None
    display_sql: SqlExpr | None = None
    name_search_fields: tuple[str, ...] | None = None
    methods: dict[str, ModelMethod] = field(default_factory=dict)
    on_create: Callable[[Env, dict[str, Any]], None] | None = None
    on_write: Callable[[Env, list[int], dict[str, Any]], None] | None = None
    after_change: Callable[[Env, list[int], dict[str, Any]], None] | None = None
    """Called after create (one id) and write, e.g. to refresh stored totals."""
    name_depends: tuple[str, ...] = ()
    has_active: bool = False
    load_fill: dict[str, str] = field(default_factory=dict)
    """Stored computed fields a dataset may omit: ``{field: source field}`` (copied on load)."""
    transient: bool = False

    @property
    def table(self) -> str:
        return self.name.replace(".", "_")

    def display_expr(self, alias: str) -> str:
        """SQL expression giving the display name of a row of this model."""
        if self.display_sql is not None:
            return self.display_sql(alias)
        rec = self.fields.get(self.rec_name)
        if rec is not None and rec.is_column:
            return f'{alias}."{self.rec_name}"'
        return f"'{self.name},' || {alias}.id"


_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def magic_fields() -> dict[str, Field]:
    """Fields every model has (``models.py`` ``MAGIC_COLUMNS`` + ``display_name``)."""
    return {
        "id": Integer("ID", readonly=True),
        "create_uid": Many2one("res.users", "Created by", readonly=True, ondelete="set null"),
        "create_date": Datetime("Created on", readonly=True),
        "write_uid": Many2one("res.users", "Last Updated by", readonly=True, ondelete="set null"),
        "write_date": Datetime("Last Updated on", readonly=True),
        "display_name": Char("Display Name", sql=lambda a: "NULL", readonly=True),
    }


class RegistryBuilder:
    """Collects model definitions for one version profile and set of installed apps."""

    def __init__(self, version: int, apps: frozenset[str]) -> None:
        self.v = version
        self.apps = apps
        self.models: dict[str, ModelDef] = {}

    def has(self, *apps: str) -> bool:
        return all(a in self.apps for a in apps)

    def model(self, mdef: ModelDef) -> ModelDef:
        if mdef.name in self.models:
            raise ValueError(f"model {mdef.name} defined twice")
        self.models[mdef.name] = mdef
        return mdef

    def extend(self, name: str, **fields: Field) -> None:
        """Add fields to a model defined by another app (like ``_inherit``)."""
        if name in self.models:
            self.models[name].fields.update(fields)

    def method(self, model: str, name: str, meth: ModelMethod) -> None:
        if model in self.models:
            self.models[model].methods[name] = meth

    def finalize(self) -> dict[str, ModelDef]:
        """Add magic fields, name the fields, default relation tables; check consistency."""
        for mdef in self.models.values():
            fields = magic_fields()
            fields.update(mdef.fields)
            mdef.fields = fields
            mdef.has_active = "active" in fields
            for fname, fld in fields.items():
                if not _IDENT.match(fname):
                    raise ValueError(f"bad field name {mdef.name}.{fname}")
                fld.name = fname
                fld.model = mdef.name
                if fld.string == "":
                    fld.string = fname.replace("_", " ").title()
        for mdef in self.models.values():
            for fld in list(mdef.fields.values()):
                if fld.relation and fld.relation not in self.models:
                    # A field towards a model of an app that is not installed does not exist
                    # (the module that adds it would depend on that app).
                    del mdef.fields[fld.name]
                    continue
                if fld.type == "many2many" and fld.pairs is None:
                    finish_many2many(mdef, fld, self.models)
        return self.models


def finish_many2many(mdef: ModelDef, fld: Field, models: dict[str, ModelDef]) -> None:
    """Odoo's default relation table and column names for a many2many."""
    assert fld.relation is not None
    comodel = models[fld.relation]
    if fld.relation_table is None:
        t1, t2 = sorted([mdef.table, comodel.table])
        fld.relation_table = f"{t1}_{t2}_rel"
    if fld.column1 is None:
        fld.column1 = f"{mdef.table}_id"
    if fld.column2 is None:
        fld.column2 = f"{comodel.table}_id"
