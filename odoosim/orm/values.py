"""Conversions between RPC values and what the SQLite columns store.

Dates are stored as ``'YYYY-MM-DD'`` text and datetimes as ``'YYYY-MM-DD HH:MM:SS'`` text (naive
UTC), so SQL comparisons and ordering on them are plain string comparisons.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from odoosim.orm.fields import Field

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _fast_date(value: str) -> bool:
    """Whether ``value`` is a valid canonical ``YYYY-MM-DD`` (20x cheaper than strptime)."""
    if not _DATE_RE.fullmatch(value):
        return False
    try:
        dt.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return True


def _fast_datetime(value: str) -> bool:
    if not _DATETIME_RE.fullmatch(value):
        return False
    try:
        dt.datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
        )
    except ValueError:
        return False
    return True


def to_date(value: Any) -> str | None:
    """Odoo's ``Date.to_date`` (keeps the first 10 characters of a string)."""
    if value is False or value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if not isinstance(value, str):
        raise ValueError(f"Invalid date value {value!r}: expected a 'YYYY-MM-DD' string")
    if _fast_date(value):
        return value
    return dt.datetime.strptime(value[:10], DATE_FORMAT).strftime(DATE_FORMAT)


def to_datetime(value: Any) -> str | None:
    """Odoo's ``Datetime.to_datetime``: ``'YYYY-MM-DD[ HH:MM[:SS]]'``; no ``T``, no zone."""
    if value is False or value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"Datetime field expects a naive datetime: {value}")
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT) + " 00:00:00"
    if not isinstance(value, str):
        raise ValueError(f"Invalid datetime value {value!r}: expected 'YYYY-MM-DD HH:MM:SS'")
    if _fast_datetime(value):
        return value
    # other accepted lengths, and strptime's own message for malformed values
    fmt = DATETIME_FORMAT[: len(value) - 2]
    return dt.datetime.strptime(value, fmt).strftime(DATETIME_FORMAT)


def to_column(fld: Field, value: Any, where: str) -> Any:
    """The stored form of ``value`` for a column field; ``ValueError`` naming ``where``."""
    t = fld.type
    if t in ("char", "text", "html"):
        if value is False or value is None:
            return None
        return value if isinstance(value, str) else str(value)
    if t == "selection":
        if value is False or value is None:
            return None
        keys = [k for k, _ in fld.selection or []]
        if value not in keys:
            raise ValueError(f"Wrong value for {where}: {value!r}")
        return value
    if t in ("integer", "many2one_reference"):
        if value is False or value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"Invalid integer value {value!r} for {where}")
        return int(value)
    if t in ("float", "monetary"):
        if value is False or value is None:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"Invalid float value {value!r} for {where}")
        return float(value)
    if t == "boolean":
        return 1 if value else 0
    if t == "date":
        return to_date(value)
    if t == "datetime":
        return to_datetime(value)
    if t == "many2one":
        if value is False or value is None:
            return None
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Invalid many2one value {value!r} for {where}: expected an id")
        return value
    if t == "binary":
        if value is False or value is None:
            return None
        return str(value)
    raise ValueError(f"{where} is not a column")


EMPTY = {
    "char": False,
    "text": False,
    "html": False,
    "selection": False,
    "date": False,
    "datetime": False,
    "many2one": False,
    "binary": False,
    "integer": 0,
    "many2one_reference": 0,
    "float": 0.0,
    "monetary": 0.0,
    "boolean": False,
}
