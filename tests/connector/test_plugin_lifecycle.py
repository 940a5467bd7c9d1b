"""The ERP plugin's life cycle over real HTTP on every version profile: install twice equals
install once; uninstall after a real sync cycle leaves no record the plugin made (activities of
its type closed, fields, views, type and tag gone); records that existed before the install are
adopted and survive uninstall untouched; install -> uninstall -> install -> uninstall works;
an interrupted install is finished, not adopted; Odoo's refusals are reported, not fatal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connector_helpers import settings_for

from connector import erp_plugin
from connector.client import MODULE, OdooClient
from connector.erp_plugin import ACTIVITY_ITEM, ACTIVITY_TYPE_NAME, TAG_ITEM, TAG_NAME

VERSIONS = ["16", "17", "18", "19"]
ALL = {"active_test": False}
# What the sync makes that is not part of the plugin (business records): uninstall keeps them.
BUSINESS = {"helpdesk.ticket", "project.task", "purchase.order", "purchase.order.line"}
STAGED = {
    ACTIVITY_ITEM: f"{ACTIVITY_TYPE_NAME} (svcsync install)",
    TAG_ITEM: f"{TAG_NAME} (svcsync install)",
}


@pytest.fixture(params=VERSIONS)
def sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    from odoosim import SimServer

    with SimServer(odoo_version=request.param, dataset="demo", orders=60, seed=7) as server:
        yield server


@pytest.fixture
def admin(sim: Any) -> Iterator[OdooClient]:
    with OdooClient(settings_for(sim, "jsonrpc", admin=True)) as client:
        client.connect()
        yield client


def _imd(admin: OdooClient) -> list[tuple[str, str, int, bool]]:
    rows = admin.search_read(
        "ir.model.data", [("module", "=", MODULE)], ["name", "model", "res_id", "noupdate"]
    )
    return sorted((r["name"], r["model"], r["res_id"], bool(r["noupdate"])) for r in rows)


def census(admin: OdooClient) -> dict[str, Any]:
    """The plugin's footprint, counted over RPC."""
    fields = admin.search_read(
        "ir.model.fields", [("name", "=like", "x_svc_%")], ["model", "name"], context=ALL
    )
    views = admin.search_read(
        "ir.ui.view",
        ["|", ("name", "=like", "svcsync.%"), ("arch_db", "ilike", "x_svc_")],
        ["name"],
        context=ALL,
    )
    return {
        "imd": _imd(admin),
        "fields": sorted((f["model"], f["name"]) for f in fields),
        "views": sorted((v["id"], v["name"]) for v in views),
        "types": admin.search_count(
            "mail.activity.type", [("name", "ilike", ACTIVITY_TYPE_NAME)], context=ALL
        ),
        "tags": admin.search_count(
            "res.partner.category", [("name", "ilike", TAG_NAME)], context=ALL
        ),
    }


def assert_gone(admin: OdooClient) -> None:
    """Nothing of the plugin is left: no external id of its own or of an activity, no x_svc
    field, no view showing one, no activity type or tag of its names."""
    left = census(admin)
    assert [row for row in left["imd"] if row[1] not in BUSINESS] == []
    assert left["fields"] == [] and left["views"] == []
    assert left["types"] == 0 and left["tags"] == 0
    for model in erp_plugin.MODELS:
        assert "x_svc_flag" not in admin.fields_get(model, ["type"])


def _sync(sim: Any, tmp_path: Path) -> dict[str, int]:
    """One real sync cycle as the bot (the push creates activities, flags and tags)."""
    from jobs.cycle import Tenant, run_cycle
    from jobs.state import open_store
    from service.config import RulesConfig
    from service.rules import build

    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        tenant = Tenant(
            name="main",
            connection=settings_for(sim, "jsonrpc", page_size=1000),
            rules=build(RulesConfig()),
        )
        report = run_cycle(tenant, store)
    finally:
        store.close()
    assert report.status == "ok", report
    return dict(report.push)


