# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

"""Pipeline Changes: what moved in a period — new, advanced, slipped (expected closing
moved later), amount up or down, won, lost — with each opportunity and its change."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import add_months, getdate, today

from opportunity_ext.constants import LOST_STATUS, WON_STATUS
from opportunity_ext.opportunity_ext.report import utils

KINDS = ("New", "Advanced", "Slipped", "Amount Up", "Amount Down", "Won", "Lost")


def kind_labels() -> dict[str, str]:
	"""Each kind of move, translated (each label written out for the translation extractor)."""
	return {
		"New": _("New"),
		"Advanced": _("Advanced"),
		"Slipped": _("Slipped"),
		"Amount Up": _("Amount Up"),
		"Amount Down": _("Amount Down"),
		"Won": _("Won"),
		"Lost": _("Lost"),
	}


DETAIL_LIMIT = 500


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	start = getdate(filters.get("from_date") or add_months(today(), -1))
	end = getdate(filters.get("to_date") or today())
	if start > end:
		frappe.throw(_("From Date must be before To Date."))
	if filters.get("show_changes"):
		return detail_columns(), detail_rows(classified_changes(filters, start, end)), None, None
	rows = summary_rows(filters, start, end)
	return (
		summary_columns(),
		rows,
		None,
		utils.bar_chart([row["kind"] for row in rows], {_("Opportunities"): [row["count"] for row in rows]}),
	)


def decimal(term):
	"""Amounts are kept as text in the history: compare them as numbers."""
	from pypika.functions import Cast

	return Cast(term, "DECIMAL(21,9)")


def kind_of():
	"""SQL: what a history row means for the pipeline (None: not a pipeline move): a kind of
	KINDS."""
	history = frappe.qb.DocType("Opportunity History")
	field, before, after = history.field, history.from_value, history.to_value
	later_stage, earlier_stage = utils.stage_order_case(after), utils.stage_order_case(before)
	case = Case().when((field == "sales_stage") & before.isnull(), "New")
	if later_stage is not None:
		case = case.when((field == "sales_stage") & (later_stage > earlier_stage), "Advanced")
	return (
		case.when((field == "expected_closing") & before.isnotnull() & (after > before), "Slipped")
		.when(
			(field == "opportunity_amount") & before.isnotnull() & (decimal(after) > decimal(before)),
			"Amount Up",
		)
		.when(
			(field == "opportunity_amount") & before.isnotnull() & (decimal(after) < decimal(before)),
			"Amount Down",
		)
		.when((field == "status") & (after == WON_STATUS), "Won")
		.when((field == "status") & (after == LOST_STATUS), "Lost")
		.else_(None)
	)


def classified_changes(filters, start, end):
	"""The history rows of the period that are pipeline moves, of the deals the user may read;
	and the kind term, the history and the Opportunity tables."""
	history, opportunity = frappe.qb.DocType("Opportunity History"), frappe.qb.DocType("Opportunity")
	kind = kind_of()
	return (
		frappe.qb.from_(opportunity)
		.join(history)
		.on(history.opportunity == opportunity.name)
		.where(
			(history.changed_on >= start)
			& (history.changed_on < frappe.utils.add_days(end, 1))
			& kind.isnotnull()
			& utils.permitted(opportunity, filters, date_field=None)
		),
		kind,
		history,
		opportunity,
	)


def summary_rows(filters, start, end) -> list[dict]:
	"""How many deals made each kind of move (a deal once a kind, however often)."""
	from frappe.query_builder.functions import Count

	query, kind, _history, opportunity = classified_changes(filters, start, end)
	counted = dict(query.select(kind, Count(opportunity.name).distinct()).groupby(kind).run())
	labels = kind_labels()
	return [{"kind": labels[name], "count": counted.get(name, 0)} for name in KINDS]


def detail_rows(changes) -> list[dict]:
	query, kind, history, opportunity = changes
	rows = (
		query.select(
			history.changed_on,
			history.opportunity,
			opportunity.title,
			kind.as_("kind"),
			history.from_value,
			history.to_value,
			history.changed_by,
		)
		.orderby(history.changed_on, order=frappe.qb.desc)
		.limit(DETAIL_LIMIT)
		.run(as_dict=True)
	)
	labels = kind_labels()
	for row in rows:
		row.kind = labels[row.kind]
	return rows


def summary_columns() -> list[dict]:
	return [
		utils.column("kind", _("Change"), "Data", 160),
		utils.column("count", _("Opportunities"), "Int", 130),
	]


def detail_columns() -> list[dict]:
	return [
		utils.column("changed_on", _("Changed On"), "Datetime", 160),
		utils.column("opportunity", _("Opportunity"), "Link", 170, "Opportunity"),
		utils.column("title", _("Title"), "Data", 180),
		utils.column("kind", _("Change"), "Data", 120),
		utils.column("from_value", _("From"), "Data", 130),
		utils.column("to_value", _("To"), "Data", 130),
		utils.column("changed_by", _("Changed By"), "Link", 170, "User"),
	]
