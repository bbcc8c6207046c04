# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import flt

from opportunity_ext.constants import WON_STATUS
from opportunity_ext.opportunity_ext.report import utils

DIMENSIONS = {
	"Opportunity Type": "opportunity_type",
	"Source": "source",
	"Opportunity Owner": "opportunity_owner",
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	dimension, field = utils.group_by_field(filters, DIMENSIONS, "Opportunity Type")

	opportunity = frappe.qb.DocType("Opportunity")
	condition, _closed_on = utils.closed_in_range(opportunity, filters)

	rows = []
	for days in utils.figures_by_group(
		frappe.qb.from_(opportunity).where(condition),
		[opportunity[field], opportunity.status],
		opportunity.days_to_close,
	):
		group_value, status = days.group
		rows.append(
			frappe._dict(
				group_value=group_value or _("Not Set"),
				outcome=_("Won") if status == WON_STATUS else _("Lost"),
				opportunities=days.rows,
				average_days=flt(days.average, 1),
				median_days=flt(days.median, 1),
			)
		)
	rows.sort(key=lambda row: (row.group_value, row.outcome))

	columns = [
		utils.column("group_value", _(dimension), "Data", 200),
		utils.column("outcome", _("Outcome"), "Data", 90),
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.column("average_days", _("Average Days to Close"), "Float", 170),
		utils.column("median_days", _("Median Days to Close"), "Float", 170),
	]
	groups = list(dict.fromkeys(row.group_value for row in rows))

	def averages(outcome):
		by_group = {row.group_value: row.average_days for row in rows if row.outcome == outcome}
		return [by_group.get(group, 0) for group in groups]

	chart = utils.bar_chart(
		groups, {_("Won"): averages(_("Won")), _("Lost"): averages(_("Lost"))}, colors=utils.WON_LOST_COLORS
	)
	return columns, rows, None, chart
