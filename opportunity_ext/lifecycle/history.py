"""Opportunity history: every change of the tracked fields recorded once, in the indexed
*Opportunity History* table (not Version JSON parsed at read time), on every path.

Saves (form, REST, list bulk edit, Kanban drag, Data Import) and ERPNext's status updates
(`set_status(update=True)`, a `db_set`) all run the opportunity's `on_change`: there the
opportunity's values are compared with what its history last recorded, so a change is
recorded exactly once whichever path made it. The auto-close job records its bulk changes
with the same row builder. Sites with opportunities from before the app get their history
back from the Version log (`backfill`).
"""

import itertools
import json
import random
import re
import time
from contextlib import contextmanager, nullcontext

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime
from frappe.utils.caching import request_cache

from opportunity_ext.automation.assignment import owners_of
from opportunity_ext.constants import OPEN_STATUSES, SETTINGS
from opportunity_ext.opportunity_ext.doctype.opportunity_history import (
	opportunity_history as history_doctype,
)
from opportunity_ext.printing.jinja import is_rtl_language
from opportunity_ext.utils.bulk import insert_rows, secondary_indexes_dropped

HISTORY = "Opportunity History"
STAGE = "sales_stage"
TRACKED_FIELDS = ("sales_stage", "status", "opportunity_amount", "probability", "expected_closing")
BATCH_SIZE = 2000
# from this many opportunities on, the backfill loads the history with its dates unindexed
LARGE_BACKFILL = 20_000
# what a digest line shows, and who it goes to
DIGEST_FIELDS = (
	"name",
	"title",
	"is_stalled",
	"sales_stage",
	"stage_entered_on",
	"opportunity_amount",
	"currency",
	"opportunity_owner",
	"owner",
)
ROW_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"opportunity",
	"changed_on",
	"changed_by",
	"field",
	"from_value",
	"to_value",
	"days_in_previous_stage",
)


# --- pure rules ----------------------------------------------------------------------------------


def as_text(field: str, value) -> str | None:
	"""A tracked value as the history stores it: amounts and percentages without trailing
	zeros, dates as ISO, empty as None."""
	if value in (None, ""):
		return None
	if field in ("opportunity_amount", "probability"):
		return f"{flt(value):g}" if flt(value) else None
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
	"""A time-ordered name: history rows are appended at the end of the primary key instead
	of at random places in it, which keeps bulk writes fast once the table outgrows memory."""
	return f"{time.time_ns():x}{next(_sequence) % 4096:03x}{random.getrandbits(8):02x}"


def history_rows(opportunity: str, found: list, at, user: str, stage_entered_on=None) -> list[tuple]:
	"""Rows for `found` changes, in ROW_FIELDS order; a stage change carries the days spent
	in the stage it left."""
	rows = []
	for field, before, after in found:
		days = days_between(stage_entered_on, at) if field == STAGE and before and stage_entered_on else 0
		rows.append(
			(
				sortable_name(),
				at,
				at,
				user,
				user,
				opportunity,
				at,
				user,
				field,
				before,
				after,
				days,
			)
		)
	return rows


def insert_history(rows: list[tuple]) -> None:
	"""The one writer of history rows (live, bulk auto-close, backfill)."""
	insert_rows(HISTORY, ROW_FIELDS, rows)


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
	found = changes(recorded_values(doc.name), doc.as_dict())
	if not found:
		return
	now = now_datetime()
	entered = doc.get("stage_entered_on") or doc.creation
	insert_history(history_rows(doc.name, found, now, frappe.session.user, entered))
	if any(field == STAGE for field, _before, _after in found):
		frappe.db.set_value("Opportunity", doc.name, "stage_entered_on", now, update_modified=False)
		doc.stage_entered_on = now
	refresh_stalled(doc)


# --- stalled ---------------------------------------------------------------------------------


def stalled_after_days() -> dict[str, int]:
	return {
		row.name: cint(row.stalled_after_days)
		for row in frappe.get_all("Sales Stage", fields=["name", "stalled_after_days"])
		if cint(row.stalled_after_days)
	}


