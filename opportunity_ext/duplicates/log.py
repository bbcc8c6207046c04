"""Who sees an Opportunity Merge Log, and what of it: a user reads a log of an opportunity
they may read, and sees in it only the documents they may read (the others counted)."""

import frappe
from frappe import _

OPPORTUNITY = "Opportunity"


def has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	if ptype not in (None, "read", "print", "report", "export"):
		return None  # the doctype's roles decide
	user = user or frappe.session.user
	return bool(
		frappe.has_permission(OPPORTUNITY, "read", doc=doc.kept_opportunity, user=user)
		or frappe.has_permission(OPPORTUNITY, "read", doc=doc.merged_opportunity, user=user)
	)


def query_conditions(user=None) -> str:
	user = user or frappe.session.user
	if user == "Administrator" or "System Manager" in frappe.get_roles(user):
		return ""
	readable = frappe.get_list(
		OPPORTUNITY,
		fields=["`tabOpportunity`.`name`"],
		order_by="",
		limit_page_length=0,
		run=False,
		user=user,
	)
	return (
		f"(`tabOpportunity Merge Log`.`kept_opportunity` in ({readable}) "
		f"or `tabOpportunity Merge Log`.`merged_opportunity` in ({readable}))"
	)


def readable_rows(rows: list, user: str | None = None) -> tuple[list, int]:
	"""(the moved documents the user may read, how many they may not)."""
	visible, hidden = [], 0
	for row in rows:
		doctype = row.parent_doctype or row.reference_doctype
		name = row.parent_name or row.reference_name
		if frappe.has_permission(doctype, "read", doc=name, user=user):
			visible.append(row)
		else:
			hidden += 1
	return visible, hidden


def summary(log) -> dict:
	"""What the log's form shows to the current user."""
	visible, hidden = readable_rows(log.moved_links)
	moved = {}
	for row in visible:
		doctype = row.parent_doctype or row.reference_doctype
		name = row.parent_name or row.reference_name
		entry = moved.setdefault(doctype, {"doctype": doctype, "label": _(doctype), "names": []})
		if name not in entry["names"]:
			entry["names"].append(name)
	readable_opportunities = {
		name
		for name in (log.kept_opportunity, log.merged_opportunity)
		if frappe.has_permission(OPPORTUNITY, "read", doc=name)
	}
	changes = [
		{
			"opportunity": row.opportunity,
			"label": _(row.label),
			"row_added": row.row_added,
			"old_value": row.old_value,
			"new_value": row.new_value,
		}
		for row in log.field_changes
		if row.opportunity in readable_opportunities
	]
	return {"moved": list(moved.values()), "hidden": hidden, "changes": changes}
