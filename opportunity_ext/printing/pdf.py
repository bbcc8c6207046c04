"""PDFs printed with headless Chromium, through Frappe 15's `pdf_generator` hook.

wkhtmltopdf (archived upstream) cuts right-to-left lines and draws web fonts as outlines
with no text layer; Chromium prints Persian and Thai whole, with the fonts embedded and
searchable text. A print format takes this path when its *PDF Generator* is "chrome"
(Opportunity Settings → Print Formats Printed with Chromium keeps that in step), on every
path Frappe makes a PDF: the print view's PDF button, `download_pdf`, e-mail attachments,
`frappe.get_print(as_pdf=True)` and bulk print. Without Chromium the hook steps aside,
Frappe prints with wkhtmltopdf, and the Error Log says so once.

The page is self-contained and the browser reads nothing but the page: its CSS, fonts and
images are read here, in Python, and inlined as data: URLs, and the page's
Content-Security-Policy lets Chromium load data: URLs only (no file://, no network). What is
inlined: /assets and public /files whose real path stays inside those folders, and a
/private/files file only when the printing user may read that File (Frappe's own check, as
its download of a private file). Anything else is left out of the PDF, and the print still
succeeds. No script runs, unless it is part of the print format's own template.
"""

import base64
import mimetypes
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from urllib.parse import unquote, urljoin, urlsplit

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
# a file larger than this is left out of the PDF (an image that size would not print anyway)
MAX_INLINE_BYTES = 20 * 1024 * 1024
# url(…) in CSS, quoted or not
CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>.*?)(?P=quote)\s*\)""", re.S | re.I)
# elements that would load or run something on their own: a print has no use for them
ACTIVE_ELEMENTS = ("iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "noscript")
# attributes that name a file to load, beside src (img srcset is dropped: src is enough)
URL_ATTRIBUTES = ("src", "poster", "background", "href", "xlink:href", "data")
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


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
	"""Frappe's print HTML made self-contained for Chromium: its files inlined (those the
	printing user may read), scripts and frames taken out, the PDF-only parts shown, the
	page size, margins, footer and page numbers as CSS."""
	from frappe.utils.pdf import get_print_format_styles, toggle_visible_pdf

	soup = BeautifulSoup(html, "html5lib")
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
	nonce = keep_template_scripts(soup, template_scripts(print_format))
	inline_files(soup, PageFiles())
	add_content_security_policy(soup, nonce)
	return str(soup)


def template_scripts(print_format: str | None) -> set[str]:
	"""The scripts written in the print format's own template (by whoever may edit print
	formats), as text: the only scripts that may run while the PDF is printed."""
	if not print_format or not frappe.db.exists("Print Format", print_format):
		return set()
	from frappe.www.printview import get_print_format

	doc = frappe.get_cached_doc("Print Format", print_format)
	try:
		template = get_print_format(doc.doc_type, doc) or ""
	except Exception:
		return set()
	if "<script" not in template.lower():
		return set()
	return {
		script.get_text().strip() for script in BeautifulSoup(template, "html5lib").find_all("script")
	} - {""}


def keep_template_scripts(soup: BeautifulSoup, allowed: set[str]) -> str | None:
	"""Scripts, frames, objects and refreshes out of the page; a script of the template
	itself (`allowed`, unchanged by rendering) stays, marked with the policy's nonce."""
	nonce = secrets.token_urlsafe(16) if allowed else None
	for script in soup.find_all("script"):
		if nonce and not script.get("src") and script.get_text().strip() in allowed:
			script["nonce"] = nonce
		else:
			script.decompose()
	for element in soup.find_all(ACTIVE_ELEMENTS):
		element.decompose()
	for meta in soup.find_all("meta", attrs={"http-equiv": True}):
		meta.decompose()  # a refresh would navigate to any file; a policy is ours to set
	for link in soup.find_all("link"):
		if "stylesheet" not in [rel.lower() for rel in (link.get("rel") or [])]:
			link.decompose()  # preload, prefetch, import, icon: nothing a PDF needs
	for element in soup.find_all(True):
		for attribute in [name for name in element.attrs if name.lower().startswith("on")]:
			del element[attribute]
	return nonce


def add_content_security_policy(soup: BeautifulSoup, nonce: str | None) -> None:
	"""Chromium may load data: URLs only: whatever was not inlined (a file the user may not
	read, a path out of its folder, another site) is not loaded at all."""
	scripts = f"'nonce-{nonce}'" if nonce else "'none'"
	meta = soup.new_tag("meta")
	meta["http-equiv"] = "Content-Security-Policy"
	meta["content"] = (
		f"default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
		f"script-src {scripts}; base-uri 'none'; form-action 'none'"
	)
	soup.head.insert(0, meta)  # before anything it governs


