"""Install, migrate and uninstall hooks: everything the app adds to a site, and takes away."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

from opportunity_ext.lifecycle.history.backfill import backfill as backfill_history
from opportunity_ext.setup.custom_fields import CUSTOM_FIELDS
from opportunity_ext.setup.indexes import add_indexes, remove_indexes
from opportunity_ext.setup.permissions import grant_permissions, revoke_permissions
from opportunity_ext.setup.property_setters import PROPERTY_SETTERS

DEFAULT_WON_REASONS = ("Price", "Product Fit", "Relationship", "Service and Support", "Delivery Time")


def after_install():
	from opportunity_ext.overrides.sales_stage import set_stage_defaults
	from opportunity_ext.permissions.party import backfill as backfill_party_links
	from opportunity_ext.setup.assignment_rule import create_assignment_rule
	from opportunity_ext.setup.kanban import create_kanban_board

	apply_customizations()
	create_default_won_reasons()
	create_default_settings()
	create_assignment_rule()
	set_stage_defaults()  # when the setup wizard ran before install-app; else after the wizard
	create_kanban_board()
	grant_permissions()
	add_indexes()
	backfill_party_links()  # existing opportunities and quotations: User Permissions on their party
	backfill_history()


def after_migrate():
	from opportunity_ext.overrides.sales_stage import set_stage_defaults
	from opportunity_ext.setup.kanban import sync_kanban_columns
	from opportunity_ext.setup.stock_job import sync_stock_job

	apply_customizations()
	set_stage_defaults()
	sync_kanban_columns()
	add_indexes()
	sync_stock_job()


def before_uninstall():
	from opportunity_ext.overrides.sales_stage import forget_stage_defaults
	from opportunity_ext.setup.assignment_rule import delete_assignment_rule_if_unchanged
	from opportunity_ext.setup.kanban import delete_kanban_board
	from opportunity_ext.setup.stock_job import restore_stock_job

	remove_customizations()
	forget_stage_defaults()
	delete_assignment_rule_if_unchanged()
	restore_stock_job()
	delete_kanban_board()
	revoke_permissions()
	remove_indexes()
	stop_printing_with_chromium()


def apply_customizations():
	"""Idempotent: a field or property is saved only when its definition changed."""
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)
	for setter in PROPERTY_SETTERS:
		if setter.get("unless_set") and frappe.db.exists("Property Setter", property_setter_filters(setter)):
			continue  # the admin's choice, or ours already
		if property_setter_value(setter) != setter["value"]:
			make_property_setter(
				setter["doctype"],
				setter.get("fieldname"),
				setter["property"],
				setter["value"],
				setter["property_type"],
				for_doctype=setter["doctype_or_field"] == "DocType",
				validate_fields_for_doctype=False,
			)


def property_setter_filters(setter: dict) -> dict:
	return {
		"doc_type": setter["doctype"],
		"field_name": setter.get("fieldname") or ("is", "not set"),
		"property": setter["property"],
	}


def property_setter_value(setter: dict) -> str | None:
	return frappe.db.get_value("Property Setter", property_setter_filters(setter), "value")


def remove_customizations():
	for doctype, fields in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in fields]
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", fieldnames)})
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		frappe.clear_cache(doctype=doctype)
	for setter in PROPERTY_SETTERS:
		filters = property_setter_filters(setter)
		if setter.get("unless_set"):
			filters["value"] = setter["value"]  # removed only while it is still ours
		frappe.db.delete("Property Setter", filters)
		frappe.clear_cache(doctype=setter["doctype"])


def create_default_settings():
	"""Auto-close starts disabled, set up like ERPNext's own (Replied opportunities); the
	app's quotation prints with Chromium."""
	settings = frappe.get_single("Opportunity Settings")
	changed = False
	if not settings.auto_close_statuses:
		settings.append("auto_close_statuses", {"status": "Replied"})
		changed = True
	if not settings.chromium_print_formats:
		settings.append("chromium_print_formats", {"print_format": "Opportunity Quotation"})
		changed = True
	if changed:
		settings.save(ignore_permissions=True)


def create_default_won_reasons():
	"""A starting list for admins to edit; created once, never overwritten."""
	for reason in DEFAULT_WON_REASONS:
		if not frappe.db.exists("Opportunity Won Reason", reason):
			frappe.get_doc({"doctype": "Opportunity Won Reason", "won_reason": reason}).insert(
				ignore_permissions=True
			)


def stop_printing_with_chromium():
	"""The print formats the app printed with Chromium go back to wkhtmltopdf."""
	for name in frappe.get_all(
		"Opportunity Print Format", filters={"parenttype": "Opportunity Settings"}, pluck="print_format"
	):
		if frappe.db.exists("Print Format", name):
			frappe.db.set_value("Print Format", name, "pdf_generator", "wkhtmltopdf")
