# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class OpportunityHistory(Document):
	pass


# Who may read the rows of an opportunity's history (Opportunity History and Opportunity
# Stage Log): whoever may read the opportunity, however Opportunity's read is limited (User
# Permissions, read only if owner, sharing, other apps' permission query conditions).


def get_permission_query_conditions(user: str | None = None, doctype: str = "Opportunity History") -> str:
	"""permission_query_conditions: rows of the opportunities `user` may list, through the
	query frappe.get_list builds for Opportunity, used as it is as a subquery."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	try:
		readable = frappe.get_list(
			"Opportunity",
			fields=["`tabOpportunity`.`name`"],
			order_by="",
			limit_page_length=0,
			user=user,
			run=False,
		)
	except frappe.PermissionError:
		return "1=0"  # no read on Opportunity: none of its history
	return f"`tab{doctype}`.`opportunity` in ({readable})"


def has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool | None:
	"""has_permission: a row only when its opportunity may be read; otherwise the roles decide."""
	if not doc.get("opportunity"):
		return None
	if not frappe.has_permission("Opportunity", "read", doc=doc.opportunity, user=user):
		return False
	return None
