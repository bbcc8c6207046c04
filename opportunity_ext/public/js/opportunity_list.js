// Opportunity list of opportunity_ext: a stalled deal (open, in its stage longer than the
// stage allows) shows a red "Stalled" indicator; every other keeps ERPNext's.
frappe.listview_settings["Opportunity"] = frappe.listview_settings["Opportunity"] || {};
{
	const settings = frappe.listview_settings["Opportunity"];
	const erpnext_indicator = settings.get_indicator;
	settings.add_fields = [...(settings.add_fields || []), "is_stalled"];
	settings.get_indicator = function (doc) {
		if (doc.is_stalled) return [__("Stalled"), "red", "is_stalled,=,1"];
		return erpnext_indicator ? erpnext_indicator(doc) : undefined;
	};
}
