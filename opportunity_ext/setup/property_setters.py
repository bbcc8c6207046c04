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

# The Opportunity list shows what a sales person works from (stage, amount, owner, expected
# closing) in place of ERPNext's series, party type and opportunity type.
LIST_VIEW_COLUMNS = {
	"naming_series": "0",
	"opportunity_from": "0",
	"opportunity_type": "0",
	"sales_stage": "1",
	"opportunity_amount": "1",
	"opportunity_owner": "1",
	"expected_closing": "1",
}
PROPERTY_SETTERS += [
	{
		"doctype": "Opportunity",
		"doctype_or_field": "DocField",
		"fieldname": fieldname,
		"property": "in_list_view",
		"property_type": "Check",
		"value": value,
	}
	for fieldname, value in LIST_VIEW_COLUMNS.items()
]

# Quotations open and print in the app's quotation format, unless the admin chose another
# default ("unless_set": applied only when Quotation has no default print format yet; removed
# on uninstall only while it is still this one).
PROPERTY_SETTERS.append(
	{
		"doctype": "Quotation",
		"doctype_or_field": "DocType",
		"property": "default_print_format",
		"property_type": "Data",
		"value": "Opportunity Quotation",
		"unless_set": True,
	}
)
