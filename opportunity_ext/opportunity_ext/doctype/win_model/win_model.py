# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WinModel(Document):
	def onload(self):
		"""The reason in the reader's language (it was written in the trainer's)."""
		from opportunity_ext.win_model.texts import reason_text

		if self.reason_code:
			self.reason = reason_text(self.reason_code, self.reason_args)
