"""The Opportunity Quotation PDF a customer receives, through Frappe's own print path
(`frappe.get_print(as_pdf=True)` inside `print_language`), read back with pdffonts and
pdftotext: whole, searchable, and in the customer's own conventions."""

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
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


def png(width: int, height: int, colour=(200, 30, 30)) -> bytes:
	"""A plain PNG of a size no other image of the page has: found again by its size."""
	rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

	def chunk(kind: bytes, data: bytes) -> bytes:
		return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

	header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
	return (
		b"\x89PNG\r\n\x1a\n"
		+ chunk(b"IHDR", header)
		+ chunk(b"IDAT", zlib.compress(rows))
		+ chunk(b"IEND", b"")
	)


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
	"""(width, height) of each image drawn in the PDF (pdfimages -list), masks aside."""
	lines = read_back(pdf, "pdfimages", "-list").splitlines()[2:]
	return [(int(cols[3]), int(cols[4])) for cols in map(str.split, lines) if cols and cols[2] == "image"]


def save_file(name: str, content: bytes, is_private: int) -> str:
	"""A File as a user would upload it (unattached: only its owner and managers read it)."""
	file = frappe.get_doc(
		{"doctype": "File", "file_name": name, "content": content, "is_private": is_private}
	).insert(ignore_permissions=True)
	return file.file_url


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


