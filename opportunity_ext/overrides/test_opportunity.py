"""Lifecycle of an opportunity on a real site: every path that changes it."""

import json

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation, set_multiple_status
from erpnext.selling.doctype.quotation.quotation import make_sales_order
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, today

from opportunity_ext.constants import PURCHASE_PROCESS_GROUP, PURCHASE_PROCESS_INDIVIDUAL
from opportunity_ext.lifecycle.won import declare_opportunity_won
from opportunity_ext.tests.utils import (
	make_competitor,
	make_contact,
	make_customer,
	make_exchange_rate,
	make_item,
	make_item_price,
	make_lead,
	make_lost_reason,
	make_opportunity,
	make_price_list,
	make_sales_stage,
	make_user,
	make_won_reason,
)


def items(*rows):
	return [{"item_code": code, "qty": qty, **extra} for code, qty, extra in rows]


def set_won_reasons_mandatory(value: int):
	frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", value)


class TestPurchaseProcess(FrappeTestCase):
	def test_group_decision_with_committee_of_party_contacts(self):
		customer = make_customer("_OppExt Committee Customer")
		buyer = make_contact("Buyer", "Customer", customer)
		cfo = make_contact("CFO", "Customer", customer)
		opp = make_opportunity(
			customer,
			purchase_process=PURCHASE_PROCESS_GROUP,
			buying_committee=[
				{"contact": buyer, "role": "Decision Maker", "influence": "High"},
				{"contact": cfo, "role": "Approver", "notes": "Signs above 10k"},
			],
		)
		opp.reload()
		self.assertEqual([m.role for m in opp.buying_committee], ["Decision Maker", "Approver"])
		self.assertEqual(opp.buying_committee[0].contact_name, "Buyer")

	def test_committee_contact_of_another_party_is_refused(self):
		customer = make_customer("_OppExt Committee Customer")
		stranger = make_contact("Stranger", "Customer", make_customer("_OppExt Other Customer"))
		with self.assertRaisesRegex(frappe.ValidationError, "is not linked to"):
			make_opportunity(
				customer,
				purchase_process=PURCHASE_PROCESS_GROUP,
				buying_committee=[{"contact": stranger, "role": "User"}],
			)

	def test_committee_contact_of_the_customer_a_lead_became(self):
		lead = make_lead("_OppExt Converted Lead")
		customer = make_customer("_OppExt From Lead", lead_name=lead)
		contact = make_contact("Lead Buyer", "Customer", customer)
		opp = make_opportunity(
			lead,
			opportunity_from="Lead",
			purchase_process=PURCHASE_PROCESS_GROUP,
			buying_committee=[{"contact": contact, "role": "Evaluator"}],
		)
		self.assertEqual(opp.buying_committee[0].contact, contact)

	def test_committee_needs_a_group_decision(self):
		customer = make_customer("_OppExt Committee Customer")
		buyer = make_contact("Solo", "Customer", customer)
		with self.assertRaisesRegex(frappe.ValidationError, "buying committee belongs to"):
			make_opportunity(
				customer,
				purchase_process=PURCHASE_PROCESS_INDIVIDUAL,
				buying_committee=[{"contact": buyer, "role": "User"}],
			)

	def test_same_contact_twice_is_refused(self):
		customer = make_customer("_OppExt Committee Customer")
		buyer = make_contact("Twice", "Customer", customer)
		with self.assertRaisesRegex(frappe.ValidationError, "more than once"):
			make_opportunity(
				customer,
				purchase_process=PURCHASE_PROCESS_GROUP,
				buying_committee=[{"contact": buyer, "role": "User"}, {"contact": buyer, "role": "Approver"}],
			)

	def test_unknown_purchase_process_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_opportunity(purchase_process="Coin Toss")


