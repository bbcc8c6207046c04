"""The Opportunity Quotation PDF a customer receives, through Frappe's own print path
(`frappe.get_print(as_pdf=True)` inside `print_language`), read back with pdffonts and
pdftotext: whole, searchable, and in the customer's own conventions."""

import shutil
import subprocess
import tempfile
from unittest.mock import patch

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation
from frappe.tests.utils import FrappeTestCase
from frappe.translate import print_language
from frappe.utils import add_days, getdate, today

from opportunity_ext.printing import pdf as chromium_pdf
from opportunity_ext.printing.jinja import jalali_date, to_persian_digits
from opportunity_ext.tests.utils import make_customer, make_item, make_opportunity, make_user

PRINT_FORMAT = "Opportunity Quotation"


def pdf_of(quotation: str, lang: str) -> bytes:
	with print_language(lang):
		return frappe.get_print("Quotation", quotation, print_format=PRINT_FORMAT, as_pdf=True)


def html_of(quotation: str, lang: str) -> str:
	with print_language(lang):
		return frappe.get_print("Quotation", quotation, print_format=PRINT_FORMAT)


def read_back(pdf: bytes, tool: str, *args: str) -> str:
	if not shutil.which(tool):
		raise AssertionError(f"{tool} is needed to read the PDF back (Debian: poppler-utils)")
	with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
		f.write(pdf)
		f.flush()
		return subprocess.run([tool, f.name, *args], capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: bytes) -> str:
	"""The text layer, its bidi marks dropped. pdftotext gives the lam-alef ligature (لا)
	back as "ال": both spellings are read as one."""
	text = read_back(pdf, "pdftotext", "-")
	return " ".join(text.translate({ord(mark): None for mark in "\u202a\u202b\u202c\u200e\u200f"}).split())


def embedded_fonts(pdf: bytes) -> list[tuple[str, str]]:
	"""(font name, embedded yes/no) of each font pdffonts lists."""
	lines = read_back(pdf, "pdffonts").splitlines()[2:]
	return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


def holds(text: str, word: str) -> bool:
	"""`word` is in the text layer, whitespace aside (pdftotext spaces out some Thai marks)."""
	text = "".join(text.split())
	return any("".join(form.split()) in text for form in (word, word.replace("لا", "ال")))


