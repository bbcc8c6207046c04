app_name = "opportunity_ext"
app_title = "Opportunity Ext"
app_publisher = "opportunity_ext contributors"
app_description = "A complete sales-opportunity workbench for ERPNext 15"
app_email = "opportunity-ext@example.com"
app_license = "mit"

required_apps = ["erpnext"]

# Install, migrate, uninstall
# ---------------------------
after_install = "opportunity_ext.setup.install.after_install"
after_migrate = "opportunity_ext.setup.install.after_migrate"
before_uninstall = "opportunity_ext.setup.install.before_uninstall"
# ERPNext makes the Sales Stages in the setup wizard, after install-app
setup_wizard_complete = "opportunity_ext.overrides.sales_stage.setup_wizard_complete"

# Desk
# ----
# Filters shared by the app's reports
app_include_js = "opportunity_reports.bundle.js"

doctype_js = {
	"Opportunity": [
		"public/js/opportunity.js",
		"public/js/product_catalogue.js",
		"public/js/opportunity_duplicates.js",
		"public/js/win_probability.js",
	],
	"Quotation": "public/js/product_catalogue.js",
}
doctype_list_js = {"Opportunity": "public/js/opportunity_list.js"}

# Print formats
# -------------
jinja = {
	"methods": [
		"opportunity_ext.printing.jinja.print_date",
		"opportunity_ext.printing.jinja.print_money",
		"opportunity_ext.printing.jinja.print_number",
		"opportunity_ext.printing.jinja.print_tax",
		"opportunity_ext.printing.jinja.print_unit",
		"opportunity_ext.printing.jinja.quotation_opportunity",
		"opportunity_ext.printing.jinja.quotation_contact",
	]
}
# PDFs of the print formats whose PDF Generator is "chrome", printed with Chromium
pdf_generator = ["opportunity_ext.printing.pdf.get_pdf"]

# Document events
# ---------------
doc_events = {
	"Opportunity": {
		"before_validate": "opportunity_ext.overrides.opportunity.before_validate",
		"validate": "opportunity_ext.overrides.opportunity.validate",
		"on_update": "opportunity_ext.overrides.opportunity.on_update",
		"on_change": "opportunity_ext.overrides.opportunity.on_change",
		"onload": "opportunity_ext.overrides.opportunity.onload",
	},
	"ToDo": {
		"validate": "opportunity_ext.overrides.todo.validate",
		"on_update": "opportunity_ext.overrides.todo.on_update",
	},
	"Quotation": {
		"after_mapping": "opportunity_ext.overrides.quotation.after_mapping",
		"validate": "opportunity_ext.overrides.quotation.validate",
		"on_submit": "opportunity_ext.overrides.quotation.on_submit",
		"on_cancel": "opportunity_ext.overrides.quotation.on_cancel",
		"on_update_after_submit": "opportunity_ext.overrides.quotation.on_update_after_submit",
	},
	"Sales Stage": {
		"on_update": "opportunity_ext.overrides.sales_stage.on_update",
		"after_delete": "opportunity_ext.overrides.sales_stage.after_delete",
		"after_rename": "opportunity_ext.overrides.sales_stage.after_rename",
	},
	"Customer": {
		"on_update": "opportunity_ext.overrides.customer.on_update",
		"on_trash": "opportunity_ext.overrides.customer.on_trash",
	},
	"Lead": {"on_update": "opportunity_ext.overrides.lead.on_update"},
	"Supplier Quotation": {"after_mapping": "opportunity_ext.overrides.supplier_quotation.after_mapping"},
	"Sales Order": {
		"validate": "opportunity_ext.overrides.sales_order.validate",
		"on_submit": "opportunity_ext.overrides.sales_order.on_submit",
		"on_cancel": "opportunity_ext.overrides.sales_order.on_cancel",
	},
	"Sales Invoice": {"validate": "opportunity_ext.overrides.sales_invoice.validate"},
	"Payment Entry": {"validate": "opportunity_ext.overrides.payment_entry.validate"},
	"Journal Entry": {"validate": "opportunity_ext.overrides.journal_entry.validate"},
}

# Permissions
# -----------
# User Permissions on Customer, Lead and Prospect reach Opportunity and Quotation through
# link fields kept in step with the party (permissions/party.py); a row of an opportunity's
# history (and stage log) is readable when the opportunity is, however Opportunity's read is
# limited (doctype/opportunity_history/opportunity_history.py)
has_permission = {
	"Opportunity": "opportunity_ext.permissions.party.has_permission",
	"Quotation": "opportunity_ext.permissions.party.has_permission",
	"Opportunity History": "opportunity_ext.opportunity_ext.doctype.opportunity_history.opportunity_history.has_permission",
	"Opportunity Stage Log": "opportunity_ext.opportunity_ext.doctype.opportunity_history.opportunity_history.has_permission",
}
permission_query_conditions = {
	"Opportunity History": "opportunity_ext.opportunity_ext.doctype.opportunity_history.opportunity_history.get_permission_query_conditions",
	"Opportunity Stage Log": "opportunity_ext.opportunity_ext.doctype.opportunity_history.opportunity_history.get_permission_query_conditions",
}

# Scheduled jobs
# --------------
scheduler_events = {
	"daily": [
		"opportunity_ext.automation.auto_close.run_daily",
		"opportunity_ext.sales_documents.quotations.resync_expired_quotations",
		"opportunity_ext.lifecycle.history.stalled.refresh_stalled_and_send_digests",
	],
	# the learned win probability, when Opportunity Settings asks: enqueued in the long queue
	"daily_long": ["opportunity_ext.win_model.training.train_nightly"],
}

# Duplicates
# ----------
# The website contact form: a known contact's enquiry may go to their open opportunity
override_whitelisted_methods = {
	"frappe.www.contact.send_message": "opportunity_ext.duplicates.enquiries.send_message"
}
# A merge log is read by whoever may read one of its opportunities
has_permission["Opportunity Merge Log"] = "opportunity_ext.duplicates.log.has_permission"
permission_query_conditions["Opportunity Merge Log"] = "opportunity_ext.duplicates.log.query_conditions"

# Tests
# -----
before_tests = "opportunity_ext.tests.before_tests"
