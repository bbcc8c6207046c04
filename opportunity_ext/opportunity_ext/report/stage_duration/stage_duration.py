# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Duration: average and median days in each stage, for won, lost and open deals."""

import frappe
from frappe import _
from frappe.query_builder import Case
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


def outcome_of(status):
	"""SQL: the deal's outcome as the report shows it (Won, Lost or still Open)."""
	return Case().when(status == WON_STATUS, "Won").when(status == LOST_STATUS, "Lost").else_("Open")


def get_data(filters, field: str | None) -> list[dict]:
	"""From the stage log: per stage left (and outcome, and group), the deals, and the
	average and median of their days in it."""
	query, log, opportunity = utils.stage_log(filters)
	stages_left = query.where(log.left_on.isnotnull())
	groups = [log.sales_stage, outcome_of(opportunity.status)] + ([opportunity[field]] if field else [])
	data = []
	for days in utils.figures_by_group(stages_left, groups, log.days_in_stage):
		stage, outcome, *group = days.group
		data.append(
			frappe._dict(
				stage=stage,
				outcome={"Won": _("Won"), "Lost": _("Lost")}.get(outcome, _("Open")),
				group_value=(group[0] or _("Not Set")) if field else None,
				opportunities=days.rows,
				average_days=flt(days.average, 1),
				median_days=flt(days.median, 1),
			)
		)
	return sorted(data, key=lambda row: (row.stage, row.outcome, row.group_value or ""))


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
