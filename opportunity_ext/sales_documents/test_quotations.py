"""The opportunity and its quotations in step, both ways, on ERPNext's own paths:
Quotation submit / declare lost / cancel / amend, Sales Order submit / cancel, expiry."""

import json
from unittest.mock import patch

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation
from erpnext.selling.doctype.quotation.quotation import make_sales_order
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, today

from opportunity_ext.lifecycle.won import declare_opportunity_won
from opportunity_ext.sales_documents import quotations
from opportunity_ext.sales_documents.quotations import resync_expired_quotations
from opportunity_ext.tests.utils import (
	make_competitor,
	make_contact,
	make_customer,
	make_item,
	make_opportunity,
	make_user,
	make_won_reason,
)

LOST_REASON = "Price too high"


def make_quotation_lost_reason(name: str) -> str:
	if not frappe.db.exists("Quotation Lost Reason", name):
		frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": name}).insert()
	return name


def submitted_quotation(opportunity: str, valid_days: int = 30, **values):
	quotation = make_quotation(opportunity)
	quotation.valid_till = add_days(today(), valid_days)
	quotation.update(values)
	quotation.insert()
	quotation.submit()
	return quotation


def make_opportunity_lost_reason(name: str) -> str:
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert()
	return name


def declare_lost(quotation, reason=LOST_REASON, competitor=None, note=None):
	quotation.reload()
	competitors = [{"competitor": competitor}] if competitor else []
	quotation.declare_enquiry_lost([{"lost_reason": make_quotation_lost_reason(reason)}], competitors, note)


def ordered(quotation, qty=None):
	order = make_sales_order(quotation.name)
	order.delivery_date = add_days(today(), 10)
	for row in order.items:
		row.delivery_date = order.delivery_date
		if qty is not None:
			row.qty = qty
	order.insert()
	order.submit()
	return order


def opportunity_state(name: str) -> frappe._dict:
	doc = frappe.get_doc("Opportunity", name)
	return frappe._dict(
		status=doc.status,
		lost_reasons=[row.lost_reason for row in doc.lost_reasons],
		competitors=[row.competitor for row in doc.competitors],
		details=[(row.competitor, row.strengths) for row in doc.competitor_details],
		note=doc.order_lost_reason,
		lost_date=doc.lost_date,
		won_without_reasons=doc.won_without_reasons,
		amount=doc.opportunity_amount,
	)


