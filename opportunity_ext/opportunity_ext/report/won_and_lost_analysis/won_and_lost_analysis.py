# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Extract, Sum
from frappe.utils import flt
from pypika.enums import DatePart

from opportunity_ext.constants import LOST_STATUS, WON_STATUS
from opportunity_ext.opportunity_ext.report import utils


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	if filters.get("view") == "By Reason":
		return by_reason(filters)
	return by_period(filters)


def by_period(filters):
	opportunity = frappe.qb.DocType("Opportunity")
	condition, closed_on = utils.closed_in_range(opportunity, filters)
	won = opportunity.status == WON_STATUS
	rows = (
		frappe.qb.from_(opportunity)
		.select(
			Extract(DatePart.year, closed_on).as_("year"),
			Extract(DatePart.month, closed_on).as_("month"),
			Sum(Case().when(won, 1).else_(0)).as_("won"),
			Sum(Case().when(won, opportunity.base_opportunity_amount).else_(0)).as_("won_amount"),
			Sum(Case().when(won, 0).else_(1)).as_("lost"),
			Sum(Case().when(won, 0).else_(opportunity.base_opportunity_amount)).as_("lost_amount"),
		)
		.where(condition)
		.groupby(Extract(DatePart.year, closed_on), Extract(DatePart.month, closed_on))
		.run(as_dict=True)
	)
	periods = {}
	quarterly = filters.get("period") == "Quarterly"
	for row in rows:
		key = (int(row.year), (int(row.month) - 1) // 3 + 1 if quarterly else int(row.month))
		total = periods.setdefault(key, frappe._dict(won=0, won_amount=0, lost=0, lost_amount=0))
		for figure in total:
			total[figure] += flt(row[figure])

	currency = utils.company_currency(filters)
	data = []
	for (year, part), total in sorted(periods.items()):
		decided = total.won + total.lost
		data.append(
			{
				"period": f"{year}-Q{part}" if quarterly else f"{year}-{part:02d}",
				**total,
				"win_rate": flt(100 * total.won / decided, 2) if decided else 0,
				"currency": currency,
			}
		)
	columns = [
		utils.column("period", _("Period"), "Data", 110),
		utils.column("won", _("Won"), "Int", 90),
		utils.currency_column("won_amount", "Won Amount"),
		utils.column("lost", _("Lost"), "Int", 90),
		utils.currency_column("lost_amount", "Lost Amount"),
		utils.column("win_rate", _("Win Rate"), "Percent", 100),
	]
	chart = utils.bar_chart(
		[row["period"] for row in data],
		{_("Won"): [row["won"] for row in data], _("Lost"): [row["lost"] for row in data]},
		colors=utils.WON_LOST_COLORS,
	)
	return columns, data, None, chart


def by_reason(filters):
	opportunity = frappe.qb.DocType("Opportunity")
	condition, _closed_on = utils.closed_in_range(opportunity, filters)
	data = []
	currency = utils.company_currency(filters)
	for outcome, status, child_doctype, field in (
		(_("Won"), WON_STATUS, "Opportunity Won Reason Detail", "won_reason"),
		(_("Lost"), LOST_STATUS, "Opportunity Lost Reason Detail", "lost_reason"),
	):
		child = frappe.qb.DocType(child_doctype)
		rows = (
			frappe.qb.from_(child)
			.join(opportunity)
			.on((child.parent == opportunity.name) & (child.parenttype == "Opportunity"))
			.select(
				child[field].as_("reason"),
				Count(opportunity.name).as_("opportunities"),
				Sum(opportunity.base_opportunity_amount).as_("amount"),
			)
			.where(condition & (opportunity.status == status))
			.groupby(child[field])
			.orderby(Count(opportunity.name), order=frappe.qb.desc)
			.run(as_dict=True)
		)
		total = sum(row.opportunities for row in rows)
		for row in rows:
			row.update(
				outcome=outcome,
				share=flt(100 * row.opportunities / total, 2) if total else 0,
				currency=currency,
			)
		data += rows
	columns = [
		utils.column("outcome", _("Outcome"), "Data", 90),
		utils.column("reason", _("Reason"), "Data", 200),
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.currency_column("amount", "Amount"),
		utils.column("share", _("Share of Outcome"), "Percent", 130),
	]
	chart = utils.bar_chart(
		[f"{row.outcome}: {row.reason}" for row in data],
		{_("Opportunities"): [row.opportunities for row in data]},
	)
	return columns, data, None, chart
