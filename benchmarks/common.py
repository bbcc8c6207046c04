"""What the benchmarks share: timing a call, and the reports."""

import statistics
import time

import frappe


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
