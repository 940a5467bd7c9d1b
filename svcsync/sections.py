"""Config sections composed by svcsync (docs/internals.md §5).

``[[erp]]`` entries are the connector's ``ConnectionSettings`` plus a tenant ``name``.  The
other sections are the packages' own models, composed in ``svcsync/settings.py``:
``service.config.RulesConfig`` (``[rules.*]``) and ``jobs.config`` (``[state]``, ``[schedule]``,
``[push]``, ``[notify]``).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from connector import ConnectionSettings

_TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class TenantConfig(ConnectionSettings):
    """One ``[[erp]]`` entry: the connector's ``ConnectionSettings`` plus the tenant's name.

    The API key itself is never in the file: ``api_key_env`` names an environment variable or
    ``api_key_file`` a file holding it (``svcsync/settings.py`` resolves it and hands the
    connector a ``SecretStr``).
    """

    name: str = Field(description="short tenant name used in state, logs and overrides")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _TENANT_NAME.match(value):
            raise ValueError("expected 1-40 letters, digits, '-' or '_' (like 'main')")
        return value

    @model_validator(mode="after")
    def _key_from_outside(self) -> TenantConfig:
        if (self.api_key_env is None) == (self.api_key_file is None):
            raise ValueError(
                "set exactly one of api_key_env (an environment variable name) or "
                "api_key_file (a file holding the bot user's API key)"
            )
        return self
