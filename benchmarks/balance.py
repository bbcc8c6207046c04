"""Benchmark: an opportunity's balance as the ledger grows.

Run on a throwaway site (it bulk-inserts ledger rows):
    BENCHMARK=balance ./run-tests

Prints one opportunity's balance time at ~10k and ~1M GL entries (goal: ratio <= 2),
the balance column of 1,000 opportunities in one query against a naive per-voucher
baseline measured in the same run, and the Opportunity form's load (getdoc) with and
without the balance section (goal: <= +10 %).
"""

import time

import frappe
from frappe.utils import add_days, now_datetime, today

from benchmarks.common import median_seconds
from opportunity_ext.balance.ledger import get_balances
from opportunity_ext.tests.utils import company, make_customer, make_item

OPPORTUNITIES = 20_000
SMALL_GL_ENTRIES = 10_000
LARGE_GL_ENTRIES = 1_000_000
COLUMN_OPPORTUNITIES = 1_000
PROBE_PAIRS = 12  # as many invoices and payments as an average opportunity has at 1M
CHUNK = 20_000
PREFIX = "BENCH-"


def bulk(doctype: str, fields: list[str], rows) -> None:
	batch = []
	for row in rows:
		batch.append(row)
		if len(batch) >= CHUNK:
			frappe.db.bulk_insert(doctype, fields, batch)
			batch = []
	if batch:
		frappe.db.bulk_insert(doctype, fields, batch)
	frappe.db.commit()