class TestCompetitors(FrappeTestCase):
	def test_details_fill_erpnext_competitors(self):
		acme, globex = make_competitor("_Acme"), make_competitor("_Globex")
		opp = make_opportunity(
			competitor_details=[
				{"competitor": acme, "offer_amount": 900, "threat_level": "High", "strengths": "Cheap"},
				{"competitor": globex, "weaknesses": "Slow delivery"},
			]
		)
		self.assertEqual([c.competitor for c in opp.competitors], [acme, globex])

		opp.competitor_details = [row for row in opp.competitor_details if row.competitor == acme]
		opp.save()
		self.assertEqual([c.competitor for c in opp.competitors], [acme])

	def test_competitor_from_lost_dialog_gets_a_detail_row(self):
		acme, initech = make_competitor("_Acme"), make_competitor("_Initech")
		reason = make_lost_reason("_OppExt Too Expensive")
		opp = make_opportunity(competitor_details=[{"competitor": acme, "offer_amount": 500}])

		opp.declare_enquiry_lost([{"lost_reason": reason}], [{"competitor": initech}])
		opp.reload()
		self.assertEqual(opp.status, "Lost")
		self.assertEqual({c.competitor for c in opp.competitors}, {acme, initech})
		details = {row.competitor: row for row in opp.competitor_details}
		self.assertEqual(details[acme].offer_amount, 500, "the lost dialog must not lose competitor details")
		self.assertIn(initech, details)

	def test_competitor_listed_twice_is_refused(self):
		acme = make_competitor("_Acme")
		with self.assertRaisesRegex(frappe.ValidationError, "more than once"):
			make_opportunity(competitor_details=[{"competitor": acme}, {"competitor": acme}])


class TestWonLost(FrappeTestCase):
	def setUp(self):
		set_won_reasons_mandatory(1)
		for reason in ("Price", "Relationship"):
			make_won_reason(reason)

	def test_declare_won_stamps_date_and_reasons(self):
		opp = make_opportunity(transaction_date=add_days(today(), -12))
		declare_opportunity_won(opp.name, json.dumps(["Price", "Relationship"]), "Best offer")
		opp.reload()
		self.assertEqual(opp.status, "Converted")
		self.assertEqual([r.won_reason for r in opp.won_reasons], ["Price", "Relationship"])
		self.assertEqual(opp.won_detailed_reason, "Best offer")
		self.assertEqual(getdate(opp.won_date), getdate(today()))
		self.assertFalse(opp.lost_date)
		self.assertEqual(opp.days_to_close, 12)

	def test_won_reasons_mandatory_setting(self):
		opp = make_opportunity()
		with self.assertRaisesRegex(frappe.ValidationError, "at least one won reason"):
			declare_opportunity_won(opp.name, [])
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Open")

		set_won_reasons_mandatory(0)
		declare_opportunity_won(opp.name, [])
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Converted")

	def test_unknown_won_reason_is_refused(self):
		opp = make_opportunity()
		with self.assertRaisesRegex(frappe.ValidationError, "does not exist"):
			declare_opportunity_won(opp.name, ["Because We Said So"])
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Open")

	def test_cannot_win_a_lost_or_closed_opportunity(self):
		for status in ("Lost", "Closed"):
			opp = make_opportunity()
			opp.status = status
			opp.save()
			with self.assertRaisesRegex(frappe.ValidationError, "reopen it"):
				declare_opportunity_won(opp.name, ["Price"])

	def test_declaring_won_needs_write_permission(self):
		opp = make_opportunity()
		make_user("oppext-reader@example.com", ["Accounts User"])
		with self.set_user("oppext-reader@example.com"), self.assertRaises(frappe.PermissionError):
			declare_opportunity_won(opp.name, ["Price"])

	def test_lost_then_reopened_clears_dates(self):
		opp = make_opportunity(transaction_date=add_days(today(), -3))
		opp.status = "Lost"
		opp.save()
		self.assertEqual(getdate(opp.lost_date), getdate(today()))
		self.assertEqual(opp.days_to_close, 3)

		opp.status = "Open"
		opp.save()
		opp.reload()
		self.assertFalse(opp.lost_date)
		self.assertFalse(opp.won_date)
		self.assertFalse(opp.days_to_close)

	def test_client_values_for_dates_are_ignored(self):
		opp = make_opportunity()
		opp.update({"won_date": "2001-01-01", "lost_date": "2001-01-02", "days_to_close": 99})
		opp.save()
		opp.reload()
		self.assertFalse(opp.won_date or opp.lost_date or opp.days_to_close)

		opp.status = "Lost"
		opp.save()
		opp.lost_date = "2001-01-02"
		opp.save()
		self.assertEqual(getdate(frappe.db.get_value("Opportunity", opp.name, "lost_date")), getdate(today()))

	def test_list_bulk_status_change_stamps_dates(self):
		first, second = make_opportunity(), make_opportunity()
		set_multiple_status(json.dumps([first.name, second.name]), "Lost")
		for name in (first.name, second.name):
			self.assertEqual(getdate(frappe.db.get_value("Opportunity", name, "lost_date")), getdate(today()))


