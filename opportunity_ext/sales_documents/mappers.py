"""Documents made from an opportunity that ERPNext has no mapper for."""

import frappe
from erpnext.controllers.accounts_controller import get_default_taxes_and_charges
from frappe import _
from frappe.model.mapper import get_mapped_doc

from opportunity_ext.sales_documents.links import opportunity_customer


class CustomerRequiredError(frappe.ValidationError):
	pass


@frappe.whitelist()
def make_sales_invoice(source_name: str, target_doc=None):
	"""A draft Sales Invoice for the opportunity's items, linked to it (so it counts in
	its balance), with the customer's currency, price list, payment terms and the
	company's default sales taxes."""
	opportunity = frappe.get_doc("Opportunity", source_name)
	opportunity.check_permission("read")
	frappe.has_permission("Sales Invoice", "create", throw=True)

	if not opportunity.get("items"):
		frappe.throw(
			_("Opportunity {0} has no items: add what you sell before invoicing it.").format(
				opportunity.name
			),
			title=_("No Items"),
		)
	customer = opportunity_customer(opportunity.name)
	if not customer:
		frappe.throw(
			_(
				"Opportunity {0} is for {1} {2}, who is not a customer yet. Create the customer first (Create > Customer)."
			).format(opportunity.name, _(opportunity.opportunity_from), opportunity.party_name),
			exc=CustomerRequiredError,
			title=_("Customer Required"),
		)

	def set_missing_values(source, target):
		target.customer = customer
		target.opportunity = source.name
		target.run_method("set_missing_values")
		taxes = get_default_taxes_and_charges("Sales Taxes and Charges Template", company=target.company)
		if taxes.get("taxes"):
			target.update(taxes)
		target.run_method("calculate_taxes_and_totals")

	return get_mapped_doc(
		"Opportunity",
		source_name,
		{
			"Opportunity": {
				"doctype": "Sales Invoice",
				"field_map": {"name": "opportunity"},
				"field_no_map": ["title", "status", "contact_person", "customer_address", "address_display"],
			},
			"Opportunity Item": {
				"doctype": "Sales Invoice Item",
				"field_map": {"uom": "uom"},
				"field_no_map": ["base_rate", "base_amount", "amount"],
			},
		},
		target_doc,
		set_missing_values,
	)


@frappe.whitelist()
def invoice_customer(opportunity: str) -> str | None:
	"""For the form: the customer an invoice would be for, None while it is a lead."""
	frappe.has_permission("Opportunity", "read", doc=opportunity, throw=True)
	return opportunity_customer(opportunity)
