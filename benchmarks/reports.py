"""Benchmark: each report at 10,000 and 100,000 opportunities.

Run on a throwaway site (it bulk-inserts opportunities):
    BENCHMARK=reports ./run-tests

Goals: every report <= 300 ms at 10,000 and <= 1 s at 100,000 (linear growth), each
printed beside a baseline measured in the same run (the user's opportunities counted by
status through frappe.get_list).
"""

import frappe
from frappe.utils import add_days, now_datetime, today

from benchmarks.common import DEAL_FIELDS, deal_values, time_reports
from opportunity_ext.constants import FORECAST_CATEGORIES
from opportunity_ext.tests.utils import (
	company,
	make_campaign,
	make_competitor,
	make_customer,
	make_lost_reason,
	make_sales_stage,
)

PREFIX = "BENCH-RP-"
REPORTS = (
	"Opportunity Pipeline",
	"Won and Lost Analysis",
	"Competitor Analysis",
	"Campaign Performance",
	"Time to Close",
	"First Response Time by Owner",
	"Sales Forecast",
	"Pipeline Velocity",
)
STATUSES = ("Open", "Replied", "Quotation", "Converted", "Lost", "Closed")


def setup_masters():
	stages = [make_sales_stage(f"_Bench Stage {i}", 10 * (i + 1)) for i in range(6)]
	campaigns = [make_campaign(f"_Bench Campaign {i}") for i in range(10)]
	competitors = [make_competitor(f"_Bench Competitor {i}") for i in range(8)]
	reason = make_lost_reason("_Bench Lost Reason")
	frappe.db.commit()
	return stages, campaigns, competitors, reason


def seed(start: int, stop: int, masters) -> None:
	stages, campaigns, competitors, reason = masters
	customer = make_customer("_OppExt Bench Customer")
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	now = now_datetime()
	base = ["creation", "modified", "owner", "modified_by", "docstatus"]
	stamp = (now, now, "Administrator", "Administrator", 0)
	opportunities, competitor_rows, reason_rows = [], [], []
	for i in range(start, stop):
		name = f"{PREFIX}{i:07d}"
		status = STATUSES[i % len(STATUSES)]
		closed = add_days(today(), -(i % 300)) if status in ("Converted", "Lost") else None
		opportunities.append(
			(
				name,
				*stamp,
				"Customer",
				customer,
				customer,
				customer,
				*deal_values(i, status, currency, 1000 + i % 5000),
				stages[i % 6],
				campaigns[i % 10],
				"Campaign",
				"Sales",
				f"rep{i % 20}@example.com",
				closed if status == "Converted" else None,
				closed if status == "Lost" else None,
				(i % 300) if closed else 0,
				(i % 86400) if i % 3 else 0,
				add_days(today(), (i % 400) - 200) if i % 7 else None,  # expected closing; some without
				FORECAST_CATEGORIES[i % 3],
			)  # fmt: skip
		)
		competitor_rows.append(
			(
				frappe.generate_hash(length=12),
				*stamp,
				name,
				"Opportunity",
				"competitor_details",
				1,
				competitors[i % 8],
				900 + i % 100,
			)  # fmt: skip
		)
		if status == "Lost":
			reason_rows.append(
				(frappe.generate_hash(length=12), *stamp, name, "Opportunity", "lost_reasons", 1, reason)
			)
	fields = ["name", *base, "opportunity_from", "party_name", "customer_name", "title", *DEAL_FIELDS,
		"sales_stage", "campaign", "source", "opportunity_type",
		"opportunity_owner", "won_date", "lost_date", "days_to_close", "first_response_time",
		"expected_closing", "forecast_category"]  # fmt: skip
	child = ["name", *base, "parent", "parenttype", "parentfield", "idx"]
	for chunk in range(0, len(opportunities), 20_000):
		frappe.db.bulk_insert("Opportunity", fields, opportunities[chunk : chunk + 20_000])
		frappe.db.bulk_insert(
			"Opportunity Competitor",
			[*child, "competitor", "offer_amount"],
			competitor_rows[chunk : chunk + 20_000],
		)
	frappe.db.bulk_insert("Opportunity Lost Reason Detail", [*child, "lost_reason"], reason_rows)
	frappe.db.commit()
	frappe.db.sql(
		"analyze table `tabOpportunity`, `tabOpportunity Competitor`, `tabOpportunity Lost Reason Detail`"
	)


def report_filters() -> dict:
	return {"company": company(), "from_date": add_days(today(), -800), "to_date": today()}


def baseline(filters: dict) -> float:
	"""Median seconds of the plainest report a site could have: the user's opportunities
	counted by status through frappe.get_list, the same filters. Each report's time is
	printed against it, measured in the same run."""
	from benchmarks.common import median_seconds

	conditions = [["Opportunity", "company", "=", filters["company"]]]
	return median_seconds(
		lambda: frappe.get_list(
			"Opportunity", filters=conditions, fields=["status", "count(name) as deals"], group_by="status"
		)
	)


def print_table(reports, sizes: tuple[int, int], timings: tuple[dict, dict]) -> None:
	small, large = sizes
	print()
	print(f"{'report':<32} {small:>10,} {large:>10,}  ratio (goal <= 10; <= 300 ms, <= 1 s)")
	for report in (*reports, "baseline: get_list by status"):
		at_small, at_large = (timing[report] for timing in timings)
		print(f"{report:<32} {at_small * 1000:>8.0f}ms {at_large * 1000:>8.0f}ms  {at_large / at_small:5.1f}")


def run(small: int = 10_000, large: int = 100_000):
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	masters = setup_masters()
	print(f"seeding {small} opportunities ...", flush=True)
	seed(0, small, masters)
	at_small = time_reports(REPORTS, report_filters())
	at_small["baseline: get_list by status"] = baseline(report_filters())
	print(f"seeding up to {large} ...", flush=True)
	seed(small, large, masters)
	at_large = time_reports(REPORTS, report_filters())
	at_large["baseline: get_list by status"] = baseline(report_filters())
	print_table(REPORTS, (small, large), (at_small, at_large))
