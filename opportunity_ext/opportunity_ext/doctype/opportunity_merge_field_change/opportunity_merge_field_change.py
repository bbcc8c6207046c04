# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

from frappe.model.document import Document


class OpportunityMergeFieldChange(Document):
	pass
