"""Fault injection: what odoosim does wrong on purpose, and when.

A :class:`Faults` object holds the current fault settings (``docs/internals.md`` §1) and decides,
for each RPC call, which faults hit it.  The HTTP layer asks :meth:`Faults.decide` once per call
with the call's model and method and acts on the returned :class:`Decision`:

* ``latency_ms``: sleep before answering;
* ``hang_seconds`` (+ ``hang_rate`` / ``hang_count``): sleep that long before answering, so a
  client without a timeout blocks (every matching call hangs when neither rate nor count is set);
* ``reset_rate`` / ``reset_count``: drop the connection with a TCP reset, no response;
* ``http_status`` (429/502/503) + ``http_status_rate`` / ``http_status_count`` + ``retry_after``:
  answer as a proxy or rate limiter would (every matching call when neither rate nor count is set);
* ``serialization_rate`` / ``serialization_count``: the call fails as Odoo does once its
  concurrency retries are spent (``psycopg2.errors.SerializationFailure``), nothing is written;
* ``late_commit_seconds``: creates and writes are stamped ``write_date = now - N s``, as when a
  long transaction commits after others that started later;
* ``models`` / ``methods``: restrict every fault to these models / methods;
* ``seed``: makes the rate draws reproducible (a sequence of calls gets the same faults).

``*_count`` variants fail exactly the next N matching calls, then stop.  Settings change while
the server runs (:meth:`update`, :meth:`clear`); the decision is taken under a lock so concurrent
calls see a consistent setting.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RATE_KEYS = ("hang_rate", "reset_rate", "http_status_rate", "serialization_rate")
COUNT_KEYS = ("hang_count", "reset_count", "http_status_count", "serialization_count")
FLOAT_KEYS = ("latency_ms", "hang_seconds", "retry_after", "late_commit_seconds")
LIST_KEYS = ("models", "methods")
ALLOWED_HTTP_STATUSES = (429, 502, 503)
FAULT_KEYS: tuple[str, ...] = (
    *FLOAT_KEYS,
    *RATE_KEYS,
    *COUNT_KEYS,
    "http_status",
    *LIST_KEYS,
    "seed",
)


class FaultConfigError(ValueError):
    """A fault setting that cannot be used; the message names the key and what is expected."""


@dataclass(frozen=True)
class Decision:
    """What happens to one call.  The HTTP layer applies these in field order."""

    latency_seconds: float = 0.0
    hang_seconds: float = 0.0
    reset: bool = False
    http_status: int | None = None
    retry_after: float | None = None
    serialization_failure: bool = False
    late_commit_seconds: float = 0.0

    @property
    def is_clean(self) -> bool:
        return self == _CLEAN


_CLEAN = Decision()


def _coerce(key: str, value: Any) -> Any:
    """Validate one setting and return it in its canonical type."""
    if key not in FAULT_KEYS:
        raise FaultConfigError(f"unknown fault {key!r}; known faults: {', '.join(FAULT_KEYS)}")
    if key in LIST_KEYS:
        if value is None or value is False:
            return None
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, Iterable):
            items = [str(part) for part in value]
        else:
            raise FaultConfigError(f"fault {key!r} expects a list of names, got {value!r}")
        return frozenset(items) or None
    if value is None or value is False:
        return None if key in ("http_status", "retry_after", "seed") else 0
    if isinstance(value, bool):
        raise FaultConfigError(f"fault {key!r} expects a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FaultConfigError(f"fault {key!r} expects a number, got {value!r}") from None
    if number < 0:
        raise FaultConfigError(f"fault {key!r} must not be negative, got {value!r}")
    if key in RATE_KEYS:
        if number > 1:
            raise FaultConfigError(f"fault {key!r} is a rate between 0 and 1, got {value!r}")
        return number
    if key in COUNT_KEYS or key == "seed":
        if number != int(number):
            raise FaultConfigError(f"fault {key!r} expects a whole number, got {value!r}")
        return int(number)
    if key == "http_status":
        if int(number) not in ALLOWED_HTTP_STATUSES:
            raise FaultConfigError(
                f"fault 'http_status' must be one of {ALLOWED_HTTP_STATUSES}, got {value!r}"
            )
        return int(number)
    return number


def parse_fault_flag(text: str) -> tuple[str, Any]:
    """Parse one ``--fault name=value`` flag (lists are comma separated)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise FaultConfigError(f"--fault expects name=value, got {text!r}")
    return name, _coerce(name, raw.strip())


