"""Opportunity history on every path, recorded once; the backfill gives the same rows;
stalled deals; and the exact figures of the history reports."""

import email
from email.header import decode_header, make_header

import frappe
from erpnext.crm.doctype.opportunity.opportunity import make_quotation
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, now_datetime, today
from freezegun import freeze_time

from opportunity_ext.automation.auto_close import process_stale_opportunities
from opportunity_ext.lifecycle.history import backfill, recording, stalled
from opportunity_ext.tests.utils import (
	company,
	forget_outgoing_email_account,
	make_customer,
	make_item,
	make_opportunity,
	make_outgoing_email_account,
	make_sales_stage,
	make_user,
)

START = get_datetime("2026-03-02 09:00:00")


def rows_of(opportunity: str) -> list[tuple]:
	return [
		(row.field, row.from_value, row.to_value, row.changed_by, row.days_in_previous_stage)
		for row in frappe.get_all(
			"Opportunity History",
			filters={"opportunity": opportunity},
			fields=["field", "from_value", "to_value", "changed_by", "days_in_previous_stage", "changed_on"],
			order_by="changed_on asc, field asc",
		)
	]


def stage_log_of(opportunity: str) -> list[tuple]:
	return frappe.get_all(
		"Opportunity Stage Log",
		filters={"opportunity": opportunity},
		fields=["sales_stage", "entered_on", "last_entered_on", "left_on", "days_in_stage", "advanced"],
		order_by="sales_stage",
		as_list=True,
	)


def digests_for(user: str) -> list[tuple[str, str]]:
	"""(subject, html) of each e-mail queued for the user about opportunities."""
	queued = frappe.get_all("Email Queue Recipient", filters={"recipient": user}, pluck="parent")
	messages = frappe.get_all(
		"Email Queue",
		filters={"name": ("in", queued or [""]), "reference_doctype": "Opportunity"},
		pluck="message",
	)
	found = []
	for raw in messages:
		message = email.message_from_string(raw)
		html = next(
			part.get_payload(decode=True).decode()
			for part in message.walk()
			if part.get_content_type() == "text/html"
		)
		found.append((str(make_header(decode_header(message["Subject"]))), html))
	return found


