"""Exit codes of the ``svcsync`` command and the one table mapping failures onto them.

0  ok
1  the run failed (a rule, a record, a push, anything unexpected)
2  bad configuration or usage (fix the config file, the environment or the flags)
3  the ERP is unreachable or refused us (network, TLS, credentials, rights, database)
"""

from __future__ import annotations

OK = 0
RUN_FAILED = 1
BAD_CONFIG = 2
ERP_UNAVAILABLE = 3

# Keyed on class names so the table can name connector/jobs errors without importing them
# (the CLI must still start, and say what is wrong, if a package fails to import).  The first
# class in an exception's MRO found here wins, so subclasses inherit their parent's code.
EXIT_CODE_BY_ERROR: dict[str, int] = {
    # svcsync
    "SettingsError": BAD_CONFIG,
    "UsageError": BAD_CONFIG,
    # jobs.distributed: [state] url is not PostgreSQL, or the 'distributed' extra is missing
    "DistributedError": BAD_CONFIG,
    # connector.errors (docs/internals.md §4)
    "ConfigError": BAD_CONFIG,
    "AuthError": ERP_UNAVAILABLE,
    "AccessError": ERP_UNAVAILABLE,
    "NotFoundError": ERP_UNAVAILABLE,
    "TransientError": ERP_UNAVAILABLE,
    "ValidationError": RUN_FAILED,
    "RecordError": RUN_FAILED,
    "ConnectorError": ERP_UNAVAILABLE,
    # plain network failures that escaped the connector's table
    "ConnectionError": ERP_UNAVAILABLE,
    "TimeoutError": ERP_UNAVAILABLE,
}


def exit_code_for(exc: BaseException) -> int:
    """The exit code for a failure, by the nearest class named in ``EXIT_CODE_BY_ERROR``.

    One exception to the class table: the connector raises a TLS handshake failure as its
    ``ConfigError`` (fix ``verify_tls`` / ``ca_bundle``), but for the admin it is the ERP
    refusing the connection, so it exits 3 like the other network failures.
    """
    if type(exc).__name__ == "ConfigError" and str(exc).startswith("TLS failure"):
        return ERP_UNAVAILABLE
    for cls in type(exc).__mro__:
        code = EXIT_CODE_BY_ERROR.get(cls.__name__)
        if code is not None:
            return code
    return RUN_FAILED
