"""Auto-close of stale opportunities, replacing ERPNext's daily `auto_close_opportunity`.

An opportunity is stale when nothing happened to it for the configured idle days: no
change (its `modified`), no communication and no comment, and no follow-up still to
come. Its owner is warned first; once the warning days pass with no activity, it is
marked Closed or Lost in batches, each batch one transaction that also writes the
version history and a comment, so a run killed half-way loses nothing and a second run
closes only what is left.
"""

import functools
import json

import frappe
from frappe import _
from frappe.query_builder import Case, Order
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_to_date, cint, get_datetime, getdate, now_datetime
from pypika.terms import ExistsCriterion

from opportunity_ext.automation.assignment import close_assignments, owners_of
from opportunity_ext.automation.follow_up import cancel_follow_up_events
from opportunity_ext.constants import LOST_STATUS, SETTINGS
from opportunity_ext.lifecycle import history
from opportunity_ext.lifecycle.rules import closing_dates

BATCH_SIZE = 500
SAVEPOINT = "oppext_auto_close_batch"


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
		job_id="opportunity_ext::auto_close",
		deduplicate=True,
		now=frappe.flags.in_test,
	)


def process_stale_opportunities(now=None, batch_size: int = BATCH_SIZE) -> dict:
	"""Warn the owners, then close what stayed idle past the warning. Returns the counts
	and the opportunities that failed (each also in the Error Log)."""
	settings = get_settings()
	if not settings.enabled or not settings.statuses:
		return {"warned": 0, "closed": 0}
	now = get_datetime(now) if now else now_datetime()
	commit = not frappe.flags.in_test
	failed = []
	warned = closed = 0
	batches = functools.partial(run_in_batches, batch_size=batch_size, commit=commit, failed=failed)
	if settings.warn_days:
		try:
			warned = batches(
				lambda names=None: stale_to_warn(settings, now, names), lambda rows: warn(rows, settings, now)
			)
		except Exception:
			# the warnings failing must not keep stale opportunities open for ever
			frappe.log_error(title=_("Opportunity auto-close: warning the owners failed"))
	closed = batches(
		lambda names=None: stale_to_close(settings, now, names), lambda rows: close(rows, settings, now)
	)
	summary = {"warned": warned, "closed": closed}
	if failed:
		summary["failed"] = failed
	return summary


def run_in_batches(select, act, batch_size: int, commit: bool, failed: list[str]) -> int:
	"""One query finds the candidates; each batch re-checks and locks its own rows and is
	one transaction, acted on whole or not at all. Linear in the candidates: no batch
	scans the table again. A batch that fails is done again a row at a time, so one bad
	opportunity (a lock timeout, a broken row) is skipped and logged, never blocking the rest."""
	candidates = [row.name for row in select()]
	done = 0
	for start in range(0, len(candidates), batch_size):
		names = candidates[start : start + batch_size]
		try:
			done += act_atomically(select, act, names)
		except Exception:
			for name in names:
				try:
					done += act_atomically(select, act, [name])
				except Exception:
					failed.append(name)
					frappe.log_error(
						title=_("Opportunity auto-close failed for {0}").format(name),
						reference_doctype="Opportunity",
						reference_name=name,
					)
		if commit:
			frappe.db.commit()
	return done


def act_atomically(select, act, names: list[str]) -> int:
	"""Lock and act on the opportunities among `names` that still qualify, all or nothing."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		rows = select(names)
		if rows:
			act(rows)
	except BaseException:  # also a dying worker: no half-done batch stays in the transaction
		frappe.db.rollback(save_point=SAVEPOINT)
		raise
	return len(rows)


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
	"""Stale opportunities; among `names` (locked for the batch) when given."""
	opportunity = frappe.qb.DocType("Opportunity")
	idle_since = add_to_date(now, days=-idle_days)
	query = (
		frappe.qb.from_(opportunity)
		.select(
			opportunity.name,
			opportunity.status,
			opportunity.title,
			opportunity.owner,
			opportunity.opportunity_owner,
			opportunity.transaction_date,
			opportunity.follow_up_event,
		)
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
		query = query.where(opportunity.name.isin(names)).for_update()
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


# --- what is done to them ----------------------------------------------------------------------


def warn(rows: list[dict], settings, now) -> None:
	"""One notification per owner, listing their opportunities: turning the job on over a
	backlog doesn't flood anyone."""
	opportunity = frappe.qb.DocType("Opportunity")
	(
		frappe.qb.update(opportunity)
		.set(opportunity.auto_close_warned_on, now)
		.where(opportunity.name.isin([row.name for row in rows]))
		.run()
	)
	for user, owned in owners_of(rows).items():
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "Opportunity",
				"document_name": owned[0].name,
				"subject": _(
					"{0} of your opportunities will be marked {1} in {2} days: they have had no activity."
				).format(len(owned), _(settings.action), settings.warn_days),
				"email_content": "<br>".join(
					frappe.utils.escape_html(f"{row.name}: {row.title or ''}") for row in owned
				),
			}
		).insert(ignore_permissions=True)


