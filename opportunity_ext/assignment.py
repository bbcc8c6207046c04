"""Assignment of opportunities: the shipped Assignment Rule, and the opportunity owner
kept in step with the assignment (ToDo) both ways."""

import frappe
from frappe.desk.form import assign_to

from opportunity_ext.lifecycle import FINAL_STATUSES

ASSIGNMENT_RULE = "Opportunity Round Robin"
ASSIGNMENT_ROLE = "Sales User"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def sales_users(role: str = ASSIGNMENT_ROLE) -> list[str]:
	"""Enabled desk users with the role."""
	has_role, user = frappe.qb.DocType("Has Role"), frappe.qb.DocType("User")
	return (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where(
			(has_role.role == role)
			& (has_role.parenttype == "User")
			& (user.enabled == 1)
			& (user.user_type == "System User")
			& user.name.notin(["Administrator", "Guest"])
		)
		.orderby(user.name)
		.run(pluck=True)
	)


def create_assignment_rule() -> None:
	"""Created once, disabled: an admin reviews the users and enables it. Never
	overwritten by migrate; removed on uninstall only if nobody changed it."""
	if frappe.db.exists("Assignment Rule", ASSIGNMENT_RULE):
		return
	rule = frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"name": ASSIGNMENT_RULE,
			"document_type": "Opportunity",
			"description": "New opportunities without an owner go round robin to the Sales Users.",
			"priority": 0,
			"disabled": 1,
			"rule": "Round Robin",
			"assign_condition": 'status == "Open" and not opportunity_owner',
			"close_condition": f"status in {FINAL_STATUSES!r}",
			"users": [{"user": user} for user in sales_users()],
			"assignment_days": [{"day": day} for day in WEEKDAYS],
		}
	)
	rule.insert(ignore_permissions=True)
	frappe.db.set_default("opportunity_ext_assignment_rule_modified", str(rule.modified))


def delete_assignment_rule_if_unchanged() -> None:
	installed = frappe.db.get_default("opportunity_ext_assignment_rule_modified")
	modified = frappe.db.get_value("Assignment Rule", ASSIGNMENT_RULE, "modified")
	if modified and installed and str(modified) == installed:
		frappe.delete_doc("Assignment Rule", ASSIGNMENT_RULE, ignore_permissions=True, force=True)
	frappe.db.set_default("opportunity_ext_assignment_rule_modified", None)


@frappe.whitelist(methods=["POST"])
def refresh_assignment_rule_users(role: str = ASSIGNMENT_ROLE) -> list[str]:
	"""Set the shipped rule's round robin to the current users of `role`."""
	rule = frappe.get_doc("Assignment Rule", ASSIGNMENT_RULE)
	rule.check_permission("write")
	users = sales_users(role)
	rule.set("users", [{"user": user} for user in users])
	rule.save()
	return users


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
