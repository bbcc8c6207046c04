"""PDFs printed with headless Chromium, through Frappe 15's `pdf_generator` hook.

wkhtmltopdf (archived upstream) cuts right-to-left lines and draws web fonts as outlines
with no text layer; Chromium prints Persian and Thai whole, with the fonts embedded and
searchable text. A print format takes this path when its *PDF Generator* is "chrome"
(Opportunity Settings → Print Formats Printed with Chromium keeps that in step), on every
path Frappe makes a PDF: the print view's PDF button, `download_pdf`, e-mail attachments,
`frappe.get_print(as_pdf=True)` and bulk print. Without Chromium the hook steps aside,
Frappe prints with wkhtmltopdf, and the Error Log says so once.

The page is self-contained: its CSS, fonts and images are read from the bench's files
(never from `host_name`), and the browser may reach no network.
"""

import os
import re
import shutil
import subprocess
import tempfile

import frappe
from bs4 import BeautifulSoup
from frappe import _

GENERATOR = "chrome"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
MISSING_LOGGED_KEY = "opportunity_ext:chromium_missing_logged"
TIMEOUT_SECONDS = 60
DEFAULT_MARGIN = "15mm"
PAGE_NUMBER_BOXES = {
	"Top Left": "top-left",
	"Top Center": "top-center",
	"Top Right": "top-right",
	"Bottom Left": "bottom-left",
	"Bottom Center": "bottom-center",
	"Bottom Right": "bottom-right",
}
# /assets/…, /files/…, /private/files/… as they appear in src, href and url()
LOCAL_URL = re.compile(
	r"""(?P<quote>["'(])(?P<host>https?://[^/"')]+)?/(?P<path>assets|files|private/files)/"""
)


def get_pdf(print_format=None, html=None, options=None, output=None, pdf_generator=None):
	"""The `pdf_generator` hook: the PDF for "chrome", None for any other generator (or
	without Chromium, so that Frappe prints with wkhtmltopdf)."""
	if pdf_generator != GENERATOR:
		return None
	browser = chromium_path()
	if not browser:
		log_missing_chromium()
		return None
	try:
		pdf = print_with_chromium(browser, prepare_html(html, options or {}, print_format))
	except Exception:
		# never fail the user's download: wkhtmltopdf still prints it
		frappe.log_error(
			title=_("Chromium could not print {0}: printed with wkhtmltopdf").format(print_format)
		)
		return None
	if output is not None:  # bulk print: pages appended to Frappe's PdfWriter
		from io import BytesIO

		from pypdf import PdfReader

		output.append(PdfReader(BytesIO(pdf)))
		return output
	return pdf


def chromium_path() -> str | None:
	configured = frappe.conf.get("chromium_path")
	if configured and os.access(configured, os.X_OK):
		return configured
	return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def log_missing_chromium() -> None:
	"""Once (a day), not on every print: the admin learns why PDFs look like wkhtmltopdf's."""
	if frappe.cache.get_value(MISSING_LOGGED_KEY, expires=True):  # expires: not kept per request
		return
	frappe.cache.set_value(MISSING_LOGGED_KEY, 1, expires_in_sec=24 * 3600)
	frappe.log_error(
		title=_("Chromium is missing: PDFs are printed with wkhtmltopdf"),
		message=_(
			"Install Chromium (Debian: apt-get install chromium) or set chromium_path in site_config.json "
			"for Persian and Thai PDFs with a text layer."
		),
	)


