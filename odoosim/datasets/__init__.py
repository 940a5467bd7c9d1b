"""Datasets odoosim can start with: ``demo`` (generated company), ``empty`` and JSON files.

A dataset is ``records``: ``{model: [row, ...]}`` in load order, each row holding stored field
values with an explicit integer ``id`` (many2one as an id, x2many as a list of ids, dates and
datetimes as Odoo strings).  The ORM loads it with ``Database.load_records``
(``docs/internals.md`` §1 and §3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One class for every dataset fault (file shape here, field values in the ORM's loader), so
# the CLI and the server catch both with one except clause.
from odoosim.exceptions import DatasetError

__all__ = ["SUPPORTED_VERSIONS", "Dataset", "DatasetError", "load_json"]

SUPPORTED_VERSIONS = ("16", "17", "18", "19")

Records = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Dataset:
    """Records to load (model order = load order) and the manifest of planted problems."""

    records: Records
    manifest: dict[str, Any] | None = field(default=None)

    def count(self, model: str) -> int:
        return len(self.records.get(model, ()))


def load_json(path: str | Path) -> tuple[str, Records]:
    """Read a ``--dataset PATH.json`` file: ``{"odoo_version": "17", "records": {...}}``.

    Only the shape is checked here (JSON, top-level keys, list of object rows, integer ids
    unique per model); field names and values are checked by the ORM when it loads them.
    Raises ``DatasetError`` saying which model, record and field to fix.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"dataset file {p}: cannot read it ({exc.strerror or exc})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"dataset file {p}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    return parse_dataset(data, source=str(p))


def parse_dataset(data: Any, source: str = "dataset") -> tuple[str, Records]:
    """Validate an already-decoded dataset document (see ``load_json``)."""
    if not isinstance(data, dict):
        raise DatasetError(
            f"{source}: the top level must be an object with keys 'odoo_version' and 'records', "
            f"not {type(data).__name__}"
        )
    unknown = sorted(set(data) - {"odoo_version", "records"})
    if unknown:
        raise DatasetError(
            f"{source}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
            "expected only 'odoo_version' and 'records'"
        )
    version = data.get("odoo_version")
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    if version not in SUPPORTED_VERSIONS:
        raise DatasetError(
            f"{source}: 'odoo_version' must be one of {', '.join(SUPPORTED_VERSIONS)} "
            f"(as a string), got {data.get('odoo_version')!r}"
        )
    records = data.get("records")
    if not isinstance(records, dict):
        raise DatasetError(
            f"{source}: 'records' must be an object mapping model names to lists of rows, "
            f"got {type(records).__name__}"
        )
    out: Records = {}
    for model, rows in records.items():
        if not isinstance(model, str) or not model or " " in model:
            raise DatasetError(f"{source}: {model!r} is not a model name")
        if not isinstance(rows, list):
            raise DatasetError(
                f"{source}: records[{model!r}] must be a list of rows, got {type(rows).__name__}"
            )
        seen: set[int] = set()
        for index, row in enumerate(rows):
            where = f"{source}: {model} record #{index}"
            if not isinstance(row, dict):
                raise DatasetError(f"{where} must be an object, got {type(row).__name__}")
            rid = row.get("id")
            if "id" not in row:
                raise DatasetError(f"{where}: field 'id' is missing (every row needs an int id)")
            if isinstance(rid, bool) or not isinstance(rid, int) or rid <= 0:
                raise DatasetError(f"{where}: field 'id' must be a positive integer, got {rid!r}")
            if rid in seen:
                raise DatasetError(f"{source}: {model} record id={rid}: field 'id' is duplicated")
            seen.add(rid)
            for fname in row:
                if not isinstance(fname, str) or not fname:
                    raise DatasetError(
                        f"{source}: {model} record id={rid}: field name {fname!r} is invalid"
                    )
        out[model] = rows
    return version, out