class TestStatusFromSellingDocuments(FrappeTestCase):
	"""ERPNext moves the status with set_status(update=True), skipping validate."""

	def make_submitted_quotation(self, opp):
		quotation = make_quotation(opp.name)
		quotation.valid_till = add_days(today(), 30)
		quotation.insert()
		quotation.submit()
		return quotation

	def test_quotation_then_sales_order_then_cancel(self):
		item = make_item("_OppExt Widget")
		opp = make_opportunity(items=items((item, 2, {"rate": 100})), transaction_date=add_days(today(), -5))
		quotation = self.make_submitted_quotation(opp)
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Quotation")

		sales_order = make_sales_order(quotation.name)
		sales_order.delivery_date = add_days(today(), 10)
		for row in sales_order.items:
			row.delivery_date = sales_order.delivery_date
		sales_order.insert()
		sales_order.submit()
		won = frappe.db.get_value(
			"Opportunity", opp.name, ["status", "won_date", "days_to_close"], as_dict=True
		)
		self.assertEqual(won.status, "Converted")
		self.assertEqual(getdate(won.won_date), getdate(today()))
		self.assertEqual(won.days_to_close, 5)

		sales_order.cancel()
		reopened = frappe.db.get_value("Opportunity", opp.name, ["status", "won_date"], as_dict=True)
		self.assertEqual(reopened.status, "Quotation")
		self.assertFalse(reopened.won_date)

	def test_quotation_lost_marks_opportunity_lost(self):
		item = make_item("_OppExt Widget")
		opp = make_opportunity(items=items((item, 1, {"rate": 50})))
		quotation = self.make_submitted_quotation(opp)
		reason = "_OppExt Budget Cut"
		if not frappe.db.exists("Quotation Lost Reason", reason):
			frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": reason}).insert()

		quotation.reload()
		quotation.declare_enquiry_lost([{"lost_reason": reason}], [])
		lost = frappe.db.get_value("Opportunity", opp.name, ["status", "lost_date"], as_dict=True)
		self.assertEqual(lost.status, "Lost")
		self.assertEqual(getdate(lost.lost_date), getdate(today()))


