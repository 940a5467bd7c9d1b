"""The inventory policy's math: known values and hypothesis properties."""

from __future__ import annotations

import math
from datetime import timedelta
from statistics import NormalDist

import pytest
from builders import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from service.inventory import (
    DemandEstimate,
    LeadTime,
    average_demand_interval,
    bucket,
    croston,
    eoq,
    estimate_demand,
    lead_time,
    overstock,
    policy,
    reorder_point,
    round_order,
    safety_stock,
    z_score,
)

FAST = settings(max_examples=60, deadline=None)

levels = st.floats(min_value=0.5, max_value=0.999, allow_nan=False)
leads = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)
demand = st.floats(min_value=0.0, max_value=500.0, allow_nan=False)
sigmas = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
qtys = st.floats(min_value=0.0, max_value=10_000.0, allow_nan=False)
multiples = st.one_of(st.just(0.0), st.floats(min_value=0.001, max_value=500.0))
series = st.lists(
    st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=2, max_size=40
)


def _estimate(per_period: float, sigma: float) -> DemandEstimate:
    return DemandEstimate(per_period, sigma, "mean", per_period, 1.0, 26, 7)


# --------------------------------------------------------------------------- z


@pytest.mark.parametrize(
    ("level", "z"),
    [(0.5, 0.0), (0.9, 1.281552), (0.95, 1.644854), (0.975, 1.959964), (0.99, 2.326348)],
)
def test_z_known_values(level: float, z: float) -> None:
    assert z_score(level) == pytest.approx(z, abs=1e-6)


@FAST
@given(st.floats(min_value=1e-9, max_value=1 - 1e-9))
def test_z_matches_the_normal_quantile(p: float) -> None:
    assert z_score(p) == pytest.approx(NormalDist().inv_cdf(p), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5])
