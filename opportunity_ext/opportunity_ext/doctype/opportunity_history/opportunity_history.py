# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

# Stage Duration and Stage Conversion read the stage rows from this index alone: a range of
# it instead of every history row of every field
STAGE_INDEX = "field_opportunity_stages"


class OpportunityHistory(Document):
	pass


def on_doctype_update():
	frappe.db.add_index(
		"Opportunity History",
		["field", "opportunity", "to_value", "from_value", "days_in_previous_stage"],
		index_name=STAGE_INDEX,
	)
