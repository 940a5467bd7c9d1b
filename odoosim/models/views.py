"""Standard views every database has, with the real anchor nodes of ``odoo-protocol.md`` §7.2.

Only what extensions hook on is reproduced (field names, named groups and pages, the list
tag of the version: ``<tree>`` up to 17, ``<list>`` from 18).

The search views keep the real nodes in their real order, per version (``odoo/odoo``:
``addons/sale/views/sale_order_views.xml``, ``addons/account/views/account_move_views.xml``,
``odoo/addons/base/views/res_partner_views.xml``): every named ``<filter>``, the group-by
``<group>`` (``expand="0" string="Group By"`` up to 18, a bare ``<group>`` in 19 for sale and
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


# 16-18 text of the three activity filters (date computed client-side with ``context_today()``)
_ACTIVITY_FILTERS_OLD = """
  <filter invisible="1" string="Late Activities" name="activities_overdue" domain="[('my_activity_date_deadline', '&lt;', context_today().strftime('%Y-%m-%d'))]" help="Show all records which has next action date is before today"/>
  <filter invisible="1" string="Today Activities" name="activities_today" domain="[('my_activity_date_deadline', '=', context_today().strftime('%Y-%m-%d'))]"/>
  <filter invisible="1" string="Future Activities" name="activities_upcoming_all" domain="[('my_activity_date_deadline', '&gt;', context_today().strftime('%Y-%m-%d'))]"/>"""

# 19 text (``'today'`` literal), preceded there by "My Activities" and an invisible separator
_ACTIVITY_FILTERS = """
  <filter invisible="1" string="Late Activities" name="activities_overdue" domain="[('my_activity_date_deadline', '&lt;', 'today')]" help="Show all records whose next activity date is past"/>
  <filter invisible="1" string="Today Activities" name="activities_today" domain="[('my_activity_date_deadline', '=', 'today')]"/>
  <filter invisible="1" string="Future Activities" name="activities_upcoming_all" domain="[('my_activity_date_deadline', '&gt;', 'today')]"/>"""

_MY_ACTIVITIES = """
  <filter invisible="1" string="My Activities" name="filter_activities_my" domain="[('activity_user_id', '=', uid)]"/>"""


def _group_open(version: int) -> str:
    """The group-by ``<group>`` of the sale and invoice search views: ``expand``/``string`` up
    to 18 (16.0, 17.0 and 18.0 sources), a bare ``<group>`` in 19."""
    return '<group expand="0" string="Group By">' if version <= 18 else "<group>"


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
    """``sale.view_sales_order_filter``, per version from the source (16.0, 17.0, 18.0 and 19
    ``addons/sale/views/sale_order_views.xml``).  16-18: "My Orders" then the three activity
    filters (no "My Activities"), group-by filters with ``domain="[]"``; 19: "My Activities",
    an invisible separator, "My Orders", the activity filters, a "Payment Method" group-by."""
    if version <= 18:
        return f"""<search string="Search Sales Order">
  <field name="name" string="Order" filter_domain="['|', '|', ('name', 'ilike', self), ('client_order_ref', 'ilike', self), ('partner_id', 'child_of', self)]"/>
  <field name="partner_id" operator="child_of"/>
  <field name="user_id"/>
  <field name="team_id" string="Sales Team"/>
  <field name="order_line" string="Product" filter_domain="[('order_line.product_id', 'ilike', self)]"/>
  <filter string="My Orders" domain="[('user_id', '=', uid)]" name="my_sale_orders_filter"/>{_ACTIVITY_FILTERS_OLD}
  {_group_open(version)}
    <filter string="Salesperson" name="salesperson" domain="[]" context="{{'group_by': 'user_id'}}"/>
    <filter name="customer" string="Customer" domain="[]" context="{{'group_by': 'partner_id'}}"/>
    <filter string="Order Date" name="order_month" domain="[]" context="{{'group_by': 'date_order'}}"/>
  </group>
