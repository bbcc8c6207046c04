import frappe
from frappe import _
from frappe.utils import escape_html

from opportunity_ext.automation.follow_up import user_language


def get_context(context):
	"""In the language of whom it goes to (the one who makes the contact), not of the user
	the daily job runs as; every value of the opportunity escaped."""
	doc = context["doc"]
	lang = user_language(doc.next_contact_by)
	title = escape_html(doc.title or doc.name)
	return {
		"lang": lang,
		"title": title,
		"party": escape_html(doc.party_name or ""),
		"follow_up_subject": _("Follow up today: {0}", lang).format(title),
		"opportunity_url": frappe.utils.get_url_to_form("Opportunity", doc.name),
	}
