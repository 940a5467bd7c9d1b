"""Odoo's exception classes as odoosim raises them.

The wire layer turns these into each protocol's error shape (``odoo-protocol.md`` §2):
the XML-RPC fault code (legacy string or int), the JSON-RPC ``data.name`` and the JSON-2
HTTP status.  ``odoo_name`` is what real Odoo puts in ``data.name``
(``type(exc).__module__ + '.' + type(exc).__name__``).

Hierarchy as in Odoo 16/17 (``odoo/exceptions.py``)::

    Exception
     ├── UserError                (fault 2, JSON-2 422)
     │    ├── ValidationError     (fault 2, 422)
     │    ├── MissingError        (fault 2, 404)
     │    ├── AccessError         (fault 4, 403)
     │    ├── LockError           (fault 2, 409; 19 only in real Odoo)
     │    └── RedirectWarning     (fault 2)
     ├── AccessDenied             (fault 3, 403; subclasses UserError on 19, tested first anyway)
     ├── SerializationFailure     (fault 1 + traceback; psycopg2.errors.SerializationFailure)
     ├── LockNotAvailable         (fault 1; psycopg2.errors.LockNotAvailable)
     └── any other Python error   (fault 1 + traceback; builtins.<Name>)
"""

from __future__ import annotations


class OdooError(Exception):
    """Base of the Odoo-like errors odoosim raises (not itself an Odoo class)."""

    odoo_name = "odoo.exceptions.UserError"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(OdooError):
    odoo_name = "odoo.exceptions.UserError"
    http_status = 422


class ValidationError(UserError):
    odoo_name = "odoo.exceptions.ValidationError"
    http_status = 422


class MissingError(UserError):
    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessError(UserError):
    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class LockError(UserError):
    odoo_name = "odoo.exceptions.LockError"
    http_status = 409


class RedirectWarning(UserError):
    odoo_name = "odoo.exceptions.RedirectWarning"
    http_status = 422


class AccessDenied(OdooError):
    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class SerializationFailure(OdooError):
    """What Odoo lets through after ``MAX_TRIES_ON_CONCURRENCY_FAILURE`` retries (§8)."""

    odoo_name = "psycopg2.errors.SerializationFailure"
    http_status = 500

    def __init__(
        self, message: str = "could not serialize access due to concurrent update"
    ) -> None:
        super().__init__(message)


class LockNotAvailable(OdooError):
    odoo_name = "psycopg2.errors.LockNotAvailable"
    http_status = 500

    def __init__(self, message: str = "could not obtain lock on row in relation") -> None:
        super().__init__(message)


class DatasetError(Exception):
    """A dataset (``--dataset PATH.json`` or ``Database.load_records``) is malformed.

    Not an Odoo exception: it never crosses the wire.  ``model``, ``record_id`` and ``field``
    say where the fault is (any may be ``None`` when the fault is not that precise).
    """

    def __init__(
        self,
        message: str,
        model: str | None = None,
        record_id: object = None,
        field: str | None = None,
    ) -> None:
        where = []
        if model is not None:
            where.append(f"model {model}")
        if record_id is not None:
            where.append(f"record id {record_id}")
        if field is not None:
            where.append(f"field {field}")
        text = f"{', '.join(where)}: {message}" if where else message
        super().__init__(text)
        self.model = model
        self.record_id = record_id
        self.field = field
