"""Every report on a known set of opportunities: exact figures, charts, and permissions."""

import importlib

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_months, get_datetime, getdate, today

from opportunity_ext.lifecycle.history.recording import recorded_at
from opportunity_ext.lifecycle.won import declare_opportunity_won
from opportunity_ext.tests.utils import (
	company,
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
START = get_datetime("2026-03-02 09:00:00")


def run(report: str, **filters):
	module = importlib.import_module(
		f"opportunity_ext.opportunity_ext.report.{frappe.scrub(report)}.{frappe.scrub(report)}"
	)
	columns, data, _message, chart = module.execute({"opportunity_type": TYPE, **filters})
	return columns, data, chart


HISTORY_TYPE, VELOCITY_TYPE = "_OppExt History Report Test", "_OppExt Velocity Test"


def make_opportunity_type(name: str) -> str:
	if not frappe.db.exists("Opportunity Type", name):
		frappe.get_doc({"doctype": "Opportunity Type", "name": name}).insert()
	return name


def run_history(report: str, **filters):
	"""A history report over the deals of its own tests (their own opportunity type)."""
	return run(report, **filters, opportunity_type=HISTORY_TYPE)


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


class TestHistoryReports(FrappeTestCase):
	"""Stage Duration, Stage Conversion and Pipeline Changes on deals moved through stages."""

	def setUp(self):
		frappe.db.savepoint("oppext_history_reports")
		self.addCleanup(frappe.db.rollback, save_point="oppext_history_reports")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 0)
		make_opportunity_type(HISTORY_TYPE)
		self.first = make_sales_stage("_OppExt H1 Qualify", 10)
		self.second = make_sales_stage("_OppExt H2 Propose", 40)
		self.third = make_sales_stage("_OppExt H3 Negotiate", 70)
		self.customer = make_customer("_OppExt History Customer")

	def moved(self, **kwargs):
		"""Created in the first stage, three days later in the second, then its amount up."""
		with recorded_at(START):
			opportunity = make_opportunity(
				self.customer,
				sales_stage=self.first,
				opportunity_amount=100,
				probability=10,
				opportunity_type=HISTORY_TYPE,
				**kwargs,
			)
		for day, change in ((3, {"sales_stage": self.second}), (4, {"opportunity_amount": 150})):
			self.change(opportunity, day, **change)
		return opportunity

	def change(self, opportunity, day, **values):
		with recorded_at(add_days(START, day)):
			opportunity.reload()
			opportunity.update(values)
			opportunity.save()

	def deals(self):
		won = self.moved()
		self.change(won, 10, sales_stage=self.third, status="Converted")  # 7 days in the second stage
		lost = self.moved()
		reasons = [{"lost_reason": make_lost_reason("_OppExt History Lost")}]
		self.change(lost, 5, status="Lost", lost_reasons=reasons)
		return won, lost

	def test_stage_duration_days_per_stage_and_outcome(self):
		won, _lost = self.deals()
		_columns, rows, _chart = run_history("Stage Duration")
		second = {row.outcome: row for row in rows if row.stage == self.second}
		self.assertEqual(
			(second["Won"].opportunities, second["Won"].average_days, second["Won"].median_days), (1, 7, 7)
		)
		self.assertNotIn("Lost", second, "a stage not left yet is not counted")
		first = sorted(
			(row.outcome, row.opportunities, row.average_days) for row in rows if row.stage == self.first
		)
		self.assertEqual(first, [("Lost", 1, 3), ("Won", 1, 3)])

		# back into a stage and out again: one deal, its days added up
		self.change(won, 12, sales_stage=self.first)
		self.change(won, 13, sales_stage=self.third)
		_columns, rows, _chart = run_history("Stage Duration")
		first = {row.outcome: row for row in rows if row.stage == self.first}
		self.assertEqual((first["Won"].opportunities, first["Won"].average_days), (1, 4))

		_columns, rows, _chart = run_history("Stage Duration", group_by="Opportunity Owner")
		owner = frappe.db.get_value("Opportunity", won.name, "opportunity_owner") or _("Not Set")
		self.assertEqual({row.group_value for row in rows}, {owner})

	def test_stage_duration_median_of_a_group(self):
		for days in (1, 2, 10):
			opportunity = self.moved()
			self.change(opportunity, 3 + days, sales_stage=self.third)
		_columns, rows, _chart = run_history("Stage Duration")
		[second] = [row for row in rows if row.stage == self.second]
		self.assertEqual((second.opportunities, second.average_days, second.median_days), (3, 4.3, 2))

	def test_stage_conversion_from_the_stages_each_deal_entered(self):
		self.deals()
		_columns, rows, chart = run_history("Stage Conversion")
		by_stage = {row.stage: row for row in rows}
		self.assertEqual([row.stage for row in rows], [self.first, self.second, self.third], "funnel order")
		self.assertEqual(
			(by_stage[self.first].entered, by_stage[self.first].advanced, by_stage[self.first].won), (2, 2, 1)
		)
		self.assertEqual((by_stage[self.second].entered, by_stage[self.second].advanced), (2, 1))
		self.assertEqual((by_stage[self.third].entered, by_stage[self.third].won), (1, 1))
		self.assertEqual(by_stage[self.second].advanced_rate, 50)
		self.assertEqual(chart["data"]["labels"], [self.first, self.second, self.third])

	def test_pipeline_changes_counts_each_deal_once_a_kind(self):
		won, _lost = self.deals()
		self.change(won, 11, opportunity_amount=300)  # a second amount up of the same deal
		_columns, rows, _chart = run_history(
			"Pipeline Changes", from_date=str(START.date()), to_date=str(add_days(START, 20).date())
		)
		counts = {row["kind"]: row["count"] for row in rows}
		self.assertEqual(
			(counts["New"], counts["Advanced"], counts["Amount Up"], counts["Won"], counts["Lost"]),
			(2, 2, 2, 1, 1),
		)
		_columns, rows, _chart = run_history(
			"Pipeline Changes",
			from_date=str(START.date()),
			to_date=str(add_days(START, 20).date()),
			show_changes=1,
		)
		self.assertIn(("Won", won.name), {(row.kind, row.opportunity) for row in rows})

	def test_history_reports_show_only_deals_the_user_may_read(self):
		viewer = make_user("oppext-report-history-viewer@example.com", ["Sales User"])
		make_campaign("_OppExt Camp 1"), make_campaign("_OppExt Camp 2")
		frappe.get_doc(
			{"doctype": "User Permission", "user": viewer, "allow": "Campaign", "for_value": "_OppExt Camp 1"}
		).insert()
		self.moved(source="Campaign", campaign="_OppExt Camp 1")
		self.moved(source="Campaign", campaign="_OppExt Camp 2")
		with self.set_user(viewer):
			_columns, rows, _chart = run_history("Stage Conversion")
			self.assertEqual({row.stage: row.entered for row in rows}, {self.first: 1, self.second: 1})
			_columns, rows, _chart = run_history("Stage Duration")
			self.assertEqual([(row.stage, row.opportunities) for row in rows], [(self.first, 1)])


