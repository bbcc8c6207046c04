# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Duration: average and median days in each stage, for won, lost and open deals."""

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Count
from frappe.utils import flt

from opportunity_ext.constants import LOST_STATUS, WON_STATUS
from opportunity_ext.reports import bar_chart, group_by_field, medians, permitted

GROUPS = {"Stage": None, "Opportunity Owner": "opportunity_owner"}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by, field = group_by_field(filters, GROUPS, "Stage")
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
		(history.field == "sales_stage") & history.from_value.isnotnull() & permitted(opportunity, filters)
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
	median_days = medians(source, condition, groups, history.days_in_previous_stage, precision=1)
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
		{
			"fieldname": "stage",
			"label": _("Sales Stage"),
			"fieldtype": "Link",
			"options": "Sales Stage",
			"width": 180,
		},
		{"fieldname": "outcome", "label": _("Outcome"), "fieldtype": "Data", "width": 90},
	]
	if group_by != "Stage":
		columns.append({"fieldname": "group_value", "label": _(group_by), "fieldtype": "Data", "width": 180})
	return columns + [
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{
			"fieldname": "average_days",
			"label": _("Average Days in Stage"),
			"fieldtype": "Float",
			"width": 170,
		},
		{"fieldname": "median_days", "label": _("Median Days in Stage"), "fieldtype": "Float", "width": 170},
	]


def get_chart(rows: list[dict]) -> dict:
	stages = list(dict.fromkeys(row.stage for row in rows))

	def average(outcome):
		values = {}
		for row in rows:
			if row.outcome == outcome:
				values.setdefault(row.stage, []).append(row.average_days)
		return [flt(sum(values.get(stage, [0])) / len(values.get(stage, [0])), 1) for stage in stages]

	return bar_chart(
		stages, {_("Won"): average(_("Won")), _("Lost"): average(_("Lost")), _("Open"): average(_("Open"))}
	)