class PageFiles:
	"""The files a page may show, as data: URLs, each read once a page."""

	def __init__(self):
		self.sites = os.path.realpath(frappe.local.sites_path)
		self.site = os.path.realpath(frappe.get_site_path())
		self.data_urls: dict[str, str | None] = {}

	def data_url(self, url: str, base: str = "/") -> str | None:
		"""The data: URL of a local /assets, /files or /private/files URL (relative to
		`base`), or None when it may not be printed."""
		if url.lower().startswith("data:"):
			return url
		path = url_path(url, base)
		if path is None:
			return None
		if path not in self.data_urls:
			self.data_urls[path] = self.read(path)
		return self.data_urls[path]

	def read(self, path: str) -> str | None:
		found = self.file_path(path)
		if not found or os.path.getsize(found) > MAX_INLINE_BYTES:
			return None
		with open(found, "rb") as f:
			content = f.read()
		if path.lower().endswith(".css"):
			css = self.inline_css(content.decode("utf-8", errors="replace"), path)
			content = css.encode("utf-8")
		return f"data:{mime_type(found)};base64,{base64.b64encode(content).decode()}"

	def file_path(self, path: str) -> str | None:
		"""The real file behind a URL path, when it is inside its folder and may be read."""
		if path.startswith("/assets/"):
			app, _slash, rest = path[len("/assets/") :].partition("/")
			if app in ("", ".", "..") or not rest:
				return contained(os.path.join(self.sites, "assets"), app)
			return contained(os.path.join(self.sites, "assets", app), rest)
		if path.startswith("/files/"):
			return contained(os.path.join(self.site, "public", "files"), path[len("/files/") :])
		if path.startswith("/private/files/"):
			found = contained(os.path.join(self.site, "private", "files"), path[len("/private/files/") :])
			return found if found and may_read_private_file(path) else None
		return None

	def inline_css(self, css: str, base: str) -> str:
		"""A stylesheet's url(…) as data: URLs, relative ones read from its own folder."""

		def replace(match):
			data_url = self.data_url(match["url"].strip(), base)
			return f'url("{data_url}")' if data_url else "url()"

		return CSS_URL.sub(replace, css)


def url_path(url: str, base: str = "/") -> str | None:
	"""The path of a URL on this site (on any host: only the path is read), or None for
	another scheme."""
	parts = urlsplit(url.strip())
	if parts.scheme.lower() not in ("", "http", "https"):
		return None
	if parts.scheme and not parts.netloc:
		return None
	path = parts.path if parts.scheme else urlsplit(urljoin(base, parts.path)).path
	return unquote(path) or None


def contained(root: str, relative: str) -> str | None:
	"""`root`/`relative`, a file whose real path (links followed) stays inside `root`."""
	root = os.path.realpath(root)
	found = os.path.realpath(os.path.join(root, relative))
	if os.path.commonpath([root, found]) != root or not os.path.isfile(found):
		return None
	return found


def may_read_private_file(file_url: str) -> bool:
	"""Frappe's own check for the download of a private file: a File with this URL the
	printing user may read (through the document it is attached to, or as its owner)."""
	from frappe.core.doctype.file.utils import find_file_by_url

	return frappe.session.user != "Guest" and bool(find_file_by_url(file_url))


def mime_type(path: str) -> str:
	extension = os.path.splitext(path)[1].lower()
	return FONT_TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def inline_files(soup: BeautifulSoup, files: PageFiles) -> None:
	"""Every file the page names, inlined when it may be printed; else left out."""
	for link in soup.find_all("link"):
		path = url_path(link.get("href") or "")
		found = files.file_path(path) if path else None
		if found and os.path.getsize(found) <= MAX_INLINE_BYTES:
			with open(found, encoding="utf-8", errors="replace") as f:
				style = soup.new_tag("style")
				style.string = files.inline_css(f.read(), path)
			link.replace_with(style)
		else:
			link.decompose()
	for style in soup.find_all("style"):
		if style.string and "url(" in style.string.lower():
			style.string = files.inline_css(style.string, "/")
	for element in soup.find_all(True):
		if element.decomposed:  # inside an element already left out
			continue
		element.attrs.pop("srcset", None)
		if element.get("style") and "url(" in element["style"].lower():
			element["style"] = files.inline_css(element["style"], "/")
		for attribute in URL_ATTRIBUTES:
			value = element.get(attribute)
			if not value or (attribute == "href" and element.name in ("a", "area")):
				continue  # a link is a link, not a file to load
			data_url = files.data_url(value)
			if data_url:
				element[attribute] = data_url
			elif element.name in ("img", "image", "source", "video", "audio", "track", "input"):
				element.decompose()  # left out, not drawn as a broken image
				break
			else:
				del element[attribute]


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
	"""One headless Chromium run, reaching no network and reading no file but the page
	(its Content-Security-Policy allows data: URLs only)."""
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
