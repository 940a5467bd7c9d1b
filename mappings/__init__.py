"""Pure translation between Odoo records and the service model (both directions).

``tables``: Odoo → service, one declarative table per model; ``outbound``: actions → Odoo values.
"""

from .core import MapContext, Mapping_
from .errors import MappingError
from .records import location_usage_lookup, map_all
from .tables import TABLES, required_fields, table_for

__all__ = [
    "TABLES",
    "MapContext",
    "MappingError",
    "Mapping_",
    "location_usage_lookup",
    "map_all",
    "required_fields",
    "table_for",
]
