"""Thresholds of the service rules and the inventory policy: the ``[rules.*]`` config sections.

Defaults are those of the rule catalogue (``docs/internals.md`` §2).  ``svcsync/settings.py``
composes ``RulesConfig`` with the TOML file and ``SVCSYNC_RULES__...`` environment overrides.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BillingRules(_Section):
    """``[rules.billing]``: invoices against orders, deliveries, due dates and credit notes."""

    amount_tolerance: float = Field(
        default=0.01,
        ge=0,
        description="invoice vs order untaxed difference tolerated (document currency)",
    )
    qty_tolerance: float = Field(
        default=0.0, ge=0, description="invoiced quantity above delivered quantity tolerated"
    )
    not_invoiced_days: int = Field(
        default=14, ge=0, description="flag an order delivered but not invoiced after N days"
    )
    duplicate_window_days: int = Field(
        default=30,
        ge=0,
        description="two invoices of one customer with the same total within N days look like "
        "a duplicate",
    )
    overdue_days: int = Field(
        default=30, ge=0, description="flag an invoice unpaid N days past its due date"
    )
    refund_count: int = Field(
        default=3, ge=0, description="more than N credit notes in the window is a pile-up"
    )
    refund_ratio: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="credit notes above this share of the invoiced amount in the window is a "
        "pile-up",
    )
    refund_window_days: int = Field(
        default=90, ge=1, description="window (days) over which credit notes are counted"
    )


class OrderRules(_Section):
    """``[rules.orders]``: late, stuck and unservable sale orders."""

    stuck_days: int = Field(
        default=7,
        ge=0,
        description="a confirmed order with no delivery progress for N days is stuck",
    )


class RepairRules(_Section):
    """``[rules.repairs]``: open repairs waiting on spare parts."""

    urgent_min_qty: float = Field(
        default=1.0,
        ge=0,
        description="smallest quantity an urgent reorder of a missing part asks for",
    )


class InventoryRules(_Section):
    """``[rules.inventory]``: the reorder policy and overstock."""

    service_level: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="target share of replenishment cycles without a stock-out (0-1)",
    )
    holding_rate: float = Field(
        default=0.25, ge=0, description="yearly cost of holding stock, as a share of its value"
    )
    ordering_cost: float = Field(
        default=50.0, ge=0, description="cost of placing one purchase order (for the EOQ)"
    )
    demand_window_days: int = Field(
        default=182,
        ge=14,
        description="demand history used for the reorder point and cover (days)",
    )
    period_days: int = Field(
        default=7, ge=1, description="demand is bucketed in periods of N days (weekly)"
    )
    intermittent_adi: float = Field(
        default=1.32,
        gt=1,
        description="average demand interval (periods) above which demand is intermittent "
        "and Croston/SBA is used",
    )
    croston_alpha: float = Field(
        default=0.1, gt=0, le=1, description="smoothing constant of Croston/SBA"
    )
    min_receipts: int = Field(
        default=5,
        ge=1,
        description="done receipts needed before the measured lead time replaces the supplier's",
    )
    default_lead_time_days: float = Field(
        default=7.0, ge=0, description="lead time of a product without supplier info (days)"
    )
    overstock_days: int = Field(
        default=180, ge=1, description="stock beyond N days of cover is overstock"
    )
    overstock_min_money: float = Field(
        default=50.0, ge=0, description="report overstock costing more than this per month"
    )

    @model_validator(mode="after")
    def _window_holds_periods(self) -> InventoryRules:
        if self.demand_window_days < 2 * self.period_days:
            raise ValueError(
                "demand_window_days must cover at least two periods of period_days "
                f"(got {self.demand_window_days} and {self.period_days})"
            )
        return self


class QualityRules(_Section):
    """``[rules.quality]``: the customer flag derived from its open findings."""

    amber_score: float = Field(
        default=3.0, gt=0, description="score from which a customer is flagged amber"
    )
    red_score: float = Field(
        default=9.0, gt=0, description="score from which a customer is flagged red"
    )
    money_scale: float = Field(
        default=1000.0,
        gt=0,
        description="money at stake that doubles a finding's weight (company currency)",
    )
    age_scale_days: float = Field(
        default=30.0, gt=0, description="age (days) that doubles a finding's weight"
    )

    @model_validator(mode="after")
    def _red_above_amber(self) -> QualityRules:
        if self.red_score < self.amber_score:
            raise ValueError(
                f"red_score ({self.red_score}) must not be below amber_score ({self.amber_score})"
            )
        return self


class RulesConfig(_Section):
    """``[rules.*]``: thresholds of the service rules (``docs/internals.md`` §2)."""

    billing: BillingRules = Field(default_factory=BillingRules)
    orders: OrderRules = Field(default_factory=OrderRules)
    repairs: RepairRules = Field(default_factory=RepairRules)
    inventory: InventoryRules = Field(default_factory=InventoryRules)
    quality: QualityRules = Field(default_factory=QualityRules)
