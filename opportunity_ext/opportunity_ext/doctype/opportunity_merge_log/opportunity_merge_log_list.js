frappe.listview_settings["Opportunity Merge Log"] = {
	get_indicator(doc) {
		return doc.status === "Undone" ? [__("Undone"), "gray", "status,=,Undone"] : [__("Merged"), "blue", "status,=,Merged"];
	},
};
