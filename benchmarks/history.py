"""Benchmark: the opportunity history.

Run on a throwaway site:
    BENCHMARK=history ./run-tests

Prints
- the recording overhead on an opportunity save: saves with the history's on_change
  against the same saves with recording switched off (goal <= 5 %);
- the backfill of N opportunities with 5 versions each from the Version log (goal: 100,000
  in <= 60 s);
- each history report at 10,000 and 100,000 opportunities (goals <= 300 ms and <= 1 s),
  beside the baseline of benchmarks/reports.py measured in the same run.
"""

import json
import statistics
import time
from contextlib import nullcontext
from unittest.mock import patch

import frappe
from frappe.utils import add_days, add_to_date, now_datetime, today

from benchmarks.common import time_reports, time_saves_in_turn
from benchmarks.reports import baseline, print_table
from opportunity_ext.lifecycle.history.backfill import backfill
from opportunity_ext.overrides import opportunity as opportunity_events
from opportunity_ext.tests.utils import company, make_customer, make_opportunity, make_sales_stage

PREFIX = "BENCH-HI-"
REPORTS = ("Stage Duration", "Stage Conversion", "Pipeline Changes")
STAGES = ("Bench Qualify", "Bench Propose", "Bench Negotiate", "Bench Commit")


def time_saves(count: int) -> tuple[float, float]:
	"""Median seconds of a save with and without the history's recording, the two taken in
	turn on the same opportunity (after a warm-up), so drift in the machine hits both alike."""
	opportunity = make_opportunity(make_customer("Bench History Customer"))

	def change(number):
		opportunity.probability = 10 + number % 80

	# where the save's on_change calls it (imported by name there)
	return time_saves_in_turn(
		opportunity,
		change,
		lambda: patch.object(opportunity_events, "record_changes", lambda doc: None),
		count,
	)


def seed(start: int, stop: int) -> None:
	"""Opportunities as plain rows, each with 5 Versions of stage and amount changes."""
	now = now_datetime()
	base = ["creation", "modified", "owner", "modified_by"]
	rows, versions = [], []
	for number in range(start, stop):
		name = f"{PREFIX}{number:07d}"
		created = add_to_date(now, days=-(number % 300) - 10)
		rows.append((name, created, created, "Administrator", "Administrator", "Customer", "Bench History Customer",
			"Bench History Customer", "Open", company(), add_days(today(), -(number % 300)), "USD", 1, 1000, 1000,
			50, 500, STAGES[-1]))  # fmt: skip
		for step in range(5):
			changed = (
				[["sales_stage", STAGES[step], STAGES[step + 1]]]
				if step < 3
				else [["opportunity_amount", f"$ {1000 + step:,}.00", f"$ {1100 + step:,}.00"]]
			)
			at = add_to_date(created, days=step + 1)
			versions.append((frappe.generate_hash(length=12), at, at, "Administrator", "Administrator", "Opportunity", name,
				json.dumps({"changed": changed, "added": [], "removed": [], "row_changed": []})))  # fmt: skip
	fields = ["name", *base, "opportunity_from", "party_name", "customer_name", "status", "company",
		"transaction_date", "currency", "conversion_rate", "opportunity_amount", "base_opportunity_amount",
		"probability", "base_weighted_amount", "sales_stage"]  # fmt: skip
	for chunk in range(0, len(rows), 20_000):
		frappe.db.bulk_insert("Opportunity", fields, rows[chunk : chunk + 20_000])
	for chunk in range(0, len(versions), 50_000):
		frappe.db.bulk_insert(
			"Version",
			["name", *base, "ref_doctype", "docname", "data"],
			versions[chunk : chunk + 50_000],
		)
	frappe.db.commit()


def report_filters() -> dict:
	return {"company": company(), "from_date": add_days(today(), -400), "to_date": today()}


def run(small: int = 10_000, large: int = 100_000, saves: int = 30):
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	for position, stage in enumerate(STAGES):
		make_sales_stage(stage, 10 + 20 * position)
	with_history, without_history = time_saves(saves)
	print(
		f"save: {without_history * 1000:.1f} ms without recording, {with_history * 1000:.1f} ms with "
		f"(+{100 * (with_history / without_history - 1):.1f} %, goal <= 5 %)"
	)

	seed(0, small)
	start = time.perf_counter()
	written = backfill()
	print(f"backfill of {small:,} opportunities: {time.perf_counter() - start:.1f} s ({written:,} rows)")
	frappe.db.sql("analyze table `tabOpportunity History`, `tabOpportunity Stage Log`, `tabOpportunity`")
	at_small = time_reports(REPORTS, report_filters())
	at_small["baseline: get_list by status"] = baseline(report_filters())
	seed(small, large)
	start = time.perf_counter()
	written = backfill()
	print(
		f"backfill of {large - small:,} more opportunities (5 versions each): "
		f"{time.perf_counter() - start:.1f} s ({written:,} rows; goal for 100,000 <= 60 s)"
	)
	frappe.db.sql("analyze table `tabOpportunity History`, `tabOpportunity Stage Log`, `tabOpportunity`")
	at_large = time_reports(REPORTS, report_filters())
	at_large["baseline: get_list by status"] = baseline(report_filters())
	print_table(REPORTS, (small, large), (at_small, at_large))
