"""The demo pipeline: what it promises, idempotent, and removed exactly."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from opportunity_ext.balance.ledger import get_balances
from opportunity_ext.demo import RECORD, demo_company, make_demo, remove_demo
from opportunity_ext.tests.utils import make_customer, make_opportunity

COUNT = 30


def ledger_balance(opportunity: str) -> float:
	"""Straight from the Payment Ledger: receivable rows against the opportunity's vouchers."""
	vouchers = [
		name
		for doctype in ("Sales Invoice", "Payment Entry")
		for name in frappe.get_all(
			doctype, filters={"opportunity": opportunity, "docstatus": 1}, pluck="name"
		)
	]
	rows = frappe.get_all(
		"Payment Ledger Entry",
		filters={"against_voucher_no": ("in", vouchers or [""]), "delinked": 0, "account_type": "Receivable"},
		pluck="amount",
	)
	return sum(rows)


class TestDemo(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_demo")
		self.addCleanup(frappe.db.rollback, save_point="oppext_demo")
		remove_demo()  # one from an earlier run of the command: the test makes its own

	def test_make_run_again_and_remove(self):
		mine = make_customer("_OppExt Not Demo Customer")
		my_opportunity = make_opportunity(mine).name

		result = make_demo(COUNT)
		self.assertTrue(result["added"])
		demo_opportunities = frappe.get_all(
			RECORD, filters={"reference_doctype": "Opportunity"}, pluck="reference_name"
		)
		self.assertEqual(len(demo_opportunities), COUNT)
		rows = frappe.get_all(
			"Opportunity", filters={"name": ("in", demo_opportunities)}, fields=["status", "sales_stage"]
		)
		by_status = {}
		for row in rows:
			by_status[row.status] = by_status.get(row.status, 0) + 1
		self.assertEqual(result["by_status"], dict(sorted(by_status.items())), "the counts it promises")
		self.assertEqual(sum(result["by_stage"].values()), COUNT)
		self.assertTrue({"Converted", "Lost", "Open"} <= set(by_status), "won, lost and open deals")
		self.assertTrue(
			all(
				"(Demo)" in name
				for name in frappe.get_all(
					"Customer",
					filters={
						"name": (
							"in",
							[
								r.reference_name
								for r in frappe.get_all(
									RECORD,
									filters={"reference_doctype": "Customer"},
									fields=["reference_name"],
								)
							],
						)
					},
					pluck="customer_name",
				)
			),
			"clearly marked",
		)

		invoiced = frappe.get_all(
			"Sales Invoice",
			filters={"opportunity": ("in", demo_opportunities), "docstatus": 1},
			pluck="opportunity",
		)
		self.assertTrue(invoiced, "some deals were invoiced")
		for opportunity in set(invoiced):
			self.assertAlmostEqual(
				get_balances([opportunity])[opportunity]["balance"], ledger_balance(opportunity), 2
			)
		self.assertTrue(
			frappe.get_all(
				"Sales Invoice", filters={"opportunity": ("in", demo_opportunities), "is_return": 1}
			),
			"a credit note",
		)

		records = frappe.db.count(RECORD)
		again = make_demo(COUNT)
		self.assertFalse(again["added"])
		self.assertEqual(frappe.db.count(RECORD), records, "running it twice adds nothing")

		made = frappe.get_all(RECORD, fields=["reference_doctype", "reference_name"])
		self.assertEqual(remove_demo(), records)
		left = [
			(r.reference_doctype, r.reference_name)
			for r in made
			if frappe.db.exists(r.reference_doctype, r.reference_name)
		]
		self.assertEqual(left, [], "nothing of it left")
		self.assertFalse(frappe.db.count(RECORD))
		self.assertFalse(
			frappe.db.exists("Event Participants", {"reference_docname": ("in", demo_opportunities)})
		)
		self.assertTrue(frappe.db.exists("Opportunity", my_opportunity), "the user's own records stay")
		self.assertTrue(frappe.db.exists("Customer", mine))

	def test_deals_move_through_their_stages_over_past_months(self):
		"""The history reports show something real on day one: the deals were saved stage by
		stage over the past months, as a live site records them."""
		from frappe.utils import add_days, getdate, today

		from opportunity_ext.lifecycle.funnel import funnel_order

		make_demo(COUNT)
		demo = frappe.get_all(RECORD, filters={"reference_doctype": "Opportunity"}, pluck="reference_name")
		history = frappe.qb.DocType("Opportunity History")
		moves = (
			frappe.qb.from_(history)
			.select(history.opportunity, history.from_value, history.to_value, history.changed_on)
			.where(
				history.opportunity.isin(demo)
				& (history.field == "sales_stage")
				& history.from_value.isnotnull()
			)
			.run(as_dict=True)
		)
		self.assertGreater(len({move.opportunity for move in moves}), COUNT // 3, "most deals moved stage")
		self.assertTrue(
			any(getdate(move.changed_on) < getdate(add_days(today(), -60)) for move in moves),
			"moves recorded months ago, not all today",
		)
		order = funnel_order()
		self.assertTrue(
			any(order.index(move.to_value) > order.index(move.from_value) for move in moves), "advanced"
		)
		won = frappe.get_all(
			"Opportunity", filters={"name": ("in", demo), "status": "Converted"}, pluck="probability"
		)
		self.assertTrue(won and set(won) == {100}, "won deals are certain")
		self.assertEqual(
			set(
				frappe.get_all(
					"Opportunity", filters={"name": ("in", demo), "status": "Lost"}, pluck="probability"
				)
			),
			{0},
		)

		for report in ("stage_duration", "stage_conversion", "pipeline_changes"):
			module = frappe.get_module(f"opportunity_ext.opportunity_ext.report.{report}.{report}")
			_columns, rows, *_rest = module.execute(frappe._dict(company=demo_company()))
			self.assertTrue(rows, f"{report} shows something")
		from opportunity_ext.dashboards import get_win_rate

		self.assertGreater(get_win_rate()["value"], 0)
		self.assertTrue(
			frappe.db.exists(
				"Opportunity",
				{
					"name": ("in", demo),
					"status": "Converted",
					"won_date": (">=", getdate(today()).replace(day=1)),
				},
			),
			"won this month",
		)

	def test_committee_contacts_are_not_the_sales_people(self):
		make_demo(COUNT)
		sellers = set(
			frappe.get_all(
				"User", filters={"name": ("like", "demo-seller-%@example.com")}, pluck="first_name"
			)
		)
		contacts = frappe.get_all(RECORD, filters={"reference_doctype": "Contact"}, pluck="reference_name")
		first_names = set(frappe.get_all("Contact", filters={"name": ("in", contacts)}, pluck="first_name"))
		self.assertTrue(first_names)
		self.assertFalse(first_names & sellers, "a buyer named like a seller")
		self.assertFalse(any(name.startswith(tuple(sellers)) for name in contacts))

	def test_needs_a_company(self):
		with (
			patch.object(frappe.db, "get_single_value", return_value=None),
			patch.object(frappe.db, "get_value", return_value=None),
		):
			with self.assertRaisesRegex(frappe.ValidationError, "setup wizard"):
				demo_company()


class TestDemoOutcomes(FrappeTestCase):
	"""The demo's closed deals are won or lost by their own inputs (the full 200-deal demo
	takes minutes: its counts are checked by hand, see docs/win-model.md)."""

	def test_chance_follows_the_deals_inputs(self):
		from opportunity_ext.demo import CLOSED_SHARE, QUOTED_CLOSED_SHARE, win_chance

		deal = lambda **values: frappe._dict(  # noqa: E731
			{"source": "Reference", "territory": "North (Demo)", "base_opportunity_amount": 5000,
			"purchase_process": "Group Decision", **values}
		)  # fmt: skip
		self.assertGreater(win_chance(deal()), win_chance(deal(source="Cold Calling")))
		self.assertGreater(win_chance(deal()), win_chance(deal(base_opportunity_amount=80000)))
		self.assertGreater(win_chance(deal()), win_chance(deal(purchase_process="Individual Decision")))
		self.assertNotEqual(win_chance(deal()), win_chance(deal(territory="Export (Demo)")))
		# enough closes for the win model's 50 won and 50 lost at the default 200
		self.assertGreaterEqual(200 * 0.85 * CLOSED_SHARE + 200 * 0.2 * QUOTED_CLOSED_SHARE, 100)
