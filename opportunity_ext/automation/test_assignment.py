"""The shipped Assignment Rule, and the opportunity owner kept in step with the assignment."""

import json

import frappe
from erpnext.templates.utils import send_message
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
OUTSIDER = "oppext-no-opportunities@example.com"


def enable_rule(users: list[str]) -> None:
	rule = frappe.get_doc("Assignment Rule", ASSIGNMENT_RULE)
	rule.set("users", [{"user": user} for user in users])
	rule.disabled = 0
	rule.save()


def owner_changes(opportunity: str) -> list:
	"""The owners the opportunity's Versions show it given."""
	return [
		change[2]
		for data in frappe.get_all(
			"Version", filters={"ref_doctype": "Opportunity", "docname": opportunity}, pluck="data"
		)
		for change in json.loads(data).get("changed", [])
		if change[0] == "opportunity_owner"
	]


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

	def test_a_visitors_enquiry_is_kept_assigned_and_owned_with_the_rule_on(self):
		"""ERPNext's website contact form, as Guest, with the shipped round robin on: the
		visitor's lead, opportunity and message are kept, and the rule's user owns the deal."""
		enable_rule([FIRST])
		sender = "oppext-visitor@example.com"
		frappe.set_user("Guest")
		self.addCleanup(frappe.set_user, "Administrator")
		send_message(sender=sender, message="Do you ship pumps to Tabriz?", subject="Pumps for Tabriz")
		frappe.set_user("Administrator")

		lead = frappe.db.get_value("Lead", {"email_id": sender})
		self.assertTrue(lead, "the lead is kept")
		opportunity = frappe.get_last_doc("Opportunity", filters={"party_name": lead})
		self.assertEqual(opportunity.title, "Pumps for Tabriz")
		self.assertEqual(open_assignees(opportunity.name), [FIRST], "assigned by the rule")
		self.assertEqual(opportunity.opportunity_owner, FIRST, "owned by whom the rule assigned")
		self.assertTrue(
			frappe.db.exists(
				"Communication", {"reference_doctype": "Opportunity", "reference_name": opportunity.name}
			),
			"the message is kept",
		)

	def test_a_person_assigning_still_needs_read_on_the_opportunity(self):
		make_user(OUTSIDER, ["Accounts User"])
		opportunity = make_opportunity()
		self.assertFalse(frappe.has_permission("Opportunity", "read", doc=opportunity.name, user=OUTSIDER))
		with self.set_user(OUTSIDER):
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc(
					{
						"doctype": "ToDo",
						"allocated_to": OUTSIDER,
						"reference_type": "Opportunity",
						"reference_name": opportunity.name,
						"description": "mine now",
					}
				).insert()
			with self.assertRaises(frappe.PermissionError):
				assign_to.add({"assign_to": [OUTSIDER], "doctype": "Opportunity", "name": opportunity.name})
		self.assertEqual(open_assignees(opportunity.name), [])
		self.assertFalse(frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"))

	def test_an_assignment_makes_an_open_form_stale_and_is_recorded(self):
		"""The owner changes by a save: whoever had the form open is told it changed (not
		saving the old owner back), and a Version shows the change."""
		opportunity = make_opportunity()
		open_form = frappe.get_doc("Opportunity", opportunity.name)
		assign_to.add({"assign_to": [FIRST], "doctype": "Opportunity", "name": opportunity.name})
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"), FIRST)
		self.assertEqual(owner_changes(opportunity.name), [FIRST])
		self.assertGreater(
			frappe.db.get_value("Opportunity", opportunity.name, "modified"), open_form.modified
		)
		open_form.title = "Saved from a form opened before the assignment"
		with self.assertRaises(frappe.TimestampMismatchError):
			open_form.save()

	def test_the_rule_assigning_during_a_save_leaves_the_form_current(self):
		"""The rule assigns while the user's save runs: the saved form comes back with the
		new owner (recorded in that save's Version) and can be saved again."""
		opportunity = make_opportunity()
		self.assertFalse(opportunity.opportunity_owner)
		enable_rule([SECOND])
		opportunity.reload()
		opportunity.title = "Edited while the rule is on"
		opportunity.save(ignore_version=False)  # as outside tests
		self.assertEqual(opportunity.opportunity_owner, SECOND, "the form shows the new owner")
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"), SECOND)
		self.assertEqual(owner_changes(opportunity.name), [SECOND])
		opportunity.title = "Saved again from the same form"
		opportunity.save()  # no "modified after you opened it"
