"""Auto-close of stale opportunities: who qualifies, warn then close, audit trail,
idempotence, a crash half-way, the stock job switched off, and who may configure it."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, get_datetime, getdate, now_datetime

from opportunity_ext.automation import auto_close
from opportunity_ext.automation.auto_close import process_stale_opportunities, run_daily
from opportunity_ext.setup.stock_job import STOCK_JOB_METHOD
from opportunity_ext.tests.utils import make_lost_reason, make_opportunity, make_user

NOW = get_datetime(now_datetime()).replace(microsecond=0)
LOST_REASON = "_OppExt No Response"


def configure(**values):
	settings = frappe.get_single("Opportunity Settings")
	settings.update(
		{
			"auto_close_enabled": 1,
			"auto_close_after_days": 30,
			"auto_close_warn_days": 3,
			"auto_close_action": "Closed",
			**values,
		}
	)
	settings.set("auto_close_statuses", [{"status": s} for s in values.get("statuses", ("Open", "Replied"))])
	settings.save()


def stale(status="Replied", idle_days=40, **kwargs):
	"""An opportunity last touched `idle_days` ago."""
	opportunity = make_opportunity(**kwargs)
	if status != "Open":
		frappe.db.set_value("Opportunity", opportunity.name, "status", status, update_modified=False)
	frappe.db.set_value(
		"Opportunity", opportunity.name, "modified", add_days(NOW, -idle_days), update_modified=False
	)
	return opportunity.name


def status_of(name):
	return frappe.db.get_value("Opportunity", name, "status")


def trail(name):
	versions = frappe.get_all(
		"Version", filters={"ref_doctype": "Opportunity", "docname": name}, pluck="data"
	)
	comments = frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Opportunity", "reference_name": name, "comment_type": "Info"},
		pluck="content",
	)
	return versions, [c for c in comments if "automatically" in c]


class TestAutoClose(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_auto_close_test")
		self.addCleanup(frappe.db.rollback, save_point="oppext_auto_close_test")
		configure()
		frappe.db.delete("Opportunity", {"status": ("in", ("Open", "Replied", "Quotation"))})

	def test_warn_first_then_close(self):
		owner = make_user("oppext-owner@example.com", ["Sales User"])
		name = stale(opportunity_owner=owner)
		self.assertEqual(process_stale_opportunities(now=NOW), {"warned": 1, "closed": 0})
		self.assertEqual(status_of(name), "Replied")
		warning = frappe.get_all(
			"Notification Log",
			filters={"for_user": owner, "document_name": name, "type": "Alert"},
			pluck="subject",
		)
		self.assertEqual(len(warning), 1)
		self.assertIn("3 days", warning[0])

		later = add_to_date(NOW, days=3, hours=1)
		self.assertEqual(process_stale_opportunities(now=later), {"warned": 0, "closed": 1})
		self.assertEqual(status_of(name), "Closed")
		versions, comments = trail(name)
		self.assertEqual(len(versions), 1)
		self.assertIn('["status", "Replied", "Closed"]', versions[0])
		self.assertEqual(len(comments), 1)
		self.assertIn("30 days", comments[0])

	def test_who_qualifies(self):
		qualifying = stale("Replied", 40)
		open_one = stale("Open", 40)
		recent = stale("Replied", 10)
		excluded_status = stale("Quotation", 40)
		commented = stale("Replied", 40)
		frappe.get_doc("Opportunity", commented).add_comment("Comment", "Customer asked for a call")
		emailed = stale("Replied", 40)
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: offer",
				"reference_doctype": "Opportunity",
				"reference_name": emailed,
				"communication_date": add_days(NOW, -2),
			}
		).insert(ignore_permissions=True)
		follow_up = stale("Replied", 40)
		frappe.db.set_value(
			"Opportunity", follow_up, "next_contact_date", add_days(NOW, 2), update_modified=False
		)

		configure(auto_close_warn_days=0)
		process_stale_opportunities(now=NOW)
		self.assertEqual(status_of(qualifying), "Closed")
		self.assertEqual(status_of(open_one), "Closed")
		self.assertEqual(status_of(excluded_status), "Quotation")
		for name in (recent, commented, emailed, follow_up):
			self.assertNotEqual(status_of(name), "Closed", name)
			self.assertEqual(trail(name), ([], []), name)

	def test_activity_after_the_warning_saves_the_opportunity(self):
		name = stale()
		process_stale_opportunities(now=NOW)
		frappe.get_doc("Opportunity", name).add_comment("Comment", "Still interested")
		self.assertEqual(process_stale_opportunities(now=add_to_date(NOW, days=3, hours=1))["closed"], 0)
		self.assertEqual(status_of(name), "Replied")

	def test_mark_lost_with_reason_and_dates(self):
		make_lost_reason(LOST_REASON)
		configure(auto_close_warn_days=0, auto_close_action="Lost", auto_close_lost_reason=LOST_REASON)
		name = stale(transaction_date=add_days(NOW, -50))
		process_stale_opportunities(now=NOW)
		opportunity = frappe.get_doc("Opportunity", name)
		self.assertEqual(opportunity.status, "Lost")
		self.assertEqual([r.lost_reason for r in opportunity.lost_reasons], [LOST_REASON])
		self.assertEqual(getdate(opportunity.lost_date), getdate(NOW))
		self.assertEqual(opportunity.days_to_close, 50)

	def test_closing_closes_assignment_and_follow_up_event(self):
		owner = make_user("oppext-owner@example.com", ["Sales User"])
		opportunity = make_opportunity(
			opportunity_owner=owner, next_contact_date=add_days(NOW, 1), next_contact_by=owner
		)
		event = opportunity.follow_up_event
		frappe.db.set_value("Opportunity", opportunity.name, "status", "Replied", update_modified=False)
		configure(auto_close_warn_days=0)
		process_stale_opportunities(now=add_days(NOW, 45))
		self.assertEqual(status_of(opportunity.name), "Closed")
		self.assertEqual(frappe.db.get_value("Event", event, "status"), "Cancelled")
		self.assertFalse(
			frappe.db.exists("ToDo", {"reference_name": opportunity.name, "status": "Open"}),
			"the owner's assignment is closed",
		)

	def test_running_twice_closes_once(self):
		configure(auto_close_warn_days=0)
		names = [stale() for _ in range(3)]
		self.assertEqual(process_stale_opportunities(now=NOW, batch_size=2)["closed"], 3)
		self.assertEqual(process_stale_opportunities(now=NOW, batch_size=2)["closed"], 0)
		for name in names:
			versions, comments = trail(name)
			self.assertEqual((len(versions), len(comments)), (1, 1), name)

	def test_crash_half_way_loses_nothing(self):
		configure(auto_close_warn_days=0)
		names = [stale(idle_days=40 + i) for i in range(3)]  # oldest first: names[2], [1], [0]
		real_write = auto_close.write_audit_trail
		calls = []

		def crash_on_second_batch(rows, settings, now):
			calls.append(rows)
			if len(calls) == 2:
				raise SystemExit("worker killed")  # not an error of one row: the process dies
			return real_write(rows, settings, now)

		with patch.object(auto_close, "write_audit_trail", crash_on_second_batch):
			with self.assertRaises(SystemExit):
				process_stale_opportunities(now=NOW, batch_size=1)
		self.assertEqual([status_of(n) for n in names], ["Replied", "Replied", "Closed"])
		self.assertEqual(trail(names[1]), ([], []), "the failed batch left nothing behind")

		self.assertEqual(process_stale_opportunities(now=NOW, batch_size=1)["closed"], 2)
		for name in names:
			self.assertEqual(status_of(name), "Closed")
			versions, comments = trail(name)
			self.assertEqual((len(versions), len(comments)), (1, 1), name)

	def test_disabled_does_nothing(self):
		configure(auto_close_enabled=0)
		name = stale()
		self.assertEqual(process_stale_opportunities(now=add_days(NOW, 60)), {"warned": 0, "closed": 0})
		self.assertEqual(status_of(name), "Replied")

	def test_daily_job_runs_the_process(self):
		configure(auto_close_warn_days=0)
		name = stale()
		run_daily()
		self.assertEqual(status_of(name), "Closed")

	def test_stock_job_is_stopped_while_enabled(self):
		self.assertEqual(
			frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped"), 1
		)
		configure(auto_close_enabled=0)
		self.assertEqual(
			frappe.db.get_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped"), 0
		)

	def test_bad_settings_are_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "less than"):
			configure(auto_close_warn_days=30)
		with self.assertRaisesRegex(frappe.ValidationError, "Lost Reason"):
			configure(auto_close_action="Lost", auto_close_lost_reason=None)
		with self.assertRaisesRegex(frappe.ValidationError, "at least one status"):
			configure(statuses=())

	def test_only_managers_may_configure(self):
		make_user("oppext-seller@example.com", ["Sales User"])
		make_user("oppext-manager@example.com", ["Sales Manager"])
		with self.set_user("oppext-seller@example.com"):
			self.assertFalse(frappe.has_permission("Opportunity Settings", "read"))
			self.assertFalse(frappe.has_permission("Opportunity Settings", "write"))
		with self.set_user("oppext-manager@example.com"):
			self.assertTrue(frappe.has_permission("Opportunity Settings", "write"))
