"""An opportunity's balance, read from ERPNext's Payment Ledger.

A ledger row counts for the opportunity when the voucher it settles against (its
`against_voucher`) is linked to the opportunity: the invoice itself, payments and
credit notes allocated to it (also an unlinked advance a reconciliation allocated to
it), and linked payments left unallocated. That is how ERPNext's Accounts Receivable
computes an invoice's outstanding, so the two agree.
"""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Max, Min, Sum
from frappe.query_builder.terms import ParameterizedValueWrapper as ValueWrapper

from opportunity_ext.sales_documents.links import LINKED_VOUCHER_TYPES

BALANCE_KEYS = ("debit", "credit", "invoiced", "returned", "paid", "balance", "balance_in_account_currency")
MAX_OPPORTUNITIES_PER_REQUEST = 500


def can_see_balance(user: str | None = None) -> bool:
	"""Opportunity Settings may keep balances to chosen roles; by default whoever may read
	the opportunity sees its totals (as ERPNext's Customer form shows Total Unpaid)."""
	roles = frappe.get_cached_doc("Opportunity Settings").get("balance_roles") or []
	allowed = {row.role for row in roles if row.role}
	return not allowed or bool(allowed & set(frappe.get_roles(user)))


def check_can_see_balance() -> None:
	if not can_see_balance():
		frappe.throw(
			_("Opportunity balances are shown to some roles only (Opportunity Settings)."),
			frappe.PermissionError,
		)


def linked_vouchers(opportunities):
	"""Submitted vouchers linked to the opportunities: (voucher_type, voucher_no, opportunity).

	`opportunities` is a list of names, or a subquery selecting them (reports)."""
	union = None
	for voucher_type in LINKED_VOUCHER_TYPES:
		table = frappe.qb.DocType(voucher_type)
		query = (
			frappe.qb.from_(table)
			.select(
				ValueWrapper(voucher_type).as_("voucher_type"),
				table.name.as_("voucher_no"),
				table.opportunity.as_("opportunity"),
			)
			.where(table.opportunity.isin(opportunities) & (table.docstatus == 1))
		)
		union = query if union is None else union.union_all(query)
	return union


def ledger_rows(opportunities):
	"""The opportunities' live receivable Payment Ledger rows, with the opportunity they count for."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	vouchers = linked_vouchers(opportunities).as_("linked")
	return (
		(
			frappe.qb.from_(ple)
			.join(vouchers)
			.on(
				(ple.against_voucher_type == vouchers.voucher_type)
				& (ple.against_voucher_no == vouchers.voucher_no)
			)
			.where((ple.delinked == 0) & (ple.account_type == "Receivable") & (ple.party_type == "Customer"))
		),
		ple,
		vouchers,
	)


def get_balances(opportunities: list[str]) -> dict[str, dict]:
	"""Balance and breakdown of many opportunities in one query, in company currency.

	`balance_in_account_currency` is the receivable account's (the customer's) currency
	when all rows share one; `account_currency` is None when they don't."""
	opportunities = list(dict.fromkeys(opportunities))
	if not opportunities:
		return {}
	query, ple, vouchers = ledger_rows(opportunities)
	rows = (
		query.select(vouchers.opportunity, *figure_terms(ple), *currency_terms(ple))
		.groupby(vouchers.opportunity)
		.run(as_dict=True)
	)
	balances = {name: empty_balance() for name in opportunities}
	for row in rows:
		balances[row.opportunity] = totals([row])
	return balances


def figure_terms(ple) -> list:
	"""The balance figures as sums over Payment Ledger rows, in company currency."""
	from_invoice = ple.voucher_type == "Sales Invoice"
	return [
		Sum(Case().when(ple.amount > 0, ple.amount).else_(0)).as_("debit"),
		Sum(Case().when(ple.amount < 0, -ple.amount).else_(0)).as_("credit"),
		Sum(Case().when(from_invoice & (ple.amount > 0), ple.amount).else_(0)).as_("invoiced"),
		Sum(Case().when(from_invoice & (ple.amount < 0), -ple.amount).else_(0)).as_("returned"),
		Sum(Case().when(from_invoice, 0).else_(-ple.amount)).as_("paid"),
		Sum(ple.amount).as_("balance"),
		Sum(ple.amount_in_account_currency).as_("balance_in_account_currency"),
	]


def currency_terms(ple) -> list:
	"""The receivable account's currency: one when every row shares it (Min = Max)."""
	return [
		Min(ple.account_currency).as_("account_currency"),
		Max(ple.account_currency).as_("max_account_currency"),
	]


def totals(rows: list[dict]) -> dict:
	"""The figures of several rows of figure_terms added up (an opportunity from its
	vouchers), with their account currency when they share one."""
	currencies = {row.account_currency for row in rows} | {row.max_account_currency for row in rows}
	return {
		**{key: sum(frappe.utils.flt(row[key]) for row in rows) for key in BALANCE_KEYS},
		"account_currency": currencies.pop() if len(currencies) == 1 else None,
	}


