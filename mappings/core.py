"""The machinery of a mapping table: columns, value modifiers, the table itself.

A mapping is a table of ``(source, target)`` rows with a tiny modifier each
(``m2o_id("partner_id")``, ``odoo_datetime("write_date")``...), plus a few named functions for
computed values.  The RPC field list is derived from the table, so table, field list and docs never
drift.  Source field names can differ per Odoo version (``product_uom`` ≤18 vs ``product_uom_id``
19): a column names them with ``by_version``.

Mappers never do I/O or lookups: whatever a mapping needs from other records (location usages, for
instance) is passed in, prefetched, through ``MapContext.lookups``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from service.model import ErpRef

from .errors import MappingError

SUPPORTED_VERSIONS = ("16", "17", "18", "19")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class MapContext:
    """What a mapper may know besides the record: tenant, Odoo version, prefetched lookups."""

    tenant: str
    version: str
    lookups: Mapping[str, Mapping[int, Any]] = field(default_factory=dict)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0].replace("saas~", ""))


Convert = Callable[[Any, str], Any]  # (raw value, field name) -> python value; raises _Bad


class _Bad(Exception):
    """Raised by a converter: the value has the wrong shape (becomes a MappingError)."""


@dataclass(frozen=True)
class Col:
    """One row of a mapping table: Odoo ``source`` field → service ``target`` attribute."""

    target: str
    source: str
    convert: Convert
    required: bool = False
    by_version: Mapping[str, str | None] = field(default_factory=dict)
    """Source name per Odoo major version where it differs; ``None``: absent in that version."""
    optional: bool = False
    """Read only when the server has the field (it comes with an optional app, e.g. repair)."""

    def source_for(self, major: int) -> str | None:
        return self.by_version.get(str(major), self.source)


# --------------------------------------------------------------------------- value modifiers
# Odoo sends ``False`` for every empty value except numbers (0 / 0.0) and x2many ([]).


def _plain(value: Any, name: str) -> Any:
    return None if value is False else value


def _text(value: Any, name: str) -> str | None:
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"expected text, got {type(value).__name__}")
    return value


def _number(value: Any, name: str) -> float:
    if value is False or value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"expected a number, got {value!r}")
    return float(value)


def _integer(value: Any, name: str) -> int:
    if value is False or value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"expected an integer, got {value!r}")
    return value


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true/false, got {value!r}")
    return value


def _m2o_id(value: Any, name: str) -> int | None:
    """Many2one as Odoo reads it: ``[id, display_name]`` or ``False`` (a bare int with load=None)."""
    if value is False or value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return int(value[0])
    raise _Bad(f"expected a many2one [id, name], got {value!r}")


def _m2o_name(value: Any, name: str) -> str:
    if value is False or value is None:
        return ""
    if isinstance(value, list | tuple) and len(value) == 2:
        return str(value[1])
    raise _Bad(f"expected a many2one [id, name], got {value!r}")


def _x2many(value: Any, name: str) -> tuple[int, ...]:
    if value is False or value is None:
        return ()
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise _Bad(f"expected a list of ids, got {value!r}")


def _datetime(value: Any, name: str) -> datetime | None:
    """Odoo datetimes are naive UTC strings ``YYYY-MM-DD HH:MM:SS``; we keep them aware (UTC)."""
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"expected a datetime string, got {value!r}")
    fmt = "%Y-%m-%d %H:%M:%S" if len(value) == 19 else "%Y-%m-%d"
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        raise _Bad(f"expected 'YYYY-MM-DD HH:MM:SS', got {value!r}") from None
    return parsed.replace(tzinfo=UTC)


def _date(value: Any, name: str) -> date | None:
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"expected a date string, got {value!r}")
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise _Bad(f"expected 'YYYY-MM-DD', got {value!r}") from None


def _col(convert: Convert) -> Callable[..., Col]:
    def make(
        source: str,
        target: str | None = None,
        *,
        required: bool = False,
        by_version: Mapping[str, str | None] | None = None,
        optional: bool = False,
    ) -> Col:
        return Col(target or source, source, convert, required, dict(by_version or {}), optional)

    return make


field_ = _col(_plain)
text = _col(_text)
number = _col(_number)
integer = _col(_integer)
boolean = _col(_boolean)
m2o_id = _col(_m2o_id)
m2o_name = _col(_m2o_name)
x2many = _col(_x2many)
odoo_datetime = _col(_datetime)
odoo_date = _col(_date)
false_to_none = _col(_plain)


# --------------------------------------------------------------------------- the table


Compute = Callable[[Mapping[str, Any], dict[str, Any], MapContext], Any]
"""A named function for a computed attribute: (raw record, mapped values so far, ctx) -> value."""


@dataclass(frozen=True)
class Mapping_(Generic[M]):
    """One Odoo model → one service class."""

    odoo_model: str
    target: type[M]
    columns: tuple[Col, ...]
    computed: Mapping[str, Compute] = field(default_factory=dict)
    extra_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Odoo fields read only by the computed functions, per major version ('*' for all)."""
    name_field: str = "display_name"

    def fields(self, version: str, available: Iterable[str] | None = None) -> list[str]:
        """The explicit RPC field list for ``version`` (never ``fields=[]``).

        ``available``: the server's fields (from ``fields_get``); optional columns are read only
        when present there.
        """
        major = MapContext("", version).major
        have = set(available) if available is not None else None
        names: list[str] = ["id", self.name_field, "write_date"]
        for col in self.columns:
            src = col.source_for(major)
            if src and (not col.optional or have is None or src in have):
                names.append(src)
        names.extend(self.extra_fields.get("*", ()))
        names.extend(self.extra_fields.get(str(major), ()))
        return list(dict.fromkeys(names))

    def required_fields(self, version: str) -> list[str]:
        """Fields that must exist on the server (checked by the connector at connect time)."""
        major = MapContext("", version).major
        optional = {c.source_for(major) for c in self.columns if c.optional}
        return [f for f in self.fields(version, available=()) if f not in optional]

    def map(self, record: Mapping[str, Any], ctx: MapContext) -> M:
        """Map one Odoo record; a malformed record raises ``MappingError`` naming model, id, field."""
        rec_id = record.get("id")
        if not isinstance(rec_id, int) or isinstance(rec_id, bool):
            raise MappingError(
                self.odoo_model, None, "id", f"expected an integer id, got {rec_id!r}"
            )
        major = ctx.major
        values: dict[str, Any] = {}
        for col in self.columns:
            src = col.source_for(major)
            if src is None:
                continue
            if src not in record:
                if col.required:
                    raise MappingError(
                        self.odoo_model, rec_id, src, "field missing from the record"
                    )
                continue
            raw = record[src]
            try:
                value = col.convert(raw, src)
            except _Bad as exc:
                raise MappingError(self.odoo_model, rec_id, src, str(exc)) from None
            if col.required and value in (None, ""):
                raise MappingError(self.odoo_model, rec_id, src, "a value is required, got False")
            values[col.target] = value
        for target, fn in self.computed.items():
            try:
                values[target] = fn(record, values, ctx)
            except _Bad as exc:
                raise MappingError(self.odoo_model, rec_id, target, str(exc)) from None
        name = record.get(self.name_field)
        values["ref"] = ErpRef(
            tenant=ctx.tenant,
            model=self.odoo_model,
            id=rec_id,
            name=name if isinstance(name, str) else "",
        )
        values = {k: v for k, v in values.items() if v is not None or k in _NULLABLE_OK}
        try:
            return self.target.model_validate(values)
        except PydanticValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "?"
            raise MappingError(self.odoo_model, rec_id, loc, err["msg"]) from None

    def map_many(
        self, records: Iterable[Mapping[str, Any]], ctx: MapContext
    ) -> tuple[list[M], list[MappingError]]:
        """Map a page: good records and the errors of the bad ones (the run goes on)."""
        good: list[M] = []
        bad: list[MappingError] = []
        for rec in records:
            try:
                good.append(self.map(rec, ctx))
            except MappingError as exc:
                bad.append(exc)
        return good, bad


# Attributes whose ``None`` must reach the model (so a required-but-nullable field validates).
_NULLABLE_OK = frozenset({"product_id", "vendor_id", "customer_id"})


def bad_value(message: str) -> _Bad:
    """For computed functions: signal a malformed value (becomes a MappingError)."""
    return _Bad(message)


def convert_m2o_id(value: Any, name: str = "") -> int | None:
    return _m2o_id(value, name)


def convert_datetime(value: Any, name: str = "") -> datetime | None:
    return _datetime(value, name)
