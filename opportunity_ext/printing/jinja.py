"""Jinja helpers of the app's print formats: dates and numbers in the customer's own
conventions (Opportunity Settings → Printing): Solar Hijri (Jalali) dates, Persian digits
and Persian separators (۱٬۴۵۰٫۵۰, ۱۰۰٪) for Persian, Buddhist Era years for Thai."""

import re
from datetime import date

import jdatetime

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
PERSIAN_THOUSANDS, PERSIAN_DECIMAL, PERSIAN_PERCENT = "\u066c", "\u066b", "\u066a"  # ٬ ٫ ٪
DEFAULT_NUMBER_FORMAT = "#,###.##"
# ERPNext's setup wizard describes a tax row as "<account name> @ <rate>" ("ST 6% @ 6.0")
TAX_RATE_SUFFIX = re.compile(r"\s*@\s*(?P<rate>\d+(?:[.,]\d+)?)\s*%?\s*$")
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


def persian_numbers(text: str, decimal: str = ".", thousands: str = ",") -> str:
	"""Every number of `text` in Persian digits and separators, as the site's number format
	(`decimal`, `thousands`) wrote it: "$ 1,450.50" → "$ ۱٬۴۵۰٫۵۰", "6%" → "۶٪". A dot in
	a currency symbol ("د.إ", "S/.") is not a number's."""
	separators = sorted((sep for sep in (thousands, decimal) if sep), key=len, reverse=True)
	between = "|".join(re.escape(sep) for sep in separators)
	number = re.compile(rf"\d+(?:(?:{between})\d+)*" if between else r"\d+")

	def persian(match) -> str:
		found = match.group(0)
		parts = found.split(thousands) if thousands else [found]
		parts = [part.replace(decimal, PERSIAN_DECIMAL) if decimal else part for part in parts]
		return PERSIAN_THOUSANDS.join(parts).translate(PERSIAN_DIGITS)

	return number.sub(persian, str(text)).replace("%", PERSIAN_PERCENT)


def number_separators() -> tuple[str, str]:
	"""(decimal, thousands) of the site's number format, as fmt_money uses it."""
	import frappe
	from frappe.utils import get_number_format_info

	decimal, thousands, _precision = get_number_format_info(
		frappe.db.get_default("number_format") or DEFAULT_NUMBER_FORMAT
	)
	return decimal, thousands


def localized_number(text: str, rules=None) -> str:
	"""A formatted amount or quantity in the print language's digits and separators."""
	rules = rules or conventions()
	return persian_numbers(text, *number_separators()) if rules.persian_digits else str(text)


def percent_text(value, number_format: str = DEFAULT_NUMBER_FORMAT) -> str:
	"""100 → "100%", 12.5 → "12.5%": the decimals a percentage has, never a useless ".0"."""
	from frappe.utils import flt, fmt_money

	value = round(flt(value), 2)
	decimals = f"{value:.2f}".rstrip("0").split(".")[1]
	return f"{fmt_money(value, precision=len(decimals), format=number_format)}%"


def tax_label(description: str | None, rate=None) -> str:
	"""A tax row's description without the rate ERPNext's setup appends to it ("ST 6% @ 6.0"
	→ "ST 6%"): the description names the tax, the amount is beside it."""
	from frappe.utils import flt

	text = (description or "").strip()
	found = TAX_RATE_SUFFIX.search(text)
	if found and (rate is None or flt(found["rate"].replace(",", ".")) == flt(rate)):
		text = text[: found.start()].rstrip()
	return text


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
	"""Jinja: an amount with its currency, in the print language's digits and separators."""
	from frappe.utils import fmt_money

	return localized_number(fmt_money(value, currency=currency))


def print_number(value, fieldtype: str = "Float") -> str:
	"""Jinja: a quantity or percentage, in the print language's digits and separators."""
	import frappe

	if fieldtype == "Percent":
		return localized_number(
			percent_text(value, frappe.db.get_default("number_format") or DEFAULT_NUMBER_FORMAT)
		)
	return localized_number(frappe.format(value, {"fieldtype": fieldtype}))


def print_tax(tax) -> str:
	"""Jinja: a tax row's label, translated, without its rate repeated in Latin digits."""
	from frappe import _

	return localized_number(_(tax_label(tax.get("description"), tax.get("rate"))))


def print_unit(uom: str | None) -> str:
	"""Jinja: a unit as the customer reads it: the print format's own word where it has
	one (Persian "Nos" is a count, "عدد", not a "number", "شماره"), else the unit's."""
	from frappe import _

	return _(uom, context="Opportunity Quotation") if uom else ""


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
