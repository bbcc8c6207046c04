"""The Opportunity Quotation print format, rendered to PDF in English, Persian and Thai.

wkhtmltopdf draws the bundled Persian and Thai web fonts as outlines, so their PDFs
carry no text layer: the check reads the page back with OCR, as a customer's eye would.
"""

import io
import shutil
import subprocess
import tempfile

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation
from frappe.tests.utils import FrappeTestCase
from frappe.translate import print_language
from frappe.utils import add_days, today

from opportunity_ext.tests.utils import make_customer, make_item, make_opportunity

PRINT_FORMAT = "Opportunity Quotation"


def pdf_of(quotation: str, lang: str) -> bytes:
	with print_language(lang):
		return frappe.get_print("Quotation", quotation, print_format=PRINT_FORMAT, as_pdf=True)


def html_of(quotation: str, lang: str) -> str:
	with print_language(lang):
		return frappe.get_print("Quotation", quotation, print_format=PRINT_FORMAT)


def ocr_first_page(pdf: bytes) -> str:
	for tool in ("pdftoppm", "tesseract"):
		if not shutil.which(tool):
			raise AssertionError(
				f"{tool} is needed to read the PDF back (Debian: poppler-utils, tesseract-ocr)"
			)
	with tempfile.TemporaryDirectory() as folder:
		with open(f"{folder}/quotation.pdf", "wb") as f:
			f.write(pdf)
		subprocess.run(
			["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", "quotation.pdf", "page"],
			cwd=folder,
			check=True,
		)
		result = subprocess.run(["tesseract", "page.png", "-"], cwd=folder, capture_output=True, text=True)
		return result.stdout


class TestOpportunityQuotationPrint(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.quotations = {}
		for lang, customer, item in (
			("en", "Globex Corporation", "Industrial Pump X200"),
			("fa", "شرکت پارس صنعت", "پمپ صنعتی مدل ۲۰۰"),
			("th", "บริษัท สยามเทค จำกัด", "ปั๊มอุตสาหกรรม X200"),
		):
			opportunity = make_opportunity(
				make_customer(customer),
				items=[{"item_code": make_item(item), "qty": 2, "rate": 1450}],
				opportunity_owner="Administrator",
			)
			quotation = make_quotation(opportunity.name)
			quotation.valid_till = add_days(today(), 30)
			quotation.terms = "Delivery within 4 weeks of order."
			quotation.insert()
			cls.quotations[lang] = quotation

	def test_print_format_is_shipped_for_quotation(self):
		print_format = frappe.get_doc("Print Format", PRINT_FORMAT)
		self.assertEqual(print_format.doc_type, "Quotation")
		self.assertEqual(print_format.standard, "Yes")
		self.assertEqual(print_format.print_format_type, "Jinja")

	def test_html_layout_per_language(self):
		english = html_of(self.quotations["en"].name, "en")
		self.assertIn('dir="ltr"', english)
		self.assertIn("Globex Corporation", english)
		self.assertIn(self.quotations["en"].opportunity, english)

		persian = html_of(self.quotations["fa"].name, "fa")
		self.assertIn('class="oppext-quotation oppext-lang-fa" dir="rtl"', persian)
		self.assertIn("شرکت پارس صنعت", persian)
		self.assertIn('<span class="oppext-ltr">۲۰۰</span>', persian, "digits in Persian text are isolated")
		self.assertIn("Vazirmatn", persian)

		thai = html_of(self.quotations["th"].name, "th")
		self.assertIn('dir="ltr"', thai)
		self.assertIn("oppext-lang-th", thai)
		self.assertIn("Sarabun", thai)

	def test_pdf_in_english_has_the_quotation_as_text(self):
		from pypdf import PdfReader

		quotation = self.quotations["en"]
		pdf = pdf_of(quotation.name, "en")
		self.assertTrue(pdf.startswith(b"%PDF"))
		text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
		for expected in (quotation.name, "Globex Corporation", "Industrial Pump X200", "YOUR CONTACT"):
			self.assertIn(expected, text)

	def test_pdf_in_persian_and_thai_shows_the_quotation(self):
		for lang in ("fa", "th"):
			quotation = self.quotations[lang]
			pdf = pdf_of(quotation.name, lang)
			self.assertTrue(pdf.startswith(b"%PDF"), lang)
			self.assertIn(
				quotation.name, ocr_first_page(pdf), f"{lang}: the quotation's name is not on the page"
			)
