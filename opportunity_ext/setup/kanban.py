"""The "Opportunities by Sales Stage" Kanban board: a column a Sales Stage, in funnel order.

The board is made on install (empty on a site whose setup wizard has not made the stages
yet) and its columns follow the stages from then on: a stage added, renamed, deleted or
moved in the funnel (its default probability) changes the columns too, through the Sales
Stage doc_events (overrides/sales_stage.py) and after the setup wizard. The columns the app
last wrote are remembered: once someone changed the board's columns by hand (hid, added,
moved one), the app leaves the board alone. Uninstall removes the board.
"""

import json

import frappe

from opportunity_ext.constants import OPEN_STATUSES

KANBAN_BOARD = "Opportunities by Sales Stage"
# The columns the app last wrote, as [[name, status], ...]: a global default of the site
WRITTEN_COLUMNS = "opportunity_ext_kanban_columns"
ACTIVE = "Active"


# --- pure rules ---------------------------------------------------------------------------------


def columns_to_write(current: list[list[str]], written: list[list[str]] | None, stages: list[str]):
	"""The board's new columns, or None to leave the board as it is.

	`current` is the board's columns as [name, status]; `written` what the app last wrote
	(None on a board from before the app remembered it); `stages` the stages in funnel order.
	The board is the app's while its columns are what the app wrote: for a board from before,
	while it has no columns or one active column a stage, in any order."""
	wanted = [[stage, ACTIVE] for stage in stages]
	if written is None:
		untouched = not current or (
			all(status == ACTIVE for _name, status in current)
			and sorted(name for name, _status in current) == sorted(stages)
		)
	else:
		untouched = current == written
	if not untouched or current == wanted:
		return None
	return wanted


# --- the board ------------------------------------------------------------------------------------


def funnel_stages() -> list[str]:
	from opportunity_ext.lifecycle.funnel import funnel_order

	return funnel_order()


def create_kanban_board() -> None:
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		sync_kanban_columns()
		return
	stages = funnel_stages()
	board = frappe.get_doc(
		{
			"doctype": "Kanban Board",
			"kanban_board_name": KANBAN_BOARD,
			"reference_doctype": "Opportunity",
			"field_name": "sales_stage",
			"private": 0,
			"show_labels": 1,
			"filters": json.dumps([["Opportunity", "status", "in", list(OPEN_STATUSES)]]),
			"fields": '["party_name","opportunity_amount","probability","opportunity_owner"]',
			"columns": [{"column_name": stage, "status": ACTIVE, "indicator": "Gray"} for stage in stages],
		}
	)
	board.insert(ignore_permissions=True)
	remember_columns(board)


def sync_kanban_columns(renamed: dict[str, str] | None = None) -> bool:
	"""The board's columns made the stages' again, unless changed by hand; True if written.
	`renamed` ({old: new}) carries a renamed stage's column (its cards' order) over."""
	if not frappe.db.exists("Kanban Board", KANBAN_BOARD):
		return False
	board = frappe.get_doc("Kanban Board", KANBAN_BOARD)
	renamed = renamed or {}
	current = [[renamed.get(row.column_name, row.column_name), row.status] for row in board.columns]
	written = frappe.db.get_global(WRITTEN_COLUMNS)
	written = json.loads(written) if written else None
	if written is not None and renamed:
		written = [[renamed.get(name, name), status] for name, status in written]
	wanted = columns_to_write(current, written, funnel_stages())
	if wanted is None:
		if current == written and renamed:  # a rename alone: the column keeps its place
			wanted = current
		else:
			return False
	kept = {renamed.get(row.column_name, row.column_name): row for row in board.columns}
	board.set(
		"columns",
		[
			{
				"column_name": name,
				"status": status,
				"indicator": kept[name].indicator if name in kept else "Gray",
				"order": kept[name].order if name in kept else None,
			}
			for name, status in wanted
		],
	)
	board.save(ignore_permissions=True)
	remember_columns(board)
	return True


def remember_columns(board) -> None:
	frappe.db.set_global(
		WRITTEN_COLUMNS, json.dumps([[row.column_name, row.status] for row in board.columns])
	)


def delete_kanban_board() -> None:
	frappe.delete_doc("Kanban Board", KANBAN_BOARD, ignore_permissions=True, force=True, ignore_missing=True)
	frappe.db.set_global(WRITTEN_COLUMNS, None)
