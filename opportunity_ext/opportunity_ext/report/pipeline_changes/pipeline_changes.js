// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Pipeline Changes"] = {
	filters: opportunity_ext
		.report_filters([{ fieldname: "show_changes", label: __("Show Each Change"), fieldtype: "Check" }])
		.map((filter) =>
			// what moved lately: the last month by default
			filter.fieldname === "from_date"
				? { ...filter, default: frappe.datetime.add_months(frappe.datetime.get_today(), -1) }
				: filter
		),
};
