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
	positions = utils.stage_positions()
	if not positions:
		return []
	position = utils.stage_order_case(history.to_value, positions)
	stage_rows = (
		frappe.qb.from_(opportunity)
		.join(history)
		.on(history.opportunity == opportunity.name)
		.where(
			(history.field == "sales_stage")
			& history.to_value.isnotnull()
			& utils.permitted(opportunity, filters)
		)
	)
	if len(positions) > utils.MAX_BITS:
		return with_rates(plain_stage_rows(stage_rows, history, opportunity, position, position.isnotnull()))
	# the stages each deal entered (however often), and whether it was won
	combinations = utils.deals_by_set(
		stage_rows,
		opportunity.name,
		position,
		[Max(Case().when(opportunity.status == WON_STATUS, 1).else_(0))],
	)
	rows = stage_counts(positions, combinations)
	if any(entered & 1 for entered, _won, _count in combinations):  # bit 0: not in the funnel
		rows += plain_stage_rows(stage_rows, history, opportunity, position, position == 0)
	return with_rates(rows)


def with_rates(rows: list[dict]) -> list[dict]:
	for row in rows:
		row.advanced_rate = flt(100 * row.advanced / row.entered, 1) if row.entered else 0
		row.won_rate = flt(100 * row.won / row.entered, 1) if row.entered else 0
	return sorted(rows, key=lambda row: (row.position, row.stage))


def stage_counts(positions: dict[str, int], combinations) -> list[dict]:
	"""Entered, advanced (entered a later stage too) and won, per stage of the funnel, from
	the deals counted by (bits of the positions entered, won)."""
	rows = []
	for stage, place in positions.items():
		bit = 1 << place
		row = frappe._dict(stage=stage, position=place, entered=0, advanced=0, won=0)
		for entered, won, count in combinations:
			if entered & bit:
				row.entered += count
				row.advanced += count if entered >= bit << 1 else 0  # a higher bit: a later stage
				row.won += count if won else 0
		if row.entered:
			rows.append(row)
	return rows


def plain_stage_rows(stage_rows, history, opportunity, position, condition) -> list[dict]:
	"""The same counts the plain way, for the stage rows matching `condition`: each joined to
	its deal's furthest stage. For stages no longer in the funnel (position 0, a stage since
	deleted: any stage of the funnel counts as later), and for funnels too long for the bits."""
	furthest = (
		frappe.qb.from_(history)
		.select(history.opportunity, Max(position).as_("furthest"))
		.where(history.field == "sales_stage")
		.groupby(history.opportunity)
	)
	return (
		stage_rows.join(furthest)
		.on(furthest.opportunity == opportunity.name)
		.select(
			history.to_value.as_("stage"),
			position.as_("position"),
			Count(opportunity.name).distinct().as_("entered"),
			Count(Case().when(furthest.furthest > position, opportunity.name)).distinct().as_("advanced"),
			Count(Case().when(opportunity.status == WON_STATUS, opportunity.name)).distinct().as_("won"),
		)
		.where(condition)
		.groupby(history.to_value)
		.run(as_dict=True)
	)


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
