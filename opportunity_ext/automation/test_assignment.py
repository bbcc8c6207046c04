"""The shipped Assignment Rule, and the opportunity owner kept in step with the assignment."""

import frappe
from frappe.desk.form import assign_to
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.automation.assignment import open_assignees
from opportunity_ext.setup.assignment_rule import (
	ASSIGNMENT_RULE,
	create_assignment_rule,
	delete_assignment_rule_if_unchanged,
	refresh_assignment_rule_users,
)
from opportunity_ext.tests.utils import make_opportunity, make_user

FIRST, SECOND = "oppext-rep-1@example.com", "oppext-rep-2@example.com"


class TestAssignment(FrappeTestCase):
	def setUp(self):
		make_user(FIRST, ["Sales User"])
		make_user(SECOND, ["Sales User"])
		# each test starts from the rule as installed, and leaves no trace for the next
		frappe.db.savepoint("oppext_assignment_test")
		self.addCleanup(frappe.db.rollback, save_point="oppext_assignment_test")
		frappe.delete_doc("Assignment Rule", ASSIGNMENT_RULE, force=True, ignore_missing=True)
		create_assignment_rule()

	def test_rule_is_shipped_disabled_for_opportunity(self):
		rule = frappe.get_doc("Assignment Rule", ASSIGNMENT_RULE)
		self.assertEqual(rule.document_type, "Opportunity")
		self.assertEqual(rule.rule, "Round Robin")
		self.assertTrue(rule.disabled)
		self.assertIn("opportunity_owner", rule.assign_condition)

	def test_round_robin_sets_the_owner(self):
		users = refresh_assignment_rule_users("Sales User")
		self.assertIn(FIRST, users)
		rule = frappe.get_doc("Assignment Rule", ASSIGNMENT_RULE)
		rule.set("users", [{"user": FIRST}, {"user": SECOND}])
		rule.disabled = 0
		rule.save()

		owners = [make_opportunity().reload().opportunity_owner for _ in range(2)]
		self.assertEqual(sorted(owners), [FIRST, SECOND])

	def test_assigning_sets_the_owner(self):
		opportunity = make_opportunity()
		assign_to.add({"assign_to": [FIRST], "doctype": "Opportunity", "name": opportunity.name})
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"), FIRST)

	def test_new_owner_takes_over_the_assignment(self):
		opportunity = make_opportunity(opportunity_owner=FIRST)
		self.assertEqual(open_assignees(opportunity.name), [FIRST])

		opportunity.reload()
		opportunity.opportunity_owner = SECOND
		opportunity.save()
		self.assertEqual(open_assignees(opportunity.name), [SECOND])

	def test_closing_closes_the_assignment(self):
		opportunity = make_opportunity(opportunity_owner=FIRST)
		opportunity.reload()
		opportunity.status = "Closed"
		opportunity.save()
		self.assertEqual(open_assignees(opportunity.name), [])
		self.assertEqual(
			frappe.db.get_value(
				"ToDo", {"reference_name": opportunity.name, "allocated_to": FIRST}, "status"
			),
			"Closed",
		)

	def test_uninstall_removes_the_rule_only_if_unchanged(self):
		delete_assignment_rule_if_unchanged()
		self.assertFalse(frappe.db.exists("Assignment Rule", ASSIGNMENT_RULE))

		create_assignment_rule()
		rule = frappe.get_doc("Assignment Rule", ASSIGNMENT_RULE)
		rule.priority = 5
		rule.save()
		delete_assignment_rule_if_unchanged()
		self.assertTrue(frappe.db.exists("Assignment Rule", ASSIGNMENT_RULE), "an admin's rule is theirs")

	def test_install_does_not_overwrite_the_rule(self):
		frappe.db.set_value("Assignment Rule", ASSIGNMENT_RULE, "priority", 9)
		create_assignment_rule()
		self.assertEqual(frappe.db.get_value("Assignment Rule", ASSIGNMENT_RULE, "priority"), 9)
