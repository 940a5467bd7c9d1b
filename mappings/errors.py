"""The one error a mapper raises: this record cannot be mapped (quarantine it, go on)."""

from __future__ import annotations


class MappingError(Exception):
    """A malformed Odoo record: names the model, the record id and the field at fault."""

    def __init__(self, model: str, record_id: int | None, field: str, problem: str) -> None:
        self.model = model
        self.record_id = record_id
        self.field = field
        self.problem = problem
        where = f"{model} id={record_id}" if record_id is not None else model
        super().__init__(f"{where}, field '{field}': {problem}")
