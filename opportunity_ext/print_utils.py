"""Jinja helpers for the app's print formats.

wkhtmltopdf (QtWebKit) mis-measures a right-to-left line that mixes in a left-to-right
run (digits, Latin words): the line overflows and is cut. Wrapping each such run in
its own left-to-right embedding makes it measure right, so Persian prints whole.
"""

import re
from html import escape

RTL_LANGUAGES = ("fa", "ar", "he", "ps", "ur")

_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"
_LTR_CHAR = f"A-Za-z{_DIGIT}"
# A run starts and ends with a letter or digit; inside it may hold spaces and the
# punctuation of codes, amounts and dates ("X200 Pro", "6.0", "2026-11-24", "10%").
LTR_RUN = re.compile(rf"[{_LTR_CHAR}](?:[{_LTR_CHAR}@&%$#.,:/+_()\-\s]*[{_LTR_CHAR}%)])?")


def wrap_ltr_runs(text: str) -> str:
	"""HTML-escaped `text` with every left-to-right run in a `<span class="oppext-ltr">`."""
	parts, last = [], 0
	for match in LTR_RUN.finditer(text):
		parts.append(escape(text[last : match.start()], quote=False))
		parts.append(f'<span class="oppext-ltr">{escape(match.group(), quote=False)}</span>')
		last = match.end()
	parts.append(escape(text[last:], quote=False))
	return "".join(parts)


def is_rtl_language(lang: str | None) -> bool:
	return (lang or "").split("-")[0] in RTL_LANGUAGES


def bidi_text(value, html: bool = False):
	"""Jinja: `value` ready to print in the current print language.

	Plain text is escaped; `html=True` keeps the markup (Text Editor fields) and treats
	only its text. In a right-to-left language the left-to-right runs are wrapped."""
	import frappe
	from markupsafe import Markup

	if value in (None, ""):
		return ""
	value = str(value)
	rtl = is_rtl_language(getattr(frappe.local, "lang", None))
	if not html:
		return Markup(wrap_ltr_runs(value) if rtl else escape(value, quote=False))
	if not rtl:
		return Markup(value)

	from bs4 import BeautifulSoup

	soup = BeautifulSoup(value, "html.parser")
	for node in list(soup.find_all(string=True)):
		if node.parent.name not in ("script", "style") and LTR_RUN.search(node):
			node.replace_with(BeautifulSoup(wrap_ltr_runs(str(node)), "html.parser"))
	return Markup(str(soup))
