"""Every change of the tracked fields recorded once, in the indexed *Opportunity History*
table, and a row per deal and stage in *Opportunity Stage Log* (when it entered and left
the stage, the days spent there, whether it went on to a later stage), kept on write.

Saves (form, REST, list bulk edit, Kanban drag, Data Import) and ERPNext's status updates
(`set_status(update=True)`, a `db_set`) all run the opportunity's `on_change`: there the
opportunity's values are compared with what its history last recorded, so a change is
recorded exactly once whichever path made it.
"""

import itertools
import random
import time
from contextlib import contextmanager

import frappe
from frappe.utils import flt, get_datetime, getdate, now_datetime

from opportunity_ext.lifecycle.funnel import stages_before
from opportunity_ext.utils.bulk import insert_rows

HISTORY = "Opportunity History"
STAGE_LOG = "Opportunity Stage Log"
STAGE = "sales_stage"
TRACKED_FIELDS = ("sales_stage", "status", "opportunity_amount", "probability", "expected_closing")
# the columns every row of the history and the stage log starts with
BASE_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "opportunity")
ROW_FIELDS = (
	*BASE_FIELDS,
	"changed_on",
	"changed_by",
	"field",
	"from_value",
	"to_value",
	"days_in_previous_stage",
)
STAGE_LOG_FIELDS = (
	*BASE_FIELDS,
	"sales_stage",
	"entered_on",
	"last_entered_on",
	"left_on",
	"days_in_stage",
	"advanced",
)


# --- pure rules ----------------------------------------------------------------------------------


def as_text(field: str, value) -> str | None:
	"""A tracked value as the history stores it: amounts and percentages without trailing
	zeros, dates as ISO, empty as None."""
	if value in (None, ""):
		return None
	if field in ("opportunity_amount", "probability"):
		# every digit kept, never an exponent ("1.23457e+06" for a million with `:g`)
		return f"{flt(value):.9f}".rstrip("0").rstrip(".") if flt(value) else None
	if field == "expected_closing":
		return str(getdate(value))
	return str(value)


def changes(recorded: dict, current: dict) -> list[tuple[str, str | None, str | None]]:
	"""(field, from, to) of each tracked field whose value differs from what was recorded."""
	found = []
	for field in TRACKED_FIELDS:
		before, now = recorded.get(field), as_text(field, current.get(field))
		if before != now:
			found.append((field, before, now))
	return found


def days_between(start, end) -> float:
	return round((get_datetime(end) - get_datetime(start)).total_seconds() / 86400, 2)


_sequence = itertools.count()


def sortable_name() -> str:
	"""A time-ordered name: rows are appended at the end of the primary key instead of at
	random places in it, which keeps writes fast once the table outgrows memory."""
	return f"{time.time_ns():x}{next(_sequence) % 4096:03x}{random.getrandbits(8):02x}"


def history_rows(opportunity: str, found: list, at, user: str, stage_entered_on=None) -> list[tuple]:
	"""Rows for `found` changes, in ROW_FIELDS order; a stage change carries the days spent
	in the stage it left."""
	rows = []
	for field, before, after in found:
		days = days_between(stage_entered_on, at) if field == STAGE and before and stage_entered_on else 0
		rows.append((sortable_name(), at, at, user, user, opportunity, at, user, field, before, after, days))
	return rows


def insert_history(rows: list[tuple]) -> None:
	"""The one writer of history rows (live recording and the backfill)."""
	insert_rows(HISTORY, ROW_FIELDS, rows)


# --- the moment recorded -----------------------------------------------------------------------


@contextmanager
def recorded_at(when):
	"""Changes saved inside the block are recorded as made at `when` instead of now (for
	demo data and imports of deals that moved through their stages in the past):

		with recorded_at("2026-03-02 09:00"):
			opportunity.save()
	"""
	previous = frappe.flags.get("opportunity_history_at")
	frappe.flags.opportunity_history_at = get_datetime(when)
	try:
		yield
	finally:
		frappe.flags.opportunity_history_at = previous


def recording_time():
	return frappe.flags.get("opportunity_history_at") or now_datetime()


# --- live recording ---------------------------------------------------------------------------


