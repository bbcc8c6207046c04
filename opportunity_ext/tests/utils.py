"""Small data helpers for the site tests: each makes just what a test needs."""

import frappe
from frappe.utils import today


def ensure(doctype: str, name: str, **fields) -> str:
	"""The record `name`, inserted with `fields` when the site doesn't have it yet."""
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, **fields}).insert(ignore_permissions=True)
	return name


def company() -> str:
	return (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def leaf(doctype: str) -> str:
	return frappe.get_all(doctype, filters={"is_group": 0}, pluck="name", order_by="lft", limit=1)[0]


def make_customer(name: str = "_OppExt Customer", **kwargs) -> str:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": leaf("Customer Group"),
				"territory": leaf("Territory"),
				**kwargs,
			}
		).insert(ignore_permissions=True)
	return name


def make_lead(name: str = "_OppExt Lead") -> str:
	existing = frappe.db.get_value("Lead", {"lead_name": name})
	if existing:
		return existing
	return frappe.get_doc({"doctype": "Lead", "lead_name": name}).insert(ignore_permissions=True).name


def make_contact(first_name: str, link_doctype: str, link_name: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": first_name,
				"links": [{"link_doctype": link_doctype, "link_name": link_name}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_item(item_code: str = "_OppExt Item", **kwargs) -> str:
	if not frappe.db.exists("Item", item_code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_code,
				"item_group": leaf("Item Group"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
				**kwargs,
			}
		).insert(ignore_permissions=True)
	return item_code


def make_item_price(item_code: str, rate: float, price_list: str = "Standard Selling") -> str:
	frappe.db.delete("Item Price", {"item_code": item_code, "price_list": price_list})
	return (
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": price_list,
				"price_list_rate": rate,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_price_list(name: str, currency: str) -> str:
	return ensure("Price List", name, price_list_name=name, currency=currency, selling=1)


def make_exchange_rate(from_currency: str, to_currency: str, rate: float, date: str | None = None) -> None:
	"""Exchange rates can't be fetched online in tests: record the one a test needs."""
	date = date or today()
	filters = {"from_currency": from_currency, "to_currency": to_currency, "date": date}
	frappe.db.delete("Currency Exchange", filters)
	frappe.get_doc(
		{"doctype": "Currency Exchange", **filters, "exchange_rate": rate, "for_selling": 1, "for_buying": 1}
	).insert(ignore_permissions=True)


def make_opportunity(party: str | None = None, items: list[dict] | None = None, **kwargs):
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": kwargs.pop("opportunity_from", "Customer"),
			"party_name": party or make_customer(),
			"company": company(),
			"currency": kwargs.pop(
				"currency", frappe.get_cached_value("Company", company(), "default_currency")
			),
			"transaction_date": kwargs.pop("transaction_date", today()),
			"items": items or [],
			**kwargs,
		}
	)
	return doc.insert(ignore_permissions=True)


def make_sales_stage(name: str, default_probability: float) -> str:
	ensure("Sales Stage", name, stage_name=name)
	frappe.db.set_value("Sales Stage", name, "default_probability", default_probability)
	return name


def make_competitor(name: str) -> str:
	return ensure("Competitor", name, competitor_name=name)


def make_user(email: str, roles: list[str]) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.add_roles(*roles)
	return email


def make_company(name: str, abbr: str) -> str:
	"""A US company on the standard chart of accounts."""
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": "USD",
				"country": "United States",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


def make_users(users: dict, email) -> None:
	"""Each user of a permission matrix (`email(key)` its address) with its roles; None is a guest."""
	for key, roles in users.items():
		if roles is not None:
			make_user(email(key), roles)


def make_territory(name: str) -> str:
	return ensure("Territory", name, territory_name=name, parent_territory="All Territories")


def restrict_to_territory(user: str, territory: str) -> None:
	"""A User Permission: `user` sees only the records of `territory`."""
	values = {"user": user, "allow": "Territory", "for_value": territory}
	if not frappe.db.exists("User Permission", values):
		frappe.get_doc({"doctype": "User Permission", **values}).insert(ignore_permissions=True)


def call(cmd: str, **args):
	"""As a REST call: the handler checks the whitelist, guests and the HTTP method."""
	from frappe.handler import execute_cmd

	frappe.local.form_dict = frappe._dict(args)
	return execute_cmd(cmd)


class AsRequest:
	"""Mixin for a FrappeTestCase whose tests `call` endpoints: each test runs inside a POST
	request, and the form, request and user are put back after it."""

	def setUp(self):
		super().setUp()
		self.request = getattr(frappe.local, "request", None)
		frappe.local.request = frappe._dict(method="POST")

	def tearDown(self):
		frappe.local.request = self.request
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")
		super().tearDown()


def make_sales_invoice(customer: str, rate: float, qty: float = 1, submit: bool = True, **kwargs):
	item = kwargs.pop("item_code", None) or make_item()
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"posting_date": kwargs.pop("posting_date", today()),
			"items": [{"item_code": item, "qty": qty, "rate": rate}],
			**kwargs,
		}
	)
	invoice.set_missing_values()
	invoice.insert(ignore_permissions=True)
	if submit:
		invoice.submit()
	return invoice


def make_payment(reference_doctype: str, reference_name: str, amount: float | None = None, submit=True):
	"""A receipt against an invoice or order, through ERPNext's own 'Create Payment'."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	payment = get_payment_entry(reference_doctype, reference_name, party_amount=amount)
	payment.reference_no = "OPPEXT"
	payment.reference_date = today()
	if amount is not None:
		payment.paid_amount = amount
		payment.received_amount = (
			amount * (payment.source_exchange_rate or 1) / (payment.target_exchange_rate or 1)
		)
		for reference in payment.references:
			reference.allocated_amount = min(amount, reference.outstanding_amount)
	payment.insert(ignore_permissions=True)
	if submit:
		payment.submit()
	return payment


def make_advance(customer: str, amount: float, **kwargs):
	"""An unallocated receipt from the customer."""
	from erpnext.accounts.party import get_party_account

	payment = frappe.new_doc("Payment Entry")
	payment.update(
		{
			"payment_type": "Receive",
			"company": company(),
			"posting_date": today(),
			"party_type": "Customer",
			"party": customer,
			"paid_from": get_party_account("Customer", customer, company()),
			"paid_to": frappe.get_cached_value("Company", company(), "default_cash_account"),
			"paid_amount": amount,
			"received_amount": amount,
			"reference_no": "OPPEXT-ADV",
			"reference_date": today(),
			**kwargs,
		}
	)
	payment.setup_party_account_field()
	payment.set_missing_values()
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment


def make_won_reason(name: str) -> str:
	return ensure("Opportunity Won Reason", name, won_reason=name)


def make_campaign(name: str) -> str:
	return ensure("Campaign", name, campaign_name=name)


def make_lost_reason(name: str) -> str:
	return ensure("Opportunity Lost Reason", name, lost_reason=name)


def make_outgoing_email_account() -> str:
	"""A default outgoing account that sends nothing: tests only queue e-mail."""
	existing = frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1})
	if existing:
		return existing
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Test Outbox",
			"email_id": "sales@example.com",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": 25,
			"password": "not-sent-in-tests",
		}
	).insert(ignore_permissions=True)
	forget_outgoing_email_account()
	return account.name


def forget_outgoing_email_account() -> None:
	"""Frappe caches the outgoing account per process: after a test's rollback a cached
	account would make later tests send (and commit) e-mail."""
	frappe.local.outgoing_email_account = {}