class TestEstimateAndProbability(FrappeTestCase):
	def test_rates_default_from_price_list_and_amount_follows_items(self):
		widget, gadget = make_item("_OppExt Widget"), make_item("_OppExt Gadget")
		make_item_price(widget, 120)
		make_item_price(gadget, 30)
		opp = make_opportunity(
			items=items((widget, 2, {}), (gadget, 3, {"rate": 25})), selling_price_list="Standard Selling"
		)
		self.assertEqual(opp.items[0].rate, 120)
		self.assertEqual(opp.items[1].rate, 25, "a rate the user typed stays")
		self.assertEqual(opp.opportunity_amount, 2 * 120 + 3 * 25)
		self.assertEqual(opp.base_opportunity_amount, opp.opportunity_amount)

	def test_price_list_in_another_currency_is_converted(self):
		widget = make_item("_OppExt Widget")
		make_price_list("_OppExt EUR Selling", "EUR")
		make_item_price(widget, 100, price_list="_OppExt EUR Selling")
		make_exchange_rate("EUR", "GBP", 0.5)
		make_exchange_rate("GBP", "USD", 1.25)
		opp = make_opportunity(
			items=items((widget, 2, {})), selling_price_list="_OppExt EUR Selling", currency="GBP"
		)
		self.assertEqual(opp.items[0].rate, 50)
		self.assertEqual(opp.opportunity_amount, 100)
		self.assertEqual(opp.conversion_rate, 1.25)
		self.assertEqual(opp.base_opportunity_amount, 125)
		self.assertEqual(opp.base_total, 125)

	def test_missing_exchange_rate_is_a_clear_error(self):
		widget = make_item("_OppExt Widget")
		make_price_list("_OppExt CHF Selling", "CHF")
		make_item_price(widget, 100, price_list="_OppExt CHF Selling")
		frappe.db.delete("Currency Exchange", {"from_currency": "CHF"})
		frappe.db.delete("Currency Exchange", {"to_currency": "CHF"})
		frappe.db.set_single_value("Currency Exchange Settings", "disabled", 1)
		with self.assertRaisesRegex(frappe.ValidationError, "No exchange rate from CHF"):
			make_opportunity(items=items((widget, 1, {})), selling_price_list="_OppExt CHF Selling")

	def test_without_items_amount_stays_manual(self):
		opp = make_opportunity(opportunity_amount=5000, probability=40)
		self.assertEqual(opp.opportunity_amount, 5000)
		self.assertEqual(opp.weighted_amount, 2000)
		self.assertEqual(opp.base_weighted_amount, 2000)

	def test_probability_follows_stage_unless_user_sets_it(self):
		prospecting = make_sales_stage("_OppExt Prospecting", 10)
		proposal = make_sales_stage("_OppExt Proposal", 60)
		opp = make_opportunity(sales_stage=prospecting, opportunity_amount=1000)
		self.assertEqual(opp.probability, 10)
		self.assertEqual(opp.weighted_amount, 100)

		opp.sales_stage = proposal
		opp.save()
		self.assertEqual(opp.probability, 60)

		opp.probability = 80
		opp.save()
		self.assertEqual(opp.probability, 80, "the user's probability stays while the stage stays")

		opp.sales_stage = prospecting
		opp.probability = 33
		opp.save()
		self.assertEqual(opp.probability, 33, "changed together with the stage, the user's value wins")
		self.assertEqual(opp.weighted_amount, 330)

	def test_probability_out_of_range_is_refused(self):
		for probability in (-1, 101):
			with self.assertRaisesRegex(frappe.ValidationError, "between 0 and 100"):
				make_opportunity(probability=probability)


class TestRestCannotWriteDates(FrappeAPITestCase):
	def test_rest_update_of_dates_is_ignored(self):
		opp = make_opportunity()
		frappe.db.commit()
		try:
			response = self.put(
				self.resource("Opportunity", opp.name),
				{"won_date": "2001-01-01", "days_to_close": 5, "sid": self.sid},
			)
			self.assertEqual(response.status_code, 200, response.text)
			stored = frappe.db.get_value("Opportunity", opp.name, ["won_date", "days_to_close"], as_dict=True)
			self.assertFalse(stored.won_date)
			self.assertFalse(stored.days_to_close)
		finally:
			frappe.delete_doc("Opportunity", opp.name, force=True)
			frappe.db.commit()


class TestTranslatedDefaults(FrappeTestCase):
	def test_persian_user_gets_the_sales_type_not_its_translation(self):
		frappe.local.lang = "fa"
		try:
			opportunity = make_opportunity()
		finally:
			frappe.local.lang = "en"
		self.assertEqual(opportunity.opportunity_type, "Sales")
