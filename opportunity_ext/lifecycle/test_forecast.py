"""The forecast category on real saves and ERPNext's paths, and the Sales Forecast report's
exact figures against Sales Person targets and their monthly distribution."""

import calendar

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate, today

from opportunity_ext.dashboards import get_attainment_this_quarter
from opportunity_ext.lifecycle import forecast
from opportunity_ext.opportunity_ext.report.sales_forecast.sales_forecast import execute
from opportunity_ext.tests.utils import company, make_customer, make_opportunity, make_sales_stage, make_user


def make_sales_person(name: str, user: str, targets: list[dict]) -> str:
	employee = frappe.db.get_value("Employee", {"user_id": user})
	if not employee:
		employee = (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": name,
					"gender": frappe.get_all("Gender", pluck="name", limit=1)[0],
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": company(),
					"user_id": user,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	if frappe.db.exists("Sales Person", name):
		frappe.delete_doc("Sales Person", name, force=True)
	frappe.get_doc(
		{
			"doctype": "Sales Person",
			"sales_person_name": name,
			"parent_sales_person": "Sales Team",
			"employee": employee,
			"targets": targets,
		}
	).insert(ignore_permissions=True)
	return name


def make_distribution(name: str, percentages: dict) -> str:
	if not frappe.db.exists("Monthly Distribution", name):
		doc = frappe.new_doc("Monthly Distribution")
		doc.distribution_id = name
		doc.get_months()
		for row in doc.percentages:
			row.percentage_allocation = percentages.get(row.month, 0)
		doc.insert(ignore_permissions=True)
	return name


def fiscal_year_of(day) -> str:
	from erpnext.accounts.utils import get_fiscal_year

	return get_fiscal_year(day, company=company())[0]


class TestForecastCategory(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_forecast_category")
		self.addCleanup(frappe.db.rollback, save_point="oppext_forecast_category")
		self.addCleanup(frappe.set_user, "Administrator")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 0)
		self.stage = make_sales_stage("_OppExt Negotiation", 60)
		frappe.db.set_value("Sales Stage", self.stage, "default_forecast_category", "Commit")
		frappe.clear_cache(doctype="Sales Stage")

	def test_follows_the_stage_the_owner_and_the_outcome(self):
		owner = make_user("oppext-forecast-owner@example.com", ["Sales User"])
		opportunity = make_opportunity(opportunity_owner=owner)
		self.assertEqual(opportunity.forecast_category, "Pipeline")
		opportunity.sales_stage = self.stage
		opportunity.save()
		self.assertEqual(opportunity.forecast_category, "Commit", "the stage's category")

		opportunity.forecast_category = "Best Case"
		other = make_user("oppext-forecast-colleague@example.com", ["Sales User"])
		frappe.set_user(other)
		with self.assertRaises(frappe.PermissionError):
			opportunity.save()
		frappe.set_user(owner)
		opportunity.reload()
		opportunity.forecast_category = "Best Case"
		opportunity.save()
		self.assertEqual(opportunity.forecast_category, "Best Case", "the owner's pick stays")
		frappe.set_user("Administrator")

		opportunity.status = "Converted"
		opportunity.save()
		self.assertEqual(opportunity.forecast_category, "Closed")
		opportunity.status = "Open"
		opportunity.save()
		self.assertEqual(opportunity.forecast_category, "Commit", "reopened: the stage's again")
		opportunity.status = "Lost"
		opportunity.append("lost_reasons", {"lost_reason": make_lost_reason()})
		opportunity.save()
		self.assertEqual(opportunity.forecast_category, "Omitted")


def make_lost_reason() -> str:
	from opportunity_ext.tests.utils import make_lost_reason as make

	return make("_OppExt Forecast Lost")


class TestSalesForecast(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_sales_forecast")
		self.addCleanup(frappe.db.rollback, save_point="oppext_sales_forecast")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 0)
		frappe.db.delete("Opportunity")
		self.today = getdate(today())
		self.start, self.end = forecast.quarter_range(self.today)
		self.month = forecast.period_key(self.start, "Month")
		self.seller = make_user("oppext-forecast-seller@example.com", ["Sales User"])
		distribution = make_distribution(
			"_OppExt Quarter Heavy",
			{calendar.month_name[self.start.month]: 40, calendar.month_name[self.end.month]: 60},
		)
		fy = fiscal_year_of(self.start)
		self.person = make_sales_person(
			"_OppExt Forecast Seller",
			self.seller,
			[{"fiscal_year": fy, "target_amount": 10000, "distribution_id": distribution}],
		)
		customer = make_customer("_OppExt Forecast Customer")
		# A new deal takes its stage's default probability: the deals sit in a stage of 100 %,
		# so each keeps the probability it is given (100 % unless said otherwise)
		self.stage = make_sales_stage("_OppExt Forecast Certain", 100)
		first_day = self.start
		self.deals = {
			"won": self.deal(customer, 1000, first_day, "Converted"),
			"commit": self.deal(customer, 2000, first_day, category="Commit"),
			"best": self.deal(customer, 500, first_day, category="Best Case"),
			"pipeline": self.deal(customer, 300, first_day, probability=50),
			"no date": self.deal(customer, 700, None),
			"lost": self.deal(customer, 900, first_day, "Lost"),
		}

	def deal(self, customer, amount, closing, status="Open", category=None, probability=100):
		doc = make_opportunity(
			customer,
			opportunity_owner=self.seller,
			opportunity_amount=amount,
			sales_stage=self.stage,
			probability=probability,
			expected_closing=closing,
			forecast_category=category,
		)
		if status != "Open":
			frappe.db.set_value(
				"Opportunity",
				doc.name,
				{
					"status": status,
					"won_date": self.start if status == "Converted" else None,
					"forecast_category": "Closed" if status == "Converted" else "Omitted",
				},
			)
		return doc.name

	def test_figures_by_month_against_the_distributed_target(self):
		_columns, rows, _message, chart = execute(
			{"company": company(), "period": "Month", "group_by": "Sales Person"}
		)
		by_period = {row.period: row for row in rows}
		first = by_period[self.month]
		self.assertEqual(first.group_value, self.person)
		self.assertEqual(
			(first.closed, first.commit, first.best_case, first.pipeline, first.weighted_pipeline),
			(1000, 2000, 500, 300, 2000 + 500 + 150),
		)
		self.assertEqual(
			frappe.db.get_value("Opportunity", self.deals["pipeline"], "probability"), 50, "as given"
		)
		self.assertEqual(first.target, 4000, "40 % of 10,000 in the quarter's first month")
		self.assertEqual(first.attainment, 25.0)
		self.assertEqual(first.gap, 4000 - 1000 - 2000)
		overdue = 3 if self.start < self.today else 0
		self.assertEqual(first.overdue, overdue)
		no_date = by_period["No Date"]
		self.assertEqual(no_date.pipeline, 700, "an open deal without a date is visible")
		self.assertNotIn(900, [row.closed for row in rows], "a lost deal counts nowhere")
		self.assertEqual(chart["data"]["labels"][0], self.month)

	def test_a_quarter_and_the_attainment_card(self):
		_columns, rows, _message, _chart = execute(
			{"company": company(), "period": "Quarter", "group_by": "Opportunity Owner"}
		)
		quarter = next(row for row in rows if row.period == forecast.period_key(self.start, "Quarter"))
		self.assertEqual((quarter.closed, quarter.target), (1000, 10000))
		self.assertEqual(get_attainment_this_quarter()["value"], 10.0)

	def test_a_sales_user_sees_only_their_own_target(self):
		other = make_user("oppext-forecast-other@example.com", ["Sales User"])
		frappe.set_user(other)
		self.addCleanup(frappe.set_user, "Administrator")
		_columns, rows, _message, _chart = execute({"company": company(), "group_by": "Sales Person"})
		self.assertTrue(rows, "the rows of the opportunities they may read")
		self.assertEqual({row.target for row in rows}, {0}, "another sales person's target stays hidden")
		frappe.set_user(self.seller)
		_columns, rows, _message, _chart = execute({"company": company(), "group_by": "Sales Person"})
		self.assertEqual(sum(row.target for row in rows), 10000)
