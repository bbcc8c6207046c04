# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Conversion: of the deals that entered each stage (their history, not today's
snapshot), how many went on to a later stage and how many were won."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max
from frappe.utils import flt

from opportunity_ext.constants import WON_STATUS
from opportunity_ext.opportunity_ext.report import utils


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows)


def get_data(filters) -> list[dict]:
	history, opportunity = frappe.qb.DocType("Opportunity History"), frappe.qb.DocType("Opportunity")
	entered = utils.stage_order_case(history.to_value)
	if entered is None:
		return []
	furthest = (
		frappe.qb.from_(history)
		.select(history.opportunity, Max(entered).as_("furthest"))
		.where(history.field == "sales_stage")
		.groupby(history.opportunity)
	).as_("furthest")
	rows = (
		frappe.qb.from_(history)
		.join(opportunity)
		.on(opportunity.name == history.opportunity)
		.join(furthest)
		.on(furthest.opportunity == history.opportunity)
		.select(
			history.to_value.as_("stage"),
			entered.as_("position"),
			Count(history.opportunity).distinct().as_("entered"),
			Count(Case().when(furthest.furthest > entered, history.opportunity)).distinct().as_("advanced"),
			Count(Case().when(opportunity.status == WON_STATUS, history.opportunity)).distinct().as_("won"),
		)
		.where(
			(history.field == "sales_stage")
			& history.to_value.isnotnull()
			& utils.permitted(opportunity, filters)
		)
		.groupby(history.to_value)
		.run(as_dict=True)
	)
	for row in rows:
		row.advanced_rate = flt(100 * row.advanced / row.entered, 1) if row.entered else 0
		row.won_rate = flt(100 * row.won / row.entered, 1) if row.entered else 0
	return sorted(rows, key=lambda row: (row.position, row.stage))


def get_columns() -> list[dict]:
	return [
		utils.column("stage", _("Sales Stage"), "Link", 200, "Sales Stage"),
		utils.column("entered", _("Entered"), "Int", 100),
		utils.column("advanced", _("Reached a Later Stage"), "Int", 170),
		utils.column("advanced_rate", _("Advanced %"), "Percent", 120),
		utils.column("won", _("Won"), "Int", 90),
		utils.column("won_rate", _("Won %"), "Percent", 100),
	]


def get_chart(rows: list[dict]) -> dict:
	return utils.bar_chart(
		[row.stage for row in rows],
		{
			_("Entered"): [row.entered for row in rows],
			_("Reached a Later Stage"): [row.advanced for row in rows],
			_("Won"): [row.won for row in rows],
		},
	)
