"""Config sections composed by svcsync (docs/internals.md §5).

``[[erp]]`` entries are the connector's ``ConnectionSettings`` plus a tenant ``name``.
``RulesConfig`` is an interim copy of ``service.config.RulesConfig`` until the service package
publishes it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector import ConnectionSettings

_TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class BillingRules(_Section):
    amount_tolerance: float = Field(default=0.01, ge=0)
    qty_tolerance: float = Field(default=0.0, ge=0)
    not_invoiced_days: int = Field(default=14, ge=0)
    duplicate_window_days: int = Field(default=30, ge=0)
    overdue_days: int = Field(default=30, ge=0)
    refund_count: int = Field(default=3, ge=0)
    refund_ratio: float = Field(default=0.2, ge=0, le=1)
    refund_window_days: int = Field(default=90, ge=1)


class OrderRules(_Section):
    stuck_days: int = Field(default=7, ge=0)


class InventoryRules(_Section):
    service_level: float = Field(default=0.95, gt=0, lt=1)
    holding_rate: float = Field(default=0.25, ge=0)
    overstock_days: int = Field(default=180, ge=1)
    overstock_min_money: float = Field(default=50.0, ge=0)


class RulesConfig(_Section):
    """``[rules.*]``: thresholds of the service rules (docs/internals.md §2)."""

    billing: BillingRules = BillingRules()
    orders: OrderRules = OrderRules()
    inventory: InventoryRules = InventoryRules()
