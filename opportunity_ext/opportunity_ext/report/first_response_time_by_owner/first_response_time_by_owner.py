# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Avg, Count, Sum
from frappe.utils import flt

from opportunity_ext.opportunity_ext.report import utils

SECONDS_PER_HOUR = 3600


@frappe.read_only()
def execute(filters=None):
	"""ERPNext's First Response Time of each opportunity (time to the first reply sent),
	by opportunity owner."""
	filters = frappe._dict(filters or {})
	opportunity = frappe.qb.DocType("Opportunity")
	owner = opportunity.opportunity_owner
	responded = opportunity.first_response_time > 0
	selected = utils.permitted(opportunity, filters)
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
	# over the responded rows alone
	# to ten seconds: far finer than the hundredths of an hour shown, and few distinct values
	median_seconds = utils.medians(
		opportunity, selected & responded, [owner], opportunity.first_response_time, precision=-1
	)
	for row in rows:
		row.median_hours = flt(flt(median_seconds.get((row.owner,))) / SECONDS_PER_HOUR, 2)
		row.owner = row.owner or _("Not Set")
		row.without_response = row.opportunities - row.responded
		row.average_hours = flt(flt(row.pop("average_seconds")) / SECONDS_PER_HOUR, 2)
	rows.sort(key=lambda row: (row.responded == 0, row.average_hours, row.owner))

	columns = [
		utils.column("owner", _("Opportunity Owner"), "Data", 220),
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.column("responded", _("Responded"), "Int", 110),
		utils.column("without_response", _("Without Response"), "Int", 140),
		utils.column("average_hours", _("Average Hours to First Response"), "Float", 230),
		utils.column("median_hours", _("Median Hours to First Response"), "Float", 230),
	]
	responded_rows = [row for row in rows if row.responded]
	chart = utils.bar_chart(
		[row.owner for row in responded_rows],
		{
			_("Average Hours"): [row.average_hours for row in responded_rows],
			_("Median Hours"): [row.median_hours for row in responded_rows],
		},
	)
	return columns, rows, None, chart
