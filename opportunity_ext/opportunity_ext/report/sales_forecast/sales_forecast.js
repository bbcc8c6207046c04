// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Sales Forecast"] = {
	filters: opportunity_ext
		.report_filters([
			opportunity_ext.select_filter("period", "Period", ["Month", "Quarter"]),
			opportunity_ext.select_filter("group_by", "Group By", [
				"Opportunity Owner",
				"Sales Person",
				"Territory",
				"Company",
			]),
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
