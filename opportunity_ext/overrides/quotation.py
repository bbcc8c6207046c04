"""doc_events for ERPNext's Quotation: the opportunity kept where its quotations say."""

from opportunity_ext.lifecycle.amounts import refresh_amount
from opportunity_ext.permissions.party import set_party_links
from opportunity_ext.sales_documents.quotations import resync_opportunities_of_quotation


def after_mapping(doc, method=None, source_doc=None):
	"""ERPNext links a quotation to its opportunity only when the opportunity has no
	items (else per row); the balance and reports need the header link always."""
	if source_doc is not None and source_doc.doctype == "Opportunity":
		doc.opportunity = source_doc.name


def validate(doc, method=None):
	set_party_links(doc)  # User Permissions on the party apply through these


def on_submit(doc, method=None):
	sync_opportunities(doc, "on_submit")


def on_cancel(doc, method=None):
	sync_opportunities(doc, "on_cancel")


def on_update_after_submit(doc, method=None):
	"""Declare Lost saves the submitted quotation: this runs after ERPNext has moved the
	opportunity."""
	sync_opportunities(doc, "on_update_after_submit")


def sync_opportunities(doc, method: str) -> None:
	for opportunity in resync_opportunities_of_quotation(doc, method):
		refresh_amount(opportunity)
