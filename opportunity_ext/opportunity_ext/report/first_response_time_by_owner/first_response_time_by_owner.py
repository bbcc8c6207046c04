# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Avg, Count, Sum
from frappe.utils import flt
from pypika import analytics

from opportunity_ext.reports import permitted

SECONDS_PER_HOUR = 3600


@frappe.read_only()
def execute(filters=None):
	"""ERPNext's First Response Time of each opportunity (time to the first reply sent),
	by opportunity owner."""
	filters = frappe._dict(filters or {})
	opportunity = frappe.qb.DocType("Opportunity")
	owner = opportunity.opportunity_owner
	responded = opportunity.first_response_time > 0
	selected = permitted(opportunity, filters)
	rows = (
		frappe.qb.from_(opportunity)
		.select(
			owner.as_("owner"),
			Count(opportunity.name).as_("opportunities"),
			Sum(Case().when(responded, 1).else_(0)).as_("responded"),
			Avg(Case().when(responded, opportunity.first_response_time).else_(None)).as_("average_seconds"),
		)
		.where(selected)
		.groupby(owner)
		.run(as_dict=True)
	)
	# MariaDB has MEDIAN only as a window function: over the responded rows alone
	medians = dict(
		frappe.qb.from_(opportunity)
		.select(owner, analytics.Median(opportunity.first_response_time).over(owner))
		.distinct()
		.where(selected & responded)
		.run()
	)
	for row in rows:
		row.median_hours = flt(flt(medians.get(row.owner)) / SECONDS_PER_HOUR, 2)
		row.owner = row.owner or _("Not Set")
		row.without_response = row.opportunities - row.responded
		row.average_hours = flt(flt(row.pop("average_seconds")) / SECONDS_PER_HOUR, 2)
	rows.sort(key=lambda row: (row.responded == 0, row.average_hours, row.owner))

	columns = [
		{"fieldname": "owner", "label": _("Opportunity Owner"), "fieldtype": "Data", "width": 220},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{"fieldname": "responded", "label": _("Responded"), "fieldtype": "Int", "width": 110},
		{"fieldname": "without_response", "label": _("Without Response"), "fieldtype": "Int", "width": 140},
		{
			"fieldname": "average_hours",
			"label": _("Average Hours to First Response"),
			"fieldtype": "Float",
			"width": 230,
		},
		{
			"fieldname": "median_hours",
			"label": _("Median Hours to First Response"),
			"fieldtype": "Float",
			"width": 230,
		},
	]
	chart = {
		"data": {
			"labels": [row.owner for row in rows if row.responded],
			"datasets": [
				{"name": _("Average Hours"), "values": [row.average_hours for row in rows if row.responded]},
				{"name": _("Median Hours"), "values": [row.median_hours for row in rows if row.responded]},
			],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
