"""Users, passwords, API keys and the least-privilege bot (issue 2 item 3)."""

from __future__ import annotations

import pytest

from odoosim.exceptions import AccessError
from odoosim.orm import Database

ADMIN = 2


def test_authenticate_passwords_and_api_keys(orm_db: Database) -> None:
    db = orm_db
    assert db.authenticate("admin", "admin") == ADMIN
    assert db.authenticate("admin", "wrong") is False
    assert db.authenticate("nobody", "admin") is False
    assert db.authenticate("__system__", "") is False
    bot = db.bot_uid
    key = db.create_api_key(bot)
    assert len(key) == 40
    assert db.authenticate("svcsync-bot", key) == bot
    assert db.check_password(bot, key) is True
    assert db.check_password(ADMIN, key) is False
    assert db.uid_for_api_key(key) == bot
    assert db.uid_for_api_key("0" * 40) is None
    # an archived user's key stops working
    db.execute_kw(ADMIN, "res.users", "write", [[bot], {"active": False}])
    assert db.uid_for_api_key(key) is None
    assert db.authenticate("svcsync-bot", key) is False


def test_bot_reads_business_data_but_cannot_change_it(orm_db: Database) -> None:
    db = orm_db
    x = db.execute_kw
    bot = db.bot_uid
    pid = x(ADMIN, "res.partner", "create", [{"name": "Cust"}])
    so = x(ADMIN, "sale.order", "create", [{"partner_id": pid}])
    for model in (
        "res.partner",
        "sale.order",
        "account.move",
        "stock.picking",
        "repair.order",
        "product.product",
        "stock.quant",
    ):
        x(bot, model, "search_read", [[]], {"fields": ["display_name"], "limit": 1})
    with pytest.raises(
        AccessError, match=r"You are not allowed to create 'Sales Order' \(sale.order\) records."
    ):
        x(bot, "sale.order", "create", [{"partner_id": pid}])
    with pytest.raises(
        AccessError, match=r"You are not allowed to delete 'Contact' \(res.partner\) records"
    ):
        x(bot, "res.partner", "unlink", [[pid]])
    with pytest.raises(AccessError, match='fields "amount_total"'):
        x(bot, "sale.order", "write", [[so], {"amount_total": 1.0}])
    # flags on the plugin's x_ fields and partner tags are allowed
    tag = x(bot, "res.partner.category", "create", [{"name": "Service: at risk"}])
    assert x(bot, "res.partner", "write", [[pid], {"category_id": [[4, tag, 0]]}]) is True
    with pytest.raises(AccessError, match=r"'Fields' \(ir.model.fields\)"):
        x(bot, "ir.model.fields", "search_read", [[]], {"limit": 1})
    with pytest.raises(AccessError, match=r"'View' \(ir.ui.view\)"):
        x(bot, "ir.ui.view", "search", [[]])
    assert x(bot, "sale.order", "check_access_rights", ["write", False]) is True
    assert x(bot, "sale.order", "check_access_rights", ["create", False]) is False


def test_bot_writes_tickets_tasks_activities_and_draft_rfqs(orm_db: Database) -> None:
    x = orm_db.execute_kw
    bot = orm_db.bot_uid
    pid = x(ADMIN, "res.partner", "create", [{"name": "Vendor"}])
    ticket = x(
        bot,
        "helpdesk.ticket",
        "create",
        [{"name": "Late order", "description": "<p>late</p>", "partner_id": pid}],
    )
    row = x(bot, "helpdesk.ticket", "read", [[ticket], ["number", "stage_id", "display_name"]])[0]
    assert row["number"].startswith("HT") and row["stage_id"][1] == "New"
    assert isinstance(x(bot, "helpdesk.ticket", "message_post", [[ticket]], {"body": "note"}), int)
    x(bot, "project.task", "create", [{"name": "Check stock"}])
    rfq = x(
        bot,
        "purchase.order",
        "create",
        [
            {
                "partner_id": pid,
                "origin": "SYNC-1",
                "order_line": [[0, 0, {"name": "part", "product_qty": 5, "price_unit": 2.0}]],
            }
        ],
    )
    assert x(bot, "purchase.order", "read", [[rfq], ["state", "amount_total"]])[0] == {
        "id": rfq,
        "state": "draft",
        "amount_total": 10.0,
    }
    x(ADMIN, "purchase.order", "button_confirm", [[rfq]])
    with pytest.raises(AccessError, match="Due to security restrictions"):
        x(bot, "purchase.order", "write", [[rfq], {"origin": "x"}])
    with pytest.raises(AccessError, match="Due to security restrictions"):
        x(bot, "purchase.order", "create", [{"partner_id": pid, "state": "purchase"}])
    mine = x(
        bot,
        "ir.model.data",
        "create",
        [{"module": "svcsync", "name": "t1", "model": "helpdesk.ticket", "res_id": ticket}],
    )
    x(bot, "ir.model.data", "write", [[mine], {"noupdate": True}])
    admin_xmlid = x(
        ADMIN,
        "ir.model.data",
        "create",
        [{"module": "other", "name": "t2", "model": "helpdesk.ticket", "res_id": ticket}],
    )
    with pytest.raises(AccessError, match="own entries only"):
        x(bot, "ir.model.data", "unlink", [[admin_xmlid]])


def test_set_access_withdraws_one_right(orm_db: Database) -> None:
    x = orm_db.execute_kw
    bot = orm_db.bot_uid
    x(bot, "helpdesk.ticket", "search", [[]])
    orm_db.set_access("svcsync-bot", "helpdesk.ticket", "read", False)
    with pytest.raises(
        AccessError, match=r"You are not allowed to access 'Helpdesk Ticket' \(helpdesk.ticket\)"
    ):
        x(bot, "helpdesk.ticket", "search", [[]])
    orm_db.set_access("svcsync-bot", "helpdesk.ticket", "read", True)
    assert x(bot, "helpdesk.ticket", "search", [[]]) == []
    with pytest.raises(ValueError, match="no user with login"):
        orm_db.set_access("ghost", "helpdesk.ticket", "read", True)
