# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Avg, Count, Sum
from frappe.utils import flt

from opportunity_ext.constants import LOST_STATUS, WON_STATUS
from opportunity_ext.opportunity_ext.report import utils

TOP_LOST_REASONS = 3


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	opportunity, competitor = frappe.qb.DocType("Opportunity"), frappe.qb.DocType("Opportunity Competitor")
	met = (
		frappe.qb.from_(competitor)
		.join(opportunity)
		.on((competitor.parent == opportunity.name) & (competitor.parenttype == "Opportunity"))
		.where(utils.permitted(opportunity, filters))
	)
	rows = (
		met.select(
			competitor.competitor,
			# a competitor is listed once per opportunity: no DISTINCT needed
			Count(opportunity.name).as_("opportunities"),
			Sum(Case().when(opportunity.status == WON_STATUS, 1).else_(0)).as_("won"),
			Sum(Case().when(opportunity.status == LOST_STATUS, 1).else_(0)).as_("lost"),
			# their offers, in company currency; an offer not recorded is no offer of 0
			Avg(
				Case()
				.when(competitor.offer_amount > 0, competitor.offer_amount * opportunity.conversion_rate)
				.else_(None)
			).as_("average_offer"),
		)
		.groupby(competitor.competitor)
		.orderby(Count(opportunity.name), order=frappe.qb.desc)
		.run(as_dict=True)
	)
	reasons = top_lost_reasons(met, competitor, opportunity)
	currency = utils.company_currency(filters)
	for row in rows:
		decided = row.won + row.lost
		row.win_rate = flt(100 * row.won / decided, 2) if decided else 0
		row.top_lost_reasons = ", ".join(
			f"{reason} ({count})" for reason, count in reasons.get(row.competitor, [])
		)
		row.currency = currency

	columns = [
		utils.column("competitor", _("Competitor"), "Link", 180, "Competitor"),
		utils.column("opportunities", _("Opportunities Met"), "Int", 130),
		utils.column("won", _("Won Against"), "Int", 110),
		utils.column("lost", _("Lost Against"), "Int", 110),
		utils.column("win_rate", _("Win Rate"), "Percent", 100),
		utils.currency_column("average_offer", "Average Offer"),
		utils.column("top_lost_reasons", _("Top Lost Reasons"), "Data", 260),
	]
	chart = utils.bar_chart(
		[row.competitor for row in rows],
		{_("Won Against"): [row.won for row in rows], _("Lost Against"): [row.lost for row in rows]},
		barOptions={"stacked": 1},
		colors=utils.WON_LOST_COLORS,
	)
	return columns, rows, None, chart


def top_lost_reasons(met, competitor, opportunity) -> dict[str, list[tuple[str, int]]]:
	"""The most frequent lost reasons of the lost opportunities each competitor was in."""
	reason = frappe.qb.DocType("Opportunity Lost Reason Detail")
	rows = (
		met.join(reason)
		.on((reason.parent == opportunity.name) & (reason.parenttype == "Opportunity"))
		.select(competitor.competitor, reason.lost_reason, Count(opportunity.name).as_("count"))
		.where(opportunity.status == LOST_STATUS)
		.groupby(competitor.competitor, reason.lost_reason)
		.orderby(Count(opportunity.name), order=frappe.qb.desc)
		.orderby(reason.lost_reason)
		.run(as_dict=True)
	)
	top = {}
	for row in rows:
		reasons = top.setdefault(row.competitor, [])
		if len(reasons) < TOP_LOST_REASONS:
			reasons.append((row.lost_reason, row.count))
	return top