def _activity(admin: OdooClient, type_id: int, summary: str, xml: str | None = None) -> int:
    partner = admin.search("res.partner", [], order="id asc", limit=1)[0]
    values = {
        "res_model_id": admin.model_id("res.partner"),
        "res_id": partner,
        "activity_type_id": type_id,
        "summary": summary,
    }
    if xml is None:
        return admin.create("mail.activity", values)
    return admin.ensure("mail.activity", xml, values, marker=("summary", summary))[0]


def _type_id(admin: OdooClient) -> int:
    found = admin.find_external_id(ACTIVITY_ITEM)
    assert found is not None
    return found[1]


# --- install twice equals once ------------------------------------------------------------------


def test_install_twice_equals_install_once(admin: OdooClient) -> None:
    plugin = erp_plugin.ErpPlugin(admin)
    before = census(admin)
    assert before["imd"] == [] and before["fields"] == [] and before["views"] == []
    first = plugin.install()
    assert not first.kept and not first.adopted and first.notes == []
    assert len(first.created) == len(plugin.plan()) - len(first.skipped)
    once = census(admin)
    assert all(noupdate for *_, noupdate in once["imd"])  # all svcsync's own
    assert once["types"] == 1 and once["tags"] == 1 and len(once["fields"]) == 6
    # the staged names were replaced by the real ones
    assert admin.search_count("res.partner.category", [("name", "=", TAG_NAME)]) == 1
    assert admin.search_count("mail.activity.type", [("name", "=", ACTIVITY_TYPE_NAME)]) == 1
    second = plugin.install()
    assert second.created == [] and second.adopted == [] and second.notes == []
    assert sorted(second.kept) == sorted(first.created)
    assert census(admin) == once
    assert all(plugin.status().values()) or first.skipped


# --- uninstall after a real sync --------------------------------------------------------------


def test_uninstall_after_a_real_cycle_leaves_nothing_and_reinstall_works(
    sim: Any, admin: OdooClient, tmp_path: Path
) -> None:
    plugin = erp_plugin.ErpPlugin(admin)
    plugin.install()
    pushed = _sync(sim, tmp_path)
    assert pushed["created"] > 0, pushed
    type_id = _type_id(admin)
    tag = admin.find_external_id(TAG_ITEM)
    assert tag is not None
    ours = admin.search("mail.activity", [("activity_type_id", "=", type_id)], context=ALL)
    assert ours, "the cycle made no activity of the plugin's type"
    assert admin.search_count("res.partner", [("category_id", "in", [tag[1]])]) > 0
    flagged = {
        m: admin.search_count(m, [("x_svc_flag", "in", ["amber", "red"])])
        for m in erp_plugin.MODELS
    }
    assert sum(flagged.values()) > 0, flagged
    messages = admin.search_count("mail.message", [])

    report = plugin.uninstall()
    assert report.archived == [] and report.kept == [] and report.unbound == []
    assert report.activities_closed == len(ours), report.notes
    assert ACTIVITY_ITEM in report.removed and TAG_ITEM in report.removed
    assert_gone(admin)
    assert admin.search("mail.activity", [("id", "in", ours)], context=ALL) == []
    # closed as done, with the feedback, one "done" message on each document
    assert admin.search_count("mail.message", []) == messages + len(ours)
    done = admin.search_read("mail.message", [], ["body"], order="id desc", limit=len(ours))
    assert all("svcsync uninstalled" in str(m["body"]) for m in done)
    # the sync's business records and their external ids stay
    assert {row[1] for row in _imd(admin)} <= BUSINESS

    again = plugin.uninstall()
    assert again.removed == [] and again.activities_closed == 0
    assert sorted(again.absent) == sorted(i.name for i in plugin.plan())
    assert_gone(admin)

    # install -> uninstall -> install -> uninstall
    reinstalled = plugin.install()
    assert not reinstalled.kept and not reinstalled.adopted
    assert len(reinstalled.created) == len(plugin.plan()) - len(reinstalled.skipped)
    assert plugin.uninstall().removed
    assert_gone(admin)