def empty_balance() -> dict:
	return {**{key: 0.0 for key in BALANCE_KEYS}, "account_currency": None}


def get_balance_vouchers(opportunity: str) -> list[dict]:
	"""The vouchers behind an opportunity's balance, each with its figures (figure_terms)."""
	query, ple, _vouchers = ledger_rows([opportunity])
	return (
		query.select(
			ple.voucher_type,
			ple.voucher_no,
			Min(ple.posting_date).as_("posting_date"),
			*figure_terms(ple),
			*currency_terms(ple),
		)
		.groupby(ple.voucher_type, ple.voucher_no)
		.orderby(Min(ple.posting_date))
		.orderby(ple.voucher_no)
		.run(as_dict=True)
	)


def opportunity_balance(opportunity: str, company: str) -> dict:
	"""Balance, breakdown and vouchers of one opportunity, in one query. The totals count
	every voucher; a voucher the user may not read is listed without its number."""
	vouchers = get_balance_vouchers(opportunity)
	balance = totals(vouchers) if vouchers else empty_balance()
	readable = readable_vouchers(vouchers)
	for voucher in vouchers:
		if voucher.voucher_no not in readable.get(voucher.voucher_type, ()):
			voucher.voucher_no = None
	return {
		**balance,
		"company_currency": frappe.get_cached_value("Company", company, "default_currency"),
		"vouchers": vouchers,
	}


def readable_vouchers(vouchers: list[dict]) -> dict[str, set[str]]:
	"""The voucher numbers the user may read, by voucher type: one permission query a type
	(frappe.get_list: roles, user permissions, sharing), no voucher loaded."""
	names: dict[str, set[str]] = {}
	for voucher in vouchers:
		names.setdefault(voucher.voucher_type, set()).add(voucher.voucher_no)
	return {
		voucher_type: set(
			frappe.get_list(
				voucher_type,
				filters={"name": ("in", list(numbers))},
				pluck="name",
				limit_page_length=0,
				order_by="",
			)
		)
		if frappe.has_permission(voucher_type, "read")
		else set()
		for voucher_type, numbers in names.items()
	}


@frappe.whitelist()
def get_opportunity_balance(opportunity: str) -> dict:
	"""Balance, breakdown and vouchers of one opportunity, for a user who may read it."""
	if not isinstance(opportunity, str) or not frappe.db.exists("Opportunity", opportunity):
		frappe.throw(_("Opportunity {0} does not exist.").format(opportunity), frappe.DoesNotExistError)
	if not frappe.has_permission("Opportunity", "read", doc=opportunity):
		frappe.throw(_("Not permitted to read Opportunity {0}").format(opportunity), frappe.PermissionError)
	check_can_see_balance()
	return opportunity_balance(opportunity, frappe.db.get_value("Opportunity", opportunity, "company"))


@frappe.whitelist()
def get_opportunity_balances(opportunities: list[str] | str) -> dict[str, dict]:
	"""Balances of the opportunities the user may read, for list views and reports."""
	names = parse_opportunity_names(opportunities)
	# select permission lists names only: a balance needs read
	if not frappe.has_permission("Opportunity", "read"):
		frappe.throw(_("Not permitted to read opportunities."), frappe.PermissionError)
	check_can_see_balance()
	readable = frappe.get_list(
		"Opportunity", filters={"name": ("in", names)}, pluck="name", limit_page_length=0
	)
	return get_balances(readable)


def parse_opportunity_names(opportunities) -> list[str]:
	"""A list of opportunity names (or its JSON), at most MAX_OPPORTUNITIES_PER_REQUEST."""
	if isinstance(opportunities, str):
		try:
			opportunities = frappe.parse_json(opportunities)
		except ValueError:
			opportunities = None
	if not isinstance(opportunities, list) or not all(isinstance(name, str) for name in opportunities):
		frappe.throw(_("Send the opportunities as a list of names."), frappe.ValidationError)
	names = list(dict.fromkeys(opportunities))
	if len(names) > MAX_OPPORTUNITIES_PER_REQUEST:
		frappe.throw(
			_("Ask for at most {0} opportunities at a time, not {1}.").format(
				MAX_OPPORTUNITIES_PER_REQUEST, len(names)
			),
			frappe.ValidationError,
		)
	return names


def balance_by(opportunities, field: str) -> dict[str | None, dict]:
	"""Balance figures of the opportunities (a subquery of names) summed by an Opportunity field."""
	query, ple, vouchers = ledger_rows(opportunities)
	opportunity = frappe.qb.DocType("Opportunity")
	rows = (
		query.join(opportunity)
		.on(opportunity.name == vouchers.opportunity)
		.select(opportunity[field].as_("group_value"), *figure_terms(ple))
		.groupby(opportunity[field])
		.run(as_dict=True)
	)
	return {row.pop("group_value"): row for row in rows}
