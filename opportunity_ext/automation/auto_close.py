"""Auto-close of stale opportunities, replacing ERPNext's daily `auto_close_opportunity`.

An opportunity is stale when nothing happened to it for the configured idle days: no
change (its `modified`), no communication and no comment, and no follow-up still to
come. Its owner is warned first (when the settings ask for it); once the warning days pass
with no activity, it is closed the way ERPNext's own job closes it: loaded, given the new
status and saved. The save does the rest, as it does for a user (dates, forecast
category, stalled flag, history, version, assignments, follow-up event, Server Scripts,
Notifications, other apps' hooks).

The job runs in the long queue, commits every batch, logs a row that fails (Error Log)
and goes on, publishes its progress, and leaves the run's summary in Opportunity Settings.
"""

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_to_date, cint, get_datetime, now_datetime
from pypika.terms import ExistsCriterion

from opportunity_ext.automation.assignment import owners_of
from opportunity_ext.constants import LOST_STATUS, SETTINGS
from opportunity_ext.utils.jobs import save_each

BATCH_SIZE = 500
SAVEPOINT = "oppext_auto_close"  # the owners' warnings


def get_settings() -> frappe._dict:
	settings = frappe.get_cached_doc(SETTINGS)
	return frappe._dict(
		enabled=cint(settings.auto_close_enabled),
		idle_days=cint(settings.auto_close_after_days),
		warn_days=cint(settings.auto_close_warn_days),
		action=settings.auto_close_action or "Closed",
		lost_reason=settings.auto_close_lost_reason,
		statuses=[row.status for row in settings.auto_close_statuses],
	)


# --- scheduling --------------------------------------------------------------------------------


def run_daily() -> None:
	"""Scheduler entry: the work goes to the long queue (inline in tests)."""
	if not get_settings().enabled:
		return
	frappe.enqueue(
		"opportunity_ext.automation.auto_close.process_stale_opportunities",
		queue="long",
		timeout=4 * 3600,
		job_id="opportunity_ext::auto_close",
		deduplicate=True,
		now=frappe.flags.in_test,
	)


def process_stale_opportunities(now=None, batch_size: int = BATCH_SIZE) -> dict:
	"""Warn the owners, then close what stayed idle past the warning. Returns the counts
	and the opportunities that failed (each also in the Error Log); the same summary is
	kept in Opportunity Settings."""
	settings = get_settings()
	summary = {"warned": 0, "closed": 0}
	if not settings.enabled or not settings.statuses:
		return summary
	now = get_datetime(now) if now else now_datetime()
	failed = []
	if settings.warn_days:
		frappe.db.savepoint(SAVEPOINT)
		try:
			summary["warned"] = warn(stale_to_warn(settings, now), settings, now)
		except Exception:
			# the warnings failing must not keep stale opportunities open for ever
			frappe.db.rollback(save_point=SAVEPOINT)
			frappe.log_error(title=_("Opportunity auto-close: warning the owners failed"))
	summary["closed"] = close_all(settings, now, batch_size, failed)
	if failed:
		summary["failed"] = failed
	keep_summary(summary, now)
	return summary


def close_all(settings, now, batch_size: int, failed: list[str]) -> int:
	"""The candidates, each loaded and saved with its new status, in batches committed one by
	one; a batch's candidates read again just before it (activity since keeps one open)."""
	candidates = [row.name for row in stale_to_close(settings, now)]
	done = save_each(
		"Opportunity",
		candidates,
		change=lambda doc: close(doc, settings),
		why=_("via auto-close: no activity for {0} days", site_language()).format(settings.idle_days),
		batch_size=batch_size,
		still_due=lambda batch: [row.name for row in stale_to_close(settings, now, batch)],
	)
	failed.extend(done["failed"])
	return len(done["saved"])


def close(doc, settings) -> None:
	"""As ERPNext's job: the new status (and the lost reason when marked Lost); saved by
	save_each."""
	doc.status = settings.action
	if settings.action == LOST_STATUS and settings.lost_reason not in {
		r.lost_reason for r in doc.lost_reasons
	}:
		doc.append("lost_reasons", {"lost_reason": settings.lost_reason})