# --- adoption -----------------------------------------------------------------------------------


def test_pre_existing_tag_and_type_are_adopted_and_survive_uninstall(admin: OdooClient) -> None:
    tag_id = admin.create("res.partner.category", {"name": TAG_NAME, "color": 5})
    partner = admin.search("res.partner", [], order="id asc", limit=1)[0]
    admin.write("res.partner", [partner], {"category_id": [[4, tag_id]]})
    type_id = admin.create(
        "mail.activity.type", {"name": ACTIVITY_TYPE_NAME, "summary": "our own type"}
    )
    tag_before = admin.read("res.partner.category", [tag_id], ["name", "color", "active"])
    type_before = admin.read("mail.activity.type", [type_id], ["name", "summary", "active"])
    plugin = erp_plugin.ErpPlugin(admin)

    first = plugin.install()
    assert sorted(first.adopted) == [ACTIVITY_ITEM, TAG_ITEM]
    assert ACTIVITY_ITEM not in first.created and TAG_ITEM not in first.created
    bound = {name: (model, rid, noupdate) for name, model, rid, noupdate in _imd(admin)}
    assert bound[TAG_ITEM] == ("res.partner.category", tag_id, False)
    assert bound[ACTIVITY_ITEM] == ("mail.activity.type", type_id, False)
    assert admin.search_count("res.partner.category", [("name", "ilike", TAG_NAME)]) == 1
    second = plugin.install()  # adopted records stay adopted and are not written to
    assert second.created == [] and second.adopted == []
    assert admin.read("res.partner.category", [tag_id], ["name", "color", "active"]) == tag_before

    # the sync uses the adopted type like its own; uninstall closes svcsync's activities on it
    mine = _activity(admin, type_id, "Late delivery [svc-test00000001]", xml="activity_main_t1")
    theirs = _activity(admin, type_id, "Call the customer")
    report = plugin.uninstall()
    assert sorted(report.unbound) == [ACTIVITY_ITEM, TAG_ITEM]
    assert ACTIVITY_ITEM not in report.removed and TAG_ITEM not in report.removed
    assert report.activities_closed == 1
    assert admin.search("mail.activity", [("id", "in", [mine, theirs])]) == [theirs]
    assert admin.read("res.partner.category", [tag_id], ["name", "color", "active"]) == tag_before
    assert admin.read("mail.activity.type", [type_id], ["name", "summary", "active"]) == type_before
    assert tag_id in admin.read("res.partner", [partner], ["category_id"])[0]["category_id"]
    assert _imd(admin) == []
    left = census(admin)
    assert left["fields"] == [] and left["views"] == []


# --- activities svcsync did not make ------------------------------------------------------------


def test_foreign_activity_archives_the_type_until_it_is_done(admin: OdooClient) -> None:
    plugin = erp_plugin.ErpPlugin(admin)
    plugin.install()
    type_id = _type_id(admin)
    mine = _activity(admin, type_id, "Overdue invoice [svc-test00000002]", xml="activity_main_t2")
    theirs = _activity(admin, type_id, "Follow up by hand")

    report = plugin.uninstall()
    assert report.archived == [ACTIVITY_ITEM] and report.activities_closed == 1
    assert any("1 activities svcsync did not make" in n for n in report.notes), report.notes
    assert admin.search("mail.activity", [("id", "in", [mine, theirs])], context=ALL) == [theirs]
    (row,) = admin.read("mail.activity.type", [type_id], ["active"])
    assert row["active"] is False
    # only the archived type (still svcsync's, so bound) is left
    assert [(n, m) for n, m, *_ in _imd(admin)] == [(ACTIVITY_ITEM, "mail.activity.type")]
    left = census(admin)
    assert left["fields"] == [] and left["views"] == [] and left["tags"] == 0

    again = plugin.uninstall()  # idempotent: same answer, nothing else touched
    assert again.archived == [ACTIVITY_ITEM] and again.removed == []
    assert admin.search("mail.activity", [("id", "=", theirs)]) == [theirs]

    reinstalled = plugin.install()  # a later install makes the type active again
    assert ACTIVITY_ITEM in reinstalled.kept
    assert admin.read("mail.activity.type", [type_id], ["active"])[0]["active"] is True
    assert census(admin)["types"] == 1

    admin.activity_done([theirs], feedback="done by hand")
    admin.unlink("mail.activity", admin.search("mail.activity", [("id", "=", theirs)], context=ALL))
    final = plugin.uninstall()
    assert ACTIVITY_ITEM in final.removed and final.archived == []
    assert_gone(admin)


