"""Unit tests of the print conventions (no site needed)."""

from datetime import date

from opportunity_ext.printing.jinja import buddhist_era, is_rtl_language, jalali_date, to_persian_digits


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