def close(rows: list[dict], settings, now) -> None:
	"""What a save of each opportunity with the new status would do, written in bulk."""
	opportunity = frappe.qb.DocType("Opportunity")
	names = [row.name for row in rows]
	days_to_close = Case()
	for row in rows:
		row.closing = closing_dates_of(row, settings.action, now)
		days_to_close = days_to_close.when(opportunity.name == row.name, row.closing["days_to_close"])
	(
		frappe.qb.update(opportunity)
		.set(opportunity.status, settings.action)
		.set(opportunity.won_date, None)
		.set(opportunity.lost_date, getdate(now) if settings.action == LOST_STATUS else None)
		.set(opportunity.days_to_close, days_to_close.else_(0))
		.set(opportunity.modified, now)
		.set(opportunity.modified_by, frappe.session.user)
		.where(opportunity.name.isin(names) & opportunity.status.isin(settings.statuses))
		.run()
	)
	if settings.action == LOST_STATUS:
		replace_lost_reasons(names, settings.lost_reason, now)
	write_audit_trail(rows, settings, now)
	history.insert_history(
		[
			history_row
			for row in rows
			for history_row in history.history_rows(
				row.name, [("status", row.status, settings.action)], now, frappe.session.user
			)
		]
	)
	close_assignments(names, now)
	cancel_follow_up_events([row.follow_up_event for row in rows if row.follow_up_event], now)


def closing_dates_of(row, status: str, now) -> dict:
	"""The dates a save would stamp (the same rule as the form's)."""
	return closing_dates(
		status,
		row.status,
		None,
		None,
		getdate(now),
		getdate(row.transaction_date) if row.transaction_date else None,
	)


def replace_lost_reasons(names: list[str], lost_reason: str, now) -> None:
	frappe.db.delete("Opportunity Lost Reason Detail", {"parenttype": "Opportunity", "parent": ("in", names)})
	frappe.db.bulk_insert(
		"Opportunity Lost Reason Detail",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"lost_reason",
		],
		[
			(
				frappe.generate_hash(length=10),
				now,
				now,
				frappe.session.user,
				frappe.session.user,
				name,
				"Opportunity",
				"lost_reasons",
				1,
				lost_reason,
			)  # fmt: skip
			for name in names
		],
	)


def write_audit_trail(rows: list[dict], settings, now) -> None:
	"""What a save would have left: a Version per opportunity, and a comment saying why."""
	user = frappe.session.user
	lost = settings.action == LOST_STATUS
	versions, comments = [], []
	reason = _("Marked {0} automatically: no activity for {1} days.").format(
		_(settings.action), settings.idle_days
	)
	for row in rows:
		changed = [["status", row.status, settings.action]]
		if lost:
			stamped = row.closing  # set by close()
			changed += [
				["lost_date", None, str(stamped["lost_date"])],
				["days_to_close", 0, stamped["days_to_close"]],
			]
		data = {"changed": changed, "added": [], "removed": [], "row_changed": [], "data_import": None}
		if lost:
			data["added"] = [["lost_reasons", {"lost_reason": settings.lost_reason}]]
		versions.append(
			(frappe.generate_hash(length=10), now, now, user, user, "Opportunity", row.name, json.dumps(data))
		)
		comments.append(
			(
				frappe.generate_hash(length=10),
				now,
				now,
				user,
				user,
				"Info",
				"Opportunity",
				row.name,
				reason,
				user,
			)
		)
	frappe.db.bulk_insert(
		"Version",
		["name", "creation", "modified", "owner", "modified_by", "ref_doctype", "docname", "data"],
		versions,
	)
	frappe.db.bulk_insert(
		"Comment",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"comment_type",
			"reference_doctype",
			"reference_name",
			"content",
			"comment_email",
		],  # fmt: skip
		comments,
	)
