// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Stage Duration"] = {
	filters: opportunity_ext.report_filters([
		opportunity_ext.select_filter("group_by", "Group By", ["Stage", "Opportunity Owner"]),
	]),
};