# --- interrupted installs and Odoo's refusals ---------------------------------------------------


def test_an_interrupted_install_is_finished_not_adopted(admin: OdooClient) -> None:
    """Records an install created but never bound (a crash in between) are svcsync's own."""
    plugin = erp_plugin.ErpPlugin(admin)
    plan = {item.name: item for item in plugin.plan()}
    staged_tag = admin.create("res.partner.category", {"name": STAGED[TAG_ITEM]})
    flag_item = plan["field_res_partner__x_svc_flag"]
    values = flag_item.values()
    assert values is not None
    flag = admin.create("ir.model.fields", values)

    report = plugin.install()
    assert report.adopted == []
    assert TAG_ITEM in report.created and "field_res_partner__x_svc_flag" in report.created
    bound = {name: (rid, noupdate) for name, _, rid, noupdate in _imd(admin)}
    assert bound[TAG_ITEM] == (staged_tag, True)
    assert bound["field_res_partner__x_svc_flag"] == (flag, True)
    assert admin.read("res.partner.category", [staged_tag], ["name"])[0]["name"] == TAG_NAME
    assert census(admin)["tags"] == 1

    # an orphan of an interrupted install is removed by uninstall too
    plugin.uninstall()
    orphan_tag = admin.create("res.partner.category", {"name": STAGED[TAG_ITEM]})
    orphan_flag = admin.create("ir.model.fields", values)
    report = plugin.uninstall()
    assert TAG_ITEM in report.removed and "field_res_partner__x_svc_flag" in report.removed
    assert admin.search("res.partner.category", [("id", "=", orphan_tag)], context=ALL) == []
    assert admin.search("ir.model.fields", [("id", "=", orphan_flag)]) == []
    assert_gone(admin)


def test_a_field_shown_by_someone_elses_view_is_reported_not_fatal(admin: OdooClient) -> None:
    plugin = erp_plugin.ErpPlugin(admin)
    plugin.install()
    parent = plugin.parent_view("res.partner", "form")
    assert parent is not None
    theirs = admin.create(
        "ir.ui.view",
        {
            "name": "my.partner.flag",
            "model": "res.partner",
            "inherit_id": parent,
            "arch": erp_plugin.form_arch("res.partner", admin.version_major),
        },
    )
    report = plugin.uninstall()
    assert sorted(report.kept) == [
        "field_res_partner__x_svc_flag",
        "field_res_partner__x_svc_reason",
    ]
    assert any("my.partner.flag" in n for n in report.notes), report.notes
    # everything else is gone; svcsync's own views went before its fields
    assert admin.search_count("ir.ui.view", [("name", "=like", "svcsync.%")], context=ALL) == 0
    assert "x_svc_flag" not in admin.fields_get("sale.order", ["type"])
    assert "x_svc_flag" in admin.fields_get("res.partner", ["type"])

    admin.unlink("ir.ui.view", [theirs])
    report = plugin.uninstall()
    assert sorted(report.removed) == [
        "field_res_partner__x_svc_flag",
        "field_res_partner__x_svc_reason",
    ]
    assert_gone(admin)
