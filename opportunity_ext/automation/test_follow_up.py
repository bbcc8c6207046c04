"""Follow-up reminders: the calendar event, its moves, and the notification on the day."""

import frappe
from frappe.email.doctype.notification.notification import trigger_daily_alerts
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, escape_html, get_datetime, now_datetime

from opportunity_ext.tests.utils import make_opportunity, make_user, make_won_reason

PERSIAN, THAI = "fa", "th"  # as variables: a literal second argument reads as a context to the extractor
SALES_USER = "oppext-follow-up@example.com"


def tomorrow_at(hour: int):
	return get_datetime(add_days(now_datetime(), 1)).replace(hour=hour, minute=0, second=0, microsecond=0)


class TestFollowUp(FrappeTestCase):
	def setUp(self):
		make_user(SALES_USER, ["Sales User"])

	def follow_up(self, **kwargs):
		return make_opportunity(next_contact_date=tomorrow_at(10), next_contact_by=SALES_USER, **kwargs)

	def test_event_is_made_for_the_contact_person(self):
		opportunity = self.follow_up(title="Pumps for Globex")
		event = frappe.get_doc("Event", opportunity.follow_up_event)
		self.assertEqual(event.owner, SALES_USER)
		self.assertEqual(event.status, "Open")
		self.assertEqual(event.event_type, "Private")
		self.assertEqual(event.send_reminder, 1)
		self.assertEqual(get_datetime(event.starts_on), tomorrow_at(10))
		self.assertEqual(
			[(p.reference_doctype, p.reference_docname) for p in event.event_participants],
			[("Opportunity", opportunity.name)],
		)

	def test_saving_again_makes_no_duplicate_and_a_new_date_moves_the_event(self):
		opportunity = self.follow_up()
		first = opportunity.follow_up_event
		opportunity.save()
		opportunity.save()
		self.assertEqual(opportunity.follow_up_event, first)
		self.assertEqual(self.events_of(opportunity.name), [first])

		opportunity.next_contact_date = tomorrow_at(15)
		opportunity.save()
		self.assertEqual(opportunity.follow_up_event, first)
		self.assertEqual(get_datetime(frappe.db.get_value("Event", first, "starts_on")), tomorrow_at(15))

	def test_clearing_or_closing_cancels_the_event(self):
		opportunity = self.follow_up()
		event = opportunity.follow_up_event
		opportunity.next_contact_date = None
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", event, "status"), "Cancelled")

		for status in ("Lost", "Closed", "Converted"):
			opportunity = self.follow_up()
			opportunity.status = status
			if status == "Converted":  # winning needs a reason (Won Reasons Are Mandatory)
				opportunity.append("won_reasons", {"won_reason": make_won_reason("Price")})
			opportunity.save()
			self.assertEqual(frappe.db.get_value("Event", opportunity.follow_up_event, "status"), "Cancelled")

	def test_another_contact_person_gets_their_own_event(self):
		opportunity = self.follow_up()
		old = opportunity.follow_up_event
		opportunity.next_contact_by = make_user("oppext-colleague@example.com", ["Sales User"])
		opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", old, "status"), "Cancelled")
		self.assertEqual(
			frappe.db.get_value("Event", opportunity.follow_up_event, "owner"), opportunity.next_contact_by
		)

	def test_next_contact_in_the_past_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "in the past"):
			make_opportunity(next_contact_date=add_days(now_datetime(), -1), next_contact_by=SALES_USER)

	def test_notification_on_the_day(self):
		opportunity = self.follow_up(title="Call Globex back")
		with self.freeze_time(tomorrow_at(7)):
			trigger_daily_alerts()
		logs = frappe.get_all(
			"Notification Log",
			filters={
				"for_user": SALES_USER,
				"document_type": "Opportunity",
				"document_name": opportunity.name,
			},
			pluck="subject",
		)
		self.assertEqual(len(logs), 1)
		self.assertIn("Call Globex back", logs[0])

	def test_no_notification_the_day_before_or_once_closed(self):
		opportunity = self.follow_up()
		trigger_daily_alerts()  # today: the follow-up is tomorrow
		opportunity.status = "Lost"
		opportunity.save()
		with self.freeze_time(tomorrow_at(7)):
			trigger_daily_alerts()
		self.assertFalse(
			frappe.db.exists(
				"Notification Log", {"document_type": "Opportunity", "document_name": opportunity.name}
			)
		)

	def events_of(self, opportunity: str) -> list[str]:
		return frappe.get_all(
			"Event Participants",
			filters={"reference_doctype": "Opportunity", "reference_docname": opportunity},
			pluck="parent",
		)

	def test_the_event_speaks_the_contact_persons_language_whoever_saves(self):
		"""The event is the contact person's: its subject in their language and escaped (it is
		printed into Frappe's reminder e-mail); saves by users of other languages leave it be."""
		frappe.db.set_value("User", SALES_USER, "language", THAI)
		self.addCleanup(setattr, frappe.local, "lang", frappe.local.lang)
		title = "R&D <b>pumps</b>"
		opportunity = self.follow_up(title=title)
		event = frappe.get_doc("Event", opportunity.follow_up_event)
		self.assertEqual(
			event.subject, frappe._("Follow up: {0}", THAI).format(escape_html(opportunity.title))
		)
		self.assertNotIn("<b>", event.subject + event.description)

		for lang in (PERSIAN, "en", PERSIAN):
			frappe.local.lang = lang
			opportunity.reload()
			opportunity.save()
		self.assertEqual(frappe.db.get_value("Event", event.name, "modified"), event.modified, "not re-saved")

	def test_the_notification_speaks_the_recipients_language_and_escapes_the_title(self):
		frappe.db.set_value("User", SALES_USER, "language", PERSIAN)
		opportunity = self.follow_up(title="R&D <b>pumps</b>")
		with self.freeze_time(tomorrow_at(7)):
			trigger_daily_alerts()
		log = frappe.get_all(
			"Notification Log",
			filters={"for_user": SALES_USER, "document_name": opportunity.name},
			fields=["subject", "email_content"],
		)[0]
		title = escape_html(opportunity.title)
		self.assertEqual(log.subject, frappe._("Follow up today: {0}", PERSIAN).format(title))
		self.assertNotIn("<b>pumps", log.email_content)
		self.assertIn(frappe._("Follow up today", PERSIAN), log.email_content)
