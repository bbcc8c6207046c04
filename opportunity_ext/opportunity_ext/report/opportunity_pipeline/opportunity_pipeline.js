// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Opportunity Pipeline"] = {
	filters: opportunity_ext.report_filters([
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Sales Stage", label: __("Sales Stage") },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
				{ value: "Campaign", label: __("Campaign") },
			],
			default: "Sales Stage",
		},
		{ fieldname: "include_closed", label: __("Include Closed"), fieldtype: "Check" },
	]),
};
