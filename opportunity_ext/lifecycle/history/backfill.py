"""History for opportunities from before the app (or from before recording), rebuilt from
their Version log: the values at creation (the first recorded change's "from", else today's
value), then each change, as live recording would have written them; and their stage log.
A plain batched loop, committed per batch."""

import json
import re
from functools import lru_cache
from itertools import groupby

import frappe
from frappe import _
from frappe.utils import flt, get_number_format_info
from frappe.utils.data import number_format_info

from opportunity_ext.lifecycle.funnel import stage_positions
from opportunity_ext.lifecycle.history.recording import (
	HISTORY,
	ROW_FIELDS,
	STAGE,
	STAGE_LOG,
	TRACKED_FIELDS,
	as_text,
	changes,
	history_rows,
	insert_history,
	insert_stage_log,
	stage_log_rows,
)

BATCH_SIZE = 2000


def backfill(batch_size: int = BATCH_SIZE) -> int:
	"""History for the opportunities that have none. Returns how many rows it wrote."""
	history, opportunity = frappe.qb.DocType(HISTORY), frappe.qb.DocType("Opportunity")
	recorded = frappe.qb.from_(history).select(history.opportunity).distinct()
	names = (
		frappe.qb.from_(opportunity)
		.select(opportunity.name)
		.where(opportunity.name.notin(recorded))
		.orderby(opportunity.name)
		.run(pluck=True)
	)
	positions = stage_positions()
	written = 0
	for start in range(0, len(names), batch_size):
		batch = names[start : start + batch_size]
		rows = backfill_rows(batch, versions_of(batch))
		insert_history(rows)
		insert_stage_log([row for deal in stage_changes(rows) for row in stage_log_rows(deal, positions)])
		set_stage_entries(batch)
		written += len(rows)
		if not frappe.flags.in_test:
			frappe.db.commit()
	return written


def rebuild_stage_log(batch_size: int = BATCH_SIZE) -> int:
	"""The stage log of opportunities whose history has stage rows but that have no stage log
	(history recorded before the log existed). Returns how many log rows it wrote."""
	history, log = frappe.qb.DocType(HISTORY), frappe.qb.DocType(STAGE_LOG)
	logged = frappe.qb.from_(log).select(log.opportunity).distinct()
	names = (
		frappe.qb.from_(history)
		.select(history.opportunity)
		.distinct()
		.where((history.field == STAGE) & history.opportunity.notin(logged))
		.orderby(history.opportunity)
		.run(pluck=True)
	)
	positions = stage_positions()
	written = 0
	for start in range(0, len(names), batch_size):
		rows = (
			frappe.qb.from_(history)
			.select(
				history.opportunity,
				history.changed_on,
				history.changed_by,
				history.from_value,
				history.to_value,
			)
			.where((history.field == STAGE) & history.opportunity.isin(names[start : start + batch_size]))
			.orderby(history.opportunity)
			.orderby(history.changed_on)
			.orderby(history.creation)
			.run()
		)
		log_rows = [
			row for _name, deal in groupby(rows, key=first) for row in stage_log_rows(list(deal), positions)
		]
		insert_stage_log(log_rows)
		written += len(log_rows)
		if not frappe.flags.in_test:
			frappe.db.commit()
	return written


def first(row: tuple):
	return row[0]


def stage_changes(rows: list[tuple]) -> list[list[tuple]]:
	"""Per deal, (opportunity, changed_on, changed_by, from, to) of its stage rows among
	history rows in ROW_FIELDS order (a deal's rows together, oldest first)."""
	columns = ("opportunity", "changed_on", "changed_by", "from_value", "to_value")
	index, field = [ROW_FIELDS.index(column) for column in columns], ROW_FIELDS.index("field")
	stage_rows = [tuple(row[i] for i in index) for row in rows if row[field] == STAGE]
	return [list(deal) for _name, deal in groupby(stage_rows, key=first)]


def set_stage_entries(names: list[str]) -> None:
	"""stage_entered_on of each opportunity given: when it last entered its current stage."""
	opportunity, log = frappe.qb.DocType("Opportunity"), frappe.qb.DocType(STAGE_LOG)
	(
		frappe.qb.update(opportunity)
		.join(log)
		.on((log.opportunity == opportunity.name) & (log.sales_stage == opportunity.sales_stage))
		.set(opportunity.stage_entered_on, log.last_entered_on)
		.where(opportunity.name.isin(names))
		.run()
	)


def versions_of(names: list[str]) -> dict[str, list[tuple]]:
	"""(creation, owner, data) of each opportunity's Versions, oldest first."""
	version = frappe.qb.DocType("Version")
	rows = (
		frappe.qb.from_(version)
		.select(version.docname, version.creation, version.owner, version.data)
		.where((version.ref_doctype == "Opportunity") & version.docname.isin(names))
		.orderby(version.creation)
		.run()
	)
	found = {}
	for docname, creation, owner, data in rows:
		found.setdefault(docname, []).append((creation, owner, data))
	return found


def backfill_rows(names: list[str], versions: dict[str, list[tuple]]) -> list[tuple]:
	opportunities = frappe.get_all(
		"Opportunity",
		filters={"name": ("in", names)},
		fields=["name", "creation", "owner", "currency", *TRACKED_FIELDS],
	)
	formats = SiteFormats()
	rows = []
	for opp in opportunities:
		steps = [
			(creation, owner, tracked_changes(opp, data, formats.at(creation)))
			for creation, owner, data in versions.get(opp.name, [])
			if creation >= opp.creation  # not an earlier, deleted document's of the same name
		]
		rows += replayed_rows(opp, steps)
	return rows


