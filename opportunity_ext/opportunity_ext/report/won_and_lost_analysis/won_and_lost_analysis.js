// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Won and Lost Analysis"] = {
	filters: opportunity_ext.report_filters([
		opportunity_ext.select_filter("view", "View", ["By Period", "By Reason"]),
		opportunity_ext.select_filter("period", "Period", ["Monthly", "Quarterly"], {
			depends_on: "eval:doc.view !== 'By Reason'",
		}),
	]),
};
