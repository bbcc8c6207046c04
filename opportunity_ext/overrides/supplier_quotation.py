def after_mapping(doc, method=None, source_doc=None):
	"""The opportunity's rates are selling prices: a supplier quotation asks for the
	supplier's, so its rows start from the buying price list instead."""
	if source_doc is None or source_doc.doctype != "Opportunity":
		return
	for row in doc.get("items"):
		row.rate = row.amount = row.base_rate = row.base_amount = 0
	doc.run_method("set_missing_values")
