"""The opportunity owner kept in step with the assignment (ToDo) both ways."""

import frappe
from frappe.desk.form import assign_to
from pypika.terms import Field

from opportunity_ext.constants import FINAL_STATUSES


def open_assignees(opportunity: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Opportunity", "reference_name": opportunity, "status": "Open"},
		pluck="allocated_to",
	)


def sync_assignment_to_owner(doc) -> None:
	"""Opportunity saved: a new owner takes over the assignment; a closed one closes it."""
	if doc.status in FINAL_STATUSES:
		if doc.has_value_changed("status"):
			assign_to.close_all_assignments("Opportunity", doc.name)
		return
	owner = doc.opportunity_owner
	if not owner or not doc.has_value_changed("opportunity_owner"):
		return
	assignees = open_assignees(doc.name)
	if assignees == [owner]:
		return
	for user in assignees:
		if user != owner:
			assign_to.remove("Opportunity", doc.name, user, ignore_permissions=True)
	if owner not in assignees:
		assign_to.add(
			{"assign_to": [owner], "doctype": "Opportunity", "name": doc.name},
			ignore_permissions=True,
		)


def validate_todo_reference(todo, method=None) -> None:
	"""Anyone may make a ToDo; one about an opportunity only a user who may read it.
	(Frappe writes the assignee into the opportunity's `_assign` from it.)"""
	if todo.reference_type != "Opportunity" or not todo.reference_name:
		return
	if not (todo.is_new() or todo.has_value_changed("reference_name")):
		return
	if not frappe.has_permission("Opportunity", "read", doc=todo.reference_name):
		frappe.throw(
			frappe._("Not permitted to assign Opportunity {0}.").format(todo.reference_name),
			frappe.PermissionError,
		)


def sync_owner_to_assignment(todo, method=None) -> None:
	"""ToDo saved: whoever the opportunity is assigned to becomes its owner, when the user
	who assigns may write the opportunity (anyone may create a ToDo)."""
	if todo.reference_type != "Opportunity" or todo.status != "Open" or not todo.allocated_to:
		return
	current = frappe.db.get_value(
		"Opportunity", todo.reference_name, ["opportunity_owner", "status"], as_dict=True
	)
	if not current or current.status in FINAL_STATUSES or current.opportunity_owner == todo.allocated_to:
		return
	if not frappe.has_permission("Opportunity", "write", doc=todo.reference_name):
		return
	opportunity = frappe.get_doc("Opportunity", todo.reference_name)
	# Not a save: an assignment made while the opportunity is being saved (Assignment
	# Rule) must not make the user's open form stale ("modified after you opened it").
	opportunity.db_set("opportunity_owner", todo.allocated_to, update_modified=False, notify=True)
	opportunity.add_comment(
		"Info", frappe._("Opportunity owner set to {0}: assigned to them.").format(todo.allocated_to)
	)


def close_assignments(opportunities: list[str], now) -> None:
	"""Bulk `close_all_assignments` for opportunities closed without a save (auto-close)."""
	todo, opportunity = frappe.qb.DocType("ToDo"), frappe.qb.DocType("Opportunity")
	(
		frappe.qb.update(todo)
		.set(todo.status, "Closed")
		.set(todo.modified, now)
		.where(
			(todo.reference_type == "Opportunity")
			& todo.reference_name.isin(opportunities)
			& (todo.status == "Open")
		)
		.run()
	)
	(
		frappe.qb.update(opportunity)
		.set(Field("_assign", table=opportunity), "[]")
		.where(opportunity.name.isin(opportunities))
		.run()
	)


def owners_of(rows: list[dict]) -> dict[str, list]:
	"""The rows by who hears of them (warnings, digests): the opportunity owner, else its creator, if still an
	enabled user (a deleted or disabled owner gets nothing)."""
	candidates = {user for row in rows for user in (row.opportunity_owner, row.owner) if user}
	enabled = set(
		frappe.get_all("User", filters={"name": ("in", list(candidates)), "enabled": 1}, pluck="name")
	)
	by_owner = {}
	for row in rows:
		user = next((u for u in (row.opportunity_owner, row.owner) if u in enabled), None)
		if user:
			by_owner.setdefault(user, []).append(row)
	return by_owner
