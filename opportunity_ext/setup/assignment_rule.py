"""The shipped Assignment Rule "Opportunity Round Robin": created on install, removed on
uninstall when unchanged, its users refreshed on request."""

import frappe

from opportunity_ext.constants import FINAL_STATUSES

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
