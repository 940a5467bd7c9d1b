"""Customer quality: one flag per customer from its open findings, weighted by money and age."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

from service.config import RulesConfig
from service.model import ErpRef, Finding, FlagLevel, Severity
from service.snapshot import CompanySnapshot, as_utc

from ._common import finding, money, plural

CUSTOMER = "quality.customer"

_SEVERITY_WEIGHT = {Severity.critical: 2.0, Severity.warning: 1.0, Severity.info: 0.5}
_AREAS = ("billing", "orders", "repairs", "inventory")


def age_days(f: Finding, now: datetime) -> float:
    """How long the problem has existed: the rule's own measure (days overdue, days late...)
    or the time since it was first detected, whichever is longer."""
    measured = f.evidence.get("age_days")
    seen = (as_utc(now) - as_utc(f.detected_at)).total_seconds() / 86400
    own = float(measured) if isinstance(measured, int | float) else 0.0
    return max(0.0, own, seen)


def weight(f: Finding, cfg: RulesConfig, now: datetime) -> float:
    """Severity x (1 + log10(1 + money / money_scale)) x (1 + age / age_scale, at most 3x).

    Money counts logarithmically: one large late order should not outweigh several problems
    (a customer with many small problems calls more often than one with a single big one).
    """
    q = cfg.quality
    money_factor = 1.0 + math.log10(1.0 + max(f.money, 0.0) / q.money_scale)
    age_factor = 1.0 + min(age_days(f, now) / q.age_scale_days, 2.0)
    return _SEVERITY_WEIGHT.get(f.severity, 1.0) * money_factor * age_factor


def level_of(score: float, cfg: RulesConfig) -> FlagLevel:
    if score >= cfg.quality.red_score:
        return FlagLevel.red
    if score >= cfg.quality.amber_score:
        return FlagLevel.amber
    return FlagLevel.green


def customer_quality(
    snap: CompanySnapshot,
    cfg: RulesConfig,
    now: datetime,
    findings: Iterable[Finding],
    partners: Collection[int] | None = None,
) -> list[Finding]:
    """A finding per customer whose open findings score amber or red (``partners``: only
    these commercial partners)."""
    now = as_utc(now)
    by_customer: dict[int, list[Finding]] = defaultdict(list)
    refs: dict[int, ErpRef] = {}
    for f in findings:
        if f.rule == CUSTOMER or f.customer is None or not f.open:
            continue
        cid = f.customer.id
        if partners is not None and cid not in partners:
            continue
        by_customer[cid].append(f)
        refs.setdefault(cid, f.customer)
    out = []
    for cid in sorted(by_customer):
        items = sorted(by_customer[cid], key=lambda f: f.key)
        score = sum(weight(f, cfg, now) for f in items)
        level = level_of(score, cfg)
        if level is FlagLevel.green:
            continue
        ref = refs[cid]
        at_stake = sum(f.money for f in items)
        oldest = max(age_days(f, now) for f in items)
        areas: dict[str, int] = defaultdict(int)
        for f in items:
            areas[f.rule.partition(".")[0]] += 1
        parts = ", ".join(f"{a} {areas[a]}" for a in _AREAS if areas.get(a))
        out.append(
            finding(
                CUSTOMER,
                ref,
                severity=Severity.critical if level is FlagLevel.red else Severity.warning,
                message=(
                    f"{ref.name} has {plural(len(items), 'open service problem')} ({parts}) "
                    f"with {money(at_stake)} at stake, open for up to {plural(round(oldest), 'day')}:"
                    f" service risk {level.value}."
                ),
                now=now,
                customer=ref,
                money_at_stake=at_stake,
                evidence={
                    "level": level.value,
                    "score": round(score, 2),
                    "findings": len(items),
                    "oldest_days": round(oldest, 1),
                    "keys": " ".join(f.key for f in items[:10]),
                },
            )
        )
    return out
