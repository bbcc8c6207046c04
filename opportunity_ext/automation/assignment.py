"""The opportunity owner kept in step with the assignment (ToDo) both ways."""

import weakref

import frappe
from frappe.desk.form import assign_to

from opportunity_ext.constants import FINAL_STATUSES


def open_assignees(opportunity: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Opportunity", "reference_name": opportunity, "status": "Open"},
		pluck="allocated_to",
	)


def sync_assignment_to_owner(doc) -> None:
	"""Opportunity saved: a new owner takes over the assignment; a closed one closes it."""
	# An assignment made later in this same save (an Assignment Rule runs after this hook)
	# sets the owner on this very document: see `sync_owner_to_assignment`.
	_saving[doc.name] = doc
	if doc.status in FINAL_STATUSES:
		if doc.has_value_changed("status"):
			assign_to.close_all_assignments("Opportunity", doc.name)
		return
	owner = doc.opportunity_owner
	if not owner or not doc.has_value_changed("opportunity_owner") or doc.flags.owner_from_assignment:
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


# Opportunities in the middle of their save, by name (gone with the document).
_saving: "weakref.WeakValueDictionary[str, object]" = weakref.WeakValueDictionary()


def opportunity_being_saved(name: str):
	"""The opportunity object whose save is running now (its post-save hooks), if any."""
	doc = _saving.get(name)
	if doc is not None and (
		doc.flags.in_insert or ("Opportunity", name) in (frappe.flags.currently_saving or [])
	):
		return doc
	return None


def validate_todo_reference(todo) -> None:
	"""A person may make a ToDo about an opportunity only if they may read it. Assignments
	the framework makes (Assignment Rule, `assign_to.add`, which checks the person's own
	permission before, system flows) come with `ignore_permissions` and go through: a
	visitor's enquiry from the website, assigned by the rule, is never refused."""
	if todo.reference_type != "Opportunity" or not todo.reference_name or todo.flags.ignore_permissions:
		return
	if not (todo.is_new() or todo.has_value_changed("reference_name")):
		return
	if not frappe.has_permission("Opportunity", "read", doc=todo.reference_name):
		frappe.throw(
			frappe._("Not permitted to assign Opportunity {0}.").format(todo.reference_name),
			frappe.PermissionError,
		)


def sync_owner_to_assignment(todo) -> None:
	"""ToDo made or handed over: the assignee becomes the opportunity's owner, when an
	Assignment Rule made it or the user who assigns may write the opportunity (anyone may
	create a ToDo). The owner changes by a save: `modified` moves (a form opened before
	is told it is stale) and a Version records it."""
	if todo.reference_type != "Opportunity" or todo.status != "Open" or not todo.allocated_to:
		return
	if not (todo.has_value_changed("allocated_to") or todo.has_value_changed("status")):
		return
	current = frappe.db.get_value(
		"Opportunity", todo.reference_name, ["opportunity_owner", "status"], as_dict=True
	)
	if not current or current.status in FINAL_STATUSES or current.opportunity_owner == todo.allocated_to:
		return
	if not todo.assignment_rule and not frappe.has_permission(
		"Opportunity", "write", doc=todo.reference_name
	):
		return
	in_flight = opportunity_being_saved(todo.reference_name)
	if in_flight is not None:
		# Assigned while the opportunity itself is saved (the rule runs in its on_update):
		# the save in progress carries the owner, in its Version and back to the form.
		in_flight.opportunity_owner = todo.allocated_to
		frappe.db.set_value(
			"Opportunity", todo.reference_name, "opportunity_owner", todo.allocated_to, update_modified=False
		)
		return
	opportunity = frappe.get_doc("Opportunity", todo.reference_name)
	opportunity.opportunity_owner = todo.allocated_to
	opportunity.flags.ignore_permissions = True
	opportunity.flags.owner_from_assignment = True  # the other assignees stay assigned
	opportunity.save(ignore_version=False)  # its Version, under tests too


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
