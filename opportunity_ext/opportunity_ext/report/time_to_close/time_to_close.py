# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Count
from frappe.utils import flt

from opportunity_ext.lifecycle import WON_STATUS
from opportunity_ext.reports import WON_LOST_COLORS, bar_chart, closed_in_range, group_by_field, medians

DIMENSIONS = {
	"Opportunity Type": "opportunity_type",
	"Source": "source",
	"Opportunity Owner": "opportunity_owner",
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	dimension, field = group_by_field(filters, DIMENSIONS, "Opportunity Type")

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
	median_days = medians(opportunity, condition, [group, opportunity.status], opportunity.days_to_close)
	for row in rows:
		row.median_days = flt(median_days.get((row.group_value, row.status)), 1)
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

	chart = bar_chart(
		groups, {_("Won"): averages(_("Won")), _("Lost"): averages(_("Lost"))}, colors=WON_LOST_COLORS
	)
	return columns, rows, None, chart
