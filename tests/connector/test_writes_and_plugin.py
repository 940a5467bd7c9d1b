"""Writes, ``ensure`` (repeat and crash), streaming at scale, and the ERP plugin — over HTTP."""

from __future__ import annotations

import gc
import time
import tracemalloc
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from connector_helpers import client_for

from connector import erp_plugin
from connector.client import MODULE, OdooClient
from connector.errors import TransientError


def _imd(admin: OdooClient, **where: Any) -> list[dict[str, Any]]:
    domain = [("module", "=", MODULE), *[(k, "=", v) for k, v in where.items()]]
    return admin.search_read("ir.model.data", domain, ["name", "model", "res_id"])


# --- writes --------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_create_write_message_post(sim17: Any, protocol: str) -> None:
    with client_for(sim17, protocol, admin=True) as admin:
        admin.connect()
        one = admin.create("res.partner.category", {"name": f"w-{protocol}-1"})
        many = admin.create(
            "res.partner.category", [{"name": f"w-{protocol}-2"}, {"name": f"w-{protocol}-3"}]
        )
        assert isinstance(one, int) and len(many) == 2
        assert admin.write("res.partner.category", [one], {"name": f"w-{protocol}-1b"})
        assert admin.read("res.partner.category", [one], ["name"])[0]["name"] == f"w-{protocol}-1b"
        partner = admin.search("res.partner", [], limit=1)[0]
        msg = admin.message_post("res.partner", partner, "<p>checked by svcsync</p>")
        assert isinstance(msg, int) and msg > 0
        assert admin.unlink("res.partner.category", [one, *many])
        assert admin.read("res.partner.category", [one], ["name"]) == []