class Seeder:
	"""Plain ledger rows as ERPNext writes them on submit: per invoice one receivable
	Payment Ledger row and two GL entries; per payment (allocated to the invoice) the same."""

	def __init__(self):
		self.company = company()
		self.customer = make_customer("_OppExt Bench Customer")
		self.currency = frappe.get_cached_value("Company", self.company, "default_currency")
		self.receivable = frappe.get_cached_value("Company", self.company, "default_receivable_account")
		self.income = frappe.get_cached_value("Company", self.company, "default_income_account")
		self.cash = frappe.get_cached_value("Company", self.company, "default_cash_account")
		self.now = now_datetime()
		self.invoices = 0  # each invoice comes with one payment: 4 GL entries a pair
		make_item()

	def opportunities(self, count: int) -> list[str]:
		names = [f"{PREFIX}OPP-{i:06d}" for i in range(count)]
		fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "opportunity_from",
			"party_name", "customer_name", "title", "status", "company", "transaction_date", "currency",
			"conversion_rate", "opportunity_amount", "probability"]  # fmt: skip
		bulk("Opportunity", fields, (
			(name, self.now, self.now, "Administrator", "Administrator", 0, "Customer", self.customer,
				self.customer, self.customer, "Open", self.company, today(), self.currency, 1, 1000, 50)
			for name in names
		))  # fmt: skip
		return names

	def gl_entries(self) -> int:
		return self.invoices * 4

	def grow_to(self, gl_entries: int, opportunities: list[str]) -> None:
		self.add_pairs(gl_entries // 4 - self.invoices, opportunities)

	def add_pairs(self, count: int, opportunities: list[str]) -> None:
		"""Add invoice+payment pairs, spread round-robin over the opportunities."""
		start, stop = self.invoices, self.invoices + count
		if stop <= start:
			return
		pairs = range(start, stop)
		posting_date = add_days(today(), -1)
		base = ["creation", "modified", "owner", "modified_by", "docstatus"]
		stamp = (self.now, self.now, "Administrator", "Administrator", 1)

		bulk("Sales Invoice", ["name", *base, "customer", "customer_name", "company", "posting_date", "due_date",
			"currency", "conversion_rate", "debit_to", "grand_total", "base_grand_total", "outstanding_amount",
			"opportunity"], (
			(f"{PREFIX}SI-{i:07d}", *stamp, self.customer, self.customer, self.company, posting_date,
				posting_date, self.currency, 1, self.receivable, 100, 100, 40, opportunities[i % len(opportunities)])
			for i in pairs
		))  # fmt: skip
		bulk("Payment Entry", ["name", *base, "payment_type", "party_type", "party", "company", "posting_date",
			"paid_from", "paid_to", "paid_amount", "received_amount", "unallocated_amount", "opportunity"], (
			(f"{PREFIX}PE-{i:07d}", *stamp, "Receive", "Customer", self.customer, self.company, posting_date,
				self.receivable, self.cash, 60, 60, 0, opportunities[i % len(opportunities)])
			for i in pairs
		))  # fmt: skip

		ple_fields = ["name", *base, "posting_date", "company", "account_type", "account", "party_type", "party",
			"voucher_type", "voucher_no", "against_voucher_type", "against_voucher_no", "amount",
			"amount_in_account_currency", "account_currency", "delinked"]  # fmt: skip

		def ledger(i):
			invoice, payment = f"{PREFIX}SI-{i:07d}", f"{PREFIX}PE-{i:07d}"
			common = (
				*stamp,
				posting_date,
				self.company,
				"Receivable",
				self.receivable,
				"Customer",
				self.customer,
			)
			yield (f"{PREFIX}PLE-SI-{i:07d}", *common, "Sales Invoice", invoice, "Sales Invoice", invoice,
				100, 100, self.currency, 0)  # fmt: skip
			yield (f"{PREFIX}PLE-PE-{i:07d}", *common, "Payment Entry", payment, "Sales Invoice", invoice,
				-60, -60, self.currency, 0)  # fmt: skip

		bulk("Payment Ledger Entry", ple_fields, (row for i in pairs for row in ledger(i)))

		gl_fields = ["name", *base, "posting_date", "company", "account", "party_type", "party", "debit",
			"credit", "debit_in_account_currency", "credit_in_account_currency", "account_currency",
			"voucher_type", "voucher_no", "against_voucher_type", "against_voucher", "is_cancelled"]  # fmt: skip

		def gl(i):
			invoice, payment = f"{PREFIX}SI-{i:07d}", f"{PREFIX}PE-{i:07d}"
			common = (*stamp, posting_date, self.company)
			c = self.currency
			yield (f"{PREFIX}GL-{i:07d}-1", *common, self.receivable, "Customer", self.customer, 100, 0, 100, 0, c,
				"Sales Invoice", invoice, "Sales Invoice", invoice, 0)  # fmt: skip
			yield (f"{PREFIX}GL-{i:07d}-2", *common, self.income, None, None, 0, 100, 0, 100, c,
				"Sales Invoice", invoice, None, None, 0)  # fmt: skip
			yield (f"{PREFIX}GL-{i:07d}-3", *common, self.receivable, "Customer", self.customer, 0, 60, 0, 60, c,
				"Payment Entry", payment, "Sales Invoice", invoice, 0)  # fmt: skip
			yield (f"{PREFIX}GL-{i:07d}-4", *common, self.cash, None, None, 60, 0, 60, 0, c,
				"Payment Entry", payment, None, None, 0)  # fmt: skip

		bulk("GL Entry", gl_fields, (row for i in pairs for row in gl(i)))
		self.invoices = stop


def analyze() -> None:
	"""Fresh index statistics, as InnoDB keeps them on a site that grew over time."""
	frappe.db.sql(
		"analyze table `tabPayment Ledger Entry`, `tabSales Invoice`, `tabPayment Entry`, `tabGL Entry`"
	)


def naive_balances(opportunities: list[str]) -> dict[str, float]:
	"""The baseline: load every linked voucher and add up what it says."""
	balances = {}
	for opportunity in opportunities:
		total = 0.0
		for name in frappe.get_all(
			"Sales Invoice", {"opportunity": opportunity, "docstatus": 1}, pluck="name"
		):
			total += frappe.get_doc("Sales Invoice", name).outstanding_amount
		for name in frappe.get_all(
			"Payment Entry", {"opportunity": opportunity, "docstatus": 1}, pluck="name"
		):
			total -= frappe.get_doc("Payment Entry", name).unallocated_amount
		balances[opportunity] = total
	return balances


def getdoc_time(name: str, repeat: int) -> float:
	from frappe.desk.form.load import getdoc

	def load():
		getdoc("Opportunity", name)
		frappe.response.docs = []

	load()  # warm caches
	return median_seconds(load, repeat)


def run(opportunity_count: int = OPPORTUNITIES, large_gl_entries: int = LARGE_GL_ENTRIES):
	from opportunity_ext.overrides import opportunity as opportunity_events
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()  # the setup wizard: a company and its accounts
	frappe.flags.in_test = True
	seeder = Seeder()
	print(f"seeding {opportunity_count} opportunities ...", flush=True)
	opportunities = seeder.opportunities(opportunity_count)
	# The measured opportunity keeps the same vouchers while the rest of the ledger grows.
	probe, others = opportunities[0], opportunities[1:]
	seeder.add_pairs(PROBE_PAIRS, [probe])

	seeder.grow_to(SMALL_GL_ENTRIES, others)
	analyze()
	small = median_seconds(lambda: get_balances([probe]), 50)
	probe_small = get_balances([probe])[probe]["balance"]

	print(f"seeding up to {large_gl_entries} GL entries ...", flush=True)
	started = time.perf_counter()
	seeder.grow_to(large_gl_entries, others)
	print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
	analyze()
	large = median_seconds(lambda: get_balances([probe]), 50)

	column = opportunities[:COLUMN_OPPORTUNITIES]
	bulk_time = median_seconds(lambda: get_balances(column), 5)
	started = time.perf_counter()
	naive = naive_balances(column)
	naive_time = time.perf_counter() - started
	ours = get_balances(column)
	agree = all(abs(ours[name]["balance"] - naive[name]) < 0.01 for name in column)

	with_section = getdoc_time(probe, 200)
	original_onload = opportunity_events.onload
	opportunity_events.onload = lambda doc, method=None: None
	try:
		without_section = getdoc_time(probe, 200)
	finally:
		opportunity_events.onload = original_onload

	gl_rows = frappe.db.count("GL Entry")
	ple_rows = frappe.db.count("Payment Ledger Entry")
	print()
	print(f"ledger: {gl_rows} GL entries, {ple_rows} payment ledger rows, {opportunity_count} opportunities")
	print(f"one opportunity's balance at ~{SMALL_GL_ENTRIES} GL entries: {small * 1000:.2f} ms")
	print(f"one opportunity's balance at ~{gl_rows} GL entries: {large * 1000:.2f} ms")
	print(f"  ratio large/small: {large / small:.2f} (goal <= 2)")
	print(
		f"  probe balance unchanged by the growth: {probe_small} -> {get_balances([probe])[probe]['balance']}"
	)
	print(f"balance column of {COLUMN_OPPORTUNITIES} opportunities, one query: {bulk_time * 1000:.1f} ms")
	print(f"naive baseline (load each linked voucher): {naive_time * 1000:.1f} ms")
	print(f"  speed-up: {naive_time / bulk_time:.0f}x; results agree: {agree}")
	print(f"getdoc Opportunity with balance section: {with_section * 1000:.2f} ms")
	print(f"getdoc Opportunity without balance section: {without_section * 1000:.2f} ms")
	print(f"  overhead: {(with_section / without_section - 1) * 100:+.1f} % (goal <= +10 %)")
