"""Number cards computed in Python (Frappe's "Custom" number card)."""

import frappe
from frappe.utils import flt, getdate, today

from opportunity_ext.constants import LOST_STATUS, WON_STATUS


def closed_this_year(status: str, date_field: str) -> int:
	"""Opportunities the user may read that reached `status` this year."""
	year = getdate(today()).year
	rows = frappe.get_list(
		"Opportunity",
		filters=[["status", "=", status], [date_field, "between", [f"{year}-01-01", f"{year}-12-31"]]],
		fields=["count(`tabOpportunity`.`name`) as count"],
		order_by="",
	)
	return rows[0].count if rows else 0


@frappe.whitelist()
def get_win_rate(filters=None) -> dict:
	"""Won ÷ (won + lost) of the opportunities closed this year."""
	won, lost = closed_this_year(WON_STATUS, "won_date"), closed_this_year(LOST_STATUS, "lost_date")
	return {"value": flt(100 * won / (won + lost), 1) if won + lost else 0, "fieldtype": "Percent"}


@frappe.whitelist()
def get_attainment_this_quarter(filters=None) -> dict:
	"""Closed ÷ target this quarter, over the sales persons whose targets the user may see
	(the Sales Forecast report's figures)."""
	from opportunity_ext.opportunity_ext.report.sales_forecast.sales_forecast import execute

	company = frappe.defaults.get_user_default("Company")
	_columns, rows, _message, _chart = execute({"company": company, "period": "Quarter"})
	with_target = [row for row in rows if row.target]
	closed, target = sum(row.closed for row in with_target), sum(row.target for row in with_target)
	return {"value": flt(100 * closed / target, 1) if target else 0, "fieldtype": "Percent"}
