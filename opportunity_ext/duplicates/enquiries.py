"""Enquiries from a known contact: with *Attach Enquiries to the Contact's Open Opportunity*
(Opportunity Settings) an enquiry from the website contact form, sent from the contact
e-mail of an open opportunity, becomes a Communication on that opportunity instead of a new
opportunity. (A mail pulled by an Email Account makes its opportunity in Frappe's
InboundMail, which has no hook: such an opportunity is flagged as a possible duplicate of the
contact's open one, to merge.)"""

import frappe
from frappe.rate_limiter import rate_limit
from frappe.utils import escape_html

from opportunity_ext.constants import OPEN_STATUSES, SETTINGS
from opportunity_ext.duplicates import rules

OPPORTUNITY = "Opportunity"


def attach_enquiries() -> bool:
	return bool(frappe.db.get_single_value(SETTINGS, "attach_enquiries_to_open_opportunity"))


def open_opportunity_for(sender: str | None) -> str | None:
	"""The most recently changed open opportunity whose contact e-mail is `sender`."""
	email = rules.normalize_email(sender)
	if not email:
		return None
	table = frappe.qb.DocType(OPPORTUNITY)
	rows = (
		frappe.qb.from_(table)
		.select(table.name)
		.where((table.dedupe_email == email) & table.status.isin(OPEN_STATUSES))
		.orderby(table.modified, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return rows[0] if rows else None


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=1000, seconds=60 * 60)
def send_message(sender, message, subject="Website Query"):
	"""The website contact form (ERPNext's send_message, which this replaces): a known
	contact's enquiry goes to their open opportunity."""
	from erpnext.templates.utils import send_message as erpnext_send_message
	from frappe.www.contact import send_message as website_send_message

	opportunity = attach_enquiries() and open_opportunity_for(sender)
	if not opportunity:
		return erpnext_send_message(sender, message, subject)
	website_send_message(sender, message, subject)
	add_enquiry(opportunity, sender, subject, escape_html(message))


def add_enquiry(opportunity: str, sender: str, subject: str, content: str):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"subject": subject,
			"content": content,
			"sender": sender,
			"sent_or_received": "Received",
			"reference_doctype": OPPORTUNITY,
			"reference_name": opportunity,
		}
	).insert(ignore_permissions=True)
