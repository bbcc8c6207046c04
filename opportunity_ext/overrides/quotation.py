from opportunity_ext.permissions.party import set_party_links


def after_mapping(doc, method=None, source_doc=None):
	"""ERPNext links a quotation to its opportunity only when the opportunity has no
	items (else per row); the balance and reports need the header link always."""
	if source_doc is not None and source_doc.doctype == "Opportunity":
		doc.opportunity = source_doc.name


def validate(doc, method=None):
	set_party_links(doc)  # User Permissions on the party apply through these
