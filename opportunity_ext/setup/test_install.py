"""Install, uninstall, reinstall and migrate leave a site as they should."""

import hashlib

import frappe
from frappe.installer import install_app, remove_app
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, today

from opportunity_ext.setup.assignment_rule import ASSIGNMENT_RULE
from opportunity_ext.setup.custom_fields import CUSTOM_FIELDS
from opportunity_ext.setup.indexes import INDEXES
from opportunity_ext.setup.install import after_migrate, property_setter_filters
from opportunity_ext.setup.kanban import KANBAN_BOARD
from opportunity_ext.setup.property_setters import PROPERTY_SETTERS
from opportunity_ext.setup.stock_job import STOCK_JOB_METHOD
from opportunity_ext.tests.utils import company, make_customer

APP = "opportunity_ext"
MODULE = "Opportunity Ext"
SEEDED_PREFIX = "OPPEXT-SEED-"
SEEDED_COUNT = 3000


def our_custom_fields() -> list[dict]:
	rows = []
	for doctype, fields in CUSTOM_FIELDS.items():
		rows += frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", [f["fieldname"] for f in fields])},
			fields=["name", "modified"],
			order_by="name",
		)
	return rows


def leftovers() -> dict:
	"""Everything of the app's that uninstall must take away."""
	found = {"Custom Field": len(our_custom_fields())}
	for doctype, fields in CUSTOM_FIELDS.items():
		found[f"Property Setter on {doctype}"] = frappe.db.count(
			"Property Setter",
			{"doc_type": doctype, "field_name": ("in", [f["fieldname"] for f in fields])},
		)
	for doctype in ("DocType", "Report", "Workspace", "Print Format", "Number Card", "Dashboard Chart"):
		found[doctype] = frappe.db.count(doctype, {"module": MODULE})
	found["Module Def"] = frappe.db.count("Module Def", {"name": MODULE})
	found["Notification"] = frappe.db.count("Notification", {"module": MODULE})
	found["Assignment Rule"] = frappe.db.count("Assignment Rule", {"name": ASSIGNMENT_RULE})
	found["Kanban Board"] = frappe.db.count("Kanban Board", {"name": KANBAN_BOARD})
	for setter in PROPERTY_SETTERS:
		found[f"Property Setter {setter['property']}"] = frappe.db.count(
			"Property Setter", property_setter_filters(setter)
		)
	found["tables"] = len(frappe.db.sql("show tables like 'tabOpportunity Won Reason%%'"))
	for doctype, name, _columns in INDEXES:
		found[f"index {name}"] = int(bool(frappe.db.has_index(f"tab{doctype}", name)))
	return {what: count for what, count in found.items() if count}


def erpnext_columns() -> list[str]:
	custom = {f["fieldname"] for f in CUSTOM_FIELDS["Opportunity"]}
	columns = frappe.db.get_table_columns("Opportunity")
	return sorted(c for c in columns if c not in custom)


def opportunities_digest() -> tuple[int, str]:
	"""Count and hash of every opportunity's ERPNext columns."""
	columns = ", ".join(f"`{c}`" for c in erpnext_columns())
	rows = frappe.db.sql(f"select {columns} from `tabOpportunity` order by name")
	return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def seed_opportunities(count: int) -> None:
	"""Plain rows, as a site that used ERPNext for years would have them."""
	party = make_customer()
	currency = frappe.get_cached_value("Company", company(), "default_currency")
	statuses = ("Open", "Replied", "Quotation", "Converted", "Lost", "Closed")
	now = now_datetime()
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series",
		"opportunity_from", "party_name", "customer_name", "title", "status", "company",
		"transaction_date", "currency", "conversion_rate", "opportunity_amount",
		"base_opportunity_amount", "probability", "opportunity_type",
	]  # fmt: skip
	values = [
		(
			f"{SEEDED_PREFIX}{i:06d}",
			now,
			now,
			"Administrator",
			"Administrator",
			0,
			"CRM-OPP-.YYYY.-",
			"Customer",
			party,
			party,
			party,
			statuses[i % len(statuses)],
			company(),
			add_days(today(), -(i % 400)),
			currency,
			1,
			i * 10,
			i * 10,
			i % 100,
			"Sales",
		)  # fmt: skip
		for i in range(count)
	]
	frappe.db.bulk_insert("Opportunity", fields, values)


def reinstall_state_reset():
	"""Frappe keeps the doc_events of the running process in frappe.local and clear_cache()
	does not drop them: after an in-process (un)install they must be read again."""
	frappe.local.doc_events_hooks = None


def uninstall():
	remove_app(APP, yes=True, no_backup=True)
	reinstall_state_reset()


def install():
	install_app(APP)
	reinstall_state_reset()


class TestInstall(FrappeTestCase):
	def test_migrate_twice_is_a_no_op(self):
		after_migrate()
		before = our_custom_fields()
		self.assertEqual(len(before), sum(len(fields) for fields in CUSTOM_FIELDS.values()))

		after_migrate()
		after_migrate()
		self.assertEqual(our_custom_fields(), before)

	def test_install_on_a_busy_site_uninstall_and_reinstall(self):
		try:
			uninstall()
			self.assertNotIn(APP, frappe.get_installed_apps())
			self.assertEqual(leftovers(), {})

			seed_opportunities(SEEDED_COUNT)
			frappe.db.commit()
			with_data = opportunities_digest()
			self.assertGreaterEqual(with_data[0], SEEDED_COUNT)

			install()
			self.assertEqual(opportunities_digest(), with_data, "install changed existing opportunities")
			self.assertEqual(len(our_custom_fields()), sum(len(f) for f in CUSTOM_FIELDS.values()))
			self.assertTrue(frappe.db.exists("DocType", "Opportunity Won Reason"))
			self.assertTrue(frappe.db.exists("Assignment Rule", ASSIGNMENT_RULE))
			self.assertTrue(frappe.db.exists("Notification", "Opportunity Follow-up Due"))
			self.assertTrue(frappe.db.exists("Kanban Board", KANBAN_BOARD))
			self.assertTrue(frappe.db.exists("Workspace", "Opportunities"))
			self.assertTrue(frappe.get_meta("Opportunity").track_changes)

			# auto-close on: ERPNext's job is stopped, and uninstall gives it back
			settings = frappe.get_single("Opportunity Settings")
			settings.auto_close_enabled = 1
			settings.save()
			self.assertEqual(
				frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped"), 1
			)

			uninstall()
			self.assertEqual(leftovers(), {})
			self.assertEqual(opportunities_digest(), with_data, "uninstall changed the opportunities")
			self.assertEqual(
				frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped"), 0
			)
		finally:
			if APP not in frappe.get_installed_apps():
				install()
			frappe.db.delete("Opportunity", {"name": ("like", f"{SEEDED_PREFIX}%")})
			frappe.db.commit()

		self.assertIn(APP, frappe.get_installed_apps())
		self.assertEqual(leftovers().get("Custom Field"), len(our_custom_fields()))
