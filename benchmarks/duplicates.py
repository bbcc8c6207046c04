"""Benchmark: duplicate opportunities at 100,000.

Run on a throwaway site:
    BENCHMARK=duplicates ./run-tests
or on a shared site, everything it seeds rolled back at the end:
    run(rollback=True)

Seeds opportunities as plain rows with their match keys (a third of them closed: no keys),
in groups as a real site has them (see seed).
Prints
- the duplicate check on save (keys, candidates from the indexes, fuzzy scoring of the
  few, the flags), median of many, for an opportunity in a busy group (goal <= 20 ms);
- the whole save with and without the check;
- the Duplicate Opportunities report (clusters) over all of them (goal <= 2 s).
"""

import statistics
import time
from unittest.mock import patch

import frappe
from frappe.utils import add_days, now_datetime, today

from benchmarks.common import median_seconds
from opportunity_ext.duplicates import events, find
from opportunity_ext.duplicates.rules import FREE_MAIL_DOMAINS
from opportunity_ext.tests.utils import company, make_customer, make_opportunity

PREFIX = "BENCH-DUP-"
FREE = sorted(FREE_MAIL_DOMAINS)


WORDS = (
	"pumps valves boilers chillers servers laptops printers racks cables switches routers "
	"licences support training audit design hosting lighting cooling heating sensors meters "
	"panels inverters batteries forklifts pallets shelving conveyors scanners tablets phones "
	"desks chairs paint tiles glass steel pipes fittings tools"
).split()


def seed(count: int, analyze: bool = True) -> None:
	"""A third closed; of the open ones a fifth share their customer with another deal, one
	in twenty its contact e-mail, one in thirty its phone; a company domain has three deals;
	three in ten write from a free-mail address; titles from two product words."""
	now = now_datetime()
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	rows = []
	for number in range(count):
		open_ = number % 3 != 0
		customer = f"Bench Dup Customer {number // 2 if number % 5 == 0 else number}"
		domain = f"firm{number // 3}.example.org"
		free = number % 10 < 3
		person = number // 2 if number % 20 == 0 else number
		email = f"person{person}@{FREE[number % len(FREE)] if free else domain}"
		phone = f"+1415{(number // 2 if number % 30 == 0 else number):07d}"
		keys = (f"Customer:{customer}", email, phone, None if free else domain) if open_ else (None,) * 4
		title = f"{WORDS[number % len(WORDS)]} and {WORDS[(number * 7 + 3) % len(WORDS)]}"
		created = add_days(now, -(number % 400))
		rows.append(
			(f"{PREFIX}{number:07d}", created, created, "Administrator", "Administrator", "Customer", customer,
			customer, title, "Open" if open_ else "Closed", company(),
			add_days(today(), -(number % 400)), currency, 1, email, *keys, 0)
		)  # fmt: skip
	fields = ["name", "creation", "modified", "owner", "modified_by", "opportunity_from", "party_name",
		"customer_name", "title", "status", "company", "transaction_date", "currency", "conversion_rate",
		"contact_email", "dedupe_party", "dedupe_email", "dedupe_phone", "dedupe_domain",
		"has_possible_duplicates"]  # fmt: skip
	for chunk in range(0, len(rows), 20_000):
		frappe.db.bulk_insert("Opportunity", fields, rows[chunk : chunk + 20_000])
	if analyze:  # an implicit commit
		frappe.db.sql("analyze table `tabOpportunity`")


def time_checks(count: int) -> tuple[float, float, float, int]:
	"""(check on save, save with the check, save without it) in seconds, medians; and how
	many matches the benchmark opportunity has."""
	doc = make_opportunity(
		make_customer("Bench Dup Customer 41"),
		contact_email="person41@firm13.example.org",
		contact_mobile="+14150000041",
		title="pumps and chillers",
	)
	matches = len(find.find_matches(doc))
	check = []
	for _ in range(count):
		start = time.perf_counter()
		find.refresh_keys_and_flags(doc)
		check.append(time.perf_counter() - start)
	saves = {True: [], False: []}
	for number in range(count * 2):
		with_check = number % 2 == 0
		doc.reload()
		doc.probability = 10 + number % 80
		with patch.object(events, "on_change", events.on_change if with_check else (lambda doc: None)):
			start = time.perf_counter()
			doc.save()
			saves[with_check].append(time.perf_counter() - start)
	return statistics.median(check), statistics.median(saves[True]), statistics.median(saves[False]), matches


def run(count: int = 100_000, checks: int = 50, rollback: bool = False):
	from opportunity_ext.opportunity_ext.report.duplicate_opportunities import duplicate_opportunities
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	try:
		start = time.perf_counter()
		seed(count, analyze=not rollback)
		print(f"seeded {count:,} opportunities in {time.perf_counter() - start:.1f} s")
		check, with_check, without_check, matches = time_checks(checks)
		print(
			f"duplicate check on save: {check * 1000:.1f} ms (goal <= 20 ms; {matches} matches); "
			f"save {without_check * 1000:.1f} ms without the check, {with_check * 1000:.1f} ms with"
		)
		rows = []
		report = median_seconds(lambda: rows.append(duplicate_opportunities.execute({})), repeat=3)
		clusters = len({row["cluster"] for row in rows[-1][1]})
		print(
			f"Duplicate Opportunities at {count:,}: {report:.2f} s (goal <= 2 s; "
			f"{clusters:,} clusters, {len(rows[-1][1]):,} rows)"
		)
	finally:
		if rollback:
			frappe.db.rollback()
		else:
			frappe.db.commit()
