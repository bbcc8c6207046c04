// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Sales Forecast"] = {
	filters: opportunity_ext
		.report_filters([
			{
				fieldname: "period",
				label: __("Period"),
				fieldtype: "Select",
				options: [
					{ value: "Month", label: __("Month") },
					{ value: "Quarter", label: __("Quarter") },
				],
				default: "Month",
			},
			{
				fieldname: "group_by",
				label: __("Group By"),
				fieldtype: "Select",
				options: [
					{ value: "Opportunity Owner", label: __("Opportunity Owner") },
					{ value: "Sales Person", label: __("Sales Person") },
					{ value: "Territory", label: __("Territory") },
					{ value: "Company", label: __("Company") },
				],
				default: "Opportunity Owner",
			},
		])
		.map((filter) => {
			// a forecast looks ahead: this quarter by default
			if (filter.fieldname === "from_date") {
				return { ...filter, default: opportunity_ext.quarter_start() };
			}
			if (filter.fieldname === "to_date") {
				return { ...filter, default: frappe.datetime.add_days(frappe.datetime.add_months(opportunity_ext.quarter_start(), 3), -1) };
			}
			return filter;
		}),
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "overdue" && data && data.overdue) {
			value = `<span class="text-danger">${value}</span>`;
		}
		return value;
	},
};
