// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

// Clusters of open opportunities that look like the same deal, for cleaning up a site.
frappe.query_reports["Duplicate Opportunities"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "cluster" && data && data.proposed) {
			value = `<b>${value}</b>`;
		}
		return value;
	},
};
