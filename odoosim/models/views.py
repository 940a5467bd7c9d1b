"""Standard views every database has, with the real anchor nodes of ``odoo-protocol.md`` §7.2.

Only what extensions hook on is reproduced (field names, named groups and pages, the list
tag of the version: ``<tree>`` up to 17, ``<list>`` from 18).
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
            """<search string="Search Partner">
  <field name="name" filter_domain="['|', '|', ('complete_name', 'ilike', self), ('ref', 'ilike', self), ('email', 'ilike', self)]"/>
  <field name="parent_id" domain="[('is_company', '=', True)]"/>
  <field name="email"/><field name="phone"/><field name="category_id"/>
  <separator/>
  <filter string="Individuals" name="type_person" domain="[('is_company', '=', False)]"/>
  <filter string="Companies" name="type_company" domain="[('is_company', '=', True)]"/>
  <separator/>
  <filter string="Archived" name="inactive" domain="[('active', '=', False)]"/>
  <group expand="0" name="group_by" string="Group By">
    <filter name="salesperson" string="Salesperson" domain="[]" context="{'group_by' : 'user_id'}"/>
  </group>
</search>""",
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
                """<search string="Search Sales Order">
  <field name="name" string="Order" filter_domain="['|', '|', ('name', 'ilike', self), ('client_order_ref', 'ilike', self), ('partner_id', 'child_of', self)]"/>
  <field name="partner_id" operator="child_of"/>
  <field name="user_id"/>
  <filter string="My Orders" domain="[('user_id', '=', uid)]" name="my_sale_orders_filter"/>
  <separator/>
  <filter string="To Invoice" name="to_invoice" domain="[('invoice_status', '=', 'to invoice')]"/>
  <group expand="0" string="Group By">
    <filter string="Salesperson" name="salesperson" domain="[]" context="{'group_by': 'user_id'}"/>
    <filter name="customer" string="Customer" domain="[]" context="{'group_by': 'partner_id'}"/>
  </group>
</search>""",
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
                """<search string="Search Invoice">
  <field name="name" string="Invoice"/>
  <field name="partner_id"/>
  <field name="invoice_origin"/>
  <separator/>
  <filter name="draft" string="Draft" domain="[('state', '=', 'draft')]"/>
  <filter name="posted" string="Posted" domain="[('state', '=', 'posted')]"/>
  <separator/>
  <filter name="late" string="Overdue" domain="[('invoice_date_due', '&lt;', time.strftime('%Y-%m-%d')), ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]"/>
  <group expand="0" string="Group By"><filter string="Salesperson" name="salesperson" context="{'group_by': 'invoice_user_id'}"/></group>
</search>""",
            ),
        ]
    return views
