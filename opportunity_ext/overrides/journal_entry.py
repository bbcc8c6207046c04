from opportunity_ext.sales_documents.links import (
	opportunities_of_references,
	set_opportunity,
	validate_opportunity_party,
)


def validate(doc, method=None):
	accounts = doc.get("accounts")
	set_opportunity(
		doc, opportunities_of_references((row.reference_type, row.reference_name) for row in accounts)
	)
	customers = [row.party for row in accounts if row.party_type == "Customer" and row.party]
	validate_opportunity_party(doc, customers)
