"""Follow-up reminders: the opportunity's next contact as a calendar Event of that user.

Frappe's Event does the reminding (its email digest) and the app's standard
Notification "Opportunity Follow-up Due" puts it in the user's notifications on the day.
"""

import frappe
from frappe import _
from frappe.utils import escape_html, get_datetime, now_datetime

from opportunity_ext.constants import FINAL_STATUSES

FOLLOW_UP_MINUTES = 30


def validate_next_contact(doc) -> None:
	"""A next contact in the past is refused when it is set or changed."""
	if not doc.next_contact_date or not doc.has_value_changed("next_contact_date"):
		return
	if get_datetime(doc.next_contact_date) < now_datetime():
		frappe.throw(
			_("Next Contact Date {0} is in the past: pick a moment still to come.").format(
				frappe.format(doc.next_contact_date, {"fieldtype": "Datetime"})
			),
			title=_("Invalid Next Contact Date"),
		)
	if not doc.next_contact_by:
		frappe.throw(
			_("Set who makes the next contact (Next Contact By)."), title=_("Missing Next Contact By")
		)


def wants_event(doc) -> bool:
	return bool(doc.next_contact_date and doc.next_contact_by and doc.status not in FINAL_STATUSES)


def open_follow_up_event(doc):
	"""The opportunity's open follow-up event; only an event of this opportunity (it names
	the opportunity as participant) is ever moved or cancelled."""
	if not doc.follow_up_event:
		return None
	participant = frappe.qb.DocType("Event Participants")
	event = frappe.qb.DocType("Event")
	belongs = (
		frappe.qb.from_(event)
		.join(participant)
		.on(participant.parent == event.name)
		.select(event.name)
		.where(
			(event.name == doc.follow_up_event)
			& (event.status == "Open")
			& (participant.parenttype == "Event")
			& (participant.reference_doctype == "Opportunity")
			& (participant.reference_docname == doc.name)
		)
		.run()
	)
	return frappe.get_doc("Event", doc.follow_up_event) if belongs else None


def sync_follow_up_event(doc) -> None:
	"""One event per opportunity: made, moved, or cancelled to match the opportunity."""
	event = open_follow_up_event(doc)

	if not wants_event(doc):
		if event:
			event.status = "Cancelled"
			event.save(ignore_permissions=True)
		return

	starts_on = get_datetime(doc.next_contact_date)
	# in the language of who makes the contact (not of whoever saves), escaped: the event's
	# subject and description are printed into Frappe's reminder e-mail as they are
	lang = user_language(doc.next_contact_by)
	values = {
		"subject": _("Follow up: {0}", lang).format(escape_html(doc.title or doc.customer_name or doc.name)),
		"starts_on": starts_on,
		"ends_on": frappe.utils.add_to_date(starts_on, minutes=FOLLOW_UP_MINUTES),
		"event_type": "Private",
		"send_reminder": 1,
		"description": _("Next contact for opportunity {0} ({1}).", lang).format(
			escape_html(doc.name), escape_html(doc.party_name or "")
		),
	}
	if event and event.owner == doc.next_contact_by:
		if any(str(event.get(key)) != str(value) for key, value in values.items()):
			event.update(values)
			event.save(ignore_permissions=True)
		return

	if event:  # someone else makes the contact now: their event, not the old one's
		event.status = "Cancelled"
		event.save(ignore_permissions=True)
	event = frappe.get_doc(
		{
			"doctype": "Event",
			**values,
			"event_participants": [{"reference_doctype": "Opportunity", "reference_docname": doc.name}],
		}
	)
	event.insert(ignore_permissions=True)
	# A private event is its owner's: insert makes it the saving user's, hand it over.
	frappe.db.set_value("Event", event.name, "owner", doc.next_contact_by, update_modified=False)
	doc.db_set("follow_up_event", event.name, update_modified=False)


def user_language(user: str | None) -> str:
	"""The user's own language, else the site's."""
	return (user and frappe.db.get_value("User", user, "language")) or frappe.db.get_default("lang") or "en"
