"""What the app's reports share: their filters, applied with the user's permissions."""

import frappe
from frappe import _
from frappe.utils import flt, getdate

# Filters every report offers, each an Opportunity field of the same name.
FIELD_FILTERS = (
	"company",
	"opportunity_owner",
	"territory",
	"sales_stage",
	"opportunity_type",
	"source",
	"campaign",
)


def opportunity_filters(filters: dict, date_field: str | None = "transaction_date") -> list:
	"""Frappe filters for the report's filter values; the date range on `date_field`."""
	filters = frappe._dict(filters or {})
	conditions = [
		["Opportunity", field, "=", filters[field]] for field in FIELD_FILTERS if filters.get(field)
	]
	if date_field and filters.get("from_date"):
		conditions.append(["Opportunity", date_field, ">=", getdate(filters.from_date)])
	if date_field and filters.get("to_date"):
		conditions.append(["Opportunity", date_field, "<=", getdate(filters.to_date)])
	if (
		filters.get("from_date")
		and filters.get("to_date")
		and getdate(filters.from_date) > getdate(filters.to_date)
	):
		frappe.throw(_("From Date must be before To Date."))
	return conditions


def permitted(table, filters: dict, date_field: str | None = "transaction_date"):
	"""Criterion: `table` (Opportunity) rows the user may read that match the filters: the
	query `frappe.get_list` builds for them (role and user permissions, sharing, permission
	query conditions), used as it is, as a subquery."""
	from pypika.terms import LiteralValue

	readable = frappe.get_list(
		"Opportunity",
		filters=opportunity_filters(filters, date_field),
		fields=["`tabOpportunity`.`name`"],
		order_by="",
		limit_page_length=0,
		run=False,
	)
	# the report's query runs with named parameters: a literal % must reach the driver doubled
	return table.name.isin(LiteralValue("(" + readable.replace("%", "%%") + ")"))


def stage_log(filters: dict):
	"""(query, log, opportunity): the Opportunity Stage Log joined to its opportunities, only
	those the filters and the user's permissions let through."""
	log, opportunity = frappe.qb.DocType("Opportunity Stage Log"), frappe.qb.DocType("Opportunity")
	query = (
		frappe.qb.from_(log)
		.join(opportunity)
		.on(log.opportunity == opportunity.name)
		.where(permitted(opportunity, filters))
	)
	return query, log, opportunity


def closed_in_range(opportunity, filters: dict):
	"""Criterion for won or lost opportunities the user may read, closed within the report's
	date range; and the closing-date term (won or lost date)."""
	from frappe.query_builder.functions import Coalesce

	from opportunity_ext.constants import LOST_STATUS, WON_STATUS

	closed_on = Coalesce(opportunity.won_date, opportunity.lost_date)
	condition = permitted(opportunity, filters, date_field=None) & opportunity.status.isin(
		(WON_STATUS, LOST_STATUS)
	)
	if filters.get("from_date"):
		condition &= closed_on >= getdate(filters.from_date)
	if filters.get("to_date"):
		condition &= closed_on <= getdate(filters.to_date)
	return condition, closed_on


def column(fieldname: str, label: str, fieldtype: str = "Data", width: int = 120, options=None) -> dict:
	"""A report column; `label` comes translated."""
	found = {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width}
	if options:
		found["options"] = options
	return found


def currency_column(fieldname: str, label: str, width: int = 140) -> dict:
	return column(fieldname, _(label), "Currency", width, "currency")


def company_currency(filters: dict) -> str:
	company = (filters or {}).get("company") or frappe.defaults.get_user_default("Company")
	return frappe.get_cached_value("Company", company, "default_currency") if company else None


WON_LOST_COLORS = ["#28a745", "#e24c4c"]


def group_by_field(filters: dict, groups: dict[str, str], default: str) -> tuple[str, str]:
	"""The report's Group By choice and the Opportunity field behind it; any other is refused."""
	label = (filters or {}).get("group_by") or default
	if label not in groups:
		frappe.throw(_("Group By must be one of {0}.").format(", ".join(_(group) for group in groups)))
	return label, groups[label]


def figures_by_group(query, groups: list, value) -> list[frappe._dict]:
	"""Per combination of `groups` over the rows of `query` (its tables joined and filtered):
	how many rows, how many have a value, and the values' average and median (Python's
	statistics over the group's values, read in one query). `group` holds the combination."""
	import statistics

	values = {}
	for *key, number in query.select(*groups, value).run():
		values.setdefault(tuple(key), []).append(number)
	figures = []
	for key, numbers in values.items():
		present = [flt(number) for number in numbers if number is not None]
		figures.append(
			frappe._dict(
				group=key,
				rows=len(numbers),
				count=len(present),
				average=statistics.fmean(present) if present else 0,
				median=statistics.median(present) if present else None,
			)
		)
	return figures


def bar_chart(labels: list, datasets: dict[str, list], **options) -> dict:
	"""A Frappe bar chart: `datasets` maps each series' (translated) name to its values."""
	return {
		"data": {
			"labels": labels,
			"datasets": [{"name": name, "values": values} for name, values in datasets.items()],
		},
		"type": "bar",
		**options,
	}


def stage_order_case(column):
	"""SQL: the funnel position (`funnel.stage_positions`) of the stage in `column`, 0 for a
	stage not in the funnel; None when there are no stages."""
	from frappe.query_builder import Case

	from opportunity_ext.lifecycle.funnel import stage_positions

	positions = stage_positions()
	case = Case()
	for stage, position in positions.items():
		case = case.when(column == stage, position)
	return case.else_(0) if positions else None


def period_of(day_field, period: str):
	"""SQL: the period key of a date column, as `forecast.period_key` makes it in Python
	("2026-11", "2026-Q4")."""
	from frappe.query_builder import CustomFunction
	from frappe.query_builder.functions import Concat

	from opportunity_ext.lifecycle import forecast

	if period == forecast.QUARTER:
		year, quarter = CustomFunction("YEAR", ["day"]), CustomFunction("QUARTER", ["day"])
		return Concat(year(day_field), "-Q", quarter(day_field))
	return CustomFunction("DATE_FORMAT", ["day", "format"])(day_field, "%Y-%m")
