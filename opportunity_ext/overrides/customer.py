"""doc_events for ERPNext's Customer."""

from opportunity_ext.permissions.party import on_customer_trash, on_customer_update


def on_update(doc, method=None):
	# a customer made from a lead or prospect: their opportunities and quotations are its own
	on_customer_update(doc)


def on_trash(doc, method=None):
	on_customer_trash(doc)
