"""A user reads the history of the opportunities they may open, and no other's."""

import frappe
from frappe.permissions import add_permission, update_permission_property
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.tests.utils import make_customer, make_opportunity, make_sales_stage, make_user

ROLE = "_OppExt Own Deals Only"
USER = "oppext-own-deals@example.com"


class TestHistoryPermissions(FrappeTestCase):
	def setUp(self):
		self.addCleanup(frappe.clear_cache)
		frappe.db.savepoint("oppext_history_permissions")
		self.addCleanup(frappe.db.rollback, save_point="oppext_history_permissions")
		if not frappe.db.exists("Role", ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": ROLE, "desk_access": 1}).insert()
		# a seller who reads only the opportunities they own (or that are shared with them)
		add_permission("Opportunity", ROLE)
		update_permission_property("Opportunity", ROLE, 0, "if_owner", 1)
		for history in ("Opportunity History", "Opportunity Stage Log"):
			add_permission(history, ROLE)
		frappe.clear_cache()
		make_user(USER, [ROLE])
		customer = make_customer("_OppExt History Permissions Customer")
		stage = make_sales_stage("_OppExt HP Stage", 10)
		self.own, self.shared, self.other = (
			make_opportunity(customer, sales_stage=stage) for _number in range(3)
		)
		frappe.db.set_value("Opportunity", self.own.name, "owner", USER, update_modified=False)
		frappe.share.add_docshare(
			"Opportunity", self.shared.name, USER, read=1, flags={"ignore_share_permission": True}
		)

	def test_history_rows_of_deals_the_user_cannot_open_are_neither_listed_nor_read(self):
		for history in ("Opportunity History", "Opportunity Stage Log"):
			with self.set_user(USER):
				listed = set(frappe.get_list(history, pluck="opportunity", limit_page_length=0))
				self.assertEqual(
					listed & {self.own.name, self.shared.name, self.other.name},
					{self.own.name, self.shared.name},
					history,
				)
				row = frappe.get_all(history, filters={"opportunity": self.other.name}, pluck="name")[0]
				self.assertFalse(frappe.has_permission(history, "read", doc=row), history)
				mine = frappe.get_all(history, filters={"opportunity": self.own.name}, pluck="name")[0]
				self.assertTrue(frappe.has_permission(history, "read", doc=mine), history)
