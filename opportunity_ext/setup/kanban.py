"""The "Opportunities by Sales Stage" Kanban board: created on install, removed on uninstall."""

import json

import frappe

from opportunity_ext.constants import OPEN_STATUSES

KANBAN_BOARD = "Opportunities by Sales Stage"


def create_kanban_board() -> None:
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		return
	stages = frappe.get_all("Sales Stage", fields=["name"], order_by="default_probability asc, creation asc")
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
			"columns": [{"column_name": stage.name, "status": "Active"} for stage in stages],
		}
	)
	board.insert(ignore_permissions=True)


def delete_kanban_board() -> None:
	frappe.delete_doc("Kanban Board", KANBAN_BOARD, ignore_permissions=True, force=True, ignore_missing=True)
