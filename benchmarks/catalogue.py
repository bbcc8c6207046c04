"""Benchmark: the product catalogue on 100,000 items.

Run on a throwaway site:
    BENCHMARK=catalogue ./run-tests

Prints the median server time of a group's first page, a later page, and a search (goal:
under 150 ms a page), and of the group tree with its counts.
"""

import frappe
from frappe.utils import now_datetime, today

from benchmarks.common import median_seconds
from opportunity_ext.sales_documents.catalogue import get_catalogue_items, get_item_groups
from opportunity_ext.tests.utils import company

GROUPS = 20


def seed(count: int) -> list[str]:
	groups = []
	for number in range(GROUPS):
		name = f"Bench Catalogue {number:02d}"
		if not frappe.db.exists("Item Group", name):
			frappe.get_doc(
				{"doctype": "Item Group", "item_group_name": name, "parent_item_group": "All Item Groups"}
			).insert()
		groups.append(name)
	now = now_datetime()
	rows = [
		(f"BENCH-CAT-{n:06d}", now, now, "Administrator", "Administrator", f"BENCH-CAT-{n:06d}",
			f"Catalogue product {n}", f"Product {n} of group {n % GROUPS}", groups[n % GROUPS], "Nos", 0, 1, 0, 0)
		for n in range(count)
	]  # fmt: skip
	fields = ["name", "creation", "modified", "owner", "modified_by", "item_code", "item_name", "description",
		"item_group", "stock_uom", "is_stock_item", "is_sales_item", "has_variants", "disabled"]  # fmt: skip
	for chunk in range(0, len(rows), 20_000):
		frappe.db.bulk_insert("Item", fields, rows[chunk : chunk + 20_000])
	frappe.db.commit()
	frappe.db.sql("analyze table `tabItem`")
	return groups


def median_ms(call, repeat: int = 5) -> float:
	return median_seconds(call, repeat) * 1000


def run(count: int = 100_000):
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	groups = seed(count)
	page = dict(price_list="Standard Selling", currency="USD", transaction_date=today(), company=company())
	print(f"catalogue of {count:,} items (median of 5, goal < 150 ms a page)")
	print(f"group tree with counts: {median_ms(get_item_groups):8.1f} ms")
	print(
		f"a group's first page:   {median_ms(lambda: get_catalogue_items(item_group=groups[3], **page)):8.1f} ms"
	)
	print(
		f"a group's 100th page:   {median_ms(lambda: get_catalogue_items(item_group=groups[3], start=2000, **page)):8.1f} ms"
	)
	print(
		f"search 'product 4242':  {median_ms(lambda: get_catalogue_items(search='product 4242', **page)):8.1f} ms"
	)
	frappe.db.rollback()
