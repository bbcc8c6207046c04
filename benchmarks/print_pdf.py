"""Benchmark: the Opportunity Quotation printed to PDF 20 times with each generator.

Run on a throwaway site:
    BENCHMARK=print_pdf ./run-tests

Prints the median seconds per PDF of wkhtmltopdf and of Chromium (the same HTML, from
Frappe's print path, in English and Persian) and their ratio. Goal: Chromium within 2x of
wkhtmltopdf.
"""

import statistics
import time

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation
from frappe.translate import print_language
from frappe.utils import add_days, today
from frappe.utils.pdf import get_pdf as wkhtmltopdf

from opportunity_ext.printing import pdf as chromium
from opportunity_ext.tests.utils import make_customer, make_item, make_opportunity

PRINT_FORMAT = "Opportunity Quotation"


def quotation() -> str:
	opportunity = make_opportunity(
		make_customer("Benchmark Customer"),
		items=[
			{"item_code": make_item(f"Benchmark Item {n}"), "qty": n, "rate": 100 * n} for n in range(1, 6)
		],
	)
	doc = make_quotation(opportunity.name)
	doc.valid_till = add_days(today(), 30)
	doc.insert()
	return doc.name


def median_seconds(make_pdf, html: str, repeat: int) -> float:
	samples = []
	for _ in range(repeat):
		start = time.perf_counter()
		pdf = make_pdf(html)
		samples.append(time.perf_counter() - start)
		assert pdf.startswith(b"%PDF")
	return statistics.median(samples)


def run(repeat: int = 20):
	from opportunity_ext.tests import before_tests

	if not frappe.db.a_row_exists("Company"):
		before_tests()
	browser = chromium.chromium_path()
	assert browser, "Chromium is needed for this benchmark"
	name = quotation()
	print(f"{'language':<10} {'wkhtmltopdf':>12} {'chromium':>12}  ratio (goal <= 2)")
	for lang in ("en", "fa"):
		with print_language(lang):
			html = frappe.get_print("Quotation", name, print_format=PRINT_FORMAT)
			wk = median_seconds(lambda page: wkhtmltopdf(page), html, repeat)
			cr = median_seconds(
				lambda page: chromium.print_with_chromium(
					browser, chromium.prepare_html(page, {}, PRINT_FORMAT)
				),
				html,
				repeat,
			)
		print(f"{lang:<10} {wk * 1000:>10.0f}ms {cr * 1000:>10.0f}ms  {cr / wk:5.2f}")
	frappe.db.rollback()