class TestHistory(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_history")
		self.addCleanup(frappe.db.rollback, save_point="oppext_history")
		frappe.db.set_single_value("Opportunity Settings", "won_reasons_mandatory", 0)
		self.first = make_sales_stage("_OppExt H1 Qualify", 10)
		self.second = make_sales_stage("_OppExt H2 Propose", 40)
		self.third = make_sales_stage("_OppExt H3 Negotiate", 70)
		frappe.db.set_value("Sales Stage", self.second, "stalled_after_days", 7)
		self.customer = make_customer("_OppExt History Customer")

	def moved(self):
		"""Created in the first stage, three days later in the second, then its amount up."""
		with freeze_time(START):
			opportunity = make_opportunity(
				self.customer, sales_stage=self.first, opportunity_amount=100, probability=10
			)
		for day, change in ((3, {"sales_stage": self.second}), (4, {"opportunity_amount": 150})):
			with freeze_time(add_days(START, day)):
				opportunity.reload()
				opportunity.update(change)
				opportunity.save(ignore_version=False)  # Frappe keeps no versions in tests; a site does
		return opportunity

	def test_every_change_recorded_once_with_days_in_stage(self):
		opportunity = self.moved()
		rows = rows_of(opportunity.name)
		self.assertIn(("sales_stage", None, self.first, "Administrator", 0), rows)
		self.assertIn(("sales_stage", self.first, self.second, "Administrator", 3), rows)
		self.assertIn(("opportunity_amount", "100", "150", "Administrator", 0), rows)
		probability = [row for row in rows if row[0] == "probability"]
		self.assertEqual(len(probability), 2, "created at 10, then the second stage's 40")
		self.assertEqual(len(rows), len(set(rows)), "nothing twice")
		entered, created = frappe.db.get_value(
			"Opportunity", opportunity.name, ["stage_entered_on", "creation"]
		)
		self.assertEqual(get_datetime(entered) - get_datetime(created), add_days(START, 3) - START)

	def test_changes_saved_inside_recorded_at_are_dated_then(self):
		with recording.recorded_at(START):
			opportunity = make_opportunity(self.customer, sales_stage=self.first)
		with recording.recorded_at(add_days(START, 5)):
			opportunity.reload()
			opportunity.sales_stage = self.second
			opportunity.save()
		stage_rows = [row for row in rows_of(opportunity.name) if row[0] == "sales_stage"]
		self.assertEqual(stage_rows[-1], ("sales_stage", self.first, self.second, "Administrator", 5))
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", opportunity.name, "stage_entered_on")),
			add_days(START, 5),
		)
		self.assertEqual(frappe.flags.get("opportunity_history_at"), None, "only inside the block")

	def test_a_row_per_deal_and_stage_with_days_and_whether_it_advanced(self):
		opportunity = self.moved()  # first stage 3 days, then the second
		for day, stage in ((4, self.first), (5, self.third)):  # back to the first for a day, then on
			with freeze_time(add_days(START, day)):
				opportunity.reload()
				opportunity.sales_stage = stage
				opportunity.save()
		log = {
			row.sales_stage: (row.entered_on, row.days_in_stage, row.advanced, bool(row.left_on))
			for row in frappe.get_all(
				"Opportunity Stage Log",
				filters={"opportunity": opportunity.name},
				fields=["sales_stage", "entered_on", "left_on", "days_in_stage", "advanced"],
			)
		}
		created = get_datetime(opportunity.creation)
		self.assertEqual(
			log,
			{
				self.first: (created, 4, 1, True),
				self.second: (add_days(created, 3), 1, 1, True),
				self.third: (add_days(created, 5), 0, 0, False),
			},
		)
		# the log rebuilt from the history is the one kept on write
		kept = stage_log_of(opportunity.name)
		frappe.db.delete("Opportunity Stage Log", {"opportunity": opportunity.name})
		backfill.rebuild_stage_log()
		self.assertEqual(stage_log_of(opportunity.name), kept)

	def test_erpnext_status_updates_are_recorded_once(self):
		opportunity = make_opportunity(
			self.customer, items=[{"item_code": make_item("_OppExt H Widget"), "qty": 1, "rate": 10}]
		)
		quotation = make_quotation(opportunity.name)
		quotation.valid_till = add_days(today(), 10)
		quotation.insert()
		quotation.submit()  # set_status(update=True): a db_set, no save
		statuses = [row for row in rows_of(opportunity.name) if row[0] == "status"]
		self.assertEqual([(row[1], row[2]) for row in statuses], [(None, "Open"), ("Open", "Quotation")])

	def test_the_auto_close_job_records_its_changes(self):
		settings = frappe.get_single("Opportunity Settings")
		settings.update({"auto_close_enabled": 1, "auto_close_after_days": 30, "auto_close_warn_days": 0})
		settings.set("auto_close_statuses", [{"status": "Replied"}])
		settings.save()
		frappe.db.delete("Opportunity", {"status": ("in", ("Open", "Replied", "Quotation"))})
		opportunity = make_opportunity(self.customer)
		frappe.db.set_value("Opportunity", opportunity.name, "status", "Replied")  # as ERPNext's reply does
		recording.record_changes(frappe.get_doc("Opportunity", opportunity.name))
		frappe.db.set_value(
			"Opportunity", opportunity.name, "modified", add_days(now_datetime(), -40), update_modified=False
		)
		self.assertEqual(process_stale_opportunities()["closed"], 1)
		statuses = [(row[1], row[2]) for row in rows_of(opportunity.name) if row[0] == "status"]
		self.assertEqual(statuses[-1], ("Replied", "Closed"))

	def test_the_backfill_gives_the_same_history_as_live_recording(self):
		opportunity = self.moved()
		live, live_log = rows_of(opportunity.name), stage_log_of(opportunity.name)
		frappe.db.delete("Opportunity History", {"opportunity": opportunity.name})
		frappe.db.delete("Opportunity Stage Log", {"opportunity": opportunity.name})
		frappe.db.set_value("Opportunity", opportunity.name, "stage_entered_on", None, update_modified=False)
		self.assertGreater(backfill.backfill(), 0)
		self.assertEqual(rows_of(opportunity.name), live)
		self.assertEqual(stage_log_of(opportunity.name), live_log)
		entered, created = frappe.db.get_value(
			"Opportunity", opportunity.name, ["stage_entered_on", "creation"]
		)
		self.assertEqual(get_datetime(entered) - get_datetime(created), add_days(START, 3) - START)

	def test_stalled_after_the_stage_allows(self):
		opportunity = self.moved()  # in the second stage since START + 3 days; stalls after 7
		with freeze_time(add_days(START, 9)):
			stalled.refresh_all_stalled()
			self.assertFalse(frappe.db.get_value("Opportunity", opportunity.name, "is_stalled"))
		with freeze_time(add_days(START, 15)):
			stalled.refresh_all_stalled()
			self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "is_stalled"), 1)
			form = frappe.get_doc("Opportunity", opportunity.name)
			form.run_method("onload")
			self.assertEqual(form.get_onload()["stalled"], {"days": 12, "stage": self.second, "limit": 7})
			self.assertIn(
				opportunity.name, frappe.get_list("Opportunity", filters={"is_stalled": 1}, pluck="name")
			)

	def test_daily_digest_lists_each_owners_stalled_deals_in_their_language(self):
		owner = make_user("_oppext_stalled_owner@example.com", ["Sales User"])
		frappe.db.set_value("User", owner, "language", "fa")
		opportunity = self.moved()  # stalled from START + 10 days
		frappe.db.set_value("Opportunity", opportunity.name, "opportunity_owner", owner)
		make_outgoing_email_account()
		self.addCleanup(forget_outgoing_email_account)
		with freeze_time(add_days(START, 15)):
			stalled.refresh_stalled_and_send_digests()
			self.assertEqual(digests_for(owner), [], "the digest is off by default")
			frappe.db.set_single_value("Opportunity Settings", "stalled_digest_enabled", 1)
			stalled.refresh_stalled_and_send_digests()
		[(subject, body)] = digests_for(owner)
		with frappe.translate.print_language("fa"):
			self.assertEqual(subject, frappe._("{0} of your opportunities are stalled").format(1))
			self.assertIn(frappe._("{0} days in {1}, stalled after {2}").format(12, self.second, 7), body)
		self.assertIn(opportunity.name, body)
		self.assertIn('dir="rtl"', body)
		frappe.db.set_value("Opportunity", opportunity.name, "status", "Closed")
		frappe.db.delete("Email Queue", {"reference_name": opportunity.name})
		stalled.send_stalled_digests()
		self.assertEqual(digests_for(owner), [], "a closed deal is not stalled")

	def test_digest_escapes_what_users_typed_and_speaks_each_recipients_language(self):
		persian = make_user("_oppext_stalled_fa@example.com", ["Sales User"])
		thai = make_user("_oppext_stalled_th@example.com", ["Sales User"])
		frappe.db.set_value("User", persian, "language", "fa")
		frappe.db.set_value("User", thai, "language", "th")
		for owner in (persian, thai):
			opportunity = self.moved()
			frappe.db.set_value(
				"Opportunity",
				opportunity.name,
				{"opportunity_owner": owner, "title": '<img src=x onerror="alert(1)"> & Co'},
			)
		make_outgoing_email_account()
		self.addCleanup(forget_outgoing_email_account)
		frappe.db.set_single_value("Opportunity Settings", "stalled_digest_enabled", 1)
		with freeze_time(add_days(START, 15)):
			stalled.refresh_stalled_and_send_digests()
		for owner, language in ((persian, "fa"), (thai, "th")):
			[(subject, body)] = digests_for(owner)
			self.assertNotIn("<img", body)
			self.assertIn("&lt;img src=", body)
			self.assertIn("&amp; Co", body)
			with frappe.translate.print_language(language):
				self.assertEqual(subject, frappe._("{0} of your opportunities are stalled").format(1))
				self.assertIn(
					frappe._(
						"These opportunities have stayed in their sales stage longer than the stage allows:"
					),
					body,
				)
