# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class OpportunitySettings(Document):
	def validate(self):
		if self.auto_close_enabled:
			if self.auto_close_after_days < 1:
				frappe.throw(_("Close After Idle Days must be at least 1."))
			if self.auto_close_warn_days >= self.auto_close_after_days:
				frappe.throw(_("Warn Owner Days Before must be less than Close After Idle Days."))
			if self.auto_close_action == "Lost" and not self.auto_close_lost_reason:
				frappe.throw(_("Pick the Lost Reason that auto-closed opportunities get."))
			if not self.auto_close_statuses:
				frappe.throw(_("Pick at least one status that qualifies for auto-close."))

	def on_update(self):
		from opportunity_ext.setup.stock_job import sync_stock_job

		sync_stock_job()
		self.sync_chromium_print_formats()

	def sync_chromium_print_formats(self):
		"""The listed print formats print with Chromium; one taken off the list goes back."""
		from opportunity_ext.printing.pdf import GENERATOR

		listed = {row.print_format for row in self.chromium_print_formats}
		current = set(frappe.get_all("Print Format", filters={"pdf_generator": GENERATOR}, pluck="name"))
		for name in listed - current:
			frappe.db.set_value("Print Format", name, "pdf_generator", GENERATOR)
		for name in current - listed:
			frappe.db.set_value("Print Format", name, "pdf_generator", "wkhtmltopdf")
		frappe.clear_cache(doctype="Print Format")
