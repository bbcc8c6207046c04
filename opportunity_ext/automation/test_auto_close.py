"""Auto-close of stale opportunities: who qualifies, warn then close, each close a real save
(hooks, Server Scripts, forecast, stalled flag, version), idempotence, a crash half-way, one
bad row skipped, the run's summary, and who may configure it."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, get_datetime, getdate, now_datetime

from opportunity_ext.automation import auto_close
from opportunity_ext.automation.auto_close import process_stale_opportunities, run_daily
from opportunity_ext.setup.stock_job import STOCK_JOB_METHOD
from opportunity_ext.tests.utils import make_customer, make_lost_reason, make_opportunity, make_user

PERSIAN, THAI = "fa", "th"  # as variables: a literal second argument reads as a context to the extractor
NOW = get_datetime(now_datetime()).replace(microsecond=0)
LOST_REASON = "_OppExt No Response"
WARNING = "{0} of your opportunities will be marked {1} in {2} days: they have had no activity."


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
	"""The status changes in the opportunity's Versions, and why the auto-close says it made them."""
	versions = [
		json.loads(data)
		for data in frappe.get_all(
			"Version", filters={"ref_doctype": "Opportunity", "docname": name}, pluck="data"
		)
	]
	changes = [change for data in versions for change in data.get("changed", []) if change[0] == "status"]
	reasons = [
		data["updater_reference"]["label"]
		for data in versions
		if (data.get("updater_reference") or {}).get("doctype") == "Opportunity Settings"
	]
	return changes, reasons


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
		changes, reasons = trail(name)
		self.assertEqual(changes, [["status", "Replied", "Closed"]])
		self.assertEqual(len(reasons), 1)
		self.assertIn("30 days", reasons[0])

	def test_the_owner_is_warned_in_their_own_language(self):
		owner = make_user("oppext-owner-fa@example.com", ["Sales User"])
		frappe.db.set_value("User", owner, "language", PERSIAN)
		name = stale(opportunity_owner=owner, title="<b>Pumps</b> & valves")
		process_stale_opportunities(now=NOW)
		log = frappe.get_all(
			"Notification Log",
			filters={"for_user": owner, "document_name": name},
			fields=["subject", "email_content"],
		)[0]
		self.assertEqual(log.subject, frappe._(WARNING, PERSIAN).format(1, frappe._("Closed", PERSIAN), 3))
		self.assertNotEqual(log.subject, WARNING.format(1, "Closed", 3), "not in the job's language")
		self.assertNotIn("<b>", log.email_content, "the title is escaped")
		title = frappe.db.get_value("Opportunity", name, "title")
		self.assertIn(frappe.utils.escape_html(f"{name}: {title}"), log.email_content)

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

	def test_a_closed_deal_leaves_the_forecast_and_is_no_longer_stalled(self):
		configure(auto_close_warn_days=0)
		name = stale()
		frappe.db.set_value(
			"Opportunity", name, {"forecast_category": "Commit", "is_stalled": 1}, update_modified=False
		)
		process_stale_opportunities(now=NOW)
		self.assertEqual(
			frappe.db.get_value("Opportunity", name, ["status", "forecast_category", "is_stalled"]),
			("Closed", "Omitted", 0),
		)

	def test_a_server_script_on_after_save_sees_the_auto_close(self):
		"""Whatever other apps and admins hook on the opportunity's save sees the close: a
		Server Script (After Save), and any doc_event."""
		configure(auto_close_warn_days=0)
		name = stale()
		seen = []

		def on_update(doc, method=None):
			seen.append((doc.name, doc.status, doc.get_doc_before_save().status))

		hooks = frappe.get_doc_hooks()
		spied = {**hooks, "Opportunity": {**hooks.get("Opportunity", {})}}
		spied["Opportunity"]["on_update"] = [*spied["Opportunity"].get("on_update", []), "spy"]
		real_get_attr = frappe.get_attr
		with (
			patch.object(frappe, "get_doc_hooks", return_value=spied),
			patch.object(
				frappe, "get_attr", lambda path: on_update if path == "spy" else real_get_attr(path)
			),
		):
			process_stale_opportunities(now=NOW)
		self.assertEqual(seen, [(name, "Closed", "Replied")])

		with (
			patch("frappe.utils.safe_exec.is_safe_exec_enabled", return_value=True),
			patch("frappe.core.doctype.server_script.server_script.is_safe_exec_enabled", return_value=True),
		):
			script = frappe.get_doc(
				{
					"doctype": "Server Script",
					"name": "_OppExt Auto-close Witness",
					"script_type": "DocType Event",
					"reference_doctype": "Opportunity",
					"doctype_event": "After Save",
					"script": 'if doc.status == "Closed":\n\tdoc.add_comment("Comment", "witnessed the close")',
				}
			).insert(ignore_permissions=True)
			self.addCleanup(frappe.cache.delete_value, "server_script_map")
			other = stale()
			process_stale_opportunities(now=NOW)
			script.delete()
		self.assertEqual(status_of(other), "Closed")
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{"reference_name": other, "comment_type": "Comment", "content": "witnessed the close"},
			)
		)

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
			changes, reasons = trail(name)
			self.assertEqual((len(changes), len(reasons)), (1, 1), name)

	def test_crash_half_way_loses_nothing(self):
		configure(auto_close_warn_days=0)
		names = [stale(idle_days=40 + i) for i in range(3)]  # oldest first: names[2], [1], [0]
		real_close = auto_close.close
		calls = []

		def crash_on_second(doc, settings):
			calls.append(doc.name)
			if len(calls) == 2:
				raise SystemExit("worker killed")  # not an error of one row: the process dies
			return real_close(doc, settings)

		with patch.object(auto_close, "close", crash_on_second):
			with self.assertRaises(SystemExit):
				process_stale_opportunities(now=NOW, batch_size=1)
		self.assertEqual([status_of(n) for n in names], ["Replied", "Replied", "Closed"])
		self.assertEqual(trail(names[1]), ([], []), "the failed one left nothing behind")

		self.assertEqual(process_stale_opportunities(now=NOW, batch_size=1)["closed"], 2)
		for name in names:
			self.assertEqual(status_of(name), "Closed")
			changes, reasons = trail(name)
			self.assertEqual((len(changes), len(reasons)), (1, 1), name)

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