</search>"""
    return f"""<search string="Search Sales Order">
  <field name="name" string="Order" filter_domain="['|', '|', ('name', 'ilike', self), ('client_order_ref', 'ilike', self), ('partner_id', 'child_of', self)]"/>
  <field name="partner_id" operator="child_of"/>
  <field name="user_id"/>
  <field name="team_id" string="Sales Team"/>
  <field name="order_line" string="Product" filter_domain="[('order_line.product_id', 'ilike', self)]"/>{_MY_ACTIVITIES}
  <separator invisible="1"/>
  <filter name="my_sale_orders_filter" string="My Orders" domain="[('user_id', '=', uid)]"/>{_ACTIVITY_FILTERS}
  {_group_open(version)}
    <filter name="salesperson" string="Salesperson" context="{{'group_by': 'user_id'}}"/>
    <filter name="customer" string="Customer" context="{{'group_by': 'partner_id'}}"/>
    <filter name="order_month" string="Order Date" context="{{'group_by': 'date_order'}}"/>
    <filter name="preferred_payment_method_line_groupby" string="Payment Method" context="{{'group_by': 'preferred_payment_method_line_id'}}"/>
  </group>
</search>"""


def _invoice_search(version: int) -> str:
    """``account.view_account_invoice_filter`` per version, from the source (16.0, 17.0, 18.0
    and 19 ``addons/account/views/account_move_views.xml``).  "To Check" is
    ``[('to_check', '=', True)]`` on 16/17, ``[('checked', '=', False), ('state', '!=',
    'draft')]`` on 18 and ``review_state`` in 19.  16/17 have no move-type filters and only
    Salesperson / Status / dates in the group-by; 17 adds "Reversed" after "Paid"; 18 adds
    "Not Sent", Invoices / Credit Notes, "To pay" / "In payment" and the Partner / Journal /
    Company group-bys."""
    if version <= 18:
        return _invoice_search_old(version)
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


_INVOICE_NAME_FIELD = (
    "<field name=\"name\" string=\"Invoice\" filter_domain=\"['|', '|', '|', '|', "
    "('name', 'ilike', self), ('invoice_origin', 'ilike', self), ('ref', 'ilike', self), "
    "('payment_reference', 'ilike', self), ('partner_id', 'child_of', self)]\"/>"
)
_OVERDUE = (
    '<filter name="late" string="Overdue" domain="[(\'invoice_date_due\', \'&lt;\', '
    "time.strftime('%Y-%m-%d')), ('state', '=', 'posted'), ('payment_state', 'in', "
    "('not_paid', 'partial'))]\" help=\"Overdue invoices, maturity date passed\"/>"
)


def _invoice_search_old(version: int) -> str:
    """16.0 / 17.0 / 18.0 ``account.view_account_invoice_filter`` (fields odoosim does not
    model, ``journal_group_id`` and ``next_payment_date`` on 18, are left out)."""
    if version <= 17:
        to_check = "[('to_check', '=', True)]"
        fields = ""
        after_states = ""
        payment = (
            "<filter name=\"open\" string=\"Unpaid\" domain=\"[('state', '=', 'posted'), "
            "('payment_state', 'in', ('not_paid', 'partial'))]\"/>\n"
            "  <filter name=\"closed\" string=\"Paid\" domain=\"[('state', '=', 'posted'), "
            "('payment_state', 'in', ('in_payment', 'paid'))]\"/>"
        )
        if version == 17:
            payment += (
                '\n  <filter name="reversed" string="Reversed" domain="[(\'state\', \'=\', '
                "'posted'), ('payment_state', '=', 'reversed')]\"/>"
            )
        group = """
    <filter string="Salesperson" name="salesperson" context="{'group_by':'invoice_user_id'}"/>
    <filter name="status" string="Status" context="{'group_by':'state'}"/>
    <separator/>
    <filter string="Invoice Date" name="invoicedate" context="{'group_by': 'invoice_date'}"/>
    <filter string="Due Date" name="duedate" context="{'group_by': 'invoice_date_due'}"/>
    <filter string="Sequence Prefix" name="group_by_sequence_prefix" context="{'group_by': 'sequence_prefix'}" invisible="1"/>"""
    else:
        to_check = "[('checked', '=', False), ('state', '!=', 'draft')]"
        fields = """
  <field name="name"/>
  <field name="ref"/>
  <field name="payment_reference"/>
  <field name="amount_total"/>"""
        after_states = """
  <separator groups="account.group_account_secured,base.group_no_one"/>
  <filter name="not_secured" string="Not Secured" domain="[('secured', '=', False), ('state', '=', 'posted')]" groups="account.group_account_secured,base.group_no_one"/>
  <separator/>
  <filter name="not_sent" string="Not Sent" domain="[('is_move_sent', '=', False)]" invisible="context.get('default_move_type') in ('in_invoice', 'in_refund', 'in_receipt')"/>
  <separator/>
  <filter name="out_invoice" string="Invoices" domain="[('move_type', '=', 'out_invoice')]"/>
  <filter name="out_refund" string="Credit Notes" domain="[('move_type', '=', 'out_refund')]"/>"""
        payment = (
            "<filter name=\"open\" string=\"To pay\" domain=\"[('state', '=', 'posted'), "
            "('payment_state', 'in', ('not_paid', 'partial'))]\"/>\n"
            '  <filter name="in_payment" string="In payment" domain="[(\'state\', \'=\', '
            "'posted'), ('payment_state', '=', 'in_payment')]\"/>"
        )
        group = """
    <filter string="Salesperson" name="salesperson" context="{'group_by':'invoice_user_id'}"/>
    <filter string="Partner" name="partner" context="{'group_by':'partner_id'}"/>
    <filter name="status" string="Status" context="{'group_by':'state'}"/>
    <filter string="Payment Method" name="preferred_payment_method_line" context="{'group_by': 'preferred_payment_method_line_id'}" groups="account.group_account_invoice,account.group_account_readonly"/>
    <filter string="Journal" name="groupy_by_journal" domain="[]" context="{'group_by': 'journal_id'}"/>
    <filter string="Company" name="group_by_company" context="{'group_by': 'company_id'}" groups="base.group_multi_company"/>
    <separator/>
    <filter string="Invoice Date" name="invoicedate" context="{'group_by': 'invoice_date'}"/>
    <filter string="Due Date" name="duedate" context="{'group_by': 'invoice_date_due'}"/>
    <filter string="Accounting Date" name="accounting_date" context="{'group_by': 'date'}"/>
    <filter string="Sequence Prefix" name="group_by_sequence_prefix" context="{'group_by': 'sequence_prefix'}" invisible="1"/>"""
    return f"""<search string="Search Invoice">
  {_INVOICE_NAME_FIELD}{fields}
  <field name="journal_id"/>
  <field name="partner_id" operator="child_of"/>
  <field name="invoice_user_id" string="Salesperson" domain="[('share', '=', False)]"/>
  <field name="date" string="Period"/>
  <field name="line_ids" string="Invoice Line"/>
  <filter domain="[('invoice_user_id', '=', uid)]" name="myinvoices" help="My Invoices"/>
  <separator/>
  <filter name="draft" string="Draft" domain="[('state','=','draft')]"/>
  <filter name="posted" string="Posted" domain="[('state', '=', 'posted')]"/>
  <filter name="cancel" string="Cancelled" domain="[('state', '=', 'cancel')]"/>{after_states}
  <separator/>
  <filter string="To Check" name="to_check" domain="{to_check}"/>
  <separator/>
  {payment}
  {_OVERDUE}
  <separator/>
  <filter name="invoice_date" string="Invoice Date" date="invoice_date"/>
  <filter name="date" invisible="context.get('default_move_type') in ('out_invoice', 'out_refund', 'out_receipt')" string="Accounting Date" date="date"/>
  <filter name="due_date" string="Due Date" date="invoice_date_due"/>
  <separator/>{_ACTIVITY_FILTERS_OLD}
  {_group_open(version)}{group}
  </group>
</search>"""