def is_stalled(status: str, stage: str | None, entered, limits: dict, now) -> bool:
	"""Open and idle in its stage longer than the stage allows (Pipedrive's "rotting")."""
	limit = limits.get(stage)
	return bool(status in OPEN_STATUSES and limit and entered and days_between(entered, now) > limit)


def stage_stalled_after(stage: str | None) -> int:
	"""One stage's limit, from the document cache (cleared when the stage is saved): what a
	single opportunity needs, where `stalled_after_days` reads every stage."""
	return cint(frappe.get_cached_value("Sales Stage", stage, "stalled_after_days")) if stage else 0


def refresh_stalled(doc) -> None:
	stage = doc.sales_stage
	stalled = int(
		is_stalled(
			doc.status,
			stage,
			doc.get("stage_entered_on"),
			{stage: stage_stalled_after(stage)},
			now_datetime(),
		)
	)
	if stalled != cint(doc.get("is_stalled")):
		frappe.db.set_value("Opportunity", doc.name, "is_stalled", stalled, update_modified=False)
		doc.is_stalled = stalled


def refresh_all_stalled() -> None:
	"""Daily: time moves deals into (and out of) stalled without anyone saving them. Two
	set-based updates, linear in the opportunities."""
	frappe.db.sql("update `tabOpportunity` set is_stalled = 0 where is_stalled = 1")
	frappe.db.sql(
		"""update `tabOpportunity` opportunity
		join `tabSales Stage` stage on stage.name = opportunity.sales_stage
		set opportunity.is_stalled = 1
		where opportunity.status in %(open)s
			and stage.stalled_after_days > 0
			and opportunity.stage_entered_on is not null
			and timestampdiff(second, opportunity.stage_entered_on, %(now)s) > stage.stalled_after_days * 86400""",
		{"open": OPEN_STATUSES, "now": now_datetime()},
	)


def refresh_stalled_and_send_digests() -> None:
	"""Daily: the stalled marks first, then the digests that list them."""
	refresh_all_stalled()
	send_stalled_digests()


def send_stalled_digests() -> int:
	"""When Opportunity Settings asks for it: one e-mail to each owner listing their stalled
	opportunities, in the owner's language. Returns how many owners were written to."""
	if not frappe.db.get_single_value(SETTINGS, "stalled_digest_enabled"):
		return 0
	from frappe.email.doctype.email_account.email_account import EmailAccount

	if not EmailAccount.find_outgoing():
		frappe.log_error(
			title=_("Stalled opportunity digest not sent"),
			message=_("Set up a default outgoing Email Account to send the daily digest."),
		)
		return 0

	opportunity = frappe.qb.DocType("Opportunity")
	rows = (
		frappe.qb.from_(opportunity)
		.select(*(opportunity[field] for field in DIGEST_FIELDS))
		.where((opportunity.is_stalled == 1) & opportunity.status.isin(OPEN_STATUSES))
		.orderby(opportunity.stage_entered_on)
		.run(as_dict=True)
	)
	limits, now = stalled_after_days(), now_datetime()
	owners = owners_of(rows)
	languages = dict(
		frappe.get_all(
			"User", filters={"name": ("in", list(owners))}, fields=["name", "language"], as_list=True
		)
	)
	for user, owned in owners.items():
		with frappe.translate.print_language(languages.get(user) or frappe.db.get_default("lang")):
			deals = [stalled_deal(row, limits, now) for row in owned]
			frappe.sendmail(
				recipients=[user],
				subject=_("{0} of your opportunities are stalled").format(len(deals)),
				template="stalled_opportunities_digest",
				args={"deals": deals, "rtl": is_rtl_language(frappe.local.lang)},
				reference_doctype="Opportunity",
				reference_name=owned[0].name,
			)
	return len(owners)


def stalled_deal(row, limits: dict, now) -> dict:
	"""One line of the digest, its words in the language being rendered."""
	note = stalled_note(row, limits, now)
	stage = note["stage"]
	return {
		"name": row.name,
		"title": row.title or row.name,
		"url": frappe.utils.get_url_to_form("Opportunity", row.name),
		"note": _("{0} days in {1}, stalled after {2}").format(note["days"], _(stage), note["limit"]),
		"amount": frappe.utils.fmt_money(row.opportunity_amount, currency=row.currency)
		if row.opportunity_amount
		else "",
	}


