# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Sales Forecast: by month or quarter of the expected closing date, what is closed,
committed, best case and in the pipeline, against ERPNext's targets."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Sum
from frappe.utils import flt, getdate, today

from opportunity_ext.constants import (
	FORECAST_BEST_CASE,
	FORECAST_COMMIT,
	FORECAST_PIPELINE,
	OPEN_STATUSES,
	WON_STATUS,
)
from opportunity_ext.lifecycle import forecast
from opportunity_ext.opportunity_ext.report import utils

GROUPS = {
	"Opportunity Owner": "opportunity_owner",
	"Sales Person": "opportunity_owner",  # mapped to the owner's Sales Person
	"Territory": "territory",
	"Company": "company",
}
CATEGORY_COLUMNS = {FORECAST_COMMIT: "commit", FORECAST_BEST_CASE: "best_case", FORECAST_PIPELINE: "pipeline"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	period = filters.get("period") or forecast.MONTH
	group_by, _field = utils.group_by_field(filters, GROUPS, "Opportunity Owner")
	if period not in (forecast.MONTH, forecast.QUARTER):
		frappe.throw(_("Period must be Month or Quarter."))
	default_start, default_end = forecast.quarter_range(getdate(today()))
	start = getdate(filters.get("from_date") or default_start)
	end = getdate(filters.get("to_date") or default_end)
	if start > end:
		frappe.throw(_("From Date must be before To Date."))
	rows = get_data(filters, period, group_by, start, end)
	return get_columns(group_by), rows, None, get_chart(rows)


def get_data(filters, period: str, group_by: str, start, end) -> list[dict]:
	opportunity = frappe.qb.DocType("Opportunity")
	group = opportunity[GROUPS[group_by]]
	amount = opportunity.base_opportunity_amount
	allowed = utils.permitted(opportunity, filters, date_field=None)
	won = opportunity.status == WON_STATUS
	# one pass: open deals by their expected closing, won deals by the day they were won
	period_of_deal = utils.period_of(
		Case().when(won, opportunity.won_date).else_(opportunity.expected_closing), period
	)
	won_flag = Case().when(won, 1).else_(0)
	expected_in_range = (opportunity.expected_closing >= start) & (opportunity.expected_closing <= end)
	deals = (
		frappe.qb.from_(opportunity)
		.select(
			period_of_deal.as_("period"),
			group.as_("group_value"),
			won_flag.as_("won"),
			opportunity.forecast_category,
			Sum(amount).as_("amount"),
			Sum(opportunity.base_weighted_amount).as_("weighted"),
			Sum(Case().when(opportunity.expected_closing < getdate(today()), 1).else_(0)).as_("overdue"),
		)
		.where(
			allowed
			& (
				(
					opportunity.status.isin(OPEN_STATUSES)
					& (expected_in_range | opportunity.expected_closing.isnull())
				)
				| (won & (opportunity.won_date >= start) & (opportunity.won_date <= end))
			)
		)
		.groupby(period_of_deal, group, won_flag, opportunity.forecast_category)
		.run(as_dict=True)
	)

	owners_to_persons = (
		forecast.sales_persons_of_users(list({row.group_value for row in deals if row.group_value}))
		if GROUPS[group_by] == "opportunity_owner"
		else {}
	)
	rows = {}

	def row_for(period_value, group_value, mapped=False):
		if group_by == "Sales Person" and not mapped:
			group_value = owners_to_persons.get(group_value)
		key = (period_value or forecast.NO_DATE, group_value)
		if key not in rows:
			rows[key] = frappe._dict(
				period=key[0],
				group_value=group_value,
				closed=0,
				commit=0,
				best_case=0,
				pipeline=0,
				weighted_pipeline=0,
				overdue=0,
			)
		return rows[key]

	for deal in deals:
		row = row_for(deal.period, deal.group_value)
		if deal.won:
			row.closed += flt(deal.amount)
			continue
		column = CATEGORY_COLUMNS.get(deal.forecast_category, "pipeline")
		row[column] += flt(deal.amount)
		row.weighted_pipeline += flt(deal.weighted)
		row.overdue += int(deal.overdue or 0)

	# every period of the range for every group: a month without deals still has its target
	for group_value in {key[1] for key in rows}:
		for period_value in forecast.periods_between(start, end, period):
			row_for(period_value, group_value, mapped=True)
	add_targets(rows.values(), group_by, owners_to_persons, period)
	currency = utils.company_currency(filters)
	ordered = sorted(
		rows.values(), key=lambda r: (r.period == forecast.NO_DATE, r.period, r.group_value or "")
	)
	for row in ordered:
		row.currency = currency
		row.attainment = forecast.attainment(row.closed, row.target)
		row.gap = forecast.gap_to_target(row.target, row.closed, row.commit)
		row.group_value = row.group_value or _("Not Set")
		row.period = _("No Date") if row.period == forecast.NO_DATE else row.period
	return ordered


def add_targets(rows, group_by: str, owners_to_persons: dict, period: str) -> None:
	"""Each row's target for its period: Sales Person targets (by owner or sales person),
	Territory targets; a Sales User sees only their own sales person's."""
	rows = list(rows)
	if group_by == "Territory":
		parenttype = "Territory"
		target_of = {row.group_value: row.group_value for row in rows if row.group_value}
	elif group_by in ("Opportunity Owner", "Sales Person"):
		parenttype = "Sales Person"
		if group_by == "Sales Person":
			target_of = {row.group_value: row.group_value for row in rows if row.group_value}
		else:
			target_of = {row.group_value: owners_to_persons.get(row.group_value) for row in rows}
		if not forecast.is_manager():
			own = forecast.sales_persons_of_users([frappe.session.user]).get(frappe.session.user)
			target_of = {group: person for group, person in target_of.items() if person and person == own}
	else:
		for row in rows:
			row.target = 0
		return
	by_name = {
		name: forecast.targets_by_period(monthly, period)
		for name, monthly in forecast.targets(parenttype, [p for p in target_of.values() if p]).items()
	}
	for row in rows:
		person = target_of.get(row.group_value)
		row.target = flt(by_name.get(person, {}).get(row.period)) if person else 0


def get_columns(group_by: str) -> list[dict]:
	return [
		utils.column("period", _("Period"), "Data", 100),
		utils.column("group_value", _(group_by), "Data", 180),
		utils.currency_column("closed", "Closed"),
		utils.currency_column("commit", "Commit"),
		utils.currency_column("best_case", "Best Case"),
		utils.currency_column("pipeline", "Pipeline"),
		utils.currency_column("weighted_pipeline", "Weighted Pipeline"),
		utils.currency_column("target", "Target"),
		utils.column("attainment", _("Attainment %"), "Percent", 120),
		utils.currency_column("gap", "Gap to Target"),
		utils.column("overdue", _("Overdue Open Deals"), "Int", 140),
	]


def get_chart(rows: list[dict]) -> dict:
	periods = list(dict.fromkeys(row.period for row in rows if row.period != _("No Date")))

	def total(column):
		return [sum(flt(row[column]) for row in rows if row.period == period) for period in periods]

	return utils.bar_chart(
		periods,
		{
			_("Closed"): total("closed"),
			_("Commit"): total("commit"),
			_("Best Case"): total("best_case"),
			_("Target"): total("target"),
		},
		fieldtype="Currency",
	)
