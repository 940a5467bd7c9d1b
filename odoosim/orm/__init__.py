"""odoosim's ORM: an Odoo-like registry over SQLite (see ``docs/internals.md`` §1).

``Database(version, apps, name)`` is the entry point for the wire layer and the datasets.
"""

from odoosim.exceptions import DatasetError
from odoosim.orm.database import ADMIN_ID, SUPERUSER_ID, Database
from odoosim.orm.methods import MethodInfo

__all__ = ["ADMIN_ID", "SUPERUSER_ID", "Database", "DatasetError", "MethodInfo"]