def recorded_values(opportunity: str) -> dict:
	"""The latest recorded value of each tracked field."""
	history = frappe.qb.DocType(HISTORY)
	rows = (
		frappe.qb.from_(history)
		.select(history.field, history.to_value)
		.where(history.opportunity == opportunity)
		.orderby(history.changed_on, order=frappe.qb.desc)
		.orderby(history.creation, order=frappe.qb.desc)
		.run()
	)
	latest = {}
	for field, value in rows:
		latest.setdefault(field, value)
	return latest


def record_changes(doc) -> None:
	"""on_change of Opportunity: whatever changed since the last record, recorded once."""
	from opportunity_ext.lifecycle.history.stalled import refresh_stalled

	found = changes(recorded_values(doc.name), doc.as_dict())
	if not found:
		return
	at = recording_time()
	entered = doc.get("stage_entered_on") or doc.creation
	insert_history(history_rows(doc.name, found, at, frappe.session.user, entered))
	for field, before, after in found:
		if field == STAGE:
			log_stage_change(doc.name, before, after, at)
			frappe.db.set_value("Opportunity", doc.name, "stage_entered_on", at, update_modified=False)
			doc.stage_entered_on = at
	refresh_stalled(doc)


# --- a row per deal and stage --------------------------------------------------------------------


def log_stage_change(opportunity: str, left: str | None, entered: str | None, at) -> None:
	"""The deal's stage log after it moved from `left` to `entered` at `at`: the stage left
	gains the days of this visit, the stage entered is logged once however often it is
	entered, and the stages of the funnel before it are marked as advanced from."""
	user = frappe.session.user
	if left:
		row = frappe.db.get_value(
			STAGE_LOG,
			{"opportunity": opportunity, "sales_stage": left},
			["name", "last_entered_on", "days_in_stage"],
			as_dict=True,
		)
		if row:
			frappe.db.set_value(
				STAGE_LOG,
				row.name,
				{
					"left_on": at,
					"days_in_stage": round(flt(row.days_in_stage) + days_between(row.last_entered_on, at), 2),
				},
				update_modified=False,
			)
	if not entered:
		return
	again = frappe.db.get_value(STAGE_LOG, {"opportunity": opportunity, "sales_stage": entered})
	if again:  # back in a stage it had left: this visit counts from now
		frappe.db.set_value(STAGE_LOG, again, "last_entered_on", at, update_modified=False)
	else:
		insert_stage_log([stage_log_row(opportunity, entered, at, user)])
	earlier = stages_before(entered)
	if earlier:
		log = frappe.qb.DocType(STAGE_LOG)
		(
			frappe.qb.update(log)
			.set(log.advanced, 1)
			.where((log.opportunity == opportunity) & log.sales_stage.isin(earlier) & (log.advanced == 0))
			.run()
		)


def stage_log_row(opportunity: str, stage: str, at, user: str) -> tuple:
	"""A new stage log row, in STAGE_LOG_FIELDS order."""
	return (sortable_name(), at, at, user, user, opportunity, stage, at, at, None, 0, 0)


def insert_stage_log(rows: list[tuple]) -> None:
	insert_rows(STAGE_LOG, STAGE_LOG_FIELDS, rows)


def stage_log_rows(stage_changes: list[tuple], positions: dict[str, int]) -> list[tuple]:
	"""The stage log a deal's stage changes give, as live recording keeps it: from
	(opportunity, changed_on, changed_by, from_value, to_value) oldest first, rows in
	STAGE_LOG_FIELDS order (for the backfill and for rebuilding the log from the history)."""
	logged = {}
	for opportunity, at, user, _left, entered in stage_changes:
		for row in logged.values():  # the stage it leaves (the one it is in)
			if row["in_stage"]:
				row["days_in_stage"] += days_between(row["last_entered_on"], at)
				row["left_on"], row["in_stage"] = at, False
		if not entered:
			continue
		if entered in logged:
			logged[entered].update(last_entered_on=at, in_stage=True)
		else:
			logged[entered] = dict(
				opportunity=opportunity, user=user, entered_on=at, last_entered_on=at, left_on=None,
				days_in_stage=0.0, advanced=0, in_stage=True,
			)  # fmt: skip
		place = positions.get(entered)
		for stage, row in logged.items():
			if place and stage in positions and positions[stage] < place:
				row["advanced"] = 1
	return [
		(sortable_name(), row["entered_on"], row["entered_on"], row["user"], row["user"], row["opportunity"], stage,
			row["entered_on"], row["last_entered_on"], row["left_on"], round(row["days_in_stage"], 2), row["advanced"])
		for stage, row in logged.items()
	]  # fmt: skip
