"""Property setters on ERPNext doctypes: applied with the custom fields, removed with them."""

PROPERTY_SETTERS = [
	{
		# Version history of every change: the audit trail, and when the status last moved.
		"doctype": "Opportunity",
		"doctype_or_field": "DocType",
		"property": "track_changes",
		"property_type": "Check",
		"value": "1",
	},
	{
		# Frappe 15 knows "chrome" as a PDF generator (its pdf_generator hook) but offers only
		# wkhtmltopdf: the app's print formats print with Chromium (opportunity_ext.printing.pdf).
		"doctype": "Print Format",
		"doctype_or_field": "DocField",
		"fieldname": "pdf_generator",
		"property": "options",
		"property_type": "Text",
		"value": "wkhtmltopdf\nchrome",
	},
]
