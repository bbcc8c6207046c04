"""Install, migrate and uninstall hooks: everything the app adds to a site, and takes away."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from opportunity_ext.setup.custom_fields import CUSTOM_FIELDS

DEFAULT_WON_REASONS = ("Price", "Product Fit", "Relationship", "Service and Support", "Delivery Time")


def after_install():
	apply_customizations()
	create_default_won_reasons()


def after_migrate():
	apply_customizations()


def before_uninstall():
	remove_customizations()


def apply_customizations():
	"""Idempotent: a field is saved only when its definition changed."""
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)


def remove_customizations():
	for doctype, fields in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in fields]
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", fieldnames)})
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		frappe.clear_cache(doctype=doctype)


def create_default_won_reasons():
	"""A starting list for admins to edit; created once, never overwritten."""
	for reason in DEFAULT_WON_REASONS:
		if not frappe.db.exists("Opportunity Won Reason", reason):
			frappe.get_doc({"doctype": "Opportunity Won Reason", "won_reason": reason}).insert(
				ignore_permissions=True
			)
