# Copyright (c) 2026, opportunity_ext contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt

from opportunity_ext.balance import balance_by, can_see_balance
from opportunity_ext.lifecycle import WON_STATUS
from opportunity_ext.reports import OPEN_STATUSES, bar_chart, company_currency, currency_column, permitted


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	opportunity = frappe.qb.DocType("Opportunity")
	selected = permitted(opportunity, filters)
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
	currency = company_currency(filters)
	for row in rows:
		figures = ledger.get(row.campaign, {})
		row.invoiced = flt(figures.get("invoiced")) - flt(figures.get("returned"))
		row.received = flt(figures.get("paid"))
		row.conversion_rate = flt(100 * row.won / row.opportunities, 2) if row.opportunities else 0
		row.campaign = row.campaign or _("No Campaign")
		row.currency = currency
	rows.sort(key=lambda row: -flt(row.won_amount))

	columns = [
		{"fieldname": "campaign", "label": _("Campaign"), "fieldtype": "Data", "width": 200},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		currency_column("weighted_pipeline", "Weighted Pipeline"),
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		currency_column("won_amount", "Won Amount"),
		*(
			[currency_column("invoiced", "Invoiced"), currency_column("received", "Received")]
			if show_balance
			else []
		),
		{"fieldname": "conversion_rate", "label": _("Conversion Rate"), "fieldtype": "Percent", "width": 130},
	]
	series = {_("Won Amount"): [row.won_amount for row in rows]}
	if show_balance:
		series.update(
			{_("Invoiced"): [row.invoiced for row in rows], _("Received"): [row.received for row in rows]}
		)
	chart = bar_chart([row.campaign for row in rows], series, fieldtype="Currency")
	return columns, rows, None, chart
