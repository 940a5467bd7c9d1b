"""What every rule shares: the rule signature, scoping to subjects, and building findings."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from service.config import RulesConfig
from service.model import ErpRef, Finding, Severity, finding_key
from service.snapshot import CompanySnapshot, Subject, as_utc

Subjects = Collection[Subject]
Rule = Callable[[CompanySnapshot, RulesConfig, datetime, "Subjects | None"], list[Finding]]

T = TypeVar("T")


class Scope(Collection[Subject]):
    """Subjects of an incremental run, also grouped by model (each rule asks for one)."""

    def __init__(self, subjects: Iterable[Subject]) -> None:
        self._all = set(subjects)
        self._by: dict[str, list[int]] = {}
        for model, rid in sorted(self._all):
            self._by.setdefault(model, []).append(rid)

    def __contains__(self, item: object) -> bool:
        return item in self._all

    def __iter__(self) -> Iterator[Subject]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def ids(self, model: str) -> list[int]:
        return self._by.get(model, [])


def scope_ids(subjects: Subjects, model: str) -> list[int]:
    if isinstance(subjects, Scope):
        return subjects.ids(model)
    return sorted(i for m, i in subjects if m == model)


def in_scope(records: Mapping[int, T], model: str, subjects: Subjects | None) -> Iterable[T]:
    """The records a rule decides on: all of them, or only the subjects of ``model``."""
    if subjects is None:
        return records.values()
    return [r for i in scope_ids(subjects, model) if (r := records.get(i)) is not None]


def utc_now(now: datetime) -> datetime:
    return as_utc(now)


def money(value: float) -> str:
    """``1,250.00``: how amounts read in a sentence."""
    return f"{value:,.2f}"


def qty(value: float) -> str:
    """``3`` or ``2.5``: quantities without trailing zeros."""
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def customer_ref(snap: CompanySnapshot, partner_id: int | None) -> ErpRef | None:
    """The commercial partner (the customer a person would call) of a contact."""
    cp = snap.commercial_of(partner_id)
    if cp is None:
        return None
    return ErpRef(tenant=snap.tenant, model="res.partner", id=cp, name=snap.customer_name(cp))


def finding(
    rule: str,
    subject: ErpRef,
    *,
    severity: Severity,
    message: str,
    now: datetime,
    customer: ErpRef | None = None,
    money_at_stake: float = 0.0,
    evidence: Mapping[str, float | int | str | None] | None = None,
    period: str | None = None,
) -> Finding:
    return Finding(
        key=finding_key(rule, subject.model, subject.id, period),
        rule=rule,
        severity=severity,
        subject=subject,
        customer=customer,
        money=round(max(0.0, money_at_stake), 2),
        evidence=dict(evidence or {}),
        message=message,
        detected_at=now,
        period=period,
    )


def net_unit(price_unit: float, discount: float) -> float:
    return price_unit * (1 - (discount or 0.0) / 100)
