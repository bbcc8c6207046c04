# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class OpportunityMergeLog(Document):
	def onload(self):
		from opportunity_ext.duplicates.log import summary

		self.set_onload("summary", summary(self))
		self.set_onload(
			"can_undo",
			self.status == "Merged"
			and all(
				frappe.has_permission("Opportunity", "write", doc=name)
				for name in (self.kept_opportunity, self.merged_opportunity)
			),
		)
