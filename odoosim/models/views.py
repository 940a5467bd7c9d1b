"""Standard views every database has, with the real anchor nodes of ``odoo-protocol.md`` §7.2.

Only what extensions hook on is reproduced (field names, named groups and pages, the list
tag of the version: ``<tree>`` up to 17, ``<list>`` from 18).

The search views keep the real nodes in their real order, per version (``odoo/odoo``:
``addons/sale/views/sale_order_views.xml``, ``addons/account/views/account_move_views.xml``,
``odoo/addons/base/views/res_partner_views.xml``): every named ``<filter>``, the group-by
``<group>`` (``expand="0" string="Group By"`` up to 17, a bare ``<group>`` from 18 for sale and
account), the ``<separator/>`` nodes.  ``<field>`` nodes are kept when odoosim has the field
(the activity mixin fields ``activity_user_id`` / ``activity_type_id`` are not modelled).
Filters that real Odoo adds in *other* views are left out of the base view on purpose: "To
Invoice" lives in ``sale.sale_order_view_search_inherit_sale``, not in
``sale.view_sales_order_filter``, so an xpath on it must fail here as it fails there.
"""

from __future__ import annotations


def standard_views(version: int, apps: frozenset[str]) -> list[tuple[str, str, str, str]]:
    """``[(xml id, model, name, arch)]`` for the installed apps."""
    lst = "tree" if version <= 17 else "list"
    views = [
        (
            "base.view_partner_form",
            "res.partner",
            "res.partner.form",
            """<form string="Partners">
  <sheet>
    <div class="oe_title"><field name="is_company" invisible="1"/><h1><field name="name"/></h1></div>
    <group>
      <group name="address"><field name="street"/><field name="city"/><field name="zip"/><field name="country_id"/><field name="vat"/></group>
      <group name="contact"><field name="phone"/><field name="email"/><field name="category_id" widget="many2many_tags"/></group>
    </group>
    <notebook colspan="4">
      <page string="Contacts &amp; Addresses" name="contact_addresses"><field name="child_ids"/></page>
      <page name="internal_notes" string="Internal Notes"><field name="comment"/></page>
    </notebook>
  </sheet>
</form>""",
        ),
        (
            "base.view_partner_tree",
            "res.partner",
            "res.partner.tree",
            f"""<{lst} string="Contacts"><field name="complete_name"/><field name="phone"/><field name="email"/><field name="city"/><field name="country_id"/><field name="company_id"/></{lst}>""",
        ),
        (
            "base.view_res_partner_filter",
            "res.partner",
            "res.partner.select",
            _partner_search(version),
        ),
    ]
    if "sale" in apps:
        order_line_list = (
            f'<{lst} string="Sales Order Lines" editable="bottom"><field name="sequence" widget="handle"/>'
            '<field name="product_id"/><field name="name"/><field name="product_uom_qty"/>'
            '<field name="qty_delivered"/><field name="qty_invoiced"/><field name="price_unit"/>'
            f'<field name="price_subtotal"/></{lst}>'
        )
        views += [
            (
                "sale.view_order_form",
                "sale.order",
                "sale.order.form",
                f"""<form string="Sales Order" class="o_sale_order">
  <header><field name="state" widget="statusbar" statusbar_visible="draft,sent,sale"/></header>
  <sheet>
    <div class="oe_title"><h1><field name="name" readonly="1"/></h1></div>
    <group name="sale_header">
      <group name="partner_details">
        <field name="partner_id" widget="res_partner_many2one"/>
        <field name="partner_invoice_id"/>
        <field name="partner_shipping_id"/>
      </group>
      <group name="order_details">
        <field name="validity_date"/>
        <field name="date_order"/>
        <field name="payment_term_id"/>
      </group>
    </group>
    <notebook>
      <page string="Order Lines" name="order_lines">
        <field name="order_line" widget="section_and_note_one2many" mode="{lst},kanban">{order_line_list}</field>
        <group name="note_group" col="6"><field name="note" nolabel="1"/><field name="amount_total"/></group>
      </page>
      <page string="Other Info" name="other_information">
        <group><group name="sales_person" string="Sales"><field name="user_id"/><field name="client_order_ref"/></group>
        <group name="sale_shipping" string="Delivery"><field name="commitment_date"/></group></group>
      </page>
    </notebook>
  </sheet>
</form>""",
            ),
            (
                "sale.view_quotation_tree",
                "sale.order",
                "sale.order.tree",
                f"""<{lst} string="Quotation" sample="1"><field name="name" string="Number" readonly="1"/><field name="date_order"/><field name="partner_id" readonly="1"/><field name="user_id"/><field name="amount_total" sum="Total Tax Included" widget="monetary"/><field name="state"/></{lst}>""",
            ),
            (
                "sale.view_order_tree",
                "sale.order",
                "sale.order.tree",
                f"""<{lst} string="Sales Orders" sample="1"><field name="name" string="Number" readonly="1"/><field name="date_order" string="Order Date"/><field name="commitment_date"/><field name="partner_id" readonly="1"/><field name="user_id"/><field name="amount_total" sum="Total Tax Included" widget="monetary"/><field name="invoice_status"/><field name="state" invisible="1"/></{lst}>""",
            ),
            (
                "sale.view_sales_order_filter",
                "sale.order",
                "sale.order.list.select",
                _sale_search(version),
            ),
        ]
    if "account" in apps:
        views += [
            (
                "account.view_move_form",
                "account.move",
                "account.move.form",
                f"""<form string="Account Entry">
  <header><field name="state" widget="statusbar" statusbar_visible="draft,posted"/></header>
  <sheet>
    <div class="oe_title"><h1><field name="name"/></h1></div>
    <group>
      <group id="header_left_group">
        <field name="partner_id"/>
        <field name="ref"/>
        <field name="payment_reference"/>
      </group>
      <group id="header_right_group">
        <field name="invoice_date"/>
        <field name="date"/>
        <field name="invoice_date_due"/>
        <field name="journal_id"/>
      </group>
    </group>
    <notebook>
      <page id="invoice_tab" name="invoice_tab" string="Invoice Lines">
        <field name="invoice_line_ids"><{lst}><field name="product_id"/><field name="name"/><field name="quantity"/><field name="price_unit"/><field name="price_subtotal"/></{lst}></field>
        <group><field name="amount_untaxed"/><field name="amount_total"/><field name="amount_residual"/></group>
      </page>
      <page id="other_tab" name="other_tab" string="Other Info">
        <group><field name="invoice_origin"/><field name="invoice_user_id"/></group>
      </page>
    </notebook>
  </sheet>
</form>""",
            ),
            (
                "account.view_invoice_tree",
                "account.move",
                "account.invoice.tree",
                f"""<{lst} string="Invoices" sample="1"><field name="name"/><field name="partner_id"/><field name="invoice_date"/><field name="invoice_date_due"/><field name="invoice_origin"/><field name="amount_untaxed"/><field name="amount_total"/><field name="amount_residual"/><field name="payment_state"/><field name="state"/><field name="move_type" invisible="1"/></{lst}>""",
            ),
            (
                "account.view_account_invoice_filter",
                "account.move",
                "account.invoice.select",
                _invoice_search(version),
            ),
        ]
    return views