def keep_summary(summary: dict, now) -> None:
	"""The last run, read-only in Opportunity Settings (the failures are in the Error Log)."""
	frappe.db.set_single_value(
		SETTINGS,
		{
			"auto_close_last_run_on": now,
			"auto_close_last_run_warned": summary["warned"],
			"auto_close_last_run_closed": summary["closed"],
			"auto_close_last_run_failed": len(summary.get("failed", ())),
		},
	)
	if not frappe.flags.in_test:
		frappe.db.commit()


def site_language() -> str:
	return frappe.db.get_default("lang") or "en"


# --- which opportunities -----------------------------------------------------------------------


def activity_since(opportunity, moment):
	"""Criterion: a change, a communication or a comment on the opportunity at or after `moment`."""
	communication, comment = frappe.qb.DocType("Communication"), frappe.qb.DocType("Comment")
	communicated = ExistsCriterion(
		frappe.qb.from_(communication)
		.select(communication.name)
		.where(
			(communication.reference_doctype == "Opportunity")
			& (communication.reference_name == opportunity.name)
			& (communication.communication_date >= moment)
		)
	)
	commented = ExistsCriterion(
		frappe.qb.from_(comment)
		.select(comment.name)
		.where(
			(comment.reference_doctype == "Opportunity")
			& (comment.reference_name == opportunity.name)
			& (comment.comment_type == "Comment")
			& (comment.creation >= moment)
		)
	)
	return (opportunity.modified >= moment) | communicated | commented


def stale_query(settings, now, idle_days: int, names: list[str] | None):
	"""Stale opportunities; among `names` when given."""
	opportunity = frappe.qb.DocType("Opportunity")
	idle_since = add_to_date(now, days=-idle_days)
	query = (
		frappe.qb.from_(opportunity)
		.select(opportunity.name, opportunity.title, opportunity.owner, opportunity.opportunity_owner)
		.where(
			opportunity.status.isin(settings.statuses)
			# cheap and indexed first: nothing changed since; the EXISTS checks follow
			& (opportunity.modified < idle_since)
			& (Coalesce(opportunity.next_contact_date, "1900-01-01") < now)
			& ~activity_since(opportunity, idle_since)
		)
		.orderby(opportunity.modified, order=Order.asc)
	)
	if names is not None:
		query = query.where(opportunity.name.isin(names))
	return query, opportunity


def stale_to_warn(settings, now, names=None) -> list[dict]:
	query, opportunity = stale_query(settings, now, settings.idle_days - settings.warn_days, names)
	warned_at = opportunity.auto_close_warned_on
	# not warned yet, or active again since the last warning
	query = query.where(warned_at.isnull() | activity_since(opportunity, warned_at))
	return query.run(as_dict=True)


def stale_to_close(settings, now, names=None) -> list[dict]:
	query, opportunity = stale_query(settings, now, settings.idle_days, names)
	if settings.warn_days:
		warned_at = opportunity.auto_close_warned_on
		query = query.where(
			warned_at.isnotnull()
			& (warned_at <= add_to_date(now, days=-settings.warn_days))
			& ~activity_since(opportunity, warned_at)
		)
	return query.run(as_dict=True)


# --- the warning -------------------------------------------------------------------------------


def warn(rows: list[dict], settings, now) -> int:
	"""One notification per owner, in the owner's language, listing their opportunities:
	turning the job on over a backlog doesn't flood anyone. The moment of the warning is
	bookkeeping, not a change of the deal: stored without touching `modified` (which
	would count as activity)."""
	if not rows:
		return 0
	opportunity = frappe.qb.DocType("Opportunity")
	(
		frappe.qb.update(opportunity)
		.set(opportunity.auto_close_warned_on, now)
		.where(opportunity.name.isin([row.name for row in rows]))
		.run()
	)
	owners = owners_of(rows)
	languages = dict(
		frappe.get_all(
			"User", filters={"name": ("in", list(owners))}, fields=["name", "language"], as_list=True
		)
	)
	for user, owned in owners.items():
		lang = languages.get(user) or site_language()
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "Opportunity",
				"document_name": owned[0].name,
				"subject": _(
					"{0} of your opportunities will be marked {1} in {2} days: they have had no activity.",
					lang,
				).format(len(owned), _(settings.action, lang), settings.warn_days),
				"email_content": "<br>".join(
					frappe.utils.escape_html(f"{row.name}: {row.title or ''}") for row in owned
				),
			}
		).insert(ignore_permissions=True)
	if not frappe.flags.in_test:
		frappe.db.commit()
	return len(rows)
