"""Helpers for the connector's tests against odoosim over real HTTP."""

from __future__ import annotations

import socket
from typing import Any

from pydantic import SecretStr

from connector.client import OdooClient
from connector.settings import ConnectionSettings, RetrySettings

FAST_RETRY = RetrySettings(attempts=3, base=0.05, cap=0.2, total=10.0)


def settings_for(sim: Any, protocol: str = "jsonrpc", **over: Any) -> ConnectionSettings:
    """Bot settings for ``sim``; ``admin=True`` in ``over`` logs in as admin instead."""
    admin = over.pop("admin", False)
    values: dict[str, Any] = {
        "url": sim.url,
        "database": sim.database,
        "login": sim.admin_login if admin else sim.bot_login,
        "protocol": protocol,
        "api_key": SecretStr(sim.admin_password if admin else sim.bot_api_key),
        "connect_timeout": 2.0,
        "read_timeout": 10.0,
        "retry": FAST_RETRY,
    }
    values.update(over)
    return ConnectionSettings(**values)


def client_for(sim: Any, protocol: str = "jsonrpc", **over: Any) -> OdooClient:
    return OdooClient(settings_for(sim, protocol, **over))


def free_port() -> int:
    """A loopback port nobody listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