class TestOpportunityQuotationPrint(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for field in ("persian_jalali_dates", "persian_digits", "thai_buddhist_era"):
			frappe.db.set_single_value("Opportunity Settings", field, 1)
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
				title=f"Secret expansion of {customer}",
			)
			quotation = make_quotation(opportunity.name)
			quotation.valid_till = add_days(today(), 30)
			quotation.terms = "Delivery within 4 weeks of order."
			quotation.insert()
			cls.quotations[lang] = quotation

	def test_print_format_is_shipped_for_quotation_and_printed_with_chromium(self):
		print_format = frappe.get_doc("Print Format", PRINT_FORMAT)
		self.assertEqual(
			(print_format.doc_type, print_format.standard, print_format.print_format_type),
			("Quotation", "Yes", "Jinja"),
		)
		self.assertEqual(print_format.pdf_generator, "chrome")

	def test_html_layout_per_language(self):
		english = html_of(self.quotations["en"].name, "en")
		self.assertIn('dir="ltr"', english)
		self.assertIn("Globex Corporation", english)
		persian = html_of(self.quotations["fa"].name, "fa")
		self.assertIn('class="oppext-quotation oppext-lang-fa" dir="rtl"', persian)
		self.assertIn("Vazirmatn", persian)
		thai = html_of(self.quotations["th"].name, "th")
		self.assertIn("oppext-lang-th", thai)
		self.assertIn("Sarabun", thai)

	def test_each_pdf_is_whole_searchable_and_in_its_conventions(self):
		for lang, quotation in self.quotations.items():
			pdf = pdf_of(quotation.name, lang)
			self.assertTrue(pdf.startswith(b"%PDF"), lang)
			fonts = embedded_fonts(pdf)
			self.assertTrue(fonts, f"{lang}: no font in the PDF (drawn as outlines?)")
			self.assertTrue(all(embedded == "yes" for _name, embedded in fonts), f"{lang}: {fonts}")
			text = pdf_text(pdf)
			self.assertIn(quotation.name, text, lang)
			self.assertTrue(holds(text, quotation.items[0].item_name), f"{lang}: item name missing: {text}")
			with print_language(lang):
				words = frappe.utils.money_in_words(
					quotation.rounded_total or quotation.grand_total, quotation.currency
				)
			missing = [word for word in words.split() if not holds(text, word)]
			self.assertEqual(missing, [], f"{lang}: the amount in words is not whole: {text}")
			day = getdate(quotation.transaction_date)
			if lang == "fa":
				self.assertIn(to_persian_digits(jalali_date(day)), text, "Jalali date in Persian digits")
			if lang == "th":
				self.assertIn(str(day.year + 543), text, "Buddhist Era year")

	def test_no_dependency_on_the_sites_host_name(self):
		quotation = self.quotations["fa"]
		with patch.dict(frappe.local.conf, {"host_name": "http://127.0.0.1:9"}):
			pdf = pdf_of(quotation.name, "fa")
		self.assertIn(quotation.name, pdf_text(pdf))
		self.assertTrue(any("Vazirmatn" in name for name, _embedded in embedded_fonts(pdf)))

	def test_without_chromium_wkhtmltopdf_prints_and_the_error_log_says_so_once(self):
		frappe.cache.delete_value(chromium_pdf.MISSING_LOGGED_KEY)
		title = "Chromium is missing: PDFs are printed with wkhtmltopdf"
		before = frappe.db.count("Error Log", {"method": title})
		with patch.object(chromium_pdf, "chromium_path", return_value=None):
			first, second = (pdf_of(self.quotations["en"].name, "en") for _ in range(2))
		self.assertTrue(first.startswith(b"%PDF") and second.startswith(b"%PDF"), "the download never fails")
		self.assertEqual(frappe.db.count("Error Log", {"method": title}), before + 1)

	def test_every_printed_value_is_escaped(self):
		quotation = frappe.copy_doc(self.quotations["en"]).insert()
		# values as a careless import or API client could leave them, past the form's cleaning
		frappe.db.set_value("Quotation Item", quotation.items[0].name, "image", 'x" onerror="alert(1)')
		frappe.db.set_value("Quotation", quotation.name, "customer_name", "<script>alert(2)</script>")
		html = html_of(quotation.name, "en")
		self.assertNotIn('onerror="alert(1)', html)
		self.assertIn("x&#34; onerror=&#34;alert(1)", html)
		self.assertNotIn("<script>alert(2)", html)

	def test_the_subject_only_for_a_user_who_may_read_the_opportunity(self):
		quotation = self.quotations["en"]
		self.assertIn("Secret expansion of Globex Corporation", html_of(quotation.name, "en"))
		printer = make_user("oppext-print-only@example.com", ["Maintenance User"])
		with self.set_user(printer):
			html = html_of(quotation.name, "en")
		self.assertIn(quotation.name, html)
		self.assertNotIn("Secret expansion", html)

	def test_the_emailed_pdf_is_the_chromium_one(self):
		"""*Email* with the PDF attached: the Email Queue renders the attachment with
		frappe.attach_print when it sends (the browser flow checks the queued attachment);
		render it the same way and read it back."""
		quotation = self.quotations["fa"]
		emailed = frappe.attach_print("Quotation", quotation.name, print_format=PRINT_FORMAT, lang="fa")
		self.assertTrue(emailed["fname"].endswith(".pdf"))
		text = pdf_text(emailed["fcontent"])
		self.assertIn(quotation.name, text)
		day = getdate(quotation.transaction_date)
		self.assertIn(
			to_persian_digits(jalali_date(day)), text, "the Persian conventions reach the e-mail too"
		)