def stalled_note(doc, limits: dict | None = None, now=None) -> dict | None:
	"""For the form and the digest: days in the stage and the stage's limit, when the deal is
	stalled (`limits` and `now` given when many deals are described at once)."""
	if not doc.get("is_stalled") or not doc.get("stage_entered_on"):
		return None
	return {
		"days": int(days_between(doc.stage_entered_on, now or now_datetime())),
		"stage": doc.sales_stage,
		"limit": stage_stalled_after(doc.sales_stage) if limits is None else limits.get(doc.sales_stage),
	}


# --- backfill from the Version log --------------------------------------------------------------


def backfill(batch_size: int = BATCH_SIZE) -> int:
	"""History for opportunities that have none, rebuilt from their Version log: the values
	at creation (the first recorded change's "from", else today's value), then each change.
	Returns how many rows it wrote."""
	history = frappe.qb.DocType(HISTORY)
	opportunity = frappe.qb.DocType("Opportunity")
	recorded = frappe.qb.from_(history).select(history.opportunity).distinct()
	names = (
		frappe.qb.from_(opportunity)
		.select(opportunity.name)
		.where(opportunity.name.notin(recorded))
		.run(pluck=True)
	)
	batches = [names[start : start + batch_size] for start in range(0, len(names), batch_size)]
	large = len(names) > LARGE_BACKFILL and not frappe.flags.in_test
	# nothing reads the history while it loads: every index but the primary key is built
	# once at the end, from sorted rows, instead of kept up row by row
	dropped = (*SINGLE_COLUMN_INDEXES, history_doctype.STAGE_INDEX)
	written = 0
	with (
		secondary_indexes_dropped(HISTORY, dropped) if large else nullcontext(),
		versions_read_ahead(batches) if large else nullcontext(map(versions_of, batches)) as versions,
	):
		for batch, batch_versions in zip(batches, versions, strict=True):
			rows = backfill_rows(batch, batch_versions)
			insert_history(rows)
			set_stage_entries(stage_entries(rows))
			written += len(rows)
			if not frappe.flags.in_test:
				frappe.db.commit()
	return written


# the history's indexes of one column, each named after it (Frappe's search_index, modified)
SINGLE_COLUMN_INDEXES = ("opportunity", "changed_on", "modified")


def ensure_history_indexes() -> None:
	"""On migrate: any index a large backfill dropped and did not build again (its process
	killed mid-load) is built now; without them every save would read the whole history."""
	for column in SINGLE_COLUMN_INDEXES:
		if not frappe.db.has_index(f"tab{HISTORY}", column):
			frappe.db.sql_ddl(f"alter table `tab{HISTORY}` add index `{column}` (`{column}`)")
	history_doctype.on_doctype_update()  # the stage index


VERSIONS_QUERY = """select docname, creation, owner, data from `tabVersion`
	where ref_doctype = 'Opportunity' and docname in %s order by creation"""


def versions_of(names: list[str], connection=None) -> dict[str, list[tuple]]:
	"""(creation, owner, data) of each opportunity's Versions, oldest first; on `connection`
	when given, else on the site's own."""
	if connection is None:
		rows = frappe.db.sql(VERSIONS_QUERY, (tuple(names),))
	else:
		with connection.cursor() as cursor:
			cursor.execute(VERSIONS_QUERY, (tuple(names),))
			rows = cursor.fetchall()
	found = {}
	for docname, creation, owner, data in rows:
		found.setdefault(docname, []).append((creation, owner, data))
	return found


@contextmanager
def versions_read_ahead(batches: list[list[str]]):
	"""The Versions of each batch, the next batch's read on a second connection while this
	one is replayed and written: once the Version log outgrows the buffer pool its reads
	wait on the disk, and the writes need not wait for them. (Committed rows only: for
	install and patches, not tests.)"""
	from concurrent.futures import ThreadPoolExecutor

	connection = frappe.db.create_connection()

	def read_in_turn():
		with ThreadPoolExecutor(max_workers=1) as reader:
			pending = reader.submit(versions_of, batches[0], connection) if batches else None
			for number in range(len(batches)):
				found = pending.result()
				if number + 1 < len(batches):
					pending = reader.submit(versions_of, batches[number + 1], connection)
				yield found

	reads = read_in_turn()
	try:
		yield reads
	finally:
		reads.close()  # waits for a read still under way before its connection goes
		connection.close()


