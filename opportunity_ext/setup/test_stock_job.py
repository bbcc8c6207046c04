"""ERPNext's own auto-close job: stopped while the app's auto-close is on, and given back
as the admin left it."""

import frappe
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.setup.stock_job import (
	STOCK_JOB_METHOD,
	STOCK_JOB_STATE_KEY,
	restore_stock_job,
	sync_stock_job,
)


class TestStockJobState(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_stock_job")
		self.addCleanup(frappe.db.rollback, save_point="oppext_stock_job")
		self.addCleanup(frappe.clear_cache)

	def stopped(self):
		return frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped")

	def test_a_job_the_admin_stopped_stays_stopped(self):
		frappe.db.set_default(STOCK_JOB_STATE_KEY, None)
		frappe.db.set_single_value("Opportunity Settings", "auto_close_enabled", 0)
		frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", 1)
		frappe.clear_document_cache("Opportunity Settings", "Opportunity Settings")
		sync_stock_job()  # a migrate with the app's auto-close off
		self.assertEqual(self.stopped(), 1)
		restore_stock_job()  # an uninstall
		self.assertEqual(self.stopped(), 1)

		frappe.db.set_single_value("Opportunity Settings", "auto_close_enabled", 1)
		frappe.clear_document_cache("Opportunity Settings", "Opportunity Settings")
		sync_stock_job()
		self.assertEqual(self.stopped(), 1)
		frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", 1)
		frappe.db.set_single_value("Opportunity Settings", "auto_close_enabled", 0)
		frappe.clear_document_cache("Opportunity Settings", "Opportunity Settings")
		sync_stock_job()
		self.assertEqual(self.stopped(), 1, "given back as the admin left it: stopped")

	def test_a_running_job_is_given_back_running(self):
		frappe.db.set_default(STOCK_JOB_STATE_KEY, None)
		frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", 0)
		frappe.db.set_single_value("Opportunity Settings", "auto_close_enabled", 1)
		frappe.clear_document_cache("Opportunity Settings", "Opportunity Settings")
		sync_stock_job()
		self.assertEqual(self.stopped(), 1)
		restore_stock_job()
		self.assertEqual(self.stopped(), 0)
