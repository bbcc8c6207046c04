"""What the benchmarks share: timing a call, and the reports."""

import statistics
import time
from contextlib import nullcontext

import frappe
from frappe.utils import add_days, today

from opportunity_ext.tests.utils import company

# a bulk-inserted deal's status, company, date and money, in the order of deal_values
DEAL_FIELDS = ["status", "company", "transaction_date", "currency", "conversion_rate", "opportunity_amount",
	"base_opportunity_amount", "probability", "base_weighted_amount"]  # fmt: skip


def median_seconds(call, repeat: int = 3) -> float:
	samples = []
	for _ in range(repeat):
		start = time.perf_counter()
		call()
		samples.append(time.perf_counter() - start)
	return statistics.median(samples)


def time_reports(reports, filters: dict, repeat: int = 3) -> dict[str, float]:
	"""Median seconds of each report's `execute` (reports by name, "Stage Duration")."""
	timings = {}
	for report in reports:
		module = frappe.get_module(
			f"opportunity_ext.opportunity_ext.report.{frappe.scrub(report)}.{frappe.scrub(report)}"
		)
		timings[report] = median_seconds(lambda module=module: module.execute(filters), repeat)
	return timings


def time_saves_in_turn(doc, change, switched_off, count: int) -> tuple[float, float]:
	"""Median seconds of `doc`'s save as it is and inside `switched_off()` (a context manager
	that switches the measured part off), the two taken in turn on the same document after a
	warm-up of 10, so drift in the machine hits both alike; `change(number)` edits it first."""
	samples = {True: [], False: []}
	for number in range(count * 2 + 10):
		measured = number % 2 == 0
		doc.reload()
		change(number)
		with nullcontext() if measured else switched_off():
			start = time.perf_counter()
			doc.save()
			elapsed = time.perf_counter() - start
		if number >= 10:
			samples[measured].append(elapsed)
	return statistics.median(samples[True]), statistics.median(samples[False])


def deal_values(i: int, status: str, currency: str, amount: float) -> tuple:
	"""The DEAL_FIELDS of the i-th bulk-inserted deal: dated back 30 days and more, at 50 %."""
	return (
		status,
		company(),
		add_days(today(), -(i % 365) - 30),
		currency,
		1,
		amount,
		amount,
		50,
		amount / 2,
	)
