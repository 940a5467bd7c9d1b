"""Call statistics counted by the server: how many RPC calls, on what, and how long they took.

Tests use the counts to pin how many round trips a client makes (``sim.stats.count(method=
"search_read", model="sale.order")``); the benchmark uses the server-side seconds per call.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass

# Per-call records kept for timings; counts stay exact beyond it.  A long-running
# `odoosim serve` must not grow without bound.
MAX_RECORDS = 100_000


@dataclass(frozen=True)
class CallRecord:
    """One RPC call as the server saw it."""

    protocol: str  # "xmlrpc", "xmlrpc/2", "jsonrpc", "json2", "web"
    service: str  # "common", "db", "object"
    method: str  # the service method, or the model method for object calls
    model: str | None
    seconds: float  # server time: request parsed, executed and response encoded
    error: str | None  # Odoo's exception name when the call failed


class Stats:
    """Thread-safe log of the calls served since the last :meth:`reset`."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._lock = threading.Lock()
        self._calls: deque[CallRecord] = deque(maxlen=max_records)
        self._counts: Counter[tuple[str, str, str, str | None]] = Counter()

    def record(self, call: CallRecord) -> None:
        with self._lock:
            self._calls.append(call)
            self._counts[(call.protocol, call.service, call.method, call.model)] += 1

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._counts.clear()

    def calls(
        self,
        *,
        method: str | None = None,
        model: str | None = None,
        service: str | None = None,
        protocol: str | None = None,
    ) -> list[CallRecord]:
        """The recorded calls matching every filter given (the latest ``MAX_RECORDS``)."""
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if (method is None or call.method == method)
            and (model is None or call.model == model)
            and (service is None or call.service == service)
            and (protocol is None or call.protocol == protocol)
        ]

    def count(
        self,
        *,
        method: str | None = None,
        model: str | None = None,
        service: str | None = None,
        protocol: str | None = None,
    ) -> int:
        """How many calls match (all calls when no filter is given); exact, never truncated."""
        with self._lock:
            counts = list(self._counts.items())
        return sum(
            n
            for (c_protocol, c_service, c_method, c_model), n in counts
            if (method is None or c_method == method)
            and (model is None or c_model == model)
            and (service is None or c_service == service)
            and (protocol is None or c_protocol == protocol)
        )

    def server_seconds(self, *, method: str | None = None, model: str | None = None) -> list[float]:
        """Server-side seconds of each matching call, in call order."""
        return [call.seconds for call in self.calls(method=method, model=model)]

    def summary(self) -> dict[str, int]:
        """Counts per ``model.method`` (or ``service.method``), for the admin RPC ``get_stats``."""
        with self._lock:
            counts = list(self._counts.items())
        out: Counter[str] = Counter()
        for (_protocol, service, method, model), n in counts:
            out[f"{model or service}.{method}"] += n
        return dict(sorted(out.items()))
