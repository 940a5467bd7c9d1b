"""Retry policy and call-rate limit, as pure functions over an injectable clock.

Backoff is exponential with full jitter (``uniform(0, min(cap, base * 2**(n-1)))``) so that many
runners hitting one ERP do not retry in lockstep. A server's Retry-After is a floor: we never
retry before it, and if it lies beyond the call's time budget we stop at once with a message that
says so rather than sleeping past the budget.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from connector.settings import RetrySettings


@dataclass(frozen=True)
class Decision:
    """What to do after a transient failure: wait ``delay`` seconds, or stop with ``reason``."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


def backoff(attempt: int, policy: RetrySettings, rng: random.Random) -> float:
    """Full-jitter delay before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
    ceiling = min(policy.cap, policy.base * (2 ** (attempt - 1)))
    return rng.uniform(0.0, ceiling)


def decide(
    attempt: int,
    elapsed: float,
    policy: RetrySettings,
    rng: random.Random,
    retry_after: float | None = None,
) -> Decision:
    """Retry or stop after failed attempt number ``attempt`` (1-based), ``elapsed`` s in."""
    if attempt >= policy.attempts:
        return Decision(False, reason=f"gave up after {attempt} attempts in {elapsed:.1f}s")
    delay = backoff(attempt, policy, rng)
    if retry_after is not None:
        # Retry-After is the earliest allowed retry; a little jitter above it avoids a herd.
        delay = retry_after + min(delay, policy.base)
    if elapsed + delay > policy.total:
        if retry_after is not None:
            return Decision(
                False,
                reason=(
                    f"server asked to retry after {retry_after:g}s, beyond the retry budget "
                    f"(retry.total={policy.total:g}s, {elapsed:.1f}s used, {attempt} attempts)"
                ),
            )
        return Decision(
            False,
            reason=(
                f"retry budget exhausted (retry.total={policy.total:g}s, {elapsed:.1f}s used, "
                f"{attempt} attempts)"
            ),
        )
    return Decision(True, delay=delay)


class RateLimiter:
    """At most ``calls_per_second`` call starts per second (``None``: unlimited).

    Thread-safe: the slot is reserved under a lock and slept outside it, so threads sharing one
    limiter are spaced evenly.  ``RateLimiter.for_erp`` hands every client of the same ERP
    (url and database) the same limiter, so the limit is per ERP, not per client object.
    """

    _shared: ClassVar[dict[tuple[str, str, float], RateLimiter]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        calls_per_second: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / calls_per_second if calls_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_erp(cls, url: str, database: str, calls_per_second: float | None) -> RateLimiter:
        """The process-wide limiter of one ERP database (a fresh one when unlimited)."""
        if not calls_per_second:
            return cls(None)
        key = (url.rstrip("/").lower(), database, float(calls_per_second))
        with cls._shared_lock:
            limiter = cls._shared.get(key)
            if limiter is None:
                limiter = cls._shared[key] = cls(calls_per_second)
            return limiter

    def wait(self) -> float:
        """Block until the next call may start; returns the seconds waited."""
        if not self._interval:
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        waited = start - now
        if waited > 0:
            self._sleep(waited)
        return waited