class Faults:
    """The live fault settings of one server, safe to change from any thread."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._settings: dict[str, Any] = {}
        self._rng = random.Random()
        # Fault kinds armed with a count: when the count is spent they stop (not "every call").
        self._counted: set[str] = set()
        if settings:
            self.update(settings)

    def update(self, settings: Mapping[str, Any] | None = None, **more: Any) -> None:
        """Change some settings; the others keep their value.  Invalid input changes nothing."""
        merged = {**(settings or {}), **more}
        coerced = {key: _coerce(key, value) for key, value in merged.items()}
        with self._lock:
            for key, value in coerced.items():
                if value is None or (value == 0 and key not in ("seed",)):
                    self._settings.pop(key, None)
                else:
                    self._settings[key] = value
            for prefix, trigger in (("hang", "hang_seconds"), ("http_status", "http_status")):
                if f"{prefix}_count" in coerced:
                    if coerced[f"{prefix}_count"]:
                        self._counted.add(prefix)
                    else:
                        self._counted.discard(prefix)
                elif trigger in coerced:
                    self._counted.discard(prefix)
            if "seed" in coerced:
                self._rng = random.Random(coerced["seed"])

    def clear(self) -> None:
        """Remove every fault (the server behaves normally again)."""
        with self._lock:
            self._settings.clear()
            self._counted.clear()
            self._rng = random.Random()

    def snapshot(self) -> dict[str, Any]:
        """The current settings as plain JSON-able values (lists sorted)."""
        with self._lock:
            return {
                key: sorted(value) if isinstance(value, frozenset) else value
                for key, value in sorted(self._settings.items())
            }

    @property
    def late_commit_seconds(self) -> float:
        with self._lock:
            return float(self._settings.get("late_commit_seconds", 0.0))

    def decide(self, model: str | None, method: str | None) -> Decision:
        """Draw the faults of one call on ``model.method`` (model None for service calls)."""
        with self._lock:
            settings = self._settings
            if not settings:
                return _CLEAN
            models = settings.get("models")
            if models is not None and model not in models:
                return _CLEAN
            methods = settings.get("methods")
            if methods is not None and method not in methods:
                return _CLEAN
            hang = self._draw("hang", "hang_seconds")
            reset = self._draw("reset", None)
            status = self._draw("http_status", "http_status")
            serialization = self._draw("serialization", None)
            return Decision(
                latency_seconds=settings.get("latency_ms", 0.0) / 1000.0,
                hang_seconds=settings.get("hang_seconds", 0.0) if hang else 0.0,
                reset=reset,
                http_status=settings.get("http_status", 503) if status else None,
                retry_after=settings.get("retry_after") if status else None,
                serialization_failure=serialization,
                late_commit_seconds=settings.get("late_commit_seconds", 0.0),
            )

    def _draw(self, prefix: str, trigger: str | None) -> bool:
        """One fault kind: the next N calls (count), a fraction (rate), or every call.

        "Every call" applies when the trigger setting (``http_status``, ``hang_seconds``) is set
        without a rate and without a count; once a count is spent the fault stops.
        """
        count_key, rate_key = f"{prefix}_count", f"{prefix}_rate"
        count = self._settings.get(count_key, 0)
        if count > 0:
            if count == 1:
                del self._settings[count_key]
            else:
                self._settings[count_key] = count - 1
            return True
        rate = self._settings.get(rate_key)
        if rate is not None:
            return self._rng.random() < rate
        return trigger is not None and trigger in self._settings and prefix not in self._counted
