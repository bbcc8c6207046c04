// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Win Model"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
	],
};
