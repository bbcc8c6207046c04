"""doc_events for ERPNext's Sales Stage, and the stages' defaults on a new site.

ERPNext makes its stages in the setup wizard, which a new site runs after `install-app`,
and they come without a probability, forecast category or stalled limit. The app gives
them sensible ones once (`set_stage_defaults`: on install, after the setup wizard, on
migrate), only on a site whose stages have none, never over an admin's values. The Kanban
board's columns follow the stages (setup/kanban.py).
"""

import frappe
from frappe.utils import cint, flt

from opportunity_ext.lifecycle import rules as lifecycle
from opportunity_ext.setup.kanban import create_kanban_board, sync_kanban_columns

DEFAULTS_SET = "opportunity_ext_stage_defaults_set"  # a global default: set once
DEFAULT_FIELDS = ("default_probability", "default_forecast_category", "stalled_after_days")


def on_update(doc, method=None):
	"""Added, or moved in the funnel (its probability): the board's columns follow."""
	if doc.has_value_changed("default_probability") and not frappe.flags.oppext_setting_stage_defaults:
		sync_kanban_columns()


def after_delete(doc, method=None):
	sync_kanban_columns()


def after_rename(doc, method=None, old=None, new=None, merge=False):
	sync_kanban_columns(renamed={} if merge else {old: new})


def setup_wizard_complete(args=None):
	"""ERPNext's setup wizard has made the stages: their defaults, then the board."""
	set_stage_defaults()
	create_kanban_board()


def stages_in_creation_order() -> list[dict]:
	"""ERPNext makes its stages in funnel order: that order, before any has a probability."""
	return frappe.get_all("Sales Stage", fields=["name", *DEFAULT_FIELDS], order_by="creation asc, name asc")


def set_stage_defaults() -> bool:
	"""Defaults for the stages of a site where none has any, once; True when set."""
	if frappe.db.get_global(DEFAULTS_SET):
		return False
	stages = stages_in_creation_order()
	if not stages:
		return False  # the setup wizard has not run yet: done when it has
	if not any(
		flt(stage.default_probability) or stage.default_forecast_category or cint(stage.stalled_after_days)
		for stage in stages
	):
		frappe.flags.oppext_setting_stage_defaults = True
		try:
			for stage, values in zip(stages, lifecycle.default_stage_values(len(stages)), strict=True):
				doc = frappe.get_doc("Sales Stage", stage.name)
				doc.update(values)
				doc.save(ignore_permissions=True)
		finally:
			frappe.flags.oppext_setting_stage_defaults = False
		sync_kanban_columns()
	frappe.db.set_global(DEFAULTS_SET, "1")
	return True


def forget_stage_defaults() -> None:
	"""Uninstall takes the fields (and their values) away: a new install sets them again."""
	frappe.db.set_global(DEFAULTS_SET, None)