def test_order_with_lines_in_one_call(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc", admin=True) as admin:
        admin.connect()
        partner = admin.search("res.partner", [("is_company", "=", True)], limit=1)[0]
        product = admin.search("product.product", [], limit=1)[0]
        sim17.stats.reset()
        order = admin.create(
            "purchase.order",
            {
                "partner_id": partner,
                "origin": "svcsync-test-rfq",
                "order_line": [
                    [0, 0, {"product_id": product, "product_qty": 3, "price_unit": 2.5}]
                ],
            },
        )
        assert sim17.stats.count(method="create") == 1
        lines = admin.search_read(
            "purchase.order.line", [("order_id", "=", order)], ["product_qty"]
        )
        assert [line["product_qty"] for line in lines] == [3.0]


# --- ensure --------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_ensure_twice_makes_one_record(sim17: Any, protocol: str) -> None:
    name = f"tag_twice_{protocol}"
    with client_for(sim17, protocol) as bot:
        bot.connect()
        first = bot.ensure("res.partner.category", name, {"name": f"Twice {protocol}"})
        second = bot.ensure("res.partner.category", name, {"name": f"Twice {protocol}"})
        assert first[1] is True and second == (first[0], False)
        assert bot.search("res.partner.category", [("name", "=", f"Twice {protocol}")]) == [
            first[0]
        ]
        assert len(_imd(bot, name=name)) == 1


def test_ensure_after_a_crash_between_create_and_external_id(sim17: Any) -> None:
    """The external-id create fails (connection reset) after the record was created."""
    token = "svcsync:ticket:crash-1"
    values = {"name": "Late order S00042", "description": f"<p>late</p><p>{token}</p>"}
    with client_for(sim17, "jsonrpc") as bot:
        caps = bot.connect()
        model = caps.ticket_model
        assert model is not None
        if model == "project.task":
            values["project_id"] = bot.search("project.project", [], limit=1)[0]
        sim17.faults.update(reset_count=1, models=["ir.model.data"], methods=["create"])
        try:
            with pytest.raises(TransientError):
                bot.ensure(model, "ticket_crash_1", values, marker=("description", token))
        finally:
            sim17.faults.clear()
        assert len(bot.search(model, [("description", "ilike", token)])) == 1
        assert _imd(bot, name="ticket_crash_1") == []
        # the restarted run: recovers the record by its marker instead of creating another
        rid, created = bot.ensure(model, "ticket_crash_1", values, marker=("description", token))
        again = bot.ensure(model, "ticket_crash_1", values, marker=("description", token))
        assert created is False and again == (rid, False)
        assert bot.search(model, [("description", "ilike", token)]) == [rid]
        assert [r["res_id"] for r in _imd(bot, name="ticket_crash_1")] == [rid]


def test_ensure_recreates_when_the_bound_record_was_deleted(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc", admin=True) as admin:
        admin.connect()
        rid, _ = admin.ensure("res.partner.category", "tag_deleted", {"name": "Deleted tag"})
        admin.unlink("res.partner.category", [rid])
        new, created = admin.ensure("res.partner.category", "tag_deleted", {"name": "Deleted tag"})
        assert created and new != rid
        assert [r["res_id"] for r in _imd(admin, name="tag_deleted")] == [new]


def test_marker_in_takes_whole_delimited_words_only() -> None:
    from connector.client import marker_in

    text = "<p>late</p><p><small>svcsync finding orders.late:sale.order:12 [svc-0a1b]</small></p>"
    assert marker_in(text, "svcsync finding orders.late:sale.order:12")
    assert not marker_in(text, "svcsync finding orders.late:sale.order:1")
    assert not marker_in(text + "x:1:2026-01", "x:1")
    assert marker_in(text, "[svc-0a1b]") and not marker_in(text, "[svc-0a1]")
    assert not marker_in(None, "x") and not marker_in(text, "")


def _ticket_values(bot: OdooClient, text: str) -> dict[str, Any]:
    values: dict[str, Any] = {"name": text[:40], "description": f"<p>{text}</p>"}
    if bot.capabilities.ticket_model == "project.task":
        values["project_id"] = bot.search("project.project", [], limit=1)[0]
    return values


def test_ensure_never_recovers_a_record_whose_marker_only_starts_with_the_token(
    sim17: Any,
) -> None:
    """``ilike`` on ``finding x:1`` also hits ``finding x:12``: that record is not ours."""
    with client_for(sim17, "jsonrpc") as bot:
        model = bot.connect().ticket_model
        assert model is not None
        long_values = _ticket_values(bot, "svcsync finding prefix.rule:m:12")
        twelve, _ = bot.ensure(
            model, "ticket_prefix_12", long_values, marker=("description", "prefix.rule:m:12")
        )
        short_values = _ticket_values(bot, "svcsync finding prefix.rule:m:1")
        one, created = bot.ensure(
            model, "ticket_prefix_1", short_values, marker=("description", "prefix.rule:m:1")
        )
        assert created and one != twelve
        (row,) = bot.read(model, [twelve], ["description"])
        assert "prefix.rule:m:12" in row["description"]
        with pytest.raises(ValueError, match="whole word"):
            bot.ensure(model, "ticket_prefix_x", short_values, marker=("description", "m:"))


def test_ensure_many_creates_a_batch_in_four_calls_and_recovers_a_crash(sim17: Any) -> None:
    with client_for(sim17, "jsonrpc") as bot:
        model = bot.connect().ticket_model
        assert model is not None
        items = [
            (f"ticket_many_{i}", _ticket_values(bot, f"many [svc-many{i:02d}]"), None)
            for i in range(12)
        ]
        items = [(x, v, ("description", f"[svc-many{i:02d}]")) for i, (x, v, _) in enumerate(items)]
        # The external ids' create fails after the records were created (a crash between).
        sim17.faults.update(reset_count=1, models=["ir.model.data"], methods=["create"])
        sim17.stats.reset()
        try:
            with pytest.raises(TransientError):
                bot.ensure_many(model, items[:10])
        finally:
            sim17.faults.clear()
        assert sim17.stats.count(method="create", model=model) == 1
        assert sim17.stats.count(method="search_read") == 2  # external ids, then markers
        assert len(bot.search(model, [("description", "ilike", "[svc-many")])) == 10
        assert _imd(bot, name="ticket_many_0") == []
        # The next run binds the ten by their markers and creates the two new ones in one call.
        sim17.stats.reset()
        result = bot.ensure_many(model, items, update=False)
        assert [created for _, created in result] == [False] * 10 + [True] * 2
        assert sim17.stats.count(method="create", model=model) == 1
        assert sim17.stats.count(method="create", model="ir.model.data") == 1
        assert sim17.stats.count() == 4
        ids = bot.search(model, [("description", "ilike", "[svc-many")], order="id asc")
        assert [rid for rid, _ in result] == ids
        for (xml, values, _), (rid, _) in zip(items, result, strict=True):
            assert [r["res_id"] for r in _imd(bot, name=xml)] == [rid]
            assert (
                bot.read(model, [rid], ["description"])[0]["description"] == values["description"]
            )
        # Again: all bound, nothing created; updates are one write per record.
        sim17.stats.reset()
        again = bot.ensure_many(model, items)
        assert again == [(rid, False) for rid, _ in result]
        assert sim17.stats.count(method="create") == 0
        assert sim17.stats.count(method="write", model=model) == 12


# --- streaming at scale ------------------------------------------------------------------------


def _stream_peak(client: OdooClient, domain: list[Any]) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    try:
        count = 0
        for page in client.stream("res.partner", domain, ["name"], page_size=1000):
            count += len(page)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_20000_records_in_20_or_21_calls_with_flat_memory() -> None:
    from odoosim import SimServer

    with SimServer(odoo_version="17", dataset="empty") as sim:
        with client_for(sim, "jsonrpc", admin=True) as admin:
            admin.connect()
            for start in range(0, 20_000, 5_000):
                admin.create(
                    "res.partner", [{"name": f"bulk-{i:05d}"} for i in range(start, start + 5_000)]
                )
        with client_for(sim, "jsonrpc") as bot:
            bot.connect()
            sim.stats.reset()
            count, peak_all = _stream_peak(bot, [("name", "=like", "bulk-%")])
            calls = sim.stats.count(method="search_read", model="res.partner")
            assert count == 20_000
            assert calls in (20, 21)
            small, peak_small = _stream_peak(bot, [("name", "=like", "bulk-0%")])
            assert small == 10_000
            # Holding one page at a time: 2x the rows must not mean (nearly) 2x the memory.
            assert peak_all < peak_small * 1.3, (peak_all, peak_small)


# --- ERP plugin ----------------------------------------------------------------------------


def _matches(arch: str, xpath: str) -> bool:
    """Does ``xpath`` (absolute ``//tag[@a='v']`` form) match a node of ``arch``?"""
    wrapper = ET.Element("wrapper")
    wrapper.append(ET.fromstring(arch))
    return wrapper.find("." + xpath) is not None


@pytest.mark.parametrize("version", ["16", "17", "18", "19"])
def test_plugin_install_twice_equals_once_and_uninstall_leaves_nothing(version: str) -> None:
    from odoosim import SimServer

    with SimServer(odoo_version=version, dataset="demo", orders=30, seed=1) as sim:  # noqa: SIM117
        with client_for(sim, "jsonrpc", admin=True) as admin:
            admin.connect()
            plugin = erp_plugin.ErpPlugin(admin)
            # the generated xpaths match the standard views this server serves
            missing = []
            for model in erp_plugin.MODELS:
                xpaths = erp_plugin.view_xpaths(model, int(version))
                for kind in ("form", "tree", "search"):
                    view_id = plugin.parent_view(model, kind)
                    if view_id is None:
                        missing.append(f"view_{model.replace('.', '_')}_{kind}")
                        continue
                    arch = admin.read("ir.ui.view", [view_id], ["arch"])[0]["arch"]
                    assert _matches(arch, xpaths[kind]), (model, kind, xpaths[kind])
            # odoosim serves no sale.order search view; every other view must be there
            assert missing in ([], ["view_sale_order_search"])
            first = plugin.install()
            assert first.skipped == missing
            assert len(first.created) == len(plugin.plan()) - len(missing) and not first.kept
            after_first = sorted((r["name"], r["res_id"]) for r in _imd(admin))
            second = plugin.install()
            assert not second.created and second.kept == first.created
            assert sorted((r["name"], r["res_id"]) for r in _imd(admin)) == after_first
            # the field works on every model and the views are in place
            fields = admin.fields_get("res.partner", ["type", "selection"])
            assert [k for k, _ in fields["x_svc_flag"]["selection"]] == ["green", "amber", "red"]
            for model in erp_plugin.MODELS:
                rid = admin.search(model, [], limit=1)[0]
                admin.write(model, [rid], {"x_svc_flag": "red", "x_svc_reason": "test"})
                assert admin.read(model, [rid], ["x_svc_flag"])[0]["x_svc_flag"] == "red"
            tag = "list" if int(version) >= 18 else "tree"
            archs = admin.search_read("ir.ui.view", [("name", "=like", "svcsync.%")], ["arch"])
            assert len(archs) == 9 - len(missing) and any(f"//{tag}" in v["arch"] for v in archs)
            removed = plugin.uninstall()
            assert sorted(removed.removed) == sorted(first.created)
            assert _imd(admin) == []
            assert "x_svc_flag" not in admin.fields_get("res.partner", ["type"])
            assert admin.search_read("ir.ui.view", [("name", "=like", "svcsync.%")], ["id"]) == []
            assert plugin.uninstall().absent  # uninstall twice is harmless


def test_ensure_after_the_external_id_answer_was_lost(sim17: Any) -> None:
    """The external-id create hangs past the read timeout (its outcome unknown to us)."""
    token = "svcsync:tag:lost-answer"
    values = {"name": token}
    with client_for(sim17, "xmlrpc", read_timeout=1.0) as bot:
        bot.connect()
        sim17.faults.update(
            hang_seconds=2, hang_count=1, models=["ir.model.data"], methods=["create"]
        )
        try:
            with pytest.raises(TransientError, match="not retried"):
                bot.ensure("res.partner.category", "tag_lost_answer", values)
        finally:
            sim17.faults.clear()
        time.sleep(1.5)  # let the server finish (or drop) the hung call
        rid, created = bot.ensure("res.partner.category", "tag_lost_answer", values)
        assert created is False
        assert bot.search("res.partner.category", [("name", "=", token)]) == [rid]
        assert [r["res_id"] for r in _imd(bot, name="tag_lost_answer")] == [rid]


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_activity_create_and_done(sim17: Any, protocol: str) -> None:
    with client_for(sim17, protocol) as bot:
        bot.connect()
        partner = bot.search("res.partner", [], limit=1)[0]
        activity_type = bot.search("mail.activity.type", [], limit=1)[0]
        activity = bot.create(
            "mail.activity",
            {
                "res_model_id": bot.model_id("res.partner"),
                "res_id": partner,
                "activity_type_id": activity_type,
                "summary": "svcsync: overdue invoice",
                "date_deadline": "2026-12-01",
                "user_id": bot.uid,
            },
        )
        assert bot.search("mail.activity", [("id", "=", activity)]) == [activity]
        bot.activity_done([activity, 999_999], feedback="resolved by svcsync")
        assert bot.search("mail.activity", [("id", "=", activity)]) == []
        bot.activity_done([activity])  # already done: nothing to do, no error
