# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class OpportunityCompetitor(Document):
	pass


def on_doctype_update():
	# Competitor Analysis joins each opportunity to its competitors: served from this index
	# alone, not a table row per competitor
	frappe.db.add_index(
		"Opportunity Competitor",
		["parent", "parenttype", "competitor", "offer_amount"],
		index_name="parent_competitor_offer",
	)
