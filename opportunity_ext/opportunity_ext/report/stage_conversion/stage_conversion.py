# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Stage Conversion: of the deals that entered each stage (their history, not today's
snapshot), how many went on to a later stage and how many were won."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt

from opportunity_ext.constants import WON_STATUS
from opportunity_ext.lifecycle.funnel import stage_positions
from opportunity_ext.opportunity_ext.report import utils


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows)


def get_data(filters) -> list[dict]:
	"""From the stage log, a row a deal and stage: per stage, the deals that entered it, those
	that reached a later stage and those won."""
	query, log, opportunity = utils.stage_log(filters)
	rows = (
		query.select(
			log.sales_stage.as_("stage"),
			Count("*").as_("entered"),
			Sum(log.advanced).as_("advanced"),
			Sum(Case().when(opportunity.status == WON_STATUS, 1).else_(0)).as_("won"),
		)
		.groupby(log.sales_stage)
		.run(as_dict=True)
	)
	positions = stage_positions()
	for row in rows:
		row.position = positions.get(row.stage, 0)  # a stage since deleted: 0
		row.advanced, row.won = int(row.advanced or 0), int(row.won or 0)
		row.advanced_rate = flt(100 * row.advanced / row.entered, 1) if row.entered else 0
		row.won_rate = flt(100 * row.won / row.entered, 1) if row.entered else 0
	return sorted(rows, key=lambda row: (row.position, row.stage))


def get_columns() -> list[dict]:
	return [
		utils.column("stage", _("Sales Stage"), "Link", 200, "Sales Stage"),
		utils.column("entered", _("Entered"), "Int", 100),
		utils.column("advanced", _("Reached a Later Stage"), "Int", 170),
		utils.column("advanced_rate", _("Advanced %"), "Percent", 120),
		utils.column("won", _("Won"), "Int", 90),
		utils.column("won_rate", _("Won %"), "Percent", 100),
	]


def get_chart(rows: list[dict]) -> dict:
	return utils.bar_chart(
		[row.stage for row in rows],
		{
			_("Entered"): [row.entered for row in rows],
			_("Reached a Later Stage"): [row.advanced for row in rows],
			_("Won"): [row.won for row in rows],
		},
	)
