"""Auto-close of stale opportunities, replacing ERPNext's daily `auto_close_opportunity`.

An opportunity is stale when nothing happened to it for the configured idle days: no
change (its `modified`), no communication and no comment, and no follow-up still to
come. Its owner is warned first; once the warning days pass with no activity, it is
marked Closed or Lost in batches, each batch one transaction that also writes the
version history and a comment, so a run killed half-way loses nothing and a second run
closes only what is left.
"""

import json

import frappe
from frappe import _
from frappe.query_builder import CustomFunction, Order
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_to_date, cint, get_datetime, getdate, now_datetime
from pypika.terms import ExistsCriterion, Field

from opportunity_ext.lifecycle import LOST_STATUS

SETTINGS = "Opportunity Settings"
STOCK_JOB_METHOD = "erpnext.crm.doctype.opportunity.opportunity.auto_close_opportunity"
BATCH_SIZE = 500
SAVEPOINT = "oppext_auto_close_batch"

DateDiff = CustomFunction("DATEDIFF", ["end", "start"])
Greatest = CustomFunction("GREATEST", ["a", "b"])


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


# --- ERPNext's own job ---------------------------------------------------------------------


def sync_stock_job() -> None:
	"""ERPNext's job and the app's never both act: theirs is stopped while ours is on."""
	stopped = 1 if get_settings().enabled else 0
	frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", stopped)


def restore_stock_job() -> None:
	frappe.db.set_value("Scheduled Job Type", {"method": STOCK_JOB_METHOD}, "stopped", 0)


# --- scheduling --------------------------------------------------------------------------------


def run_daily() -> None:
	"""Scheduler entry: the work goes to the long queue (inline in tests)."""
	if not get_settings().enabled:
		return
	frappe.enqueue(
		"opportunity_ext.auto_close.process_stale_opportunities",
		queue="long",
		job_id="opportunity_ext::auto_close",
		deduplicate=True,
		now=frappe.flags.in_test,
	)


def process_stale_opportunities(now=None, batch_size: int = BATCH_SIZE) -> dict:
	"""Warn the owners, then close what stayed idle past the warning. Returns the counts."""
	settings = get_settings()
	if not settings.enabled or not settings.statuses:
		return {"warned": 0, "closed": 0}
	now = get_datetime(now) if now else now_datetime()
	commit = not frappe.flags.in_test
	warned = closed = 0
	if settings.warn_days:
		warned = run_in_batches(
			lambda names=None: stale_to_warn(settings, now, names),
			lambda rows: warn(rows, settings, now),
			batch_size,
			commit,
		)
	closed = run_in_batches(
		lambda names=None: stale_to_close(settings, now, names),
		lambda rows: close(rows, settings, now),
		batch_size,
		commit,
	)
	return {"warned": warned, "closed": closed}


def run_in_batches(select, act, batch_size: int, commit: bool) -> int:
	"""One query finds the candidates; each batch re-checks and locks its own rows and is
	one transaction, acted on whole or not at all. Linear in the candidates: no batch
	scans the table again."""
	candidates = [row.name for row in select()]
	done = 0
	for start in range(0, len(candidates), batch_size):
		rows = select(candidates[start : start + batch_size])
		if not rows:
			continue
		frappe.db.savepoint(SAVEPOINT)
		try:
			act(rows)
		except Exception:
			frappe.db.rollback(save_point=SAVEPOINT)
			raise
		if commit:
			frappe.db.commit()
		done += len(rows)
	return done


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
	opportunity = frappe.qb.DocType("Opportunity")
	names = [row.name for row in rows]
	(
		frappe.qb.update(opportunity)
		.set(opportunity.auto_close_warned_on, now)
		.where(opportunity.name.isin(names))
		.run()
	)
	for row in rows:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": row.opportunity_owner or row.owner,
				"type": "Alert",
				"document_type": "Opportunity",
				"document_name": row.name,
				"subject": _(
					"Opportunity {0} ({1}) will be marked {2} in {3} days: it has had no activity."
				).format(row.name, row.title or "", _(settings.action), settings.warn_days),
			}
		).insert(ignore_permissions=True)


def close(rows: list[dict], settings, now) -> None:
	opportunity = frappe.qb.DocType("Opportunity")
	names = [row.name for row in rows]
	today = getdate(now)
	lost = settings.action == LOST_STATUS
	update = (
		frappe.qb.update(opportunity)
		.set(opportunity.status, settings.action)
		.set(opportunity.won_date, None)
		.set(opportunity.lost_date, today if lost else None)
		.set(
			opportunity.days_to_close,
			Greatest(DateDiff(today, opportunity.transaction_date), 0) if lost else 0,
		)
		.set(opportunity.modified, now)
		.set(opportunity.modified_by, frappe.session.user)
		.set(Field("_assign", table=opportunity), "[]")  # its assignments are closed below
		.where(opportunity.name.isin(names) & opportunity.status.isin(settings.statuses))
	)
	update.run()
	if lost:
		replace_lost_reasons(names, settings.lost_reason, now)
	write_audit_trail(rows, settings, now)
	close_assignments_and_events(rows, now)


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
	today = getdate(now)
	versions, comments = [], []
	reason = _("Marked {0} automatically: no activity for {1} days.").format(
		_(settings.action), settings.idle_days
	)
	for row in rows:
		changed = [["status", row.status, settings.action]]
		if lost:
			days = max((today - getdate(row.transaction_date)).days, 0) if row.transaction_date else 0
			changed += [["lost_date", None, str(today)], ["days_to_close", 0, days]]
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


def close_assignments_and_events(rows: list[dict], now) -> None:
	"""As a save of a closed opportunity would: its open ToDos closed, its follow-up cancelled."""
	todo, event = frappe.qb.DocType("ToDo"), frappe.qb.DocType("Event")
	names = [row.name for row in rows]
	(
		frappe.qb.update(todo)
		.set(todo.status, "Closed")
		.set(todo.modified, now)
		.where(
			(todo.reference_type == "Opportunity") & todo.reference_name.isin(names) & (todo.status == "Open")
		)
		.run()
	)
	events = [row.follow_up_event for row in rows if row.follow_up_event]
	if events:
		(
			frappe.qb.update(event)
			.set(event.status, "Cancelled")
			.set(event.modified, now)
			.where(event.name.isin(events) & (event.status == "Open"))
			.run()
		)