_ACTIVITY_FILTERS = """
  <filter invisible="1" string="Late Activities" name="activities_overdue" domain="[('my_activity_date_deadline', '&lt;', 'today')]" help="Show all records whose next activity date is past"/>
  <filter invisible="1" string="Today Activities" name="activities_today" domain="[('my_activity_date_deadline', '=', 'today')]"/>
  <filter invisible="1" string="Future Activities" name="activities_upcoming_all" domain="[('my_activity_date_deadline', '&gt;', 'today')]"/>"""

_MY_ACTIVITIES = """
  <filter invisible="1" string="My Activities" name="filter_activities_my" domain="[('activity_user_id', '=', uid)]"/>"""


def _group_open(version: int) -> str:
    return '<group expand="0" string="Group By">' if version <= 17 else "<group>"


def _partner_search(version: int) -> str:
    """``base.view_res_partner_filter`` (16 text; the named nodes are the same up to 19)."""
    phone = (
        "['|', ('phone', 'ilike', self), ('mobile', 'ilike', self)]"
        if version <= 18
        else "[('phone', 'ilike', self)]"
    )
    return f"""<search string="Search Partner">
  <field name="name" filter_domain="['|', '|', ('complete_name', 'ilike', self), ('ref', '=', self), ('email', 'ilike', self)]"/>
  <field name="parent_id" domain="[('is_company', '=', True)]" operator="child_of"/>
  <field name="email" filter_domain="[('email', 'ilike', self)]"/>
  <field name="phone" filter_domain="{phone}"/>
  <field name="category_id" string="Tag" filter_domain="[('category_id', 'child_of', self)]"/>
  <field name="user_id"/>
  <separator/>
  <filter string="Individuals" name="type_person" domain="[('is_company', '=', False)]"/>
  <filter string="Companies" name="type_company" domain="[('is_company', '=', True)]"/>
  <separator/>
  <filter string="Archived" name="inactive" domain="[('active', '=', False)]"/>
  <separator/>
  <group expand="0" name="group_by" string="Group By">
    <filter name="salesperson" string="Salesperson" domain="[]" context="{{'group_by' : 'user_id'}}"/>
    <filter name="group_company" string="Company" context="{{'group_by': 'parent_id'}}"/>
    <filter name="group_country" string="Country" context="{{'group_by': 'country_id'}}"/>
  </group>
</search>"""


