"""The backfill reads what the Version log showed back into values: amounts in any
currency's symbol, numbers and dates in whichever format the site used at the time."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from freezegun import freeze_time

from opportunity_ext.lifecycle.history import backfill
from opportunity_ext.tests.utils import make_customer, make_opportunity

SYMBOLS = {"AED": "د.إ", "PEN": "S/.", "BTN": "Nu.", "SAR": "ر.س"}


def values_of(opportunity: str, field: str) -> list[tuple]:
	rows = frappe.get_all(
		"Opportunity History",
		filters={"opportunity": opportunity, "field": field},
		fields=["from_value", "to_value"],
		order_by="changed_on asc, creation asc",
		as_list=True,
	)
	return [list(row) for row in rows]


def set_formats(**formats) -> None:
	"""As an administrator changes them: through System Settings, which keeps a Version."""
	settings = frappe.get_single("System Settings")
	settings.update(formats)
	settings.save(ignore_version=False)
	frappe.local.user_date_format = None


def forget_history(*names: str) -> None:
	for name in names:
		frappe.db.delete("Opportunity History", {"opportunity": name})
		frappe.db.delete("Opportunity Stage Log", {"opportunity": name})


class TestBackfillValues(FrappeTestCase):
	def setUp(self):
		settings = frappe.get_single("System Settings")
		original = {"date_format": settings.date_format, "number_format": settings.number_format}
		self.addCleanup(frappe.clear_cache)
		frappe.db.savepoint("oppext_backfill")
		self.addCleanup(frappe.db.rollback, save_point="oppext_backfill")
		self.addCleanup(set_formats, **original)
		set_formats(date_format="yyyy-mm-dd", number_format="#,###.##")
		self.customer = make_customer("_OppExt Backfill Customer")

	def changed(self, opportunity, **values):
		# Versions an earlier opportunity of the same name left go (it has none of its own yet)
		frappe.db.delete("Version", {"ref_doctype": "Opportunity", "docname": opportunity.name})
		opportunity.reload()
		opportunity.update(values)
		opportunity.save(ignore_version=False)  # Frappe keeps no versions in tests; a site does

	def test_amounts_in_currencies_whose_symbol_has_a_dot(self):
		names = {}
		for currency, symbol in SYMBOLS.items():
			frappe.db.set_value("Currency", currency, {"symbol": symbol, "enabled": 1})
			opportunity = make_opportunity(
				self.customer, currency=currency, conversion_rate=1, opportunity_amount=1234.5
			)
			self.changed(opportunity, opportunity_amount=2000)
			names[currency] = opportunity.name
		forget_history(*names.values())
		backfill.backfill()
		for currency, name in names.items():
			self.assertEqual(
				values_of(name, "opportunity_amount"), [[None, "1234.5"], ["1234.5", "2000"]], currency
			)

	def test_numbers_and_dates_in_the_formats_the_site_used_then(self):
		with freeze_time("2026-03-01 09:00"):
			set_formats(number_format="#,##,###.##", date_format="mm-dd-yyyy")
		with freeze_time("2026-03-02 09:00"):
			lakh = make_opportunity(self.customer, opportunity_amount=123456.5, expected_closing="2026-04-05")
			self.changed(lakh, opportunity_amount=1234567, expected_closing="2026-03-25")
		with freeze_time("2026-03-03 09:00"):
			set_formats(number_format="#.###,##", date_format="dd.mm.yyyy")
		with freeze_time("2026-03-04 09:00"):
			european = make_opportunity(
				self.customer, opportunity_amount=1234.5, expected_closing="2026-04-05"
			)
			self.changed(european, opportunity_amount=2000, expected_closing="2026-05-06")
		with freeze_time("2026-03-05 09:00"):
			set_formats(number_format="#,###.##", date_format="dd-mm-yyyy")
		forget_history(lakh.name, european.name)
		backfill.backfill()
		self.assertEqual(
			values_of(lakh.name, "opportunity_amount"), [[None, "123456.5"], ["123456.5", "1234567"]]
		)
		self.assertEqual(
			values_of(lakh.name, "expected_closing"), [[None, "2026-04-05"], ["2026-04-05", "2026-03-25"]]
		)
		self.assertEqual(
			values_of(european.name, "opportunity_amount"), [[None, "1234.5"], ["1234.5", "2000"]]
		)
		self.assertEqual(
			values_of(european.name, "expected_closing"), [[None, "2026-04-05"], ["2026-04-05", "2026-05-06"]]
		)

	def test_a_value_it_cannot_read_is_logged_not_zeroed(self):
		opportunity = make_opportunity(self.customer, opportunity_amount=500)
		frappe.db.delete("Version", {"ref_doctype": "Opportunity", "docname": opportunity.name})
		frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "Opportunity",
				"docname": opportunity.name,
				"data": json.dumps({"changed": [["opportunity_amount", "about a thousand", "₹ 500.00"]]}),
			}
		).insert(ignore_permissions=True)
		forget_history(opportunity.name)
		backfill.backfill()
		self.assertEqual(values_of(opportunity.name, "opportunity_amount"), [[None, "500"]])
		# other jobs of the site may log too: the backfill's entry names the opportunity
		logged = frappe.get_all(
			"Error Log",
			filters={"reference_doctype": "Opportunity", "reference_name": opportunity.name},
			pluck="error",
		)
		self.assertEqual(len(logged), 1)
		self.assertIn(opportunity.name, logged[0])
		self.assertIn("about a thousand", logged[0])


class TestReadingShownValues(FrappeTestCase):
	"""The pure readers, format by format."""

	def test_numbers(self):
		cases = {
			("د.إ 1,234.50", "#,###.##"): 1234.5,
			("S/. -1,234.50", "#,###.##"): -1234.5,
			("Nu. 12,34,567.00", "#,##,###.##"): 1234567,
			("1.234,50 ر.س", "#.###,##"): 1234.5,
			("40%", "#,###.##"): 40,
			("1.234,50", "#,###.##"): 1234.5,  # a format the site used before: still read
			("1 234,5", "# ###,##"): 1234.5,
		}
		for (shown, number_format), value in cases.items():
			self.assertEqual(backfill.read_number(shown, number_format), value, shown)
		self.assertIsNone(backfill.read_number("n/a", "#,###.##"))
		self.assertIsNone(backfill.read_number("1,2,3", "#,###.##"))

	def test_dates(self):
		self.assertEqual(backfill.read_date("04-05-2026", "mm-dd-yyyy"), "2026-04-05")
		self.assertEqual(backfill.read_date("04-05-2026", "dd-mm-yyyy"), "2026-05-04")
		self.assertEqual(backfill.read_date("25.03.2026", "mm-dd-yyyy"), "2026-03-25")
		self.assertEqual(backfill.read_date("2026-03-25", "dd-mm-yyyy"), "2026-03-25")
		self.assertIsNone(backfill.read_date("soon", "dd-mm-yyyy"))
