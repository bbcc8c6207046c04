"""History for opportunities from before the app (or from before recording), rebuilt from
their Version log: the values at creation (the first recorded change's "from", else today's
value), then each change, as live recording would have written them; and their stage log.
A plain batched loop, committed per batch."""

import json
import re
from itertools import groupby

import frappe
from frappe.utils import flt

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
		log_rows = [row for _name, deal in groupby(rows, key=first) for row in stage_log_rows(list(deal), positions)]
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
	from frappe.utils import get_number_format_info

	decimal, thousands, _precision = get_number_format_info(
		frappe.db.get_default("number_format") or "#,###.##"
	)
	digits = re.sub(rf"[^0-9\-{re.escape(decimal)}{re.escape(thousands)}]", "", str(shown))
	return flt(digits.replace(thousands, "").replace(decimal, ".")) if digits else None


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