def test_z_refuses_levels_outside_the_open_interval(bad: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        z_score(bad)


# --------------------------------------------------------------------------- ROP, SS, EOQ


def test_reorder_point_known_value() -> None:
    # 10/period, sigma 4, lead 4 periods, 95 %: 40 + 1.6449 * 4 * 2
    assert reorder_point(10, 4, 4, z_score(0.95)) == pytest.approx(40 + 1.644854 * 8, abs=1e-5)
    assert safety_stock(z_score(0.95), 4, 4) == pytest.approx(13.158829, abs=1e-5)


@FAST
@given(demand, sigmas, leads, levels, levels)
def test_rop_non_decreasing_in_service_level(
    d: float, s: float, lt: float, a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    assert reorder_point(d, s, lt, z_score(lo)) <= reorder_point(d, s, lt, z_score(hi)) + 1e-9


@FAST
@given(demand, sigmas, leads, leads, levels)
def test_rop_non_decreasing_in_lead_time(d: float, s: float, a: float, b: float, p: float) -> None:
    lo, hi = sorted((a, b))
    z = z_score(p)
    assert reorder_point(d, s, lo, z) <= reorder_point(d, s, hi, z) + 1e-9


@FAST
@given(demand, sigmas, leads, levels, st.floats(min_value=-500, max_value=2000), qtys, multiples)
def test_policy_quantities_never_negative_and_respect_vendor_terms(
    d: float, s: float, lt: float, p: float, position: float, minimum: float, multiple: float
) -> None:
    pol = policy(
        _estimate(d, s),
        LeadTime(lt, "supplier"),
        service_level=p,
        position=position,
        unit_cost=12.0,
        holding_rate=0.25,
        ordering_cost=50.0,
        min_qty=minimum,
        multiple=multiple,
    )
    for value in (pol.safety_stock, pol.reorder_point, pol.eoq, pol.quantity):
        assert value >= 0
    if pol.below:
        assert pol.quantity >= minimum - 1e-9
        assert pol.quantity >= pol.reorder_point - position - 1e-6
        step = multiple if multiple > 0 else 1.0
        ratio = pol.quantity / step
        assert abs(ratio - round(ratio)) < 1e-6
    else:
        assert pol.quantity == 0


@FAST
@given(qtys, qtys, multiples)
def test_round_order_respects_minimum_and_multiple(
    q: float, minimum: float, multiple: float
) -> None:
    out = round_order(q, minimum, multiple)
    if q <= 0:
        assert out == 0
        return
    step = multiple if multiple > 0 else 1.0
    assert out >= max(q, minimum) - 1e-6
    assert out < max(q, minimum) + step + 1e-6  # the smallest such multiple
    assert abs(out / step - round(out / step)) < 1e-6


def test_a_negligible_multiple_means_whole_units() -> None:
    assert round_order(2.2, 0, 1e-300) == 3


@pytest.mark.parametrize(
    ("D", "S", "H", "expected"),
    [(1000, 50, 2.5, 200.0), (5200, 25, 4, math.sqrt(65_000)), (0, 50, 2, 0.0), (100, 50, 0, 0.0)],
)
def test_eoq_known_values(D: float, S: float, H: float, expected: float) -> None:
    assert eoq(D, S, H) == pytest.approx(expected)


@FAST
@given(
    st.floats(min_value=0.01, max_value=1e6),
    st.floats(min_value=0.01, max_value=1e4),
    st.floats(min_value=0.01, max_value=1e4),
)
def test_eoq_is_the_closed_form(D: float, S: float, H: float) -> None:
    assert eoq(D, S, H) == pytest.approx(math.sqrt(2 * D * S / H), rel=1e-12)


def test_policy_orders_eoq_from_yearly_demand() -> None:
    # 14/week = 2/day = 730/year; H = 0.25 * 20 = 5; EOQ = sqrt(2*730*50/5) = 120.83
    pol = policy(
        _estimate(14, 0),
        LeadTime(14, "supplier"),
        service_level=0.95,
        position=0,
        unit_cost=20,
        holding_rate=0.25,
        ordering_cost=50,
        min_qty=0,
        multiple=10,
    )
    assert pol.eoq == pytest.approx(math.sqrt(2 * 730 * 50 / 5))
    assert pol.reorder_point == pytest.approx(28)
    assert pol.quantity == 130  # rounded up to the multiple of 10
    ex = pol.explanation()
    assert ex["reorder_point"] == 28 and ex["quantity"] == 130 and ex["z"] == 1.6449


def test_orderpoint_minimum_is_a_floor() -> None:
    pol = policy(
        _estimate(1, 0),
        LeadTime(7, "supplier"),
        service_level=0.95,
        position=20,
        unit_cost=1,
        holding_rate=0.25,
        ordering_cost=50,
        floor=25,
    )
    assert pol.reorder_point == 25 and pol.below


# --------------------------------------------------------------------------- demand


def test_bucket_counts_events_in_their_period() -> None:
    events = [
        (NOW - timedelta(days=1), 3.0),
        (NOW - timedelta(days=6.9), 2.0),
        (NOW - timedelta(days=7.1), 5.0),
        (NOW - timedelta(days=100), 9.0),  # outside a 28-day window
        (NOW + timedelta(days=1), 4.0),  # in the future
    ]
    assert bucket(events, NOW, 28, 7) == [0.0, 0.0, 5.0, 5.0]


def test_intermittent_demand_uses_sba() -> None:
    s = [0, 0, 0, 6, 0, 0, 0, 6, 0, 0, 0, 6] * 2
    est = estimate_demand(s, 7, alpha=0.1)
    assert average_demand_interval(s) == 4
    assert est.method == "croston-sba"
    plain, sba = croston(s, 0.1)
    assert plain == pytest.approx(1.5)
    assert est.per_period == pytest.approx(sba) == pytest.approx(1.5 * 0.95)
    smooth = estimate_demand([3, 4, 2, 5, 3, 4], 7)
    assert smooth.method == "mean" and smooth.per_period == pytest.approx(3.5)


def test_no_demand_at_all() -> None:
    est = estimate_demand([0.0] * 26, 7)
    assert est.per_period == 0 and est.sigma == 0 and est.method == "mean"
    assert croston([0, 0, 0], 0.1) == (0.0, 0.0)


@FAST
@given(series, st.floats(min_value=0.01, max_value=1.0))
def test_sba_never_above_croston(s: list[float], alpha: float) -> None:
    plain, sba = croston(s, alpha)
    assert 0 <= sba <= plain


@FAST
@given(
    st.integers(min_value=2, max_value=8),
    st.floats(min_value=0.5, max_value=50.0),
    st.integers(min_value=2, max_value=8),
    st.floats(min_value=0.05, max_value=0.5),
)
def test_intermittent_demand_not_overstated(
    interval: int, size: float, repeats: int, alpha: float
) -> None:
    # Regular intermittent demand: ``size`` every ``interval`` periods.  Its long-run rate is
    # size / interval; the plain mean of a window ending just after a demand overstates it,
    # SBA must not.
    s = ([0.0] * (interval - 1) + [size]) * repeats
    est = estimate_demand(s, 7, alpha=alpha)
    assert est.method == "croston-sba"
    assert est.per_period <= size / interval + 1e-9
    assert est.per_period <= est.mean + 1e-9


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.floats(min_value=0.04, max_value=0.45),
    st.floats(min_value=0.5, max_value=60.0),
    st.floats(min_value=0.05, max_value=0.4),
    st.integers(min_value=0, max_value=2**16),
)
def test_random_intermittent_demand_not_overstated_on_average(
    p: float, mu: float, alpha: float, seed: int
) -> None:
    """Demand in a week with probability ``p``, exponential size of mean ``mu``.  Over 300
    simulated years the estimate averages at most 10 % above the plain mean of the same years
    (an unbiased reading of the rate).  Croston alone overstates by up to ``1 / (1 - alpha/2)``,
    about 25 % at alpha 0.4; the SBA correction is what keeps this bound."""
    import random
    import statistics

    from service.inventory import croston

    rng = random.Random(seed)
    sba, plain, croston_only = [], [], []
    for _ in range(300):
        s = [rng.expovariate(1 / mu) if rng.random() < p else 0.0 for _ in range(52)]
        est = estimate_demand(s, 7, alpha=alpha)
        sba.append(est.per_period)
        plain.append(est.mean)
        croston_only.append(croston(s, alpha)[0] if est.method == "croston-sba" else est.mean)
    assert statistics.fmean(sba) <= 1.10 * statistics.fmean(plain)
    assert statistics.fmean(sba) <= statistics.fmean(croston_only) + 1e-12


# --------------------------------------------------------------------------- lead time, cover


def test_lead_time_from_supplier_then_measured_receipts() -> None:
    assert lead_time(14, [], min_receipts=5, default_days=7) == LeadTime(14, "supplier", 0)
    assert lead_time(None, [], min_receipts=5, default_days=7) == LeadTime(7, "default", 0)
    few = lead_time(14, [3, 3], min_receipts=5, default_days=7)
    assert few.days == 14 and few.source == "supplier"
    many = lead_time(14, [2, 4, 3, 3, 3], min_receipts=5, default_days=7)
    assert many.days == 17 and many.source == "measured" and many.receipts == 5
    early = lead_time(5, [-9] * 6, min_receipts=5, default_days=7)
    assert early.days == 0  # never negative


def test_overstock_money_per_month() -> None:
    # 1/day, 180 days of cover kept: 300 - 180 = 120 beyond, worth 120 * 50 = 6000;
    # holding 25 %/year = 125 per month.
    over = overstock(300, 1.0, 50.0, 0.25, 180)
    assert over.excess_qty == 120 and over.excess_value == 6000
    assert over.money_per_month == pytest.approx(125.0)
    assert over.cover_days == 300
    assert overstock(100, 1.0, 50.0, 0.25, 180).money_per_month == 0
    assert overstock(10, 0.0, 50.0, 0.25, 180).cover_days == math.inf


@FAST
@given(qtys, st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=1000))
def test_overstock_never_negative(stock: float, daily: float, cost: float) -> None:
    over = overstock(stock, daily, cost, 0.25, 180)
    assert over.excess_qty >= 0 and over.money_per_month >= 0
