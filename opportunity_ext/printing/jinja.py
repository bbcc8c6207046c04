"""Jinja helpers of the app's print formats: dates and numbers in the customer's own
conventions (Opportunity Settings → Printing): Solar Hijri (Jalali) dates and Persian
digits for Persian, Buddhist Era years for Thai."""

from datetime import date

import jdatetime

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
BUDDHIST_ERA_OFFSET = 543
RTL_LANGUAGES = ("fa", "ar", "he", "ps", "ur")


def to_persian_digits(text: str) -> str:
	return str(text).translate(PERSIAN_DIGITS)


def jalali_date(day: date) -> str:
	"""1405/09/03: year first, as Iranian documents write it."""
	return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def buddhist_era(formatted: str, day: date) -> str:
	"""The date as the site formats it, with its year counted from the Buddha (2026 → 2569)."""
	return formatted.replace(str(day.year), str(day.year + BUDDHIST_ERA_OFFSET))


def is_rtl_language(lang: str | None) -> bool:
	return (lang or "").split("-")[0] in RTL_LANGUAGES


def conventions():
	"""Which conventions the current print language asks for."""
	import frappe

	lang = (getattr(frappe.local, "lang", None) or "en").split("-")[0]
	settings = frappe.get_cached_doc("Opportunity Settings")
	return frappe._dict(
		jalali=lang == "fa" and bool(settings.get("persian_jalali_dates")),
		persian_digits=lang == "fa" and bool(settings.get("persian_digits")),
		buddhist_era=lang == "th" and bool(settings.get("thai_buddhist_era")),
	)


def localized(text: str, rules=None) -> str:
	rules = rules or conventions()
	return to_persian_digits(text) if rules.persian_digits else str(text)


def print_date(value) -> str:
	"""Jinja: a date in the print language's calendar and digits."""
	from frappe.utils import formatdate, getdate

	if not value:
		return ""
	day, rules = getdate(value), conventions()
	if rules.jalali:
		text = jalali_date(day)
	elif rules.buddhist_era:
		text = buddhist_era(formatdate(day), day)
	else:
		text = formatdate(day)
	return localized(text, rules)


def print_money(value, currency: str | None = None) -> str:
	"""Jinja: an amount with its currency, in the print language's digits."""
	from frappe.utils import fmt_money

	return localized(fmt_money(value, currency=currency))


def print_number(value, fieldtype: str = "Float") -> str:
	"""Jinja: a quantity or percentage, in the print language's digits."""
	import frappe

	return localized(frappe.format(value, {"fieldtype": fieldtype}))


def quotation_opportunity(doc):
	"""Jinja: the quotation's opportunity reference; its subject only for a printing user
	who may read that opportunity."""
	import frappe

	if not doc.get("opportunity"):
		return None
	title = None
	if frappe.has_permission("Opportunity", "read", doc=doc.opportunity):
		title = frappe.db.get_value("Opportunity", doc.opportunity, "title")
	return frappe._dict(name=doc.opportunity, title=title)


def quotation_contact(doc):
	"""Jinja: the salesperson the customer deals with (the opportunity owner): name and
	e-mail, nothing else of their user record."""
	import frappe

	if not doc.get("opportunity_owner"):
		return None
	return frappe.db.get_value("User", doc.opportunity_owner, ["full_name", "email"], as_dict=True)
