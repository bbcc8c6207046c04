# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Duration: average and median days in each stage, for won, lost and open deals."""

import frappe
from frappe import _
from frappe.utils import flt

from opportunity_ext.constants import LOST_STATUS, WON_STATUS
from opportunity_ext.opportunity_ext.report import utils

GROUPS = {"Stage": None, "Opportunity Owner": "opportunity_owner"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by, field = utils.group_by_field(filters, GROUPS, "Stage")
	rows = get_data(filters, field)
	return get_columns(group_by), rows, None, get_chart(rows)


def outcome_of(status: str) -> str:
	return {WON_STATUS: _("Won"), LOST_STATUS: _("Lost")}.get(status, _("Open"))


def get_data(filters, field: str | None) -> list[dict]:
	history, opportunity = frappe.qb.DocType("Opportunity History"), frappe.qb.DocType("Opportunity")
	per_deal = [opportunity.status] + ([opportunity[field]] if field else [])
	# a stage left: the row that moved the deal out of `from_value` holds its days there
	condition = (
		(history.field == "sales_stage")
		& history.from_value.isnotnull()
		& utils.permitted(opportunity, filters)
	)
	source = frappe.qb.from_(opportunity).join(history).on(history.opportunity == opportunity.name)
	days = utils.distributions(
		source, condition, [history.from_value, *per_deal], history.days_in_previous_stage, precision=1
	)
	deals = deals_per_stage(source.where(condition), history, opportunity, per_deal)
	data = []
	for key, summary in days.items():
		stage, status, *group = key
		data.append(
			frappe._dict(
				stage=stage,
				outcome=outcome_of(status),
				group_value=(group[0] or _("Not Set")) if field else None,
				opportunities=deals.get(utils.same_group(key), 0),
				average_days=flt(summary.total / summary.count, 1) if summary.count else 0,
				median_days=flt(summary.median, 1),
			)
		)
	return sorted(data, key=lambda row: (row.stage, row.outcome, row.group_value or ""))


def deals_per_stage(stage_rows, history, opportunity, per_deal: list) -> dict[tuple, int]:
	"""Deals that left each stage (once, however often), by the deal's `per_deal` values:
	{(stage, *values): deals}, keys as `utils.same_group` spells them."""
	from frappe.query_builder.functions import Count, Max

	def counted_by_name(rows_condition) -> dict[tuple, int]:
		rows = (
			stage_rows.select(history.from_value, *per_deal, Count(opportunity.name).distinct())
			.where(rows_condition)
			.groupby(history.from_value, *per_deal)
			.run()
		)
		return {utils.same_group(tuple(key)): count for *key, count in rows}

	positions = utils.stage_positions()
	if not positions or len(positions) > utils.MAX_BITS:
		return counted_by_name(history.from_value.isnotnull())
	position = utils.stage_order_case(history.from_value, positions)
	combinations = utils.deals_by_set(
		stage_rows, opportunity.name, position, [Max(term) for term in per_deal]
	)
	counted = {}
	for stage, place in positions.items():
		for bits, *values, count in combinations:
			if bits & (1 << place):
				key = utils.same_group((stage, *values))
				counted[key] = counted.get(key, 0) + count
	if any(bits & 1 for bits, *_rest in combinations):  # stages no longer in the funnel share bit 0
		counted.update(counted_by_name(position == 0))
	return counted


def get_columns(group_by: str) -> list[dict]:
	columns = [
		utils.column("stage", _("Sales Stage"), "Link", 180, "Sales Stage"),
		utils.column("outcome", _("Outcome"), "Data", 90),
	]
	if group_by != "Stage":
		columns.append(utils.column("group_value", _(group_by), "Data", 180))
	return columns + [
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.column("average_days", _("Average Days in Stage"), "Float", 170),
		utils.column("median_days", _("Median Days in Stage"), "Float", 170),
	]


def get_chart(rows: list[dict]) -> dict:
	stages = list(dict.fromkeys(row.stage for row in rows))

	def average(outcome):
		values = {}
		for row in rows:
			if row.outcome == outcome:
				values.setdefault(row.stage, []).append(row.average_days)
		return [flt(sum(values.get(stage, [0])) / len(values.get(stage, [0])), 1) for stage in stages]

	return utils.bar_chart(
		stages, {_("Won"): average(_("Won")), _("Lost"): average(_("Lost")), _("Open"): average(_("Open"))}
	)
