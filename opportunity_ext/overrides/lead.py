"""doc_events for ERPNext's Lead."""

from opportunity_ext.permissions.party import on_lead_update


def on_update(doc, method=None):
	on_lead_update(doc)
