"""The service rules (``docs/internals.md`` §2): pure functions from a snapshot to findings.

Every rule is ``rule(snapshot, config, now, subjects=None) -> list[Finding]``; ``subjects``
restricts it to those ``(model, id)`` for incremental runs.  A finding that no longer holds is
simply not produced: the caller resolves it.  ``analyze`` runs them all (and derives the
customer quality flags); ``build`` gives jobs/ the ``(snapshot, now) -> findings`` callable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.config import RulesConfig
from service.model import Finding
from service.snapshot import CompanySnapshot, Subject, as_utc

from . import billing, clock, inventory, orders, quality, repairs
from ._common import Rule, Scope

RULES: dict[str, Rule] = {
    billing.AMOUNT_MISMATCH: billing.amount_mismatch,
    billing.OVER_INVOICED: billing.over_invoiced,
    billing.NOT_INVOICED: billing.not_invoiced,
    billing.DUPLICATE_INVOICE: billing.duplicate_invoice,
    billing.WRONG_PARTNER: billing.wrong_partner,
    billing.OVERDUE: billing.overdue,
    billing.REFUND_PILEUP: billing.refund_pileup,
    orders.LATE: orders.late,
    orders.STUCK: orders.stuck,
    orders.UNSERVABLE: orders.unservable,
    repairs.PARTS_MISSING: repairs.parts_missing,
    inventory.REORDER: inventory.reorder,
    inventory.OVERSTOCK: inventory.overstock_rule,
}
# Derived from the others' findings, so it runs last.
QUALITY = quality.CUSTOMER
ALL_RULES: tuple[str, ...] = (*RULES, QUALITY)


def analyze(
    snapshot: Any,
    config: RulesConfig | None = None,
    now: datetime | None = None,
    subjects: Collection[Subject] | None = None,
    *,
    open_findings: Iterable[Finding] = (),
    rules: Collection[str] | None = None,
    detected: Mapping[str, datetime] | None = None,
) -> list[Finding]:
    """Every finding that holds now, sorted by key.

    ``snapshot``: a ``CompanySnapshot`` or an object with the same dicts (jobs' ``Snapshot``).
    ``subjects``: decide only these (the result is about them alone).  The customer flag of a
    partner in ``subjects`` weighs the fresh findings in scope together with ``open_findings``
    (the caller's stored open findings) about subjects out of scope.
    ``rules``: run only these rule names (default: all).
    ``detected``: first detection time by finding key (the caller's stored open findings): a
    finding found again keeps it, and the customer flag weighs its age from then on, so a full
    and an incremental analysis weigh a finding alike.
    """
    snap = CompanySnapshot.of(snapshot)
    cfg = config or RulesConfig()
    when = as_utc(now) if now is not None else datetime.now(UTC)
    scope = Scope(subjects) if subjects is not None else None
    found: list[Finding] = []
    for name, rule in RULES.items():
        if rules is None or name in rules:
            found.extend(rule(snap, cfg, when, scope))
    if detected:
        found = [
            f.model_copy(update={"detected_at": at})
            if (at := detected.get(f.key)) is not None and at != f.detected_at
            else f
            for f in found
        ]
    if rules is None or QUALITY in rules:
        if scope is None:
            found.extend(quality.customer_quality(snap, cfg, when, found))
        else:
            partners = set(scope.ids("res.partner"))
            basis = found + [
                f
                for f in open_findings
                if f.customer is not None
                and f.customer.id in partners
                and f.rule != QUALITY
                and (f.subject.model, f.subject.id) not in scope
            ]
            found.extend(quality.customer_quality(snap, cfg, when, basis, partners))
    return sorted(found, key=lambda f: f.key)


# Bumped when a rule's logic or its clock changes: a stored analysis made by other rules is
# then redone in full (``RuleSet.fingerprint``).
LOGIC_VERSION = 1


@dataclass(frozen=True)
class RuleSet:
    """The rules with one config's thresholds: the ``(snapshot, now) -> findings`` callable
    ``jobs.analyze`` runs, plus what an incremental analysis needs (scoped runs, the rules'
    clock, a fingerprint of the thresholds)."""

    config: RulesConfig

    def __call__(
        self,
        snapshot: Any,
        now: datetime,
        subjects: Collection[Subject] | None = None,
        *,
        open_findings: Iterable[Finding] = (),
        detected: Mapping[str, datetime] | None = None,
    ) -> list[Finding]:
        return analyze(
            snapshot,
            self.config,
            now,
            subjects,
            open_findings=open_findings,
            detected=detected,
        )

    @property
    def fingerprint(self) -> str:
        """Changes when a threshold, the rule list or the rules' logic changes."""
        text = f"{LOGIC_VERSION}|{','.join(ALL_RULES)}|{self.config.model_dump_json()}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def next_change(
        self, snapshot: CompanySnapshot, subject: Subject, after: datetime
    ) -> datetime | None:
        """``clock.next_change`` with these thresholds."""
        return clock.next_change(snapshot, self.config, subject, after)

    def next_level_change(self, findings: Iterable[Finding], after: datetime) -> datetime | None:
        """``clock.next_level_change`` with these thresholds."""
        return clock.next_level_change(self.config, findings, after)


def build(config: Any = None) -> RuleSet:
    """The rules with ``config``'s thresholds as the ``(snapshot, now) -> findings`` callable
    ``jobs.analyze`` expects.  ``config`` is a ``RulesConfig`` (what ``svcsync`` loads from
    ``[rules.*]``) or any object dumping to those sections."""
    if config is None:
        cfg = RulesConfig()
    elif isinstance(config, RulesConfig):
        cfg = config
    else:
        cfg = RulesConfig.model_validate(config.model_dump())
    return RuleSet(cfg)


__all__ = ["ALL_RULES", "QUALITY", "RULES", "RuleSet", "analyze", "build"]
