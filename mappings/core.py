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
from enum import Enum
from functools import cached_property
from types import UnionType
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

import orjson
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

    @cached_property
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
    if type(value) is str:
        return value
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"expected text, got {type(value).__name__}")
    return value


def _number(value: Any, name: str) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
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
    if type(value) is list and len(value) == 2 and type(value[0]) is int:
        return value[0]
    if value is False or value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return int(value[0])
    raise _Bad(f"expected a many2one [id, name], got {value!r}")


def _m2o_name(value: Any, name: str) -> str:
    if type(value) is list and len(value) == 2 and type(value[1]) is str:
        return value[1]
    if value is False or value is None:
        return ""
    if isinstance(value, list | tuple) and len(value) == 2:
        return str(value[1])
    raise _Bad(f"expected a many2one [id, name], got {value!r}")


_INT_ONLY = frozenset({int})


def _x2many(value: Any, name: str) -> tuple[int, ...]:
    if type(value) is list and (not value or set(map(type, value)) <= _INT_ONLY):
        return tuple(value)
    if value is False or value is None:
        return ()
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise _Bad(f"expected a list of ids, got {value!r}")


def _datetime_slow(value: str) -> datetime:
    fmt = "%Y-%m-%d %H:%M:%S" if len(value) == 19 else "%Y-%m-%d"
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError:
        raise _Bad(f"expected 'YYYY-MM-DD HH:MM:SS', got {value!r}") from None
    return parsed.replace(tzinfo=UTC)


def _canonical_datetime(value: str) -> bool:
    """``YYYY-MM-DD HH:MM:SS`` by its separators (``fromisoformat`` checks the digits).

    The separator checks keep ISO forms Odoo never sends (``T``, week dates, offsets) off the
    fast path: they take the ``strptime`` path, whose verdict is the reference.
    """
    return (
        len(value) == 19
        and value[4] == "-"
        and value[7] == "-"
        and value[10] == " "
        and value[13] == ":"
        and value[16] == ":"
    )


_DT_CACHE: dict[str, datetime] = {}
_DATE_CACHE: dict[str, date] = {}
_CACHE_MAX = 8192
"""Parsed canonical strings (immutable values, safe to share): an ERP page repeats its stamps
(one write_date per import batch, order dates per day), so most look-ups skip the parse."""


def _datetime(value: Any, name: str) -> datetime | None:
    """Odoo datetimes are naive UTC strings ``YYYY-MM-DD HH:MM:SS``; we keep them aware (UTC)."""
    if value is False or value is None:
        return None
    if type(value) is str:
        hit = _DT_CACHE.get(value)
        if hit is not None:
            return hit
        if _canonical_datetime(value):
            try:
                parsed = datetime.fromisoformat(value + "+00:00")  # UTC, the singleton
            except ValueError:
                pass  # the reference path words the error
            else:
                if len(_DT_CACHE) >= _CACHE_MAX:
                    _DT_CACHE.clear()
                _DT_CACHE[value] = parsed
                return parsed
    if not isinstance(value, str):
        raise _Bad(f"expected a datetime string, got {value!r}")
    return _datetime_slow(value)


def _date(value: Any, name: str) -> date | None:
    if value is False or value is None:
        return None
    if type(value) is str:
        hit = _DATE_CACHE.get(value)
        if hit is not None:
            return hit
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                pass  # the reference path words the error
            else:
                if len(_DATE_CACHE) >= _CACHE_MAX:
                    _DATE_CACHE.clear()
                _DATE_CACHE[value] = parsed
                return parsed
    if not isinstance(value, str):
        raise _Bad(f"expected a date string, got {value!r}")
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise _Bad(f"expected 'YYYY-MM-DD', got {value!r}") from None


