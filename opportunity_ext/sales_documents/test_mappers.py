"""Quotation, Supplier Quotation and Sales Invoice made from an opportunity."""

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_customer as customer_from_opportunity
from erpnext.crm.doctype.opportunity.opportunity import make_quotation, make_supplier_quotation
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from opportunity_ext.balance.ledger import get_balances
from opportunity_ext.constants import PURCHASE_PROCESS_INDIVIDUAL
from opportunity_ext.sales_documents.mappers import CustomerRequiredError, make_sales_invoice
from opportunity_ext.tests.utils import (
	company,
	make_campaign,
	make_customer,
	make_item,
	make_item_price,
	make_lead,
	make_opportunity,
	make_sales_stage,
	make_user,
)


def make_default_sales_taxes(rate: float = 10) -> str:
	title = "_OppExt Sales Tax"
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	name = f"{title} - {abbr}"
	if not frappe.db.exists("Sales Taxes and Charges Template", name):
		account = frappe.db.get_value(
			"Account", {"company": company(), "account_type": "Tax", "is_group": 0}, "name"
		)
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": title,
				"company": company(),
				"is_default": 1,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"description": "VAT",
						"rate": rate,
					}
				],
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Sales Taxes and Charges Template", name, "is_default", 1)
	return name


def make_payment_terms_template() -> str:
	name = "_OppExt Half Now Half Later"
	if not frappe.db.exists("Payment Terms Template", name):
		frappe.get_doc(
			{
				"doctype": "Payment Terms Template",
				"template_name": name,
				"terms": [
					{
						"invoice_portion": 50,
						"credit_days_based_on": "Day(s) after invoice date",
						"credit_days": 0,
					},
					{
						"invoice_portion": 50,
						"credit_days_based_on": "Day(s) after invoice date",
						"credit_days": 30,
					},
				],
			}
		).insert(ignore_permissions=True)
	return name


class TestMappers(FrappeTestCase):
	def setUp(self):
		self.widget, self.gadget = make_item("_OppExt Widget"), make_item("_OppExt Gadget")
		make_item_price(self.widget, 150)
		make_item_price(self.gadget, 40)
		self.customer = make_customer("_OppExt Mapper Customer")
		self.opportunity = make_opportunity(
			self.customer,
			items=[{"item_code": self.widget, "qty": 2}, {"item_code": self.gadget, "qty": 5}],
			selling_price_list="Standard Selling",
			campaign=make_campaign("_OppExt Spring Campaign"),
			source="Campaign",
			sales_stage=make_sales_stage("_OppExt Proposal", 60),
			purchase_process=PURCHASE_PROCESS_INDIVIDUAL,
			opportunity_owner="Administrator",
		)

	def test_quotation_carries_the_app_fields(self):
		quotation = make_quotation(self.opportunity.name)
		self.assertEqual(quotation.opportunity, self.opportunity.name)
		self.assertEqual(quotation.campaign, "_OppExt Spring Campaign")
		self.assertEqual(quotation.sales_stage, "_OppExt Proposal")
		self.assertEqual(quotation.purchase_process, PURCHASE_PROCESS_INDIVIDUAL)
		self.assertEqual(quotation.opportunity_owner, "Administrator")
		self.assertEqual(quotation.selling_price_list, "Standard Selling")
		self.assertEqual([(r.item_code, r.qty, r.rate) for r in quotation.items], [
			(self.widget, 2, 150), (self.gadget, 5, 40),
		])  # fmt: skip
		quotation.valid_till = add_days(today(), 30)
		quotation.insert()
		self.assertEqual(quotation.net_total, 2 * 150 + 5 * 40)

	def test_supplier_quotation_asks_for_supplier_rates(self):
		supplier_quotation = make_supplier_quotation(self.opportunity.name)
		self.assertEqual(supplier_quotation.opportunity, self.opportunity.name)
		self.assertEqual([(r.item_code, r.qty) for r in supplier_quotation.items], [
			(self.widget, 2), (self.gadget, 5),
		])  # fmt: skip
		self.assertTrue(all(not row.rate for row in supplier_quotation.items), "selling rates must not leak")

	def test_sales_invoice_from_opportunity(self):
		taxes = make_default_sales_taxes(10)
		frappe.db.set_value("Customer", self.customer, "payment_terms", make_payment_terms_template())

		invoice = make_sales_invoice(self.opportunity.name)
		self.assertEqual(invoice.customer, self.customer)
		self.assertEqual(invoice.opportunity, self.opportunity.name)
		self.assertEqual(invoice.currency, self.opportunity.currency)
		self.assertEqual(invoice.taxes_and_charges, taxes)
		self.assertEqual(invoice.payment_terms_template, "_OppExt Half Now Half Later")
		self.assertEqual([(r.item_code, r.qty, r.rate) for r in invoice.items], [
			(self.widget, 2, 150), (self.gadget, 5, 40),
		])  # fmt: skip

		invoice.insert()
		invoice.submit()
		self.assertEqual(invoice.grand_total, 500 * 1.1)
		self.assertEqual(len(invoice.payment_schedule), 2)
		self.assertEqual(get_balances([self.opportunity.name])[self.opportunity.name]["balance"], 550)

	def test_sales_invoice_for_a_lead_asks_for_the_customer(self):
		lead = make_lead("_OppExt Invoice Lead")
		opportunity = make_opportunity(
			lead, opportunity_from="Lead", items=[{"item_code": self.widget, "qty": 1}]
		)
		with self.assertRaises(CustomerRequiredError) as raised:
			make_sales_invoice(opportunity.name)
		self.assertIn("not a customer yet", str(raised.exception))

		customer = customer_from_opportunity(opportunity.name)
		customer.customer_group = frappe.db.get_value("Customer Group", {"is_group": 0})
		customer.territory = frappe.db.get_value("Territory", {"is_group": 0})
		customer.insert()
		invoice = make_sales_invoice(opportunity.name)
		self.assertEqual(invoice.customer, customer.name)

	def test_sales_invoice_needs_items(self):
		opportunity = make_opportunity(self.customer)
		with self.assertRaisesRegex(frappe.ValidationError, "has no items"):
			make_sales_invoice(opportunity.name)

	def test_sales_invoice_permissions(self):
		make_user("oppext-sales@example.com", ["Sales User"])
		with self.set_user("oppext-sales@example.com"), self.assertRaises(frappe.PermissionError):
			make_sales_invoice(self.opportunity.name)  # may read the opportunity, not create invoices

		make_user("oppext-accounts@example.com", ["Accounts User"])
		with self.set_user("oppext-accounts@example.com"), self.assertRaises(frappe.PermissionError):
			make_sales_invoice(self.opportunity.name)  # may create invoices, not read opportunities
