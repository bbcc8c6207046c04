"""Every report on a known set of opportunities: exact figures, charts, and permissions."""

import importlib

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from opportunity_ext.lifecycle.won import declare_opportunity_won
from opportunity_ext.tests.utils import (
	make_campaign,
	make_competitor,
	make_customer,
	make_lost_reason,
	make_opportunity,
	make_payment,
	make_sales_invoice,
	make_sales_stage,
	make_user,
	make_won_reason,
)

TYPE = "_OppExt Report Test"
REP_1, REP_2 = "oppext-report-1@example.com", "oppext-report-2@example.com"


def run(report: str, **filters):
	module = importlib.import_module(
		f"opportunity_ext.opportunity_ext.report.{frappe.scrub(report)}.{frappe.scrub(report)}"
	)
	columns, data, _message, chart = module.execute({"opportunity_type": TYPE, **filters})
	return columns, data, chart


def rows_by(data, key):
	return {row[key]: row for row in data}


def lose(opportunity, reason):
	make_lost_reason(reason)
	opportunity.reload()
	opportunity.status = "Lost"
	opportunity.append("lost_reasons", {"lost_reason": reason})
	opportunity.save()


class TestReports(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Opportunity Type", TYPE):
			frappe.get_doc({"doctype": "Opportunity Type", "name": TYPE}).insert()
		make_user(REP_1, ["Sales User"])
		make_user(REP_2, ["Sales User"])
		stage_a, stage_b = make_sales_stage("_OppExt Stage A", 10), make_sales_stage("_OppExt Stage B", 60)
		camp_1, camp_2 = make_campaign("_OppExt Camp 1"), make_campaign("_OppExt Camp 2")
		acme, globex = make_competitor("_Acme"), make_competitor("_Globex")
		customer = make_customer("_OppExt Report Customer")
		make_won_reason("Price")

		def opportunity(amount, stage, campaign, owner, days_ago=0, **kwargs):
			return make_opportunity(
				customer,
				opportunity_type=TYPE,
				opportunity_amount=amount,
				sales_stage=stage,
				source="Campaign",
				campaign=campaign,
				opportunity_owner=owner,
				transaction_date=add_days(today(), -days_ago),
				**kwargs,
			)

		cls.o1 = opportunity(1000, stage_a, camp_1, REP_1)
		cls.o2 = opportunity(2000, stage_b, camp_1, REP_2)
		cls.o3 = opportunity(
			3000, stage_b, camp_2, REP_1, 10, competitor_details=[{"competitor": acme, "offer_amount": 2800}]
		)
		cls.o4 = opportunity(
			4000, stage_a, camp_2, REP_2, 4,
			competitor_details=[{"competitor": acme, "offer_amount": 3500}, {"competitor": globex}],
		)  # fmt: skip
		cls.o5 = opportunity(
			500, stage_a, camp_1, REP_1, 20, competitor_details=[{"competitor": globex, "offer_amount": 450}]
		)

		declare_opportunity_won(cls.o3.name, ["Price"])
		lose(cls.o4, "_OppExt Budget")
		lose(cls.o5, "_OppExt Budget")

		invoice = make_sales_invoice(customer, rate=500, opportunity=cls.o2.name)
		make_payment("Sales Invoice", invoice.name, amount=200)

		for opp, seconds in ((cls.o1, 3600), (cls.o2, 7200), (cls.o5, 14400)):
			frappe.db.set_value(
				"Opportunity", opp.name, "first_response_time", seconds, update_modified=False
			)

	def test_pipeline_by_stage(self):
		columns, data, chart = run("Opportunity Pipeline")
		rows = rows_by(data, "group_value")
		self.assertEqual(list(rows), ["_OppExt Stage A", "_OppExt Stage B"], "funnel order")
		self.assertEqual(
			{
				k: rows["_OppExt Stage A"][k]
				for k in ("opportunities", "amount", "weighted_amount", "balance")
			},
			{"opportunities": 1, "amount": 1000, "weighted_amount": 100, "balance": 0},
		)
		self.assertEqual(
			{
				k: rows["_OppExt Stage B"][k]
				for k in ("opportunities", "amount", "weighted_amount", "balance")
			},
			{"opportunities": 1, "amount": 2000, "weighted_amount": 1200, "balance": 300},
		)
		self.assertEqual(chart["data"]["labels"], ["_OppExt Stage A", "_OppExt Stage B"])

		_columns, data, _chart = run("Opportunity Pipeline", include_closed=1)
		rows = rows_by(data, "group_value")
		self.assertEqual(
			(rows["_OppExt Stage A"]["opportunities"], rows["_OppExt Stage A"]["amount"]), (3, 5500)
		)
		self.assertEqual(
			(rows["_OppExt Stage B"]["opportunities"], rows["_OppExt Stage B"]["amount"]), (2, 5000)
		)

	def test_pipeline_by_owner_and_campaign(self):
		_columns, data, _chart = run("Opportunity Pipeline", group_by="Opportunity Owner")
		self.assertEqual({r["group_value"]: r["amount"] for r in data}, {REP_1: 1000, REP_2: 2000})
		_columns, data, _chart = run("Opportunity Pipeline", group_by="Campaign", include_closed=1)
		self.assertEqual(
			{r["group_value"]: r["opportunities"] for r in data}, {"_OppExt Camp 1": 3, "_OppExt Camp 2": 2}
		)

	def test_won_and_lost_by_period_and_reason(self):
		_columns, data, chart = run("Won and Lost Analysis")
		self.assertEqual(len(data), 1)
		row = data[0]
		self.assertEqual(row["period"], today()[:7])
		self.assertEqual((row["won"], row["won_amount"], row["lost"], row["lost_amount"]), (1, 3000, 2, 4500))
		self.assertEqual(row["win_rate"], 33.33)
		self.assertEqual(chart["data"]["datasets"][0]["values"], [1])

		_columns, data, _chart = run("Won and Lost Analysis", view="By Reason")
		self.assertEqual(
			[(r["outcome"], r["reason"], r["opportunities"], r["amount"], r["share"]) for r in data],
			[("Won", "Price", 1, 3000, 100), ("Lost", "_OppExt Budget", 2, 4500, 100)],
		)

		_columns, data, _chart = run("Won and Lost Analysis", from_date=add_days(today(), 1))
		self.assertEqual(data, [], "closed before the range")

	def test_competitor_analysis(self):
		_columns, data, chart = run("Competitor Analysis")
		rows = rows_by(data, "competitor")
		acme, globex = rows["_Acme"], rows["_Globex"]
		self.assertEqual((acme["opportunities"], acme["won"], acme["lost"], acme["win_rate"]), (2, 1, 1, 50))
		self.assertEqual(acme["average_offer"], 3150)
		self.assertEqual(acme["top_lost_reasons"], "_OppExt Budget (1)")
		self.assertEqual(
			(globex["opportunities"], globex["won"], globex["lost"], globex["win_rate"]), (2, 0, 2, 0)
		)
		self.assertEqual(globex["average_offer"], 450, "an offer not recorded is not an offer of 0")
		self.assertEqual(globex["top_lost_reasons"], "_OppExt Budget (2)")
		self.assertEqual(len(chart["data"]["datasets"]), 2)

	def test_campaign_performance(self):
		_columns, data, _chart = run("Campaign Performance")
		rows = rows_by(data, "campaign")
		one, two = rows["_OppExt Camp 1"], rows["_OppExt Camp 2"]
		self.assertEqual(
			(one["opportunities"], one["weighted_pipeline"], one["won"], one["won_amount"]), (3, 1300, 0, 0)
		)
		self.assertEqual((one["invoiced"], one["received"], one["conversion_rate"]), (500, 200, 0))
		self.assertEqual(
			(two["opportunities"], two["weighted_pipeline"], two["won"], two["won_amount"]), (2, 0, 1, 3000)
		)
		self.assertEqual((two["invoiced"], two["received"], two["conversion_rate"]), (0, 0, 50))

	def test_time_to_close(self):
		_columns, data, _chart = run("Time to Close")
		figures = {
			(r["group_value"], r["outcome"]): (r["opportunities"], r["average_days"], r["median_days"])
			for r in data
		}
		self.assertEqual(figures, {(TYPE, "Won"): (1, 10, 10), (TYPE, "Lost"): (2, 12, 12)})

		_columns, data, _chart = run("Time to Close", group_by="Opportunity Owner")
		figures = {(r["group_value"], r["outcome"]): (r["opportunities"], r["average_days"]) for r in data}
		self.assertEqual(
			figures, {(REP_1, "Won"): (1, 10), (REP_1, "Lost"): (1, 20), (REP_2, "Lost"): (1, 4)}
		)

	def test_first_response_time_by_owner(self):
		_columns, data, chart = run("First Response Time by Owner")
		rows = rows_by(data, "owner")
		self.assertEqual(
			{
				k: rows[REP_1][k]
				for k in ("opportunities", "responded", "without_response", "average_hours", "median_hours")
			},
			{
				"opportunities": 3,
				"responded": 2,
				"without_response": 1,
				"average_hours": 2.5,
				"median_hours": 2.5,
			},
		)
		self.assertEqual((rows[REP_2]["responded"], rows[REP_2]["average_hours"]), (1, 2))
		self.assertEqual(set(chart["data"]["labels"]), {REP_1, REP_2})

	def test_reports_respect_user_permissions(self):
		viewer = make_user("oppext-report-viewer@example.com", ["Sales User"])
		frappe.get_doc(
			{"doctype": "User Permission", "user": viewer, "allow": "Campaign", "for_value": "_OppExt Camp 1"}
		).insert()
		with self.set_user(viewer):
			_columns, data, _chart = run("Opportunity Pipeline", group_by="Campaign", include_closed=1)
			self.assertEqual({r["group_value"]: r["opportunities"] for r in data}, {"_OppExt Camp 1": 3})
			_columns, data, _chart = run("Campaign Performance")
			self.assertEqual([r["campaign"] for r in data], ["_OppExt Camp 1"])

	def test_shipped_dashboard_pieces(self):
		from opportunity_ext.dashboards import get_win_rate

		for doctype, name in (
			("Workspace", "Opportunities"),
			("Number Card", "Open Pipeline"),
			("Number Card", "Weighted Pipeline"),
			("Number Card", "Won This Month"),
			("Number Card", "Win Rate"),
			("Dashboard Chart", "Opportunities by Stage"),
			("Kanban Board", "Opportunities by Sales Stage"),
		):
			self.assertTrue(frappe.db.exists(doctype, name), f"{doctype} {name}")
		self.assertEqual(get_win_rate()["fieldtype"], "Percent")
		self.assertGreater(get_win_rate()["value"], 0)


class TestDistributions(FrappeTestCase):
	"""The reports' two-pass median against Python's, on values spread over many buckets."""

	def test_exact_median_count_and_total_per_group(self):
		import random
		import statistics

		from frappe.query_builder import Case

		from opportunity_ext.opportunity_ext.report.utils import distributions

		generator = random.Random(15)
		rows = []
		for group in ("a", "b", "c"):
			for _number in range(generator.randint(1, 400)):
				kind = generator.random()
				if kind < 0.1:
					value = None
				elif kind < 0.2:
					value = generator.choice([0, 0.04, -3.5, -0.5, 7])
				else:
					value = round(generator.expovariate(1 / 500), 2)
					if (
						round(value * 100) % 10 == 5
					):  # no half to round: MariaDB's ROUND of a double is not Python's
						value = round(value + 0.01, 2)
				rows.append((group, value))
		rows.append(("d", None))  # a group without any value
		# the values as history rows (rolled back with the test)
		frappe.db.sql(
			"""insert into `tabOpportunity History` (name, opportunity, field, days_in_previous_stage)
			values """
			+ ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
			[
				item
				for number, (group, value) in enumerate(rows)
				for item in (
					f"_oppext-dist-{number}",
					f"_oppext-dist-{group}",
					"status" if value is None else "sales_stage",
					value or 0,
				)
			],
		)
		history = frappe.qb.DocType("Opportunity History")
		# no value unless a stage row, as the reports' own CASE terms
		value = Case().when(history.field == "sales_stage", history.days_in_previous_stage).else_(None)
		for precision in (None, 1):
			found = distributions(
				history,
				history.opportunity.like("_oppext-dist-%"),
				[history.opportunity],
				value,
				precision,
			)
			for group in ("a", "b", "c", "d"):
				values = [value for grp, value in rows if grp == group and value is not None]
				summary = found[(f"_oppext-dist-{group}",)]
				self.assertEqual(summary.rows, sum(1 for grp, _value in rows if grp == group))
				self.assertEqual(summary.count, len(values))
				self.assertAlmostEqual(summary.total, sum(values), places=6)
				if not values:
					self.assertIsNone(summary.median)
					continue
				if precision is not None:
					values = [round(value, precision) for value in values]
				self.assertAlmostEqual(float(summary.median), statistics.median(values), places=6)
