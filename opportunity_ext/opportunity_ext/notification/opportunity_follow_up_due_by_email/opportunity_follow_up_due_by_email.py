import frappe


def get_context(context):
	return {"opportunity_url": frappe.utils.get_url_to_form("Opportunity", context["doc"].name)}
