import frappe

from opportunity_ext.setup.install import create_default_settings

CONVENTIONS = ("persian_jalali_dates", "persian_digits", "thai_buddhist_era")


def execute():
	"""Sites that installed the app before Chromium printing get the quotation on its list,
	and the print conventions on, as a new site has them (a Single's new fields start at 0)."""
	for field in CONVENTIONS:
		frappe.db.set_single_value("Opportunity Settings", field, 1)
	create_default_settings()
