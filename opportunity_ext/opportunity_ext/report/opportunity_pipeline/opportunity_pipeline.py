# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum

from opportunity_ext.balance.ledger import balance_by, can_see_balance
from opportunity_ext.constants import OPEN_STATUSES
from opportunity_ext.opportunity_ext.report import utils

GROUPS = {"Sales Stage": "sales_stage", "Opportunity Owner": "opportunity_owner", "Campaign": "campaign"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by, field = utils.group_by_field(filters, GROUPS, "Sales Stage")

	opportunity = frappe.qb.DocType("Opportunity")
	selected = utils.permitted(opportunity, filters)
	if not filters.get("include_closed"):
		selected &= opportunity.status.isin(OPEN_STATUSES)

	rows = (
		frappe.qb.from_(opportunity)
		.select(
			opportunity[field].as_("group_value"),
			Count(opportunity.name).as_("opportunities"),
			Sum(opportunity.base_opportunity_amount).as_("amount"),
			Sum(opportunity.base_weighted_amount).as_("weighted_amount"),
		)
		.where(selected)
		.groupby(opportunity[field])
		.run(as_dict=True)
	)
	show_balance = can_see_balance()
	opportunity_names = frappe.qb.from_(opportunity).select(opportunity.name).where(selected)
	balances = balance_by(opportunity_names, field) if show_balance else {}
	currency = utils.company_currency(filters)
	for row in rows:
		row.balance = balances.get(row.group_value, {}).get("balance", 0)
		row.currency = currency
		row.group_value = row.group_value or _("Not Set")

	rows = sort_rows(rows, field)
	columns = [
		utils.column("group_value", _(group_by), "Data", 200),
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.currency_column("amount", "Amount"),
		utils.currency_column("weighted_amount", "Weighted Amount"),
	]
	if show_balance:
		columns.append(utils.currency_column("balance", "Balance"))
	return columns, rows, None, funnel_chart(rows)


def sort_rows(rows: list[dict], field: str) -> list[dict]:
	"""Stages in funnel order, other groups largest first."""
	if field != "sales_stage":
		return sorted(rows, key=lambda row: -(row.amount or 0))
	from opportunity_ext.lifecycle.funnel import stage_positions

	positions = stage_positions()
	# a stage not in the funnel (or none) after those that are
	last = len(positions) + 1
	return sorted(rows, key=lambda row: (positions.get(row.group_value, last), row.group_value or ""))


def funnel_chart(rows: list[dict]) -> dict:
	return utils.bar_chart(
		[row.group_value for row in rows],
		{
			_("Amount"): [row.amount or 0 for row in rows],
			_("Weighted Amount"): [row.weighted_amount or 0 for row in rows],
		},
		fieldtype="Currency",
		colors=["#2490ef", "#7cd6fd"],
	)