class TestQuotationsInStep(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_quotations")
		self.addCleanup(frappe.db.rollback, save_point="oppext_quotations")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 1)
		frappe.db.set_single_value("Opportunity Settings", "amount_follows_quotation", 0)
		self.item = make_item("_OppExt Quoted Widget")
		self.customer = make_customer("_OppExt Quoted Customer")

	def opportunity(self, **values) -> str:
		return make_opportunity(
			self.customer, items=[{"item_code": self.item, "qty": 2, "rate": 100}], **values
		).name

	def test_a_lost_quotation_brings_its_reasons_competitors_and_note(self):
		rival = make_competitor("Rival Q")
		opportunity = self.opportunity(competitor_details=[{"competitor": rival, "strengths": "Cheap"}])
		quotation = submitted_quotation(opportunity)
		declare_lost(quotation, competitor=rival, note="their price was 20 % lower")

		state = opportunity_state(opportunity)
		self.assertEqual(state.status, "Lost")
		self.assertEqual(getdate(state.lost_date), getdate(today()))
		self.assertEqual(state.lost_reasons, [LOST_REASON])
		self.assertEqual(state.competitors, [rival])
		self.assertEqual(state.details, [(rival, "Cheap")], "the competitor's details are kept")
		self.assertEqual(state.note, "their price was 20 % lower")

	def test_lost_only_when_the_last_open_quotation_is(self):
		opportunity = self.opportunity()
		first, second = submitted_quotation(opportunity), submitted_quotation(opportunity)
		declare_lost(first, reason="Too slow")
		self.assertEqual(opportunity_state(opportunity).status, "Quotation", "the second is still on offer")

		declare_lost(second)
		state = opportunity_state(opportunity)
		self.assertEqual(state.status, "Lost")
		self.assertEqual(sorted(state.lost_reasons), sorted(["Too slow", LOST_REASON]))

	def test_cancelling_the_lost_quotation_takes_the_loss_back_and_an_amendment_reopens(self):
		opportunity = self.opportunity()
		quotation = submitted_quotation(opportunity)
		declare_lost(quotation, note="gone")
		quotation.reload()
		quotation.cancel()
		state = opportunity_state(opportunity)
		self.assertEqual(
			(state.status, state.lost_reasons, state.note, state.lost_date), ("Open", [], None, None)
		)

		amended = frappe.copy_doc(quotation)
		amended.amended_from = quotation.name
		amended.docstatus = 0
		amended.set("lost_reasons", [])
		amended.status = "Draft"
		amended.insert()
		amended.submit()
		self.assertEqual(opportunity_state(opportunity).status, "Quotation")

	def test_a_sales_order_wins_and_the_reasons_can_follow(self):
		make_won_reason("Price")
		opportunity = self.opportunity()
		order = ordered(submitted_quotation(opportunity))
		state = opportunity_state(opportunity)
		self.assertEqual((state.status, state.won_without_reasons), ("Converted", 1))
		won_without = frappe.get_list("Opportunity", filters={"won_without_reasons": 1}, pluck="name")
		self.assertIn(opportunity, won_without, "the list filter finds it")

		declare_opportunity_won(opportunity, ["Price"], "Fastest delivery")
		doc = frappe.get_doc("Opportunity", opportunity)
		self.assertEqual((doc.status, doc.won_without_reasons), ("Converted", 0))
		self.assertEqual(getdate(doc.won_date), getdate(today()))

		order.reload()
		order.cancel()
		self.assertEqual(opportunity_state(opportunity).status, "Quotation", "back as it was")

	def test_a_partly_ordered_quotation_counts_as_won(self):
		opportunity = self.opportunity()
		quotation = submitted_quotation(opportunity)
		ordered(quotation, qty=1)
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "status"), "Partially Ordered")
		self.assertEqual(opportunity_state(opportunity).status, "Converted")

	def test_an_expired_quotation_no_longer_holds_the_opportunity(self):
		opportunity = self.opportunity()
		quotation = submitted_quotation(opportunity)
		frappe.db.set_value("Quotation", quotation.name, "valid_till", add_days(today(), -1))
		resync_expired_quotations()
		self.assertEqual(opportunity_state(opportunity).status, "Open")

	def test_the_amount_can_follow_the_latest_quotation(self):
		frappe.db.set_single_value("Opportunity Settings", "amount_follows_quotation", 1)
		opportunity = self.opportunity()
		self.assertEqual(opportunity_state(opportunity).amount, 200)
		quotation = make_quotation(opportunity)
		quotation.valid_till = add_days(today(), 30)
		quotation.items[0].rate = 90
		quotation.insert()
		quotation.submit()
		self.assertEqual(opportunity_state(opportunity).amount, 180, "what was really offered")
		quotation.reload()
		quotation.cancel()
		self.assertEqual(opportunity_state(opportunity).amount, 200)

	def test_the_form_lists_the_documents_the_user_may_read(self):
		seller = make_user("oppext-documents-seller@example.com", ["Sales User"])
		opportunity = self.opportunity()
		quotation = submitted_quotation(opportunity)
		order = ordered(quotation)
		frappe.set_user(seller)
		self.addCleanup(frappe.set_user, "Administrator")
		form = frappe.get_doc("Opportunity", opportunity)
		form.run_method("onload")
		documents = [(d["doctype"], d["name"]) for d in form.get_onload()["sales_documents"]]
		self.assertEqual(documents, [("Quotation", quotation.name), ("Sales Order", order.name)])

	def test_a_loss_declared_by_hand_stays_while_a_quotation_is_still_valid(self):
		"""Lost by hand with a quotation still on offer: the quotation's next event (here an
		update after submit) neither reopens the deal nor deletes its lost reasons and note."""
		opportunity = self.opportunity()
		quotation = submitted_quotation(opportunity)
		doc = frappe.get_doc("Opportunity", opportunity)
		doc.status = "Lost"
		doc.append("lost_reasons", {"lost_reason": make_opportunity_lost_reason("Went with a rival")})
		doc.order_lost_reason = "They chose the rival's service contract"
		doc.save()

		quotation.reload()
		quotation.save()  # on_update_after_submit, as any change allowed on a submitted quotation
		state = opportunity_state(opportunity)
		self.assertEqual(state.status, "Lost")
		self.assertEqual(state.lost_reasons, ["Went with a rival"])
		self.assertEqual(state.note, "They chose the rival's service contract")

	def test_declare_lost_works_when_unrelated_data_no_longer_validates(self):
		"""Declare Lost writes the loss, not a save of the whole opportunity: a committee
		contact since unlinked from the customer doesn't stop it. A Version records it."""
		contact = make_contact("_OppExt Former Buyer", "Customer", self.customer)
		opportunity = self.opportunity(
			purchase_process="Group Decision", buying_committee=[{"contact": contact}]
		)
		frappe.db.delete("Dynamic Link", {"parenttype": "Contact", "parent": contact})
		quotation = submitted_quotation(opportunity)
		declare_lost(quotation, note="budget cut")

		state = opportunity_state(opportunity)
		self.assertEqual(
			(state.status, state.lost_reasons, state.note), ("Lost", [LOST_REASON], "budget cut")
		)
		self.assertEqual(getdate(state.lost_date), getdate(today()))
		recorded = [
			json.loads(data)
			for data in frappe.get_all(
				"Version", filters={"ref_doctype": "Opportunity", "docname": opportunity}, pluck="data"
			)
		]
		self.assertTrue(any(version.get("added") for version in recorded), "the reasons are in a Version")

	def test_one_failing_opportunity_does_not_stop_the_expired_quotations_job(self):
		first, second = self.opportunity(), self.opportunity()
		for opportunity in (first, second):
			quotation = submitted_quotation(opportunity)
			frappe.db.set_value("Quotation", quotation.name, "valid_till", add_days(today(), -1))
		real_resync = quotations.resync_opportunity

		def failing_on_first(opportunity, *args, **kwargs):
			real_resync(opportunity, *args, **kwargs)  # half done when it fails: rolled back
			if opportunity == first:
				raise frappe.ValidationError("broken")

		with patch.object(quotations, "resync_opportunity", failing_on_first):
			resync_expired_quotations()
		self.assertEqual(opportunity_state(first).status, "Quotation")
		self.assertEqual(opportunity_state(second).status, "Open")
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": first}))
