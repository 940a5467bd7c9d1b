"""Acceptance on odoosim's demo company: every planted problem is found, nothing else is.

The company is read over real HTTP (JSON-RPC) as the sync reads it, mapped with ``mappings``
and analysed with ``today`` = the manifest's today.  Recall and precision are printed (run
with ``-s`` to see them); ``quality.customer`` is derived from the other findings and not
planted, so it is listed apart.  A clean company (planting off) must yield no finding at all.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from svc_demo import read_company

from odoosim import SimServer
from odoosim.datasets import demo
from service.model import Finding
from service.rules import QUALITY, analyze

TODAY = date(2026, 11, 22)


def noon(day: str) -> datetime:
    # Any time of the manifest's day: the plants are days away from every threshold.
    return datetime.combine(date.fromisoformat(day), time(12), tzinfo=UTC)


def score(
    findings: list[Finding], planted: list[dict[str, object]]
) -> tuple[float, float, list[str]]:
    want = {(p["rule"], p["model"], p["id"]) for p in planted}
    got = {(f.rule, f.subject.model, f.subject.id) for f in findings if f.rule != QUALITY}
    hits = want & got
    recall = len(hits) / len(want) if want else 1.0
    precision = len(hits) / len(got) if got else 1.0
    extra = sorted(f"{r} {m},{i}" for r, m, i in got - want)
    missed = sorted(f"{r} {m},{i}" for r, m, i in want - got)
    print(
        f"recall {recall:.1%} ({len(hits)}/{len(want)}), precision {precision:.1%} "
        f"({len(hits)}/{len(got)}); not in the manifest: {extra or 'none'}; missed: "
        f"{missed or 'none'}; {sum(f.rule == QUALITY for f in findings)} customer flags"
    )
    return recall, precision, missed


@pytest.mark.parametrize("version", ["16", "17", "19"])
def test_every_planted_problem_is_found(version: str) -> None:
    with SimServer(odoo_version=version, dataset="demo", orders=300, seed=7, today=TODAY) as sim:
        snap = read_company(sim)
        manifest = sim.manifest
    assert manifest is not None
    findings = analyze(snap, now=noon(manifest["today"]))
    recall, precision, missed = score(findings, manifest["planted"])
    assert missed == []
    assert recall == 1.0
    assert precision >= 0.95
    rules = {p["rule"] for p in manifest["planted"]}
    assert len(rules) == 13  # every rule of the catalogue but the derived one is planted
    # Reorder findings carry what the RFQ line needs.
    for f in findings:
        if f.rule in ("orders.unservable", "repairs.parts_missing", "inventory.reorder"):
            assert isinstance(f.evidence["product_id"], int) and f.evidence["quantity"]
            assert isinstance(f.evidence["vendor_id"], int), f.key


@pytest.mark.parametrize(("version", "seed"), [("17", 7), ("18", 3)])
def test_a_clean_company_yields_no_finding(tmp_path: Path, version: str, seed: int) -> None:
    data = demo.generate(seed, 300, version, TODAY, plant=False)
    path = tmp_path / "clean.json"
    path.write_text(json.dumps({"odoo_version": version, "records": data.records}))
    with SimServer(odoo_version=version, dataset=str(path)) as sim:
        snap = read_company(sim)
    assert len(snap.orders) > 250 and len(snap.invoices) > 100  # a real company, read in full
    findings = analyze(snap, now=noon(TODAY.isoformat()))
    assert [f.message for f in findings] == []