def _sale_search(version: int) -> str:
    """``sale.view_sales_order_filter``: 18/19 from the source; 16/17 differ in the group tag
    and in the order of "My Orders" and the activity filters."""
    my_orders = (
        "\n  <filter string=\"My Orders\" domain=\"[('user_id', '=', uid)]\" "
        'name="my_sale_orders_filter"/>'
    )
    if version <= 17:
        filters = my_orders + _MY_ACTIVITIES + '\n  <separator invisible="1"/>' + _ACTIVITY_FILTERS
    else:
        filters = _MY_ACTIVITIES + '\n  <separator invisible="1"/>' + my_orders + _ACTIVITY_FILTERS
    payment = (
        '\n    <filter name="preferred_payment_method_line_groupby" string="Payment Method" '
        "context=\"{'group_by': 'preferred_payment_method_line_id'}\"/>"
        if version >= 19
        else ""
    )
    return f"""<search string="Search Sales Order">
  <field name="name" string="Order" filter_domain="['|', '|', ('name', 'ilike', self), ('client_order_ref', 'ilike', self), ('partner_id', 'child_of', self)]"/>
  <field name="partner_id" operator="child_of"/>
  <field name="user_id"/>
  <field name="team_id" string="Sales Team"/>
  <field name="order_line" string="Product" filter_domain="[('order_line.product_id', 'ilike', self)]"/>{filters}
  {_group_open(version)}
    <filter name="salesperson" string="Salesperson" domain="[]" context="{{'group_by': 'user_id'}}"/>
    <filter name="customer" string="Customer" domain="[]" context="{{'group_by': 'partner_id'}}"/>
    <filter name="order_month" string="Order Date" domain="[]" context="{{'group_by': 'date_order'}}"/>{payment}
  </group>
</search>"""


def _invoice_search(version: int) -> str:
    """``account.view_account_invoice_filter`` (19 from the source; 16-18 by their fields:
    ``to_check`` is a boolean up to 17, ``checked`` in 18, ``review_state`` in 19)."""
    if version <= 17:
        to_check = "[('to_check', '=', True)]"
    elif version == 18:
        to_check = "[('checked', '=', False)]"
    else:
        to_check = "[('review_state', 'in', ('todo', 'anomaly'))]"
    return f"""<search string="Search Invoice">
  <field name="name" string="Invoice" filter_domain="['|', '|', '|', '|', ('name', 'ilike', self), ('invoice_origin', 'ilike', self), ('ref', 'ilike', self), ('payment_reference', 'ilike', self), ('partner_id', 'child_of', self)]"/>
  <field name="journal_id"/>
  <field name="partner_id" operator="child_of"/>
  <field name="invoice_user_id" string="Salesperson" domain="[('share', '=', False)]"/>
  <field name="date" string="Period"/>
  <field name="line_ids" string="Invoice Line"/>
  <filter domain="[('invoice_user_id', '=', uid)]" name="myinvoices" help="My Invoices"/>
  <separator/>
  <filter name="draft" string="Draft" domain="[('state', '=', 'draft')]"/>
  <filter name="posted" string="Posted" domain="[('state', '=', 'posted')]"/>
  <filter name="cancel" string="Cancelled" domain="[('state', '=', 'cancel')]"/>
  <separator/>
  <filter name="out_invoice" string="Invoices" domain="[('move_type', '=', 'out_invoice')]"/>
  <filter name="out_receipt" string="Receipts" domain="[('move_type', '=', 'out_receipt')]"/>
  <filter name="out_refund" string="Credit Notes" domain="[('move_type', '=', 'out_refund')]"/>
  <separator/>
  <filter string="To Review" name="to_check" domain="{to_check}"/>
  <separator/>
  <filter name="open" string="To pay" domain="[('state', '!=', 'cancel'), ('payment_state', 'in', ('not_paid', 'partial')), ('move_type', '!=', 'entry')]"/>
  <filter name="in_payment" string="In payment" domain="[('state', '=', 'posted'), ('payment_state', '=', 'in_payment')]"/>
  <filter name="late" string="Overdue" domain="[('invoice_date_due', '&lt;', 'today'), ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial')), ('move_type', '!=', 'entry')]" help="Overdue invoices, maturity date passed"/>
  <separator/>
  <filter name="invoice_date" string="Invoice Date" date="invoice_date"/>
  <filter name="date" string="Accounting Date" date="date"/>
  <filter name="due_date" string="Due Date" date="invoice_date_due"/>
  <separator/>{_MY_ACTIVITIES}
  <separator invisible="1"/>{_ACTIVITY_FILTERS}
  {_group_open(version)}
    <filter string="Salesperson" name="salesperson" context="{{'group_by': 'invoice_user_id'}}"/>
    <filter string="Partner" name="partner" context="{{'group_by': 'partner_id'}}"/>
    <filter name="status" string="Status" context="{{'group_by': 'state'}}"/>
    <filter string="Journal" name="groupy_by_journal" domain="[]" context="{{'group_by': 'journal_id'}}"/>
    <filter string="Company" name="group_by_company" context="{{'group_by': 'company_id'}}"/>
    <separator/>
    <filter string="Invoice Date" name="invoicedate" context="{{'group_by': 'invoice_date'}}"/>
    <filter string="Due Date" name="duedate" context="{{'group_by': 'invoice_date_due'}}"/>
  </group>
</search>"""
