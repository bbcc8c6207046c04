from opportunity_ext.sales_documents.links import (
	opportunity_of_quotation,
	set_opportunity,
	validate_opportunity_party,
)


def validate(doc, method=None):
	quotations = {row.prevdoc_docname for row in doc.get("items") if row.get("prevdoc_docname")}
	set_opportunity(doc, [opportunity_of_quotation(q) for q in quotations])
	validate_opportunity_party(doc, [doc.customer])
