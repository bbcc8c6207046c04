"""Benchmark: the Opportunity list and two reports as Administrator, as a Sales User without
User Permissions, and as a Sales User restricted to a few customers (User Permissions on
Customer, applied through `party_customer`).

Goal: the Sales User without User Permissions pays nothing (same time as before the change:
no condition is added for them); the restricted user's list stays an indexed lookup.

On a throwaway site:   BENCHMARK=party_permissions ./run-tests
On the dev site (it inserts rows named BENCH-PP-… and deletes them afterwards):
    oppext-console <<'PY'
    from benchmarks.party_permissions import run; run(count=20_000)
    PY
"""

import frappe
from frappe.utils import add_days, now_datetime, today

from benchmarks.common import DEAL_FIELDS, deal_values, median_seconds, time_reports
from opportunity_ext.tests.utils import company, make_customer, make_user

PREFIX = "BENCH-PP-"
CUSTOMERS = 200
ALLOWED = 5
REPORTS = ("Opportunity Pipeline", "Won and Lost Analysis")
PLAIN_USER = "bench-party-plain@example.com"
RESTRICTED_USER = "bench-party-restricted@example.com"
STATUSES = ("Open", "Replied", "Quotation", "Converted", "Lost")


def seed(count: int) -> list[str]:
	customers = [make_customer(f"_Bench Party Customer {i:03d}") for i in range(CUSTOMERS)]
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	now = now_datetime()
	rows = []
	for i in range(count):
		customer = customers[i % CUSTOMERS]
		status = STATUSES[i % len(STATUSES)]
		closed = add_days(today(), -(i % 200))
		rows.append(
			(
				f"{PREFIX}{i:07d}",
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				"Customer",
				customer,
				customer,
				customer,
				customer,
				*deal_values(i, status, currency, 1000),
				closed if status == "Converted" else None,
				closed if status == "Lost" else None,
			)  # fmt: skip
		)
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "opportunity_from",
		"party_name", "customer_name", "title", "party_customer", *DEAL_FIELDS, "won_date", "lost_date"]  # fmt: skip
	for chunk in range(0, len(rows), 20_000):
		frappe.db.bulk_insert("Opportunity", fields, rows[chunk : chunk + 20_000])
	frappe.db.commit()
	return customers


def restrict(customers: list[str]) -> None:
	make_user(PLAIN_USER, ["Sales User"])
	make_user(RESTRICTED_USER, ["Sales User"])
	frappe.db.delete("User Permission", {"user": RESTRICTED_USER})
	for customer in customers[:ALLOWED]:
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": RESTRICTED_USER,
				"allow": "Customer",
				"for_value": customer,
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	frappe.cache.hdel("user_permissions", RESTRICTED_USER)


def list_page():
	return frappe.get_list(
		"Opportunity",
		fields=["name", "title", "status", "party_name", "opportunity_amount", "modified"],
		order_by="`tabOpportunity`.`modified` desc",
		limit_page_length=20,
	)


def list_count():
	return frappe.get_list("Opportunity", fields=["count(*) as n"], order_by="")[0].n


def timings(user: str) -> dict:
	frappe.set_user(user)
	try:
		found = {
			"list page": median_seconds(list_page, 5),
			"list count": median_seconds(list_count, 5),
			**time_reports(REPORTS, {"company": company(), "from_date": add_days(today(), -800)}),
		}
		found["rows"] = list_count()
		return found
	finally:
		frappe.set_user("Administrator")


def cleanup() -> None:
	frappe.db.delete("Opportunity", {"name": ("like", f"{PREFIX}%")})
	frappe.db.delete("User Permission", {"user": RESTRICTED_USER})
	frappe.db.commit()
	frappe.cache.hdel("user_permissions", RESTRICTED_USER)


def run(count: int = 20_000):
	print(f"seeding {count} opportunities of {CUSTOMERS} customers ...", flush=True)
	customers = seed(count)
	try:
		restrict(customers)
		results = {
			"Administrator": timings("Administrator"),
			"Sales User": timings(PLAIN_USER),
			f"restricted ({ALLOWED} customers)": timings(RESTRICTED_USER),
		}
		queries = {}
		for user in (PLAIN_USER, RESTRICTED_USER):
			frappe.set_user(user)
			queries[user] = frappe.get_list("Opportunity", fields=["name"], order_by="", run=False)
		frappe.set_user("Administrator")
	finally:
		cleanup()
	measures = ["list page", "list count", *REPORTS]
	print()
	print(f"{'user':<28}{'rows':>8}" + "".join(f"{m:>24}" for m in measures))
	for user, found in results.items():
		print(f"{user:<28}{found['rows']:>8}" + "".join(f"{found[m] * 1000:>22.1f}ms" for m in measures))
	plain, restricted = results["Sales User"], results[f"restricted ({ALLOWED} customers)"]
	print(
		f"{'ratio restricted / plain':<36}" + "".join(f"{restricted[m] / plain[m]:>24.2f}" for m in measures)
	)
	admin = results["Administrator"]
	print(f"{'ratio plain / Administrator':<36}" + "".join(f"{plain[m] / admin[m]:>24.2f}" for m in measures))
	for user, query in queries.items():
		print(f"\n{user}'s list query: {query}")
