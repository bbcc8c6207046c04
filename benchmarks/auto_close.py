"""Benchmark: the app's auto-close against ERPNext's own `auto_close_opportunity`, on the
same stale opportunities, both closing each one by a real save.

Run on a throwaway site (it inserts opportunities and closes them):
    BENCHMARK=auto_close ./run-tests
    BENCHMARK=auto_close BENCHMARK_ARGS='{"count": 1000}' ./run-tests

Seeds `count` stale Replied opportunities (default 10,000), closes them once with ERPNext's
job and, after putting them back as they were, once with the app's; prints both times, the
ratio (goal: the app's job in at most half ERPNext's time) and what each left behind
(closed, Versions, Versions saying why), which shows every close was a save.
"""

import time

import frappe
from frappe.utils import add_days, now_datetime, today

from opportunity_ext.automation.auto_close import process_stale_opportunities
from opportunity_ext.constants import SETTINGS
from opportunity_ext.tests.utils import company, make_customer

PREFIX = "BENCH-AC-"
IDLE_DAYS = 30
FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"naming_series",
	"opportunity_from",
	"party_name",
	"customer_name",
	"title",
	"status",
	"company",
	"transaction_date",
	"currency",
	"conversion_rate",
	"opportunity_amount",
	"probability",
	"opportunity_type",
	"forecast_category",
)


def seed(count: int) -> None:
	customer = make_customer("_OppExt Bench Customer")
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	stale = add_days(now_datetime(), -2 * IDLE_DAYS)
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
			"Commit",
		)  # fmt: skip
		for i in range(count)
	]
	for start in range(0, len(rows), 5_000):
		frappe.db.bulk_insert("Opportunity", FIELDS, rows[start : start + 5_000])
	frappe.db.commit()


def reset() -> None:
	"""Every seeded opportunity stale and Replied again, and what the closing left gone."""
	opportunity = frappe.qb.DocType("Opportunity")
	(
		frappe.qb.update(opportunity)
		.set(opportunity.status, "Replied")
		.set(opportunity.modified, add_days(now_datetime(), -2 * IDLE_DAYS))
		.set(opportunity.forecast_category, "Commit")
		.set(opportunity.auto_close_warned_on, None)
		.where(opportunity.name.like(f"{PREFIX}%"))
		.run()
	)
	frappe.db.delete("Version", {"ref_doctype": "Opportunity", "docname": ("like", f"{PREFIX}%")})
	frappe.db.delete(
		"Comment", {"reference_doctype": "Opportunity", "reference_name": ("like", f"{PREFIX}%")}
	)
	for history in ("Opportunity History", "Opportunity Stage Log"):
		if frappe.db.table_exists(history):
			frappe.db.delete(history, {"opportunity": ("like", f"{PREFIX}%")})
	frappe.db.commit()


def remove_seeded() -> None:
	"""The seeded opportunities and what closing them left, gone (the site is as before)."""
	like = ("like", f"{PREFIX}%")
	for doctype, field in (
		("Version", "docname"),
		("Comment", "reference_name"),
		("ToDo", "reference_name"),
		("Notification Log", "document_name"),
		("Opportunity History", "opportunity"),
		("Opportunity Stage Log", "opportunity"),
		("Opportunity", "name"),
	):
		if frappe.db.table_exists(doctype):
			frappe.db.delete(doctype, {field: like})
	frappe.db.commit()


def left_behind() -> dict:
	like = ("like", f"{PREFIX}%")
	return {
		"closed": frappe.db.count("Opportunity", {"name": like, "status": "Closed"}),
		"omitted from forecast": frappe.db.count(
			"Opportunity", {"name": like, "status": "Closed", "forecast_category": "Omitted"}
		),
		"versions": frappe.db.count("Version", {"ref_doctype": "Opportunity", "docname": like}),
		"versions saying why": frappe.db.count(
			"Version",
			{"ref_doctype": "Opportunity", "docname": like, "data": ("like", f"%{SETTINGS}%")},
		),
	}


def timed(call) -> float:
	start = time.perf_counter()
	call()
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


def run(count: int = 10_000):
	from erpnext.crm.doctype.opportunity.opportunity import auto_close_opportunity

	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	frappe.db.set_single_value("CRM Settings", "close_opportunity_after_days", IDLE_DAYS)
	remove_seeded()
	print(f"seeding {count} stale opportunities ...", flush=True)
	seed(count)

	print("ERPNext's auto_close_opportunity ...", flush=True)
	stock = timed(auto_close_opportunity)
	stock_left = left_behind()
	reset()

	settings = frappe.get_single("Opportunity Settings")
	before = {field: settings.get(field) for field in ("auto_close_enabled", "auto_close_after_days",
		"auto_close_warn_days", "auto_close_action")}  # fmt: skip
	statuses = [row.status for row in settings.auto_close_statuses]
	enable_app_job()
	print("opportunity_ext's auto-close ...", flush=True)
	summary = {}
	ours = timed(lambda: summary.update(process_stale_opportunities()))
	ours_left = left_behind()
	settings = frappe.get_single("Opportunity Settings")  # as the admin had it
	settings.update(before)
	settings.set("auto_close_statuses", [{"status": status} for status in statuses])
	settings.save()

	print()
	print(
		f"ERPNext's auto_close_opportunity, {count} stale: {stock:.1f} s ({stock / count * 1000:.1f} ms each)"
	)
	print(f"  left behind: {stock_left}")
	print(f"opportunity_ext's auto-close, {count} stale: {ours:.1f} s ({ours / count * 1000:.1f} ms each)")
	print(f"  left behind: {ours_left}; the job's summary: {summary}")
	print(f"ratio (app / ERPNext): {ours / stock:.2f} (goal <= 0.50)")
	remove_seeded()
