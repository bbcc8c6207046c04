"""What a sales person meets in the first hour, tested as that person: the owner of a new
opportunity, the probability of won and lost deals, the buying committee's contact picker."""

import frappe
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.overrides.opportunity import buying_committee_contacts
from opportunity_ext.tests.utils import (
	make_contact,
	make_customer,
	make_lead,
	make_lost_reason,
	make_opportunity,
	make_sales_stage,
	make_user,
	make_won_reason,
)

SALES_USER = "oppext-first-hour-user@example.com"
OTHER_USER = "oppext-first-hour-other@example.com"


def pick_contacts(opportunity_from: str, party: str, txt: str = "") -> list[str]:
	rows = buying_committee_contacts(
		"Contact",
		txt,
		"name",
		0,
		20,
		{"opportunity_from": opportunity_from, "party_name": party},
	)
	return [row[0] for row in rows]


class TestFirstHour(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_first_hour")
		self.addCleanup(frappe.db.rollback, save_point="oppext_first_hour")
		self.addCleanup(frappe.set_user, "Administrator")
		make_user(SALES_USER, ["Sales User"])
		make_user(OTHER_USER, ["Sales User"])

	def test_a_new_opportunity_belongs_to_the_user_who_makes_it(self):
		customer = make_customer()
		frappe.db.set_value("Assignment Rule", {"document_type": "Opportunity"}, "disabled", 1)
		frappe.set_user(SALES_USER)
		opportunity = make_opportunity(customer)
		self.assertEqual(opportunity.opportunity_owner, SALES_USER)
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"), SALES_USER
		)

	def test_the_assignment_rule_still_wins_when_it_assigns(self):
		customer = make_customer()
		frappe.db.set_value("Assignment Rule", {"document_type": "Opportunity"}, "disabled", 1)
		rule = frappe.get_doc(
			{
				"doctype": "Assignment Rule",
				"name": "_OppExt First Hour Rule",
				"document_type": "Opportunity",
				"priority": 99,
				"assign_condition": "status == 'Open'",
				"rule": "Round Robin",
				"users": [{"user": OTHER_USER}],
				"assignment_days": [
					{"day": day}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
				],
			}
		).insert(ignore_permissions=True)
		self.assertFalse(rule.disabled)
		# Frappe caches the rules of a doctype: forget this one with the test's rollback
		self.addCleanup(rule.clear_cache)
		frappe.set_user(SALES_USER)
		opportunity = make_opportunity(customer)
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, "opportunity_owner"), OTHER_USER
		)

	def test_won_is_certain_lost_is_nothing_and_reopened_takes_its_stage_again(self):
		stage = make_sales_stage("_OppExt First Hour Proposal", 60)
		make_won_reason("_OppExt Price")
		lost_reason = make_lost_reason("_OppExt Too Dear")
		opportunity = make_opportunity(sales_stage=stage, opportunity_amount=3600)
		self.assertEqual((opportunity.probability, opportunity.weighted_amount), (60, 2160))

		opportunity.status = "Converted"
		opportunity.append("won_reasons", {"won_reason": "_OppExt Price"})
		opportunity.save()
		self.assertEqual((opportunity.probability, opportunity.weighted_amount), (100, 3600))

		opportunity.status = "Open"
		opportunity.set("won_reasons", [])
		opportunity.save()
		self.assertEqual(opportunity.probability, 60, "reopened: the stage's probability again")

		opportunity.declare_enquiry_lost([{"lost_reason": lost_reason}], [])
		self.assertEqual((opportunity.probability, opportunity.weighted_amount), (0, 0))

		# ERPNext's own status updates (a quotation, a sales order) are a db_set
		other = make_opportunity(sales_stage=stage, opportunity_amount=1000)
		other.db_set("status", "Converted")
		self.assertEqual(
			frappe.db.get_value("Opportunity", other.name, ["probability", "weighted_amount"]), (100, 1000)
		)

	def test_weighted_amounts_are_rounded_to_the_fields_precision(self):
		opportunity = make_opportunity(opportunity_amount=333.33, probability=33)
		precision = opportunity.precision("weighted_amount")
		self.assertEqual(opportunity.weighted_amount, round(333.33 * 33 / 100, precision))
		stored = frappe.db.get_value("Opportunity", opportunity.name, "weighted_amount")
		self.assertEqual(float(stored), round(333.33 * 33 / 100, precision))

	def test_the_committee_picker_offers_the_partys_contacts(self):
		mine, theirs = make_customer("_OppExt Picker Customer"), make_customer("_OppExt Other Customer")
		ava = make_contact("_OppExt Ava Buyer", "Customer", mine)
		stranger = make_contact("_OppExt Stranger", "Customer", theirs)
		lead = make_lead("_OppExt Picker Lead")
		lead_contact = make_contact("_OppExt Lead Person", "Lead", lead)
		frappe.db.set_value("Customer", mine, "lead_name", lead)

		frappe.set_user(SALES_USER)
		self.assertEqual(pick_contacts("Customer", mine), [ava])
		offered = pick_contacts("Lead", lead)
		self.assertIn(lead_contact, offered)
		self.assertIn(ava, offered, "the lead's customer's contacts too")
		self.assertNotIn(stranger, offered)
		self.assertEqual(pick_contacts("Customer", mine, txt="Stranger"), [])
		self.assertEqual(pick_contacts("Customer", ""), [])

	def test_the_picker_answers_only_what_the_user_may_read(self):
		customer = make_customer("_OppExt Picker Customer")
		make_contact("_OppExt Ava Buyer", "Customer", customer)
		make_user("oppext-first-hour-nobody@example.com", ["Blogger"])
		frappe.set_user("oppext-first-hour-nobody@example.com")
		self.assertEqual(pick_contacts("Customer", customer), [])
