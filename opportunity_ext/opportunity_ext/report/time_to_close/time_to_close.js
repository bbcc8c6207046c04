// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Time to Close"] = {
	filters: opportunity_ext.report_filters([
		opportunity_ext.select_filter("group_by", "Group By", ["Opportunity Type", "Source", "Opportunity Owner"]),
	]),
};
