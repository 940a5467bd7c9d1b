"""The one error a mapper raises: this record cannot be mapped (quarantine it, go on).

``MappingError`` is a ``connector.errors.RecordError``: the connector's error table says "one
record is the problem: skip it and report it", and a malformed record from the ERP is exactly
that, whether the transport or the mapping found it.
"""

from __future__ import annotations

from connector.errors import RecordError


class MappingError(RecordError):
    """A malformed Odoo record: names the model, the record id and the field at fault."""

    def __init__(self, model: str, record_id: int | None, field: str, problem: str) -> None:
        self.model = model
        self.record_id = record_id
        self.field = field
        self.problem = problem
        where = f"{model} id={record_id}" if record_id is not None else model
        super().__init__(
            f"{where}, field '{field}': {problem}",
            context={"model": model, "id": record_id, "field": field},
        )

    def __reduce__(self) -> tuple[type[MappingError], tuple[str, int | None, str, str]]:
        return (MappingError, (self.model, self.record_id, self.field, self.problem))
