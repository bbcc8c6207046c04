"""Rights the app's flows need beyond ERPNext's defaults: granted on install, taken back
on uninstall, never wider than the flow needs.

ERPNext grants Sales Stage to Sales Managers only, yet the people who move deals (Sales
Users) pick the stage, get its probability and work the Kanban board by stage."""

import frappe
from frappe.permissions import setup_custom_perms

RIGHTS = (
	"select",
	"read",
	"write",
	"create",
	"delete",
	"submit",
	"cancel",
	"amend",
	"report",
	"export",
	"import",
	"share",
	"print",
	"email",
)
GRANTS = ({"doctype": "Sales Stage", "role": "Sales User", "rights": ("select", "read")},)


def grant_permissions() -> None:
	"""Add each grant as a Custom DocPerm row (a doctype's custom rows replace its standard
	ones, so Frappe's setup_custom_perms copies the standard rows first)."""
	for grant in GRANTS:
		setup_custom_perms(grant["doctype"])
		existing = frappe.db.get_value("Custom DocPerm", grant_filters(grant))
		if existing:
			for right in grant["rights"]:
				frappe.db.set_value("Custom DocPerm", existing, right, 1)
		else:
			frappe.get_doc(
				{
					"doctype": "Custom DocPerm",
					"parent": grant["doctype"],
					"parenttype": "DocType",
					"parentfield": "permissions",
					"role": grant["role"],
					"permlevel": 0,
					**{right: 1 for right in grant["rights"]},
				}
			).insert(ignore_permissions=True)
		frappe.clear_cache(doctype=grant["doctype"])


def revoke_permissions() -> None:
	"""Take back the app's rows; a doctype whose remaining custom rows are the standard
	ones goes back to its standard permissions. An admin's own changes stay."""
	for grant in GRANTS:
		row = frappe.db.get_value("Custom DocPerm", grant_filters(grant), RIGHTS, as_dict=True)
		if row and {right for right in RIGHTS if row[right]} == set(grant["rights"]):
			frappe.db.delete("Custom DocPerm", grant_filters(grant))
		if permission_rows("Custom DocPerm", grant["doctype"]) == permission_rows(
			"DocPerm", grant["doctype"]
		):
			frappe.db.delete("Custom DocPerm", {"parent": grant["doctype"]})
		frappe.clear_cache(doctype=grant["doctype"])


def grant_filters(grant: dict) -> dict:
	return {"parent": grant["doctype"], "role": grant["role"], "permlevel": 0, "if_owner": 0}


def permission_rows(table: str, doctype: str) -> list[tuple]:
	rows = frappe.get_all(
		table, filters={"parent": doctype}, fields=["role", "permlevel", "if_owner", *RIGHTS]
	)
	return sorted(tuple(row[key] for key in ("role", "permlevel", "if_owner", *RIGHTS)) for row in rows)
