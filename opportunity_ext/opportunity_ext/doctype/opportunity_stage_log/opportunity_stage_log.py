# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class OpportunityStageLog(Document):
	pass


def on_doctype_update():
	# one row a deal and stage; the reports join it on the deal
	frappe.db.add_unique("Opportunity Stage Log", ["opportunity", "sales_stage"], "opportunity_stage")
