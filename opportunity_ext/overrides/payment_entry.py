from opportunity_ext.sales_documents.links import (
	opportunities_of_references,
	set_opportunity,
	validate_opportunity_party,
)


def validate(doc, method=None):
	references = [(row.reference_doctype, row.reference_name) for row in doc.get("references")]
	set_opportunity(doc, opportunities_of_references(references))
	validate_opportunity_party(doc, [doc.party] if doc.party_type == "Customer" else [])
