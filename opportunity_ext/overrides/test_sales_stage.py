"""Sales stages on a new site: defaults set once, the Kanban board's columns follow them."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import cint, flt

from opportunity_ext.lifecycle.funnel import funnel_order
from opportunity_ext.overrides.sales_stage import (
	DEFAULT_FIELDS,
	DEFAULTS_SET,
	set_stage_defaults,
	setup_wizard_complete,
)
from opportunity_ext.setup.kanban import KANBAN_BOARD, WRITTEN_COLUMNS, create_kanban_board

ERPNEXT_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote")


def board_columns() -> list[tuple[str, str]]:
	board = frappe.get_doc("Kanban Board", KANBAN_BOARD)
	return [(row.column_name, row.status) for row in board.columns]


def stage_values(name: str) -> tuple:
	values = frappe.db.get_value("Sales Stage", name, DEFAULT_FIELDS, as_dict=True)
	return (
		flt(values.default_probability),
		values.default_forecast_category or None,
		cint(values.stalled_after_days),
	)


class TestSalesStages(FrappeTestCase):
	def setUp(self):
		frappe.db.savepoint("oppext_stages")
		self.addCleanup(frappe.db.rollback, save_point="oppext_stages")
		self.addCleanup(frappe.clear_cache, doctype="Sales Stage")

	def new_site(self):
		"""As after install-app on a new site: no stages yet, an empty board, no defaults set."""
		frappe.db.delete("Sales Stage")  # no events: the stages of this test site stay in the rollback
		frappe.delete_doc(
			"Kanban Board", KANBAN_BOARD, force=True, ignore_permissions=True, ignore_missing=True
		)
		frappe.db.set_global(WRITTEN_COLUMNS, None)
		frappe.db.set_global(DEFAULTS_SET, None)
		set_stage_defaults()  # after_install: nothing to set yet
		create_kanban_board()
		self.assertEqual(board_columns(), [], "no stages, no columns")

	def run_setup_wizard(self, stages=ERPNEXT_STAGES):
		# as ERPNext's install_fixtures makes them (make_records: insert, one by one)
		for stage in stages:
			frappe.get_doc({"doctype": "Sales Stage", "stage_name": stage}).insert(ignore_permissions=True)
		setup_wizard_complete({})

	def test_after_the_setup_wizard_the_board_has_a_column_a_stage_in_funnel_order(self):
		self.assertIn(
			"opportunity_ext.overrides.sales_stage.setup_wizard_complete",
			frappe.get_hooks("setup_wizard_complete"),
			"the setup wizard calls it",
		)
		self.new_site()
		self.run_setup_wizard()
		self.assertEqual(board_columns(), [(stage, "Active") for stage in ERPNEXT_STAGES])
		self.assertEqual(
			funnel_order(), list(ERPNEXT_STAGES), "the funnel is ERPNext's order, not alphabetical"
		)

	def test_stages_get_defaults_by_funnel_position_once(self):
		self.new_site()
		self.run_setup_wizard()
		self.assertEqual(
			[stage_values(stage) for stage in ERPNEXT_STAGES],
			[(10.0, "Pipeline", 21), (35.0, "Pipeline", 21), (65.0, "Best Case", 21), (90.0, "Commit", 21)],
		)
		# an admin's own values are theirs: never set again
		frappe.db.set_value(
			"Sales Stage", "Qualification", {"default_probability": 0, "stalled_after_days": 0}
		)
		self.assertFalse(set_stage_defaults())
		self.assertEqual(stage_values("Qualification"), (0.0, "Pipeline", 0))

	def test_defaults_never_over_an_admins_values(self):
		self.new_site()
		frappe.get_doc({"doctype": "Sales Stage", "stage_name": "Mine", "default_probability": 42}).insert()
		frappe.get_doc({"doctype": "Sales Stage", "stage_name": "Other"}).insert()
		set_stage_defaults()
		self.assertEqual(stage_values("Mine"), (42.0, None, 0))
		self.assertEqual(stage_values("Other"), (0.0, None, 0))

	def test_a_stage_added_renamed_or_deleted_moves_its_column(self):
		self.new_site()
		self.run_setup_wizard()
		frappe.get_doc(
			{"doctype": "Sales Stage", "stage_name": "Closing", "default_probability": 95}
		).insert()
		self.assertEqual(board_columns()[-1], ("Closing", "Active"))
		frappe.rename_doc("Sales Stage", "Closing", "Signing")
		self.assertEqual(board_columns()[-1], ("Signing", "Active"))
		frappe.delete_doc("Sales Stage", "Signing")
		self.assertEqual(board_columns(), [(stage, "Active") for stage in ERPNEXT_STAGES])

	def test_a_board_changed_by_hand_is_left_alone(self):
		from frappe.desk.doctype.kanban_board.kanban_board import archive_restore_column

		self.new_site()
		self.run_setup_wizard()
		archive_restore_column(KANBAN_BOARD, "Qualification", "Archived")
		before = board_columns()
		frappe.get_doc(
			{"doctype": "Sales Stage", "stage_name": "Closing", "default_probability": 95}
		).insert()
		self.assertEqual(board_columns(), before)
		self.assertNotIn("Closing", json.dumps(before))
