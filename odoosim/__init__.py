"""odoosim: a loopback Odoo server speaking Odoo's real wire protocols, for tests and the demo.

``from odoosim import SimServer`` (see ``odoosim.server``); ``python -m odoosim serve ...`` runs
it as a command (``odoosim.cli``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from odoosim.server import SimServer

__all__ = ["SimServer"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``import odoosim.orm`` (which the server imports) never cycles back here.
    if name == "SimServer":
        from odoosim.server import SimServer

        return SimServer
    raise AttributeError(f"module 'odoosim' has no attribute {name!r}")
