# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Duration: average and median days in each stage, for won, lost and open deals."""

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Count
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
	outcome = opportunity.status
	groups = [history.from_value, outcome] + ([opportunity[field]] if field else [])
	# a stage left: the row that moved the deal out of `from_value` holds its days there
	condition = (
		(history.field == "sales_stage")
		& history.from_value.isnotnull()
		& utils.permitted(opportunity, filters)
	)
	source = frappe.qb.from_(history).join(opportunity).on(opportunity.name == history.opportunity)
	rows = (
		source.select(
			*[
				term.as_(alias)
				for term, alias in zip(groups, ("stage", "status", "group_value"), strict=False)
			],
			Count(history.opportunity).distinct().as_("opportunities"),
			Avg(history.days_in_previous_stage).as_("average_days"),
		)
		.where(condition)
		.groupby(*groups)
		.run(as_dict=True)
	)
	median_days = utils.medians(source, condition, groups, history.days_in_previous_stage, precision=1)
	data = []
	for row in rows:
		key = (row.stage, row.status, *([row.group_value] if field else []))
		data.append(
			frappe._dict(
				stage=row.stage,
				outcome=outcome_of(row.status),
				group_value=row.get("group_value") or (_("Not Set") if field else None),
				opportunities=row.opportunities,
				average_days=flt(row.average_days, 1),
				median_days=flt(median_days.get(key), 1),
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
