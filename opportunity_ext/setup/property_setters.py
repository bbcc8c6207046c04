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
]
