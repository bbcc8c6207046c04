// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Time to Close"] = {
	filters: opportunity_ext.report_filters([
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Opportunity Type", label: __("Opportunity Type") },
				{ value: "Source", label: __("Source") },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
			],
			default: "Opportunity Type",
		},
	]),
};