def prepare_html(html: str, options: dict, print_format: str | None = None) -> str:
	"""Frappe's print HTML made self-contained for Chromium: local files for assets, the
	PDF-only parts shown, the page size, margins, footer and page numbers as CSS."""
	from frappe.utils.pdf import get_print_format_styles, toggle_visible_pdf

	soup = BeautifulSoup(local_urls(html), "html5lib")
	page = page_options(options, {style.name: style.value for style in get_print_format_styles(soup)})
	header, footer = (soup.find(id=html_id) for html_id in ("header-html", "footer-html"))
	for part in (header, footer):
		if part:
			part.extract()
			toggle_visible_pdf(part)
	toggle_visible_pdf(soup)
	body = soup.body
	if header:  # the letterhead's header on top of the first page, as in the print view
		body.insert(0, header)
	if footer:  # Chromium repeats a fixed element on every page
		footer["class"] = [*footer.get("class", []), "oppext-pdf-footer"]
		body.append(footer)
	page_number = frappe.db.get_value("Print Format", print_format, "page_number") if print_format else None
	style = soup.new_tag("style")
	style.string = page_css(page, bool(footer), PAGE_NUMBER_BOXES.get(page_number or ""))
	soup.head.append(style)
	return str(soup)


def local_urls(html: str) -> str:
	"""/assets, /files and /private/files (also on this site's own host) as file paths."""
	sites = os.path.abspath(frappe.local.sites_path)
	site = os.path.abspath(frappe.get_site_path())
	roots = {
		"assets": f"file://{sites}/assets/",
		"files": f"file://{site}/public/files/",
		"private/files": f"file://{site}/private/files/",
	}
	return LOCAL_URL.sub(lambda match: match["quote"] + roots[match["path"]], html)


def page_options(options: dict, html_options: dict) -> dict:
	"""Page size, orientation and margins as wkhtmltopdf would take them."""
	merged = {**options, **html_options}
	size = merged.get("page-size") or frappe.db.get_single_value("Print Settings", "pdf_page_size") or "A4"
	if size == "Custom":
		height = merged.get("page-height") or frappe.db.get_single_value("Print Settings", "pdf_page_height")
		width = merged.get("page-width") or frappe.db.get_single_value("Print Settings", "pdf_page_width")
		size = f"{width}mm {height}mm"
	elif (merged.get("orientation") or "").lower() == "landscape":
		size = f"{size} landscape"
	return {
		"size": size,
		**{
			side: merged.get(f"margin-{side}") or DEFAULT_MARGIN
			for side in ("top", "right", "bottom", "left")
		},
	}


def page_css(page: dict, has_footer: bool, page_number_box: str | None) -> str:
	margins = " ".join(page[side] for side in ("top", "right", "bottom", "left"))
	numbers = (
		f'@{page_number_box} {{ content: counter(page) " / " counter(pages); font-size: 8pt; color: #7c7c7c; }}'
		if page_number_box
		else ""
	)
	footer = ".oppext-pdf-footer { position: fixed; bottom: 0; left: 0; right: 0; }" if has_footer else ""
	return (
		f"@page {{ size: {page['size']}; margin: {margins}; {numbers} }}\n"
		"html, body { background: white !important; }\n"
		".print-format { padding: 0 !important; margin: 0 !important; max-width: none !important; "
		"width: auto !important; box-shadow: none !important; }\n"
		f"{footer}"
	)


def print_with_chromium(browser: str, html: str) -> bytes:
	"""One headless Chromium run, reaching no network: the page and its files are local."""
	with tempfile.TemporaryDirectory(prefix="oppext-pdf-") as folder:
		page, pdf = os.path.join(folder, "page.html"), os.path.join(folder, "page.pdf")
		with open(page, "w", encoding="utf-8") as f:
			f.write(html)
		command = [
			browser,
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--no-first-run",
			"--no-default-browser-check",
			"--allow-file-access-from-files",
			"--host-resolver-rules=MAP * ~NOTFOUND",
			f"--user-data-dir={os.path.join(folder, 'profile')}",
			"--no-pdf-header-footer",
			"--run-all-compositor-stages-before-draw",
			f"--print-to-pdf={pdf}",
			f"file://{page}",
		]
		result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS)
		if not os.path.exists(pdf) or not os.path.getsize(pdf):
			frappe.throw(
				_("Chromium could not print the PDF: {0}").format(
					result.stderr.decode(errors="replace")[-500:]
				)
			)
		with open(pdf, "rb") as f:
			return f.read()