def tracked_changes(opp, data: str, formats: tuple[str, str]) -> dict:
	"""{field: (from, to)} of the tracked fields a Version changed, as stored values; a
	change with a value that cannot be read is logged and left out."""
	try:
		changed = json.loads(data or "{}").get("changed") or []
	except ValueError:
		return {}
	found = {}
	for field, before, after in changed:
		if field not in TRACKED_FIELDS:
			continue
		values = (stored_value(field, before, formats), stored_value(field, after, formats))
		if UNREADABLE in values:
			frappe.log_error(
				title=_("Opportunity history: a value could not be read"),
				message=_(
					"Opportunity {0}: the change of {1} from {2} to {3} (as its Version showed it) was left out."
				).format(opp.name, field, before, after),
				reference_doctype="Opportunity",
				reference_name=opp.name,
			)
			continue
		found[field] = values
	return found


UNREADABLE = object()


def stored_value(field: str, shown, formats: tuple[str, str]):
	"""A Version keeps amounts, percentages and dates as they were shown ("د.إ 1,234.50",
	"40%", "03-05-2026"), in the date and number formats of the site at the time: back to
	the value (UNREADABLE when it cannot be)."""
	if shown in (None, "") or field in ("sales_stage", "status"):
		return shown
	date_format, number_format = formats
	if field == "expected_closing":
		found = read_date(str(shown), date_format)
	elif isinstance(shown, int | float):
		found = shown
	else:
		found = read_number(str(shown), number_format)
	return UNREADABLE if found is None else found


def read_number(shown: str, number_format: str) -> float | None:
	"""The number in `shown`, whatever currency symbol or percent sign surrounds it (the
	text from its first to its last digit, with a minus before it), read in `number_format`
	or, when its grouping does not fit that one, in another format Frappe knows."""
	found = re.search(r"-?\d(?:.*\d)?", shown)
	if not found:
		return None
	for candidate in dict.fromkeys((number_format, *number_format_info)):
		decimal, thousands, _precision = get_number_format_info(candidate)
		if number_pattern(candidate).fullmatch(found.group()):
			number = found.group().replace(thousands, "") if thousands else found.group()
			return flt(number.replace(decimal, ".") if decimal else number)
	return None


@lru_cache
def number_pattern(number_format: str) -> re.Pattern:
	"""How a number looks in `number_format`: digits grouped by threes (or, in the Indian
	format, the last three then by twos) or not grouped at all, and decimals."""
	decimal, thousands, _precision = get_number_format_info(number_format)
	integer = r"\d+"
	if thousands:
		separator = re.escape(thousands)
		if number_format == "#,##,###.##":
			grouped = rf"\d{{1,2}}(?:{separator}\d{{2}})*{separator}\d{{3}}"
		else:
			grouped = rf"\d{{1,3}}(?:{separator}\d{{3}})+"
		integer = rf"(?:{grouped}|\d+)"
	fraction = rf"(?:{re.escape(decimal)}\d+)?" if decimal else ""
	return re.compile(rf"-?{integer}{fraction}")


def read_date(shown: str, date_format: str) -> str | None:
	"""The date in `shown` as ISO, read in `date_format`, else in another format Frappe
	knows (ISO first)."""
	from datetime import datetime

	from frappe.utils.dateutils import dateformats

	for candidate in dict.fromkeys((date_format, "yyyy-mm-dd", *dateformats)):
		try:
			return datetime.strptime(shown.split(" ")[0], dateformats[candidate]).strftime("%Y-%m-%d")
		except (KeyError, ValueError):
			continue
	return None


class SiteFormats:
	"""The date and number formats the site used at a moment, from the Version log of System
	Settings (a Version a change of either); today's formats where it says nothing."""

	FIELDS = ("date_format", "number_format")

	def __init__(self):
		current = {
			"date_format": frappe.db.get_default("date_format") or "yyyy-mm-dd",
			"number_format": frappe.db.get_default("number_format") or "#,###.##",
		}
		version = frappe.qb.DocType("Version")
		self.changes = []  # (when, field, before, after), oldest first
		for creation, data in (
			frappe.qb.from_(version)
			.select(version.creation, version.data)
			.where((version.ref_doctype == "System Settings") & version.data.like("%_format%"))
			.orderby(version.creation)
			.run()
		):
			try:
				changed = json.loads(data or "{}").get("changed") or []
			except ValueError:
				continue
			for field, before, after in changed:
				if field in self.FIELDS:
					self.changes.append((creation, field, before, after))
		# before the first change of a format, the format it changed from
		self.initial = dict(current)
		for field in self.FIELDS:
			first = next((before for _when, name, before, _after in self.changes if name == field), None)
			if first:
				self.initial[field] = first

	def at(self, when) -> tuple[str, str]:
		"""(date format, number format) in use at `when`."""
		formats = dict(self.initial)
		for changed_on, field, _before, after in self.changes:
			if changed_on > when:
				break
			if after:
				formats[field] = after
		return formats["date_format"], formats["number_format"]


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
