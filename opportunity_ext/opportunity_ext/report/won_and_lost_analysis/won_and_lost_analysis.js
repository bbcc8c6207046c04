// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Won and Lost Analysis"] = {
	filters: opportunity_ext.report_filters([
		{
			fieldname: "view",
			label: __("View"),
			fieldtype: "Select",
			options: ["By Period", "By Reason"],
			default: "By Period",
		},
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: ["Monthly", "Quarterly"],
			default: "Monthly",
			depends_on: "eval:doc.view !== 'By Reason'",
		},
	]),
};
