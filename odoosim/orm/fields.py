"""Field specifications: what a model's field is, as Odoo describes it in ``fields_get``.

A field is one of four kinds, decided by its attributes:

* a **column** (``store=True``, not x2many): a real SQLite column, searchable and sortable in SQL;
* an **x2many** (``one2many`` through ``inverse_name``, ``many2many`` through a relation table,
  or computed by ``pairs``, a SQL query yielding ``(owner, target)`` rows);
* a **SQL-computed** field (``sql`` or ``related``): not stored, but read, searched and sorted
  through a SQL expression, so domains on it still compile to SQL;
* a **Python-computed** field (``compute``): read only, not searchable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from odoosim.orm.env import Env

FIELD_TYPES = frozenset(
    {
        "char",
        "text",
        "html",
        "integer",
        "float",
        "monetary",
        "boolean",
        "date",
        "datetime",
        "selection",
        "many2one",
        "one2many",
        "many2many",
        "many2one_reference",
        "binary",
    }
)
X2MANY = frozenset({"one2many", "many2many"})
TEXTUAL = frozenset({"char", "text", "html", "selection"})

SqlExpr = Callable[[str], str]
"""Given the SQL alias of the model's table, return a SQL expression."""

PyCompute = Callable[["Env", list[int]], dict[int, Any]]
"""Given an environment and ids, return ``{id: value}`` (missing ids read as empty)."""


@dataclass
class Field:
    """One field of a model (see the module docstring for the four kinds)."""

    type: str
    string: str = ""
    relation: str | None = None
    inverse_name: str | None = None
    relation_table: str | None = None
    column1: str | None = None
    column2: str | None = None
    required: bool = False
    readonly: bool = False
    selection: list[tuple[str, str]] | None = None
    default: Any = None
    store: bool = True
    sql: SqlExpr | None = None
    related: str | None = None
    compute: PyCompute | None = None
    pairs: str | None = None
    help: str = ""
    index: bool = False
    manual: bool = False
    ondelete: str | None = None
    translate: bool = False
    company_dependent: bool = False
    depends: tuple[str, ...] = ()
    currency_field: str | None = None
    nosearch: bool = False
    name: str = ""
    model: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")
        if self.sql is not None or self.related is not None or self.compute is not None:
            self.store = False
        if self.pairs is not None:
            self.store = False
        if self.type == "many2one" and self.ondelete is None:
            # Odoo: a required many2one defaults to RESTRICT, otherwise SET NULL.
            self.ondelete = "restrict" if self.required else "set null"

    @property
    def is_column(self) -> bool:
        return self.store and self.type not in X2MANY

    @property
    def is_x2many(self) -> bool:
        return self.type in X2MANY

    @property
    def searchable(self) -> bool:
        if self.nosearch:
            return False
        return self.store or self.sql is not None or self.related is not None or bool(self.pairs)

    @property
    def sortable(self) -> bool:
        if self.nosearch:
            return False
        return (self.is_column or self.sql is not None or self.related is not None) and (
            self.type not in X2MANY
        )

    @property
    def computed(self) -> bool:
        return not self.store

    @property
    def writable_related(self) -> bool:
        return self.related is not None and not self.readonly


# -- concise constructors used by the model definitions ------------------------------------


def Char(string: str = "", **kw: Any) -> Field:
    return Field("char", string, **kw)


def Text(string: str = "", **kw: Any) -> Field:
    return Field("text", string, **kw)


def Html(string: str = "", **kw: Any) -> Field:
    return Field("html", string, **kw)


def Integer(string: str = "", **kw: Any) -> Field:
    return Field("integer", string, **kw)


def Float(string: str = "", **kw: Any) -> Field:
    return Field("float", string, **kw)


def Monetary(string: str = "", **kw: Any) -> Field:
    kw.setdefault("currency_field", "currency_id")
    return Field("monetary", string, **kw)


def Boolean(string: str = "", **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def Date(string: str = "", **kw: Any) -> Field:
    return Field("date", string, **kw)


def Datetime(string: str = "", **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def Selection(selection: list[tuple[str, str]], string: str = "", **kw: Any) -> Field:
    return Field("selection", string, selection=list(selection), **kw)


def Many2one(relation: str, string: str = "", **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def One2many(relation: str, inverse_name: str, string: str = "", **kw: Any) -> Field:
    return Field("one2many", string, relation=relation, inverse_name=inverse_name, **kw)


def Many2many(
    relation: str,
    relation_table: str | None = None,
    column1: str | None = None,
    column2: str | None = None,
    string: str = "",
    **kw: Any,
) -> Field:
    return Field(
        "many2many",
        string,
        relation=relation,
        relation_table=relation_table,
        column1=column1,
        column2=column2,
        **kw,
    )
