"""The manifest is honest: every plant fires, and nothing else does.

``odoosim.datasets.verify`` reads each rule of docs/internals.md §2 twice: ``strict`` (clearly
met at default thresholds; every plant must fire) and ``broad`` (generous thresholds; nothing
outside the manifest may fire).  A rule implementation anywhere between the two finds exactly
the manifest.
"""

from __future__ import annotations

from datetime import date

import pytest

from odoosim.datasets import demo
from odoosim.datasets.verify import RULES, Finding, evaluate

TODAY = date(2026, 11, 22)


@pytest.fixture
def opted_in(request: pytest.FixtureRequest) -> None:
    """Slow suites run only when asked for (``pytest -m slow``), as pyproject describes."""
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("slow suite: run with -m slow")


def keys(findings: list[Finding]) -> set[tuple[str, str, int]]:
    return {f.key for f in findings}


def manifest_keys(ds: demo.Dataset) -> set[tuple[str, str, int]]:
    assert ds.manifest is not None
    return {(p["rule"], p["model"], p["id"]) for p in ds.manifest["planted"]}


def check_honest(seed: int, orders: int, version: str) -> None:
    ds = demo.generate(seed, orders, version, TODAY)
    planted = manifest_keys(ds)
    strict = keys(evaluate(ds.records, version, TODAY, "strict"))
    broad = evaluate(ds.records, version, TODAY, "broad")
    assert planted - strict == set(), "planted but not clearly firing"
    extra = [f for f in broad if f.key not in planted]
    assert extra == [], "fires outside the manifest"
    clean = demo.generate(seed, orders, version, TODAY, plant=False)
    assert evaluate(clean.records, version, TODAY, "broad") == []


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_default_demo_is_honest_on_every_version(version: str) -> None:
    check_honest(7, 300, version)


@pytest.mark.parametrize(("seed", "orders"), [(1, 100), (2, 300), (3, 1000)])
def test_other_seeds_and_sizes_are_honest(seed: int, orders: int) -> None:
    check_honest(seed, orders, "17")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 40))
@pytest.mark.usefixtures("opted_in")
def test_many_seeds_are_honest(seed: int) -> None:
    check_honest(seed, 300, ["16", "17", "18", "19"][seed % 4])


@pytest.mark.slow
@pytest.mark.usefixtures("opted_in")
def test_large_demo_is_honest_and_fast() -> None:
    import time

    start = time.perf_counter()
    ds = demo.generate(5, 50000, "17", TODAY)
    elapsed = time.perf_counter() - start
    assert elapsed < 45, f"generate(orders=50000) took {elapsed:.1f} s"
    planted = manifest_keys(ds)
    assert len(planted) > 2000
    assert planted <= keys(evaluate(ds.records, "17", TODAY, "strict"))
    assert keys(evaluate(ds.records, "17", TODAY, "broad")) <= planted


def test_the_check_itself_can_fail() -> None:
    """Break one clean invoice and one clean product: the broad reading must notice."""
    ds = demo.generate(7, 300, "17", TODAY, plant=False)
    records = {m: [dict(r) for r in rows] for m, rows in ds.records.items()}
    paid = next(
        m
        for m in records["account.move"]
        if m["payment_state"] == "paid"
        and m["move_type"] == "out_invoice"
        and m["invoice_date_due"] < "2026-09-01"
    )
    paid["payment_state"], paid["amount_residual"] = "not_paid", paid["amount_total"]
    quant = max(records["stock.quant"], key=lambda q: q["quantity"])
    quant["quantity"] *= 50
    found = keys(evaluate(records, "17", TODAY, "broad"))
    assert ("billing.overdue", "account.move", paid["id"]) in found
    assert ("inventory.overstock", "product.product", quant["product_id"]) in found
    assert ("billing.overdue", "account.move", paid["id"]) in keys(
        evaluate(records, "17", TODAY, "strict")
    )


def test_every_rule_has_a_reading() -> None:
    ds = demo.generate(7, 300, "17", TODAY)
    assert {f.rule for f in evaluate(ds.records, "17", TODAY, "strict")} == set(RULES)
    with pytest.raises(ValueError, match="reading must be"):
        evaluate(ds.records, "17", TODAY, "lenient")
