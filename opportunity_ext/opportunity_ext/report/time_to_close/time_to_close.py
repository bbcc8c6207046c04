# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Count
from frappe.utils import flt
from pypika import analytics

from opportunity_ext.lifecycle import WON_STATUS
from opportunity_ext.reports import closed_in_range

DIMENSIONS = {
	"Opportunity Type": "opportunity_type",
	"Source": "source",
	"Opportunity Owner": "opportunity_owner",
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	dimension = filters.get("group_by") or "Opportunity Type"
	field = DIMENSIONS.get(dimension)
	if not field:
		frappe.throw(_("Group By must be one of {0}.").format(", ".join(_(d) for d in DIMENSIONS)))

	opportunity = frappe.qb.DocType("Opportunity")
	condition, _closed_on = closed_in_range(opportunity, filters)

	group = opportunity[field]
	rows = (
		frappe.qb.from_(opportunity)
		.select(
			group.as_("group_value"),
			opportunity.status,
			Count(opportunity.name).as_("opportunities"),
			Avg(opportunity.days_to_close).as_("average_days"),
		)
		.where(condition)
		.groupby(group, opportunity.status)
		.run(as_dict=True)
	)
	# MariaDB has MEDIAN only as a window function
	medians = {
		(group_value, status): median
		for group_value, status, median in frappe.qb.from_(opportunity)
		.select(
			group,
			opportunity.status,
			analytics.Median(opportunity.days_to_close).over(group, opportunity.status),
		)
		.distinct()
		.where(condition)
		.run()
	}
	for row in rows:
		row.median_days = flt(medians.get((row.group_value, row.status)), 1)
		row.outcome = _("Won") if row.pop("status") == WON_STATUS else _("Lost")
		row.group_value = row.group_value or _("Not Set")
		row.average_days = flt(row.average_days, 1)
	rows.sort(key=lambda row: (row.group_value, row.outcome))

	columns = [
		{"fieldname": "group_value", "label": _(dimension), "fieldtype": "Data", "width": 200},
		{"fieldname": "outcome", "label": _("Outcome"), "fieldtype": "Data", "width": 90},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{
			"fieldname": "average_days",
			"label": _("Average Days to Close"),
			"fieldtype": "Float",
			"width": 170,
		},
		{"fieldname": "median_days", "label": _("Median Days to Close"), "fieldtype": "Float", "width": 170},
	]
	groups = list(dict.fromkeys(row.group_value for row in rows))

	def averages(outcome):
		by_group = {row.group_value: row.average_days for row in rows if row.outcome == outcome}
		return [by_group.get(group, 0) for group in groups]

	chart = {
		"data": {
			"labels": groups,
			"datasets": [
				{"name": _("Won"), "values": averages(_("Won"))},
				{"name": _("Lost"), "values": averages(_("Lost"))},
			],
		},
		"type": "bar",
		"colors": ["#28a745", "#e24c4c"],
	}
	return columns, rows, None, chart
