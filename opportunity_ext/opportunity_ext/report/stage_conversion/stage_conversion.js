// Copyright (c) 2026, opportunity_ext contributors
// For license information, please see license.txt

frappe.query_reports["Stage Conversion"] = {
	filters: opportunity_ext.report_filters(),
};
