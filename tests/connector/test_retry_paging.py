from __future__ import annotations

import random

import pytest

from connector import paging
from connector.retry import RateLimiter, backoff, decide
from connector.settings import RetrySettings

POLICY = RetrySettings(attempts=4, base=0.5, cap=2.0, total=10.0)


def test_backoff_is_jittered_and_capped() -> None:
    rng = random.Random(1)
    for attempt in range(1, 10):
        ceiling = min(2.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff(attempt, POLICY, rng) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_attempts_bound() -> None:
    rng = random.Random(1)
    assert decide(3, 1.0, POLICY, rng).retry
    stop = decide(4, 1.0, POLICY, rng)
    assert not stop.retry and "4 attempts" in stop.reason


def test_retry_after_is_a_floor_and_the_budget_holds() -> None:
    rng = random.Random(1)
    d = decide(1, 0.0, POLICY, rng, retry_after=3.0)
    assert d.retry and 3.0 <= d.delay <= 3.5
    late = decide(1, 8.0, POLICY, rng, retry_after=3.0)
    assert not late.retry and "Retry-After" not in late.reason and "retry after 3s" in late.reason


def test_rate_limiter_spaces_calls() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])
    assert RateLimiter(None).wait() == 0.0


def test_keyset_domain() -> None:
    assert paging.keyset_domain([("a", "=", 1)], None) == [("a", "=", 1)]
    d = paging.keyset_domain([], ("2026-01-01 00:00:00", 5))
    assert d == [
        "|",
        ("write_date", ">", "2026-01-01 00:00:00"),
        "&",
        ("write_date", "=", "2026-01-01 00:00:00"),
        ("id", ">", 5),
    ]
    both = paging.keyset_domain([("a", "=", 1), "|", ("b", "=", 2), ("c", "=", 3)], ("t", 0))
    # "&" <keyset: 5 items> "&" a "|" b c
    assert both[:2] == ["&", "|"]
    assert both[6:] == ["&", ("a", "=", 1), "|", ("b", "=", 2), ("c", "=", 3)]


def _evaluate(domain: list, row: dict) -> bool:
    """A tiny prefix-domain evaluator (=, >, in) to check keyset semantics on plain dicts."""

    def term(t: tuple) -> bool:
        f, op, v = t
        x = row[f]
        return {"=": x == v, ">": x > v, "<": x < v}[op]

    def parse(i: int) -> tuple[bool, int]:
        item = domain[i]
        if item == "&":
            a, j = parse(i + 1)
            b, k = parse(j)
            return a and b, k
        if item == "|":
            a, j = parse(i + 1)
            b, k = parse(j)
            return a or b, k
        if item == "!":
            a, j = parse(i + 1)
            return not a, j
        return term(item), i + 1

    i, ok = 0, True
    while i < len(domain):
        v, i = parse(i)
        ok = ok and v
    return ok


def test_keyset_pages_lose_nothing_in_runs_of_equal_write_dates() -> None:
    rows = [{"id": i, "write_date": f"2026-01-01 00:00:0{i % 3}", "a": i % 2} for i in range(1, 40)]
    ordered = sorted((r for r in rows if r["a"] == 1), key=lambda r: (r["write_date"], r["id"]))
    seen: list[int] = []
    after = None
    while True:
        domain = paging.keyset_domain([("a", "=", 1)], after)
        page = [r for r in ordered if _evaluate(domain, r)][:4]
        if not page:
            break
        seen += [r["id"] for r in page]
        after = paging.key_of(page[-1])
    assert seen == [r["id"] for r in ordered]


def test_key_of_and_fields() -> None:
    assert paging.key_of({"id": 3, "write_date": "x"}) == ("x", 3)
    with pytest.raises(ValueError):
        paging.key_of({"id": 3, "write_date": False})
    assert paging.with_paging_fields(["name", "id"]) == ["name", "id", "write_date"]
