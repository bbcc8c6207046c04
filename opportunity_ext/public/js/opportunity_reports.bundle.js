// Filters shared by the opportunity_ext reports: a bundle the desk loads (app_include_js), built by `bench build`.
frappe.provide("opportunity_ext");

opportunity_ext.report_filters = function (extra = []) {
	return [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{ fieldname: "opportunity_owner", label: __("Opportunity Owner"), fieldtype: "Link", options: "User" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "sales_stage", label: __("Sales Stage"), fieldtype: "Link", options: "Sales Stage" },
		{
			fieldname: "opportunity_type",
			label: __("Opportunity Type"),
			fieldtype: "Link",
			options: "Opportunity Type",
		},
		{ fieldname: "source", label: __("Source"), fieldtype: "Link", options: "Lead Source" },
		{ fieldname: "campaign", label: __("Campaign"), fieldtype: "Link", options: "Campaign" },
		...extra,
	];
};

// The first day of this calendar quarter (yyyy-mm-dd).
opportunity_ext.quarter_start = function () {
	const today = frappe.datetime.str_to_obj(frappe.datetime.get_today());
	const month = Math.floor(today.getMonth() / 3) * 3;
	return frappe.datetime.obj_to_str(new Date(today.getFullYear(), month, 1));
};

// A Select filter of translated choices: [value, …] shown as __(value).
opportunity_ext.select_filter = function (fieldname, label, values, extra = {}) {
	return {
		fieldname,
		label: __(label),
		fieldtype: "Select",
		options: values.map((value) => ({ value, label: __(value) })),
		default: values[0],
		...extra,
	};
};
