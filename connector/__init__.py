"""connector: everything that talks to Odoo (docs/internals.md §4).

One file per role:

* ``settings``     — ``ConnectionSettings``, the ``[[erp]]`` config section (key from env/file)
* ``transport``    — odoo-client-lib's connectors with timeouts and keep-alive; JSON-2 named args
* ``errors``       — the error tree and the one table classifying every protocol's failures
* ``retry``        — backoff with jitter, Retry-After, budget; the calls-per-second limiter
* ``paging``       — keyset paging on ``(write_date, id)`` as pure functions
* ``client``       — ``OdooClient``: login, discovery, reads, streams, writes, ``ensure``
* ``capabilities`` — what a server offers (version, apps, fields, ticket model, rights)
* ``erp_plugin``   — the in-ERP fields, views, activity type and tag, installed over RPC
"""

from connector.capabilities import Capabilities
from connector.client import OdooClient
from connector.settings import ConnectionSettings, RetrySettings

__all__ = ["Capabilities", "ConnectionSettings", "OdooClient", "RetrySettings"]
