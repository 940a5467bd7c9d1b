"""svcsync: service management for an existing Odoo ERP (the command, settings, demo)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("svcsync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
