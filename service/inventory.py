"""The inventory policy: how much stock a product needs and how much to order (pure math).

From measured demand (confirmed sale lines and repair parts, bucketed per period) and the lead
time (the supplier's, corrected by measured receipts when there are enough), at a target
service level:

* demand per period: the plain mean, or Croston's method with the Syntetos-Boylan
  approximation (SBA) when demand is intermittent (average demand interval > 1.32 periods:
  spare parts that sell in a few weeks of the year, where the plain mean of a short window
  jumps with every sale);
* safety stock ``SS = z * sigma * sqrt(L)`` and reorder point ``ROP = d * L + SS`` (``d`` and
  ``sigma`` per period, ``L`` in periods, ``z`` the standard normal quantile of the service
  level);
* order quantity: the economic order quantity ``EOQ = sqrt(2 D S / H)`` (``D`` yearly demand,
  ``S`` cost of one order, ``H`` yearly holding cost of one unit = holding rate x unit cost), at
  least what brings the position back to the reorder point, raised to the supplier minimum
  and rounded up to the order multiple;
* overstock: the holding cost per month of the stock beyond N days of cover.

Every result explains itself (``explanation()``) for the reorder request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Syntetos & Boylan's cut-off between smooth and intermittent demand (average inter-demand
# interval, in periods).
INTERMITTENT_ADI = 1.32
# Order multiples smaller than this are ignored (no unit of measure is that fine).
MIN_MULTIPLE = 1e-6

# --------------------------------------------------------------------------- normal quantile

# Acklam's rational approximation of the inverse standard normal CDF (relative error below
# 1.15e-9 over the open unit interval), refined below by one Halley step.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
)
_P_LOW = 0.02425


def z_score(service_level: float) -> float:
    """The standard normal quantile of ``service_level`` (0 < p < 1), e.g. 0.95 -> 1.6449."""
    p = service_level
    if not 0.0 < p < 1.0:
        raise ValueError(f"service level must be strictly between 0 and 1, got {p!r}")
    if p < _P_LOW:
        q = math.sqrt(-2 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1
        )
    elif p <= 1 - _P_LOW:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)
        )
    else:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1
        )
    # One Halley step against the exact CDF brings the error to machine precision.
    e = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


# --------------------------------------------------------------------------- demand


def bucket(
    events: Iterable[tuple[datetime, float]], now: datetime, window_days: int, period_days: int
) -> list[float]:
    """Demand per period over the window ending at ``now``, oldest period first.

    The window is a whole number of periods (``window_days // period_days``); events outside it
    (older, or after ``now``) are ignored.
    """
    n = max(1, window_days // period_days)
    start = now - timedelta(days=n * period_days)
    span = timedelta(days=period_days)
    series = [0.0] * n
    for when, qty in events:
        if start <= when < now:
            series[min((when - start) // span, n - 1)] += qty
    return series


def average_demand_interval(series: Sequence[float]) -> float:
    """Periods per period with demand (ADI); infinite when nothing was demanded."""
    nonzero = sum(1 for x in series if x > 0)
    return len(series) / nonzero if nonzero else math.inf


def croston(series: Sequence[float], alpha: float) -> tuple[float, float]:
    """Croston's forecast of demand per period and its SBA-corrected value ``(croston, sba)``.

    Demand sizes and inter-demand intervals are smoothed separately, only at periods with
    demand; the forecast is size / interval.  Both start from the window's averages (mean
    nonzero size, average demand interval), so the start is the plain mean: starting from the
    first demand instead would read one early sale followed by months of nothing as a demand
    every period.  The intervals smoothed are the ones observed between demands.  Croston's
    estimate is biased upwards; the Syntetos-Boylan approximation multiplies it by
    ``1 - alpha / 2``.
    """
    sizes = [x for x in series if x > 0]
    if not sizes:
        return 0.0, 0.0
    size = sum(sizes) / len(sizes)
    interval = len(series) / len(sizes)
    last: int | None = None
    for i, x in enumerate(series):
        if x <= 0:
            continue
        if last is not None:
            size += alpha * (x - size)
            interval += alpha * ((i - last) - interval)
        last = i
    plain = size / interval
    return plain, plain * (1 - alpha / 2)


def _stdev(series: Sequence[float]) -> float:
    n = len(series)
    if n < 2:
        return 0.0
    mean = sum(series) / n
    return math.sqrt(sum((x - mean) ** 2 for x in series) / (n - 1))


@dataclass(frozen=True)
class DemandEstimate:
    """Expected demand per period and its variability, with how it was obtained."""

    per_period: float
    sigma: float  # standard deviation of demand per period
    method: str  # "mean" or "croston-sba"
    mean: float  # plain mean per period over the window
    adi: float
    periods: int
    period_days: int

    @property
    def daily(self) -> float:
        return self.per_period / self.period_days

    @property
    def mean_daily(self) -> float:
        return self.mean / self.period_days


def estimate_demand(
    series: Sequence[float],
    period_days: int,
    *,
    adi_threshold: float = INTERMITTENT_ADI,
    alpha: float = 0.1,
) -> DemandEstimate:
    """Demand per period: the plain mean, or Croston/SBA when demand is intermittent."""
    n = len(series)
    mean = sum(series) / n if n else 0.0
    adi = average_demand_interval(series)
    sigma = _stdev(series)
    if adi > adi_threshold and math.isfinite(adi):
        _, sba = croston(series, alpha)
        return DemandEstimate(sba, sigma, "croston-sba", mean, adi, n, period_days)
    return DemandEstimate(mean, sigma, "mean", mean, adi, n, period_days)


# --------------------------------------------------------------------------- lead time


@dataclass(frozen=True)
class LeadTime:
    days: float
    source: str  # "supplier", "measured" or "default"
    receipts: int = 0


def lead_time(
    supplier_days: float | None,
    receipt_delays: Sequence[float],
    *,
    min_receipts: int,
    default_days: float,
) -> LeadTime:
    """The supplier's lead time, corrected by how late (or early) the last receipts arrived.

    Receipts carry their planned date (the supplier's promise) and their done date, so the
    mean delay of the last ``min_receipts``-or-more receipts measures how far the promise is
    off.  Fewer receipts than that are noise: the supplier's figure stands.
    """
    base = supplier_days if supplier_days is not None else default_days
    source = "supplier" if supplier_days is not None else "default"
    if len(receipt_delays) >= min_receipts:
        recent = receipt_delays[-max(min_receipts, 10) :]
        measured = max(0.0, base + sum(recent) / len(recent))
        return LeadTime(measured, "measured", len(recent))
    return LeadTime(max(0.0, base), source, len(receipt_delays))


# --------------------------------------------------------------------------- policy


def safety_stock(z: float, sigma: float, lead_periods: float) -> float:
    """``z * sigma * sqrt(L)``: never negative (a service level under 50 % asks for none)."""
    return max(0.0, z * sigma * math.sqrt(max(0.0, lead_periods)))


def reorder_point(per_period: float, sigma: float, lead_periods: float, z: float) -> float:
    """Demand over the lead time plus safety stock."""
    return max(0.0, per_period * max(0.0, lead_periods)) + safety_stock(z, sigma, lead_periods)


def eoq(yearly_demand: float, ordering_cost: float, holding_cost: float) -> float:
    """``sqrt(2 D S / H)``; zero without demand, ordering cost or holding cost."""
    if yearly_demand <= 0 or ordering_cost <= 0 or holding_cost <= 0:
        return 0.0
    return math.sqrt(2 * yearly_demand * ordering_cost / holding_cost)


def round_order(quantity: float, minimum: float, multiple: float) -> float:
    """Raise to the supplier minimum, then up to the next multiple (whole units without one).

    Zero stays zero: nothing to order is not turned into a minimum order.
    """
    if quantity <= 0:
        return 0.0
    q = max(quantity, minimum)
    # Below any unit-of-measure precision a multiple is noise: whole units then.
    step = multiple if multiple >= MIN_MULTIPLE else 1.0
    # The tolerance keeps 12.000000001 of step 1 at 12 (float noise, not demand).
    n = math.ceil(q / step - 1e-9)
    return n * step


@dataclass(frozen=True)
class Policy:
    """The replenishment policy of one product, and what to order now."""

    demand: DemandEstimate
    lead: LeadTime
    service_level: float
    z: float
    safety_stock: float
    reorder_point: float
    eoq: float
    position: float
    quantity: float  # to order now (0 when the position is at or above the reorder point)
    min_qty: float
    multiple: float

    @property
    def below(self) -> bool:
        return self.position < self.reorder_point - 1e-9

    def explanation(self) -> dict[str, float | int | str | None]:
        """The numbers behind the order, for the reorder request and the finding's evidence."""
        d = self.demand
        return {
            "demand_method": d.method,
            "demand_per_day": round(d.daily, 4),
            "demand_per_period": round(d.per_period, 4),
            "period_days": d.period_days,
            "periods": d.periods,
            "adi": round(d.adi, 3) if math.isfinite(d.adi) else None,
            "sigma_per_period": round(d.sigma, 4),
            "lead_time_days": round(self.lead.days, 2),
            "lead_time_source": self.lead.source,
            "service_level": self.service_level,
            "z": round(self.z, 4),
            "safety_stock": round(self.safety_stock, 2),
            "reorder_point": round(self.reorder_point, 2),
            "eoq": round(self.eoq, 2),
            "position": round(self.position, 2),
            "min_qty": self.min_qty,
            "multiple": self.multiple,
            "quantity": self.quantity,
        }


def policy(
    demand: DemandEstimate,
    lead: LeadTime,
    *,
    service_level: float,
    position: float,
    unit_cost: float,
    holding_rate: float,
    ordering_cost: float,
    min_qty: float = 0.0,
    multiple: float = 0.0,
    floor: float = 0.0,
) -> Policy:
    """Reorder point and order quantity for a product at ``position``.

    ``floor`` is a reorder point the company set itself (an orderpoint's minimum): the computed
    one never goes below it.
    """
    z = z_score(service_level)
    lead_periods = lead.days / demand.period_days
    ss = safety_stock(z, demand.sigma, lead_periods)
    rop = max(reorder_point(demand.per_period, demand.sigma, lead_periods, z), floor)
    q_eoq = eoq(demand.daily * 365.0, ordering_cost, holding_rate * unit_cost)
    quantity = 0.0
    if position < rop - 1e-9:
        quantity = round_order(max(q_eoq, rop - position), min_qty, multiple)
    return Policy(
        demand=demand,
        lead=lead,
        service_level=service_level,
        z=z,
        safety_stock=ss,
        reorder_point=rop,
        eoq=q_eoq,
        position=position,
        quantity=quantity,
        min_qty=min_qty,
        multiple=multiple,
    )


@dataclass(frozen=True)
class Overstock:
    stock: float
    cover_days: float  # days the stock lasts at the measured demand (inf without demand)
    excess_qty: float
    excess_value: float
    money_per_month: float


def overstock(
    stock: float, daily_demand: float, unit_cost: float, holding_rate: float, days: int
) -> Overstock:
    """The holding cost per month of the stock beyond ``days`` of cover."""
    keep = max(0.0, daily_demand) * days
    excess = max(0.0, stock - keep)
    value = excess * max(0.0, unit_cost)
    cover = stock / daily_demand if daily_demand > 0 else math.inf
    return Overstock(stock, cover, excess, value, value * holding_rate / 12.0)