def backfill_rows(names: list[str], versions: dict[str, list[tuple]]) -> list[tuple]:
	opportunities = frappe.get_all(
		"Opportunity", filters={"name": ("in", names)}, fields=["name", "creation", "owner", *TRACKED_FIELDS]
	)
	rows = []
	for opp in opportunities:
		steps = [
			(creation, owner, tracked_changes(data)) for creation, owner, data in versions.get(opp.name, [])
		]
		rows += replayed_rows(opp, steps)
	return rows


def tracked_changes(data: str) -> dict:
	"""{field: (from, to)} of the tracked fields a Version changed, as stored values."""
	try:
		changed = json.loads(data or "{}").get("changed") or []
	except ValueError:
		return {}
	return {
		field: (stored_value(field, before), stored_value(field, after))
		for field, before, after in changed
		if field in TRACKED_FIELDS
	}


def stored_value(field: str, shown):
	"""A Version keeps amounts, percentages and dates as they were shown ("$ 1,200.00",
	"40%", "03-05-2026"): back to the value, by the site's number and date formats."""
	if shown in (None, "") or field in ("sales_stage", "status"):
		return shown
	if field == "expected_closing":
		from frappe.utils import user_to_str

		return user_to_str(shown) if isinstance(shown, str) and not re.match(r"\d{4}-", shown) else shown
	if isinstance(shown, int | float):
		return shown
	decimal, thousands, not_a_digit = number_separators()
	digits = not_a_digit.sub("", str(shown))
	return flt(digits.replace(thousands, "").replace(decimal, ".")) if digits else None


@request_cache
def number_separators() -> tuple[str, str, re.Pattern]:
	"""The site's decimal and thousands separators, and what is neither nor a digit."""
	from frappe.utils import get_number_format_info

	decimal, thousands, _precision = get_number_format_info(
		frappe.db.get_default("number_format") or "#,###.##"
	)
	return decimal, thousands, re.compile(rf"[^0-9\-{re.escape(decimal)}{re.escape(thousands)}]")


def replayed_rows(opp, steps: list) -> list[tuple]:
	"""The rows live recording would have written for these changes."""
	initial = {}
	for _at, _user, changed in steps:
		for field, (before, _after) in changed.items():
			initial.setdefault(field, before)
	state = {
		field: as_text(field, initial[field] if field in initial else opp[field]) for field in TRACKED_FIELDS
	}
	rows = history_rows(opp.name, changes({}, state), opp.creation, opp.owner)
	entered = opp.creation
	for at, user, changed in steps:
		found = changes(state, {**state, **{field: after for field, (_before, after) in changed.items()}})
		if not found:
			continue
		rows += history_rows(opp.name, found, at, user, entered)
		for field, _before, after in found:
			state[field] = after
			if field == STAGE:
				entered = at
	return rows


def stage_entries(rows: list[tuple]) -> dict:
	"""When each opportunity's rows (in ROW_FIELDS order) last recorded its stage."""
	opportunity, changed_on, field = (
		ROW_FIELDS.index(name) for name in ("opportunity", "changed_on", "field")
	)
	entered = {}
	for row in rows:
		if row[field] == STAGE and row[changed_on] >= entered.get(row[opportunity], row[changed_on]):
			entered[row[opportunity]] = row[changed_on]
	return entered


def set_stage_entries(entered: dict) -> None:
	"""stage_entered_on of each opportunity given, in one statement."""
	if not entered:
		return
	frappe.db.sql(
		"update `tabOpportunity` set stage_entered_on = case name "
		+ " ".join(["when %s then %s"] * len(entered))
		+ " end where name in %s",
		[*itertools.chain.from_iterable(entered.items()), tuple(entered)],
	)
