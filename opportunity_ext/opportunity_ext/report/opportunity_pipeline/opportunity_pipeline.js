// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Opportunity Pipeline"] = {
	filters: opportunity_ext.report_filters([
		opportunity_ext.select_filter("group_by", "Group By", ["Sales Stage", "Opportunity Owner", "Campaign"]),
		{ fieldname: "include_closed", label: __("Include Closed"), fieldtype: "Check" },
	]),
};