class TestAutoCloseResilience(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_auto_close_resilience")
		self.addCleanup(frappe.db.rollback, save_point="oppext_auto_close_resilience")
		settings = frappe.get_single("Opportunity Settings")
		settings.update({"auto_close_enabled": 1, "auto_close_after_days": 30, "auto_close_warn_days": 3})
		settings.set("auto_close_statuses", [{"status": "Replied"}])
		settings.save()
		frappe.db.delete("Opportunity", {"status": ("in", ("Open", "Replied", "Quotation"))})
		self.owner = make_user("oppext-digest-owner@example.com", ["Sales User"])

	def stale(self, **kwargs) -> str:
		name = make_opportunity(make_customer("_OppExt Stale Customer"), **kwargs).name
		frappe.db.set_value(
			"Opportunity",
			name,
			{"status": "Replied", "modified": frappe.utils.add_days(frappe.utils.now_datetime(), -40)},
			update_modified=False,
		)
		return name

	def no_warning(self):
		frappe.db.set_single_value("Opportunity Settings", "auto_close_warn_days", 0)
		frappe.clear_document_cache("Opportunity Settings", "Opportunity Settings")

	def test_one_digest_per_owner(self):
		names = [self.stale(opportunity_owner=self.owner) for _ in range(3)]
		self.assertEqual(auto_close.process_stale_opportunities()["warned"], 3)
		digests = frappe.get_all(
			"Notification Log", filters={"for_user": self.owner, "type": "Alert"}, pluck="subject"
		)
		self.assertEqual(len(digests), 1)
		self.assertIn("3", digests[0])
		self.assertTrue(all(frappe.db.get_value("Opportunity", n, "auto_close_warned_on") for n in names))

	def test_one_failing_opportunity_is_skipped_and_logged(self):
		self.no_warning()
		good, bad, also_good = (self.stale() for _ in range(3))
		real_close = auto_close.close

		def close_failing_on_bad(doc, settings):
			real_close(doc, settings)  # half done when it fails: rolled back
			if doc.name == bad:
				raise frappe.QueryTimeoutError("Lock wait timeout exceeded")

		with patch.object(auto_close, "close", close_failing_on_bad):
			summary = auto_close.process_stale_opportunities(batch_size=10)
		self.assertEqual(summary["closed"], 2)
		self.assertEqual(summary["failed"], [bad])
		statuses = [frappe.db.get_value("Opportunity", n, "status") for n in (good, bad, also_good)]
		self.assertEqual(statuses, ["Closed", "Replied", "Closed"])
		self.assertTrue(frappe.db.exists("Error Log", {"reference_name": bad}))

	def test_a_deal_whose_save_fails_on_its_own_data_is_skipped(self):
		"""A real save checks the document: one that no longer passes is logged, not closed,
		and the others are closed."""
		self.no_warning()
		good = self.stale()
		broken = self.stale()
		frappe.db.set_value("Opportunity", broken, "probability", 150, update_modified=False)
		summary = auto_close.process_stale_opportunities()
		self.assertEqual((summary["closed"], summary["failed"]), (1, [broken]))
		self.assertEqual(frappe.db.get_value("Opportunity", good, "status"), "Closed")
		self.assertEqual(frappe.db.get_value("Opportunity", broken, "status"), "Replied")

	def test_the_run_is_summed_up_in_the_settings(self):
		self.no_warning()
		self.stale()
		self.stale()
		broken = self.stale()
		frappe.db.set_value("Opportunity", broken, "probability", 150, update_modified=False)
		auto_close.process_stale_opportunities()
		settings = frappe.get_single("Opportunity Settings")
		self.assertEqual((settings.auto_close_last_run_closed, settings.auto_close_last_run_failed), (2, 1))
		self.assertTrue(settings.auto_close_last_run_on)
		for field in ("auto_close_last_run_on", "auto_close_last_run_closed", "auto_close_last_run_failed"):
			self.assertTrue(settings.meta.get_field(field).read_only, field)

	def test_warnings_failing_do_not_stop_the_closing(self):
		ready = self.stale()
		frappe.db.set_value(
			"Opportunity",
			ready,
			"auto_close_warned_on",
			frappe.utils.add_days(frappe.utils.now_datetime(), -5),
		)
		frappe.db.set_value(
			"Opportunity",
			ready,
			"modified",
			frappe.utils.add_days(frappe.utils.now_datetime(), -40),
			update_modified=False,
		)
		self.stale()  # still to be warned
		with patch.object(auto_close, "stale_to_warn", side_effect=RuntimeError("broken")):
			summary = auto_close.process_stale_opportunities()
		self.assertEqual(summary["closed"], 1)
		self.assertEqual(frappe.db.get_value("Opportunity", ready, "status"), "Closed")
