"""The funnel's order of sales stages: the one definition of "a later stage", used by the
reports, the Kanban board and the stage log."""

import frappe
from frappe.utils import flt


def funnel_order() -> list[str]:
	"""Sales stages from first to last: by default probability, then by name."""
	stages = frappe.get_all("Sales Stage", fields=["name", "default_probability"])
	stages.sort(key=lambda stage: (flt(stage.default_probability), stage.name))
	return [stage.name for stage in stages]


def stage_positions() -> dict[str, int]:
	"""{stage: its place in the funnel, from 1}; a stage not in the funnel has none."""
	return {stage: position for position, stage in enumerate(funnel_order(), start=1)}


def stages_before(stage: str) -> list[str]:
	"""The stages of the funnel before `stage` (none when it is not in the funnel)."""
	order = funnel_order()
	return order[: order.index(stage)] if stage in order else []
