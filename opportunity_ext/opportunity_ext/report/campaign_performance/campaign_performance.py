# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt

from opportunity_ext.balance.ledger import balance_by, can_see_balance
from opportunity_ext.constants import OPEN_STATUSES, WON_STATUS
from opportunity_ext.opportunity_ext.report import utils


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	opportunity = frappe.qb.DocType("Opportunity")
	selected = utils.permitted(opportunity, filters)
	won = opportunity.status == WON_STATUS
	rows = (
		frappe.qb.from_(opportunity)
		.select(
			opportunity.campaign,
			Count(opportunity.name).as_("opportunities"),
			Sum(
				Case().when(opportunity.status.isin(OPEN_STATUSES), opportunity.base_weighted_amount).else_(0)
			).as_("weighted_pipeline"),
			Sum(Case().when(won, 1).else_(0)).as_("won"),
			Sum(Case().when(won, opportunity.base_opportunity_amount).else_(0)).as_("won_amount"),
		)
		.where(selected)
		.groupby(opportunity.campaign)
		.run(as_dict=True)
	)
	show_balance = can_see_balance()
	ledger = (
		balance_by(frappe.qb.from_(opportunity).select(opportunity.name).where(selected), "campaign")
		if show_balance
		else {}
	)
	currency = utils.company_currency(filters)
	for row in rows:
		figures = ledger.get(row.campaign, {})
		row.invoiced = flt(figures.get("invoiced")) - flt(figures.get("returned"))
		row.received = flt(figures.get("paid"))
		row.conversion_rate = flt(100 * row.won / row.opportunities, 2) if row.opportunities else 0
		row.campaign = row.campaign or _("No Campaign")
		row.currency = currency
	rows.sort(key=lambda row: -flt(row.won_amount))

	columns = [
		utils.column("campaign", _("Campaign"), "Data", 200),
		utils.column("opportunities", _("Opportunities"), "Int", 120),
		utils.currency_column("weighted_pipeline", "Weighted Pipeline"),
		utils.column("won", _("Won"), "Int", 80),
		utils.currency_column("won_amount", "Won Amount"),
		*(
			[utils.currency_column("invoiced", "Invoiced"), utils.currency_column("received", "Received")]
			if show_balance
			else []
		),
		utils.column("conversion_rate", _("Conversion Rate"), "Percent", 130),
	]
	series = {_("Won Amount"): [row.won_amount for row in rows]}
	if show_balance:
		series.update(
			{_("Invoiced"): [row.invoiced for row in rows], _("Received"): [row.received for row in rows]}
		)
	chart = utils.bar_chart([row.campaign for row in rows], series, fieldtype="Currency")
	return columns, rows, None, chart
