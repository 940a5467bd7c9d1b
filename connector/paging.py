"""Keyset paging on ``(write_date, id)``: pure functions, tested with plain dicts.

Offsets skip or repeat rows when records change between pages; a keyset on
``(write_date, id)`` with ``order="write_date asc, id asc"`` does not, and a page boundary inside a
run of equal ``write_date`` values loses nothing because ``id`` breaks the tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ORDER = "write_date asc, id asc"

Key = tuple[str, int]
Domain = list[Any]


def keyset_domain(domain: Sequence[Any], after: Key | None) -> Domain:
    """``domain`` AND "strictly after ``after``" in ``(write_date, id)`` order.

    ``after=(ts, 0)`` therefore starts inclusively at ``ts`` (ids are positive).
    """
    base = list(domain)
    if after is None:
        return base
    write_date, last_id = after
    keyset: Domain = [
        "|",
        ("write_date", ">", write_date),
        "&",
        ("write_date", "=", write_date),
        ("id", ">", last_id),
    ]
    if not base:
        return keyset
    # Prefix AND: Odoo would AND implicitly, but an explicit "&" keeps the keyset one operand
    # even when the caller's domain is itself in prefix form.
    return ["&", *keyset, *_as_single_operand(base)]


def _as_single_operand(domain: Domain) -> Domain:
    """Wrap an implicitly-ANDed list of terms into one prefix operand."""
    terms = _count_top_operands(domain)
    return ["&"] * (terms - 1) + domain


def _count_top_operands(domain: Domain) -> int:
    """How many top-level operands an implicit-AND domain has (prefix notation aware)."""
    count = 0
    need = 0
    for item in domain:
        if item in ("&", "|"):
            if need == 0:
                count += 1
                need = 2
            else:
                need += 1
        elif item == "!":
            if need == 0:
                count += 1
                need = 1
        else:
            if need == 0:
                count += 1
            else:
                need -= 1
    return count


def key_of(row: dict[str, Any]) -> Key:
    """The keyset position of a row; ``ValueError`` if it cannot be paged on."""
    write_date, rid = row.get("write_date"), row.get("id")
    if not isinstance(write_date, str) or not isinstance(rid, int):
        raise ValueError(f"row without write_date/id cannot be keyset-paged: id={rid!r}")
    return (write_date, rid)


def with_paging_fields(fields: Sequence[str]) -> list[str]:
    """``fields`` plus ``id`` and ``write_date`` (needed for the keyset), order kept, no dups."""
    return list(dict.fromkeys([*fields, "id", "write_date"]))
