"""Rows of an opportunity's history (Opportunity History, Opportunity Stage Log) are read
as the opportunity is: a user governed by User Permissions (on Customer, Lead, Territory or
any other) reads the rows of the opportunities they may read, through the conditions
frappe.get_list applies to Opportunity. Users without User Permissions, and Administrator,
see what their roles give, as before."""

import frappe
from frappe.core.doctype.user_permission.user_permission import get_user_permissions
from frappe.model.db_query import DatabaseQuery


def governed(user: str | None) -> bool:
	"""Only User Permissions make a user read fewer opportunities than their roles give
	(if-owner rights aside, which no standard role has on Opportunity)."""
	return bool(get_user_permissions(user or frappe.session.user))


def query_conditions(user=None, doctype=None) -> str:
	"""permission_query_conditions of the history doctypes (each with an `opportunity` link)."""
	if not governed(user):
		return ""
	try:
		conditions = DatabaseQuery("Opportunity", user=user).build_match_conditions()
	except frappe.PermissionError:
		return ""  # no read on Opportunity: what the role on the history gives, as before
	if not conditions:
		return ""
	return (
		f"`tab{doctype}`.`opportunity` in "
		f"(select `tabOpportunity`.`name` from `tabOpportunity` where {conditions})"
	)


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission of the history doctypes: the row's opportunity must be readable."""
	if not governed(user) or not doc.get("opportunity"):
		return None
	if not frappe.has_permission("Opportunity", "read", user=user):
		return None
	if not frappe.has_permission("Opportunity", "read", doc=doc.opportunity, user=user):
		return False
	return None