class TestPipelineVelocity(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_velocity")
		self.addCleanup(frappe.db.rollback, save_point="oppext_velocity")
		self.customer = make_customer("_OppExt Velocity Customer")
		start = getdate(today()).replace(day=1)
		self.filters = {
			"company": company(),
			"from_date": str(start),
			"to_date": today(),
			"period": "Month",
			"opportunity_type": make_opportunity_type(VELOCITY_TYPE),
		}
		for amount, days in ((1000, 10), (3000, 30)):
			self.close(self.deal(amount).name, "Converted", days)
		for _number in range(2):
			self.close(self.deal(500).name, "Lost", 5)
		for _number in range(4):
			self.deal(700)

	def deal(self, amount, **kwargs):
		"""An opportunity of the report's type for the test's customer."""
		return make_opportunity(
			self.customer, opportunity_type=VELOCITY_TYPE, opportunity_amount=amount, **kwargs
		)

	def close(self, name, status, days, on=None):
		date_field = "won_date" if status == "Converted" else "lost_date"
		frappe.db.set_value(
			"Opportunity", name, {"status": status, date_field: on or today(), "days_to_close": days}
		)

	def test_velocity_of_the_month(self):
		from opportunity_ext.opportunity_ext.report.pipeline_velocity.pipeline_velocity import (
			execute,
			velocity,
		)

		_columns, rows, _message, _chart = execute(self.filters)
		month = rows[-1]
		self.assertEqual(
			(month.open_deals, month.win_rate, month.average_won, month.average_days), (4, 50.0, 2000, 20)
		)
		self.assertEqual(month.velocity, 200, "4 open × 50 % × 2,000 ÷ 20 days")
		self.assertEqual(velocity(4, 0, 0, 0, 0), 0, "nothing decided yet: no velocity")

	def test_change_on_the_period_before(self):
		from opportunity_ext.opportunity_ext.report.pipeline_velocity.pipeline_velocity import execute

		last_month = add_months(getdate(today()).replace(day=1), -1)
		won = self.deal(1000, transaction_date=last_month)
		self.close(won.name, "Converted", 10, on=last_month)
		lost = self.deal(1000, transaction_date=last_month)
		self.close(lost.name, "Lost", 5, on=last_month)
		for _number in range(2):  # still open at the end of last month, and now
			self.deal(700, transaction_date=last_month)
		_columns, rows, _message, _chart = execute({**self.filters, "from_date": str(last_month)})
		before, month = rows
		self.assertEqual((before.open_deals, before.velocity, before.change), (2, 100, None))
		self.assertEqual((month.open_deals, month.velocity), (6, 300), "6 open × 50 % × 2,000 ÷ 20 days")
		self.assertEqual(month.change, 200)
