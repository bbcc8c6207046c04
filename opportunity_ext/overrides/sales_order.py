"""doc_events for ERPNext's Sales Order."""

from opportunity_ext.sales_documents.links import (
	opportunity_of_quotation,
	set_opportunity,
	validate_opportunity_party,
)
from opportunity_ext.sales_documents.quotations import resync_opportunities_of_sales_order


def validate(doc, method=None):
	quotations = {row.prevdoc_docname for row in doc.get("items") if row.get("prevdoc_docname")}
	set_opportunity(doc, [opportunity_of_quotation(q) for q in quotations])
	validate_opportunity_party(doc, [doc.customer])


def on_submit(doc, method=None):
	"""Ordered: the opportunity is won (a partial order too)."""
	resync_opportunities_of_sales_order(doc)


def on_cancel(doc, method=None):
	resync_opportunities_of_sales_order(doc)
