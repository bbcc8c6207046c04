// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Pipeline Velocity"] = {
	filters: opportunity_ext
		.report_filters([
			opportunity_ext.select_filter("period", "Period", ["Month", "Quarter"]),
			opportunity_ext.select_filter("group_by", "Group By", ["Company", "Opportunity Owner", "Territory"]),
		])
		.map((filter) =>
			filter.fieldname === "from_date"
				? { ...filter, default: frappe.datetime.add_months(frappe.datetime.get_today(), -6) }
				: filter
		),
};
