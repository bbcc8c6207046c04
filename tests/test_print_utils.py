"""Unit tests of the print conventions (no site needed)."""

from datetime import date

from opportunity_ext.printing.jinja import (
	buddhist_era,
	is_rtl_language,
	jalali_date,
	percent_text,
	persian_numbers,
	tax_label,
	to_persian_digits,
)


def test_jalali_dates_year_first():
	assert jalali_date(date(2026, 11, 24)) == "1405/09/03"
	assert jalali_date(date(2026, 3, 21)) == "1405/01/01", "Nowruz starts the year"


def test_persian_digits():
	assert to_persian_digits("$ 1,450.00 · 1405/09/03") == "$ ۱,۴۵۰.۰۰ · ۱۴۰۵/۰۹/۰۳"


def test_buddhist_era_counts_the_year_from_the_buddha():
	assert buddhist_era("24-11-2026", date(2026, 11, 24)) == "24-11-2569"


def test_rtl_languages():
	assert is_rtl_language("fa") and is_rtl_language("ar")
	assert not is_rtl_language("th") and not is_rtl_language("en") and not is_rtl_language(None)


def test_persian_separators_between_persian_digits():
	assert persian_numbers("$ 1,740,600.50") == "$ ۱٬۷۴۰٬۶۰۰٫۵۰"
	assert persian_numbers("1.740.600,50 €", decimal=",", thousands=".") == "۱٬۷۴۰٬۶۰۰٫۵۰ €"
	assert persian_numbers("1 740 600.50", decimal=".", thousands=" ") == "۱٬۷۴۰٬۶۰۰٫۵۰"
	assert persian_numbers("12,34,567.00") == "۱۲٬۳۴٬۵۶۷٫۰۰", "an Indian grouping keeps its groups"
	assert persian_numbers("1,234.50 د.إ") == "۱٬۲۳۴٫۵۰ د.إ", "a dot in a currency symbol stays"
	assert persian_numbers("S/. 2,000.00") == "S/. ۲٬۰۰۰٫۰۰"
	assert persian_numbers("ST 6%") == "ST ۶٪"


def test_a_percentage_has_no_useless_decimals():
	assert percent_text(100) == "100%"
	assert percent_text(100.0) == "100%"
	assert percent_text(12.5) == "12.5%"
	assert percent_text(33.333) == "33.33%"
	assert percent_text(1250, "#.###,##") == "1.250%"


def test_a_tax_line_does_not_repeat_its_rate():
	assert tax_label("ST 6% @ 6.0", 6) == "ST 6%"
	assert tax_label("VAT @ 9", 9.0) == "VAT"
	assert tax_label("ST 6% @ 6.0") == "ST 6%"
	assert tax_label("Freight @ 12", 6) == "Freight @ 12", "a different figure is the description's own"
	assert tax_label("Service tax", 5) == "Service tax"
	assert tax_label(None) == ""
