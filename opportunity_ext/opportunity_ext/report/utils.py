"""What the app's reports share: their filters, applied with the user's permissions."""

import frappe
from frappe import _
from frappe.utils import flt, getdate

from opportunity_ext.utils.permissions import readable

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
	"""Criterion: `table` (Opportunity) rows the user may read that match the filters."""
	return readable(table, "Opportunity", opportunity_filters(filters, date_field))


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


def distributions(source, condition, groups: list, value, precision: int | None = None) -> dict:
	"""Per combination of `groups`: `rows` (all the rows), `count` and `total` (of those with a
	value) and the values' exact `median` (for whole numbers, else to `precision` decimals).

	Two grouped passes whose groups stay few however many distinct values there are (a group
	a distinct value spilled MariaDB's temporary table to disk): counts per coarse bucket find
	the bucket that holds each middle value, then the values of those buckets alone are
	counted. Linear in the rows, unlike MariaDB's MEDIAN window (a sort per partition).
	`source`: a table, or a query with its joins."""
	from frappe.query_builder.functions import Count, Round, Sum
	from pypika.queries import QueryBuilder

	term = value if precision is None else Round(value, precision)
	# of the value itself, not rounded: rounding keeps the order, so a bucket's rounded
	# values still follow those of the buckets before it
	bucket = bucket_of(value)

	def grouped(keys: list, aggregates: list, where):
		query = source if isinstance(source, QueryBuilder) else frappe.qb.from_(source)
		return query.select(*groups, *keys, *aggregates).where(where).groupby(*groups, *keys).run()

	found, coarse = {}, {}
	for *key, place, count, total in grouped([bucket], [Count("*"), Sum(value)], where=condition):
		summary = found.setdefault(tuple(key), frappe._dict(rows=0, count=0, total=0.0, median=None))
		summary.rows += count
		if place is not None:
			summary.count += count
			summary.total += flt(total)
			coarse.setdefault(tuple(key), []).append((place, count))

	# per group, the bucket of each middle value and its place among that bucket's values
	wanted = {
		key: [located(histogram, position) for position in middle_positions(histogram)]
		for key, histogram in coarse.items()
	}
	needed = sorted({place for places in wanted.values() for place, _offset in places})
	fine = {}
	if needed:
		for *key, place, number, count in grouped(
			[bucket, term], [Count("*")], where=condition & bucket.isin(needed)
		):
			fine.setdefault(same_group((*key, place)), []).append((number, count))
	for key, places in wanted.items():
		try:
			values = [located(fine[same_group((*key, place))], offset)[0] for place, offset in places]
		except (KeyError, IndexError):  # the two passes saw different rows: no median rather than a wrong one
			continue
		found[key].median = sum(values) / len(values)
	return found


def same_group(key: tuple) -> tuple:
	"""A group key as MariaDB compares text (case-insensitive, trailing spaces ignored): each
	pass spells a group as one of its rows does, not necessarily the same one."""
	return tuple(part.casefold().rstrip() if isinstance(part, str) else part for part in key)


def bucket_of(value):
	"""SQL: a coarse bucket of a number, in the numbers' order: eight a doubling of its size
	(about 9 % wide; every number below 0.09 in the first), so any range of values falls
	into a few hundred buckets at most. NULL for NULL."""
	from frappe.query_builder import CustomFunction
	from frappe.query_builder.functions import Floor

	greatest, log2 = CustomFunction("GREATEST", ["a", "b"]), CustomFunction("LOG2", ["number"])
	return Floor(log2(greatest(value, 0) + 1) * 8)


def middle_positions(histogram: list[tuple[float, int]]) -> list[int]:
	"""Where the middle value (or the middle two) stands among values given as
	(value, how many times), counted from 0."""
	total = sum(count for _value, count in histogram)
	return sorted({(total - 1) // 2, total // 2})


def located(histogram: list[tuple[float, int]], position: int) -> tuple[float, int]:
	"""The value at `position` (from 0) of the sorted values given as (value, how many
	times), and how many of the values equal to it come before that position."""
	seen = 0
	for number, count in sorted(histogram):
		if position < seen + count:
			return number, position - seen
		seen += count
	raise IndexError(position)


def middle(histogram: list[tuple[float, int]]) -> float:
	"""The median of values given as (value, how many times)."""
	values = [located(histogram, position)[0] for position in middle_positions(histogram)]
	return sum(values) / len(values)


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


def stage_positions() -> dict[str, int]:
	"""The position of each stage in the funnel (by default probability, then name), from 1:
	the one definition of "a later stage"; a stage not in it stands at 0."""
	stages = frappe.get_all("Sales Stage", fields=["name", "default_probability"])
	ordered = sorted(stages, key=lambda stage: (stage.default_probability or 0, stage.name))
	return {stage.name: position for position, stage in enumerate(ordered, start=1)}


# positions a 64-bit BIT_OR holds, 0 (a stage not in the funnel) included
MAX_BITS = 62


def deals_by_set(rows_query, deal, position, per_deal: list | None = None) -> list[tuple]:
	"""How many deals have each set of `position`s (stages they entered or left, kinds of
	move), with the same `per_deal` values: [(the positions as bits of one number, *values,
	count)]. A distinct count without one: per deal, one BIT_OR grouped by `deal` (the
	Opportunity's name: its rows are read in that order, so each group is summed as it is
	read), then the deals per combination, a few rows."""
	from frappe.query_builder import CustomFunction
	from frappe.query_builder.functions import Count

	bit_or, power = CustomFunction("BIT_OR", ["bits"]), CustomFunction("POWER", ["base", "exponent"])
	per_deal = per_deal or []
	deals = rows_query.select(
		bit_or(power(2, position)).as_("positions"),
		*(term.as_(f"value_{number}") for number, term in enumerate(per_deal)),
	).groupby(deal)
	columns = [deals.positions, *(deals[f"value_{number}"] for number in range(len(per_deal)))]
	return [
		(int(bits), *rest)
		for bits, *rest in frappe.qb.from_(deals).select(*columns, Count("*")).groupby(*columns).run()
	]


def stage_order_case(column, positions: dict[str, int] | None = None):
	"""SQL: `stage_positions` (read here unless given) of the stage in `column`; None when
	there are no stages."""
	from frappe.query_builder import Case

	positions = stage_positions() if positions is None else positions
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