def tax_account() -> str:
	from opportunity_ext.tests.utils import company

	account = frappe.db.get_value("Account", {"company": company(), "account_type": "Tax", "is_group": 0})
	if account:
		return account
	parent = frappe.db.get_value(
		"Account", {"company": company(), "root_type": "Liability", "is_group": 1}, order_by="lft desc"
	)
	return (
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "_OppExt ST 6%",
				"parent_account": parent,
				"company": company(),
				"account_type": "Tax",
				"tax_rate": 6,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestTheCustomersConventions(FrappeTestCase):
	"""What the customer reads in the PDF: amounts, percentages, units and taxes as their
	language writes them (Persian: ۱٬۲۳۴٫۵۰, ۱۰۰٪, عدد), with no rate repeated in Latin."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_single_value("Opportunity Settings", "persian_digits", 1)
		opportunity = make_opportunity(
			make_customer("_OppExt Conventions Customer"),
			items=[{"item_code": make_item("_OppExt Conventions Pump"), "qty": 1200, "rate": 1450.5}],
		)
		quotation = make_quotation(opportunity.name)
		quotation.taxes_and_charges, quotation.taxes = None, []  # one tax row: the site's default aside
		quotation.append(
			"taxes",
			{
				"charge_type": "On Net Total",
				"account_head": tax_account(),
				"description": "ST 6% @ 6.0",  # as ERPNext's setup wizard describes its taxes
				"rate": 6,
			},
		)
		quotation.insert()
		cls.quotation = quotation

	def test_the_quotation_opens_and_prints_in_the_apps_format(self):
		self.assertEqual(frappe.get_meta("Quotation").default_print_format, PRINT_FORMAT)

	def test_an_admins_default_print_format_is_kept_by_migrate_and_uninstall(self):
		from frappe.custom.doctype.property_setter.property_setter import make_property_setter

		from opportunity_ext.setup import install
		from opportunity_ext.setup.property_setters import PROPERTY_SETTERS

		ours = next(setter for setter in PROPERTY_SETTERS if setter["property"] == "default_print_format")
		filters = install.property_setter_filters(ours)
		# the installer's own steps, on this one property only
		with patch.object(install, "CUSTOM_FIELDS", {}), patch.object(install, "PROPERTY_SETTERS", [ours]):
			frappe.db.delete("Property Setter", filters)
			install.apply_customizations()
			self.assertEqual(install.property_setter_value(ours), PRINT_FORMAT, "set when there is none")
			install.remove_customizations()
			self.assertFalse(frappe.db.exists("Property Setter", filters), "uninstall removes ours")

			make_property_setter(
				"Quotation", None, "default_print_format", "Standard", "Data", for_doctype=True
			)
			install.apply_customizations()
			self.assertEqual(install.property_setter_value(ours), "Standard", "migrate keeps the admin's")
			install.remove_customizations()
			self.assertEqual(install.property_setter_value(ours), "Standard", "uninstall keeps the admin's")

			frappe.db.delete("Property Setter", filters)
			install.apply_customizations()
		self.assertEqual(frappe.get_meta("Quotation").default_print_format, PRINT_FORMAT)

	def test_persian_amounts_percentages_units_and_taxes(self):
		self.assertTrue(self.quotation.payment_schedule, "ERPNext's one payment term: 100 %")
		pdf = pdf_of(self.quotation.name, "fa")
		text = pdf_text(pdf)
		self.png(pdf, "fa")
		self.assertIn("۱٬۷۴۰٬۶۰۰٫۰۰", text, "the amount with Persian separators")
		self.assertIn("۱٬۲۰۰", text, "the quantity too")
		self.assertNotRegex(text, r"[۰-۹][,.][۰-۹]", "no Latin separator between Persian digits")
		self.assertIn("۱۰۰٪", text, "the percent sign of Persian, without a useless .0")
		self.assertIn("عدد", text, "a count of Nos reads عدد")
		self.assertNotIn("شماره", text)
		self.assertNotIn("@", text, "the tax rate is not repeated")
		self.assertIn("ST ۶٪", text, "the tax's own name, its figures in Persian")

	def test_english_taxes_and_percentages(self):
		pdf = pdf_of(self.quotation.name, "en")
		text = pdf_text(pdf)
		self.png(pdf, "en")
		self.assertIn("ST 6%", text)
		self.assertNotIn("@ 6.0", text)
		self.assertIn("100%", text)
		self.assertNotIn("100.0%", text)

	def png(self, pdf: bytes, lang: str) -> None:
		"""The first page as PNG, to look at (kept in the site's folder)."""
		folder = frappe.get_site_path("oppext-pdf-pages")
		os.makedirs(folder, exist_ok=True)
		with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
			f.write(pdf)
			f.flush()
			subprocess.run(
				[
					"pdftoppm",
					"-png",
					"-r",
					"80",
					"-f",
					"1",
					"-l",
					"1",
					f.name,
					os.path.join(folder, f"quotation-{lang}"),
				],
				check=True,
			)


class TestWhatThePdfMayShow(FrappeTestCase):
	"""A Sales User prints the quotation: the PDF shows the files they may read, nothing else
	of the server's disk, and runs no script."""

	SECRET, PUBLIC, OUTSIDE = (37, 23), (41, 29), (43, 31)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.seller = make_user("oppext-print-seller@example.com", ["Sales User"])
		cls.secret = save_file("oppext-secret-drawing.png", png(*cls.SECRET), is_private=1)
		cls.public = save_file("oppext-public-photo.png", png(*cls.PUBLIC, (30, 160, 30)), is_private=0)
		# a file beside the site's folders, not under public/files: reached only by ../
		cls.outside = frappe.get_site_path("oppext-outside.png")
		with open(cls.outside, "wb") as f:
			f.write(png(*cls.OUTSIDE))
		opportunity = make_opportunity(
			make_customer("_OppExt Print Files Customer"),
			items=[{"item_code": make_item("_OppExt Print Files Item"), "qty": 1, "rate": 10}],
		)
		cls.quotation = make_quotation(opportunity.name)
		cls.quotation.insert()

	@classmethod
	def tearDownClass(cls):
		if os.path.exists(cls.outside):
			os.remove(cls.outside)
		super().tearDownClass()

	def print_with_terms(self, terms: str, user: str) -> bytes:
		frappe.db.set_value("Quotation", self.quotation.name, "terms", terms)
		with self.set_user(user):
			return pdf_of(self.quotation.name, "en")

	def test_a_private_image_the_user_may_not_read_is_not_in_their_pdf(self):
		terms = f'<p>Drawing: <img src="{self.secret}"></p>'
		self.assertIn(
			self.SECRET, image_sizes(self.print_with_terms(terms, "Administrator")), "it may read it"
		)
		pdf = self.print_with_terms(terms, self.seller)
		self.assertNotIn(self.SECRET, image_sizes(pdf), "a private file the Sales User may not read")
		self.assertIn(self.quotation.name, pdf_text(pdf), "the print still succeeds")

	def test_a_public_image_is_in_the_pdf(self):
		pdf = self.print_with_terms(f'<p><img src="{self.public}"></p>', self.seller)
		self.assertIn(self.PUBLIC, image_sizes(pdf))

	def test_no_path_out_of_the_public_files_is_read(self):
		secret_name = self.secret.rsplit("/", 1)[1]
		pdf = self.print_with_terms(
			"<p>"
			'<img src="/files/../../oppext-outside.png">'
			'<img src="/files/%2e%2e/%2e%2e/oppext-outside.png">'
			f'<img src="/files/../../private/files/{secret_name}">'
			f'<img src="file://{os.path.realpath(self.outside)}">'
			f'<img src="/assets/../{frappe.local.site}/oppext-outside.png">'
			"</p>",
			self.seller,
		)
		self.assertNotIn(self.OUTSIDE, image_sizes(pdf))
		self.assertNotIn(self.SECRET, image_sizes(pdf))
		baseline = image_sizes(self.print_with_terms("<p>No drawing</p>", self.seller))
		self.assertEqual(image_sizes(pdf), baseline, "no broken image drawn in their place either")
		files = chromium_pdf.PageFiles()
		self.assertIsNone(files.file_path("/files/../../site_config.json"))
		self.assertIsNone(files.data_url("/files/../../site_config.json"))
		self.assertIsNone(files.data_url("/assets/../site_config.json"))

	def test_no_script_and_no_frame_of_the_printed_values_runs(self):
		"""Values printed as HTML reach Chromium as they are in another print format: a script
		or a frame in them shows nothing of the server."""
		page = (
			"<html><head></head><body><div class='print-format'><p>Quotation body</p>"
			"<script>document.write('SCRIPT-RAN')</script>"
			f"<iframe src='file://{os.path.realpath(frappe.get_site_path('site_config.json'))}'></iframe>"
			f"<object data='/files/../../site_config.json'></object>"
			"<meta http-equiv='refresh' content='0;url=file:///etc/hostname'>"
			"</div></body></html>"
		)
		with self.set_user(self.seller):
			pdf = chromium_pdf.get_pdf(html=page, pdf_generator="chrome")
		text = pdf_text(pdf)
		self.assertIn("Quotation body", text)
		self.assertNotIn("SCRIPT-RAN", text)
		self.assertNotIn("db_name", text)
