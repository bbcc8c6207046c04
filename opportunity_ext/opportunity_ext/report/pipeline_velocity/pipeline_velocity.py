# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Pipeline Velocity: how much money the pipeline turns into per day —
(open deals × win rate × average won amount) ÷ average days to close — by period, owner
or territory, with the change on the period before."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import add_months, flt, getdate, today

from opportunity_ext.constants import LOST_STATUS, OPEN_STATUSES, WON_STATUS
from opportunity_ext.lifecycle import forecast
from opportunity_ext.opportunity_ext.report import utils

GROUPS = {"Company": "company", "Opportunity Owner": "opportunity_owner", "Territory": "territory"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	period = filters.get("period") or forecast.MONTH
	if period not in (forecast.MONTH, forecast.QUARTER):
		frappe.throw(_("Period must be Month or Quarter."))
	group_by, field = utils.group_by_field(filters, GROUPS, "Company")
	start = getdate(filters.get("from_date") or add_months(today(), -6))
	end = getdate(filters.get("to_date") or today())
	if start > end:
		frappe.throw(_("From Date must be before To Date."))
	rows = get_data(filters, field, period, start, end)
	return get_columns(group_by), rows, None, get_chart(rows)


def velocity(open_deals: int, won: int, lost: int, average_won: float, average_days: float) -> float:
	"""Expected money a day: the pipeline's deals × how often they are won × how much a win
	brings, over how long a win takes (a same-day win counts as one day)."""
	decided = won + lost
	if not decided or not open_deals:
		return 0.0
	return flt(open_deals * (won / decided) * flt(average_won) / max(flt(average_days), 1), 2)


def get_data(filters, field: str, period: str, start, end) -> list[dict]:
	opportunity = frappe.qb.DocType("Opportunity")
	group = opportunity[field]
	allowed = utils.permitted(opportunity, filters, date_field=None)
	closed_on = (
		Case().when(opportunity.status == WON_STATUS, opportunity.won_date).else_(opportunity.lost_date)
	)
	closed_period = utils.period_of(closed_on, period)
	closed = (
		frappe.qb.from_(opportunity)
		.select(
			closed_period,
			group,
			opportunity.status,
			Count(opportunity.name),
			Sum(opportunity.base_opportunity_amount),
			Sum(Coalesce(opportunity.days_to_close, 0)),
		)
		.where(
			allowed
			& opportunity.status.isin((WON_STATUS, LOST_STATUS))
			& (closed_on >= start)
			& (closed_on <= end)
		)
		.groupby(closed_period, group, opportunity.status)
		.run()
	)
	stats = {}  # totals per period and group of the deals closed then
	for key, group_value, status, count, amount, days in closed:
		total = stats.setdefault((key, group_value), frappe._dict(won=0, lost=0, won_amount=0.0, won_days=0))
		if status == WON_STATUS:
			total.won += count
			total.won_amount += flt(amount)
			total.won_days += flt(days)
		else:
			total.lost += count

	# deals by when they were opened and closed (open: none), counted once; the open deals
	# at each period's end are summed from these few rows instead of a query a period
	closed_or_open_on = (
		Case()
		.when(opportunity.status == WON_STATUS, opportunity.won_date)
		.when(opportunity.status == LOST_STATUS, opportunity.lost_date)
		.else_(None)
	)
	opened_key, closed_key = (
		utils.period_of(opportunity.transaction_date, period),
		utils.period_of(closed_or_open_on, period),
	)
	spans = (
		frappe.qb.from_(opportunity)
		.select(group, opened_key, closed_key, Count(opportunity.name))
		.where(
			allowed
			& (opportunity.transaction_date <= end)
			& (
				opportunity.status.isin(OPEN_STATUSES)
				| ((opportunity.status == WON_STATUS) & opportunity.won_date.isnotnull())
				| ((opportunity.status == LOST_STATUS) & opportunity.lost_date.isnotnull())
			)
		)
		.groupby(group, opened_key, closed_key)
		.run()
	)

	rows, currency = [], utils.company_currency(filters)
	previous, current = {}, {}  # velocity by group in the period before, and in this one
	for key in forecast.periods_between(start, end, period):
		previous, current = current, {}
		open_at_end = {}  # opened by the period's end, not yet closed then
		for group_value, opened, closed, count in spans:
			if opened <= key and (closed is None or closed > key):
				open_at_end[group_value] = open_at_end.get(group_value, 0) + count
		for group_value in sorted({*open_at_end, *(g for p, g in stats if p == key)}, key=lambda g: g or ""):
			total = stats.get((key, group_value), frappe._dict(won=0, lost=0, won_amount=0.0, won_days=0))
			average_won = total.won_amount / total.won if total.won else 0
			average_days = total.won_days / total.won if total.won else 0
			value = velocity(
				open_at_end.get(group_value, 0), total.won, total.lost, average_won, average_days
			)
			before = previous.get(group_value)
			rows.append(
				frappe._dict(
					period=key,
					group_value=group_value or _("Not Set"),
					open_deals=open_at_end.get(group_value, 0),
					win_rate=flt(100 * total.won / (total.won + total.lost), 1)
					if total.won + total.lost
					else 0,
					average_won=flt(average_won, 2),
					average_days=flt(average_days, 1),
					velocity=value,
					change=flt(100 * (value - before) / before, 1) if before else None,
					currency=currency,
				)
			)
			current[group_value] = value
	return rows


def get_columns(group_by: str) -> list[dict]:
	return [
		utils.column("period", _("Period"), "Data", 100),
		utils.column("group_value", _(group_by), "Data", 180),
		utils.column("open_deals", _("Open Deals"), "Int", 110),
		utils.column("win_rate", _("Win Rate"), "Percent", 100),
		utils.currency_column("average_won", "Average Won Amount"),
		utils.column("average_days", _("Average Days to Close"), "Float", 160),
		utils.currency_column("velocity", "Velocity per Day"),
		utils.column("change", _("Change %"), "Percent", 110),
	]


def get_chart(rows: list[dict]) -> dict:
	periods = list(dict.fromkeys(row.period for row in rows))
	return utils.bar_chart(
		periods,
		{_("Velocity per Day"): [sum(row.velocity for row in rows if row.period == p) for p in periods]},
		fieldtype="Currency",
	)
