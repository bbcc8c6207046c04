// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Won and Lost Analysis"] = {
	filters: opportunity_ext.report_filters([
		{
			fieldname: "view",
			label: __("View"),
			fieldtype: "Select",
			options: [
				{ value: "By Period", label: __("By Period") },
				{ value: "By Reason", label: __("By Reason") },
			],
			default: "By Period",
		},
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: [
				{ value: "Monthly", label: __("Monthly") },
				{ value: "Quarterly", label: __("Quarterly") },
			],
			default: "Monthly",
			depends_on: "eval:doc.view !== 'By Reason'",
		},
	]),
};
