from opportunity_ext.sales_documents.links import (
	opportunities_of,
	set_opportunity,
	validate_opportunity_party,
)


def validate(doc, method=None):
	if doc.get("is_return") and doc.get("return_against"):
		# A credit note belongs where the invoice it returns belongs.
		set_opportunity(doc, opportunities_of("Sales Invoice", [doc.return_against]))
	else:
		orders = [row.get("sales_order") for row in doc.get("items")]
		set_opportunity(doc, opportunities_of("Sales Order", orders))
	validate_opportunity_party(doc, [doc.customer])
