"""Odoo's external wire protocols, served over HTTP (``odoo-protocol.md`` §1–§2).

Modules: ``http`` (server, request/response), ``app`` (routing), ``core`` (services, auth, faults,
stats), ``xmlrpc``, ``jsonrpc``, ``json2``, ``web`` (protocol codecs), ``errors`` (exception →
error shapes), ``methods`` (signatures for JSON-2 binding), ``stats`` (call counts and times).
"""

from odoosim.wire.app import WireApp
from odoosim.wire.core import Backend, CallContext, RpcCore
from odoosim.wire.stats import CallRecord, Stats

__all__ = ["Backend", "CallContext", "CallRecord", "RpcCore", "Stats", "WireApp"]
