"""Benchmark: the app's auto-close against ERPNext's stock `auto_close_opportunity`.

Run on a throwaway site (it bulk-inserts opportunities):
    BENCHMARK=auto_close ./run-tests

Seeds stale Replied opportunities, closes the same 10,000 once with ERPNext's job (one
save() each) and once with the app's (batches), and then times the app's job at
100,000 to show its growth (goal: >= 10x faster than stock; linear from 10k to 100k).
"""

import time

import frappe
from frappe.utils import add_days, now_datetime, today

from opportunity_ext.automation.auto_close import process_stale_opportunities
from opportunity_ext.tests.utils import company, make_customer

PREFIX = "BENCH-AC-"
IDLE_DAYS = 30


def seed(start: int, stop: int) -> None:
	customer = make_customer("_OppExt Bench Customer")
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	stale = add_days(now_datetime(), -2 * IDLE_DAYS)
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series",
		"opportunity_from", "party_name", "customer_name", "title", "status", "company", "transaction_date",
		"currency", "conversion_rate", "opportunity_amount", "probability", "opportunity_type"]  # fmt: skip
	rows = [
		(
			f"{PREFIX}{i:07d}",
			stale,
			stale,
			"Administrator",
			"Administrator",
			0,
			"CRM-OPP-.YYYY.-",
			"Customer",
			customer,
			customer,
			customer,
			"Replied",
			company(),
			add_days(today(), -90),
			currency,
			1,
			1000,
			50,
			"Sales",
		)  # fmt: skip
		for i in range(start, stop)
	]
	for chunk in range(0, len(rows), 20_000):
		frappe.db.bulk_insert("Opportunity", fields, rows[chunk : chunk + 20_000])
	frappe.db.commit()


def reset() -> None:
	"""Every seeded opportunity stale and Replied again, its audit trail gone."""
	stale = add_days(now_datetime(), -2 * IDLE_DAYS)
	frappe.db.sql(
		"update `tabOpportunity` set status='Replied', modified=%s, lost_date=null, days_to_close=0,"
		" auto_close_warned_on=null where name like %s",
		(stale, f"{PREFIX}%"),
	)
	frappe.db.delete("Version", {"ref_doctype": "Opportunity", "docname": ("like", f"{PREFIX}%")})
	frappe.db.delete(
		"Comment", {"reference_doctype": "Opportunity", "reference_name": ("like", f"{PREFIX}%")}
	)
	frappe.db.commit()


def audit_trail() -> tuple[int, int, int]:
	closed = frappe.db.count("Opportunity", {"name": ("like", f"{PREFIX}%"), "status": "Closed"})
	versions = frappe.db.count("Version", {"ref_doctype": "Opportunity", "docname": ("like", f"{PREFIX}%")})
	comments = frappe.db.count(
		"Comment", {"reference_doctype": "Opportunity", "reference_name": ("like", f"{PREFIX}%")}
	)
	return closed, versions, comments


def timed(fn) -> float:
	start = time.perf_counter()
	fn()
	frappe.db.commit()
	return time.perf_counter() - start


def enable_app_job() -> None:
	settings = frappe.get_single("Opportunity Settings")
	settings.update(
		{
			"auto_close_enabled": 1,
			"auto_close_after_days": IDLE_DAYS,
			"auto_close_warn_days": 0,
			"auto_close_action": "Closed",
		}
	)
	settings.set("auto_close_statuses", [{"status": "Replied"}])
	settings.save()
	frappe.db.commit()


def run(small: int = 10_000, large: int = 100_000, stock: bool = True):
	"""`stock=False` (BENCHMARK_ARGS) skips ERPNext's slow job: only the app's growth."""
	from erpnext.crm.doctype.opportunity.opportunity import auto_close_opportunity

	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	frappe.db.set_single_value("CRM Settings", "close_opportunity_after_days", IDLE_DAYS)
	print(f"seeding {small} stale opportunities ...", flush=True)
	seed(0, small)

	stock_time = stock_trail = None
	if stock:
		print("ERPNext's auto_close_opportunity ...", flush=True)
		stock_time = timed(auto_close_opportunity)
		stock_trail = audit_trail()
		reset()

	enable_app_job()
	print("opportunity_ext's job ...", flush=True)
	ours_small = timed(process_stale_opportunities)
	ours_trail = audit_trail()

	print(f"seeding up to {large} ...", flush=True)
	seed(small, large)
	reset()
	ours_large = timed(process_stale_opportunities)
	large_trail = audit_trail()

	print()
	if stock_time is not None:
		print(
			f"ERPNext stock job, {small} stale: {stock_time:.1f} s  (closed, versions, comments: {stock_trail})"
		)
	print(
		f"opportunity_ext job, {small} stale: {ours_small:.2f} s  (closed, versions, comments: {ours_trail})"
	)
	if stock_time is not None:
		print(f"  speed-up: {stock_time / ours_small:.0f}x (goal >= 10x)")
	print(
		f"opportunity_ext job, {large} stale: {ours_large:.2f} s  (closed, versions, comments: {large_trail})"
	)
	print(
		f"  growth {small} -> {large}: {ours_large / ours_small:.1f}x for {large / small:.0f}x the rows (goal: linear)"
	)