# Inline fast paths of the compiled mappers, per converter: a condition on ``raw`` under which
# the converter would return ``expr`` (never None, never "") — anything else takes the
# converter itself (``Mapping_._column``), so results and errors are the converter's own.
_FAST: dict[Convert, tuple[str, str]] = {
    _m2o_id: ("type(raw) is list and len(raw) == 2 and type(raw[0]) is int", "raw[0]"),
    _m2o_name: ("type(raw) is list and len(raw) == 2 and type(raw[1]) is str and raw[1]", "raw[1]"),
    _text: ("type(raw) is str and raw", "raw"),
    _number: ("type(raw) is float", "raw"),
    _integer: ("type(raw) is int", "raw"),
    _boolean: ("raw is True or raw is False", "raw"),
    _datetime: ("type(raw) is str and (hit := dt_get(raw)) is not None", "hit"),
    _date: ("type(raw) is str and (hit := date_get(raw)) is not None", "hit"),
    _x2many: ("type(raw) is list and set(map(type, raw)) <= int_only", "tuple(raw)"),
}


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
"""A named function for a computed attribute: (raw record, mapped values so far, ctx) -> value.

The mapped values leave out attributes that mapped to ``None`` (read them with ``.get``)."""


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
    _compiled: dict[int, Callable[[Mapping[str, Any], int], dict[str, Any]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _fused: dict[int, Callable[[Mapping[str, Any], MapContext], bytes | None] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

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

    def plan(self, major: int) -> tuple[tuple[str, str, Convert, bool], ...]:
        """``(target, source, convert, required)`` of the columns read on ``major``."""
        return tuple(
            (col.target, src, col.convert, col.required)
            for col in self.columns
            if (src := col.source_for(major)) is not None
        )

    def _column(
        self,
        values: dict[str, Any],
        raw: Any,
        column: tuple[str, str, Convert, bool],
        rec_id: int,
    ) -> None:
        """One column the general way (the compiled mapper's path off its fast path)."""
        target, src, convert, required = column
        if raw is _MISSING:
            if required:
                raise MappingError(self.odoo_model, rec_id, src, "field missing from the record")
            return
        try:
            value = convert(raw, src)
        except _Bad as exc:
            raise MappingError(self.odoo_model, rec_id, src, str(exc)) from None
        if value is None:
            if required:
                raise MappingError(self.odoo_model, rec_id, src, "a value is required, got False")
            if target in _NULLABLE_OK:
                values[target] = None
            return
        if required and value == "":
            raise MappingError(self.odoo_model, rec_id, src, "a value is required, got False")
        values[target] = value

    def compiled(self, major: int) -> Callable[[Mapping[str, Any], int], dict[str, Any]]:
        """The columns of ``major`` as one generated function ``(record, id) -> values``.

        Compiled once per (table, Odoo major): sources resolved, one inline test per column for
        the shape Odoo sends (``[id, name]``, a float, a known stamp...) and the converter itself
        for everything else, so values and ``MappingError``s are exactly the converters'.
        """
        fn = self._compiled.get(major)
        if fn is not None:
            return fn
        plan = self.plan(major)
        lines = ["def mapper(record, rec_id):", "    get = record.get", "    values = {}"]
        for i, (target, src, convert, _required) in enumerate(plan):
            lines.append(f"    raw = get({src!r}, MISSING)")
            fast = _FAST.get(convert)
            if fast is None:
                lines.append(f"    column(values, raw, col{i}, rec_id)")
                continue
            cond, expr = fast
            lines += [
                f"    if {cond}:",
                f"        values[{target!r}] = {expr}",
                "    else:",
                f"        column(values, raw, col{i}, rec_id)",
            ]
        lines.append("    return values")
        namespace: dict[str, Any] = {
            "MISSING": _MISSING,
            "column": self._column,
            "dt_get": _DT_CACHE.get,
            "date_get": _DATE_CACHE.get,
            "int_only": _INT_ONLY,
            **{f"col{i}": col for i, col in enumerate(plan)},
        }
        exec(compile("\n".join(lines), f"<mapper {self.odoo_model} v{major}>", "exec"), namespace)
        fn = namespace["mapper"]
        self._compiled[major] = fn
        return fn

    def _values(self, record: Mapping[str, Any], ctx: MapContext) -> tuple[int, dict[str, Any]]:
        """The record's id and its converted values (``ref`` as a plain dict)."""
        rec_id = record.get("id")
        if type(rec_id) is not int and (not isinstance(rec_id, int) or isinstance(rec_id, bool)):
            raise MappingError(
                self.odoo_model, None, "id", f"expected an integer id, got {rec_id!r}"
            )
        values = self.compiled(ctx.major)(record, rec_id)
        for target, fn in self.computed.items():
            try:
                value = fn(record, values, ctx)
            except _Bad as exc:
                raise MappingError(self.odoo_model, rec_id, target, str(exc)) from None
            if value is not None or target in _NULLABLE_OK:
                values[target] = value
        name = record.get(self.name_field)
        # A plain dict: pydantic validates it as the nested ErpRef in one call.
        values["ref"] = {
            "tenant": ctx.tenant,
            "model": self.odoo_model,
            "id": rec_id,
            "name": name if isinstance(name, str) else "",
        }
        return rec_id, values

    def _validate(self, rec_id: int, values: dict[str, Any]) -> M:
        try:
            return self.target.model_validate(values)
        except PydanticValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "?"
            raise MappingError(self.odoo_model, rec_id, loc, err["msg"]) from None

    def map(self, record: Mapping[str, Any], ctx: MapContext) -> M:
        """Map one Odoo record; a malformed record raises ``MappingError`` naming model, id, field."""
        rec_id, values = self._values(record, ctx)
        return self._validate(rec_id, values)

    def map_json(self, record: Mapping[str, Any], ctx: MapContext) -> str:
        """``payload_json(self.map(record, ctx))`` without building the model when it need not.

        The pull path stores JSON, not objects.  A record as Odoo sends it goes through one
        generated function (``json_mapper``) from the raw record straight to the payload; when
        that function is not sure -- a malformed value, a required one missing, an unknown enum
        value -- the record takes the general path: the values (``_values``), written as they
        are when every one has exactly its declared type (``_shaper``), else ``model_validate``.
        Either way the result, or the ``MappingError``, is the same as ``map``'s.
        """
        if type(ctx.tenant) is str:
            fused = (
                self._fused[ctx.major] if ctx.major in self._fused else self.json_mapper(ctx.major)
            )
            if fused is not None:
                out = fused(record, ctx)
                if out is not None:
                    return out.decode()
        rec_id, values = self._values(record, ctx)
        if type(ctx.tenant) is str:
            shaped = _shaper(self.target)(values)
            if shaped is not None:
                return orjson.dumps(shaped, option=_JSON_OPTIONS).decode()
        return payload_json(self._validate(rec_id, values))

    def json_mapper(
        self, major: int
    ) -> Callable[[Mapping[str, Any], MapContext], bytes | None] | None:
        """One generated function ``(record, ctx) -> payload bytes | None`` for ``major``.

        It walks the target class's fields in declaration order (the payload's order): each
        column's value by its converter's inline fast path, else by ``_lenient`` (the converter
        and ``_column``'s rules for False, missing and required values, then the field's type
        test), the computed values, the defaults; then one dict, one ``orjson.dumps``.  It
        returns None -- "take the general path" -- wherever the general path would raise or
        coerce, so it never words an error itself.  None instead of a function: the class has
        something this does not handle (validators, constraints, default factories, an
        attribute that is not a field).
        """
        if major in self._fused:
            return self._fused[major]
        fn = _fuse(self, major)
        self._fused[major] = fn
        return fn

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


_MISSING: Any = object()

# Attributes whose ``None`` must reach the model (so a required-but-nullable field validates).
_NULLABLE_OK = frozenset({"product_id", "vendor_id", "customer_id"})


def bad_value(message: str) -> _Bad:
    """For computed functions: signal a malformed value (becomes a MappingError)."""
    return _Bad(message)


def convert_m2o_id(value: Any, name: str = "") -> int | None:
    return _m2o_id(value, name)


def convert_datetime(value: Any, name: str = "") -> datetime | None:
    return _datetime(value, name)


def _model_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, BaseModel):
        return obj.__dict__
    raise TypeError(f"cannot serialise {type(obj).__name__}")


_JSON_OPTIONS = orjson.OPT_UTC_Z


def payload_json(obj: BaseModel) -> str:
    """``obj.model_dump_json()``, the same text, several times faster (orjson over the
    validated model's fields, which pydantic keeps in declaration order).

    For the service model's frozen classes (fields of str, int, float, bool, enums, UTC
    datetimes, dates, tuples and nested models); the mirror stores this text and hashes it,
    so it must stay byte-identical to pydantic's (tests hold both to it).
    """
    return orjson.dumps(obj.__dict__, default=_model_dict, option=_JSON_OPTIONS).decode()


_SHAPERS: dict[type[BaseModel], Callable[[dict[str, Any]], dict[str, Any] | None]] = {}

# What the generated shapers and fused mappers refer to by name.
_GENERATED_NS: dict[str, Any] = {
    "MISSING": _MISSING,
    "UTC": UTC,
    "datetime": datetime,
    "date": date,
    "int_only": _INT_ONLY,
}


def _never(_values: dict[str, Any]) -> None:
    """The shaper of a class with validators or constraints: always the validating path."""
    return None


def _type_test(var: str, annotation: Any, ns: dict[str, Any]) -> str | None:
    """A Python condition true when ``var`` holds exactly what ``annotation`` declares, in the
    form pydantic keeps as is (no coercion); None when the annotation is not handled here."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType):
        tests = [_type_test(var, a, ns) for a in args]
        if any(t is None for t in tests):
            return None
        return "(" + " or ".join(f"({t})" for t in tests) + ")"
    if annotation is type(None):
        return f"{var} is None"
    if annotation is datetime:
        return f"(type({var}) is datetime and {var}.tzinfo is UTC)"
    if annotation in (int, float, str, bool, date):
        return f"type({var}) is {annotation.__name__}"
    if get_origin(annotation) is tuple and args == (int, Ellipsis):
        return f"(type({var}) is tuple and set(map(type, {var})) <= int_only)"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        key = f"enum_{annotation.__name__}"
        ns[key] = frozenset(m.value for m in annotation)
        ns[f"{key}_cls"] = annotation
        return f"((type({var}) is str or type({var}) is {key}_cls) and {var} in {key})"
    return None


def _shaper(cls: type[BaseModel]) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """A generated ``values -> payload dict | None`` for the service class ``cls``.

    The dict has every field in declaration order (what ``model_dump_json`` writes) and the
    defaults of absent ones; None means "not sure": a value is missing, has another type than
    declared (pydantic would coerce or refuse it), or the field's type is not one handled here,
    or ``values`` holds a key the class does not have.  ``ref`` is the ``ErpRef`` dict that
    ``Mapping_._values`` builds (its field order, typed by construction).
    """
    shaper = _SHAPERS.get(cls)
    if shaper is not None:
        return shaper
    if not _plain_model(cls):
        _SHAPERS[cls] = _never
        return _never
    ns: dict[str, Any] = dict(_GENERATED_NS)
    lines = ["def shaper(values):", "    get = values.get"]
    names = list(cls.model_fields)
    ns["known"] = frozenset(names)
    lines.append("    if not values.keys() <= known:\n        return None")
    for i, name in enumerate(names):
        info = cls.model_fields[name]
        var = f"v{i}"
        if name == "ref" and info.annotation is ErpRef:
            lines.append(f"    {var} = values['ref']")
            continue
        if info.default_factory is not None:
            lines.append("    return None  # a default factory: not handled here")
            break
        required = info.is_required()
        if not required:
            ns[f"d{i}"] = info.default
        test = _type_test(var, info.annotation, ns)
        if test is None:
            if required:
                lines.append("    return None  # a required field of an unhandled type")
                break
            # Only the default (pydantic does not validate defaults) goes through the fast path.
            lines += [f"    if {name!r} in values:", "        return None", f"    {var} = d{i}"]
            continue
        lines.append(f"    {var} = get({name!r}, {'MISSING' if required else f'd{i}'})")
        lines += [f"    if not {test}:", "        return None"]
    else:
        body = ", ".join(f"{name!r}: v{i}" for i, name in enumerate(names))
        lines.append(f"    return {{{body}}}")
    exec(compile("\n".join(lines), f"<shaper {cls.__name__}>", "exec"), ns)
    shaper = ns["shaper"]
    _SHAPERS[cls] = shaper
    return shaper


# --------------------------------------------------------------------------- fused JSON mappers

_BAIL: Any = object()

# What each inline fast path (``_FAST``) yields, for the static type test of ``_fuse``.
_FAST_TYPE: dict[Convert, Any] = {
    _m2o_id: int,
    _m2o_name: str,
    _text: str,
    _number: float,
    _integer: int,
    _boolean: bool,
    _datetime: datetime,  # from the cache: always UTC-aware (fromisoformat of "...+00:00")
    _date: date,
    _x2many: tuple[int, ...],
}


def _accepts(annotation: Any, produced: Any) -> bool:
    """True when every value of type ``produced`` is valid as is for ``annotation``."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_accepts(a, produced) for a in get_args(annotation))
    return bool(annotation == produced)


def _plain_model(cls: type[BaseModel]) -> bool:
    """No validators, serializers, constraints or default factories: the payload of valid
    values is the values themselves (what the shaper and the fused mappers rely on)."""
    decs = cls.__pydantic_decorators__
    if any(
        (
            decs.validators,
            decs.field_validators,
            decs.root_validators,
            decs.model_validators,
            decs.field_serializers,
            decs.model_serializers,
            decs.computed_fields,
        )
    ):
        return False
    return all(
        not info.metadata and info.default_factory is None for info in cls.model_fields.values()
    )


def _lenient(
    table: Mapping_[Any],
    column: tuple[str, str, Convert, bool],
    field_required: bool,
    default: Any,
    test: Callable[[Any], bool],
) -> Callable[[Any], Any]:
    """One column off its fast path: ``Mapping_._column`` itself (its rules for False, missing
    and required values), then the field's default or type test; ``_BAIL`` wherever the
    general path would raise or coerce."""
    target = column[0]
    one_column = table._column

    def run(raw: Any) -> Any:
        values: dict[str, Any] = {}
        try:
            one_column(values, raw, column, 0)
        except MappingError:
            return _BAIL
        if target not in values:
            # Left out of the values: the field's default (pydantic does not validate it).
            return _BAIL if field_required else default
        value = values[target]
        return value if test(value) else _BAIL

    return run


def _fuse(
    table: Mapping_[Any], major: int
) -> Callable[[Mapping[str, Any], MapContext], bytes | None] | None:
    """The generated function behind ``Mapping_.json_mapper`` (None: not fusable)."""
    cls = table.target
    if not _plain_model(cls):
        return None
    fields = cls.model_fields
    plan = table.plan(major)
    by_target: dict[str, tuple[str, str, Convert, bool]] = {}
    for column in plan:
        if column[0] not in fields or column[0] in by_target or column[0] in table.computed:
            return None
        by_target[column[0]] = column
    if any(t not in fields for t in table.computed):
        return None
    ns: dict[str, Any] = {
        **_GENERATED_NS,
        "BAIL": _BAIL,
        "Bad": _Bad,
        "dt_get": _DT_CACHE.get,
        "date_get": _DATE_CACHE.get,
        "dumps": orjson.dumps,
        "OPTIONS": _JSON_OPTIONS,
        "MODEL": table.odoo_model,
    }
    lines = [
        "def fused(record, ctx):",
        "    get = record.get",
        "    rec_id = get('id')",
        "    if type(rec_id) is not int:",
        "        return None",
    ]
    out: list[str] = []
    later: list[tuple[int, str]] = []  # computed: after every column, as in _values
    for j, (name, info) in enumerate(fields.items()):
        var = f"v{j}"
        out.append(f"{name!r}: {var}")
        if name == "ref" and info.annotation is ErpRef:
            lines += [
                f"    name = get({table.name_field!r})",
                "    if not isinstance(name, str):",
                "        name = ''",
                f"    {var} = {{'tenant': ctx.tenant, 'model': MODEL, 'id': rec_id, 'name': name}}",
            ]
            continue
        required_field = info.is_required()
        ns[f"d{j}"] = None if required_field else info.default
        test = _type_test("x", info.annotation, ns)
        if name in table.computed:
            if test is None:
                return None
            later.append((j, name))
            ns[f"test{j}"] = eval(f"lambda x: {test}", ns)
            continue
        if name not in by_target:
            if required_field:
                return None
            lines.append(f"    {var} = d{j}")
            continue
        if test is None:
            return None
        column = by_target[name]
        src, convert = column[1], column[2]
        ns[f"test{j}"] = eval(f"lambda x: {test}", ns)  # generated from the annotation
        ns[f"lenient{j}"] = _lenient(table, column, required_field, ns[f"d{j}"], ns[f"test{j}"])
        lines.append(f"    raw = get({src!r}, MISSING)")
        fast = _FAST.get(convert)
        if fast is not None:
            cond, expr = fast
            if not _accepts(info.annotation, _FAST_TYPE[convert]):
                if expr not in ("raw", "hit", "raw[0]", "raw[1]"):
                    cond = ""
                else:
                    cond = f"({cond}) and test{j}({expr})"
            if cond:
                lines += [f"    if {cond}:", f"        {var} = {expr}", "    else:"]
                indent = "        "
            else:
                indent = "    "
        else:
            indent = "    "
        lines += [
            f"{indent}{var} = lenient{j}(raw)",
            f"{indent}if {var} is BAIL:",
            f"{indent}    return None",
        ]
    if later:
        mapped = ", ".join(f"{t!r}: v{list(fields).index(t)}" for t in by_target if t in fields)
        lines.append(f"    values = {{{mapped}}}")
        for j, name in later:
            ns[f"compute{j}"] = table.computed[name]
            nullable = name in _NULLABLE_OK
            lines += [
                "    try:",
                f"        v{j} = compute{j}(record, values, ctx)",
                "    except Bad:",
                "        return None",
            ]
            if not nullable:
                fallback = "return None" if fields[name].is_required() else f"v{j} = d{j}"
                lines += [
                    f"    if v{j} is None:",
                    f"        {fallback}",
                    f"    elif not test{j}(v{j}):",
                ]
            else:
                lines.append(f"    if not test{j}(v{j}):")
            lines += ["        return None", f"    values[{name!r}] = v{j}"]
    lines.append(f"    return dumps({{{', '.join(out)}}}, option=OPTIONS)")
    exec(compile("\n".join(lines), f"<json mapper {table.odoo_model} v{major}>", "exec"), ns)
    fn: Callable[[Mapping[str, Any], MapContext], bytes | None] = ns["fused"]
    return fn
