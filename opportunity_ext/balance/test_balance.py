"""The opportunity's balance against ERPNext's Accounts Receivable, step by step."""

import frappe
from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute as accounts_receivable
from erpnext.controllers.sales_and_purchase_return import make_return_doc
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, today

from opportunity_ext.balance.ledger import (
	BALANCE_KEYS,
	get_balances,
	get_opportunity_balance,
	get_opportunity_balances,
)
from opportunity_ext.tests.utils import (
	company,
	make_advance,
	make_customer,
	make_exchange_rate,
	make_item,
	make_lead,
	make_opportunity,
	make_payment,
	make_sales_invoice,
	make_user,
)


def receivable_outstanding(customer: str, vouchers: set[str]) -> float:
	"""What ERPNext's Accounts Receivable shows outstanding for these vouchers."""
	filters = {
		"company": company(),
		"report_date": today(),
		"party_type": "Customer",
		"party": [customer],
		"ageing_based_on": "Due Date",
		"range": "30, 60, 90, 120",
	}
	_columns, rows, *_ = accounts_receivable(filters)
	return flt(sum(flt(row.get("outstanding")) for row in rows if row.get("voucher_no") in vouchers), 2)


class TestOpportunityBalance(FrappeTestCase):
	def setUp(self):
		self.customer = make_customer("_OppExt Balance Customer")
		self.opportunity = make_opportunity(self.customer).name

	def balance(self) -> dict:
		return get_balances([self.opportunity])[self.opportunity]

	def assertMatchesReceivable(self, vouchers, expected):
		self.assertEqual(flt(self.balance()["balance"], 2), expected)
		self.assertEqual(receivable_outstanding(self.customer, vouchers), expected)

	def test_invoice_payment_return_cancel_and_reconciliation(self):
		invoice = make_sales_invoice(self.customer, rate=1000, opportunity=self.opportunity)
		vouchers = {invoice.name}
		self.assertMatchesReceivable(vouchers, 1000)

		payment = make_payment("Sales Invoice", invoice.name, amount=300)
		self.assertEqual(payment.opportunity, self.opportunity, "the payment inherits the invoice's link")
		vouchers.add(payment.name)
		self.assertMatchesReceivable(vouchers, 700)

		credit_note = make_return_doc("Sales Invoice", invoice.name)
		credit_note.items[0].qty = -1
		credit_note.items[0].rate = 200
		credit_note.insert()
		credit_note.submit()
		self.assertEqual(credit_note.opportunity, self.opportunity, "the return inherits the invoice's link")
		vouchers.add(credit_note.name)
		self.assertMatchesReceivable(vouchers, 500)

		payment.reload()
		payment.cancel()
		self.assertMatchesReceivable(vouchers, 800)

		advance = make_advance(self.customer, 250)  # not linked to the opportunity
		self.assertFalse(advance.opportunity)
		self.assertEqual(flt(self.balance()["balance"]), 800, "an unlinked advance is not the opportunity's")

		self.reconcile(invoice.name, advance.name)
		self.assertMatchesReceivable(vouchers, 550)

		breakdown = self.balance()
		self.assertEqual(breakdown["invoiced"], 1000)
		self.assertEqual(breakdown["returned"], 200)
		self.assertEqual(breakdown["paid"], 250)
		self.assertEqual(breakdown["debit"], 1000)
		self.assertEqual(breakdown["credit"], 450)

		form_balance = get_opportunity_balance(self.opportunity)
		for key in BALANCE_KEYS:
			self.assertEqual(flt(form_balance[key], 2), flt(breakdown[key], 2), key)
		self.assertEqual(form_balance["account_currency"], breakdown["account_currency"])

	def reconcile(self, invoice: str, payment: str):
		from erpnext.accounts.party import get_party_account

		reconciliation = frappe.get_doc(
			{
				"doctype": "Payment Reconciliation",
				"company": company(),
				"party_type": "Customer",
				"party": self.customer,
				"receivable_payable_account": get_party_account("Customer", self.customer, company()),
			}
		)
		reconciliation.get_unreconciled_entries()
		invoices = [row.as_dict() for row in reconciliation.invoices if row.invoice_number == invoice]
		payments = [row.as_dict() for row in reconciliation.payments if row.reference_name == payment]
		reconciliation.allocate_entries(frappe._dict({"invoices": invoices, "payments": payments}))
		reconciliation.reconcile()

	def test_linked_advance_counts_and_others_do_not(self):
		make_advance(self.customer, 100, opportunity=self.opportunity)
		other_opportunity = make_opportunity(self.customer).name
		make_sales_invoice(self.customer, rate=999, opportunity=other_opportunity)
		make_sales_invoice(self.customer, rate=555)  # same customer, no link

		self.assertEqual(self.balance()["balance"], -100, "an advance: the customer is owed")
		self.assertEqual(get_balances([other_opportunity])[other_opportunity]["balance"], 999)

	def test_many_opportunities_in_one_call(self):
		second = make_opportunity(self.customer).name
		make_sales_invoice(self.customer, rate=10, opportunity=self.opportunity)
		make_sales_invoice(self.customer, rate=20, opportunity=second)
		balances = get_balances([self.opportunity, second, "no-such-opportunity"])
		self.assertEqual(balances[self.opportunity]["balance"], 10)
		self.assertEqual(balances[second]["balance"], 20)
		self.assertEqual(balances["no-such-opportunity"]["balance"], 0)

	def test_multi_currency_customer(self):
		make_exchange_rate("EUR", "USD", 1.2)
		customer = make_customer("_OppExt EUR Customer", default_currency="EUR")
		receivable = euro_receivable_account()
		set_party_account(customer, receivable)
		opportunity = make_opportunity(customer, currency="EUR").name
		make_sales_invoice(
			customer,
			rate=100,
			currency="EUR",
			conversion_rate=1.2,
			debit_to=receivable,
			opportunity=opportunity,
		)
		balance = get_balances([opportunity])[opportunity]
		self.assertEqual(balance["balance"], 120)
		self.assertEqual(balance["balance_in_account_currency"], 100)
		self.assertEqual(balance["account_currency"], "EUR")

	def test_sales_order_chain_links_the_invoice(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order

		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": self.customer,
				"company": company(),
				"opportunity": self.opportunity,
				"delivery_date": today(),
				"items": [{"item_code": make_item(), "qty": 1, "rate": 70}],
			}
		)
		order.insert()
		order.submit()
		invoice = invoice_from_order(order.name)
		invoice.insert()
		self.assertEqual(invoice.opportunity, self.opportunity)

	def test_wrong_customer_is_refused(self):
		other = make_customer("_OppExt Someone Else")
		with self.assertRaisesRegex(frappe.ValidationError, "is for customer"):
			make_sales_invoice(other, rate=10, opportunity=self.opportunity, submit=False)

	def test_lead_opportunity_counts_once_the_lead_is_a_customer(self):
		lead = make_lead("_OppExt Balance Lead")
		opportunity = make_opportunity(lead, opportunity_from="Lead").name
		stranger = make_customer("_OppExt Not The Lead")
		with self.assertRaisesRegex(frappe.ValidationError, "has no customer yet"):
			make_sales_invoice(stranger, rate=10, opportunity=opportunity, submit=False)

		customer = make_customer("_OppExt Lead Became Customer", lead_name=lead)
		invoice = make_sales_invoice(customer, rate=40, opportunity=opportunity)
		self.assertEqual(get_balances([opportunity])[opportunity]["balance"], 40)
		self.assertTrue(invoice.opportunity)

	def test_payment_referencing_two_opportunities_is_left_unlinked(self):
		second = make_opportunity(self.customer).name
		first_invoice = make_sales_invoice(self.customer, rate=10, opportunity=self.opportunity)
		second_invoice = make_sales_invoice(self.customer, rate=20, opportunity=second)
		payment = make_payment("Sales Invoice", first_invoice.name, submit=False)
		payment.append(
			"references",
			{
				"reference_doctype": "Sales Invoice",
				"reference_name": second_invoice.name,
				"allocated_amount": 20,
				"total_amount": 20,
				"outstanding_amount": 20,
			},
		)
		payment.paid_amount = payment.received_amount = 30
		payment.opportunity = None
		payment.save()
		self.assertFalse(payment.opportunity)

	def test_balance_endpoint_checks_permission(self):
		make_sales_invoice(self.customer, rate=10, opportunity=self.opportunity)
		result = get_opportunity_balance(self.opportunity)
		self.assertEqual(result["balance"], 10)
		self.assertEqual([v.voucher_type for v in result["vouchers"]], ["Sales Invoice"])

		make_user("oppext-outsider@example.com", ["Accounts User"])
		with self.set_user("oppext-outsider@example.com"):
			with self.assertRaises(frappe.PermissionError):
				get_opportunity_balance(self.opportunity)
			with self.assertRaises(frappe.PermissionError):
				get_opportunity_balances([self.opportunity])

	def test_opening_the_balance_loads_no_voucher_and_hides_what_the_user_may_not_read(self):
		"""The form's balance section checks permission by name, one query a voucher type:
		no voucher document is loaded whole to check it."""
		from unittest.mock import patch

		from opportunity_ext.sales_documents.links import LINKED_VOUCHER_TYPES

		invoice = make_sales_invoice(self.customer, rate=100, opportunity=self.opportunity)
		payment = make_payment("Sales Invoice", invoice.name, amount=40)
		seller = make_user("oppext-balance-seller@example.com", ["Sales User"])
		cashier = make_user("oppext-balance-cashier@example.com", ["Sales User", "Accounts User"])
		for user, expected in (
			(seller, {None}),
			(cashier, {invoice.name, payment.name}),
		):
			with self.set_user(user), patch("frappe.get_doc", wraps=frappe.get_doc) as get_doc:
				result = get_opportunity_balance(self.opportunity)
			loaded = [call.args[0] for call in get_doc.call_args_list if call.args]
			self.assertFalse(
				[doctype for doctype in loaded if doctype in LINKED_VOUCHER_TYPES],
				f"{user}: vouchers loaded whole",
			)
			self.assertEqual({voucher.voucher_no for voucher in result["vouchers"]}, expected, user)
			self.assertEqual(result["balance"], 60, "the totals count every voucher")


def euro_receivable_account() -> str:
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	name = f"Debtors EUR - {abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account", {"company": company(), "account_type": "Receivable", "is_group": 0}, "parent_account"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Debtors EUR",
				"parent_account": parent,
				"company": company(),
				"account_type": "Receivable",
				"account_currency": "EUR",
			}
		).insert(ignore_permissions=True)
	return name


def set_party_account(customer: str, account: str) -> None:
	doc = frappe.get_doc("Customer", customer)
	doc.set("accounts", [{"company": company(), "account": account}])
	doc.save(ignore_permissions=True)
