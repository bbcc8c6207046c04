# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import flt

from opportunity_ext.opportunity_ext.report import utils

SECONDS_PER_HOUR = 3600


@frappe.read_only()
def execute(filters=None):
	"""ERPNext's First Response Time of each opportunity (time to the first reply sent),
	by opportunity owner."""
	filters = frappe._dict(filters or {})
	opportunity = frappe.qb.DocType("Opportunity")
	responded = opportunity.first_response_time > 0
	# an opportunity without a reply has no time: counted, but not in the average or median
	rows = []
	for seconds in utils.figures_by_group(
		frappe.qb.from_(opportunity).where(utils.permitted(opportunity, filters)),
		[opportunity.opportunity_owner],
		Case().when(responded, opportunity.first_response_time).else_(None),
	):
		(owner,) = seconds.group
		rows.append(
			frappe._dict(
				owner=owner or _("Not Set"),
				opportunities=seconds.rows,
				responded=seconds.count,
				without_response=seconds.rows - seconds.count,
				average_hours=flt(seconds.average / SECONDS_PER_HOUR, 2),
				median_hours=flt(flt(seconds.median) / SECONDS_PER_HOUR, 2),
			)
		)
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
